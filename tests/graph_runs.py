"""Run notebook 02's graph cell again and again: ``python tests/graph_runs.py [--runs N]``.

The graph cell once failed on some runs and not others (a ``KeyError`` in helpers.graph on
torch 2.11: ids of grad_fn objects nobody held were reused). One run proves little, so this
builds the loss and draws its graph, as the cell does, N times (default 20): spread over
``--processes`` fresh interpreters (default 5) of the Python that runs it, each running the
cell several times in a row, as a learner re-running it does. Fresh interpreters vary where
objects land; runs in one interpreter reuse the memory (and the ids) of the runs before. It
says how many passed, and exits non-zero if any failed. ``make compat`` and ``make future`` run
it on their stacks; any Python with helpers installed can.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

CELL = """
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
import helpers
x, y = helpers.make_negative_slope_data(as_tensor=True)
w = torch.tensor(-10.0, requires_grad=True)
b = torch.tensor(-20.0, requires_grad=True)
loss = ((w * x + b - y) ** 2).mean()
helpers.plot_autograd_graph(loss, {"w": w, "b": b}, title="L = mean((w·x + b − y)²)")
plt.gcf().canvas.draw()
nodes = helpers.graph.autograd_graph(loss, {"w": w, "b": b})
assert len(nodes) == 7 and sum(len(n.inputs) for n in nodes) == 6, nodes
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--processes", type=int, default=5)
    args = parser.parse_args()
    processes = max(1, min(args.processes, args.runs))
    shares = [args.runs // processes + (p < args.runs % processes) for p in range(processes)]
    failed, broken, run = 0, False, 0
    for share in shares:
        # each run on fresh tensors; the previous run's graph and figure are dropped first
        code = f"for _ in range({share}):\n" + "".join(
            f"    {line}\n" for line in CELL.splitlines()
        )
        code += "    plt.close('all')\n    print('passed', flush=True)\n"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        passed = done.stdout.count("passed")
        run += share
        if done.returncode != 0 or passed != share:
            failed, broken = failed + share - passed, True
            last = (done.stderr.strip().splitlines() or ["?"])[-1]
            print(f"runs {run - share + 1}-{run}: {share - passed} failed\n{last}")
    import torch

    print(
        f"02's graph cell: {args.runs - failed} of {args.runs} runs passed, in {processes} fresh "
        f"processes (Python {sys.version.split()[0]}, torch {torch.__version__})"
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
