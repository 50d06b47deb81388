"""Checks for the exercises of notebook 03 (nn.Module, nn.MSELoss and torch.optim).

Taught in: 03 · nn.Module, nn.MSELoss and torch.optim, section "Exercises".

Both checks are :class:`~helpers.checks.Exercise` objects: ``cases(seed)`` draws the inputs,
``probe`` builds the tensors and modules from them and calls the learner's function (it
computes no expected value), ``judge`` computes the expected values and compares.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import Exercise, Mismatch, close_to, expect_returned, fmt_numbers
from .nb03_unstandardise import check_unstandardise

__all__ = ["check_quadratic_model", "check_unstandardise"]


# ------------------------------------------------------------------ exercise 1
_QUADRATIC_HINT = (
    "a module registers as parameters exactly the nn.Parameter objects assigned to it in "
    "__init__, and forward computes the prediction from them, so that autograd can follow "
    "every one of the three (sections 1 and 1.1)."
)
_SUPER_HINT = (
    "nn.Module's own set-up must run first, before the first parameter is assigned: that is "
    "the pitfall of section 1.1."
)
_COLUMN_HINT = (
    "x comes in as a column of shape (N, 1). Keep that shape, so that the predictions match "
    "targets of shape (N, 1): with (N,) the loss broadcasts (section 6)."
)


def _quadratic_cases(seed: int) -> list[dict[str, Any]]:
    """Coefficients (a, b, c), inputs x and targets y: one fixed case, then random ones.

    The three coefficients are at least 0.5 apart, so the judge can tell which parameter is
    which by its starting value.
    """
    rng = np.random.default_rng(seed)
    cases = [{"abc": [0.5, -1.0, 2.0], "x": [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]}]
    for n in (5, int(rng.integers(6, 13))):
        while True:
            abc = np.round(rng.uniform(-3.0, 3.0, 3), 3)
            gaps = np.abs(abc[:, None] - abc[None, :]) + np.eye(3)
            if gaps.min() >= 0.5:
                break
        cases.append({"abc": abc.tolist(), "x": np.round(rng.normal(0.0, 2.0, n), 3).tolist()})
    for case in cases:
        case["y"] = np.round(rng.normal(0.0, 3.0, len(case["x"])), 3).tolist()
    return cases


def _build_quadratic(fn: Callable[..., Any], abc: list[float]) -> Any:
    """Call the learner's ``fn(a, b, c)``; a Mismatch for what only this side can see."""
    from torch import nn

    try:
        model = fn(*abc)
    except AttributeError as exc:
        if "before Module.__init__" in str(exc):
            raise Mismatch(f"creating the module failed: {exc}.", hint=_SUPER_HINT) from None
        raise
    expect_returned(model, "the module")
    if isinstance(model, type) and issubclass(model, nn.Module):
        raise Mismatch(
            "you returned the class itself, not a module made from it.",
            hint="a class is the recipe; the function should hand back one object built from "
            "it, with a, b and c as its starting values.",
        )
    if not isinstance(model, nn.Module):
        raise Mismatch(f"return an nn.Module, got {type(model).__name__}.")
    return model


def _quadratic_probe(fn: Callable[..., Any], cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each case: the module's parameters (name, value, gradient of the MSE after one
    backward pass), its predictions, their shape and dtype, and any tensor attributes that
    require grad but are not registered."""
    import torch
    from torch import nn

    out = []
    for case in cases:
        model = _build_quadratic(fn, case["abc"])
        x = torch.tensor(case["x"], dtype=torch.float32).view(-1, 1)
        y = torch.tensor(case["y"], dtype=torch.float32).view(-1, 1)
        loose = [
            name
            for name, v in vars(model).items()
            if isinstance(v, torch.Tensor) and v.requires_grad
        ]
        pred = model(x)
        if not isinstance(pred, torch.Tensor):
            raise Mismatch(f"the module's forward returned {type(pred).__name__}, not a tensor.")
        model.zero_grad(set_to_none=True)
        if pred.shape == y.shape and pred.requires_grad:
            # y in pred's dtype: a float64 model is reported as such, not as the error some
            # torch versions (2.11) raise when the loss mixes float64 and float32.
            nn.functional.mse_loss(pred, y.to(pred.dtype)).backward()
        out.append(
            {
                "params": [
                    {"name": name, "value": p.detach(), "grad": p.grad}
                    for name, p in model.named_parameters()
                ],
                "loose": loose,
                "pred": pred.detach().double(),
                "dtype": str(pred.dtype).replace("torch.", ""),
            }
        )
    return out


def _quadratic_values(out: dict[str, Any], abc: np.ndarray) -> np.ndarray:
    """The starting values of the module's parameters; a Mismatch unless they are a, b, c."""
    params = out["params"]
    if not params:
        loose = f" ({', '.join(out['loose'])} are plain tensors)" if out["loose"] else ""
        raise Mismatch(
            f"the module has no parameters{loose}: parameters() yields nothing, so an "
            "optimizer built on it would update nothing.",
            hint="only nn.Parameter attributes are registered: a plain tensor that "
            "requires grad is invisible to parameters() (section 1).",
        )
    sizes = [np.size(p["value"]) for p in params]
    if len(params) != 3 or sizes != [1, 1, 1]:
        raise Mismatch(
            f"the module has {len(params)} parameter(s) holding {sizes} numbers; expected "
            "three parameters of one number each: a, b and c."
        )
    values = np.array([float(np.reshape(p["value"], -1)[0]) for p in params])
    if not np.allclose(np.sort(values), np.sort(abc), atol=1e-6):
        raise Mismatch(
            f"for a, b, c = {fmt_numbers(abc)} the parameters start at {fmt_numbers(values)}.",
            hint="each parameter should start at the number passed for it.",
        )
    return values


def _quadratic_predictions(out: dict[str, Any], abc: np.ndarray, x: np.ndarray) -> None:
    """A Mismatch unless the predictions are a x² + b x + c, (N, 1), float32."""
    expected = abc[0] * x**2 + abc[1] * x + abc[2]
    pred = np.asarray(out["pred"], dtype=float)
    if pred.shape != (len(x), 1):
        raise Mismatch(
            f"for x of shape ({len(x)}, 1) the predictions have shape {pred.shape}, "
            f"expected ({len(x)}, 1).",
            hint=_COLUMN_HINT if pred.size == len(x) else None,
        )
    pred = pred.reshape(-1)
    swapped = [
        abc[1] * x**2 + abc[0] * x + abc[2],
        abc[2] * x**2 + abc[1] * x + abc[0],
        abc[0] * x**2 + abc[2] * x + abc[1],
    ]
    if not close_to(pred, expected, rtol=1e-4):
        if any(close_to(pred, s, rtol=1e-4) for s in swapped):
            raise Mismatch(
                f"for a, b, c = {fmt_numbers(abc)} two coefficients are swapped in the prediction.",
                hint="a multiplies x squared, b multiplies x, and c is added on its own.",
            )
        raise Mismatch(
            f"for a, b, c = {fmt_numbers(abc)} and x = {fmt_numbers(x[:3])}... the predictions are "
            f"{fmt_numbers(pred[:3])}..., expected {fmt_numbers(expected[:3])}..."
        )
    if out["dtype"] != "float32":
        raise Mismatch(
            f"the predictions are {out['dtype']}, but the course's models compute in float32.",
            hint="a parameter made from a float64 tensor makes every prediction float64; "
            "create the parameters in float32, the default for Python floats (section 4.3).",
        )


def _quadratic_gradients(
    out: dict[str, Any], values: np.ndarray, abc: np.ndarray, x: np.ndarray, y: np.ndarray
) -> None:
    """A Mismatch unless every parameter got the MSE's gradient for its coefficient."""
    residual = abc[0] * x**2 + abc[1] * x + abc[2] - y
    grads = {"a": np.mean(2 * residual * x**2), "b": np.mean(2 * residual * x)}
    grads["c"] = np.mean(2 * residual)
    for p, value in zip(out["params"], values, strict=True):
        which = "abc"[int(np.argmin(np.abs(abc - value)))]
        if p["grad"] is None:
            named = f"{p['name']}" + (f" (coefficient {which})" if p["name"] != which else "")
            raise Mismatch(
                f"the parameter {named} got no gradient from the loss: the prediction does "
                "not depend on it.",
                hint="compute the prediction from the parameters themselves, not from "
                "numbers copied out of them, so that autograd can follow (notebook 02).",
            )
        got = float(np.reshape(p["grad"], -1)[0])
        if not np.isclose(got, grads[which], rtol=1e-3, atol=1e-4):
            raise Mismatch(
                f"dL/d{which} is {got:.4g}, expected {grads[which]:.4g}, for the MSE on "
                f"a, b, c = {fmt_numbers(abc)}."
            )


def _quadratic_judge(cases: list[dict[str, Any]], outputs: list[dict[str, Any]]) -> str:
    for case, out in zip(cases, outputs, strict=True):
        abc = np.asarray(case["abc"], dtype=float)
        x, y = np.asarray(case["x"], dtype=float), np.asarray(case["y"], dtype=float)
        values = _quadratic_values(out, abc)
        _quadratic_predictions(out, abc, x)
        _quadratic_gradients(out, values, abc, x, y)
    return (
        "three registered parameters, (N, 1) predictions of a x² + b x + c, and autograd "
        "reaches all three."
    )


#: Exercise 1: ``quadratic_model(a, b, c) -> nn.Module`` for y = a x² + b x + c.
check_quadratic_model = Exercise(
    "Exercise 1 (quadratic_model)",
    _QUADRATIC_HINT,
    cases=_quadratic_cases,
    probe=_quadratic_probe,
    judge=_quadratic_judge,
    seed=3,
)
