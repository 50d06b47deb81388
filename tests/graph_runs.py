"""Run notebook 02's graph cell in fresh processes, again and again: ``python tests/graph_runs.py``.

The graph cell once failed on some runs and not others (a ``KeyError`` in helpers.graph on
torch 2.11: ids of grad_fn objects nobody held were reused). One run proves little, so this
builds the loss and draws its graph, as the cell does, in N fresh interpreters (default 20)
of the Python that runs it, and says how many passed. It exits non-zero if any failed.
``make compat`` and ``make future`` run it on their stacks; any Python with helpers installed can.
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
    runs = parser.parse_args().runs
    failures = []
    for run in range(1, runs + 1):
        done = subprocess.run([sys.executable, "-c", CELL], capture_output=True, text=True)
        if done.returncode != 0:
            failures.append(run)
            print(f"run {run}: failed\n{done.stderr.strip().splitlines()[-1]}")
    import torch

    print(
        f"02's graph cell: {runs - len(failures)} of {runs} fresh runs passed "
        f"(Python {sys.version.split()[0]}, torch {torch.__version__})"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
