"""Unit tests of the exercise checks of notebook 03: each common mistake gets its own hint.

(The solution passing and the untouched stub failing are tested for every exercise in
tests/test_exercises.py.)
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from helpers.checks.nb03 import check_predict, check_train_linear


def train(x, y, lr, epochs, *, reset=True, step=True):
    model = nn.Linear(x.shape[1], 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        if reset:
            optimizer.zero_grad()
        loss = nn.MSELoss()(model(x), y)
        if step:
            loss.backward()
            optimizer.step()
    return model


def predict(model, x_new):
    model.eval()
    with torch.inference_mode():
        return model(x_new)


def test_train_linear_without_step_gets_its_hint(capsys) -> None:
    assert not check_train_linear(lambda x, y, lr, epochs: train(x, y, lr, epochs, step=False))
    out = capsys.readouterr().out
    assert "random starting values" in out and "take its step" in out


def test_train_linear_without_zero_grad_gets_its_hint(capsys) -> None:
    assert not check_train_linear(lambda x, y, lr, epochs: train(x, y, lr, epochs, reset=False))
    out = capsys.readouterr().out
    assert "your loss stops falling" in out and "are the gradients reset" in out
    assert "zero_grad" not in out


def test_train_linear_too_few_epochs_gets_the_general_hint(capsys) -> None:
    assert not check_train_linear(lambda x, y, lr, epochs: train(x, y, lr, 3))
    out = capsys.readouterr().out
    assert "the closed form says" in out and "sized to the features" in out


def test_train_linear_forgotten_return(capsys) -> None:
    def no_return(x, y, lr, epochs):
        train(x, y, lr, epochs)

    assert not check_train_linear(no_return)
    assert "returned None" in capsys.readouterr().out


def test_train_linear_wrong_shapes_and_types_fail(capsys) -> None:
    assert not check_train_linear(lambda x, y, lr, epochs: nn.Linear(1, 1))
    out = capsys.readouterr().out
    assert "needs 3 inputs and 1 output" in out and "columns of x" in out
    assert not check_train_linear(lambda x, y, lr, epochs: nn.Sequential(nn.Linear(3, 1)))
    assert "return the trained linear layer itself" in capsys.readouterr().out


def test_predict_in_train_mode_gets_its_hint(capsys) -> None:
    def train_mode(model, x_new):
        with torch.inference_mode():
            return model(x_new)

    assert not check_predict(train_mode)
    out = capsys.readouterr().out
    assert "still in training mode" in out and "switch the model's mode" in out
    assert "eval()" not in out


def test_predict_with_graph_gets_its_hint(capsys) -> None:
    def with_graph(model, x_new):
        model.eval()
        return model(x_new)

    assert not check_predict(with_graph)
    out = capsys.readouterr().out
    assert "records nothing" in out and "inference_mode" not in out


def test_predict_returning_numpy_fails(capsys) -> None:
    def as_numpy(model, x_new):
        return predict(model, x_new).numpy()

    assert not check_predict(as_numpy)
    assert "as a tensor" in capsys.readouterr().out


@pytest.mark.parametrize("fn", [lambda m, x: [m(x)][1:] or None, lambda m, x: torch.zeros(4, 1)])
def test_predict_other_wrong_answers_fail(fn, capsys) -> None:
    assert not check_predict(fn)
    assert "Hint:" in capsys.readouterr().out
