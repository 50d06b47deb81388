"""Run a notebook's code the way a learner's machine might, and refuse what it must not do.

Two ways in, one set of rules:

- As an IPython startup file (``tests/offline_ipython``, used by ``make nbval``'s native leg
  through ``IPYTHONDIR``): every Jupyter kernel that nbval starts there gets the network
  blocked (:func:`block_network`) and a memory ceiling (:func:`watch_memory`), so the strict
  nbval run that checks the stored outputs proves these as well, in the same execution.
- As a script (``python tests/offline_runner.py NOTEBOOK [--no-torch] [--setup-only]``),
  for what nbval cannot show: notebook 01 with torch made unimportable (it is NumPy only),
  and the setup cells run twice (re-running them must do no harm).

A connection to a non-loopback address, or a DNS lookup of another host, raises ``OSError``:
a notebook that downloads anything at run time fails. The ceiling is on the peak resident
memory of the process itself (``VmHWM``, not ``ru_maxrss``, which Linux carries over from
the parent that started it): ``PEAK_MB`` (notebook 04's target; Binder allows 2 GB in all).
The ceiling is for the pinned CPU build of torch. The CUDA build, which a plain
``pip install torch`` gives on Linux and Colab has, takes ~500 MB more at ``import torch``
alone; the legs that run it (``make compat``, ``make future``) set their own ceiling with
the environment variable ``OFFLINE_PEAK_MB``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import sys
from pathlib import Path
from typing import Any

PEAK_MB = int(os.environ.get("OFFLINE_PEAK_MB", "600"))
LOOPBACK = ("localhost", "::1", "127.")


def _is_loopback(host: Any) -> bool:
    return isinstance(host, str) and (host in LOOPBACK[:2] or host.startswith(LOOPBACK[2]))


def block_network() -> None:
    """Make every connection or DNS lookup beyond this machine raise ``OSError``."""
    connect, getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def loopback_only(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else None
        if self.family == getattr(socket, "AF_UNIX", None) or _is_loopback(host):
            return connect(self, address)
        raise OSError(f"the notebook tried to reach the network: {address}")

    def local_lookups_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is None or _is_loopback(host):
            return getaddrinfo(host, *args, **kwargs)
        raise OSError(f"the notebook tried a DNS lookup of {host}")

    socket.socket.connect = loopback_only
    socket.getaddrinfo = local_lookups_only


def peak_rss_mb() -> float:
    """This process's own peak resident memory so far, in MB.

    Linux: ``VmHWM`` of /proc/self/status (in kB). ``ru_maxrss`` would not do there: a
    process started by a bigger one (pytest that imported torch, say) inherits its peak.
    Elsewhere ``ru_maxrss``, in bytes on macOS.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def watch_memory(shell: Any, limit_mb: float = PEAK_MB) -> None:
    """After every cell, write one line to stderr the first time the peak passes the ceiling.

    nbval compares every cell's stderr with the stored (empty) one, so that line fails the
    cell where the ceiling was crossed.
    """
    reported = False

    def check(_result: Any) -> None:
        nonlocal reported
        peak = peak_rss_mb()
        if peak > limit_mb and not reported:
            reported = True
            print(
                f"offline_runner: memory peaked at {peak:.0f} MB, over the {limit_mb} MB ceiling",
                file=sys.stderr,
            )

    shell.events.register("post_run_cell", check)


Cell = tuple[str, bool]  # (source, tagged raises-exception)


def code_cells(path: Path) -> tuple[list[Cell], list[Cell]]:
    """(setup cells, all code cells): (source, tagged ``raises-exception``) of the code cells
    in order, and of the code cells under ``## Setup``."""
    # the notebook's JSON read as it is (nbformat format 4): importing nbformat would cost every
    # kernel of the nbval leg about 3 s (its jsonschema builds a grammar at import)
    setup, cells, in_setup = [], [], False
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        source = "".join(cell["source"])  # a list of lines, or one string
        if cell["cell_type"] == "markdown" and source.startswith("## "):
            in_setup = source.startswith("## Setup")
        elif cell["cell_type"] == "code":
            raises = "raises-exception" in cell.get("metadata", {}).get("tags", [])
            cells.append((source, raises))
            if in_setup:
                setup.append((source, raises))
    return setup, cells


def run_cells(cells: list[Cell]) -> None:
    """Execute the cells in one namespace; a cell tagged ``raises-exception`` must raise,
    any other must not."""
    namespace = {"__name__": "__main__"}
    for i, (source, must_raise) in enumerate(cells):
        try:
            exec(compile(source, f"<cell {i}>", "exec"), namespace)  # noqa: S102
        except Exception as exc:
            if not must_raise:
                raise
            print(f"cell {i} raised as intended: {type(exc).__name__}")
        else:
            if must_raise:
                raise SystemExit(f"cell {i} is tagged raises-exception but did not raise")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--no-torch", action="store_true", help="make torch unimportable")
    parser.add_argument("--setup-only", action="store_true", help="run only the setup cells")
    args = parser.parse_args(argv)
    if args.no_torch:
        sys.modules["torch"] = None  # `import torch` now raises ImportError
    block_network()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.show = lambda *a, **k: plt.close("all")
    setup, cells = code_cells(args.notebook)
    run_cells(setup + (setup if args.setup_only else cells))
    peak = peak_rss_mb()
    print(f"peak RSS {peak:.0f} MB")
    if peak > PEAK_MB:
        raise SystemExit(f"memory peaked at {peak:.0f} MB, over the {PEAK_MB} MB ceiling")
    print("OK")


if __name__ == "__main__":
    main()
