"""Tests for helpers.loader: make_loader and ShuffledTensorBatches."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader

import helpers
from helpers.loader import ShuffledTensorBatches, make_loader


def test_lazy_export_points_here():
    assert helpers.make_loader is make_loader


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


@pytest.mark.parametrize(
    ("x", "y"),
    [
        (torch.arange(4), torch.arange(4) * 2),
        (np.arange(4), np.arange(4.0) * 2),
        ([0, 1, 2, 3], [0.0, 2.0, 4.0, 6.0]),
        (torch.tensor([True, False, True, True]), torch.arange(4.0, dtype=torch.float64)),
    ],
    ids=["int tensors", "numpy ints and floats", "lists", "bool and float64 tensors"],
)
def test_integers_booleans_float64_and_lists_become_float32(x, y):
    xb, yb = next(iter(make_loader(x, y, 4, shuffle=False)))
    assert xb.dtype == yb.dtype == torch.float32
    assert xb[:, 0].tolist() == [float(v) for v in x]
    assert yb[:, 0].tolist() == [float(v) for v in y]


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


def test_device_resident_loader_on_cuda(needs_cuda, data):
    x, y = data
    loader = make_loader(x, y, 16, device="cuda")
    xb, yb = next(iter(loader))
    assert xb.device.type == yb.device.type == "cuda"
    cpu_batches = [b.tolist() for b, _ in make_loader(x, y, 16)]
    assert [b.cpu().tolist() for b, _ in make_loader(x, y, 16, device="cuda")] == cpu_batches
