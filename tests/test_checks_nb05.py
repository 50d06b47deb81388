"""Tests for the exercise checks of notebook 05: each common mistake fails with a hint aimed
at it, hints name the idea and never a line of the solution, a check never raises, the right
answer passes for cases drawn from several seeds, and the cases depend on the seed.
(That every solution passes and every untouched stub fails is tests/test_exercises.py's job.)"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from check_kit import fails_with, verdict
from notebook_files import ROOT
from solution_lines import hints_hold_no_solution_line

from helpers.checks import plain
from helpers.checks.nb05 import check_batch_to, check_make_checkpoint, check_shuffled_batches

NOTEBOOK = ROOT / "notebooks" / "05_devices_and_checkpoints.ipynb"
SEEDS = [0, 1, 2, 17, 2024]


# --------------------------------------------------------------------------- exercise 1
EX1 = "Exercise 1 (shuffled_batches)"


def batches_right(n, batch_size, generator):
    return list(torch.randperm(n, generator=generator).split(batch_size))


@pytest.mark.parametrize("seed", SEEDS)
def test_shuffled_batches_right_answer_passes_for_every_seed(seed):
    assert "one random order per epoch" in check_shuffled_batches.test(batches_right, seed=seed)


def test_shuffled_batches_accepts_lists_of_ints(capsys):
    result, out = verdict(
        check_shuffled_batches, lambda n, b, g: [t.tolist() for t in batches_right(n, b, g)], capsys
    )
    assert result, out


def test_shuffled_batches_leaves_the_global_random_state_alone():
    before = torch.get_rng_state()
    check_shuffled_batches.test(batches_right, seed=3)
    assert torch.equal(before, torch.get_rng_state())


def unseeded(n, b, g):
    return list(torch.randperm(n).split(b))


def in_order(n, b, g):
    return list(torch.arange(n).split(b))


def one_batch(n, b, g):
    return [torch.randperm(n, generator=g)]


def repeats(n, b, g):
    return [torch.zeros(b, dtype=torch.long)] * (n // b) + [torch.zeros(n % b, dtype=torch.long)]


def forgot_return(n, b, g):
    list(torch.randperm(n, generator=g).split(b))


def second_draw(n, b, g):
    torch.randperm(n, generator=g)  # a draw too many: the generator is used, but not as asked
    return list(torch.randperm(n, generator=g).split(b))


def numpy_shuffle(n, b, g):
    order = np.random.default_rng(0).permutation(n)
    return [torch.as_tensor(order[i : i + b]) for i in range(0, n, b)]


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (in_order, "returned the indices in order", "visits the samples in a random order"),
        (unseeded, "drew its order from torch's global random state", "the generator you were"),
        (one_batch, "gave batches of sizes [10]", "every batch holds B indices"),
        (repeats, "every index 0..9 exactly once", "no repeats"),
        (lambda n, b, g: int(n), "should return a list of index tensors", "one random order"),
        (forgot_return, "returned None", "one random order"),
        (lambda n, b, g: 1 / 0, "your function raised ZeroDivisionError", "one random order"),
    ],
)
def test_shuffled_batches_mistakes_get_aimed_hints(capsys, fn, problem, hint):
    fails_with(check_shuffled_batches, fn, capsys, EX1, problem, hint)


@pytest.mark.parametrize("fn", [second_draw, numpy_shuffle])
def test_shuffled_batches_other_shuffles_do_not_blame_the_global_state(capsys, fn):
    out = fails_with(
        check_shuffled_batches, fn, capsys, EX1, "is a valid shuffle", "drawn once from the"
    )
    assert "global" not in out


def test_shuffled_batches_cases_depend_on_the_seed():
    assert plain(check_shuffled_batches.cases(1)) != plain(check_shuffled_batches.cases(2))


# --------------------------------------------------------------------------- exercise 2
EX2 = "Exercise 2 (make_checkpoint)"


def checkpoint(model, optimizer, scheduler, epoch, generator, /, **changes):
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "epoch": epoch,
        "shuffle_state": generator.get_state(),
    }
    state.update(changes)
    return {k: v for k, v in state.items() if v is not None}


@pytest.mark.parametrize("seed", SEEDS)
def test_make_checkpoint_right_answer_passes_for_every_seed(seed):
    assert "bit for bit" in check_make_checkpoint.test(checkpoint, seed=seed)


def test_make_checkpoint_extra_keys_are_fine(capsys):
    result, out = verdict(
        check_make_checkpoint,
        lambda m, o, s, e, g: checkpoint(m, o, s, e, g, history=[1.0]),
        capsys,
    )
    assert result, out


def test_make_checkpoint_cases_depend_on_the_seed():
    one, two = check_make_checkpoint.cases(1), check_make_checkpoint.cases(2)
    assert one[0]["x"] != two[0]["x"]


def no_shuffle(m, o, s, e, g):
    return checkpoint(m, o, s, e, g, shuffle_state=None)


def no_optimizer(m, o, s, e, g):
    return checkpoint(m, o, s, e, g, optimizer=None)


def no_scheduler(m, o, s, e, g):
    return checkpoint(m, o, s, e, g, scheduler=None)


def scheduler_object(m, o, s, e, g):
    return checkpoint(m, o, s, e, g, scheduler=s)


def fresh_scheduler_state(m, o, s, e, g):
    spare = torch.optim.SGD(
        [torch.zeros(1, requires_grad=True)], lr=o.param_groups[0]["initial_lr"]
    )
    fresh = torch.optim.lr_scheduler.StepLR(spare, s.step_size, gamma=s.gamma)  # epoch 0 again
    return checkpoint(m, o, s, e, g, scheduler=fresh.state_dict())


def global_rng(m, o, s, e, g):
    return checkpoint(m, o, s, e, g, shuffle_state=torch.get_rng_state())


def generator_object(m, o, s, e, g):
    return checkpoint(m, o, s, e, g, shuffle_state=g)


def model_object(m, o, s, e, g):
    return checkpoint(m, o, s, e, g, model=m)


def empty_optimizer(m, o, s, e, g):
    return checkpoint(m, o, s, e, g, optimizer={"state": {}})


def wrong_epoch(m, o, s, e, g):
    return checkpoint(m, o, s, e + 1, g)


def forgot_to_return(m, o, s, e, g):
    checkpoint(m, o, s, e, g)


def fresh_optimizer_state(m, o, s, e, g):
    fresh = torch.optim.SGD(m.parameters(), lr=o.param_groups[0]["lr"], momentum=0.9)  # no velocity
    return checkpoint(m, o, s, e, g, optimizer=fresh.state_dict())


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (no_shuffle, "has no 'shuffle_state': without the generator's state", "where the shuffle"),
        (no_optimizer, "has no 'optimizer': SGD with momentum keeps a velocity", "optimizer"),
        (no_scheduler, "has no 'scheduler': without the scheduler's state", "schedule"),
        (scheduler_object, "could not be saved and loaded safely", "store states"),
        (fresh_scheduler_state, "the learning rates of the next epochs were", "the scheduler"),
        (global_rng, "not the state of the generator passed in", "its own generator"),
        (generator_object, "could not be saved and loaded safely", "store states"),
        (model_object, "could not be saved and loaded safely", "store states"),
        (empty_optimizer, "could not be restored", "each entry is a state"),
        (wrong_epoch, "the checkpoint's epoch is", "the epoch reached"),
        (fresh_optimizer_state, "ended with parameters", "what the optimizer remembers"),
        (lambda m, o, s, e, g: [m, o], "return a dict, got list", "a resumed run must continue"),
        (forgot_to_return, "returned None", "a resumed run must continue"),
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
    (check_shuffled_batches, second_draw),
    (check_make_checkpoint, no_shuffle),
    (check_make_checkpoint, no_optimizer),
    (check_make_checkpoint, no_scheduler),
    (check_make_checkpoint, scheduler_object),
    (check_make_checkpoint, fresh_scheduler_state),
    (check_make_checkpoint, global_rng),
    (check_make_checkpoint, generator_object),
    (check_make_checkpoint, empty_optimizer),
    (check_make_checkpoint, fresh_optimizer_state),
]


def test_no_hint_holds_a_line_of_a_solution(capsys):
    outputs = [verdict(check, fn, capsys)[1] for check, fn in MISTAKES]
    hints_hold_no_solution_line(NOTEBOOK, outputs)


# --------------------------------------------------------------------------- exercise 3
EX3 = "Exercise 3 (batch_to)"


def batch_to_right(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: batch_to_right(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(batch_to_right(v, device) for v in batch)
    return batch


@pytest.mark.parametrize("seed", SEEDS)
def test_batch_to_right_answer_passes_for_every_seed(seed):
    assert "every tensor moved" in check_batch_to.test(batch_to_right, seed=seed)


def test_batch_to_cases_depend_on_the_seed():
    assert repr(plain(check_batch_to.cases(1))) != repr(plain(check_batch_to.cases(2)))


def top_level_only(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
    return type(batch)(v.to(device) for v in batch)


def moves_strings_too(batch, device):
    if isinstance(batch, dict):
        return {k: v.to(device) for k, v in batch.items()}
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    return type(batch)(v.to(device) for v in batch)


def tuples_become_lists(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: tuples_become_lists(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [tuples_become_lists(v, device) for v in batch]
    return batch


def drops_strings(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: drops_strings(v, device) for k, v in batch.items() if not isinstance(v, str)}
    if isinstance(batch, (list, tuple)):
        return type(batch)(drops_strings(v, device) for v in batch)
    return batch


def stringifies(batch, device):
    if isinstance(batch, (str, int)):
        return str(batch) + "!"
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: stringifies(v, device) for k, v in batch.items()}
    return type(batch)(stringifies(v, device) for v in batch)


def stays_put(batch, device):
    return batch_to_right(batch, "cpu")


@pytest.mark.parametrize(
    ("fn", "problem", "hint"),
    [
        (top_level_only, "the tensor at ['extra']['mask'] is still on cpu", "however deep"),
        (moves_strings_too, "called .to() on something that is not a tensor", "only tensors"),
        (tuples_become_lists, "was a tuple and came back as a list", "keep the batch's shape"),
        (drops_strings, "has keys ['x', 'y'], expected ['x', 'y', 'id']", "move what is a tensor"),
        (stringifies, "should stay as it is", "only tensors live on a device"),
        (stays_put, "the tensor at the batch itself is still on cpu", "move what is a tensor"),
    ],
)
def test_batch_to_mistakes_get_aimed_hints(capsys, fn, problem, hint):
    fails_with(check_batch_to, fn, capsys, EX3, problem, hint)


def test_batch_to_hints_hold_no_solution_line(capsys):
    outputs = [
        verdict(check_batch_to, fn, capsys)[1]
        for fn in (top_level_only, moves_strings_too, tuples_become_lists, stringifies)
    ]
    hints_hold_no_solution_line(NOTEBOOK, outputs)
