"""Unit tests of the exercise checks of notebook 01: each common mistake gets its own hint.

(The solution passing and the untouched stub failing are tested for every exercise in
tests/test_exercises.py.)
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.checks import expect_returned, is_untouched_stub
from helpers.checks.nb01 import (
    check_best_learning_rate,
    check_mse_gradient,
    check_to_original_scale,
)


def gradient(X, y, w, b):
    e = X @ w + b - y
    return 2 * X.T @ e / len(y), 2 * np.mean(e)


@pytest.mark.parametrize(
    ("wrong", "expected"),
    [
        (lambda x, y, w, b: tuple(g / 2 for g in gradient(x, y, w, b)), "factor of 2"),
        (lambda x, y, w, b: tuple(-g for g in gradient(x, y, w, b)), "prediction minus target"),
        (lambda x, y, w, b: tuple(len(x) * g for g in gradient(x, y, w, b)), "not a sum"),
        (lambda x, y, w, b: gradient(x, y, w, b)[::-1], "weights first"),
        (
            lambda X, y, w, b: (2 * X * (X @ w + b - y)[:, None], gradient(X, y, w, b)[1]),
            "over the points",
        ),
        (lambda x, y, w, b: (1.0, 2.0), "section 3.1"),
    ],
    ids=["half", "sign", "sum", "swapped", "per-point", "other"],
)
def test_mse_gradient_mistakes_get_their_hint(wrong, expected, capsys) -> None:
    assert not check_mse_gradient(wrong)
    out = capsys.readouterr().out
    assert "Hint:" in out and expected in out


def test_a_forgotten_return_is_named(capsys) -> None:
    def no_return(x, y, w, b):
        gradient(x, y, w, b)

    assert not check_mse_gradient(no_return)
    out = capsys.readouterr().out
    assert "returned None" in out and "return statement" in out


def test_expect_returned_passes_values_through() -> None:
    assert expect_returned(3, "a number") == 3


def test_a_constant_answer_is_not_an_untouched_stub() -> None:
    assert is_untouched_stub(lambda x: None)
    assert not is_untouched_stub(lambda x: 1.0)


@pytest.mark.parametrize(
    ("wrong", "expected"),
    [
        (lambda w, b, mean, std: (w * std, b - w * mean / std), "smaller"),
        (lambda w, b, mean, std: (w / std, b), "shift"),
        (lambda w, b, mean, std: (w / std, b + w), "collect the terms"),
    ],
    ids=["times-std", "intercept-unchanged", "other"],
)
def test_to_original_scale_mistakes_get_their_hint(wrong, expected, capsys) -> None:
    assert not check_to_original_scale(wrong)
    out = capsys.readouterr().out
    assert "Hint:" in out and expected in out


@pytest.mark.parametrize(
    ("wrong", "expected"),
    [
        (lambda x: 1 / np.mean(x**2), "the edge"),
        (lambda x: 2 / np.mean(x**2), "exactly once"),
        (lambda x: 1 / np.mean(np.abs(x)), "vanish"),
    ],
    ids=["critical", "double", "other"],
)
def test_best_learning_rate_mistakes_get_their_hint(wrong, expected, capsys) -> None:
    assert not check_best_learning_rate(wrong)
    out = capsys.readouterr().out
    assert "Hint:" in out and expected in out


def mse_gradient(X, y, w, b):
    e = X @ w + b - y
    return 2 * X.T @ e / len(y), 2 * np.mean(e)


def to_original_scale(w_z, b_z, mean, std):
    return w_z / std, b_z - w_z * mean / std


def best_learning_rate(x):
    return 1 / (2 * np.mean(x**2))


SOLVED = [
    (check_mse_gradient, mse_gradient),
    (check_to_original_scale, to_original_scale),
    (check_best_learning_rate, best_learning_rate),
]


@pytest.mark.parametrize(("check", "solution"), SOLVED, ids=lambda v: getattr(v, "name", ""))
@pytest.mark.parametrize("seed", [0, 1, 7, 2024, 31337])
def test_the_solution_passes_for_fresh_seeds(check, solution, seed) -> None:
    assert check.test(solution, seed=seed)


@pytest.mark.parametrize("check", [c for c, _ in SOLVED], ids=lambda c: c.name)
def test_the_cases_are_drawn_from_the_seed(check) -> None:
    one, other = check.cases(3), check.cases(4)
    assert repr(one) != repr(other)
    assert repr(check.cases(3)) == repr(one)
