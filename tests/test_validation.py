import numpy as np
import pytest
import torch

import helpers
from helpers import validation as v


def test_to_numpy_converts_ints_bools_lists_and_tensors():
    assert v.to_numpy([1, 2], "x").dtype == np.float64
    assert v.to_numpy(np.array([True, False]), "x").tolist() == [1.0, 0.0]
    t = torch.ones(3, requires_grad=True)
    assert v.to_numpy(t, "x").tolist() == [1.0, 1.0, 1.0]
    assert v.to_numpy([torch.tensor(1.0), 2.0], "losses").tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    "value, error, words",
    [
        ("abc", TypeError, "x must be numbers, got the string"),
        ([[1, 2], [3]], TypeError, "could not be read as an array"),
        (np.array([1 + 2j]), TypeError, "real numbers"),
        (np.array([object()]), TypeError, "real numbers"),
        ([], ValueError, "x is empty"),
        ([1.0, np.inf], ValueError, "1 NaN or infinite"),
    ],
)
def test_to_numpy_errors(value, error, words):
    with pytest.raises(error, match=words):
        v.to_numpy(value, "x")


def test_to_numpy_can_keep_nonfinite_values():
    assert np.isnan(v.to_numpy([1.0, np.nan], "loss", finite=False)[1])


def test_shapes():
    assert v.as_features([1, 2, 3]).shape == (3, 1)
    assert v.as_features(np.ones((3, 2))).shape == (3, 2)
    assert v.as_targets(np.ones((3, 1))).shape == (3,)
    with pytest.raises(ValueError, match=r"got shape \(3, 2\)"):
        v.as_targets(np.ones((3, 2)))
    x, y = v.check_xy(np.ones((4, 1)), np.arange(4))
    assert x.shape == (4, 1) and y.shape == (4,)


def test_describe():
    assert v.describe(torch.zeros(2, 1)) == "float32 tensor of shape (2, 1) on cpu"
    assert v.describe(np.zeros((2,), dtype=np.int64)) == "int64 array of shape (2,)"
    assert v.describe([1, 2]) == "list of length 2"


def test_numbers():
    assert v.check_positive_int(np.int64(3), "n") == 3
    for bad in (True, 2.0, "3"):
        with pytest.raises(TypeError, match="n must be an integer"):
            v.check_positive_int(bad, "n")
    with pytest.raises(ValueError, match="at least 0"):
        v.check_non_negative_int(-1, "epochs")
    assert v.check_finite_number(1, "lr", positive=True) == 1.0
    with pytest.raises(ValueError, match="greater than 0"):
        v.check_finite_number(0.0, "lr", positive=True)
    with pytest.raises(TypeError, match="must be a number"):
        v.check_finite_number(None, "lr")


@pytest.mark.parametrize("make", [np.asarray, torch.tensor], ids=["numpy", "torch"])
def test_each_check_behaves_the_same_on_arrays_and_tensors(make):
    v.check_real_numbers(make([1, 2]), "x")
    v.check_not_empty(make([1.0]), "x")
    v.check_finite(make([1.0, 2.0]), "x")
    v.check_rows(make([[1.0], [2.0]]), "x")
    with pytest.raises(TypeError, match="x must hold real numbers"):
        v.check_real_numbers(make([1 + 2j]), "x")
    with pytest.raises(ValueError, match="x is empty"):
        v.check_not_empty(make([]), "x")
    with pytest.raises(ValueError, match=r"x contains 2 NaN or infinite value\(s\)"):
        v.check_finite(make([np.nan, 1.0, np.inf]), "x")
    with pytest.raises(ValueError, match=r"x must have shape \(N,\) or \(N, d\), got shape \(\)"):
        v.check_rows(make(3.0), "x")
    with pytest.raises(ValueError, match=r"got shape \(1, 1, 1\)"):
        v.check_rows(make([[[1.0]]]), "x")


@pytest.mark.parametrize(
    "check, name, fine, bad, error",
    [
        (v.check_positive_int, "n", 1, 0, ValueError),
        (v.check_non_negative_int, "seed", 0, -1, ValueError),
        (v.check_positive_int, "n", 1, 1.0, TypeError),
        (v.check_non_negative_int, "seed", 0, 0.0, TypeError),
    ],
)
def test_integer_checks_draw_the_line_where_their_names_say(check, name, fine, bad, error):
    assert check(fine, name) == fine
    with pytest.raises(error, match=f"{name} must be"):
        check(bad, name)


def test_a_negative_seed_is_the_same_error_everywhere():
    from helpers.loader import make_loader

    with pytest.raises(ValueError, match="seed must be at least 0") as data_error:
        helpers.make_linear_data(seed=-1)
    with pytest.raises(ValueError, match="seed must be at least 0") as loader_error:
        make_loader([1.0], [1.0], 1, seed=-1)
    assert str(data_error.value) == str(loader_error.value)
