import numpy as np
import pytest
import torch

import helpers


@pytest.mark.parametrize(
    "make, n",
    [
        (helpers.make_doubling_data, 5),
        (helpers.make_line_data, 11),
        (helpers.make_negative_slope_data, 100),
        (helpers.make_intercept_slope_data, 200),
        (helpers.make_linear_data, 100),
    ],
)
def test_shapes_and_types(make, n):
    x, y = make()
    assert isinstance(x, np.ndarray) and x.dtype == np.float64
    assert x.shape == (n, 1) and y.shape == (n, 1)
    xt, yt = make(as_tensor=True)
    assert xt.dtype == torch.float32 and xt.shape == (n, 1) and yt.shape == (n, 1)
    np.testing.assert_allclose(xt.numpy(), x, rtol=1e-6)
    np.testing.assert_allclose(yt.numpy(), y, rtol=1e-6, atol=1e-6)


def test_classic_values():
    x, y = helpers.make_doubling_data()
    assert x.ravel().tolist() == [1, 3, 10, 13, 7]
    assert np.array_equal(y, 2 * x)
    x, y = helpers.make_line_data()
    assert x.ravel().tolist() == list(range(11))
    assert np.array_equal(y, 2 * x + 1)
    x, y = helpers.make_negative_slope_data()
    assert x[0, 0] == -5.0 and x[-1, 0] == 4.9 and np.allclose(np.diff(x[:, 0]), 0.1)
    assert np.std(y + 5 * x) == pytest.approx(0.4, rel=0.2)


def test_intercept_slope_matches_the_tutorial_recipe_without_touching_global_state():
    torch.manual_seed(420)
    x = torch.randn(200)
    eps = 0.1 * torch.randn(200)
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    xs, ys = helpers.make_intercept_slope_data(as_tensor=True)
    assert torch.equal(torch.rand(1), before)  # global generator untouched
    assert torch.equal(xs.ravel(), x)
    assert torch.allclose(ys.ravel(), 1.5 + 2.0 * x + eps)


def test_linear_data_is_seeded_and_multifeature():
    x1, y1 = helpers.make_linear_data(50, [1.0, -2.0, 0.5], 3.0, seed=4)
    x2, y2 = helpers.make_linear_data(50, [1.0, -2.0, 0.5], 3.0, seed=4)
    assert x1.shape == (50, 3) and np.array_equal(x1, x2) and np.array_equal(y1, y2)
    x3, _ = helpers.make_linear_data(50, [1.0, -2.0, 0.5], 3.0, seed=5)
    assert not np.array_equal(x1, x3)
    x, y = helpers.make_linear_data(20, 2.0, 1.0, noise=0.0, x_range=(10, 20))
    assert x.min() >= 10 and x.max() <= 20 and np.allclose(y, 2 * x + 1)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"n": 0}, ValueError, "n must be at least 1"),
        ({"n": 2.5}, TypeError, "n must be an integer"),
        ({"noise": -1}, ValueError, "noise"),
        ({"noise": float("nan")}, ValueError, "noise must be finite"),
        ({"weights": "two"}, ValueError, "weights"),
        ({"weights": [[1.0]]}, ValueError, "weights"),
        ({"x_range": (1, 1)}, ValueError, "low < high"),
        ({"seed": -1}, ValueError, "seed must be at least 0"),
        ({"seed": 1.5}, TypeError, "seed must be an integer"),
        ({"as_tensor": "yes"}, TypeError, "as_tensor"),
    ],
)
def test_bad_arguments_get_clear_errors(kwargs, error, words):
    with pytest.raises(error, match=words):
        helpers.make_linear_data(**kwargs)
