"""Unit tests of the exercise checks of notebook 02: each common mistake gets its own hint.

(The solution passing and the untouched stub failing are tested for every exercise in
tests/test_exercises.py.)
"""

from __future__ import annotations

import torch

from helpers.checks.nb02 import check_autograd_gradient, check_fit_line


def autograd_gradient(x, y, w, b):
    w = torch.tensor(w, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    loss = ((w * x + b - y) ** 2).mean()
    loss.backward()
    return w.grad.item(), b.grad.item()


def fit(x, y, lr, steps, *, reset=True):
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    for _ in range(steps):
        ((w * x + b - y) ** 2).mean().backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        if reset:
            w.grad.zero_()
            b.grad.zero_()
    return w, b


def test_autograd_gradient_without_factor_two_gets_the_general_hint(capsys) -> None:
    def half(x, y, w, b):
        dw, db = autograd_gradient(x, y, w, b)
        return dw / 2, db / 2

    assert not check_autograd_gradient(half)
    out = capsys.readouterr().out
    assert "dw for N=1" in out and "section 2" in out


def test_autograd_gradient_with_a_sum_gets_its_hint(capsys) -> None:
    def summed(x, y, w, b):
        w = torch.tensor(w, requires_grad=True)
        b = torch.tensor(b, requires_grad=True)
        ((w * x + b - y) ** 2).sum().backward()
        return w.grad.item(), b.grad.item()

    assert not check_autograd_gradient(summed)
    assert "not their sum" in capsys.readouterr().out


def test_autograd_gradient_untracked_tensors_get_their_hint(capsys) -> None:
    def untracked(x, y, w, b):
        w, b = torch.tensor(w), torch.tensor(b)
        ((w * x + b - y) ** 2).mean().backward()
        return 0.0, 0.0

    assert not check_autograd_gradient(untracked)
    out = capsys.readouterr().out
    assert "raised RuntimeError" in out and "asking it to track them" in out


def test_autograd_gradient_reports_another_raising_function(capsys) -> None:
    def raises(x, y, w, b):
        raise ValueError("boom")

    assert not check_autograd_gradient(raises)
    out = capsys.readouterr().out
    assert "your function raised ValueError: boom" in out and "section 2" in out


def test_autograd_gradient_wrong_return_type(capsys) -> None:
    assert not check_autograd_gradient(lambda x, y, w, b: 1.0)
    assert "return the pair (dw, db)" in capsys.readouterr().out


def test_fit_line_non_function_fails(capsys) -> None:
    assert not check_fit_line(None)
    assert "expected your function" in capsys.readouterr().out


def test_fit_line_without_reset_gets_the_zero_grad_hint(capsys) -> None:
    assert not check_fit_line(lambda x, y, lr, steps: fit(x, y, lr, steps, reset=False))
    out = capsys.readouterr().out
    assert "the closed form says" in out
    assert "are the gradients reset" in out
    assert "zero_" not in out  # the hint names the idea, not the code


def test_fit_line_in_place_update_outside_no_grad_gets_its_hint(capsys) -> None:
    def recorded(x, y, lr, steps):
        w = torch.zeros(1, requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        ((w * x + b - y) ** 2).mean().backward()
        w -= lr * w.grad
        return w, b

    assert not check_fit_line(recorded)
    assert "where autograd is not recording" in capsys.readouterr().out


def test_fit_line_new_tensor_update_gets_its_hint(capsys) -> None:
    def new_tensor(x, y, lr, steps):
        w = torch.zeros(1, requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        for _ in range(steps):
            ((w * x + b - y) ** 2).mean().backward()
            w, b = w - lr * w.grad, b - lr * b.grad
        return w, b

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reading .grad of a non-leaf warns
        assert not check_fit_line(new_tensor)
    assert "instead of changing the parameter itself" in capsys.readouterr().out


def test_fit_line_too_few_steps_gets_the_general_hint(capsys) -> None:
    assert not check_fit_line(lambda x, y, lr, steps: fit(x, y, lr, 5))
    out = capsys.readouterr().out
    assert "the closed form says" in out and "five steps of section" in out
