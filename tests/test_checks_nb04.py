"""Tests for the exercise checks of notebook 04: each common mistake fails with a hint aimed
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
from torch.utils.data import Dataset

from helpers.checks import plain
from helpers.checks.nb04 import check_split_windows, check_standardise, check_window_dataset

NOTEBOOK = ROOT / "notebooks" / "04_dataset_dataloader.ipynb"
SEEDS = [0, 1, 2, 7, 123]


# --------------------------------------------------------------------------- exercise 1
EX1 = "Exercise 1 (window_dataset)"


class Windows(Dataset):
    def __init__(self, series, k):
        self.series, self.k = series, k

    def __len__(self):
        return len(self.series) - self.k

    def __getitem__(self, i):
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i = i % len(self)
        return self.series[i : i + self.k], self.series[i + self.k : i + self.k + 1]


class AllPositions(Windows):
    def __len__(self):
        return len(self.series)


class OneTooMany(Windows):
    def __len__(self):
        return len(self.series) - self.k + 1


class NoNegative(Windows):
    def __getitem__(self, i):
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return self.series[i : i + self.k], self.series[i + self.k : i + self.k + 1]


class NeverRaises(Windows):
    def __getitem__(self, i):
        i = i % len(self) if i < 0 else i
        return self.series[i : i + self.k], self.series[i + self.k : i + self.k + 1]


class ScalarTarget(Windows):
    def __getitem__(self, i):
        x, y = super().__getitem__(i)
        return x, y[0]


class TargetInWindow(Windows):
    def __getitem__(self, i):
        x, _ = super().__getitem__(i)
        return x, x[-1:]


class ColumnWindow(Windows):
    def __getitem__(self, i):
        x, y = super().__getitem__(i)
        return x.view(-1, 1), y


class WrongError(Windows):
    def __getitem__(self, i):
        if not -len(self) <= i < len(self):
            raise ValueError(i)
        return super().__getitem__(i)


class Triple(Windows):
    def __getitem__(self, i):
        return (*super().__getitem__(i), i)


class WindowsBuiltInAdvance(Windows):
    def __init__(self, series, k):
        super().__init__(series, k)
        self.windows = [series[i : i + k] for i in range(len(series) - k)]

    def __getitem__(self, i):
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return self.windows[i], self.series[i % len(self) + self.k :][:1]


def all_windows_in_a_tensor_dataset(series, k):
    windows = torch.stack([series[i : i + k] for i in range(len(series) - k)])
    return torch.utils.data.TensorDataset(windows, series[k:].view(-1, 1))


def windows_in_a_closure(series, k):
    class Lazy(Dataset):
        def __len__(self):
            return len(series) - k

        def __getitem__(self, i):
            if not -len(self) <= i < len(self):
                raise IndexError(i)
            i = i % len(self)
            return series[i : i + k], series[i + k : i + k + 1]

    return Lazy()


class WindowsOfACopy(Windows):
    def __init__(self, series, k):
        super().__init__(series.clone(), k)
        self.original = series


@pytest.mark.parametrize("fn", [Windows, windows_in_a_closure, WindowsOfACopy])
@pytest.mark.parametrize("seed", SEEDS)
def test_window_dataset_solution_passes_for_fresh_cases(fn, seed):
    assert check_window_dataset.test(fn, seed=seed).startswith("the right number")


def test_window_dataset_cases_depend_on_the_seed():
    a, b = check_window_dataset.cases(1), check_window_dataset.cases(2)
    assert a[0] == b[0] and a[1:] != b[1:]


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (AllPositions, "len(dataset) is 7, expected 4", "how many starting positions"),
        (OneTooMany, "len(dataset) is 5, expected 4", "how many starting positions"),
        (NoNegative, "dataset[-1] should be the last window", "a negative index counts"),
        (NeverRaises, "dataset[4] returned", "slicing a tensor past its end"),
        (WrongError, "dataset[4] raised ValueError", "raise IndexError"),
        (ScalarTarget, "next value has shape (), expected (1,)", "the (N,) against (N, 1)"),
        (TargetInWindow, "next value is [2.5]", "right after the window"),
        (ColumnWindow, "window has shape (3, 1), expected (3,)", "stacks B of them"),
        (Triple, "not a pair (window, next value)", "a Dataset answers two questions"),
        (lambda series, k: [(series[i : i + k], series[i + k]) for i in range(3)], "len", "a Da"),
        (lambda series, k: 3, "return a Dataset, got int", "a Dataset answers"),
        (all_windows_in_a_tensor_dataset, "keeps 16 numbers: it built", "inside __getitem__"),
        (WindowsBuiltInAdvance, "keeps 19 numbers: it built", "inside __getitem__"),
    ],
)
def test_window_dataset_mistakes_get_aimed_hints(capsys, fn, problem, hint):
    fails_with(check_window_dataset, fn, capsys, EX1, problem, hint)


def test_window_dataset_probe_observes_plain_data():
    cases = plain(check_window_dataset.cases(3))
    outputs = plain(check_window_dataset.probe(NeverRaises, cases))
    assert outputs[0]["past_end"].startswith("returned") and outputs[0]["batch"] == [[4, 3], [4, 1]]


# --------------------------------------------------------------------------- exercise 2
EX2 = "Exercise 2 (standardise)"


def standardise(x_train, x_other):
    mu, sd = x_train.mean(0), x_train.std(0)
    return (x_train - mu) / sd, (x_other - mu) / sd


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


def in_place(x_train, x_other):
    mu, sd = x_train.mean(0), x_train.std(0)
    x_train -= mu
    x_train /= sd
    return x_train, (x_other - mu) / sd


@pytest.mark.parametrize("fn", [standardise, population_std, numpy_answer])
@pytest.mark.parametrize("seed", SEEDS)
def test_standardise_accepts_either_standard_deviation_and_numpy_for_fresh_cases(fn, seed):
    assert check_standardise.test(fn, seed=seed).startswith("both splits scaled")


def test_standardise_cases_depend_on_the_seed():
    a, b = check_standardise.cases(1), check_standardise.cases(2)
    assert not np.array_equal(a[0]["x_train"][:3], b[0]["x_train"][:3])


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (leak, "statistics of both splits together", "that is the leak of section 5.2"),
        (own_statistics, "with its own mean and standard deviation", "then the same x would"),
        (one_scale_for_all_columns, "one mean and one standard deviation of all", "each column"),
        (lambda a, b: (a, b), "z_train is x_train unchanged", "standardising shifts each column"),
        (lambda a, b: (a - a.mean(0), b - a.mean(0)), "z_train[0] is", "compute one mean"),
        (lambda a, b: a, "return the pair (z_train, z_other)", "compute one mean"),
        (in_place, "scaled its inputs in place", "leave the inputs as they were"),
    ],
)
def test_standardise_mistakes_get_aimed_hints(capsys, fn, problem, hint):
    fails_with(check_standardise, fn, capsys, EX2, problem, hint)


# --------------------------------------------------------------------------- exercise 3
EX3 = "Exercise 3 (split_windows)"


def split_windows(n_windows, k, n_val):
    return list(range(n_windows - n_val - k)), list(range(n_windows - n_val, n_windows))


def no_gap(n_windows, k, n_val):
    return list(range(n_windows - n_val)), list(range(n_windows - n_val, n_windows))


def gap_too_small(n_windows, k, n_val):
    return list(range(n_windows - n_val - k + 1)), list(range(n_windows - n_val, n_windows))


def gap_too_big(n_windows, k, n_val):
    return list(range(n_windows - n_val - k - 1)), list(range(n_windows - n_val, n_windows))


def validation_first(n_windows, k, n_val):
    return list(range(n_val + k, n_windows)), list(range(n_val))


def random_split_indices(n_windows, k, n_val):
    order = torch.randperm(n_windows, generator=torch.Generator().manual_seed(0)).tolist()
    return sorted(order[n_val:]), sorted(order[:n_val])


@pytest.mark.parametrize(
    "fn", [split_windows, lambda n, k, v: (torch.arange(n - v - k), np.arange(n - v, n))]
)
@pytest.mark.parametrize("seed", SEEDS)
def test_split_windows_solution_passes_for_fresh_cases(fn, seed):
    assert check_split_windows.test(fn, seed=seed).startswith("validation is the last")


def test_split_windows_cases_depend_on_the_seed():
    a, b = check_split_windows.cases(1), check_split_windows.cases(2)
    assert a[0] == b[0] and a[1:] != b[1:]


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (no_gap, "train_idx runs up to window 14", "neighbouring windows overlap"),
        (gap_too_small, "training window 12 holds positions 12 to 15", "which windows before"),
        (gap_too_big, "window 11 is left out", "keep every training window"),
        (validation_first, "the validation windows are the last 5", "judged on the future"),
        (random_split_indices, "the validation windows are the last 5", "judged on the future"),
        (lambda n, k, v: (n, v), "return two lists of window indices", "window i holds"),
        (lambda n, k, v: [0, 1, 2], "return the pair (train_idx, val_idx)", "window i holds"),
    ],
)
def test_split_windows_mistakes_get_aimed_hints(capsys, fn, problem, hint):
    fails_with(check_split_windows, fn, capsys, EX3, problem, hint)


# --------------------------------------------------------------------------- hints hold no code
MISTAKES = [
    (check_window_dataset, AllPositions),
    (check_window_dataset, NoNegative),
    (check_window_dataset, NeverRaises),
    (check_window_dataset, ScalarTarget),
    (check_window_dataset, TargetInWindow),
    (check_standardise, leak),
    (check_standardise, own_statistics),
    (check_standardise, one_scale_for_all_columns),
    (check_standardise, lambda a, b: (a, b)),
    (check_split_windows, no_gap),
    (check_split_windows, gap_too_small),
    (check_split_windows, gap_too_big),
    (check_split_windows, validation_first),
]


def test_no_hint_holds_a_line_of_a_solution(capsys):
    outputs = [verdict(check, fn, capsys)[1] for check, fn in MISTAKES]
    hints_hold_no_solution_line(NOTEBOOK, outputs)
