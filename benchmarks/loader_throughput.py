"""Loader throughput: samples per second, loading alone and loading plus a training step.

Four loaders over the same N = 1,000,000 in-memory samples, at batch sizes 64 and 1024:

* naive: ``DataLoader(TensorDataset(x, y), batch_size=B, shuffle=True)``: indexes and
  collates one sample at a time in Python;
* stock batch sampler: ``DataLoader(TensorDataset(x, y), sampler=BatchSampler(
  RandomSampler(ds, generator=g), B, drop_last=False), batch_size=None)``: the best stock
  idiom, which indexes the tensors once per batch with a list of indices;
* make_loader: ``helpers.make_loader(x, y, B)``: a real DataLoader whose dataset shuffles
  the whole epoch with one tensor index and yields slices of it;
* raw slicing: ``perm = torch.randperm(N)`` and ``x[perm[i:i + B]]`` in a plain loop, the
  hand-written loop that the course's learners would otherwise write.

Each is timed twice: **loading** alone (iterate the epoch, touch nothing), and **loading +
step** (the five steps of ``nn.Linear(1, 1)`` with SGD on every batch). On a CPU the step
costs much more than a good loader, so it hides the differences between loaders; loading
alone shows them.

The naive loader needs many seconds per epoch, so by default it is timed on its first
200,000 samples (``--naive-samples``); samples/s is still samples over seconds. Every loader
gets a warm-up, the thread count is fixed for all of them, and each measurement is repeated
round-robin (a noisy neighbour hits all loaders alike). The best repeat is the headline
figure (as ``timeit`` advises: other processes only ever add time), with the median beside
it; every ratio compares figures taken in the same run. The targets, for loading + step at
batch size 1024 on a 2-core CPU: make_loader >= 25x naive and >= 0.7x raw slicing. With a
CUDA GPU present, the script also times the device-resident path (``device="cuda"``).

Usage: ``python benchmarks/loader_throughput.py [--n N] [--repeats R] [--threads T]``
(``make bench``). Exit status 1 if a target is missed.
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
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a clone without install

from helpers.device import synchronize  # noqa: E402
from helpers.loader import make_loader  # noqa: E402

BATCH_SIZES = (64, 1024)
TARGET_VS_NAIVE = 25.0
TARGET_VS_RAW = 0.7
NAIVE, STOCK, FAST, RAW = "naive DataLoader", "stock batch sampler", "make_loader", "raw slicing"


def naive_batches(x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int) -> Iterable:
    gen = torch.Generator().manual_seed(seed)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, generator=gen)


def stock_batches(x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int) -> Iterable:
    ds = TensorDataset(x, y)
    gen = torch.Generator().manual_seed(seed)
    sampler = BatchSampler(RandomSampler(ds, generator=gen), batch_size, drop_last=False)
    return DataLoader(ds, sampler=sampler, batch_size=None)  # ds[list of B indices] per batch


def fast_batches(x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int) -> Iterable:
    return make_loader(x, y, batch_size, seed=seed, device=x.device)


def raw_batches(x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int) -> Iterable:
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(x), generator=gen).to(x.device)
    for i in range(0, len(x), batch_size):
        idx = perm[i : i + batch_size]
        yield x[idx], y[idx]


LOADERS: dict[str, Callable[..., Iterable]] = {
    NAIVE: naive_batches,
    STOCK: stock_batches,
    FAST: fast_batches,
    RAW: raw_batches,
}


def run_epoch(
    batches: Iterable, device: torch.device, max_samples: int, *, step: bool
) -> tuple[int, float]:
    """One (possibly truncated) epoch, with the training step or without; (samples, seconds)."""
    torch.manual_seed(0)
    model = nn.Linear(1, 1).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    seen = 0
    synchronize(device)
    start = time.perf_counter()
    for xb, yb in batches:  # the loader's own work (iter, shuffle) is inside the timing
        if step:
            loss = loss_fn(model(xb), yb)  # 2. predict, 3. loss
            opt.zero_grad()
            loss.backward()  # 4. gradients
            opt.step()  # 5. update
        seen += len(xb)
        if seen >= max_samples:
            break
    synchronize(device)
    return seen, time.perf_counter() - start


Rates = dict[tuple[str, int], list[float]]


def measure(
    data: tuple[torch.Tensor, torch.Tensor],
    device: torch.device,
    loaders: dict[str, Callable[..., Iterable]],
    limits: dict[str, int],
    repeats: int,
    *,
    step: bool,
) -> Rates:
    x, y = data
    rates: Rates = {}
    for bs in BATCH_SIZES:
        for make in loaders.values():  # warm-up: a few batches of each
            run_epoch(make(x, y, bs, 1), device, 20 * bs, step=step)
        for rep in range(repeats):
            for name, make in loaders.items():
                seen, secs = run_epoch(make(x, y, bs, rep), device, limits[name], step=step)
                rates.setdefault((name, bs), []).append(seen / secs)
    return rates


def report(title: str, rates: Rates, limits: dict[str, int], n: int) -> None:
    print(f"\n{title}")
    print(f"{'loader':<22}{'batch':>6}{'samples timed':>15}{'best samples/s':>16}{'median':>14}")
    for (name, bs), values in rates.items():
        timed = f"{min(limits[name], n):,}"
        print(
            f"{name:<22}{bs:>6}{timed:>15}{max(values):>16,.0f}{statistics.median(values):>14,.0f}"
        )


def ratios(label: str, rates: Rates, names: Iterable[str]) -> dict[str, float]:
    """Print make_loader / each other loader at the largest batch size; return them."""
    big = BATCH_SIZES[-1]
    fast = max(rates[(FAST, big)])
    out = {name: fast / max(rates[(name, big)]) for name in names if (name, big) in rates}
    print(f"\n{label}: make_loader / each loader at batch size {big} (best repeats, same run)")
    for name, ratio in out.items():
        print(f"  make_loader / {name:<20} = {ratio:7.2f}x")
    return out


def check_targets(with_step: dict[str, float]) -> bool:
    """The README's targets, on loading + step; print PASS/FAIL for each."""
    ok_naive = with_step[NAIVE] >= TARGET_VS_NAIVE
    ok_raw = with_step[RAW] >= TARGET_VS_RAW
    print(f"\nTargets (loading + step, batch size {BATCH_SIZES[-1]}):")
    print(f"  vs naive >= {TARGET_VS_NAIVE:g}x: {'PASS' if ok_naive else 'FAIL'}")
    print(f"  vs raw slicing >= {TARGET_VS_RAW:g}x: {'PASS' if ok_raw else 'FAIL'}")
    return ok_naive and ok_raw


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="samples in the dataset")
    parser.add_argument(
        "--naive-samples", type=int, default=200_000, help="samples the naive loader is timed on"
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads for all")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(args.n, 1, generator=gen)
    y = 1.5 + 2.0 * x + 0.1 * torch.randn(args.n, 1, generator=gen)
    limits = {name: args.n for name in LOADERS} | {NAIVE: args.naive_samples}
    print(
        f"torch {torch.__version__}, {args.threads} thread(s), N = {args.n:,}, best of "
        f"{args.repeats} repeats. The naive loader is timed on its first "
        f"{min(args.naive_samples, args.n):,} samples of each epoch; the others on the full epoch."
    )
    cpu = torch.device("cpu")
    found = {}
    for step, label in ((False, "CPU, loading alone"), (True, "CPU, loading + training step")):
        rates = measure((x, y), cpu, LOADERS, limits, args.repeats, step=step)
        report(label, rates, limits, args.n)
        found[step] = ratios(label, rates, (NAIVE, STOCK, RAW))
    ok = check_targets(found[True])

    if torch.cuda.is_available():
        gpu = torch.device("cuda")
        resident = {STOCK: stock_batches, FAST: fast_batches, RAW: raw_batches}
        for step in (False, True):
            label = f"CUDA ({torch.cuda.get_device_name(gpu)}), data resident, " + (
                "loading + training step" if step else "loading alone"
            )
            rates = measure((x.to(gpu), y.to(gpu)), gpu, resident, limits, args.repeats, step=step)
            report(label, rates, limits, args.n)
            ratios(label, rates, (STOCK, RAW))
    else:
        print("\nNo CUDA GPU present: the device-resident path was not measured.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
