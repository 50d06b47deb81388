"""Tests for helpers.checkpoint and for train's checkpoints: plain data, atomic, resumable."""

from __future__ import annotations

import os

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from training_kit import fit, fresh, params_equal

from helpers.checkpoint import (
    generator_state,
    load_checkpoint,
    restore_generator,
    save_checkpoint,
)
from helpers.loader import make_loader
from helpers.training import train


# --------------------------------------------------------------------------- the public functions
def test_save_then_load_round_trips_plain_data_on_the_cpu(tmp_path):
    state = {
        "w": torch.arange(3.0, requires_grad=True),
        "epoch": 2,
        "nested": [{"t": torch.ones(1)}],
    }
    path = tmp_path / "new" / "folder" / "s.pt"  # missing folders are created
    save_checkpoint(state, path)
    back = load_checkpoint(path)
    assert back["epoch"] == 2 and torch.equal(back["w"], torch.arange(3.0))
    assert not back["w"].requires_grad and torch.equal(back["nested"][0]["t"], torch.ones(1))
    assert torch.load(path, weights_only=True).keys() == state.keys()
    assert os.listdir(path.parent) == ["s.pt"]  # no temporary file left behind


def crash_after_writing(monkeypatch) -> None:
    """Make ``torch.save`` write its file and then be killed, as by Ctrl+C mid-save."""
    real_save = torch.save

    def crash(obj, f, *args, **kwargs):
        real_save(obj, f, *args, **kwargs)
        raise KeyboardInterrupt("killed while writing")

    monkeypatch.setattr(torch, "save", crash)


def test_save_is_atomic_when_the_write_is_interrupted(tmp_path, monkeypatch):
    path = tmp_path / "s.pt"
    save_checkpoint({"epoch": 1}, path)
    before = path.read_bytes()
    crash_after_writing(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint({"epoch": 2}, path)
    assert path.read_bytes() == before  # the old checkpoint is intact
    assert os.listdir(tmp_path) == ["s.pt"]  # and the temporary file is gone


@pytest.mark.parametrize(
    ("content", "error", "match"),
    [
        (None, FileNotFoundError, "no checkpoint at"),
        (b"not a checkpoint", ValueError, "could not be read as a checkpoint"),
        ([1, 2], ValueError, "holds list of length 2, not a checkpoint dict"),
    ],
    ids=["missing", "garbage", "not a dict"],
)
def test_load_explains_what_is_wrong(tmp_path, content, error, match):
    path = tmp_path / "c.pt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        torch.save(content, path)
    with pytest.raises(error, match=match):
        load_checkpoint(path)


def test_load_refuses_code_in_the_file(tmp_path):
    path = tmp_path / "c.pt"
    torch.save({"model": nn.Linear(1, 1)}, path)  # a whole module: unpickling would run code
    with pytest.raises(ValueError, match="could not be read as a checkpoint"):
        load_checkpoint(path)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: save_checkpoint([1], "c.pt"), TypeError, "state must be a dict"),
        (lambda: save_checkpoint({}, 3), TypeError, "path must be a file path"),
        (lambda: load_checkpoint(None), TypeError, "path must be a file path"),
        (lambda: generator_state("gen"), TypeError, "gen must be a torch.Generator or None"),
    ],
)
def test_bad_arguments_name_themselves(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_generator_state_restores_where_the_shuffle_was():
    gen = torch.Generator().manual_seed(3)
    torch.randperm(10, generator=gen)
    state = generator_state(gen)
    expected = torch.randperm(10, generator=gen)
    other = torch.Generator().manual_seed(99)
    restore_generator(other, state)
    assert torch.equal(torch.randperm(10, generator=other), expected)


def test_no_generator_has_an_empty_state_and_kinds_must_match():
    empty = generator_state(None)
    assert empty.dtype == torch.uint8 and empty.shape == (0,)
    restore_generator(None, empty)  # nothing to do
    with pytest.raises(ValueError, match="a train_loader that had no shuffle generator"):
        restore_generator(torch.Generator(), empty, name="train_loader")
    with pytest.raises(ValueError, match="a loader that had shuffle generator"):
        restore_generator(None, generator_state(torch.Generator()))


# --------------------------------------------------------------------------- train's checkpoints
def test_checkpoint_is_plain_data_readable_with_weights_only(data, tmp_path):
    x, y = data
    path = tmp_path / "sub" / "run.pt"  # the folder is created
    model, history = fit(
        make_loader(x, y, 16),
        2,
        momentum=0.9,
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

    def run(epochs, **kwargs):
        loader = make_loader(x[:150], y[:150], 16, seed=5)
        return fit(loader, epochs, momentum=momentum, val_loader=val, **kwargs)

    model_a, history_a = run(4)
    path = tmp_path / "run.pt"
    run(stop, checkpoint_path=path)
    # A restart: new objects, another initialisation, and the global RNG moved on.
    model_c, history_c = run(4, checkpoint_path=path, seed=123)
    assert params_equal(model_a, model_c)
    assert history_c == history_a


@pytest.mark.parametrize("with_generator", [True, False])
def test_resume_with_a_plain_shuffled_dataloader(data, tmp_path, with_generator):
    x, y = data
    ds = TensorDataset(x, y)

    def loader():
        gen = torch.Generator().manual_seed(0) if with_generator else None
        return DataLoader(ds, batch_size=16, shuffle=True, generator=gen)

    torch.manual_seed(42)  # the shuffle of a loader without a generator comes from here
    model_a, _ = fit(loader(), 4)
    path = tmp_path / "run.pt"
    torch.manual_seed(42)
    fit(loader(), 2, checkpoint_path=path)
    model_c, _ = fit(loader(), 4, seed=7, checkpoint_path=path)
    assert params_equal(model_a, model_c)


def test_resume_with_a_shuffled_validation_loader_is_bit_identical(data, tmp_path):
    # The validation order changes the rounding of the summed loss, so it is restored too.
    x, y = data

    def run(epochs, path=None, seed=0):
        train_loader = make_loader(x[:150], y[:150], 16, seed=1)
        val_loader = make_loader(x[150:], y[150:], 7, seed=2)
        return fit(train_loader, epochs, seed=seed, val_loader=val_loader, checkpoint_path=path)

    model_a, history_a = run(4)
    run(2, tmp_path / "run.pt")
    model_c, history_c = run(4, tmp_path / "run.pt", seed=5)
    assert params_equal(model_a, model_c) and history_c == history_a


def test_resume_prints_and_a_finished_run_trains_nothing(data, tmp_path, capsys):
    x, y = data
    path = tmp_path / "run.pt"
    model, history = fit(make_loader(x, y, 16), 2, checkpoint_path=path)
    model2, again = fit(make_loader(x, y, 16), 2, seed=1, checkpoint_path=path)
    assert again == history and params_equal(model, model2)
    assert capsys.readouterr().out == "train: resumed from the checkpoint at epoch 2 of 2.\n"


def test_checkpoint_beyond_epochs_is_an_error(data, tmp_path):
    x, y = data
    path = tmp_path / "run.pt"
    fit(make_loader(x, y, 16), 3, checkpoint_path=path)
    with pytest.raises(
        ValueError, match=r"already at epoch 3, beyond epochs=2. .*pass epochs >= 3"
    ):
        fit(make_loader(x, y, 16), 2, checkpoint_path=path)


@pytest.fixture
def one_epoch(data, tmp_path):
    """The path of a checkpoint after 1 epoch of nn.Linear(1, 1) with make_loader, no val_loader."""
    x, y = data
    path = tmp_path / "run.pt"
    fit(make_loader(x, y, 16), 1, checkpoint_path=path)
    return path


def test_unreadable_and_foreign_files_are_errors(data, tmp_path):
    x, y = data
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="checkpoint_path='.*' exists but could not be read"):
        fit(make_loader(x, y, 16), 1, checkpoint_path=bad)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(1)}, other)
    with pytest.raises(ValueError, match="is not a checkpoint written by helpers.train"):
        fit(make_loader(x, y, 16), 1, checkpoint_path=other)


def test_a_checkpoint_of_another_model_is_an_error(data, one_epoch):
    x, y = data
    torch.manual_seed(0)
    wide = nn.Linear(1, 2)
    optimizer = torch.optim.SGD(wide.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="does not fit this model or optimizer"):
        train(
            wide,
            nn.MSELoss(),
            optimizer,
            make_loader(x, y.repeat(1, 2), 16),
            2,
            checkpoint_path=one_epoch,
        )


def test_a_checkpoint_without_validation_needs_a_run_without(data, one_epoch):
    x, y = data
    with pytest.raises(ValueError, match="Pass the same val_loader as before"):
        fit(make_loader(x, y, 16), 2, checkpoint_path=one_epoch, val_loader=make_loader(x, y, 16))


def test_a_checkpoint_needs_the_same_kind_of_loader(data, one_epoch):
    x, y = data
    plain = DataLoader(TensorDataset(x, y), batch_size=16)  # no generator of its own
    with pytest.raises(ValueError, match="train_loader that had shuffle generator of its own"):
        fit(plain, 2, checkpoint_path=one_epoch)


def test_a_crash_while_writing_keeps_the_last_checkpoint(data, one_epoch, monkeypatch):
    x, y = data
    before = one_epoch.read_bytes()
    crash_after_writing(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        fit(make_loader(x, y, 16), 2, checkpoint_path=one_epoch)
    assert one_epoch.read_bytes() == before  # the old checkpoint is intact
    assert os.listdir(one_epoch.parent) == ["run.pt"]  # and the temporary file is gone


@pytest.mark.parametrize("which", ["train_loader", "val_loader"])
def test_two_generators_cannot_be_checkpointed(data, tmp_path, which):
    x, y = data
    loader = make_loader(x, y, 16)
    loader.dataset.generator = torch.Generator().manual_seed(1)  # now two distinct generators
    loaders = {"train_loader": make_loader(x, y, 16), "val_loader": None, which: loader}
    model, opt = fresh()
    with pytest.raises(ValueError, match=f"{which} shuffles with 2 different torch.Generators"):
        train(model, nn.MSELoss(), opt, epochs=1, checkpoint_path=tmp_path / "c.pt", **loaders)


def test_a_checkpoint_written_on_cuda_loads_on_the_cpu(needs_cuda, data, tmp_path):
    x, y = data
    path = tmp_path / "c.pt"
    fit(make_loader(x, y, 16, device="cuda"), 2, device="cuda", checkpoint_path=path)
    state = torch.load(path, weights_only=True)
    assert state["model"]["weight"].device.type == "cpu"
    resumed, _ = fit(make_loader(x, y, 16), 3, checkpoint_path=path)  # finished on the CPU
    assert resumed.weight.device.type == "cpu"


def test_open_atomically_gives_the_usual_permissions_and_leaves_nothing_on_error(tmp_path):
    from helpers.checkpoint import open_atomically

    path = tmp_path / "sub" / "result.json"
    with open_atomically(path, "w") as f:
        f.write("{}")
    umask = os.umask(0)
    os.umask(umask)
    assert path.read_text() == "{}" and (path.stat().st_mode & 0o777) == 0o666 & ~umask
    with pytest.raises(RuntimeError), open_atomically(path, "w") as f:
        f.write('{"half": ')
        raise RuntimeError("stopped mid-write")
    assert path.read_text() == "{}" and sorted(p.name for p in path.parent.iterdir()) == [
        "result.json"
    ]
