"""IPython startup file: a kernel started with ``IPYTHONDIR=tests/offline_ipython`` runs offline.

``make nbval``'s native leg sets that, so its strict nbval run also proves that no notebook
reaches the network and that none passes the memory ceiling (see ``tests/offline_runner.py``).
Everything here is deleted again, so the notebook's namespace stays as a learner's would be.
"""


def _install_offline_rules() -> None:
    import importlib.util
    from pathlib import Path

    from IPython import get_ipython

    path = Path(__file__).resolve().parents[3] / "offline_runner.py"
    spec = importlib.util.spec_from_file_location("offline_runner", path)
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    runner.block_network()
    runner.watch_memory(get_ipython())


_install_offline_rules()
del _install_offline_rules
