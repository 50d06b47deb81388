"""Tests for the exercise checks of notebook 04: right answers pass, stubs and typical
mistakes fail with a specific message and a hint, and a check never raises."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from torch import nn

from helpers.checks.nb04 import check_evaluate, check_shuffled_batches, check_weighted_epoch_loss

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "04_dataset_dataloader_gpu.ipynb"


def verdict(check, fn, capsys):
    passed = bool(check(fn))
    return passed, capsys.readouterr().out


# --------------------------------------------------------------------------- exercise 1
def weighted_right(batch_losses, batch_sizes):
    return sum(a * n for a, n in zip(batch_losses, batch_sizes, strict=True)) / sum(batch_sizes)


def test_weighted_epoch_loss_right_answer_passes(capsys):
    passed, out = verdict(check_weighted_epoch_loss, weighted_right, capsys)
    assert passed and out.startswith("✅ Exercise 1 (weighted_epoch_loss) passed")


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda losses, sizes: None, "is None. Replace the `...`"),
        (lambda losses, sizes: sum(losses) / len(losses), "the plain mean of the batch means"),
        (
            lambda losses, sizes: sum(a * n for a, n in zip(losses, sizes, strict=True)),
            "expected 0.5",
        ),
        (lambda losses, sizes: 1 / 0, "your function raised ZeroDivisionError"),
        ("not a function", "expected your function, got str"),
    ],
)
def test_weighted_epoch_loss_mistakes_fail_with_a_hint(capsys, fn, message):
    passed, out = verdict(check_weighted_epoch_loss, fn, capsys)
    assert not passed
    assert out.startswith("❌ Exercise 1 (weighted_epoch_loss) not yet:")
    assert message in out and "Hint:" in out


# --------------------------------------------------------------------------- exercise 2
def batches_right(n, batch_size, generator):
    return list(torch.randperm(n, generator=generator).split(batch_size))


def test_shuffled_batches_right_answer_passes(capsys):
    passed, out = verdict(check_shuffled_batches, batches_right, capsys)
    assert passed and out.startswith("✅ Exercise 2 (shuffled_batches) passed")
    # lists of ints are fine too
    passed, _ = verdict(
        check_shuffled_batches, lambda n, b, g: [t.tolist() for t in batches_right(n, b, g)], capsys
    )
    assert passed


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda n, b, g: None, "returned None"),
        (lambda n, b, g: list(torch.arange(n).split(b)), "returned the indices in order"),
        (lambda n, b, g: list(torch.randperm(n).split(b)), "not the one drawn from the generator"),
        (lambda n, b, g: [torch.randperm(n, generator=g)], "gave batches of sizes [10]"),
        (
            lambda n, b, g: list(torch.randperm(n, generator=g)[: n - 1].split(b)),
            "gave batches of sizes",
        ),
        (
            lambda n, b, g: (
                [torch.zeros(b, dtype=torch.long)] * (n // b)
                + [torch.zeros(n % b, dtype=torch.long)]
            ),
            "every index 0..9 exactly once",
        ),
        (lambda n, b, g: 42, "should return a list of index tensors"),
    ],
)
def test_shuffled_batches_mistakes_fail_with_a_hint(capsys, fn, message):
    passed, out = verdict(check_shuffled_batches, fn, capsys)
    assert not passed
    assert out.startswith("❌ Exercise 2 (shuffled_batches) not yet:")
    assert message in out and "Hint:" in out


# --------------------------------------------------------------------------- exercise 3
def evaluate_right(model, loader, loss_fn):
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for xb, yb in loader:
            total += loss_fn(model(xb), yb).item() * len(xb)
            count += len(xb)
    return total / count


def test_evaluate_right_answer_passes(capsys):
    passed, out = verdict(check_evaluate, evaluate_right, capsys)
    assert passed and out.startswith("✅ Exercise 3 (evaluate) passed")


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


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda model, loader, loss_fn: None, "never called the model"),
        (no_eval, "still in training mode. Call model.eval()"),
        (no_no_grad, "autograd was recording a graph"),
        (mean_of_means, "the plain mean of the 3 batch means"),
        (returns_tensor, "return a Python float"),
    ],
)
def test_evaluate_mistakes_fail_with_a_hint(capsys, fn, message):
    passed, out = verdict(check_evaluate, fn, capsys)
    assert not passed
    assert out.startswith("❌ Exercise 3 (evaluate) not yet:")
    assert message in out and "Hint:" in out


# --------------------------------------------------------------------------- the notebook's cells
def exercise_cells():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    stubs, solutions = {}, {}
    for cell in cells:
        source = "".join(cell["source"])
        match = re.match(r"# Exercise (\d)", source)
        if cell["cell_type"] == "code" and match:
            stubs[int(match.group(1))] = source
        match = re.search(r"Solution to exercise (\d).*?```python\n(.*?)```", source, re.S)
        if cell["cell_type"] == "markdown" and match:
            solutions[int(match.group(1))] = match.group(2)
    return stubs, solutions


CHECKS = {
    1: ("weighted_epoch_loss", check_weighted_epoch_loss),
    2: ("shuffled_batches", check_shuffled_batches),
    3: ("evaluate", check_evaluate),
}


@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook 04 not present")
@pytest.mark.parametrize("number", sorted(CHECKS))
def test_notebook_solution_passes_and_stub_fails(capsys, number):
    stubs, solutions = exercise_cells()
    name, check = CHECKS[number]
    for source, should_pass in ((solutions[number], True), (stubs[number], False)):
        namespace = {"torch": torch, "nn": nn}
        exec(source, namespace)
        passed, out = verdict(check, namespace[name], capsys)
        assert passed is should_pass, out
        if not should_pass:
            assert "Hint:" in out
