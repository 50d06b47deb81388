"""Checks for the exercises of notebook 04 (Dataset, DataLoader and the GPU)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ..data import make_intercept_slope_data
from . import Mismatch, expect_number, run_check

__all__ = ["check_weighted_epoch_loss", "check_shuffled_batches", "check_evaluate"]


def check_weighted_epoch_loss(weighted_epoch_loss: Callable[..., Any]) -> bool:
    """Exercise 1: ``weighted_epoch_loss(batch_losses, batch_sizes) -> float``."""

    def test(fn: Callable[..., Any]) -> str:
        cases = [
            ([0.5, 0.5, 0.5], [16, 16, 8]),  # equal losses: any weighting gives 0.5
            ([1.0, 1.0, 4.0], [16, 16, 8]),  # a small last batch with a large loss
            ([2.0, 3.0], [1, 3]),
            ([0.25], [7]),
        ]
        for losses, sizes in cases:
            expected = float(np.dot(losses, sizes) / np.sum(sizes))
            got = fn(list(losses), list(sizes))
            if (
                got is not None
                and np.ndim(got) == 0
                and np.isclose(float(got), np.mean(losses))
                and not np.isclose(expected, np.mean(losses))
            ):
                raise Mismatch(
                    f"for losses {losses} and sizes {sizes} you returned {float(got):.6g}, the plain "
                    f"mean of the batch means; the {sizes[-1]} samples of the last batch count as "
                    f"much as the {sizes[0]} of the first. Expected {expected:.6g}."
                )
            expect_number(got, expected, f"the epoch loss for losses {losses} and sizes {sizes}")
        return "every sample counts once, however the epoch was cut into batches."

    return run_check(
        "Exercise 1 (weighted_epoch_loss)",
        weighted_epoch_loss,
        test,
        "multiply each batch's mean loss by its number of samples, add them up, and divide by "
        "the total number of samples.",
    )


def check_shuffled_batches(shuffled_batches: Callable[..., Any]) -> bool:
    """Exercise 2: ``shuffled_batches(n, batch_size, generator) -> list of index tensors``."""

    def test(fn: Callable[..., Any]) -> str:
        for n, batch_size, seed in [(10, 4, 0), (200, 16, 1), (5, 5, 2), (3, 10, 3)]:
            got = fn(n, batch_size, torch.Generator().manual_seed(seed))
            what = f"shuffled_batches({n}, {batch_size}, ...)"
            if got is None:
                raise Mismatch(f"{what} returned None. Replace the `...` and `return` the list.")
            try:
                batches = [torch.as_tensor(b) for b in got]
            except (TypeError, ValueError, RuntimeError):
                raise Mismatch(
                    f"{what} should return a list of index tensors, got {type(got).__name__}."
                ) from None
            sizes = [len(b) for b in batches]
            expected_sizes = [batch_size] * (n // batch_size) + (
                [n % batch_size] if n % batch_size else []
            )
            if sizes != expected_sizes:
                raise Mismatch(f"{what} gave batches of sizes {sizes}, expected {expected_sizes}.")
            flat = torch.cat(batches).long()
            if sorted(flat.tolist()) != list(range(n)):
                raise Mismatch(f"{what} must use every index 0..{n - 1} exactly once per epoch.")
            expected = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
            if n > 1 and torch.equal(flat, torch.arange(n)):
                raise Mismatch(f"{what} returned the indices in order: shuffle them first.")
            if not torch.equal(flat, expected):
                raise Mismatch(
                    f"{what} is a valid shuffle but not the one drawn from the generator, so a seed "
                    f"would not reproduce it. Draw it with torch.randperm(n, generator=generator)."
                )
        return "one permutation per epoch from the seeded generator, cut into batches of B."

    return run_check(
        "Exercise 2 (shuffled_batches)",
        shuffled_batches,
        test,
        "torch.randperm(n, generator=generator) gives the order; tensor.split(batch_size) cuts it.",
    )


class _Probe(nn.Module):
    """A line y = 2x + 1 that records, at every call, whether it was in training mode and
    whether autograd was recording."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(1, 1)
        with torch.no_grad():
            self.linear.weight.fill_(2.0)
            self.linear.bias.fill_(1.0)
        self.calls: list[tuple[bool, bool]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append((self.training, torch.is_grad_enabled()))
        return self.linear(x)


def check_evaluate(evaluate: Callable[..., Any]) -> bool:
    """Exercise 3: ``evaluate(model, loader, loss_fn) -> float``, a validation pass."""

    def test(fn: Callable[..., Any]) -> str:
        x, y = make_intercept_slope_data(40, seed=7, as_tensor=True)
        loader = DataLoader(TensorDataset(x, y), batch_size=16)  # batches of 16, 16 and 8
        loss_fn = nn.MSELoss()
        probe = _Probe()
        probe.train()
        with torch.no_grad():
            expected = loss_fn(probe.linear(x), y).item()
            means = [loss_fn(probe.linear(xb), yb).item() for xb, yb in loader]
        got = fn(probe, loader, loss_fn)
        if not probe.calls:
            raise Mismatch(
                "evaluate never called the model. Loop over the loader and predict each batch."
            )
        if any(training for training, _ in probe.calls):
            raise Mismatch(
                "the model was still in training mode. Call model.eval() before the loop."
            )
        if any(grad for _, grad in probe.calls):
            raise Mismatch(
                "autograd was recording a graph. Put the loop inside `with torch.no_grad():`."
            )
        if got is not None and np.ndim(got) == 0 and np.isclose(float(got), np.mean(means)):
            raise Mismatch(
                f"you returned {float(got):.6g}, the plain mean of the 3 batch means; the last batch "
                f"has 8 samples, not 16. Weight each batch by its size: expected {expected:.6g}."
            )
        value = expect_number(got, expected, "the validation loss", rtol=1e-5)
        if not isinstance(got, float):
            raise Mismatch(f"return a Python float (e.g. with .item()), got {type(got).__name__}.")
        if any(p.grad is not None for p in probe.parameters()):
            raise Mismatch("evaluate computed gradients. A validation pass never calls backward().")
        return f"eval mode, no graph, every sample weighted once (loss {value:.4f})."

    return run_check(
        "Exercise 3 (evaluate)",
        evaluate,
        test,
        "model.eval(); then inside `with torch.no_grad():` add loss.item() * len(xb) for every "
        "batch and divide by the number of samples.",
    )
