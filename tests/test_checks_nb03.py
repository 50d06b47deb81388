"""Tests for the exercise checks of notebook 03: each common mistake fails with a hint aimed
at it, the solution passes on fresh inputs from several seeds, hints hold no line of a
solution, and a check never raises. (That every revealed solution passes its check in the
notebook and every untouched stub fails it is tests/test_exercises.py's job.)"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from check_kit import fails_with, verdict
from notebook_files import ROOT
from solution_lines import hints_hold_no_solution_line
from torch import nn

from helpers.checks import plain
from helpers.checks.nb03 import check_quadratic_model, check_unstandardise

NOTEBOOK = ROOT / "notebooks" / "03_nn_module_and_optim.ipynb"
SEEDS = [0, 1, 2, 7, 123]


# --------------------------------------------------------------------------- exercise 1
EX1 = "Exercise 1 (quadratic_model)"


class Quadratic(nn.Module):
    def __init__(self, a, b, c):
        super().__init__()
        self.a = nn.Parameter(torch.tensor([float(a)]))
        self.b = nn.Parameter(torch.tensor([float(b)]))
        self.c = nn.Parameter(torch.tensor([float(c)]))

    def forward(self, x):
        return self.a * x**2 + self.b * x + self.c


class PlainTensors(Quadratic):
    def __init__(self, a, b, c):
        nn.Module.__init__(self)
        self.a = torch.tensor([float(a)], requires_grad=True)
        self.b = torch.tensor([float(b)], requires_grad=True)
        self.c = torch.tensor([float(c)], requires_grad=True)


class NoSuper(Quadratic):
    def __init__(self, a, b, c):
        self.a = nn.Parameter(torch.tensor([float(a)]))


class Flat(Quadratic):
    def forward(self, x):
        return super().forward(x).view(-1)


class Swapped(Quadratic):
    def forward(self, x):
        return self.b * x**2 + self.a * x + self.c


class Float64(Quadratic):
    def forward(self, x):
        return super().forward(x.double())


class Detached(Quadratic):
    def forward(self, x):
        return self.a * x**2 + self.b * x + self.c.item()


class OneVector(nn.Module):
    def __init__(self, a, b, c):
        super().__init__()
        self.abc = nn.Parameter(torch.tensor([float(a), float(b), float(c)]))

    def forward(self, x):
        return self.abc[0] * x**2 + self.abc[1] * x + self.abc[2]


class ZeroStart(Quadratic):
    def __init__(self, a, b, c):
        super().__init__(0.0, 0.0, 0.0)


@pytest.mark.parametrize("seed", SEEDS)
def test_quadratic_model_solution_passes_for_fresh_cases(seed):
    assert check_quadratic_model.test(Quadratic, seed=seed).startswith("three registered")


def test_quadratic_model_cases_depend_on_the_seed():
    a, b = check_quadratic_model.cases(1), check_quadratic_model.cases(2)
    assert a[0]["abc"] == b[0]["abc"] and a[1:] != b[1:]  # a fixed case, then fresh draws


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (PlainTensors, "(a, b, c are plain tensors)", "only nn.Parameter attributes"),
        (NoSuper, "cannot assign parameters before", "pitfall of section 1.1"),
        (lambda a, b, c: Quadratic, "returned the class itself", "a class is the recipe"),
        (Flat, "have shape (6,), expected (6, 1)", "with (N,) the loss broadcasts"),
        (Swapped, "two coefficients are swapped", "a multiplies x squared"),
        (Float64, "the predictions are float64", "section 4.3"),
        (Detached, "got no gradient from the loss", "not from numbers copied out"),
        (OneVector, "1 parameter(s) holding [3] numbers", "a module registers"),
        (ZeroStart, "the parameters start at [0, 0, 0]", "each parameter should start"),
        (lambda a, b, c: nn.Linear(1, 1), "2 parameter(s)", "a module registers"),
        (lambda a, b, c: [a, b, c], "return an nn.Module, got list", "a module registers"),
    ],
)
def test_quadratic_model_mistakes_get_aimed_hints(capsys, fn, problem, hint):
    fails_with(check_quadratic_model, fn, capsys, EX1, problem, hint)


def test_quadratic_model_probe_returns_plain_data_and_computes_nothing_expected():
    cases = plain(check_quadratic_model.cases(5))
    outputs = check_quadratic_model.probe(Quadratic, cases)
    assert plain(outputs)  # no TypeError: plain data only
    wrong = plain(check_quadratic_model.probe(Swapped, cases))  # the probe doesn't judge
    assert set(wrong[0]) == {"params", "loose", "pred", "dtype"}


# --------------------------------------------------------------------------- exercise 2
EX2 = "Exercise 2 (unstandardise)"


def unstandardise(model_z, mu, sigma):
    w_z = model_z.weight.detach()
    model = nn.Linear(len(mu), 1)
    bias = model_z.bias.detach() - (w_z * mu / sigma).sum(dim=1)
    model.load_state_dict({"weight": w_z / sigma, "bias": bias})
    return model


def with_no_grad(model_z, mu, sigma):
    model = nn.Linear(len(mu), 1)
    with torch.no_grad():
        model.weight.copy_(model_z.weight / sigma)
        model.bias.copy_(model_z.bias - (model_z.weight * mu / sigma).sum())
    return model


def in_place(model_z, mu, sigma):
    model_z.weight /= sigma
    return model_z


def changes_model_z(model_z, mu, sigma):
    with torch.no_grad():
        model_z.weight /= sigma
    return model_z


def bias_kept(model_z, mu, sigma):
    model = nn.Linear(len(mu), 1)
    model.load_state_dict(
        {"weight": model_z.weight.detach() / sigma, "bias": model_z.bias.detach()}
    )
    return model


def times_sigma(model_z, mu, sigma):
    model = nn.Linear(len(mu), 1)
    w = model_z.weight.detach() * sigma
    model.load_state_dict({"weight": w, "bias": model_z.bias.detach() - (w * mu).sum(dim=1)})
    return model


def forgot_return(model_z, mu, sigma):
    unstandardise(model_z, mu, sigma)


def copied(model_z, mu, sigma):
    model = nn.Linear(len(mu), 1)
    model.load_state_dict(model_z.state_dict())
    return model


@pytest.mark.parametrize("fn", [unstandardise, with_no_grad])
@pytest.mark.parametrize("seed", SEEDS)
def test_unstandardise_solutions_pass_for_fresh_cases(fn, seed):
    assert "model_z is untouched" in check_unstandardise.test(fn, seed=seed)


def test_unstandardise_cases_depend_on_the_seed():
    a, b = check_unstandardise.cases(1), check_unstandardise.cases(2)
    assert a[0] == b[0] and a[1:] != b[1:]


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (in_place, "writing into a parameter failed", "compute the new weight and bias first"),
        (changes_model_z, "model_z's own parameters changed", "leave the trained layer"),
        (lambda m, mu, s: m, "returned model_z itself", "the new layer takes raw x"),
        (bias_kept, "the bias is still model_z's", "shifting x by mu moves the intercept"),
        (times_sigma, "model_z's weights times sigma", "divided by sigma"),
        (copied, "model_z's weight and bias unchanged", "each weight is divided"),
        (lambda m, mu, s: nn.Sequential(copied(m, mu, s)), "return an nn.Linear", "each weight"),
        (forgot_return, "returned None", "without a return statement"),
    ],
)
def test_unstandardise_mistakes_get_aimed_hints(capsys, fn, problem, hint):
    fails_with(check_unstandardise, fn, capsys, EX2, problem, hint)


def test_unstandardise_judge_prints_expected_values_for_fresh_inputs():
    cases = plain(check_unstandardise.cases(11))
    outputs = plain(check_unstandardise.probe(bias_kept, cases))
    with pytest.raises(Exception, match="bias is still model_z's") as info:
        check_unstandardise.judge(cases, outputs)
    assert f"{cases[0]['bias']:.4g}" in str(info.value)
    assert np.isfinite(outputs[1]["pred"]).all()


# --------------------------------------------------------------------------- both
def test_not_a_function(capsys):
    result, out = verdict(check_quadratic_model, "not a function", capsys)
    assert not result and "expected your function, got str" in out


MISTAKES = [
    (check_quadratic_model, PlainTensors),
    (check_quadratic_model, NoSuper),
    (check_quadratic_model, Flat),
    (check_quadratic_model, Swapped),
    (check_quadratic_model, Float64),
    (check_quadratic_model, Detached),
    (check_quadratic_model, lambda a, b, c: nn.Linear(1, 1)),
    (check_unstandardise, in_place),
    (check_unstandardise, changes_model_z),
    (check_unstandardise, bias_kept),
    (check_unstandardise, times_sigma),
    (check_unstandardise, copied),
]


def test_no_hint_holds_a_line_of_a_solution(capsys):
    outputs = [verdict(check, fn, capsys)[1] for check, fn in MISTAKES]
    hints_hold_no_solution_line(NOTEBOOK, outputs)
