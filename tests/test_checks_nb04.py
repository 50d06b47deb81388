"""Tests for the exercise checks of notebook 04: each common mistake fails with a hint aimed
at it, hints name the idea and never a line of the solution, and a check never raises.
(That every solution passes and every untouched stub fails is tests/test_exercises.py's job.)"""

from __future__ import annotations

import pytest
import torch
from check_kit import fails_with, verdict
from notebook_files import ROOT
from solution_lines import hints_hold_no_solution_line

from helpers.checks.nb04 import check_evaluate, check_standardise, check_weighted_epoch_loss

NOTEBOOK = ROOT / "notebooks" / "04_dataset_dataloader.ipynb"


# --------------------------------------------------------------------------- exercise 1
EX1 = "Exercise 1 (weighted_epoch_loss)"


def test_weighted_epoch_loss_plain_mean_gets_its_own_hint(capsys):
    fails_with(
        check_weighted_epoch_loss,
        lambda losses, sizes: sum(losses) / len(losses),
        capsys,
        EX1,
        "the plain mean of the batch means",
        "the plain mean of the batch means lets a small last batch count",
    )


@pytest.mark.parametrize(
    ("fn", "problem"),
    [
        (
            lambda losses, sizes: sum(a * n for a, n in zip(losses, sizes, strict=True)),
            "expected 0.5",
        ),
        (lambda losses, sizes: 1 / 0, "your function raised ZeroDivisionError"),
        (lambda losses, sizes: [0.5, 0.5], "should be a single number"),
    ],
)
def test_weighted_epoch_loss_other_mistakes_get_the_general_hint(capsys, fn, problem):
    fails_with(
        check_weighted_epoch_loss,
        fn,
        capsys,
        EX1,
        problem,
        "the epoch loss is the mean over samples",
    )


def test_weighted_epoch_loss_not_a_function(capsys):
    result, out = verdict(check_weighted_epoch_loss, "not a function", capsys)
    assert not result and "expected your function, got str" in out


# --------------------------------------------------------------------------- exercise 2
EX2 = "Exercise 2 (standardise)"


def leak(x_train, x_other):
    both = torch.cat([x_train, x_other])
    mu, sd = both.mean(0), both.std(0)
    return (x_train - mu) / sd, (x_other - mu) / sd


def own_statistics(x_train, x_other):
    return (
        (x_train - x_train.mean(0)) / x_train.std(0),
        (x_other - x_other.mean(0)) / x_other.std(0),
    )


def one_scale_for_all_columns(x_train, x_other):
    mu, sd = x_train.mean(), x_train.std()
    return (x_train - mu) / sd, (x_other - mu) / sd


def population_std(x_train, x_other):
    mu, sd = x_train.mean(0), x_train.std(0, correction=0)
    return (x_train - mu) / sd, (x_other - mu) / sd


def numpy_answer(x_train, x_other):
    a, b = x_train.numpy(), x_other.numpy()
    mu, sd = a.mean(0), a.std(0, ddof=1)
    return (a - mu) / sd, (b - mu) / sd


@pytest.mark.parametrize("fn", [population_std, numpy_answer])
def test_standardise_accepts_either_standard_deviation_and_numpy(capsys, fn):
    result, out = verdict(check_standardise, fn, capsys)
    assert result, out


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (leak, "statistics of both splits together", "that is the leak of section 5.2"),
        (own_statistics, "with its own mean and standard deviation", "then the same x would"),
        (one_scale_for_all_columns, "one mean and one standard deviation of all", "each column"),
        (lambda a, b: (a, b), "z_train is x_train unchanged", "standardising shifts each column"),
        (lambda a, b: (a - a.mean(0), b - a.mean(0)), "z_train[0] is", "compute one mean"),
        (lambda a, b: a, "return the pair (z_train, z_other)", "compute one mean"),
    ],
)
def test_standardise_mistakes_get_aimed_hints(capsys, fn, problem, hint):
    fails_with(check_standardise, fn, capsys, EX2, problem, hint)


# --------------------------------------------------------------------------- exercise 3
EX3 = "Exercise 3 (evaluate)"


def no_eval(model, loader, loss_fn):
    with torch.no_grad():
        return sum(loss_fn(model(xb), yb).item() * len(xb) for xb, yb in loader) / 40


def no_no_grad(model, loader, loss_fn):
    model.eval()
    return sum(loss_fn(model(xb), yb).item() * len(xb) for xb, yb in loader) / 40


def mean_of_means(model, loader, loss_fn):
    model.eval()
    with torch.no_grad():
        return sum(loss_fn(model(xb), yb).item() for xb, yb in loader) / len(loader)


def returns_tensor(model, loader, loss_fn):
    model.eval()
    with torch.no_grad():
        return sum(loss_fn(model(xb), yb) * len(xb) for xb, yb in loader) / 40


def never_predicts(model, loader, loss_fn):
    model.eval()
    return 0.0


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (never_predicts, "never called the model", "loop over the loader"),
        (no_eval, "still in training mode", "switch the model to evaluation mode"),
        (no_no_grad, "autograd was recording a graph", "turn gradient tracking off"),
        (mean_of_means, "the plain mean of the 3 batch means", "the plain mean of the batch"),
        (returns_tensor, "return a Python float", "a one-number tensor"),
    ],
)
def test_evaluate_mistakes_get_aimed_hints(capsys, fn, problem, hint):
    fails_with(check_evaluate, fn, capsys, EX3, problem, hint)


# --------------------------------------------------------------------------- hints hold no code
MISTAKES = [
    (check_weighted_epoch_loss, lambda losses, sizes: sum(losses) / len(losses)),
    (check_weighted_epoch_loss, lambda losses, sizes: 0.0),
    (check_standardise, leak),
    (check_standardise, own_statistics),
    (check_standardise, one_scale_for_all_columns),
    (check_standardise, lambda a, b: (a, b)),
    (check_evaluate, never_predicts),
    (check_evaluate, no_eval),
    (check_evaluate, no_no_grad),
    (check_evaluate, mean_of_means),
    (check_evaluate, returns_tensor),
]


def test_no_hint_holds_a_line_of_a_solution(capsys):
    outputs = [verdict(check, fn, capsys)[1] for check, fn in MISTAKES]
    hints_hold_no_solution_line(NOTEBOOK, outputs)
