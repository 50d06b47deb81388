"""Loader throughput: how many samples per second one epoch of training gets through.

Trains ``nn.Linear(1, 1)`` with SGD for one epoch on N = 1,000,000 samples, at batch sizes
64 and 1024, fed by three loaders that yield the same kind of batches:

* naive: ``DataLoader(TensorDataset(x, y), batch_size=B, shuffle=True)``: indexes and
  collates one sample at a time in Python;
* make_loader: ``helpers.make_loader(x, y, B)``: a real DataLoader whose dataset shuffles
  the whole epoch with one tensor index and yields slices of it;
* raw slicing: ``perm = torch.randperm(N)`` and ``x[perm[i:i + B]]`` in a plain loop, the
  hand-written loop that the course's learners would otherwise write.

The naive loader needs many seconds per epoch, so by default it is timed on its first
200,000 samples (``--naive-samples``); its samples/s is still samples over seconds of the
same training loop. Every loader gets a warm-up, the thread count is fixed for all of them,
and each measurement is repeated (round-robin, so a noisy neighbour hits all loaders alike).
The best repeat is the headline figure (as ``timeit`` advises: other processes on the machine
only ever add time), with the median and the spread beside it; the ratios use the best. The targets, at batch size 1024 on a 2-core CPU:
make_loader >= 25x naive and >= 0.7x raw slicing. With a CUDA GPU present, the script also
times the device-resident path (``make_loader(..., device="cuda")``, model on the GPU).

Usage: ``python benchmarks/loader_throughput.py [--n N] [--repeats R] [--threads T]``.
Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a clone without install

from helpers.device import synchronize  # noqa: E402
from helpers.training import make_loader  # noqa: E402

BATCH_SIZES = (64, 1024)
TARGET_VS_NAIVE = 25.0
TARGET_VS_RAW = 0.7


def naive_batches(x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int) -> Iterable:
    gen = torch.Generator().manual_seed(seed)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, generator=gen)


def fast_batches(x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int) -> Iterable:
    return make_loader(x, y, batch_size, seed=seed, device=x.device)


def raw_batches(x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int) -> Iterable:
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(x), generator=gen).to(x.device)
    for i in range(0, len(x), batch_size):
        idx = perm[i : i + batch_size]
        yield x[idx], y[idx]


LOADERS: dict[str, Callable[..., Iterable]] = {
    "naive DataLoader": naive_batches,
    "make_loader": fast_batches,
    "raw randperm slicing": raw_batches,
}


def train_epoch(batches: Iterable, device: torch.device, max_samples: int) -> tuple[int, float]:
    """One (possibly truncated) epoch of the five steps; returns (samples, seconds)."""
    torch.manual_seed(0)
    model = nn.Linear(1, 1).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    seen = 0
    synchronize(device)
    start = time.perf_counter()
    for xb, yb in batches:  # the loader's own work (iter, shuffle) is inside the timing
        loss = loss_fn(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        seen += len(xb)
        if seen >= max_samples:
            break
    synchronize(device)
    return seen, time.perf_counter() - start


def measure(
    x: torch.Tensor,
    y: torch.Tensor,
    device: torch.device,
    loaders: dict,
    limits: dict[str, int],
    repeats: int,
) -> dict[tuple[str, int], list[float]]:
    rates: dict[tuple[str, int], list[float]] = {}
    for bs in BATCH_SIZES:
        for make in loaders.values():  # warm-up: a few batches of each
            train_epoch(make(x, y, bs, 1), device, 20 * bs)
        for rep in range(repeats):
            for name, make in loaders.items():
                seen, secs = train_epoch(make(x, y, bs, rep), device, limits[name])
                rates.setdefault((name, bs), []).append(seen / secs)
    return rates


def report(
    title: str, rates: dict[tuple[str, int], list[float]], limits: dict[str, int], n: int
) -> None:
    print(f"\n{title}")
    print(
        f"{'loader':<22}{'batch':>6}{'samples timed':>15}{'best samples/s':>16}"
        f"{'median':>12}{'spread (min-max)':>26}"
    )
    for (name, bs), values in rates.items():
        spread = f"{min(values):,.0f}-{max(values):,.0f}"
        timed = f"{min(limits[name], n):,}"
        print(
            f"{name:<22}{bs:>6}{timed:>15}{max(values):>16,.0f}"
            f"{statistics.median(values):>12,.0f}{spread:>26}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="samples in the dataset")
    parser.add_argument(
        "--naive-samples",
        type=int,
        default=200_000,
        help="samples the naive loader is timed on (it is slow)",
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--threads", type=int, default=1, help="torch.set_num_threads for all loaders"
    )
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(args.n, 1, generator=gen)
    y = 1.5 + 2.0 * x + 0.1 * torch.randn(args.n, 1, generator=gen)
    limits = {
        "naive DataLoader": args.naive_samples,
        "make_loader": args.n,
        "raw randperm slicing": args.n,
    }
    print(
        f"torch {torch.__version__}, {args.threads} thread(s), N = {args.n:,}, "
        f"best of {args.repeats} repeats; nn.Linear(1, 1), SGD, one epoch per measurement."
    )
    print(
        f"The naive loader is timed on its first {min(args.naive_samples, args.n):,} samples "
        f"of each epoch; the others on the full epoch."
    )

    cpu = torch.device("cpu")
    rates = measure(x, y, cpu, LOADERS, limits, args.repeats)
    report("CPU", rates, limits, args.n)

    big = BATCH_SIZES[-1]
    fast = max(rates[("make_loader", big)])
    vs_naive = fast / max(rates[("naive DataLoader", big)])
    vs_raw = fast / max(rates[("raw randperm slicing", big)])
    med = {name: statistics.median(rates[(name, big)]) for name in LOADERS}
    ok_naive, ok_raw = vs_naive >= TARGET_VS_NAIVE, vs_raw >= TARGET_VS_RAW
    print(f"\nRatios at batch size {big} (same run):")
    print(
        f"  make_loader / naive DataLoader = {vs_naive:6.1f}x  "
        f"(target >= {TARGET_VS_NAIVE:g}x): {'PASS' if ok_naive else 'FAIL'}"
    )
    print(
        f"  make_loader / raw slicing      = {vs_raw:6.2f}x  "
        f"(target >= {TARGET_VS_RAW:g}x): {'PASS' if ok_raw else 'FAIL'}"
    )
    print(
        f"  (from the medians instead: {med['make_loader'] / med['naive DataLoader']:.1f}x and "
        f"{med['make_loader'] / med['raw randperm slicing']:.2f}x)"
    )
    ceiling = max(rates[("raw randperm slicing", big)]) / max(rates[("naive DataLoader", big)])
    print(
        f"  For reference, raw slicing / naive DataLoader = {ceiling:.1f}x: the training step itself "
        f"bounds what any loader can gain in this loop."
    )

    if torch.cuda.is_available():
        gpu = torch.device("cuda")
        xg, yg = x.to(gpu), y.to(gpu)
        gpu_loaders = {"make_loader": fast_batches, "raw randperm slicing": raw_batches}
        gpu_rates = measure(xg, yg, gpu, gpu_loaders, limits, args.repeats)
        report(
            f"CUDA, data resident on {torch.cuda.get_device_name(gpu)}", gpu_rates, limits, args.n
        )
    else:
        print("\nNo CUDA GPU present: the device-resident path was not measured.")
    return 0 if ok_naive and ok_raw else 1


if __name__ == "__main__":
    sys.exit(main())
