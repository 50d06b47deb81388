"""Checks for the exercises of notebook 06 (real data: Palmer penguins).

Taught in: 06 · Real data: Palmer penguins, section "Exercises".

Each check runs the learner's function on penguins of its own: a sample of the real table
drawn from the check's seed (a grader draws a fresh seed each run), so a function that only
works on the notebook's arrays does not pass by accident. Every check is an
:class:`helpers.checks.Exercise`: ``probe`` calls the learner's function and reports what it
returned (and, for exercise 1, which model it evaluated on which split); ``judge`` computes the
expected answer itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..reference import closed_form_fit
from . import Exercise, Mismatch, as_values, expect_close, expect_pair
from .nb06_choose import _sample, check_choose_and_report

__all__ = ["check_choose_and_report", "check_to_original_units", "check_ridge_fit"]

# ------------------------------------------------------------------ exercise 2
_UNITS_HINT = (
    "write the prediction w·(x - mean)/std + b as (something)·x + (something else) and read "
    "off both somethings."
)


def _units_cases(seed: int) -> list[dict[str, Any]]:
    """Weights and bias fitted on standardised real penguins, with the statistics used."""
    rng = np.random.default_rng(seed)
    cases = []
    for n in (int(rng.integers(40, 80)), int(rng.integers(120, 220))):
        x, y = _sample(rng, n)
        mean, std = x.mean(axis=0), x.std(axis=0)
        w, b = closed_form_fit((x - mean) / std, y)
        cases.append({"w": w, "b": float(b), "mean": mean, "std": std})
    return cases


def _units_probe(fn: Callable[..., Any], cases: list[dict[str, Any]]) -> list[list[Any]]:
    outputs = []
    for c in cases:
        got = fn(np.array(c["w"]), float(c["b"]), np.array(c["mean"]), np.array(c["std"]))
        w_orig, b_orig = expect_pair(got, "(w_orig, b_orig)")
        outputs.append([as_values(w_orig, "w_orig"), as_values(b_orig, "b_orig")])
    return outputs


def _units_judge(cases: list[dict[str, Any]], outputs: list[list[Any]]) -> str:
    for c, (w_got, b_got) in zip(cases, outputs, strict=True):
        w, b, mean, std = (np.asarray(c[k], dtype=float) for k in ("w", "b", "mean", "std"))
        w_ref, b_ref = w / std, float(b - np.sum(w * mean / std))
        w_arr = np.asarray(w_got, dtype=float).reshape(-1)
        if w_arr.shape == w.shape and np.allclose(w_arr, w * std):
            raise Mismatch(
                "the weights were multiplied by the standard deviations.",
                hint="one standard deviation of a feature is one unit of z, so a weight per "
                "unit of z is a weight per standard deviation: per unit of x is smaller.",
            )
        expect_close(w_arr, w_ref, "w_orig", rtol=1e-6)
        b_arr = np.asarray(b_got, dtype=float)
        if b_arr.size != 1:
            raise Mismatch(f"b_orig should be one number, got shape {b_arr.shape}.")
        if np.isclose(float(b_arr.reshape(-1)[0]), float(b)):
            raise Mismatch(
                "the bias came back unchanged.",
                hint="z is zero at the training mean, not at x = 0: the intercept must move "
                "by what the weights add at x = 0.",
            )
        expect_close(b_arr.reshape(()), b_ref, "b_orig", rtol=1e-6)
    return "the weights and bias in the features' own units match the closed form on raw data."


#: Exercise 2: ``to_original_units(w, b, mean, std) -> (w_orig, b_orig)``.
check_to_original_units = Exercise(
    "Exercise 2 (to_original_units)",
    _UNITS_HINT,
    cases=_units_cases,
    probe=_units_probe,
    judge=_units_judge,
    seed=6,
)


# ------------------------------------------------------------------ exercise 3
_RIDGE_HINT = (
    "solve the normal equations of the mean squared error plus the penalty: the design with "
    "its column of ones, divided by N, plus the penalty on the weights' diagonal only."
)


def _ridge_cases(seed: int) -> list[dict[str, Any]]:
    """Standardised real penguins (shifted a little per column, so that a penalised bias
    shows), targets of shape (N, 1), and a penalty drawn on a log scale."""
    rng = np.random.default_rng(seed)
    cases = []
    for n in (int(rng.integers(20, 40)), int(rng.integers(60, 120)), int(rng.integers(20, 40))):
        x, y = _sample(rng, n)
        x = (x - x.mean(axis=0)) / x.std(axis=0) + 0.1 * np.arange(x.shape[1])
        cases.append({"x": x, "y": y, "l2": float(np.round(10 ** rng.uniform(-2, 0.7), 4))})
    return cases


def _ridge_probe(fn: Callable[..., Any], cases: list[dict[str, Any]]) -> list[list[Any]]:
    outputs = []
    for c in cases:
        w, b = expect_pair(fn(np.array(c["x"]), np.array(c["y"]), float(c["l2"])), "(w, b)")
        outputs.append([as_values(w, "w"), as_values(b, "b")])
    return outputs


def _ridge_mistakes(x: np.ndarray, y: np.ndarray, l2: float, got: np.ndarray) -> None:
    """Raise a Mismatch aimed at a recognised slip in a ridge solution (weights then bias)."""
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    target = y.reshape(-1)

    def solve(penalty: np.ndarray, scale: float = 1.0) -> np.ndarray:
        return np.linalg.solve(
            design.T @ design / scale + np.diag(penalty), design.T @ target / scale
        )

    weights_only = np.append(np.full(d, l2), 0.0)
    twice = "the gradient of l2·w² is 2·l2·w; setting the whole gradient to zero, the 2 cancels."
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
        (solve(weights_only / 2, n), "the penalty is half as strong as asked.", twice),
        (solve(2 * weights_only, n), "the penalty is twice as strong as asked.", twice),
        (
            solve(np.zeros(d + 1), n),
            "this is the plain least-squares answer: no penalty.",
            "add the penalty's contribution to the weights' rows of the normal equations.",
        ),
    ]
    for solution, problem, hint in wrong:
        if np.allclose(got, solution, rtol=1e-6, atol=1e-9):
            raise Mismatch(problem, hint=hint)


def _ridge_judge(cases: list[dict[str, Any]], outputs: list[list[Any]]) -> str:
    for c, (w_got, b_got) in zip(cases, outputs, strict=True):
        x, y, l2 = np.asarray(c["x"]), np.asarray(c["y"]), float(c["l2"])
        w_ref, b_ref = closed_form_fit(x, y, l2=l2)
        w_arr = np.asarray(w_got, dtype=float).reshape(-1)
        b_arr = np.asarray(b_got, dtype=float).reshape(-1)
        if w_arr.shape == w_ref.shape and b_arr.size == 1:
            _ridge_mistakes(x, y, l2, np.append(w_arr, b_arr))
        expect_close(w_arr, w_ref, f"w for l2 = {l2:g}", rtol=1e-6)
        if b_arr.size != 1:
            raise Mismatch(f"b should be one number, got {b_arr.size} numbers.")
        expect_close(b_arr.reshape(()), b_ref, f"b for l2 = {l2:g}", rtol=1e-6)
    return "your ridge weights and bias match helpers.closed_form_fit(x, y, l2=l2)."


#: Exercise 3: ``ridge_fit(x, y, l2) -> (w, b)``, the ridge closed form, bias not penalised.
check_ridge_fit = Exercise(
    "Exercise 3 (ridge_fit)",
    _RIDGE_HINT,
    cases=_ridge_cases,
    probe=_ridge_probe,
    judge=_ridge_judge,
    seed=6,
)
