"""Checks for the exercises of notebook 01 (gradient descent by hand in NumPy).

Taught in: 01 · Gradient descent by hand in NumPy, section "Exercises".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..data import make_doubling_data, make_linear_data
from ..reference import closed_form_fit
from . import (
    CheckResult,
    Mismatch,
    as_number,
    as_values,
    close_to,
    expect_close,
    expect_number,
    expect_pair,
    run_check,
)

__all__ = ["check_mse_gradient", "check_to_original_scale", "check_best_learning_rate"]

_GRADIENT_MISTAKES = (
    (
        0.5,
        "half the right size",
        "the derivative of a square brings down a factor of 2 (section 2.1).",
    ),
    (
        -1.0,
        "the right size but the wrong sign",
        "the error is prediction minus target; the order decides the sign of the gradient.",
    ),
)


def _same(got: np.ndarray, want: np.ndarray) -> bool:
    """True if ``got`` holds ``want``'s values (flattened; a common mistake is recognised)."""
    return got.size == want.size and close_to(got.reshape(-1), want.reshape(-1))


def _diagnose_gradient(dw: np.ndarray, db: float, want: tuple[np.ndarray, float], n: int) -> None:
    """Raise a :class:`Mismatch` aimed at a common slip in the MSE gradient, if one fits."""
    want_w, want_b = want
    for factor, what, hint in _GRADIENT_MISTAKES:
        if _same(dw, factor * want_w) and close_to(db, factor * want_b):
            raise Mismatch(f"for N={n} both derivatives are {what}.", hint=hint)
    if n > 1 and _same(dw, n * want_w) and close_to(db, n * want_b):
        raise Mismatch(
            f"for N={n} both derivatives are {n} times too large.",
            hint="the loss is a mean over the points, so its derivative is a mean too, not a sum.",
        )
    if _same(np.asarray(db), want_w) and _same(dw, np.asarray(want_b)):
        raise Mismatch(
            f"for N={n} the two derivatives are swapped.",
            hint="return the derivatives with respect to the weights first, then the intercept.",
        )
    if dw.shape == (n, want_w.size) and n > 1:
        raise Mismatch(
            f"dw has shape {dw.shape}: one row per point, where the loss wants one number per "
            "weight.",
            hint="each point contributes to each weight's derivative; the loss is the mean over "
            "the points, so add up (and divide by N) over the points, not over the features.",
        )


def check_mse_gradient(mse_gradient: Callable[..., Any]) -> CheckResult:
    """Exercise 1: ``mse_gradient(X, y, w, b) -> (dw, db)`` for d features.

    X is (N, d), y (N,), w (d,) and b a float; dw must hold d values and db be one number.
    """

    def test(fn: Callable[..., Any]) -> str:
        rng = np.random.default_rng(1)
        for n, d in ((1, 1), (7, 3), (50, 2)):
            X, y = rng.normal(size=(n, d)), rng.normal(size=n)
            w, b = rng.normal(size=d), float(rng.normal())
            dw, db = expect_pair(fn(X.copy(), y.copy(), w.copy(), b), "(dw, db)")
            err = X @ w + b - y
            want = (2 * X.T @ err / n, float(2 * np.mean(err)))
            got_w = as_values(dw, f"dw for N={n}")
            got_b = as_number(db, f"db for N={n}")
            _diagnose_gradient(got_w, got_b, want, n)
            if got_w.size != d:
                raise Mismatch(
                    f"for d={d} features dw should hold {d} values, got shape {got_w.shape}."
                )
            expect_close(got_w.reshape(-1), want[0], f"dw for N={n}, d={d}")
            expect_number(got_b, want[1], f"db for N={n}")
        return "your gradient matches the derivative of the MSE on 3 random datasets (1 to 3 features)."

    return run_check(
        "Exercise 1 (mse_gradient)",
        mse_gradient,
        test,
        "start from each point's error, prediction minus target. The chain rule then gives "
        "one derivative per parameter, as in section 3.1, now once for every feature.",
    )


def check_to_original_scale(to_original_scale: Callable[..., Any]) -> CheckResult:
    """Exercise 2: ``to_original_scale(w_std, b_std, mean, std) -> (w, b)``."""

    def test(fn: Callable[..., Any]) -> str:
        for seed, (w_true, b_true, lo, hi) in enumerate(
            [(0.03, 5.0, 0, 1000), (-2.0, 1.0, 50, 60)]
        ):
            x, y = make_linear_data(40, w_true, b_true, noise=0.5, x_range=(lo, hi), seed=seed)
            mean, std = float(x.mean()), float(x.std())
            (w_std,), b_std = closed_form_fit((x - mean) / std, y)
            (w_ref,), b_ref = closed_form_fit(x, y)
            w, b = expect_pair(fn(float(w_std), float(b_std), mean, std), "(w, b)")
            w = as_number(w, "w")
            if close_to(w, w_std * std):
                raise Mismatch(
                    f"w is {w:.6g}, expected {w_ref:.6g}: your slope grows with the spread of x.",
                    hint="z counts x in units of std, so one unit of x is a smaller step in z: "
                    "the slope per unit of x is smaller.",
                )
            expect_number(w, w_ref, "w")
            if close_to(as_number(b, "b"), float(b_std)):
                raise Mismatch(
                    "your slope is right, but the intercept is still the one on the z scale.",
                    hint="z is also shifted by the mean, and that shift moves the intercept.",
                )
            expect_number(b, b_ref, "b")
        return "the converted line is the closed-form line on the raw data."

    return run_check(
        "Exercise 2 (to_original_scale)",
        to_original_scale,
        test,
        "write the standardised line with z spelled out in terms of x, then collect the "
        "terms: what multiplies x is the new slope, what is left is the new intercept.",
    )


def check_best_learning_rate(best_learning_rate: Callable[..., Any]) -> CheckResult:
    """Exercise 3: ``best_learning_rate(x) -> lr`` that lands ``y = a x`` on a* in one step."""

    def test(fn: Callable[..., Any]) -> str:
        x, _ = make_doubling_data()
        cases = [x[:, 0], np.array([0.5, -2.0, 4.0]), np.linspace(-3, 3, 11)]
        for xs in cases:
            what = f"the rate for x = {np.round(xs, 2).tolist()}"
            got, want = as_number(fn(xs.copy()), what), 0.5 / np.mean(xs**2)
            if close_to(got, 2 * want):
                raise Mismatch(
                    f"{what} is {got:.6g}, twice the expected {want:.6g}.",
                    hint="at your rate the factor is -1: the edge where the steps stop "
                    "converging, not the rate that lands on a* at once.",
                )
            if close_to(got, 4 * want) or close_to(got, want / 2):
                raise Mismatch(
                    f"{what} is {got:.6g}, expected {want:.6g}.",
                    hint="count the 2 in the factor exactly once.",
                )
            expect_number(got, want, what)
        return "one step at this rate takes a from any start straight to a*."

    return run_check(
        "Exercise 3 (best_learning_rate)",
        best_learning_rate,
        test,
        "after one step the distance to a* is the factor of section 5.1 times the old "
        "distance. What must the factor be for that distance to vanish?",
    )
