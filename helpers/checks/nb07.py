"""Checks for the exercises of notebook 07 (scaling out with DistributedDataParallel)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from torch.utils.data import DistributedSampler

from . import CheckResult, Mismatch, expect_number, expect_returned, run_check

__all__ = ["check_global_epoch_loss", "check_rank_share"]


def _flat(nested: list[list[float]]) -> list[float]:
    return [v for rank in nested for v in rank]


def _recognise_epoch_loss_mistakes(got: Any, losses: list, sizes: list, expected: float) -> None:
    """Raise a pointed Mismatch for the two averages that forget a weight."""
    if got is None or np.ndim(got) != 0:
        return
    value = float(got)
    batch_means = float(np.mean(_flat(losses)))
    rank_means = float(
        np.mean([np.dot(ls, ss) / np.sum(ss) for ls, ss in zip(losses, sizes, strict=True)])
    )
    if np.isclose(value, batch_means) and not np.isclose(batch_means, expected):
        raise Mismatch(
            f"you returned {value:.6g}, the plain mean of all the batch means; a last batch "
            f"that holds fewer samples counts as much as a full one. Expected {expected:.6g}.",
            hint="weight every batch by its number of samples, across all ranks.",
        )
    if np.isclose(value, rank_means) and not np.isclose(rank_means, expected):
        raise Mismatch(
            f"you returned {value:.6g}, the mean of the ranks' own epoch losses; here the ranks "
            f"saw different numbers of samples, so each must count for what it saw. "
            f"Expected {expected:.6g}.",
            hint="add up what every rank would send (its loss total and its sample count) "
            "before you divide, as an all-reduce does.",
        )


def check_global_epoch_loss(global_epoch_loss: Callable[..., Any]) -> CheckResult:
    """Exercise 1: ``global_epoch_loss(batch_losses, batch_sizes) -> float``.

    Both arguments hold one list per rank: that rank's batch mean losses and batch sizes.
    """

    def test(fn: Callable[..., Any]) -> str:
        cases = [
            ([[0.5, 0.5], [0.5, 0.5]], [[16, 4], [16, 4]]),  # equal losses: any average gives 0.5
            ([[1.0, 3.0], [2.0, 6.0]], [[16, 4], [16, 4]]),  # small last batches, large losses
            ([[1.0, 1.0], [4.0]], [[8, 8], [2]]),  # one rank saw far fewer samples
            ([[0.25]], [[7]]),  # one rank, one batch
        ]
        for losses, sizes in cases:
            expected = float(np.dot(_flat(losses), _flat(sizes)) / np.sum(_flat(sizes)))
            got = fn([list(r) for r in losses], [list(r) for r in sizes])
            _recognise_epoch_loss_mistakes(got, losses, sizes, expected)
            expect_number(got, expected, f"the epoch loss for losses {losses}, sizes {sizes}")
        return "every sample on every rank counts once: the loss rank 0 reports is the global one."

    return run_check(
        "Exercise 1 (global_epoch_loss)",
        global_epoch_loss,
        test,
        "the global epoch loss is the total of (batch loss x batch size) over every batch of "
        "every rank, divided by the total number of samples.",
    )


def _expected_share(n: int, world_size: int, rank: int, seed: int) -> tuple[list, list]:
    order = list(DistributedSampler(range(n), num_replicas=1, rank=0, seed=seed))
    share = list(DistributedSampler(range(n), num_replicas=world_size, rank=rank, seed=seed))
    return order, share


def _recognise_share_mistakes(got: list, order: list, world_size: int, rank: int) -> None:
    per_rank = -(-len(order) // world_size)
    if got == order[rank * per_rank : (rank + 1) * per_rank]:
        raise Mismatch(
            f"rank {rank} got one contiguous block of the order; the sampler deals the order "
            f"out like cards instead, one position to each rank in turn.",
            hint="rank r takes positions r, r + world size, r + 2 x world size, ... of the order.",
        )
    if got == order[rank::world_size] and len(order) % world_size:
        raise Mismatch(
            f"rank {rank} got {len(got)} indices, but every rank must get {per_rank}, or the "
            f"ranks would take different numbers of steps and wait for each other forever.",
            hint="when the world size does not divide the data, the sampler first repeats the "
            "start of the order until it does.",
        )


def check_rank_share(rank_share: Callable[..., Any]) -> CheckResult:
    """Exercise 2: ``rank_share(order, world_size, rank) -> list of int``, what
    ``DistributedSampler`` gives one rank."""

    def test(fn: Callable[..., Any]) -> str:
        for n, world_size, seed in [(8, 2, 0), (12, 4, 1), (10, 3, 2), (200, 3, 3), (5, 1, 4)]:
            for rank in range(world_size):
                order, expected = _expected_share(n, world_size, rank, seed)
                got = expect_returned(fn(list(order), world_size, rank), "the list of indices")
                what = f"rank_share(order of {n}, world_size={world_size}, rank={rank})"
                try:
                    got = [int(i) for i in got]
                except (TypeError, ValueError):
                    raise Mismatch(f"{what} should return a list of indices.") from None
                if got == expected:
                    continue
                _recognise_share_mistakes(got, order, world_size, rank)
                raise Mismatch(f"{what} starts {got[:6]}, expected {expected[:6]}.")
        return "interleaved and padded exactly as DistributedSampler deals out an epoch."

    return run_check(
        "Exercise 2 (rank_share)",
        rank_share,
        test,
        "pad the order with its own first indices until the world size divides it, then deal "
        "it out: rank r takes every world-size-th index, starting at position r.",
    )
