"""Checks for the exercises of notebook 06 (real data: Palmer penguins).

Each check runs the learner's function on penguin data of its own (a seeded sample of the real
table), so a function that only works on the notebook's arrays does not pass by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..penguins import load_penguins
from ..reference import closed_form_fit
from . import CheckResult, Mismatch, expect_close, expect_pair, run_check

__all__ = ["check_standardise", "check_to_original_units", "check_ridge_fit"]

_COLUMNS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "species", "sex"]


def _penguins(n_train: int, n_other: int, seed: int) -> tuple[np.ndarray, ...]:
    """Two disjoint random sets of real penguins: (x_train, y_train, x_other, y_other)."""
    x, y = load_penguins(_COLUMNS, drop_first=True, verbose=False)
    order = np.random.default_rng(seed).permutation(len(y))
    train, other = order[:n_train], order[n_train : n_train + n_other]
    return x[train], y[train, 0], x[other], y[other, 0]


def _standardised(a: np.ndarray, rows: np.ndarray, ddof: int = 0) -> np.ndarray:
    return (a - rows.mean(axis=0)) / rows.std(axis=0, ddof=ddof)


def _close(value: Any, expected: np.ndarray) -> bool:
    """True if ``value`` is an array of ``expected``'s shape and values (never raises)."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, RuntimeError):
        return False
    return arr.shape == expected.shape and bool(np.allclose(arr, expected, rtol=1e-6, atol=1e-9))


def _expect_array(value: Any, expected: np.ndarray, what: str) -> None:
    """Raise a short Mismatch (shape, or the first wrong entry) unless ``value`` matches."""
    if _close(value, expected):
        return
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, RuntimeError):
        raise Mismatch(
            f"{what} should be an array of numbers, got {type(value).__name__}."
        ) from None
    if arr.shape != expected.shape:
        raise Mismatch(f"{what} has shape {arr.shape}, expected {expected.shape}.")
    i, j = np.argwhere(~np.isclose(arr, expected, rtol=1e-6, atol=1e-9))[0]
    raise Mismatch(f"{what}[{i}, {j}] is {arr[i, j]:.6g}, expected {expected[i, j]:.6g}.")


def _standardise_mistakes(x_train: np.ndarray, x_other: np.ndarray, z_other: Any) -> None:
    """Raise a Mismatch aimed at a recognised mistake in the standardised other split."""
    both = np.vstack([x_train, x_other])
    for ddof in (0, 1):
        if _close(z_other, _standardised(x_other, x_other, ddof)):
            raise Mismatch(
                "the other split was standardised with its own mean and standard deviation.",
                hint="a new penguin arrives alone: it has no statistics of its own. Use the "
                "ones learned from the training split for every split.",
            )
        if _close(z_other, _standardised(x_other, both, ddof)):
            raise Mismatch(
                "the statistics came from the training and the other split together.",
                hint="that lets the held-out penguins shape the inputs (a leak). Compute the "
                "statistics from the training split alone.",
            )
    if _close(z_other, (x_other - x_train.mean()) / x_train.std()):
        raise Mismatch(
            "one mean and one standard deviation were computed over the whole array.",
            hint="every column (feature) has its own mean and spread: take them per column.",
        )


def check_standardise(standardise: Callable[..., Any]) -> CheckResult:
    """Exercise 1: ``standardise(x_train, x_other) -> (z_train, z_other)`` with train statistics.

    The standard deviation may divide by N (NumPy's default) or by N - 1.
    """

    def test(fn: Callable[..., Any]) -> str:
        for n_train, n_other, seed in [(40, 15, 1), (120, 30, 2)]:
            x_train, _, x_other, _ = _penguins(n_train, n_other, seed)
            z_train, z_other = expect_pair(fn(x_train.copy(), x_other.copy()), "(z_train, z_other)")
            ddof = 1 if _close(z_train, _standardised(x_train, x_train, 1)) else 0
            expected = _standardised(x_other, x_train, ddof)
            if not _close(z_other, expected):
                _standardise_mistakes(x_train, x_other, z_other)
            _expect_array(z_train, _standardised(x_train, x_train, ddof), "z_train")
            _expect_array(z_other, expected, "z_other")
        return "both splits are shifted and scaled by the training split's statistics only."

    return run_check(
        "Exercise 1 (standardise)",
        standardise,
        test,
        "compute each column's mean and standard deviation on the training split, then use "
        "those same numbers for both splits.",
    )


def check_to_original_units(to_original_units: Callable[..., Any]) -> CheckResult:
    """Exercise 2: ``to_original_units(w, b, mean, std) -> (w_orig, b_orig)``."""

    def test(fn: Callable[..., Any]) -> str:
        for n_train, seed in [(60, 3), (200, 4)]:
            x, y, _, _ = _penguins(n_train, 0, seed)
            mean, std = x.mean(axis=0), x.std(axis=0)
            w, b = closed_form_fit((x - mean) / std, y)
            w_ref, b_ref = closed_form_fit(x, y)  # the same line, fitted on the raw columns
            w_got, b_got = expect_pair(fn(w.copy(), b, mean.copy(), std.copy()), "(w_orig, b_orig)")
            w_arr = np.asarray(w_got, dtype=float).reshape(-1)
            if w_arr.shape == w.shape and np.allclose(w_arr, w * std):
                raise Mismatch(
                    "the weights were multiplied by the standard deviations.",
                    hint="one standard deviation of a feature is one unit of z, so a weight per "
                    "unit of z is a weight per standard deviation: per unit of x is smaller.",
                )
            expect_close(w_arr, w_ref, "w_orig", rtol=1e-6)
            if np.isclose(float(np.asarray(b_got, dtype=float)), b):
                raise Mismatch(
                    "the bias came back unchanged.",
                    hint="z is zero at the training mean, not at x = 0: the intercept must move "
                    "by what the weights add at x = 0.",
                )
            expect_close(np.asarray(b_got, dtype=float).reshape(()), b_ref, "b_orig", rtol=1e-6)
        return "the weights and bias in the features' own units match the closed form on raw data."

    return run_check(
        "Exercise 2 (to_original_units)",
        to_original_units,
        test,
        "write the prediction w·(x - mean)/std + b as (something)·x + (something else) and read "
        "off both somethings.",
    )


def _ridge_mistakes(x: np.ndarray, y: np.ndarray, l2: float, got: np.ndarray) -> None:
    """Raise a Mismatch aimed at a recognised slip in a ridge solution (weights then bias)."""
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))])

    def solve(penalty: np.ndarray, scale: float = 1.0) -> np.ndarray:
        return np.linalg.solve(design.T @ design / scale + np.diag(penalty), design.T @ y / scale)

    weights_only = np.append(np.full(d, l2), 0.0)
    wrong = [
        (
            solve(np.full(d + 1, l2), n),
            "the bias was penalised too.",
            "the penalty is on the weights only: the bias sets the average level and stays free.",
        ),
        (
            solve(weights_only),
            "the penalty is too weak by a factor of N.",
            "the loss is a mean over the N samples; divide the data terms by N and not the penalty.",
        ),
        (
            solve(weights_only / 2, n),
            "the penalty is half as strong as asked.",
            "the gradient of l2·w² is 2·l2·w; setting the whole gradient to zero, the 2 cancels.",
        ),
        (
            solve(2 * weights_only, n),
            "the penalty is twice as strong as asked.",
            "the gradient of l2·w² is 2·l2·w; setting the whole gradient to zero, the 2 cancels.",
        ),
        (
            solve(np.zeros(d + 1), n),
            "this is the plain least-squares answer: no penalty.",
            "add the penalty's contribution to the weights' rows of the normal equations.",
        ),
    ]
    for solution, problem, hint in wrong:
        if np.allclose(got, solution.reshape(-1), rtol=1e-6, atol=1e-9):
            raise Mismatch(problem, hint=hint)


def check_ridge_fit(ridge_fit: Callable[..., Any]) -> CheckResult:
    """Exercise 3: ``ridge_fit(x, y, l2) -> (w, b)``, the ridge closed form, bias not penalised."""

    def test(fn: Callable[..., Any]) -> str:
        for n_train, seed, l2 in [(30, 5, 0.5), (80, 6, 0.03), (25, 7, 4.0)]:
            x, y, _, _ = _penguins(n_train, 0, seed)
            x = (x - x.mean(axis=0)) / x.std(axis=0) + 0.1 * np.arange(x.shape[1])
            w_ref, b_ref = closed_form_fit(x, y, l2=l2)
            w_got, b_got = expect_pair(fn(x.copy(), y.copy(), l2), "(w, b)")
            w_arr = np.asarray(w_got, dtype=float).reshape(-1)
            b_arr = np.asarray(b_got, dtype=float).reshape(-1)
            if w_arr.shape == w_ref.shape and b_arr.size == 1:
                _ridge_mistakes(x, y, l2, np.append(w_arr, b_arr))
            expect_close(w_arr, w_ref, f"w for l2 = {l2:g}", rtol=1e-6)
            expect_close(b_arr.reshape(()), b_ref, f"b for l2 = {l2:g}", rtol=1e-6)
        return "your ridge weights and bias match helpers.closed_form_fit(x, y, l2=l2)."

    return run_check(
        "Exercise 3 (ridge_fit)",
        ridge_fit,
        test,
        "solve the normal equations of the mean squared error plus the penalty: the design with "
        "its column of ones, divided by N, plus the penalty on the weights' diagonal only.",
    )
