"""Tests for the exercise checks of notebook 07: each common mistake fails with a hint aimed
at it, the solutions pass on inputs drawn from several seeds, the inputs depend on the seed,
and no hint holds a line of a solution. (That every notebook solution passes and every
untouched stub fails is tests/test_exercises.py's job.)"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from check_kit import fails_with, verdict
from notebook_files import ROOT
from solution_lines import hints_hold_no_solution_line
from torch import nn

from helpers.checks import plain
from helpers.checks.nb07 import check_accumulate_step, check_rank_share

NOTEBOOK = ROOT / "notebooks" / "07_scaling_out_ddp.ipynb"
SEEDS = [0, 1, 2, 11, 123]


# --------------------------------------------------------------------------- exercise 1
EX1 = "Exercise 1 (accumulate_step)"


def _step(model, lr):
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad


def accumulate_right(model, micro_batches, lr):
    n = sum(len(xb) for xb, _ in micro_batches)
    for p in model.parameters():
        p.grad = None
    for xb, yb in micro_batches:
        (nn.functional.mse_loss(model(xb), yb, reduction="sum") / n).backward()
    _step(model, lr)


def accumulate_with_an_optimizer(model, micro_batches, lr):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    optimizer.zero_grad()
    n = sum(len(xb) for xb, _ in micro_batches)
    for xb, yb in micro_batches:
        (nn.functional.mse_loss(model(xb), yb) * (len(xb) / n)).backward()
    optimizer.step()


def summed(model, micro_batches, lr):
    model.zero_grad()
    for xb, yb in micro_batches:
        nn.functional.mse_loss(model(xb), yb).backward()
    _step(model, lr)


def plain_average(model, micro_batches, lr):
    model.zero_grad()
    for xb, yb in micro_batches:
        (nn.functional.mse_loss(model(xb), yb) / len(micro_batches)).backward()
    _step(model, lr)


def keeps_old_gradients(model, micro_batches, lr):
    n = sum(len(xb) for xb, _ in micro_batches)
    for xb, yb in micro_batches:
        (nn.functional.mse_loss(model(xb), yb) * len(xb) / n).backward()
    _step(model, lr)


def steps_every_micro_batch(model, micro_batches, lr):
    for xb, yb in micro_batches:
        model.zero_grad()
        nn.functional.mse_loss(model(xb), yb).backward()
        _step(model, lr)


def no_step(model, micro_batches, lr):
    model.zero_grad()
    for xb, yb in micro_batches:
        nn.functional.mse_loss(model(xb), yb).backward()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fn", [accumulate_right, accumulate_with_an_optimizer])
def test_accumulate_step_solutions_pass_on_fresh_inputs(fn, seed):
    assert "one step with the gradient of the whole batch" in check_accumulate_step.test(fn, seed)


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (summed, "the sum of the 4 micro-batches' gradients", "the sum is several times too large"),
        (plain_average, "plain average", "fewer samples must count for less"),
        (keeps_old_gradients, "already held in .grad", "clear the old gradients"),
        (steps_every_micro_batch, "you took 4 steps", "step once"),
        (no_step, "did not change", "take one step"),
    ],
)
def test_accumulate_step_mistakes_get_their_own_hint(fn, problem, hint, capsys):
    fails_with(check_accumulate_step, fn, capsys, EX1, problem, hint)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "fn", [summed, plain_average, keeps_old_gradients, steps_every_micro_batch]
)
def test_accumulate_step_mistakes_fail_on_fresh_inputs(fn, seed):
    with pytest.raises(Exception, match=".") as caught:
        check_accumulate_step.test(fn, seed)
    assert type(caught.value).__name__ == "Mismatch"


def test_accumulate_step_other_mistakes_get_the_general_hint(capsys):
    def twice_the_rate(model, micro_batches, lr):
        accumulate_right(model, micro_batches, 2 * lr)

    fails_with(
        check_accumulate_step, twice_the_rate, capsys, EX1, "expected", "the mean loss over every"
    )
    result, out = verdict(check_accumulate_step, lambda m, mb, lr: 1 / 0, capsys)
    assert not result and "your function raised ZeroDivisionError" in out


def test_accumulate_step_inputs_depend_on_the_seed_and_are_plain():
    one, other = plain(check_accumulate_step.cases(1)), plain(check_accumulate_step.cases(2))
    assert not np.array_equal(one[0]["micro"][0]["x"], other[0]["micro"][0]["x"])
    sizes = [[len(m["x"]) for m in case["micro"]] for case in one]
    assert sizes[0] == [8, 8, 8, 8] and len(set(sizes[1])) > 1, "equal, then unequal sizes"
    assert one[2]["stale"] is not None, "one model arrives with gradients in .grad"


# --------------------------------------------------------------------------- exercise 2
EX2 = "Exercise 2 (rank_share)"


def rank_share_right(order, world_size, rank):
    per_rank = -(-len(order) // world_size)
    padded = list(order) + list(order)[: per_rank * world_size - len(order)]
    return padded[rank::world_size]


@pytest.mark.parametrize("seed", SEEDS)
def test_rank_share_solution_passes_on_fresh_inputs(seed):
    assert "interleaved and padded" in check_rank_share.test(rank_share_right, seed)


def test_rank_share_inputs_depend_on_the_seed():
    one, other = check_rank_share.cases(1), check_rank_share.cases(2)
    assert [c["order"] for c in one] != [c["order"] for c in other]
    assert any(len(c["order"]) % c["world_size"] for c in one), "a world size that does not divide"


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (lambda order, w, r: order[r::w], "every rank must get", "repeats the start of the order"),
        (
            lambda order, w, r: order[r * (len(order) // w) : (r + 1) * (len(order) // w)],
            "one contiguous block",
            "rank r takes positions r",
        ),
        (
            lambda order, w, r: sorted(rank_share_right(order, w, r)),
            "expected",
            "pad the order with its own first indices",
        ),
        (lambda order, w, r: "abc" * (r + 1), "should return a list of indices", "pad the order"),
    ],
)
def test_rank_share_mistakes(fn, problem, hint, capsys):
    fails_with(check_rank_share, fn, capsys, EX2, problem, hint)


def test_rank_share_returning_none_says_so(capsys):
    result, out = verdict(check_rank_share, lambda order, w, r: [None][r * 0], capsys)
    assert not result and "returned None" in out


# --------------------------------------------------------------------------- both
MISTAKES = [
    (check_accumulate_step, summed),
    (check_accumulate_step, plain_average),
    (check_accumulate_step, keeps_old_gradients),
    (check_accumulate_step, steps_every_micro_batch),
    (check_accumulate_step, no_step),
    (check_rank_share, lambda order, w, r: order[r::w]),
    (check_rank_share, lambda order, w, r: sorted(rank_share_right(order, w, r))),
]


def test_no_hint_holds_a_line_of_a_solution(capsys):
    outputs = [verdict(check, fn, capsys)[1] for check, fn in MISTAKES]
    hints_hold_no_solution_line(NOTEBOOK, outputs)
