"""Checks for the exercises of notebook 03 (nn.Module, nn.MSELoss and torch.optim)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..data import make_line_data, make_linear_data
from ..reference import closed_form_fit
from . import CheckResult, Mismatch, expect_close, run_check

__all__ = ["check_train_linear", "check_predict"]

_NONE = "your function returned None. Replace the `...` with your code and return {}."


def check_train_linear(train_linear: Callable[..., Any]) -> CheckResult:
    """Exercise 1: ``train_linear(x, y, lr, epochs) -> nn.Linear`` trained with SGD.

    x is an (N, d) and y an (N, 1) float32 tensor; the returned layer must be ``nn.Linear(d, 1)``.
    """

    def test(fn: Callable[..., Any]) -> str:
        import torch
        from torch import nn

        x1, y1 = make_line_data(as_tensor=True)
        cases = [
            (make_linear_data(60, [1.0, -2.0, 0.5], 3.0, seed=1, as_tensor=True), 0.5, 200),
            (((x1 - 5.0) / 3.0, y1), 0.5, 100),
        ]
        for (x, y), lr, epochs in cases:
            d = x.shape[1]
            torch.manual_seed(0)
            model = fn(x.clone(), y.clone(), lr, epochs)
            if model is None:
                raise Mismatch(_NONE.format("the model"))
            if not isinstance(model, nn.Linear):
                raise Mismatch(f"return the trained nn.Linear itself, got {type(model).__name__}.")
            if tuple(model.weight.shape) != (1, d):
                raise Mismatch(
                    f"for x with {d} features use nn.Linear({d}, 1), got weight of shape "
                    f"{tuple(model.weight.shape)}."
                )
            w_ref, b_ref = closed_form_fit(x, y)
            weights = model.weight.detach().double().numpy().reshape(-1)
            got = np.append(weights, float(model.bias.detach()))
            ref = np.append(w_ref, b_ref)
            if not np.max(np.abs(got - ref)) < 1e-3:
                raise Mismatch(
                    f"after {epochs} epochs with lr {lr} on {d} feature(s) the parameters are "
                    f"{np.round(got, 4).tolist()}, "
                    f"the closed form says {np.round(ref, 4).tolist()}."
                )
        return "nn.Linear trained with SGD agrees with the closed form within 1e-3 on 2 datasets."

    return run_check(
        "Exercise 1 (train_linear)",
        train_linear,
        test,
        "model = nn.Linear(x.shape[1], 1); loss_fn = nn.MSELoss(); "
        "optimizer = torch.optim.SGD(model.parameters(), lr=lr); then each epoch: "
        "optimizer.zero_grad(), loss = loss_fn(model(x), y), loss.backward(), optimizer.step().",
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
        pred = fn(model, x_new.clone())
        if pred is None:
            raise Mismatch(_NONE.format("the predictions"))
        if not isinstance(pred, torch.Tensor):
            raise Mismatch(f"return the predictions as a tensor, got {type(pred).__name__}.")
        if model.training:
            raise Mismatch(
                "the model is still in training mode. Call model.eval() before predicting."
            )
        if pred.requires_grad:
            raise Mismatch(
                "the predictions require grad, so autograd built a graph. "
                "Predict inside `with torch.inference_mode():`."
            )
        expect_close(pred, [[2.5], [-0.5], [4.5], [-5.5]], "the predictions")
        return "eval mode, no graph, and the right (M, 1) predictions."

    return run_check(
        "Exercise 2 (predict)",
        predict,
        test,
        "call model.eval(), then `with torch.inference_mode(): return model(x_new)`.",
    )
