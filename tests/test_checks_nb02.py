"""Unit tests of the exercise checks of notebook 02 (autograd)."""

from __future__ import annotations

import pytest
import torch

from helpers.checks.nb02 import check_autograd_gradient, check_fit_line


def autograd_gradient(x, y, w, b):
    w = torch.tensor(w, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    loss = ((w * x + b - y) ** 2).mean()
    loss.backward()
    return w.grad.item(), b.grad.item()


def fit_line(x, y, lr, steps):
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    for _ in range(steps):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return w, b


def test_autograd_gradient_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_autograd_gradient(autograd_gradient)
    assert "✅ Exercise 1 (autograd_gradient) passed" in capsys.readouterr().out


def test_autograd_gradient_stub_fails_with_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert not check_autograd_gradient(lambda x, y, w, b: None)
    out = capsys.readouterr().out
    assert "returned None" in out and "Hint:" in out


def test_autograd_gradient_without_factor_two_fails(capsys: pytest.CaptureFixture[str]) -> None:
    def half(x, y, w, b):
        dw, db = autograd_gradient(x, y, w, b)
        return dw / 2, db / 2

    assert not check_autograd_gradient(half)
    assert "dw for N=1" in capsys.readouterr().out


def test_autograd_gradient_reports_a_raising_function(capsys: pytest.CaptureFixture[str]) -> None:
    def raises(x, y, w, b):
        return torch.tensor(w).numpy() + x.requires_grad_().numpy()

    assert not check_autograd_gradient(raises)
    assert "your function raised RuntimeError" in capsys.readouterr().out


def test_autograd_gradient_wrong_return_type(capsys: pytest.CaptureFixture[str]) -> None:
    assert not check_autograd_gradient(lambda x, y, w, b: 1.0)
    assert "return the pair (dw, db)" in capsys.readouterr().out


def test_fit_line_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_fit_line(fit_line)
    assert "✅ Exercise 2 (fit_line) passed" in capsys.readouterr().out


def test_fit_line_stub_and_non_function_fail(capsys: pytest.CaptureFixture[str]) -> None:
    assert not check_fit_line(lambda x, y, lr, steps: None)
    assert "returned None" in capsys.readouterr().out
    assert not check_fit_line(None)
    assert "expected your function" in capsys.readouterr().out


def test_fit_line_without_zeroing_fails(capsys: pytest.CaptureFixture[str]) -> None:
    def no_zero(x, y, lr, steps):
        w = torch.zeros(1, requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        for _ in range(steps):
            ((w * x + b - y) ** 2).mean().backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
        return w, b

    assert not check_fit_line(no_zero)
    out = capsys.readouterr().out
    assert "the closed form says" in out or "not yet" in out
    assert "zero_()" in out


def test_fit_line_too_few_steps_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert not check_fit_line(lambda x, y, lr, steps: fit_line(x, y, lr, 5))
    assert "the closed form says" in capsys.readouterr().out
