"""Unit tests of the exercise checks of notebook 03 (nn.Module and torch.optim)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from helpers.checks.nb03 import check_predict, check_train_linear


def train_linear(x, y, lr, epochs):
    model = nn.Linear(x.shape[1], 1)
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    return model


def predict(model, x_new):
    model.eval()
    with torch.inference_mode():
        return model(x_new)


def test_train_linear_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_train_linear(train_linear)
    assert "✅ Exercise 1 (train_linear) passed" in capsys.readouterr().out


def test_train_linear_stub_fails_with_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert not check_train_linear(lambda x, y, lr, epochs: None)
    out = capsys.readouterr().out
    assert "returned None" in out and "Hint:" in out


def test_train_linear_without_step_fails(capsys: pytest.CaptureFixture[str]) -> None:
    def no_step(x, y, lr, epochs):
        model = nn.Linear(x.shape[1], 1)
        for _ in range(epochs):
            nn.MSELoss()(model(x), y)
        return model

    assert not check_train_linear(no_step)
    assert "the closed form says" in capsys.readouterr().out


def test_train_linear_wrong_shapes_and_types_fail(capsys: pytest.CaptureFixture[str]) -> None:
    assert not check_train_linear(lambda x, y, lr, epochs: nn.Linear(1, 1))
    assert "use nn.Linear(3, 1)" in capsys.readouterr().out
    assert not check_train_linear(lambda x, y, lr, epochs: nn.Sequential(nn.Linear(3, 1)))
    assert "return the trained nn.Linear itself" in capsys.readouterr().out


def test_predict_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_predict(predict)
    assert "✅ Exercise 2 (predict) passed" in capsys.readouterr().out


def test_predict_stub_fails_with_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert not check_predict(lambda model, x_new: None)
    out = capsys.readouterr().out
    assert "returned None" in out and "Hint:" in out


def test_predict_in_train_mode_fails(capsys: pytest.CaptureFixture[str]) -> None:
    def train_mode(model, x_new):
        with torch.inference_mode():
            return model(x_new)

    assert not check_predict(train_mode)
    assert "still in training mode" in capsys.readouterr().out


def test_predict_with_graph_fails(capsys: pytest.CaptureFixture[str]) -> None:
    def with_graph(model, x_new):
        model.eval()
        return model(x_new)

    assert not check_predict(with_graph)
    assert "inference_mode" in capsys.readouterr().out


def test_predict_returning_numpy_fails(capsys: pytest.CaptureFixture[str]) -> None:
    def as_numpy(model, x_new):
        return predict(model, x_new).numpy()

    assert not check_predict(as_numpy)
    assert "as a tensor" in capsys.readouterr().out
