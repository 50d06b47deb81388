"""Checks for the exercises of notebook 03 (nn.Module, nn.MSELoss and torch.optim).

Taught in: 03 · nn.Module, nn.MSELoss and torch.optim, section "Exercises".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..data import make_line_data, make_linear_data
from ..reference import closed_form_fit
from . import CheckResult, Mismatch, expect_close, expect_returned, run_check

__all__ = ["check_train_linear", "check_predict"]


def _params(model: Any) -> np.ndarray:
    """An nn.Linear(d, 1)'s weights and bias as one float64 array of d + 1 numbers."""
    weights = model.weight.detach().double().numpy().reshape(-1)
    return np.append(weights, float(model.bias.detach()))


def _replay(x: Any, y: Any, lr: float, epochs: int, *, reset: bool) -> np.ndarray:
    """Train nn.Linear from the check's seed, resetting the gradients or not."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Linear(x.shape[1], 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        if reset:
            optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
    return _params(model)


def _diagnose_training(got: np.ndarray, x: Any, y: Any, lr: float, epochs: int) -> None:
    """Raise a :class:`Mismatch` aimed at a frozen model or a forgotten gradient reset."""
    if np.allclose(got, _replay(x, y, lr, 0, reset=True), atol=1e-6):
        raise Mismatch(
            "the layer's parameters are still their random starting values.",
            hint="a loop that only computes the loss changes nothing: the gradients must be "
            "computed and the optimizer must take its step (section 4.1).",
        )
    piled = _replay(x, y, lr, epochs, reset=False)
    if np.all(np.isfinite(piled)) and np.allclose(got, piled, rtol=1e-3, atol=1e-3):
        raise Mismatch(
            "your loss stops falling after the first epochs.",
            hint="are the gradients reset before each backward pass? (section 3)",
        )


def _check_layer(model: Any, d: int) -> None:
    """Raise a :class:`Mismatch` unless ``model`` is an nn.Linear with d inputs and 1 output."""
    from torch import nn

    expect_returned(model, "the trained layer")
    if not isinstance(model, nn.Linear):
        raise Mismatch(f"return the trained linear layer itself, got {type(model).__name__}.")
    if tuple(model.weight.shape) != (1, d):
        raise Mismatch(
            f"for x with {d} features the layer needs {d} inputs and 1 output, got a weight "
            f"of shape {tuple(model.weight.shape)}.",
            hint="the number of inputs of the layer is the number of columns of x.",
        )


def check_train_linear(train_linear: Callable[..., Any]) -> CheckResult:
    """Exercise 1: ``train_linear(x, y, lr, epochs) -> nn.Linear`` trained with SGD.

    x is an (N, d) and y an (N, 1) float32 tensor; the returned layer must be ``nn.Linear(d, 1)``.
    """

    def test(fn: Callable[..., Any]) -> str:
        import torch

        x1, y1 = make_line_data(as_tensor=True)
        cases = [
            (make_linear_data(60, [1.0, -2.0, 0.5], 3.0, seed=1, as_tensor=True), 0.5, 200),
            (((x1 - 5.0) / 3.0, y1), 0.5, 100),
        ]
        for (x, y), lr, epochs in cases:
            torch.manual_seed(0)
            model = fn(x.clone(), y.clone(), lr, epochs)
            _check_layer(model, x.shape[1])
            w_ref, b_ref = closed_form_fit(x, y)
            got, ref = _params(model), np.append(w_ref, b_ref)
            if not np.max(np.abs(got - ref)) < 1e-3:
                _diagnose_training(got, x, y, lr, epochs)
                raise Mismatch(
                    f"after {epochs} epochs with lr {lr} on {x.shape[1]} feature(s) the "
                    f"parameters are {np.round(got, 4).tolist()}, "
                    f"the closed form says {np.round(ref, 4).tolist()}."
                )
        return "nn.Linear trained with SGD agrees with the closed form within 1e-3 on 2 datasets."

    return run_check(
        "Exercise 1 (train_linear)",
        train_linear,
        test,
        "PyTorch's pieces take the five steps: a linear layer sized to the features, the MSE "
        "loss module, and an SGD optimizer built on that layer's parameters. Each epoch "
        "resets the gradients, predicts, computes the loss, goes backward and steps (section 3).",
    )


def check_predict(predict: Callable[..., Any]) -> CheckResult:
    """Exercise 2: ``predict(model, x_new) -> (M, 1) tensor`` in eval mode without a graph."""

    def test(fn: Callable[..., Any]) -> str:
        import torch
        from torch import nn

        linear = nn.Linear(2, 1)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[2.0, -1.0]]))
            linear.bias.fill_(0.5)
        model = nn.Sequential(linear, nn.Dropout(p=0.5))  # dropout changes outputs in train mode
        model.train()
        x_new = torch.tensor([[1.0, 0.0], [0.0, 1.0], [3.0, 2.0], [-1.0, 4.0]])
        torch.manual_seed(0)
        pred = expect_returned(fn(model, x_new.clone()), "the predictions")
        if not isinstance(pred, torch.Tensor):
            raise Mismatch(f"return the predictions as a tensor, got {type(pred).__name__}.")
        if model.training:
            raise Mismatch(
                "the model is still in training mode, so its dropout layer zeroed some "
                "predictions at random.",
                hint="layers such as dropout behave differently for prediction: switch the "
                "model's mode first (section 8).",
            )
        if pred.requires_grad:
            raise Mismatch(
                "the predictions require grad, so autograd recorded a graph for them.",
                hint="predictions need no gradients: compute them where autograd records "
                "nothing (section 8).",
            )
        expect_close(pred, [[2.5], [-0.5], [4.5], [-5.5]], "the predictions")
        return "eval mode, no graph, and the right (M, 1) predictions."

    return run_check(
        "Exercise 2 (predict)",
        predict,
        test,
        "two things make a prediction: the model in its prediction mode, and no graph "
        "recorded while it runs (section 8).",
    )
