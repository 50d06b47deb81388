"""Run every notebook's code outside Jupyter, with the network blocked.

- Any connection to a non-loopback address raises, so a notebook that downloads anything
  at run time fails here.
- The setup cells run twice: re-running them must do no harm.
- Cells marked ``NBVAL_RAISES_EXCEPTION`` must raise; all others must not.
- Notebook 01 runs with torch made unimportable (it is NumPy only).
- Peak memory stays under 600 MB (notebook 04's target; Binder allows 2 GB in all).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import NOTEBOOKS

RUNNER = r"""
import json, socket, sys

path, block_torch = sys.argv[1], sys.argv[2] == "1"
if block_torch:
    sys.modules["torch"] = None

_connect = socket.socket.connect

def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else None
    if self.family == getattr(socket, "AF_UNIX", None) or host in ("localhost", "::1") or str(host).startswith("127."):
        return _connect(self, address)
    raise OSError(f"notebook tried to reach the network: {address}")

socket.socket.connect = _loopback_only
socket.getaddrinfo = lambda host, *a, **k: (_ for _ in ()).throw(OSError(f"DNS lookup of {host}"))

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
plt.show = lambda *a, **k: plt.close("all")

nb = json.load(open(path, encoding="utf-8"))
cells, in_setup, setup = [], False, []
for cell in nb["cells"]:
    src = "".join(cell["source"])
    if cell["cell_type"] == "markdown" and src.startswith("## "):
        in_setup = src.startswith("## Setup")
    elif cell["cell_type"] == "code":
        cells.append(src)
        if in_setup:
            setup.append(src)

ns = {"__name__": "__main__"}
for i, src in enumerate(setup + cells):
    must_raise = "NBVAL_RAISES_EXCEPTION" in src
    try:
        exec(compile(src, f"<cell {i}>", "exec"), ns)
    except Exception as exc:
        if not must_raise:
            raise
        print(f"cell raised as intended: {type(exc).__name__}")
    else:
        if must_raise:
            raise SystemExit(f"cell {i} was marked NBVAL_RAISES_EXCEPTION but did not raise:\n{src}")
import resource
print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
print("OK")
"""

PEAK_MB = 600


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_offline_and_setup_twice(path):
    block_torch = path.name.startswith("01_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_", "MPL"))}
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(path), "1" if block_torch else "0"],
        cwd=path.parent,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, (done.stdout[-1500:], done.stderr[-3000:])
    assert done.stdout.rstrip().endswith("OK")
    peak = float(re.search(r"peak RSS (\d+) MB", done.stdout).group(1))
    assert peak < PEAK_MB, f"{path.name} peaked at {peak:.0f} MB"
