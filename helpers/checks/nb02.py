"""Checks for the exercises of notebook 02 (autograd takes over the gradients)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..data import make_linear_data, make_negative_slope_data
from ..reference import closed_form_fit
from . import CheckResult, Mismatch, _as_array, expect_number, expect_pair, run_check

__all__ = ["check_autograd_gradient", "check_fit_line"]


def _number(value: Any, what: str) -> float:
    """Return ``value`` (a float, a one-element array or tensor) as a float."""
    arr = _as_array(value, what)
    if arr.size != 1:
        raise Mismatch(f"{what} should be a single number, got shape {arr.shape}.")
    return float(arr.reshape(-1)[0])


def check_autograd_gradient(autograd_gradient: Callable[..., Any]) -> CheckResult:
    """Exercise 1: ``autograd_gradient(x, y, w, b) -> (dL/dw, dL/db)`` computed by autograd.

    x and y are (N, 1) float32 tensors, w and b Python floats.
    """

    def test(fn: Callable[..., Any]) -> str:
        import torch

        rng = np.random.default_rng(2)
        for n in (1, 8, 100):
            x = torch.tensor(rng.normal(size=(n, 1)), dtype=torch.float32)
            y = torch.tensor(rng.normal(size=(n, 1)), dtype=torch.float32)
            w, b = float(rng.normal()), float(rng.normal())
            dw, db = expect_pair(fn(x.clone(), y.clone(), w, b), "(dw, db)")
            xs, ys = x.double().numpy(), y.double().numpy()
            err = w * xs + b - ys
            expect_number(dw, 2 * np.mean(err * xs), f"dw for N={n}", rtol=1e-4)
            expect_number(db, 2 * np.mean(err), f"db for N={n}", rtol=1e-4)
        return "autograd's gradient matches 2/N·Σx(wx+b−y) and 2/N·Σ(wx+b−y) on 3 datasets."

    return run_check(
        "Exercise 1 (autograd_gradient)",
        autograd_gradient,
        test,
        "make w and b tensors with requires_grad=True, compute loss = ((w*x + b - y)**2).mean(), "
        "call loss.backward() and return w.grad.item(), b.grad.item().",
    )


def check_fit_line(fit_line: Callable[..., Any]) -> CheckResult:
    """Exercise 2: ``fit_line(x, y, lr, steps) -> (w, b)`` by gradient descent with autograd.

    Starts from w = b = 0; x and y are (N, 1) float32 tensors.
    """

    def test(fn: Callable[..., Any]) -> str:
        cases = [
            (make_negative_slope_data(as_tensor=True), 0.1, 100),
            (make_linear_data(40, 2.0, 1.0, noise=0.1, seed=3, as_tensor=True), 0.5, 100),
        ]
        for (x, y), lr, steps in cases:
            w, b = expect_pair(fn(x.clone(), y.clone(), lr, steps), "(w, b)")
            (w_ref,), b_ref = closed_form_fit(x, y)
            for got, ref, name in ((w, w_ref, "w"), (b, b_ref, "b")):
                value = _number(got, f"{name} after {steps} steps with lr {lr}")
                if not abs(value - ref) < 1e-3:
                    raise Mismatch(
                        f"{name} after {steps} steps with lr {lr} is {value:.4f}, "
                        f"the closed form says {ref:.4f}."
                    )
        return "both fits agree with the closed form within 1e-3."

    return run_check(
        "Exercise 2 (fit_line)",
        fit_line,
        test,
        "in each step: loss, loss.backward(), then under torch.no_grad() w -= lr * w.grad "
        "(same for b), then w.grad.zero_() and b.grad.zero_().",
    )
