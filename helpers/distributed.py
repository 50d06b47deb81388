"""Train the course's linear model with DistributedDataParallel (DDP), one process per rank.

Run it under torchrun, which starts the processes and tells each one who it is
(``python -m torch.distributed.run`` is the same launcher)::

    torchrun --standalone --nproc-per-node=2 -m helpers.distributed \\
        --data intercept_slope --epochs 20 --batch-size 16 --lr 0.1 --seed 0 --out result.json

Every rank builds the same model from the same seed, reads its own share of each epoch
from a ``DistributedSampler(seed=S)`` (``set_epoch`` every epoch), and trains
``DDP(nn.Linear(d, 1))`` with SGD: DDP all-reduces (averages) the gradients in
``backward()``, so every rank takes the same step. N ranks with batch B therefore take the
same steps as one process with batch N·B over the same permutation. The epoch loss is
weighted by batch size and all-reduced, so every rank knows the global epoch loss; rank 0
alone prints it, writes checkpoints (``--checkpoint``) and the result (``--out``, JSON).

Backends: gloo on the CPU; nccl when CUDA is present and every rank on the machine has a
GPU of its own (``LOCAL_RANK`` picks ``cuda:LOCAL_RANK``).

A world size that does not divide the dataset: the sampler pads each epoch by repeating the
first samples of its permutation until every rank has as many (so a few samples count twice
per epoch); rank 0 prints how many. Padding, not ``drop_last``, keeps every sample in every
epoch, and is what ``DistributedSampler`` does by default.

Each rank pays for importing torch (and ``torch._dynamo``, which ``torch.optim`` and DDP load
on first use). Where that counts (notebook 07 starts 8 ranks), run torchrun's ``main()`` after
those imports and let it fork the ranks from its own process; it then runs this file by its
path (``--run-path``), with the repository root on ``PYTHONPATH``::

    python -c "import torch._dynamo; from torch.distributed.run import main; main()" \\
        --standalone --nproc-per-node=2 --run-path --start-method=fork \\
        /path/to/helpers/distributed.py --epochs 20 --batch-size 16 --out result.json

The ranks then start with those imports done; the training is the same (Linux: forking a
process that has imported torch is not safe on macOS).

A rank that fails: torchrun (``--max-restarts=0``, its default) stops the other ranks, and
a collective that waits on a lost rank gives up after ``--timeout`` seconds. The result
file is written once, atomically, at the very end, so a failed run leaves none; checkpoints
are atomic too, and a rerun with the same ``--checkpoint`` resumes exactly.

Taught in: 07 · Scaling out with DistributedDataParallel (every section).
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.distributed.elastic.multiprocessing.errors import record
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

# Full names, not relative imports: `torchrun --run-path` runs this file outside its package.
from helpers.checkpoint import load_checkpoint, save_checkpoint
from helpers.distributed_setup import (
    DATASETS,
    EXAMPLE,
    choose_backend,
    load_dataset,
    padding_note,
    torchrun_env,
    write_json_atomically,
)

__all__ = ["main", "parse_args"]


# --------------------------------------------------------------------------- the command line
def _number(kind: type, minimum: float, *, strict: bool = False) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if value < minimum or (strict and value == minimum):
            raise argparse.ArgumentTypeError(
                f"must be {'>' if strict else '>='} {minimum}, got {text!r}"
            )
        return value

    return parse


def _dataset_name(text: str) -> str:
    if text not in DATASETS:
        raise argparse.ArgumentTypeError(
            f"unknown dataset {text!r}; valid names: {', '.join(DATASETS)}"
        )
    return text


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line of ``python -m helpers.distributed`` (``--help`` lists it)."""
    p = argparse.ArgumentParser(
        prog="torchrun --standalone --nproc-per-node=N -m helpers.distributed",
        description="Train nn.Linear with DistributedDataParallel; rank 0 writes the result.",
        epilog=f"example: {EXAMPLE}",
    )
    p.add_argument(
        "--data",
        type=_dataset_name,
        default="intercept_slope",
        help=f"the dataset: {', '.join(DATASETS)}",
    )
    p.add_argument("--epochs", type=_number(int, 1), default=20)
    p.add_argument("--batch-size", type=_number(int, 1), default=16, help="per rank")
    p.add_argument("--lr", type=_number(float, 0, strict=True), default=0.1)
    p.add_argument("--seed", type=_number(int, 0), default=0, help="the same on every rank")
    p.add_argument("--out", type=Path, help="rank 0 writes the result here as JSON")
    p.add_argument("--checkpoint", type=Path, help="save every epoch; resume if it exists")
    p.add_argument("--backend", choices=("auto", "gloo", "nccl"), default="auto")
    p.add_argument(
        "--timeout",
        type=_number(float, 0, strict=True),
        default=60.0,
        help="seconds a collective waits for a missing rank",
    )
    p.add_argument(
        "--fail-rank",
        type=_number(int, 0),
        default=None,
        help="(a demonstration) this rank raises at the start of the last epoch",
    )
    return p.parse_args(argv)


# --------------------------------------------------------------------------- training
def _say(line: str) -> None:
    """Print one line in one write: lines of ranks that share a terminal or pipe never mix."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _one_epoch(model: nn.Module, loader: DataLoader, optimizer: Any, device: Any) -> torch.Tensor:
    """One pass over this rank's share; returns [sum of loss x batch size, samples] (float64)."""
    loss_fn = nn.MSELoss()
    stats = torch.zeros(2, dtype=torch.float64, device=device)
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        pred = model(xb)  # 2. predict
        loss = loss_fn(pred, yb)  # 3. loss
        optimizer.zero_grad()
        loss.backward()  # 4. gradients (DDP averages them over all ranks here)
        optimizer.step()  # 5. update
        stats[0] += loss.detach().double() * len(xb)  # weight by batch size
        stats[1] += len(xb)
    return stats


def _global_epoch_loss(stats: torch.Tensor, epoch: int) -> float:
    """All-reduce (sum) every rank's [loss x size, samples]: the global epoch loss, on every rank."""
    dist.all_reduce(stats, op=dist.ReduceOp.SUM)
    loss = (stats[0] / stats[1]).item()
    if not math.isfinite(loss):
        raise FloatingPointError(
            f"the training loss became {loss} at epoch {epoch}: the updates overshoot and grow. "
            f"Try a smaller --lr."
        )
    return loss


def _setup_key(args: argparse.Namespace, world_size: int) -> dict[str, Any]:
    """What a resumed run must share with the run that wrote the checkpoint."""
    return {
        "data": args.data,
        "seed": args.seed,
        "lr": args.lr,
        "global_batch_size": args.batch_size * world_size,
    }


def _resume(args: argparse.Namespace, model: nn.Module, optimizer: Any, world_size: int) -> tuple:
    """(epochs done, loss history) from ``--checkpoint`` if it exists, else (0, [])."""
    dist.barrier()  # nobody reads the checkpoint while another rank may still be writing it
    if args.checkpoint is None or not args.checkpoint.exists():
        return 0, []
    state = load_checkpoint(args.checkpoint)
    if state.get("setup") == _setup_key(args, world_size) and state["epoch"] > args.epochs:
        raise ValueError(
            f"the checkpoint {args.checkpoint.name!r} already holds epoch {state['epoch']}, "
            f"past --epochs {args.epochs}: --epochs is the total to reach, so pass at least "
            f"{state['epoch']}, or another --checkpoint."
        )
    if state.get("setup") != _setup_key(args, world_size):
        raise ValueError(
            f"the checkpoint {args.checkpoint.name!r} was written by another run "
            f"({state.get('setup')}, epoch {state.get('epoch')}); this run is "
            f"{_setup_key(args, world_size)} for {args.epochs} epochs. Pass the same settings "
            f"(any world size x batch size with the same product), or another --checkpoint."
        )
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if dist.get_rank() == 0:
        _say(f"resumed from the checkpoint at epoch {state['epoch']}")
    return int(state["epoch"]), [float(v) for v in state["train_loss"]]


def _save(
    args: argparse.Namespace,
    model: nn.Module,
    optimizer: Any,
    epoch: int,
    history: list[float],
    world_size: int,
) -> None:
    """Rank 0 writes the checkpoint (atomically); every rank waits until it is complete."""
    if dist.get_rank() == 0:
        state = {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "epoch": epoch,
            "train_loss": list(history),
            "setup": _setup_key(args, world_size),
        }
        save_checkpoint(state, args.checkpoint)
    dist.barrier()


def _train(args: argparse.Namespace, device: torch.device) -> dict[str, Any]:
    """Every rank: build, resume, train; returns the result that rank 0 writes to ``--out``."""
    rank, world_size = dist.get_rank(), dist.get_world_size()
    x, y = load_dataset(args.data)
    torch.manual_seed(args.seed)  # the same seed on every rank
    model = nn.Linear(x.shape[1], 1).to(device)  # 1. initialise
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    done, history = _resume(args, model, optimizer, world_size)
    ddp = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)
    sampler = DistributedSampler(TensorDataset(x, y), world_size, rank, seed=args.seed)
    loader = DataLoader(sampler.dataset, batch_size=args.batch_size, sampler=sampler)
    _say(
        f"rank {rank} of {world_size}: {sampler.num_samples} samples per epoch in "
        f"{len(loader)} batches, on {device}"
    )
    if rank == 0 and padding_note(len(x), world_size):
        _say(padding_note(len(x), world_size))
    for epoch in range(done + 1, args.epochs + 1):
        if rank == args.fail_rank and epoch == args.epochs:
            raise RuntimeError(f"rank {rank} fails on purpose (--fail-rank) in epoch {epoch}")
        sampler.set_epoch(epoch)  # a new order every epoch (the same on every rank)
        history.append(_global_epoch_loss(_one_epoch(ddp, loader, optimizer, device), epoch))
        if rank == 0:
            _say(f"epoch {epoch}/{args.epochs}: loss {history[-1]:.4g}")
        if args.checkpoint is not None:
            _save(args, model, optimizer, epoch, history, world_size)
    return {
        "data": args.data,
        "world_size": world_size,
        "batch_size": args.batch_size,
        "global_batch_size": args.batch_size * world_size,
        "epochs": args.epochs,
        "lr": args.lr,
        "seed": args.seed,
        "backend": dist.get_backend(),
        "weight": model.weight.detach().cpu().reshape(-1).tolist(),
        "bias": model.bias.detach().cpu().item(),
        "train_loss": history,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, join the process group, train, and let rank 0 write ``--out``.

    Taught in: 07 · Scaling out with DistributedDataParallel, section 2.

    Returns:
        0 on success, 2 (with a message on stderr) when not started by torchrun.
    """
    args = parse_args(argv)
    try:
        _, world_size, local_rank = torchrun_env()
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.fail_rank is not None and args.fail_rank >= world_size:
        print(
            f"error: --fail-rank {args.fail_rank} names no rank: this run has ranks 0 to "
            f"{world_size - 1}.",
            file=sys.stderr,
        )
        return 2
    local_world_size = int(os.environ.get("LOCAL_WORLD_SIZE", os.environ["WORLD_SIZE"]))
    backend, device = choose_backend(local_rank, local_world_size, args.backend)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(backend, timeout=timedelta(seconds=args.timeout))
    try:
        result = _train(args, device)
        if dist.get_rank() == 0 and args.out is not None:
            write_json_atomically(result, args.out)  # once, at the end: never half-written
        dist.barrier()  # every rank has finished every collective before any leaves
    finally:
        # DDP's gradient hooks form reference cycles that keep the process group's pending
        # work alive; free them now, or gloo's threads may abort the exit (SIGABRT).
        gc.collect()
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(record(main)())  # record: a failing rank's error reaches torchrun's summary
