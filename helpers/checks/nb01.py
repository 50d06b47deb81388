"""Checks for the exercises of notebook 01 (gradient descent by hand in NumPy)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..data import make_doubling_data, make_linear_data
from ..reference import closed_form_fit
from . import CheckResult, expect_number, expect_pair, run_check

__all__ = ["check_mse_gradient", "check_to_original_scale", "check_critical_learning_rate"]


def check_mse_gradient(mse_gradient: Callable[..., Any]) -> CheckResult:
    """Exercise 1: ``mse_gradient(x, y, w, b) -> (dL/dw, dL/db)`` for x, y of shape (N,)."""

    def test(fn: Callable[..., Any]) -> str:
        rng = np.random.default_rng(1)
        for n in (1, 7, 50):
            x, y = rng.normal(size=n), rng.normal(size=n)
            w, b = rng.normal(), rng.normal()
            dw, db = expect_pair(fn(x.copy(), y.copy(), w, b), "(dw, db)")
            err = w * x + b - y
            expect_number(dw, 2 * np.mean(err * x), f"dw for N={n}")
            expect_number(db, 2 * np.mean(err), f"db for N={n}")
        return "your gradient matches the derivative of the MSE on 3 random datasets."

    return run_check(
        "Exercise 1 (mse_gradient)",
        mse_gradient,
        test,
        "with e = w*x + b - y, dL/dw = 2 * mean(e * x) and dL/db = 2 * mean(e).",
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
            expect_number(w, w_ref, "w")
            expect_number(b, b_ref, "b")
        return "the converted line is the closed-form line on the raw data."

    return run_check(
        "Exercise 2 (to_original_scale)",
        to_original_scale,
        test,
        "substitute z = (x - mean) / std into y = w_z * z + b_z and collect the terms in x.",
    )


def check_critical_learning_rate(critical_learning_rate: Callable[..., Any]) -> CheckResult:
    """Exercise 3: ``critical_learning_rate(x) -> lr`` above which GD on ``y = a x`` diverges."""

    def test(fn: Callable[..., Any]) -> str:
        x, _ = make_doubling_data()
        cases = [x[:, 0], np.array([0.5, -2.0, 4.0]), np.linspace(-3, 3, 11)]
        for xs in cases:
            expect_number(
                fn(xs.copy()), 1.0 / np.mean(xs**2), f"the rate for x = {np.round(xs, 2).tolist()}"
            )
        return "gradient descent on y = a*x converges below this rate and diverges above it."

    return run_check(
        "Exercise 3 (critical_learning_rate)",
        critical_learning_rate,
        test,
        "one step multiplies the error in a by (1 - lr * 2 * mean(x**2)); "
        "it diverges once that factor is below -1.",
    )
