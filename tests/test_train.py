"""Tests for helpers.training.train: the loop, its loss bookkeeping, checks and divergence guard."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from training_kit import fit, fresh, params_equal

import helpers
from helpers.loader import make_loader
from helpers.training import train


def test_lazy_export_points_here():
    assert helpers.train is train


def test_train_returns_per_epoch_histories(data):
    x, y = data
    _, history = fit(make_loader(x, y, 16), 3, val_loader=make_loader(x, y, 64, shuffle=False))
    assert set(history) == {"train_loss", "val_loss"}
    assert len(history["train_loss"]) == len(history["val_loss"]) == 3
    assert all(isinstance(v, float) for v in history["train_loss"] + history["val_loss"])
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert set(fit(make_loader(x, y, 16), 1)[1]) == {"train_loss"}


def test_zero_epochs_trains_nothing(data):
    x, y = data
    model, opt = fresh()
    before = [p.clone() for p in model.parameters()]
    assert train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 0) == {"train_loss": []}
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_epoch_loss_is_weighted_by_batch_size(reduction):
    # lr = 0 freezes the model, so every epoch's loss is the loss of the same line.
    x = torch.linspace(-1, 1, 40)[:, None]
    y = 3 * x**2  # a line cannot fit this, so the batches have very different losses
    loader = make_loader(x, y, 16, shuffle=False)  # batches of 16, 16, 8
    model, history = fit(
        loader, 1, lr=0.0, loss_fn=nn.MSELoss(reduction=reduction), val_loader=loader
    )
    with torch.no_grad():
        exact = nn.functional.mse_loss(model(x), y).item()
        means = [nn.functional.mse_loss(model(xb), yb).item() for xb, yb in loader]
    assert history["train_loss"][0] == pytest.approx(exact, rel=1e-6)
    assert history["val_loss"][0] == pytest.approx(exact, rel=1e-6)
    assert not np.isclose(np.mean(means), exact, rtol=1e-3)  # the mean of means would be wrong


def test_train_lands_on_the_closed_form(data):
    x, y = data
    model, opt = fresh()
    train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 30)
    train(model, nn.MSELoss(), opt, make_loader(x, y, len(x), shuffle=False), 100)
    (w,), b = helpers.closed_form_fit(x, y)
    assert abs(model.weight.item() - w) < 1e-3 and abs(model.bias.item() - b) < 1e-3


def test_train_matches_the_hand_written_loop(data):
    x, y = data
    ds = TensorDataset(x, y)

    def loader():
        return DataLoader(
            ds, batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(0)
        )

    model, opt = fresh()
    by_hand, expected = loader(), []
    for _ in range(3):
        total = 0.0
        for xb, yb in by_hand:
            loss = nn.functional.mse_loss(model(xb), yb)  # 2. predict, 3. loss
            opt.zero_grad()
            loss.backward()  # 4. gradients
            opt.step()  # 5. update
            total += loss.item() * len(xb)
        expected.append(total / len(ds))
    model2, history = fit(loader(), 3)
    assert params_equal(model, model2)
    assert history["train_loss"] == expected


def test_targets_of_shape_n_are_reshaped_not_broadcast(data):
    x, y = data

    def loader(targets):
        gen = torch.Generator().manual_seed(0)
        return DataLoader(TensorDataset(x, targets), batch_size=16, shuffle=True, generator=gen)

    model_a, _ = fit(loader(y), 2)
    model_b, _ = fit(loader(y[:, 0]), 2)  # torch alone would warn and broadcast (16,) to (16, 16)
    assert params_equal(model_a, model_b)


def test_integer_batches_are_converted():
    x = torch.arange(-5, 5)[:, None]
    y = 2 * x + 1
    model, history = fit(DataLoader(TensorDataset(x, y), batch_size=4), 2, lr=0.01)
    assert all(math.isfinite(v) for v in history["train_loss"])
    assert model.weight.dtype == torch.float32


def test_float64_batches_for_a_float32_model_are_a_clear_error(data):
    x, y = data
    loader = DataLoader(TensorDataset(x.double(), y.double()), batch_size=16)
    with pytest.raises(
        TypeError, match=r"xb as float64 tensor.*parameters are float32.*x.float\(\)"
    ):
        fit(loader, 1)


def test_mismatched_target_shape_is_a_clear_error(data):
    x, _ = data
    loader = DataLoader(TensorDataset(x, torch.zeros(len(x), 2)), batch_size=16)
    with pytest.raises(
        ValueError, match=r"output has shape \(16, 1\) but the targets yb have shape \(16, 2\)"
    ):
        fit(loader, 1)


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"model": "model"}, TypeError, "model must be an nn.Module"),
        ({"model": nn.ReLU()}, ValueError, "model has no parameters"),
        ({"loss_fn": "mse"}, TypeError, "loss_fn must be callable"),
        ({"loss_fn": nn.MSELoss(reduction="none")}, ValueError, "reduction='none'"),
        ({"optimizer": "sgd"}, TypeError, "optimizer must be a torch.optim"),
        (
            {"optimizer": "another model's"},
            ValueError,
            "optimizer does not update any of model's parameters",
        ),
        ({"epochs": -1}, ValueError, "epochs must be at least 0, got -1"),
        ({"epochs": 2.0}, TypeError, "epochs must be an integer"),
        ({"train_loader": 5}, TypeError, "train_loader must be an iterable"),
        ({"train_loader": []}, ValueError, "train_loader has no batches"),
        ({"val_loader": []}, ValueError, "val_loader has no batches"),
        ({"train_loader": [torch.zeros(4, 1)]}, TypeError, r"must yield \(xb, yb\) pairs"),
        ({"train_loader": [(torch.zeros(4, 1), "y")]}, TypeError, "yielded yb as str"),
        (
            {"train_loader": [(torch.zeros(4, 1, dtype=torch.complex64), torch.zeros(4, 1))]},
            TypeError,
            "yielded xb as complex64 tensor .*; expected real numbers",
        ),
        ({"device": "tpu"}, ValueError, "device='tpu' is not a device name"),
        ({"checkpoint_path": 3}, TypeError, "checkpoint_path must be a file path"),
        (
            {"loss_fn": lambda p, t: (p - t) ** 2},
            ValueError,
            "loss_fn must return one number per batch",
        ),
        ({"train_loader": "empty generator"}, ValueError, "train_loader yielded no batches"),
        ({"val_loader": "empty generator"}, ValueError, "val_loader yielded no batches"),
    ],
    ids=lambda v: next(iter(v)) if isinstance(v, dict) else None,
)
def test_bad_arguments_name_themselves(data, changes, error, match):
    x, y = data
    model, opt = fresh()
    args = {
        "model": model,
        "loss_fn": nn.MSELoss(),
        "optimizer": opt,
        "train_loader": make_loader(x, y, 16),
        "epochs": 1,
    }
    for key, value in changes.items():
        if value == "another model's":
            value = fresh()[1]
        elif value == "empty generator":
            value = (b for b in [])  # no len(): found empty only while iterating
        args[key] = value
    before = [p.clone() for p in model.parameters()]
    with pytest.raises(error, match=match):
        train(**args)
    if key not in ("val_loader",):  # checked before the first step: nothing was trained
        assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_absent_device_in_train_is_a_clear_error(cpu_only, data):
    x, y = data
    with pytest.raises(ValueError, match="device='cuda' asks for a CUDA GPU"):
        fit(make_loader(x, y, 16), 1, device="cuda")


def test_device_argument_moves_the_model_there(data, monkeypatch):
    # Only a CPU here: watch the call that would move a CPU model to a GPU.
    x, y = data
    model, opt = fresh()
    moves = []
    real_to = model.to
    monkeypatch.setattr(model, "to", lambda *a, **k: moves.append((a, k)) or real_to(*a, **k))
    train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 1, device="cpu")
    assert moves == [((torch.device("cpu"),), {})]
    moves.clear()
    train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 1)  # None: the model stays put
    assert moves == []


def test_training_on_cuda(needs_cuda, data):
    x, y = data
    model, _ = fit(make_loader(x, y, 16), 2, device="cuda")  # built on the CPU, moved by train
    assert next(model.parameters()).device.type == "cuda"
    cpu_model, _ = fit(make_loader(x, y, 16), 2)
    assert torch.allclose(model.weight.cpu(), cpu_model.weight, atol=1e-5)


# --------------------------------------------------------------------------- divergence guard
def test_divergence_stops_with_epoch_batch_and_advice(data):
    x, y = data
    model, opt = fresh(lr=1.5)
    with pytest.raises(FloatingPointError) as info:
        train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 100)
    message = str(info.value)
    assert "at epoch " in message and ", batch " in message and " of 13" in message
    assert "Try a smaller learning rate (lr is 1.5; try 0.15)" in message
    assert all(torch.isfinite(p).all() for p in model.parameters())  # stopped before the bad step


def test_divergence_message_is_deterministic(data):
    x, y = data
    messages = []
    for _ in range(2):
        with pytest.raises(FloatingPointError) as info:
            fit(make_loader(x[:160], y[:160], 16), 100, lr=1.5)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_divergence_in_a_loader_without_a_length_names_the_batch_alone(data):
    x, y = data
    batches = (b for _ in range(100) for b in make_loader(x, y, 16))  # one long epoch
    with pytest.raises(FloatingPointError, match=r"at epoch 1, batch \d+: the updates"):
        fit(batches, 1, lr=1.5)


def test_divergence_with_a_checkpoint_says_what_it_holds(data, tmp_path):
    x, y = data
    with pytest.raises(FloatingPointError, match=r"The checkpoint still holds epoch \d+\."):
        fit(make_loader(x, y, 16), 100, lr=1.5, checkpoint_path=tmp_path / "c.pt")
    with pytest.raises(FloatingPointError, match=r"at epoch 1, .*No checkpoint was written\."):
        fit(make_loader(x, y, 16), 100, lr=100.0, checkpoint_path=tmp_path / "d.pt")
    assert not (tmp_path / "d.pt").exists()


def test_the_loader_stays_importable_from_its_old_module():
    import helpers.loader
    import helpers.training

    assert helpers.training.make_loader is helpers.loader.make_loader
    assert helpers.training.ShuffledTensorBatches is helpers.loader.ShuffledTensorBatches
