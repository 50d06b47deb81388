"""The offline rules (tests/offline_runner.py), and what only a plain run can show.

``make nbval``'s native leg runs every notebook with the network blocked and a memory
ceiling (``IPYTHONDIR=tests/offline_ipython``); the first tests here check that this kernel
set-up really blocks and watches. The rest run what nbval cannot: notebook 01 with torch
made unimportable, and every notebook's setup cells twice.
"""

from __future__ import annotations

import os
import subprocess
import sys

import offline_runner
import pytest
from notebook_files import NOTEBOOKS, ROOT, load_notebook

RUNNER = ROOT / "tests" / "offline_runner.py"
PROFILE = ROOT / "tests" / "offline_ipython"


def run_runner(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_", "MPL"))}
    return subprocess.run(
        [sys.executable, str(RUNNER), *args],
        cwd=ROOT / "notebooks",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_the_offline_kernel_blocks_the_network_and_leaves_no_names_behind(monkeypatch):
    from jupyter_client.manager import start_new_kernel

    monkeypatch.setenv("IPYTHONDIR", str(PROFILE))
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        code = (
            "import socket\n"
            "print([n for n in ('_install_offline_rules', 'Path', 'importlib') if n in dir()])\n"
            "print([f.__qualname__ for f in get_ipython().events.callbacks['post_run_cell']])\n"
            "socket.socket().connect(('192.0.2.1', 80))\n"
        )
        reply = kc.execute_interactive(code, timeout=60, output_hook=_collect(out := []))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "error"
    assert "tried to reach the network" in reply["content"]["evalue"]
    names, callbacks = "".join(out).splitlines()
    assert names == "[]"  # the startup file's own names are gone
    assert "watch_memory.<locals>.check" in callbacks  # and the memory ceiling is watched


def _collect(out: list[str]):
    def hook(msg: dict) -> None:
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])

    return hook


def test_dns_lookups_beyond_this_machine_fail(monkeypatch):
    import socket

    monkeypatch.setattr(socket.socket, "connect", socket.socket.connect)
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)
    offline_runner.block_network()
    assert socket.getaddrinfo("localhost", 80)
    with pytest.raises(OSError, match="DNS lookup of example.com"):
        socket.getaddrinfo("example.com", 80)


def test_the_memory_watch_speaks_once_when_the_ceiling_is_passed(capsys):
    callbacks = []
    shell = type("Shell", (), {"events": type("Events", (), {"register": None})()})()
    shell.events.register = lambda event, fn: callbacks.append((event, fn))
    offline_runner.watch_memory(shell, limit_mb=0)
    ((event, check),) = callbacks
    assert event == "post_run_cell"
    check(None)
    check(None)
    err = capsys.readouterr().err
    assert err.count("over the 0 MB ceiling") == 1


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="Linux only (VmHWM)")
def test_the_memory_reading_is_the_childs_own_not_its_parents():
    # Linux carries ru_maxrss over from a parent (fork, then exec): a pytest process that
    # imported torch's CUDA build made even notebook 01 "peak" at 830 MB. VmHWM is the child's.
    ballast = b"\x01" * (400 * 2**20)  # this process now holds 400 MB
    code = "import offline_runner; print(offline_runner.peak_rss_mb())"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=RUNNER.parent, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) < 200, f"the child read {done.stdout.strip()} MB: its parent's peak"
    del ballast


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_cells_marked_to_raise_have_a_stored_error_and_no_other_does(path):
    # Strict nbval compares stored outputs, so with this a marked cell that stops raising
    # (or an unmarked one that starts) fails the nbval legs.
    for cell in load_notebook(path).cells:
        if cell.cell_type != "code":
            continue
        marked = "raises-exception" in cell.metadata.get("tags", [])
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert bool(errors) == marked, cell.source[:200]


def test_notebook_01_runs_without_torch():
    (path,) = [p for p in NOTEBOOKS if p.name.startswith("01_")]
    done = run_runner(str(path), "--no-torch")
    assert done.returncode == 0, (done.stdout[-1500:], done.stderr[-3000:])
    assert done.stdout.rstrip().endswith("OK")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_cells_can_run_twice(path):
    done = run_runner(str(path), "--setup-only")
    assert done.returncode == 0, (done.stdout[-1500:], done.stderr[-3000:])
    assert done.stdout.rstrip().endswith("OK")
