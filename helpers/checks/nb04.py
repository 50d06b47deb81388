"""Checks for the exercises of notebook 04 (Dataset and DataLoader).

Taught in: 04 · Dataset and DataLoader, section "Exercises".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ..data import make_intercept_slope_data
from . import CheckResult, Exercise, Mismatch, as_number, expect_number, expect_pair, run_check

__all__ = ["check_weighted_epoch_loss", "check_standardise", "check_evaluate"]

# ------------------------------------------------------------------ exercise 1
_WEIGHTED_HINT = (
    "the epoch loss is the mean over samples, not over batches: a batch with more samples "
    "must count for more. How much does each batch add to the total loss of all samples?"
)
_PLAIN_MEAN_HINT = (
    "the plain mean of the batch means lets a small last batch count as much as a full one. "
    "Weight each batch by the number of samples it holds."
)


def _plain_mean_mistake(got: Any, losses: list[float], expected: float) -> bool:
    """True if ``got`` is the unweighted mean of ``losses`` where that differs from the answer."""
    return (
        got is not None
        and np.ndim(got) == 0
        and np.isclose(float(got), np.mean(losses))
        and not np.isclose(expected, np.mean(losses))
    )


def _weighted_cases(seed: int) -> list[dict[str, list]]:
    """Batch losses and sizes: two fixed cases that tell the plain mean apart, then random ones."""
    rng = np.random.default_rng(seed)
    cases = [([0.5, 0.5, 0.5], [16, 16, 8]), ([1.0, 1.0, 4.0], [16, 16, 8])]
    for n_batches in (2, 1, 5):
        sizes = rng.integers(1, 33, size=n_batches).tolist()
        cases.append((np.round(rng.uniform(0.05, 5.0, n_batches), 3).tolist(), sizes))
    return [{"losses": losses, "sizes": sizes} for losses, sizes in cases]


def _weighted_probe(fn: Callable[..., Any], cases: list[dict[str, list]]) -> list[Any]:
    """The learner's epoch loss for each case, as a number (None if they returned None)."""
    return [as_number(fn(list(c["losses"]), list(c["sizes"])), "the epoch loss") for c in cases]


def _weighted_judge(cases: list[dict[str, list]], got: list[float]) -> str:
    for case, value in zip(cases, got, strict=True):
        losses, sizes = case["losses"], case["sizes"]
        expected = float(np.dot(losses, sizes) / np.sum(sizes))
        if _plain_mean_mistake(value, losses, expected):
            raise Mismatch(
                f"for losses {losses} and sizes {sizes} you returned {value:.6g}, the plain "
                f"mean of the batch means; expected {expected:.6g}.",
                hint=_PLAIN_MEAN_HINT,
            )
        expect_number(value, expected, f"the epoch loss for losses {losses} and sizes {sizes}")
    return "every sample counts once, however the epoch was cut into batches."


#: Exercise 1: ``weighted_epoch_loss(batch_losses, batch_sizes) -> float``.
check_weighted_epoch_loss = Exercise(
    "Exercise 1 (weighted_epoch_loss)",
    _WEIGHTED_HINT,
    cases=_weighted_cases,
    probe=_weighted_probe,
    judge=_weighted_judge,
    seed=4,
)


# ------------------------------------------------------------------ exercise 2
_STANDARDISE_HINT = (
    "compute one mean and one standard deviation per column, from the training inputs alone, "
    "and apply those same numbers to both splits."
)


def _standardise_cases() -> list[tuple[torch.Tensor, torch.Tensor]]:
    gen = torch.Generator().manual_seed(4)
    one = 3.0 + 2.0 * torch.randn(30, 1, generator=gen)
    other = -1.0 + 5.0 * torch.randn(10, 1, generator=gen)  # another mean and spread
    two = torch.randn(25, 2, generator=gen) * torch.tensor([1.0, 100.0]) + torch.tensor([0.0, 50.0])
    two_other = torch.randn(8, 2, generator=gen) * 10.0
    return [(one, other), (two, two_other)]


def _standardise_mistake(
    z_train: Any, z_other: Any, x_train: torch.Tensor, x_other: torch.Tensor
) -> None:
    """Raise a Mismatch aimed at the mistake if the answer is a recognised wrong scaling."""
    both = torch.cat([x_train, x_other])
    for ddof in (0, 1):
        mu_all, sd_all = both.mean(0), both.std(0, correction=ddof)
        if _matches(z_train, (x_train - mu_all) / sd_all):
            raise Mismatch(
                "your training inputs were scaled with statistics of both splits together.",
                hint="that is the leak of section 5.2: the other split then changes how the "
                "training inputs look. Take the mean and standard deviation from the training "
                "split alone.",
            )
        mu_o, sd_o = x_other.mean(0), x_other.std(0, correction=ddof)
        if _matches(z_other, (x_other - mu_o) / sd_o):
            raise Mismatch(
                "the second split was scaled with its own mean and standard deviation.",
                hint="then the same x would become different numbers in the two splits. The "
                "second split must reuse the training split's mean and standard deviation.",
            )
        one_scale = (x_train - x_train.mean()) / x_train.std(correction=ddof)
        if x_train.shape[1] > 1 and _matches(z_train, one_scale):
            raise Mismatch(
                "every column was scaled with one mean and one standard deviation of all the numbers.",
                hint="each column (feature) has its own scale: take the statistics along the "
                "samples, one mean and one standard deviation per column.",
            )


def _as_tensor(value: Any) -> torch.Tensor | None:
    try:
        return torch.as_tensor(np.asarray(value.detach() if hasattr(value, "detach") else value))
    except (TypeError, ValueError, RuntimeError):
        return None


def _matches(value: Any, expected: torch.Tensor) -> bool:
    got = _as_tensor(value)
    return (
        got is not None
        and got.shape == expected.shape
        and torch.allclose(got.double(), expected.double(), atol=1e-5)
    )


def _expect_scaled(value: Any, expected: torch.Tensor, what: str) -> None:
    """Raise a short Mismatch unless ``value`` has ``expected``'s shape and values."""
    got = _as_tensor(value)
    if got is None:
        raise Mismatch(f"{what} should be a tensor, got {type(value).__name__}.")
    if got.shape != expected.shape:
        raise Mismatch(f"{what} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}.")
    if not torch.allclose(got.double(), expected.double(), rtol=1e-4, atol=1e-5):
        raise Mismatch(
            f"{what}[0] is {[round(v, 4) for v in got[0].tolist()]}, expected {[round(v, 4) for v in expected[0].tolist()]}."
        )


def check_standardise(standardise: Callable[..., Any]) -> CheckResult:
    """Exercise 2: ``standardise(x_train, x_other) -> (z_train, z_other)``."""

    def test(fn: Callable[..., Any]) -> str:
        for x_train, x_other in _standardise_cases():
            got = expect_pair(fn(x_train.clone(), x_other.clone()), "(z_train, z_other)")
            if _matches(got[0], x_train):
                raise Mismatch(
                    "z_train is x_train unchanged.",
                    hint="standardising shifts each column to mean 0 and divides it by its spread.",
                )
            _standardise_mistake(got[0], got[1], x_train, x_other)
            mu = x_train.mean(0)
            sd = x_train.std(0)  # the sample standard deviation (the population one passes too)
            if _matches(got[0], (x_train - mu) / x_train.std(0, correction=0)):
                sd = x_train.std(0, correction=0)
            _expect_scaled(got[0], (x_train - mu) / sd, "z_train")
            _expect_scaled(got[1], (x_other - mu) / sd, "z_other")
        return (
            "both splits scaled with the training statistics: nothing leaks from the other split."
        )

    return run_check("Exercise 2 (standardise)", standardise, test, _STANDARDISE_HINT)


# ------------------------------------------------------------------ exercise 3
_EVALUATE_HINT = (
    "three things make a validation pass: the model in evaluation mode, no graph built for the "
    "whole loop, and each batch's mean loss weighted by its number of samples."
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


def _evaluate_mistakes(probe: _Probe, got: Any, means: list[float], expected: float) -> None:
    """Raise a Mismatch aimed at the mistake, for the common wrong validation passes."""
    if not probe.calls:
        raise Mismatch(
            "evaluate never called the model.",
            hint="loop over the loader and predict every batch.",
        )
    if any(training for training, _ in probe.calls):
        raise Mismatch(
            "the model was still in training mode when it predicted.",
            hint="layers such as dropout behave differently in training: switch the model to "
            "evaluation mode before the loop.",
        )
    if any(grad for _, grad in probe.calls):
        raise Mismatch(
            "autograd was recording a graph while the model predicted.",
            hint="a validation pass never calls backward(), so the graph is wasted memory: turn "
            "gradient tracking off around the loop.",
        )
    if got is not None and np.ndim(got) == 0 and np.isclose(float(got), np.mean(means)):
        raise Mismatch(
            f"you returned {float(got):.6g}, the plain mean of the 3 batch means; the last batch "
            f"has 8 samples, not 16. Expected {expected:.6g}.",
            hint=_PLAIN_MEAN_HINT,
        )


def check_evaluate(evaluate: Callable[..., Any]) -> CheckResult:
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
        _evaluate_mistakes(probe, got, means, expected)
        value = expect_number(got, expected, "the validation loss", rtol=1e-5)
        if not isinstance(got, float):
            raise Mismatch(
                f"return a Python float, got {type(got).__name__}.",
                hint="a one-number tensor can give its value as a plain Python number.",
            )
        if any(p.grad is not None for p in probe.parameters()):
            raise Mismatch(
                "evaluate computed gradients.",
                hint="a validation pass only measures: it never calls backward().",
            )
        return f"eval mode, no graph, every sample weighted once (loss {value:.4g})."

    return run_check("Exercise 3 (evaluate)", evaluate, test, _EVALUATE_HINT)
