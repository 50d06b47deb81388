"""Tests for the exercise checks of notebook 05: each common mistake fails with a hint aimed
at it, hints name the idea and never a line of the solution, and a check never raises.
(That every solution passes and every untouched stub fails is tests/test_exercises.py's job.)"""

from __future__ import annotations

import pytest
import torch
from check_kit import fails_with, verdict
from notebook_files import ROOT
from solution_lines import hints_hold_no_solution_line

from helpers.checks.nb05 import check_make_checkpoint, check_shuffled_batches

NOTEBOOK = ROOT / "notebooks" / "05_devices_and_checkpoints.ipynb"


# --------------------------------------------------------------------------- exercise 1
EX1 = "Exercise 1 (shuffled_batches)"


def batches_right(n, batch_size, generator):
    return list(torch.randperm(n, generator=generator).split(batch_size))


def test_shuffled_batches_accepts_lists_of_ints(capsys):
    result, out = verdict(
        check_shuffled_batches, lambda n, b, g: [t.tolist() for t in batches_right(n, b, g)], capsys
    )
    assert result, out


def unseeded(n, b, g):
    return list(torch.randperm(n).split(b))


def in_order(n, b, g):
    return list(torch.arange(n).split(b))


def one_batch(n, b, g):
    return [torch.randperm(n, generator=g)]


def repeats(n, b, g):
    return [torch.zeros(b, dtype=torch.long)] * (n // b) + [torch.zeros(n % b, dtype=torch.long)]


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (in_order, "returned the indices in order", "visits the samples in a random order"),
        (unseeded, "not the one the given generator draws", "from the seeded generator"),
        (one_batch, "gave batches of sizes [10]", "every batch holds B indices"),
        (repeats, "every index 0..9 exactly once", "no repeats"),
        (lambda n, b, g: int(n), "should return a list of index tensors", "one random order"),
        (lambda n, b, g: 1 / 0, "your function raised ZeroDivisionError", "one random order"),
    ],
)
def test_shuffled_batches_mistakes_get_aimed_hints(capsys, fn, problem, hint):
    fails_with(check_shuffled_batches, fn, capsys, EX1, problem, hint)


# --------------------------------------------------------------------------- exercise 2
EX2 = "Exercise 2 (make_checkpoint)"


def checkpoint(model, optimizer, epoch, generator, /, **changes):
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": epoch,
        "shuffle_state": generator.get_state(),
    }
    state.update(changes)
    return {k: v for k, v in state.items() if v is not None}


def test_make_checkpoint_extra_keys_are_fine(capsys):
    result, out = verdict(
        check_make_checkpoint, lambda m, o, e, g: checkpoint(m, o, e, g, history=[1.0]), capsys
    )
    assert result, out


def no_shuffle(m, o, e, g):
    return {"model": m.state_dict(), "optimizer": o.state_dict(), "epoch": e}


def no_optimizer(m, o, e, g):
    return {"model": m.state_dict(), "epoch": e, "shuffle_state": g.get_state()}


def global_rng(m, o, e, g):
    return checkpoint(m, o, e, g, shuffle_state=torch.get_rng_state())


def generator_object(m, o, e, g):
    return checkpoint(m, o, e, g, shuffle_state=g)


def model_object(m, o, e, g):
    return checkpoint(m, o, e, g, model=m)


def empty_optimizer(m, o, e, g):
    return checkpoint(m, o, e, g, optimizer={"state": {}})


def wrong_epoch(m, o, e, g):
    return checkpoint(m, o, e + 1, g)


def fresh_optimizer_state(m, o, e, g):
    fresh = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)  # no velocity yet
    return checkpoint(m, o, e, g, optimizer=fresh.state_dict())


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (no_shuffle, "has no 'shuffle_state': without the generator's state", "where the shuffle"),
        (no_optimizer, "has no 'optimizer': SGD with momentum keeps a velocity", "optimizer"),
        (global_rng, "not the state of the generator passed in", "its own generator"),
        (generator_object, "could not be saved and loaded safely", "store states"),
        (model_object, "could not be saved and loaded safely", "store states"),
        (empty_optimizer, "could not be restored", "each entry is a state"),
        (wrong_epoch, "the checkpoint's epoch is 3, expected 2", "the epoch reached"),
        (fresh_optimizer_state, "ended with other parameters", "what the optimizer remembers"),
        (lambda m, o, e, g: [m, o], "return a dict, got list", "a resumed run must continue"),
    ],
)
def test_make_checkpoint_mistakes_get_aimed_hints(capsys, fn, problem, hint):
    fails_with(check_make_checkpoint, fn, capsys, EX2, problem, hint)


# --------------------------------------------------------------------------- hints hold no code
MISTAKES = [
    (check_shuffled_batches, in_order),
    (check_shuffled_batches, unseeded),
    (check_shuffled_batches, one_batch),
    (check_shuffled_batches, repeats),
    (check_make_checkpoint, no_shuffle),
    (check_make_checkpoint, no_optimizer),
    (check_make_checkpoint, global_rng),
    (check_make_checkpoint, generator_object),
    (check_make_checkpoint, empty_optimizer),
    (check_make_checkpoint, fresh_optimizer_state),
]


def test_no_hint_holds_a_line_of_a_solution(capsys):
    outputs = [verdict(check, fn, capsys)[1] for check, fn in MISTAKES]
    hints_hold_no_solution_line(NOTEBOOK, outputs)
