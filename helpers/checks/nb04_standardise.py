"""The check of notebook 04's exercise 2 (standardise): its cases, probe, judge and hint.

Taught in: 04 · Dataset and DataLoader, section "Exercises".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import Exercise, Mismatch, as_values, expect_pair, fmt_numbers

# ------------------------------------------------------------------ exercise 2
_STANDARDISE_HINT = (
    "compute one mean and one standard deviation per column, from the training inputs alone, "
    "and apply those same numbers to both splits."
)


def _standardise_cases(seed: int) -> list[dict[str, Any]]:
    """Two splits with different means and spreads: one feature, then two features of very
    different scales."""
    rng = np.random.default_rng(seed)
    m, s = rng.uniform(-5.0, 5.0), rng.uniform(0.5, 5.0)
    one = m + s * rng.normal(size=(int(rng.integers(20, 41)), 1))
    other = m + 3.0 + 2.0 * s * rng.normal(size=(10, 1))  # another mean and spread
    scale, shift = np.array([1.0, 100.0]), np.array([0.0, 50.0])
    two = rng.normal(size=(25, 2)) * scale + shift
    two_other = rng.normal(size=(8, 2)) * 10.0
    return [
        {"x_train": a.astype(np.float32), "x_other": b.astype(np.float32)}
        for a, b in ((one, other), (two, two_other))
    ]


def _standardise_probe(fn: Callable[..., Any], cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The learner's (z_train, z_other) for each case, as arrays."""
    import torch

    out = []
    for case in cases:
        x_train, x_other = torch.tensor(case["x_train"]), torch.tensor(case["x_other"])
        before = (x_train.clone(), x_other.clone())
        z_train, z_other = expect_pair(fn(x_train, x_other), "(z_train, z_other)")
        out.append(
            {
                "z_train": as_values(z_train, "z_train"),
                "z_other": as_values(z_other, "z_other"),
                "inputs_changed": not (
                    torch.equal(x_train, before[0]) and torch.equal(x_other, before[1])
                ),
            }
        )
    return out


def _matches(value: np.ndarray, expected: np.ndarray) -> bool:
    return value.shape == expected.shape and bool(np.allclose(value, expected, atol=1e-5))


def _standardise_mistake(z_train: Any, z_other: Any, x_train: Any, x_other: Any) -> None:
    """Raise a Mismatch aimed at the mistake if the answer is a recognised wrong scaling."""
    both = np.concatenate([x_train, x_other])
    for ddof in (0, 1):
        mu_all, sd_all = both.mean(0), both.std(0, ddof=ddof)
        if _matches(z_train, (x_train - mu_all) / sd_all):
            raise Mismatch(
                "your training inputs were scaled with statistics of both splits together.",
                hint="that is the leak of section 5.2: the other split then changes how the "
                "training inputs look. Take the mean and standard deviation from the training "
                "split alone.",
            )
        mu_o, sd_o = x_other.mean(0), x_other.std(0, ddof=ddof)
        if _matches(z_other, (x_other - mu_o) / sd_o):
            raise Mismatch(
                "the second split was scaled with its own mean and standard deviation.",
                hint="then the same x would become different numbers in the two splits. The "
                "second split must reuse the training split's mean and standard deviation.",
            )
        one_scale = (x_train - x_train.mean()) / x_train.std(ddof=ddof)
        if x_train.shape[1] > 1 and _matches(z_train, one_scale):
            raise Mismatch(
                "every column was scaled with one mean and one standard deviation of all the "
                "numbers.",
                hint="each column (feature) has its own scale: take the statistics along the "
                "samples, one mean and one standard deviation per column.",
            )


def _expect_scaled(got: np.ndarray, expected: np.ndarray, what: str) -> None:
    """Raise a short Mismatch unless ``got`` has ``expected``'s shape and values."""
    if got.shape != expected.shape:
        raise Mismatch(f"{what} has shape {got.shape}, expected {expected.shape}.")
    if not np.allclose(got, expected, rtol=1e-4, atol=1e-5):
        raise Mismatch(f"{what}[0] is {fmt_numbers(got[0])}, expected {fmt_numbers(expected[0])}.")


def _standardise_judge(cases: list[dict[str, Any]], outputs: list[dict[str, Any]]) -> str:
    for case, out in zip(cases, outputs, strict=True):
        x_train = np.asarray(case["x_train"], dtype=np.float64)
        x_other = np.asarray(case["x_other"], dtype=np.float64)
        z_train, z_other = np.asarray(out["z_train"]), np.asarray(out["z_other"])
        if _matches(z_train, x_train):
            raise Mismatch(
                "z_train is x_train unchanged.",
                hint="standardising shifts each column to mean 0 and divides it by its spread.",
            )
        _standardise_mistake(z_train, z_other, x_train, x_other)
        mu = x_train.mean(0)
        sd = x_train.std(0, ddof=1)  # the sample standard deviation (the population one passes too)
        if _matches(z_train, (x_train - mu) / x_train.std(0, ddof=0)):
            sd = x_train.std(0, ddof=0)
        _expect_scaled(z_train, (x_train - mu) / sd, "z_train")
        _expect_scaled(z_other, (x_other - mu) / sd, "z_other")
        if out["inputs_changed"]:
            raise Mismatch(
                "the scaled values are right, but x_train or x_other changed: the function "
                "scaled its inputs in place.",
                hint="build new tensors for z and leave the inputs as they were: the caller "
                "still needs the raw data (for new samples, or to scale them another way).",
            )
    return "both splits scaled with the training statistics: nothing leaks from the other split."


#: Exercise 2: ``standardise(x_train, x_other) -> (z_train, z_other)``.
check_standardise = Exercise(
    "Exercise 2 (standardise)",
    _STANDARDISE_HINT,
    cases=_standardise_cases,
    probe=_standardise_probe,
    judge=_standardise_judge,
    seed=4,
)
