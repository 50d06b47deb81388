"""Unit tests of the exercise checks of notebook 02: each common mistake gets its own hint,
and the solutions pass on the cases of fresh seeds, as in grading.

(The solution passing and the untouched stub failing are tested for every exercise in
tests/test_exercises.py.)
"""

from __future__ import annotations

import pytest
import torch
from check_kit import fails_with, verdict

from helpers.checks.nb02 import check_accumulated_gradient, check_mae_gradient

MAE = "Exercise 1 (mae_gradient)"
PIECES = "Exercise 2 (accumulated_gradient)"


def mae_gradient(x, y, w, b):
    w = torch.tensor(w, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    (w * x + b - y).abs().mean().backward()
    return w.grad.item(), b.grad.item()


def accumulated_gradient(pieces, w, b):
    w = torch.tensor(w, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    n = sum(len(x) for x, _ in pieces)
    for x, y in pieces:
        (((w * x + b - y) ** 2).mean() * len(x) / n).backward()
    return w.grad.item(), b.grad.item()


def pieces_with(scale, *, reset=False):
    """accumulated_gradient with each piece's loss scaled by ``scale(len(x), n, k)``."""

    def fn(pieces, w, b):
        w = torch.tensor(w, requires_grad=True)
        b = torch.tensor(b, requires_grad=True)
        n = sum(len(x) for x, _ in pieces)
        for x, y in pieces:
            if reset:
                w.grad = b.grad = None
            (((w * x + b - y) ** 2).mean() * scale(len(x), n, len(pieces))).backward()
        return w.grad.item(), b.grad.item()

    return fn


@pytest.mark.parametrize("seed", [0, 1, 2, 17, 2024, 99991])
def test_the_solutions_pass_for_fresh_seeds(seed) -> None:
    assert check_mae_gradient.test(mae_gradient, seed=seed)
    assert check_accumulated_gradient.test(accumulated_gradient, seed=seed)


@pytest.mark.parametrize("check", [check_mae_gradient, check_accumulated_gradient])
def test_the_cases_are_drawn_from_the_seed(check) -> None:
    assert repr(check.cases(3)) != repr(check.cases(4))
    assert repr(check.cases(3)) == repr(check.cases(3))


def test_the_squared_error_gets_its_hint(capsys) -> None:
    def squared(x, y, w, b):
        w = torch.tensor(w, requires_grad=True)
        b = torch.tensor(b, requires_grad=True)
        ((w * x + b - y) ** 2).mean().backward()
        return w.grad.item(), b.grad.item()

    fails_with(check_mae_gradient, squared, capsys, MAE, "the mean squared error", "by its size")


def test_a_sum_gets_its_hint(capsys) -> None:
    def summed(x, y, w, b):
        w = torch.tensor(w, requires_grad=True)
        b = torch.tensor(b, requires_grad=True)
        (w * x + b - y).abs().sum().backward()
        return w.grad.item(), b.grad.item()

    fails_with(check_mae_gradient, summed, capsys, MAE, "times too large", "not their sum")


def test_untracked_parameters_get_their_hint(capsys) -> None:
    def untracked(x, y, w, b):
        w, b = torch.tensor(w), torch.tensor(b)
        (w * x + b - y).abs().mean().backward()
        return 0.0, 0.0

    fails_with(
        check_mae_gradient, untracked, capsys, MAE, "raised RuntimeError", "asking it to track"
    )


def test_a_gradient_read_before_backward_gets_its_hint(capsys) -> None:
    def no_backward(x, y, w, b):
        w = torch.tensor(w, requires_grad=True)
        b = torch.tensor(b, requires_grad=True)
        return w.grad * 1.0, b.grad * 1.0

    fails_with(check_mae_gradient, no_backward, capsys, MAE, "raised TypeError", "going backward")


def test_another_wrong_gradient_gets_the_general_hint(capsys) -> None:
    def half(x, y, w, b):
        dw, db = mae_gradient(x, y, w, b)
        return dw / 2, db / 2

    fails_with(check_mae_gradient, half, capsys, MAE, "dL/dw for N=1", "let autograd do")


def test_a_function_that_returns_one_number_is_told_to_return_the_pair(capsys) -> None:
    result, out = verdict(check_mae_gradient, lambda x, y, w, b: 1.0, capsys)
    assert not result and "return the pair (dL/dw, dL/db)" in out


@pytest.mark.parametrize(
    ("wrong", "problem", "hint"),
    [
        (pieces_with(lambda k, n, p: 1.0), "the sum of the pieces'", "share of all the points"),
        (pieces_with(lambda k, n, p: 1 / p), "plain mean of the pieces'", "count for more"),
        (pieces_with(lambda k, n, p: k / n, reset=True), "one piece alone", "a reset between"),
        (pieces_with(lambda k, n, p: 1.0, reset=True), "one piece alone", "a reset between"),
        (pieces_with(lambda k, n, p: 2 * k / n), "dL/dw for pieces of", "Go backward once"),
    ],
    ids=["unscaled", "mean-of-pieces", "reset-scaled", "reset", "other"],
)
def test_accumulation_mistakes_get_their_hint(wrong, problem, hint, capsys) -> None:
    fails_with(check_accumulated_gradient, wrong, capsys, PIECES, problem, hint)
