"""The ridge (L2) option of closed_form_fit and compare_with_closed_form."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import helpers


def _data(n=40, d=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(2.0, 1.5, size=(n, d))
    y = x @ np.arange(1.0, d + 1) + 4.0 + rng.normal(size=n)
    return x, y


def _ridge_loss(x, y, w, b, l2):
    return np.mean((x @ w + b - y) ** 2) + l2 * np.sum(w**2)


def test_l2_zero_is_plain_least_squares():
    x, y = _data()
    for a, b in zip(
        helpers.closed_form_fit(x, y), helpers.closed_form_fit(x, y, l2=0.0), strict=True
    ):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("l2", [0.01, 0.5, 10.0])
def test_ridge_minimises_mse_plus_l2_times_squared_weights(l2):
    x, y = _data()
    w, b = helpers.closed_form_fit(x, y, l2=l2)
    assert w.shape == (3,) and isinstance(b, float)
    best = _ridge_loss(x, y, w, b, l2)
    rng = np.random.default_rng(1)
    for _ in range(20):  # every nearby point is worse
        dw, db = rng.normal(scale=1e-3, size=3), rng.normal(scale=1e-3)
        assert _ridge_loss(x, y, w + dw, b + db, l2) > best
    # the gradient is zero: (2/N) X^T r + 2 l2 w = 0 and mean(r) = 0, the bias unpenalised
    r = x @ w + b - y
    np.testing.assert_allclose(2 * x.T @ r / len(y) + 2 * l2 * w, 0.0, atol=1e-9)
    assert abs(np.mean(r)) < 1e-9


def test_the_bias_is_not_penalised():
    x, y = _data()
    shifted = helpers.closed_form_fit(x, y + 1000.0, l2=1.0)
    w, b = helpers.closed_form_fit(x, y, l2=1.0)
    np.testing.assert_allclose(shifted[0], w)
    assert shifted[1] == pytest.approx(b + 1000.0)


def test_larger_penalty_smaller_weights():
    x, y = _data()
    norms = [np.linalg.norm(helpers.closed_form_fit(x, y, l2=l2)[0]) for l2 in (0, 0.1, 1, 10)]
    assert norms == sorted(norms, reverse=True)


def test_ridge_is_unique_where_least_squares_refuses():
    x, y = _data()
    repeated = np.hstack([x, x[:, :1]])
    with pytest.raises(ValueError, match="no unique answer"):
        helpers.closed_form_fit(repeated, y)
    w, _ = helpers.closed_form_fit(repeated, y, l2=0.1)
    assert w[0] == pytest.approx(w[3])  # the penalty splits a repeated feature's weight evenly


def test_ridge_without_bias():
    x, y = _data()
    w, b = helpers.closed_form_fit(x, y, bias=False, l2=0.3)
    assert b == 0.0
    np.testing.assert_allclose(
        w, np.linalg.solve(x.T @ x / len(y) + 0.3 * np.eye(3), x.T @ y / len(y))
    )


@pytest.mark.parametrize(
    ("l2", "error", "words"),
    [
        (-1.0, ValueError, "l2 must be 0"),
        (float("nan"), ValueError, "l2 must be finite"),
        ("0.1", TypeError, "l2 must be a number"),
    ],
)
def test_bad_l2_is_refused_by_name(l2, error, words):
    x, y = _data()
    with pytest.raises(error, match=words):
        helpers.closed_form_fit(x, y, l2=l2)


def test_sgd_weight_decay_on_the_weights_matches_l2_of_half_of_it(capsys):
    x, y = _data(n=60, d=2, seed=3)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    xt = torch.tensor(x, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)
    torch.manual_seed(0)
    model = nn.Linear(2, 1)
    wd = 0.4
    groups = [{"params": [model.weight], "weight_decay": wd}, {"params": [model.bias]}]
    optimizer = torch.optim.SGD(groups, lr=0.2)
    for _ in range(300):
        loss = nn.functional.mse_loss(model(xt), yt)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    result = helpers.compare_with_closed_form(x, y, model.weight, model.bias, l2=wd / 2)
    out = capsys.readouterr().out
    assert result.agrees and "ridge closed form" in out and "agree within 0.001: yes" in out
    assert not helpers.compare_with_closed_form(x, y, model.weight, model.bias, l2=wd).agrees
    assert "agree within 0.001: NO" in capsys.readouterr().out
