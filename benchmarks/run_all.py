"""Run All, timed: each notebook top to bottom in a fresh kernel, as a learner's *Run All*.

For every ``notebooks/NN_*.ipynb`` (or the ones named), the script starts a fresh kernel of
this Python, runs every cell in order with nbclient (cells tagged ``raises-exception`` may
raise, as in JupyterLab) and times two spans:

* **Run All**: from the first cell sent to the last cell done, the time a learner waits after
  *Run > Run All Cells* in a kernel that is already up;
* **with start-up**: the same plus starting the kernel.

Nothing is written back: the notebooks stay as stored. Each notebook runs ``--repeats`` times
round-robin (a noisy neighbour hits every notebook alike); the best repeat is the headline
figure, since other processes only ever add time, with the slowest beside it. The load
average before and after is printed, and, on Linux, where the CPUs' time went while the
notebooks ran (``cpu_account.py``, beside this script: every process watched, ``/proc/stat``
for the host): to the benchmark and its kernels, to other processes, or to other guests of a
virtual machine's host ("steal"). A run is called quiet when the last two took under a tenth of
the CPUs' time; the targets are for a quiet machine, and the same notebooks have taken twice as
long on a virtual machine whose host was busy.

Targets on a quiet 2-core CPU (issue "The stacks learners really run"): notebook 07 at most
20 s, the series (the sum over 01-07) at most 60 s. Exit status 1 if a target is missed.

Usage: ``python benchmarks/run_all.py [--repeats R] [--slowest K] [NOTEBOOK...]`` (``make
bench``); ``--slowest K`` lists each notebook's K slowest cells (index in the notebook's cells).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from cpu_account import CpuAccount  # benchmarks/, beside this script
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
TARGET_07_S = 20.0
TARGET_SERIES_S = 60.0


def run_once(path: Path) -> tuple[float, float, list[tuple[float, int]]]:
    """Run ``path`` top to bottom in a fresh kernel: (Run All seconds, seconds with start-up,
    [(seconds, cell index)] for each code cell)."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as sockets:
        # IPC sockets, not TCP: the same kernel, without its warning about plain-text TCP
        km = KernelManager(kernel_name="python3", transport="ipc", ip=f"{sockets}/kernel")
        client = NotebookClient(
            nb, km=km, timeout=600, resources={"metadata": {"path": str(path.parent)}}
        )
        cells = []
        started = time.perf_counter()
        try:
            with client.setup_kernel():
                ready = time.perf_counter()
                for index, cell in enumerate(nb.cells):
                    before = time.perf_counter()
                    client.execute_cell(cell, index)
                    if cell.cell_type == "code":
                        cells.append((time.perf_counter() - before, index))
                done = time.perf_counter()
        finally:  # nbclient leaves a kernel it did not start itself running
            if km.has_kernel:
                km.shutdown_kernel(now=True)
    return done - ready, done - started, cells


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--slowest",
        type=int,
        default=0,
        metavar="K",
        help="also list each notebook's K slowest cells",
    )
    args = parser.parse_args(argv)
    every = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    paths = args.notebooks or every
    load_before = os.getloadavg()
    account = CpuAccount("this benchmark and its kernels")
    runs: dict[str, list[tuple[float, float, list[tuple[float, int]]]]] = {
        p.name: [] for p in paths
    }
    for _ in range(args.repeats):
        for path in paths:
            runs[path.name].append(run_once(path))
    load_after = os.getloadavg()
    cpu = account.report()

    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, ", end="")
    print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print(f"{'notebook':<40} {'Run All (s)':>12} {'slowest':>8} {'with start-up':>14}")
    best: dict[str, float] = {}
    for name, times in runs.items():
        best[name] = min(t for t, _, _ in times)
        slowest = max(t for t, _, _ in times)
        startup = min(s for _, s, _ in times)
        print(f"{name:<40} {best[name]:>12.1f} {slowest:>8.1f} {startup:>14.1f}")
        cells = min(times)[2]
        for seconds, index in sorted(cells, reverse=True)[: args.slowest]:
            print(f"    cell {index:<3} {seconds:6.2f} s")
    series = sum(best.values())
    print(f"{'series (sum of the best)':<40} {series:>12.1f}")
    print(cpu)

    ok = True
    seven = next((t for name, t in best.items() if name.startswith("07_")), None)
    if seven is not None:
        ok &= seven <= TARGET_07_S
        verdict = "met" if seven <= TARGET_07_S else "MISSED"
        print(f"target: 07 <= {TARGET_07_S:.0f} s: {seven:.1f} s, {verdict}")
    if len(best) == len(every):
        ok &= series <= TARGET_SERIES_S
        verdict = "met" if series <= TARGET_SERIES_S else "MISSED"
        print(f"target: series <= {TARGET_SERIES_S:.0f} s: {series:.1f} s, {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
