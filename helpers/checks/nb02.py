"""Checks for the exercises of notebook 02 (autograd takes over the gradients).

Taught in: 02 · Autograd, section "Exercises".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..data import make_linear_data, make_negative_slope_data
from ..reference import closed_form_fit
from . import CheckResult, Mismatch, as_number, close_to, expect_number, expect_pair, run_check

__all__ = ["check_autograd_gradient", "check_fit_line"]

#: Errors autograd raises for the usual slips, and the hint each one deserves.
_AUTOGRAD_ERRORS = (
    (
        "does not require grad",
        "autograd only follows tensors that were created asking it to track them.",
    ),
    (
        "leaf Variable that requires grad is being used in an in-place operation",
        "change the parameters where autograd is not recording (section 4).",
    ),
    (
        "NoneType",
        "after your first update the gradient was None: the update made a new tensor instead "
        "of changing the parameter itself (section 4.1).",
    ),
)


def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """Call the learner's function; turn a well-known autograd error into an aimed hint."""
    try:
        return fn(*args)
    except (RuntimeError, TypeError) as exc:
        for pattern, hint in _AUTOGRAD_ERRORS:
            if pattern in str(exc):
                raise Mismatch(
                    f"your function raised {type(exc).__name__}: {exc}", hint=hint
                ) from None
        raise


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
            dw, db = expect_pair(_call(fn, x.clone(), y.clone(), w, b), "(dw, db)")
            xs, ys = x.double().numpy(), y.double().numpy()
            err = w * xs + b - ys
            want = 2 * np.mean(err * xs), 2 * np.mean(err)
            dw, db = as_number(dw, f"dw for N={n}"), as_number(db, f"db for N={n}")
            if n > 1 and close_to(dw, n * want[0]) and close_to(db, n * want[1]):
                raise Mismatch(
                    f"for N={n} both gradients are {n} times too large.",
                    hint="the loss is the mean of the squared errors, not their sum.",
                )
            expect_number(dw, want[0], f"dw for N={n}", rtol=1e-4)
            expect_number(db, want[1], f"db for N={n}", rtol=1e-4)
        return "autograd's gradient matches 2/N·Σx(wx+b−y) and 2/N·Σ(wx+b−y) on 3 datasets."

    return run_check(
        "Exercise 1 (autograd_gradient)",
        autograd_gradient,
        test,
        "let autograd do the calculus: the two parameters must be tensors it tracks, the loss "
        "is the mean squared error, and after going backward from the loss each parameter "
        "holds its gradient (section 2).",
    )


def _fit_without_reset(x: Any, y: Any, lr: float, steps: int) -> tuple[float, float]:
    """Where gradient descent from (0, 0) ends when the gradients pile up, never reset."""
    xs, ys = x.double().numpy().reshape(-1), y.double().numpy().reshape(-1)
    w = b = gw = gb = 0.0
    for _ in range(steps):
        err = w * xs + b - ys
        gw, gb = gw + 2 * np.mean(err * xs), gb + 2 * np.mean(err)
        w, b = w - lr * gw, b - lr * gb
    return w, b


def _fit_mismatch(
    got: tuple[float, float], ref: tuple[float, float], x: Any, y: Any, lr: float, steps: int
) -> Mismatch:
    """The Mismatch for a fit that missed the closed form, aimed at a forgotten reset."""
    problem = (
        f"after {steps} steps with lr {lr}, (w, b) is ({got[0]:.4g}, {got[1]:.4g}); "
        f"the closed form says ({ref[0]:.4g}, {ref[1]:.4g})."
    )
    forgot = _fit_without_reset(x, y, lr, steps)
    if all(np.isfinite(forgot)) and np.allclose(got, forgot, rtol=1e-3, atol=1e-3):
        return Mismatch(
            problem,
            hint="your parameters keep swinging around the answer instead of settling: are "
            "the gradients reset before the next backward pass? (section 5)",
        )
    return Mismatch(problem)


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
            w, b = expect_pair(_call(fn, x.clone(), y.clone(), lr, steps), "(w, b)")
            (w_ref,), b_ref = closed_form_fit(x, y)
            got = as_number(w, "w"), as_number(b, "b")
            if not max(abs(got[0] - w_ref), abs(got[1] - b_ref)) < 1e-3:
                raise _fit_mismatch(got, (w_ref, b_ref), x, y, lr, steps)
        return "both fits agree with the closed form within 1e-3."

    return run_check(
        "Exercise 2 (fit_line)",
        fit_line,
        test,
        "each step runs the five steps of section 4: predict, loss, gradients by autograd, "
        "an update that autograd does not record, and a reset of the gradients before the "
        "next backward pass.",
    )
