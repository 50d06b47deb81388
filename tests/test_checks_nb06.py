"""Tests for the exercise checks of notebook 06: each common mistake fails with a hint aimed
at it, hints name the idea and never a line of the solution, a check never raises, the right
answer passes for cases drawn from several seeds, and the cases depend on the seed.
(That every solution passes and every untouched stub fails is tests/test_exercises.py's job.)"""

from __future__ import annotations

import numpy as np
import pytest
from check_kit import fails_with, verdict
from notebook_files import ROOT
from solution_lines import hints_hold_no_solution_line

from helpers.checks.nb06 import check_choose_and_report, check_ridge_fit, check_to_original_units

NOTEBOOK = ROOT / "notebooks" / "06_real_data_penguins.ipynb"
SEEDS = [0, 1, 2, 17, 2024]


def _rmse(pred, target):
    return float(np.sqrt(np.mean((pred - target) ** 2)))


# --------------------------------------------------------------------------- exercise 1
EX1 = "Exercise 1 (choose_and_report)"


def choose_right(models, x_val, y_val, x_test, y_test):
    scores = {name: _rmse(model(x_val), y_val) for name, model in models.items()}
    best = min(scores, key=scores.get)
    return best, _rmse(models[best](x_test), y_test)


@pytest.mark.parametrize("seed", SEEDS)
def test_choose_and_report_right_answer_passes_for_every_seed(seed):
    assert "reported once on test" in check_choose_and_report.test(choose_right, seed=seed)


def test_choose_and_report_cases_depend_on_the_seed_and_choosing_on_test_shows():
    one, two = check_choose_and_report.cases(1), check_choose_and_report.cases(2)
    assert not np.array_equal(one[0]["x_val"], two[0]["x_val"])
    for case in one + two:  # in every case the test split would pick another model
        val = {
            n: _rmse((case["x_val"] @ m["w"] + m["b"])[:, None], case["y_val"])
            for n, m in case["models"].items()
        }
        test = {
            n: _rmse((case["x_test"] @ m["w"] + m["b"])[:, None], case["y_test"])
            for n, m in case["models"].items()
        }
        assert min(val, key=val.get) != min(test, key=test.get)


def chosen_on_test(models, x_val, y_val, x_test, y_test):
    scores = {name: _rmse(model(x_test), y_test) for name, model in models.items()}
    best = min(scores, key=scores.get)
    return best, scores[best]


def every_model_on_test(models, x_val, y_val, x_test, y_test):
    for model in models.values():
        model(x_test)  # a peek at the test split for every candidate
    return choose_right(models, x_val, y_val, x_test, y_test)


def validation_score(models, x_val, y_val, x_test, y_test):
    scores = {name: _rmse(model(x_val), y_val) for name, model in models.items()}
    best = min(scores, key=scores.get)
    models[best](x_test)
    return best, scores[best]


def squared(models, x_val, y_val, x_test, y_test):
    best, error = choose_right(models, x_val, y_val, x_test, y_test)
    return best, error**2


def never_tested(models, x_val, y_val, x_test, y_test):
    scores = {name: _rmse(model(x_val), y_val) for name, model in models.items()}
    return min(scores, key=scores.get), 300.0


def chose_worst(models, x_val, y_val, x_test, y_test):
    scores = {name: _rmse(model(x_val), y_val) for name, model in models.items()}
    worst = max(scores, key=scores.get)
    return worst, _rmse(models[worst](x_test), y_test)


def name_only(models, x_val, y_val, x_test, y_test):
    return choose_right(models, x_val, y_val, x_test, y_test)[0]


def returns_the_model(models, x_val, y_val, x_test, y_test):
    best, error = choose_right(models, x_val, y_val, x_test, y_test)
    return models[best], error


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (chosen_on_test, "the lowest *test* error", "choose on the validation split"),
        (every_model_on_test, "the test split was used on 5 models", "by the chosen model alone"),
        (validation_score, "the chosen model's validation RMSE", "report the test split's"),
        (squared, "the mean squared error (in g²)", "square root"),
        (never_tested, "never evaluated on the test split", "report the chosen model's error"),
        (chose_worst, "the lowest validation RMSE is", "the validation split chooses"),
        (returns_the_model, "should be the chosen model's name", "the validation split chooses"),
        (name_only, "return the pair (name, test_rmse)", "validation"),
        (lambda m, xv, yv, xt, yt: 1 / 0, "your function raised ZeroDivisionError", "validation"),
    ],
)
def test_choose_and_report_mistakes_get_aimed_hints(capsys, fn, problem, hint):
    fails_with(check_choose_and_report, fn, capsys, EX1, problem, hint)


# --------------------------------------------------------------------------- exercise 2
EX2 = "Exercise 2 (to_original_units)"


def units_right(w, b, mean, std):
    return w / std, b - np.sum(w * mean / std)


@pytest.mark.parametrize("seed", SEEDS)
def test_to_original_units_right_answer_passes_for_every_seed(seed):
    assert "own units" in check_to_original_units.test(units_right, seed=seed)


def test_to_original_units_cases_depend_on_the_seed():
    one, two = check_to_original_units.cases(1), check_to_original_units.cases(2)
    assert not np.array_equal(one[0]["mean"], two[0]["mean"])


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (lambda w, b, m, s: (w * s, b), "multiplied by the standard deviations", "per unit of z"),
        (lambda w, b, m, s: (w / s, b), "the bias came back unchanged", "z is zero at the"),
        (lambda w, b, m, s: (w / s, b - np.sum(w * m)), "b_orig is", "(something)·x"),
        (lambda w, b, m, s: (w / s, [b, b]), "b_orig should be one number", "(something)·x"),
        (lambda w, b, m, s: w / s, "return the pair (w_orig, b_orig)", "(something)·x"),
    ],
)
def test_to_original_units_mistakes_get_aimed_hints(capsys, fn, problem, hint):
    fails_with(check_to_original_units, fn, capsys, EX2, problem, hint)


# --------------------------------------------------------------------------- exercise 3
EX3 = "Exercise 3 (ridge_fit)"


def ridge(x, y, l2, *, bias_penalty=0.0, scale=True, factor=1.0):
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    penalty = np.diag(np.append(np.full(d, factor * l2), bias_penalty))
    div = n if scale else 1
    theta = np.linalg.solve(design.T @ design / div + penalty, design.T @ y / div)
    return theta[:d, 0], theta[d, 0]


@pytest.mark.parametrize("seed", SEEDS)
def test_ridge_fit_right_answer_passes_for_every_seed(seed):
    assert "match helpers.closed_form_fit" in check_ridge_fit.test(ridge, seed=seed)


def test_ridge_fit_targets_are_columns_and_cases_depend_on_the_seed():
    one, two = check_ridge_fit.cases(1), check_ridge_fit.cases(2)
    assert all(c["y"].ndim == 2 and c["y"].shape[1] == 1 for c in one)
    assert one[0]["l2"] != two[0]["l2"]


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (
            lambda x, y, l2: ridge(x, y, l2, bias_penalty=l2),
            "the bias was penalised",
            "weights only",
        ),
        (lambda x, y, l2: ridge(x, y, l2, scale=False), "too weak by a factor of N", "divide the"),
        (lambda x, y, l2: ridge(x, y, l2, factor=0.5), "half as strong", "the 2 cancels"),
        (lambda x, y, l2: ridge(x, y, l2, factor=2.0), "twice as strong", "the 2 cancels"),
        (lambda x, y, l2: ridge(x, y, 0.0), "the plain least-squares answer", "add the penalty"),
        (lambda x, y, l2: ridge(x, y, l2)[0], "return the pair (w, b)", "normal equations"),
    ],
)
def test_ridge_fit_mistakes_get_aimed_hints(capsys, fn, problem, hint):
    fails_with(check_ridge_fit, fn, capsys, EX3, problem, hint)


# --------------------------------------------------------------------------- hints hold no code
MISTAKES = [
    (check_choose_and_report, chosen_on_test),
    (check_choose_and_report, every_model_on_test),
    (check_choose_and_report, validation_score),
    (check_choose_and_report, squared),
    (check_choose_and_report, never_tested),
    (check_to_original_units, lambda w, b, m, s: (w * s, b)),
    (check_to_original_units, lambda w, b, m, s: (w / s, b)),
    (check_ridge_fit, lambda x, y, l2: ridge(x, y, l2, bias_penalty=l2)),
    (check_ridge_fit, lambda x, y, l2: ridge(x, y, l2, scale=False)),
    (check_ridge_fit, lambda x, y, l2: ridge(x, y, l2, factor=2.0)),
]


def test_no_hint_holds_a_line_of_a_solution(capsys):
    outputs = [verdict(check, fn, capsys)[1] for check, fn in MISTAKES]
    hints_hold_no_solution_line(NOTEBOOK, outputs)
