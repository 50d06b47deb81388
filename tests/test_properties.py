"""Property tests: random shapes, dtypes and values give a correct result or a clear error.

A clear error is a ValueError or TypeError whose message names the argument; anything
else (a NumPy or torch traceback, a silent wrong answer) fails these tests.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import helpers
from helpers.validation import check_xy

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

dtypes = st.sampled_from(
    [np.float64, np.float32, np.int64, np.int32, np.bool_, np.complex128, np.str_]
)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)
finite = st.floats(-1e3, 1e3, allow_nan=False)
any_float = st.floats(allow_nan=True, allow_infinity=True, width=32)


@st.composite
def arrays(draw):
    dtype = draw(dtypes)
    shape = draw(shapes)
    if dtype is np.str_:
        return np.full(shape, "1.0")
    elements = any_float if dtype in (np.float64, np.float32) else None
    arr = draw(hnp.arrays(dtype, shape, elements=elements))
    return (
        torch.from_numpy(arr)
        if draw(st.booleans()) and dtype is not np.str_ and dtype is not np.complex128
        else arr
    )


def is_clear(exc: Exception, *names: str) -> bool:
    return isinstance(exc, (ValueError, TypeError)) and any(n in str(exc) for n in names)


@SETTINGS
@given(x=arrays(), y=arrays())
def test_closed_form_fit_is_right_or_refuses_clearly(x, y):
    try:
        w, b = helpers.closed_form_fit(x, y)
    except Exception as exc:  # noqa: BLE001 - every failure must be a clear one
        assert is_clear(exc, "x", "y", "closed_form_fit"), repr(exc)
        return
    xs, ys = check_xy(x, y)
    design = np.hstack([xs, np.ones((len(xs), 1))])
    # A correct least-squares answer satisfies the normal equations.
    residual = design @ np.append(w, b) - ys
    scale = max(1.0, np.abs(design).max() ** 2 * np.abs(ys).max() * len(ys))
    assert np.all(np.abs(design.T @ residual) <= 1e-6 * scale)


@SETTINGS
@given(
    n=st.integers(1, 40),
    d=st.integers(1, 4),
    seed=st.integers(0, 2**31),
    data=st.data(),
)
def test_closed_form_recovers_noiseless_generators(n, d, seed, data):
    weights = data.draw(st.lists(finite, min_size=d, max_size=d))
    bias = data.draw(finite)
    x, y = helpers.make_linear_data(n, weights, bias, noise=0.0, seed=seed)
    assert x.shape == (n, d) and y.shape == (n, 1)
    try:
        w, b = helpers.closed_form_fit(x, y)
    except ValueError as exc:
        assert n < d + 1 and "only" in str(exc)
        return
    np.testing.assert_allclose(w, weights, atol=1e-6 * (1 + np.abs(weights).max()))
    assert b == pytest.approx(bias, abs=1e-6 * (1 + abs(bias) + np.abs(weights).max()))


@SETTINGS
@given(
    n=st.one_of(st.integers(-3, 50), st.floats(-1, 5), st.none(), st.text(max_size=2)),
    noise=st.one_of(st.floats(allow_nan=True), st.integers(-2, 2)),
    seed=st.one_of(st.integers(-5, 5), st.floats(0, 1)),
)
def test_make_linear_data_validates_every_argument(n, noise, seed):
    try:
        x, y = helpers.make_linear_data(n, noise=noise, seed=seed)
    except Exception as exc:  # noqa: BLE001
        assert is_clear(exc, "n ", "noise", "seed"), repr(exc)
        return
    assert x.shape == (n, 1) and y.shape == (n, 1) and np.isfinite(y).all()


@SETTINGS
@given(losses=st.lists(st.one_of(any_float, st.integers(-5, 5)), max_size=20), log=st.booleans())
def test_plot_losses_draws_or_refuses_clearly(losses, log):
    import matplotlib.pyplot as plt

    try:
        ax = helpers.plot_losses(losses, log_scale=log)
    except Exception as exc:  # noqa: BLE001
        assert is_clear(exc, "losses"), repr(exc)
        return
    finally:
        plt.close("all")
    assert len(ax.get_lines()) == 1


@SETTINGS
@given(x=arrays(), y=arrays())
def test_plot_fit_draws_or_refuses_clearly(x, y):
    import matplotlib.pyplot as plt

    try:
        helpers.plot_fit(x, y, {"line": (1.0, 0.0)})
    except Exception as exc:  # noqa: BLE001
        assert is_clear(exc, "x", "y", "plot_fit"), repr(exc)
    finally:
        plt.close("all")


@SETTINGS
@given(path=arrays(), data=st.sampled_from(["line", "doubling"]))
def test_plot_loss_surface_draws_or_refuses_clearly(path, data):
    import matplotlib.pyplot as plt

    x, y = helpers.make_line_data() if data == "line" else helpers.make_doubling_data()
    try:
        helpers.plot_loss_surface(x, y, path=path)
    except Exception as exc:  # noqa: BLE001
        assert is_clear(exc, "path"), repr(exc)
    finally:
        plt.close("all")


@SETTINGS
@given(
    histories=st.one_of(
        st.dictionaries(st.floats(1e-4, 10), st.lists(any_float, max_size=8), max_size=3),
        st.lists(st.floats(), max_size=3),
        st.none(),
    )
)
def test_plot_lr_comparison_draws_or_refuses_clearly(histories):
    import matplotlib.pyplot as plt

    try:
        helpers.plot_lr_comparison(histories)
    except Exception as exc:  # noqa: BLE001
        assert is_clear(exc, "histories"), repr(exc)
    finally:
        plt.close("all")


@SETTINGS
@given(weights=arrays(), bias=st.one_of(st.none(), arrays(), finite))
def test_compare_with_closed_form_reports_or_refuses_clearly(weights, bias):
    x, y = helpers.make_linear_data(20, 2.0, 1.0, seed=0)
    try:
        result = helpers.compare_with_closed_form(x, y, weights, bias)
    except Exception as exc:  # noqa: BLE001
        assert is_clear(exc, "weights", "bias"), repr(exc)
        return
    w = np.asarray(weights, dtype=float).reshape(-1)
    ref_w, ref_b = helpers.closed_form_fit(x, y, bias=bias is not None)
    expected = [abs(w[0] - ref_w[0])]
    if bias is not None:
        expected.append(abs(float(np.asarray(bias, dtype=float).reshape(-1)[0]) - ref_b))
    assert result.max_difference == pytest.approx(max(expected))


# --------------------------------------------------------------------------- training helpers
@SETTINGS
@given(
    x=arrays(),
    y=arrays(),
    batch_size=st.one_of(st.integers(-2, 40), st.floats(0, 10), st.none(), st.just("8")),
    seed=st.one_of(st.integers(-3, 2**31), st.floats(0, 1)),
    shuffle=st.one_of(st.booleans(), st.just(1)),
)
def test_make_loader_yields_every_pair_once_or_refuses_clearly(x, y, batch_size, seed, shuffle):
    try:
        loader = helpers.make_loader(x, y, batch_size, seed=seed, shuffle=shuffle)
    except Exception as exc:  # noqa: BLE001
        assert is_clear(exc, "x", "y", "batch_size", "seed", "shuffle"), repr(exc)
        return
    xs = torch.as_tensor(np.asarray(x, dtype=np.float32)).reshape(len(x), -1)
    ys = torch.as_tensor(np.asarray(y, dtype=np.float32)).reshape(len(y), -1)
    batches = list(loader)
    assert len(batches) == len(loader) == -(-len(xs) // batch_size)
    assert all(len(xb) <= batch_size and xb.dtype == torch.float32 for xb, _ in batches)
    got_x = torch.cat([xb for xb, _ in batches])
    got_y = torch.cat([yb for _, yb in batches])
    # the same pairs, each exactly once, in some order
    key = lambda a, b: sorted(map(tuple, torch.cat([a, b], 1).tolist()))  # noqa: E731
    assert key(got_x, got_y) == key(xs, ys)


@SETTINGS
@given(
    epochs=st.one_of(st.integers(-2, 4), st.floats(0, 3), st.none()),
    lr=st.sampled_from([0.01, 0.1, 1.0, 10.0, 1e6]),
    batch_size=st.integers(1, 30),
    flat_targets=st.booleans(),
)
def test_train_learns_diverges_clearly_or_refuses_clearly(epochs, lr, batch_size, flat_targets):
    x, y = helpers.make_intercept_slope_data(n=30, as_tensor=True)
    loader = helpers.make_loader(x, y.ravel() if flat_targets else y, batch_size, seed=0)
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    try:
        history = helpers.train(model, torch.nn.MSELoss(), opt, loader, epochs)
    except FloatingPointError as exc:
        assert "epoch" in str(exc) and "learning rate" in str(exc), str(exc)
        return
    except Exception as exc:  # noqa: BLE001
        assert is_clear(exc, "epochs"), repr(exc)
        return
    assert len(history["train_loss"]) == epochs
    assert all(np.isfinite(history["train_loss"]))
    for p in model.parameters():
        assert torch.isfinite(p).all()


@SETTINGS
@given(
    name=st.one_of(
        st.text(max_size=8),
        st.sampled_from(["cpu", "CPU", "cuda", "cuda:1", "mps", "gpu", "auto", " cpu"]),
        st.integers(),
        st.none(),
    )
)
def test_pick_device_picks_a_present_device_or_refuses_clearly(name):
    import os

    saved = os.environ.pop("COURSE_DEVICE", None)
    try:
        device = helpers.pick_device(name, verbose=False)
    except Exception as exc:  # noqa: BLE001
        assert isinstance(exc, (ValueError, TypeError)) and (
            "cpu" in str(exc) or "device" in str(exc)
        ), repr(exc)
        return
    finally:
        if saved is not None:
            os.environ["COURSE_DEVICE"] = saved
    assert isinstance(device, torch.device)
    torch.zeros(1, device=device)  # it really is usable here
