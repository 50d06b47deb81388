import numpy as np
import pytest
import torch

import helpers
from helpers.reference import FitComparison


def test_exact_line_is_recovered():
    x, y = helpers.make_line_data()
    w, b = helpers.closed_form_fit(x, y)
    assert w.shape == (1,) and w[0] == pytest.approx(2.0) and b == pytest.approx(1.0)


def test_no_bias():
    x, y = helpers.make_doubling_data()
    w, b = helpers.closed_form_fit(x, y, bias=False)
    assert w[0] == pytest.approx(2.0) and b == 0.0


def test_multifeature_against_normal_equations():
    x, y = helpers.make_linear_data(200, [1.0, -2.0, 0.5], 3.0, noise=0.1, seed=1)
    w, b = helpers.closed_form_fit(x, y)
    design = np.hstack([x, np.ones((200, 1))])
    expected = np.linalg.solve(design.T @ design, design.T @ y).ravel()
    np.testing.assert_allclose(np.append(w, b), expected, rtol=1e-9)


@pytest.mark.parametrize("convert", [np.asarray, torch.tensor, lambda a: a.tolist()])
@pytest.mark.parametrize("flat", [True, False])
def test_accepts_numpy_torch_lists_and_both_target_shapes(convert, flat):
    x, y = helpers.make_linear_data(30, 1.5, -0.5, seed=2)
    if flat:
        x, y = x.ravel(), y.ravel()
    w, b = helpers.closed_form_fit(convert(x), convert(y))
    w_ref, b_ref = helpers.closed_form_fit(x, y)
    assert w == pytest.approx(w_ref) and b == pytest.approx(b_ref)


def test_tensor_with_grad_is_fine():
    x = torch.linspace(0, 1, 10, requires_grad=True)
    w, b = helpers.closed_form_fit(x, 3 * x.detach() + 1)
    assert w[0] == pytest.approx(3.0) and b == pytest.approx(1.0)


@pytest.mark.parametrize(
    "x, y, words",
    [
        (np.ones(5), np.arange(5.0), "no unique answer.*constant"),
        (np.array([1.0]), np.array([2.0]), "only 1 sample"),
        (np.arange(5.0), np.arange(4.0), "same number of samples, got 5 and 4"),
        (np.ones((5, 2, 2)), np.arange(5.0), r"shape \(N,\) or \(N, d\)"),
        (np.arange(5.0), np.ones((5, 2)), r"shape \(N,\) or \(N, 1\)"),
        (np.array([1.0, np.nan, 3.0]), np.arange(3.0), "NaN or infinite"),
        (np.array([]), np.array([]), "empty"),
    ],
)
def test_no_silent_wrong_answers(x, y, words):
    with pytest.raises(ValueError, match=words):
        helpers.closed_form_fit(x, y)


def test_string_data_is_a_type_error():
    with pytest.raises(TypeError, match="x must hold real numbers"):
        helpers.closed_form_fit(np.array(["1", "2", "3"]), np.arange(3.0))


def test_compare_prints_table_and_verdict(capsys):
    x, y = helpers.make_line_data()
    result = helpers.compare_with_closed_form(x, y, 2.0001, 0.9999, label="sgd")
    out = capsys.readouterr().out
    assert isinstance(result, FitComparison) and result.agrees
    assert result.max_difference == pytest.approx(1e-4, rel=1e-3)
    assert "closed form" in out and "sgd" in out and "agree within 0.001: yes" in out
    bad = helpers.compare_with_closed_form(x, y, torch.tensor([[1.5]]), torch.tensor([1.0]))
    assert not bad.agrees and "agree within 0.001: NO" in capsys.readouterr().out


def test_compare_without_bias_and_wrong_weight_count(capsys):
    x, y = helpers.make_doubling_data()
    assert helpers.compare_with_closed_form(x, y, [2.0]).agrees
    with pytest.raises(ValueError, match="one weight per feature"):
        helpers.compare_with_closed_form(x, y, [2.0, 1.0], 0.0)
