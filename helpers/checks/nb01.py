"""Checks for the exercises of notebook 01 (gradient descent by hand in NumPy).

Taught in: 01 · Gradient descent by hand in NumPy, section "Exercises".

Each check is an :class:`~helpers.checks.Exercise`: ``cases(seed)`` draws the inputs,
``probe`` calls the learner's function and hands back what it returned as plain numbers,
``judge`` computes the expected values and compares.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..data import make_doubling_data, make_linear_data
from ..reference import closed_form_fit
from . import (
    Exercise,
    Mismatch,
    as_number,
    as_values,
    close_to,
    expect_close,
    expect_number,
    expect_pair,
)

__all__ = ["check_mse_gradient", "check_to_original_scale", "check_best_learning_rate"]

# ------------------------------------------------------------------ exercise 1
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


def _diagnose_gradient(dw: np.ndarray, db: Any, want: tuple[np.ndarray, float], n: int) -> None:
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
    if _same(np.asarray(db, dtype=np.float64), want_w) and _same(dw, np.asarray(want_b)):
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


def _gradient_cases(seed: int) -> list[dict[str, Any]]:
    """Datasets of N points with d features: one point, then random sizes (d from 1 to 4)."""
    rng = np.random.default_rng(seed)
    shapes = [(1, 1), (7, 3), (50, 2), (int(rng.integers(2, 40)), int(rng.integers(1, 5)))]
    cases = []
    for n, d in shapes:
        X, y = rng.normal(size=(n, d)), rng.normal(size=n)
        cases.append({"X": X, "y": y, "w": rng.normal(size=d), "b": float(rng.normal())})
    return cases


def _gradient_probe(fn: Callable[..., Any], cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The learner's (dw, db) for each dataset, as an array and a number."""
    out = []
    for c in cases:
        n = len(c["y"])
        dw, db = expect_pair(fn(c["X"].copy(), c["y"].copy(), c["w"].copy(), c["b"]), "(dw, db)")
        out.append({"dw": as_values(dw, f"dw for N={n}"), "db": as_values(db, f"db for N={n}")})
    return out


def _gradient_judge(cases: list[dict[str, Any]], got: list[dict[str, Any]]) -> str:
    for c, answer in zip(cases, got, strict=True):
        X, y, w, b = np.asarray(c["X"]), np.asarray(c["y"]), np.asarray(c["w"]), c["b"]
        n, d = X.shape
        err = X @ w + b - y
        want = (2 * X.T @ err / n, float(2 * np.mean(err)))
        got_w, got_b = np.asarray(answer["dw"], dtype=np.float64), np.asarray(answer["db"])
        if got_b.size != 1:
            if _same(got_b, want[0]) and _same(got_w, np.asarray(want[1])):
                _diagnose_gradient(got_w, got_b, want, n)  # swapped: say so
            raise Mismatch(f"db for N={n} should be a single number, got shape {got_b.shape}.")
        got_b = float(got_b.reshape(-1)[0])
        _diagnose_gradient(got_w, got_b, want, n)
        if got_w.size != d:
            raise Mismatch(
                f"for d={d} features dw should hold {d} values, got shape {got_w.shape}."
            )
        expect_close(got_w.reshape(-1), want[0], f"dw for N={n}, d={d}")
        expect_number(got_b, want[1], f"db for N={n}")
    return (
        f"your gradient matches the derivative of the MSE on {len(cases)} random datasets "
        "(1 to 4 features)."
    )


#: Exercise 1: ``mse_gradient(X, y, w, b) -> (dw, db)`` for d features. X is (N, d), y (N,),
#: w (d,) and b a float; dw must hold d values and db be one number.
check_mse_gradient = Exercise(
    "Exercise 1 (mse_gradient)",
    "start from each point's error, prediction minus target. The chain rule then gives "
    "one derivative per parameter, as in section 3.1, now once for every feature.",
    cases=_gradient_cases,
    probe=_gradient_probe,
    judge=_gradient_judge,
    seed=1,
)

# ------------------------------------------------------------------ exercise 2


def _scale_cases(seed: int) -> list[dict[str, Any]]:
    """Noisy lines on raw x, with the (w_z, b_z) fitted on standardised x: two fixed, one random."""
    rng = np.random.default_rng(seed)
    lo = float(rng.uniform(-50, 50))
    lines = [
        (0.03, 5.0, 0.0, 1000.0),
        (-2.0, 1.0, 50.0, 60.0),
        (float(rng.normal(0, 3)), float(rng.normal(0, 5)), lo, lo + float(rng.uniform(1, 200))),
    ]
    cases = []
    for i, (w_true, b_true, x_lo, x_hi) in enumerate(lines):
        x, y = make_linear_data(
            40, w_true, b_true, noise=0.5, x_range=(x_lo, x_hi), seed=seed * 10 + i
        )
        mean, std = float(x.mean()), float(x.std())
        (w_z,), b_z = closed_form_fit((x - mean) / std, y)
        cases.append(
            {"x": x, "y": y, "w_z": float(w_z), "b_z": float(b_z), "mean": mean, "std": std}
        )
    return cases


def _scale_probe(fn: Callable[..., Any], cases: list[dict[str, Any]]) -> list[list[float]]:
    """The learner's (w, b) for each case, as two numbers."""
    out = []
    for c in cases:
        w, b = expect_pair(fn(c["w_z"], c["b_z"], c["mean"], c["std"]), "(w, b)")
        out.append([as_number(w, "w"), as_number(b, "b")])
    return out


def _scale_judge(cases: list[dict[str, Any]], got: list[list[float]]) -> str:
    for c, (w, b) in zip(cases, got, strict=True):
        (w_ref,), b_ref = closed_form_fit(np.asarray(c["x"]), np.asarray(c["y"]))
        if close_to(w, c["w_z"] * c["std"]) and not close_to(w, w_ref):
            raise Mismatch(
                f"w is {w:.6g}, expected {w_ref:.6g}: your slope grows with the spread of x.",
                hint="z counts x in units of std, so one unit of x is a smaller step in z: "
                "the slope per unit of x is smaller.",
            )
        expect_number(w, w_ref, "w")
        if close_to(b, c["b_z"]) and not close_to(b, b_ref):
            raise Mismatch(
                "your slope is right, but the intercept is still the one on the z scale.",
                hint="z is also shifted by the mean, and that shift moves the intercept.",
            )
        expect_number(b, b_ref, "b")
    return "the converted line is the closed-form line on the raw data."


#: Exercise 2: ``to_original_scale(w_z, b_z, mean, std) -> (w, b)``.
check_to_original_scale = Exercise(
    "Exercise 2 (to_original_scale)",
    "write the standardised line with z spelled out in terms of x, then collect the "
    "terms: what multiplies x is the new slope, what is left is the new intercept.",
    cases=_scale_cases,
    probe=_scale_probe,
    judge=_scale_judge,
    seed=0,
)

# ------------------------------------------------------------------ exercise 3


def _rate_cases(seed: int) -> list[dict[str, Any]]:
    """Flat input arrays: the five points of section 1, two fixed ones, two random ones."""
    rng = np.random.default_rng(seed)
    x, _ = make_doubling_data()
    cases = [x[:, 0], np.array([0.5, -2.0, 4.0]), np.linspace(-3, 3, 11)]
    cases += [rng.normal(0, 5, size=int(rng.integers(2, 30))), rng.uniform(0, 100, size=7)]
    return [{"x": xs} for xs in cases]


def _rate_probe(fn: Callable[..., Any], cases: list[dict[str, Any]]) -> list[float]:
    """The learner's learning rate for each input array, as a number."""
    return [
        as_number(fn(c["x"].copy()), f"the rate for x = {np.round(c['x'], 2).tolist()}")
        for c in cases
    ]


def _rate_judge(cases: list[dict[str, Any]], got: list[float]) -> str:
    for c, rate in zip(cases, got, strict=True):
        xs = np.asarray(c["x"])
        what = f"the rate for x = {np.round(xs, 2).tolist()}"
        want = 0.5 / np.mean(xs**2)
        if close_to(rate, 2 * want):
            raise Mismatch(
                f"{what} is {rate:.6g}, twice the expected {want:.6g}.",
                hint="at your rate the factor is -1: the edge where the steps stop "
                "converging, not the rate that lands on a* at once.",
            )
        if close_to(rate, 4 * want) or close_to(rate, want / 2):
            raise Mismatch(
                f"{what} is {rate:.6g}, expected {want:.6g}.",
                hint="count the 2 in the factor exactly once.",
            )
        expect_number(rate, want, what)
    return "one step at this rate takes a from any start straight to a*."


#: Exercise 3: ``best_learning_rate(x) -> lr`` that lands ``y = a x`` on a* in one step.
check_best_learning_rate = Exercise(
    "Exercise 3 (best_learning_rate)",
    "after one step the distance to a* is the factor of section 5.1 times the old "
    "distance. What must the factor be for that distance to vanish?",
    cases=_rate_cases,
    probe=_rate_probe,
    judge=_rate_judge,
    seed=0,
)
