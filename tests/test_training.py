"""Tests for helpers.training: make_loader and train."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import helpers
from helpers.loader import ShuffledTensorBatches, make_loader
from helpers.training import train

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")


@pytest.fixture
def data():
    return helpers.make_intercept_slope_data(as_tensor=True)  # (200, 1) each


@pytest.fixture
def cpu_only(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def fresh(seed=0, momentum=0.0, lr=0.1):
    torch.manual_seed(seed)
    model = nn.Linear(1, 1)
    return model, torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)


def params_equal(a, b):
    return all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


# --------------------------------------------------------------------------- make_loader
def test_lazy_exports_point_here():
    assert helpers.make_loader is make_loader
    assert helpers.train is train


def test_make_loader_is_a_real_dataloader_of_whole_batches(data):
    x, y = data
    loader = make_loader(x, y, 16)
    assert isinstance(loader, DataLoader)
    assert loader.batch_size is None  # no per-sample collate
    assert isinstance(loader.dataset, ShuffledTensorBatches)
    assert loader.num_workers == 0
    assert loader.generator is loader.dataset.generator
    batches = list(loader)
    assert len(loader) == len(batches) == 13
    assert [len(xb) for xb, _ in batches] == [16] * 12 + [8]
    assert all(xb.shape == (len(xb), 1) and yb.shape == (len(xb), 1) for xb, yb in batches)
    assert all(xb.dtype == torch.float32 for xb, _ in batches)


def test_batches_are_the_data_pairs_exactly_once(data):
    x, y = data
    xs, ys = zip(*make_loader(x, y, 16, seed=3), strict=True)
    xs, ys = torch.cat(xs), torch.cat(ys)
    order = torch.argsort(xs[:, 0])
    ref = torch.argsort(x[:, 0])
    assert torch.equal(xs[order], x[ref]) and torch.equal(ys[order], y[ref])


def test_dataset_yields_views_of_one_shuffled_copy_per_epoch():
    x = torch.arange(10.0)[:, None]
    ds = ShuffledTensorBatches(x, 10 * x, 4, shuffle=False, generator=torch.Generator())
    assert len(ds) == 3
    batches = list(ds)
    assert [xb[:, 0].tolist() for xb, _ in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].data_ptr() == x.data_ptr()  # unshuffled: views of the data itself
    ds = ShuffledTensorBatches(
        x, 10 * x, 4, shuffle=True, generator=torch.Generator().manual_seed(0)
    )
    xb0, yb0 = next(iter(ds))
    assert torch.equal(yb0, 10 * xb0)  # pairs stay together
    first, second = [torch.cat([xb for xb, _ in ds]) for _ in range(2)]
    assert sorted(first[:, 0].tolist()) == list(range(10)) and not torch.equal(first, second)
    with pytest.raises(ValueError, match="same length"):
        ShuffledTensorBatches(
            torch.zeros(3, 1), torch.zeros(2, 1), 1, shuffle=True, generator=torch.Generator()
        )


def test_seed_reproduces_and_each_epoch_reshuffles():
    x = torch.arange(100.0)
    first = [xb[:, 0].tolist() for xb, _ in make_loader(x, x, 10, seed=7)]
    again = [xb[:, 0].tolist() for xb, _ in make_loader(x, x, 10, seed=7)]
    other = [xb[:, 0].tolist() for xb, _ in make_loader(x, x, 10, seed=8)]
    assert first == again
    assert first != other
    loader = make_loader(x, x, 10, seed=7)
    epoch1 = [xb[:, 0].tolist() for xb, _ in loader]
    epoch2 = [xb[:, 0].tolist() for xb, _ in loader]
    assert epoch1 == first and epoch2 != epoch1
    assert sorted(sum(epoch2, [])) == list(range(100))


def test_shuffle_false_keeps_the_order():
    x = torch.arange(10.0)
    assert [xb[:, 0].tolist() for xb, _ in make_loader(x, x, 4, shuffle=False)] == [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9],
    ]


def test_loader_leaves_the_global_random_state_alone(data):
    x, y = data
    before = torch.get_rng_state()
    for _ in range(2):
        list(make_loader(x, y, 16))
    assert torch.equal(before, torch.get_rng_state())


def test_generator_state_restores_the_next_epoch():
    x = torch.arange(50.0)
    loader = make_loader(x, x, 8, seed=1)
    list(loader)
    saved = loader.generator.get_state()
    expected = [xb.tolist() for xb, _ in loader]
    other = make_loader(x, x, 8, seed=1)
    other.generator.set_state(saved)
    assert [xb.tolist() for xb, _ in other] == expected


def test_batch_size_larger_than_n_gives_one_batch():
    batches = list(make_loader([1.0, 2.0, 3.0], [2.0, 4.0, 6.0], 100))
    assert len(batches) == 1 and batches[0][0].shape == (3, 1)


def test_targets_of_shape_n_become_a_column_and_features_stay_2d():
    x = np.arange(12.0).reshape(6, 2)
    y = np.arange(6.0)
    xb, yb = next(iter(make_loader(x, y, 6, shuffle=False)))
    assert xb.shape == (6, 2) and yb.shape == (6, 1)
    assert yb[:, 0].tolist() == y.tolist()


def test_integers_booleans_float64_and_lists_become_float32():
    for x, y in [
        (torch.arange(4), torch.arange(4) * 2),
        (np.arange(4), np.arange(4.0) * 2),
        ([0, 1, 2, 3], [0.0, 2.0, 4.0, 6.0]),
        (torch.tensor([True, False, True, True]), torch.arange(4.0, dtype=torch.float64)),
    ]:
        xb, yb = next(iter(make_loader(x, y, 4, shuffle=False)))
        assert xb.dtype == yb.dtype == torch.float32


@given(n=st.integers(1, 300), batch_size=st.integers(1, 64), seed=st.integers(0, 2**31))
@settings(max_examples=40, deadline=None)
def test_batches_partition_the_indices(n, batch_size, seed):
    x = torch.arange(n, dtype=torch.float32)
    batches = [xb[:, 0].long() for xb, _ in make_loader(x, x, batch_size, seed=seed)]
    sizes = [len(b) for b in batches]
    assert sizes == [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    assert sorted(torch.cat(batches).tolist()) == list(range(n))


@pytest.mark.parametrize(
    ("x", "y", "kwargs", "error", "match"),
    [
        (torch.zeros(5), torch.zeros(4), {}, ValueError, r"same number of samples, got 5 and 4"),
        ([1.0, float("nan")], [1.0, 2.0], {}, ValueError, r"x contains 1 NaN or infinite"),
        (
            torch.tensor([1.0, 2.0]),
            torch.tensor([1.0, float("inf")]),
            {},
            ValueError,
            r"y contains 1 NaN or infinite",
        ),
        (
            np.array([1e300, 1.0]),
            [1.0, 2.0],
            {},
            ValueError,
            r"x contains 1 NaN or infinite value\(s\) \(as float32\)",
        ),
        (["a", "b"], [1.0, 2.0], {}, TypeError, r"x must hold real numbers"),
        ("abc", [1.0, 2.0], {}, TypeError, r"x must be numbers, got the string"),
        (torch.zeros(0), torch.zeros(0), {}, ValueError, r"x is empty"),
        ([], [], {}, ValueError, r"x is empty"),
        (
            torch.zeros(2, 2, 2),
            torch.zeros(2),
            {},
            ValueError,
            r"x must have shape \(N,\) or \(N, d\)",
        ),
        (torch.tensor(3.0), torch.tensor(3.0), {}, ValueError, r"x must have shape"),
        (
            torch.zeros(3, dtype=torch.complex64),
            torch.zeros(3),
            {},
            TypeError,
            r"x must hold real numbers",
        ),
        (
            torch.zeros(3),
            torch.zeros(3),
            {"batch_size": 0},
            ValueError,
            r"batch_size must be at least 1, got 0. Pass e.g. batch_size=32",
        ),
        (
            torch.zeros(3),
            torch.zeros(3),
            {"batch_size": 2.5},
            TypeError,
            r"batch_size must be an integer",
        ),
        (
            torch.zeros(3),
            torch.zeros(3),
            {"batch_size": True},
            TypeError,
            r"batch_size must be an integer",
        ),
        (torch.zeros(3), torch.zeros(3), {"seed": -1}, ValueError, r"seed must be at least 0"),
        (
            torch.zeros(3),
            torch.zeros(3),
            {"shuffle": "yes"},
            TypeError,
            r"shuffle must be True or False",
        ),
        (
            torch.zeros(3),
            torch.zeros(3),
            {"device": "tpu"},
            ValueError,
            r"device='tpu' is not a device name",
        ),
    ],
)
def test_make_loader_rejects_bad_input_by_name(x, y, kwargs, error, match):
    kwargs = {"batch_size": 2, **kwargs}
    with pytest.raises(error, match=match):
        make_loader(x, y, **kwargs)


def test_absent_device_is_a_clear_error(cpu_only):
    with pytest.raises(
        ValueError, match=r"device='cuda' asks for a CUDA GPU, but this machine has none"
    ):
        make_loader(torch.zeros(3), torch.zeros(3), 2, device="cuda")


def test_numpy_integers_are_accepted_as_sizes():
    assert len(make_loader(torch.zeros(10), torch.zeros(10), np.int64(3), seed=np.int32(1))) == 4


# --------------------------------------------------------------------------- train
def test_train_returns_per_epoch_histories(data):
    x, y = data
    model, opt = fresh()
    history = train(
        model,
        nn.MSELoss(),
        opt,
        make_loader(x, y, 16),
        3,
        val_loader=make_loader(x, y, 64, shuffle=False),
    )
    assert set(history) == {"train_loss", "val_loss"}
    assert len(history["train_loss"]) == len(history["val_loss"]) == 3
    assert all(isinstance(v, float) for v in history["train_loss"] + history["val_loss"])
    assert history["train_loss"][-1] < history["train_loss"][0]
    model, opt = fresh()
    assert set(train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 1)) == {"train_loss"}


def test_zero_epochs_trains_nothing(data):
    x, y = data
    model, opt = fresh()
    before = [p.clone() for p in model.parameters()]
    assert train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 0) == {"train_loss": []}
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_epoch_loss_is_weighted_by_batch_size():
    # lr = 0 freezes the model, so every epoch's loss is the loss of the same line.
    x = torch.linspace(-1, 1, 40)[:, None]
    y = 3 * x**2  # a line cannot fit this, so the batches have very different losses
    model, _ = fresh()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    loader = make_loader(x, y, 16, shuffle=False)  # batches of 16, 16, 8
    history = train(model, nn.MSELoss(), opt, loader, 1, val_loader=loader)
    with torch.no_grad():
        exact = nn.functional.mse_loss(model(x), y).item()
        means = [nn.functional.mse_loss(model(xb), yb).item() for xb, yb in loader]
    assert history["train_loss"][0] == pytest.approx(exact, rel=1e-6)
    assert history["val_loss"][0] == pytest.approx(exact, rel=1e-6)
    assert not np.isclose(np.mean(means), exact, rtol=1e-3)  # the mean of means would be wrong


def test_sum_reduction_is_weighted_correctly():
    x = torch.linspace(-1, 1, 40)[:, None]
    y = 3 * x**2
    model, _ = fresh()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    history = train(model, nn.MSELoss(reduction="sum"), opt, make_loader(x, y, 16), 1)
    with torch.no_grad():
        exact = nn.functional.mse_loss(model(x), y).item()
    assert history["train_loss"][0] == pytest.approx(exact, rel=1e-6)


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
    model, opt = fresh()
    loader = DataLoader(ds, batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(0))
    expected = []
    for _ in range(3):
        total = 0.0
        for xb, yb in loader:
            loss = nn.functional.mse_loss(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        expected.append(total / len(ds))
    model2, opt2 = fresh()
    loader2 = DataLoader(
        ds, batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(0)
    )
    history = train(model2, nn.MSELoss(), opt2, loader2, 3)
    assert params_equal(model, model2)
    assert history["train_loss"] == expected


def test_targets_of_shape_n_are_reshaped_not_broadcast(data):
    x, y = data
    model_a, opt_a = fresh()
    loader_a = DataLoader(
        TensorDataset(x, y), batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(0)
    )
    train(model_a, nn.MSELoss(), opt_a, loader_a, 2)
    model_b, opt_b = fresh()
    loader_b = DataLoader(
        TensorDataset(x, y[:, 0]),
        batch_size=16,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    train(model_b, nn.MSELoss(), opt_b, loader_b, 2)  # torch alone would warn and broadcast
    assert params_equal(model_a, model_b)


def test_integer_batches_are_converted():
    x = torch.arange(-5, 5)[:, None]
    y = 2 * x + 1
    model, opt = fresh(lr=0.01)
    history = train(model, nn.MSELoss(), opt, DataLoader(TensorDataset(x, y), batch_size=4), 2)
    assert all(math.isfinite(v) for v in history["train_loss"])


def test_float64_batches_for_a_float32_model_are_a_clear_error(data):
    x, y = data
    model, opt = fresh()
    loader = DataLoader(TensorDataset(x.double(), y.double()), batch_size=16)
    with pytest.raises(
        TypeError, match=r"xb as float64 tensor.*parameters are float32.*x.float\(\)"
    ):
        train(model, nn.MSELoss(), opt, loader, 1)


def test_mismatched_target_shape_is_a_clear_error(data):
    x, _ = data
    model, opt = fresh()
    loader = DataLoader(TensorDataset(x, torch.zeros(len(x), 2)), batch_size=16)
    with pytest.raises(
        ValueError, match=r"output has shape \(16, 1\) but the targets yb have shape \(16, 2\)"
    ):
        train(model, nn.MSELoss(), opt, loader, 1)


def test_bad_arguments_name_themselves(data):
    x, y = data
    loader = make_loader(x, y, 16)
    model, opt = fresh()
    loss_fn = nn.MSELoss()
    cases = [
        (lambda: train("model", loss_fn, opt, loader, 1), TypeError, "model must be an nn.Module"),
        (lambda: train(nn.ReLU(), loss_fn, opt, loader, 1), ValueError, "model has no parameters"),
        (lambda: train(model, "mse", opt, loader, 1), TypeError, "loss_fn must be callable"),
        (
            lambda: train(model, nn.MSELoss(reduction="none"), opt, loader, 1),
            ValueError,
            "reduction='none'",
        ),
        (
            lambda: train(model, loss_fn, "sgd", loader, 1),
            TypeError,
            "optimizer must be a torch.optim",
        ),
        (
            lambda: train(model, loss_fn, fresh()[1], loader, 1),
            ValueError,
            "optimizer does not update any of model's parameters",
        ),
        (
            lambda: train(model, loss_fn, opt, loader, -1),
            ValueError,
            "epochs must be at least 0, got -1",
        ),
        (lambda: train(model, loss_fn, opt, loader, 2.0), TypeError, "epochs must be an integer"),
        (lambda: train(model, loss_fn, opt, 5, 1), TypeError, "train_loader must be an iterable"),
        (lambda: train(model, loss_fn, opt, [], 1), ValueError, "train_loader has no batches"),
        (
            lambda: train(model, loss_fn, opt, loader, 1, val_loader=[]),
            ValueError,
            "val_loader has no batches",
        ),
        (lambda: train(model, loss_fn, opt, [x[:4]], 1), TypeError, r"must yield \(xb, yb\) pairs"),
        (lambda: train(model, loss_fn, opt, [(x[:4], "y")], 1), TypeError, "yielded yb as str"),
        (
            lambda: train(model, loss_fn, opt, loader, 1, device="tpu"),
            ValueError,
            "device='tpu' is not a device name",
        ),
        (
            lambda: train(model, loss_fn, opt, loader, 1, checkpoint_path=3),
            TypeError,
            "checkpoint_path must be a file path",
        ),
        (
            lambda: train(model, lambda p, t: (p - t) ** 2, opt, loader, 1),
            ValueError,
            "loss_fn must return one number per batch",
        ),
        (
            lambda: train(model, loss_fn, opt, (b for b in []), 1),
            ValueError,
            "train_loader yielded no batches",
        ),
    ]
    for call, error, match in cases:
        with pytest.raises(error, match=match):
            call()


def test_absent_device_in_train_is_a_clear_error(cpu_only, data):
    x, y = data
    model, opt = fresh()
    with pytest.raises(ValueError, match="device='cuda' asks for a CUDA GPU"):
        train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 1, device="cuda")


def test_device_argument_moves_the_model(data):
    x, y = data
    model, opt = fresh()
    train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 1, device="cpu")
    assert next(model.parameters()).device.type == "cpu"


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
        model, opt = fresh(lr=1.5)
        with pytest.raises(FloatingPointError) as info:
            train(model, nn.MSELoss(), opt, make_loader(x[:160], y[:160], 16), 100)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_divergence_with_a_checkpoint_says_what_it_holds(data, tmp_path):
    x, y = data
    model, opt = fresh(lr=1.5)
    with pytest.raises(FloatingPointError, match=r"The checkpoint still holds epoch \d+\."):
        train(
            model, nn.MSELoss(), opt, make_loader(x, y, 16), 100, checkpoint_path=tmp_path / "c.pt"
        )
    model, opt = fresh(lr=100.0)
    with pytest.raises(FloatingPointError, match=r"at epoch 1, .*No checkpoint was written\."):
        train(
            model, nn.MSELoss(), opt, make_loader(x, y, 16), 100, checkpoint_path=tmp_path / "d.pt"
        )
    assert not (tmp_path / "d.pt").exists()


# --------------------------------------------------------------------------- checkpoints
def test_checkpoint_is_plain_data_readable_with_weights_only(data, tmp_path):
    x, y = data
    path = tmp_path / "sub" / "run.pt"  # the folder is created
    model, opt = fresh(momentum=0.9)
    history = train(
        model,
        nn.MSELoss(),
        opt,
        make_loader(x, y, 16),
        2,
        val_loader=make_loader(x, y, 50, shuffle=False),
        checkpoint_path=path,
    )
    state = torch.load(path, weights_only=True)
    assert set(state) == {
        "model",
        "optimizer",
        "epoch",
        "history",
        "shuffle_state",
        "val_shuffle_state",
        "torch_rng_state",
    }
    assert state["epoch"] == 2
    assert state["history"] == history
    assert state["shuffle_state"].dtype == torch.uint8 and state["shuffle_state"].numel() > 0
    assert state["val_shuffle_state"].dtype == torch.uint8
    assert state["torch_rng_state"].dtype == torch.uint8
    assert torch.equal(state["model"]["weight"], model.weight.detach())
    assert state["optimizer"]["state"]  # momentum buffers are saved
    assert os.listdir(path.parent) == ["run.pt"]  # no temporary files left behind


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("stop", [1, 2, 3])
def test_resume_is_bit_identical_to_an_uninterrupted_run(data, tmp_path, momentum, stop):
    x, y = data
    val = make_loader(x[150:], y[150:], 16, shuffle=False)
    model_a, opt_a = fresh(momentum=momentum)
    history_a = train(
        model_a, nn.MSELoss(), opt_a, make_loader(x[:150], y[:150], 16, seed=5), 4, val_loader=val
    )

    path = tmp_path / "run.pt"
    model_b, opt_b = fresh(momentum=momentum)
    train(
        model_b,
        nn.MSELoss(),
        opt_b,
        make_loader(x[:150], y[:150], 16, seed=5),
        stop,
        val_loader=val,
        checkpoint_path=path,
    )
    # A restart: new objects, another initialisation, and the global RNG moved on.
    model_c, opt_c = fresh(seed=123, momentum=momentum)
    torch.manual_seed(999)
    history_c = train(
        model_c,
        nn.MSELoss(),
        opt_c,
        make_loader(x[:150], y[:150], 16, seed=5),
        4,
        val_loader=val,
        checkpoint_path=path,
    )
    assert params_equal(model_a, model_c)
    assert history_c == history_a


@pytest.mark.parametrize("with_generator", [True, False])
def test_resume_with_a_plain_shuffled_dataloader(data, tmp_path, with_generator):
    x, y = data
    ds = TensorDataset(x, y)

    def loader():
        gen = torch.Generator().manual_seed(0) if with_generator else None
        return DataLoader(ds, batch_size=16, shuffle=True, generator=gen)

    model_a, opt_a = fresh()
    torch.manual_seed(42)  # the shuffle of a loader without a generator comes from here
    train(model_a, nn.MSELoss(), opt_a, loader(), 4)
    path = tmp_path / "run.pt"
    model_b, opt_b = fresh()
    torch.manual_seed(42)
    train(model_b, nn.MSELoss(), opt_b, loader(), 2, checkpoint_path=path)
    model_c, opt_c = fresh(seed=7)
    train(model_c, nn.MSELoss(), opt_c, loader(), 4, checkpoint_path=path)
    assert params_equal(model_a, model_c)


def test_resume_with_a_shuffled_validation_loader_is_bit_identical(data, tmp_path):
    # The validation order changes the rounding of the summed loss, so it is restored too.
    x, y = data

    def run(epochs, path=None, seed=0):
        model, opt = fresh(seed=seed)
        history = train(
            model,
            nn.MSELoss(),
            opt,
            make_loader(x[:150], y[:150], 16, seed=1),
            epochs,
            val_loader=make_loader(x[150:], y[150:], 7, seed=2),
            checkpoint_path=path,
        )
        return model, history

    model_a, history_a = run(4)
    run(2, tmp_path / "run.pt")
    model_c, history_c = run(4, tmp_path / "run.pt", seed=5)
    assert params_equal(model_a, model_c) and history_c == history_a


def test_resume_prints_and_a_finished_run_trains_nothing(data, tmp_path, capsys):
    x, y = data
    path = tmp_path / "run.pt"
    model, opt = fresh()
    history = train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 2, checkpoint_path=path)
    model2, opt2 = fresh(seed=1)
    again = train(model2, nn.MSELoss(), opt2, make_loader(x, y, 16), 2, checkpoint_path=path)
    assert again == history and params_equal(model, model2)
    assert capsys.readouterr().out == "train: resumed from the checkpoint at epoch 2 of 2.\n"


def test_checkpoint_beyond_epochs_is_an_error(data, tmp_path):
    x, y = data
    path = tmp_path / "run.pt"
    model, opt = fresh()
    train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 3, checkpoint_path=path)
    with pytest.raises(
        ValueError, match=r"already at epoch 3, beyond epochs=2. .*pass epochs >= 3"
    ):
        train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 2, checkpoint_path=path)


def test_unreadable_or_foreign_checkpoints_are_errors(data, tmp_path):
    x, y = data
    model, opt = fresh()
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="could not be read as a checkpoint"):
        train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 1, checkpoint_path=bad)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(1)}, other)
    with pytest.raises(ValueError, match="is not a checkpoint written by helpers.train"):
        train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 1, checkpoint_path=other)
    path = tmp_path / "run.pt"
    train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 1, checkpoint_path=path)
    torch.manual_seed(0)
    wide = nn.Linear(1, 2)
    with pytest.raises(ValueError, match="does not fit this model or optimizer"):
        train(
            wide,
            nn.MSELoss(),
            torch.optim.SGD(wide.parameters(), lr=0.1),
            make_loader(x, y.repeat(1, 2), 16),
            2,
            checkpoint_path=path,
        )
    with pytest.raises(ValueError, match="Pass the same val_loader as before"):
        train(
            model,
            nn.MSELoss(),
            opt,
            make_loader(x, y, 16),
            2,
            checkpoint_path=path,
            val_loader=make_loader(x, y, 16),
        )
    with pytest.raises(ValueError, match="shuffle generator of its own"):
        train(
            model,
            nn.MSELoss(),
            opt,
            DataLoader(TensorDataset(x, y), batch_size=16),
            2,
            checkpoint_path=path,
        )


def test_checkpoint_write_is_atomic(data, tmp_path, monkeypatch):
    x, y = data
    path = tmp_path / "run.pt"
    model, opt = fresh()
    train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 1, checkpoint_path=path)
    before = path.read_bytes()
    real_save = torch.save

    def crash(obj, f, *args, **kwargs):
        real_save(obj, f, *args, **kwargs)
        raise KeyboardInterrupt("killed while writing")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        train(model, nn.MSELoss(), opt, make_loader(x, y, 16), 2, checkpoint_path=path)
    assert path.read_bytes() == before  # the old checkpoint is intact
    assert os.listdir(tmp_path) == ["run.pt"]  # and the temporary file is gone


def test_two_generators_cannot_be_checkpointed(data, tmp_path):
    x, y = data
    loader = make_loader(x, y, 16)
    loader.dataset.generator = torch.Generator().manual_seed(1)  # now two distinct generators
    model, opt = fresh()
    with pytest.raises(ValueError, match="train_loader shuffles with 2 different torch.Generators"):
        train(model, nn.MSELoss(), opt, loader, 1, checkpoint_path=tmp_path / "c.pt")
    with pytest.raises(ValueError, match="val_loader shuffles with 2 different torch.Generators"):
        train(
            model,
            nn.MSELoss(),
            opt,
            make_loader(x, y, 16),
            1,
            val_loader=loader,
            checkpoint_path=tmp_path / "c.pt",
        )


# --------------------------------------------------------------------------- on a real GPU
@needs_cuda
def test_device_resident_loader_and_training_on_cuda(data, tmp_path):
    x, y = data
    loader = make_loader(x, y, 16, device="cuda")
    xb, yb = next(iter(loader))
    assert xb.device.type == yb.device.type == "cuda"
    model, opt = fresh()
    train(model, nn.MSELoss(), opt, loader, 2, device="cuda", checkpoint_path=tmp_path / "c.pt")
    assert next(model.parameters()).device.type == "cuda"
    state = torch.load(tmp_path / "c.pt", weights_only=True)
    assert state["model"]["weight"].device.type == "cpu"
    cpu_batches = [b.tolist() for b, _ in make_loader(x, y, 16)]
    assert [b.cpu().tolist() for b, _ in make_loader(x, y, 16, device="cuda")] == cpu_batches
