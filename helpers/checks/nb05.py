"""Checks for the exercises of notebook 05 (Devices and checkpoints).

Taught in: 05 · Devices and checkpoints, section "Exercises".

Both checks follow :class:`helpers.checks.Exercise`: ``cases(seed)`` draws the test inputs,
``probe`` calls the learner's function and returns what it saw as plain data, ``judge``
computes the expected values itself (an uninterrupted run, the generator's draws) and compares.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from ..loader import make_loader
from . import Exercise, Mismatch, expect_number
from .nb05_batch_to import check_batch_to

__all__ = ["check_shuffled_batches", "check_make_checkpoint", "check_batch_to"]

# ------------------------------------------------------------------ exercise 1
_BATCHES_HINT = (
    "one epoch is one random order of all N indices, drawn once from the generator you were "
    "given (so that its seed reproduces it), then cut into consecutive pieces of B."
)


def _batches_cases(seed: int) -> list[dict[str, int]]:
    """(n, batch_size, generator seed, global seed): three fixed edge cases, then random ones."""
    rng = np.random.default_rng(seed)
    cases = [(10, 4), (5, 5), (3, 10)]  # a short last batch, one exact batch, B > N
    for _ in range(3):
        n = int(rng.integers(20, 300))
        cases.append((n, int(rng.integers(2, 41))))
    seeds = rng.integers(0, 2**31 - 1, size=(len(cases), 2)).tolist()
    return [
        {"n": n, "batch_size": b, "seed": s, "global_seed": g}
        for (n, b), (s, g) in zip(cases, seeds, strict=True)
    ]


def _index_lists(got: Any, what: str) -> list[list[int]]:
    """The learner's batches as lists of ints, or a Mismatch in the learner's terms."""
    if got is None:
        raise Mismatch(f"{what} returned None. End it by returning the list of batches.")
    for b in got if isinstance(got, (list, tuple)) else []:
        if isinstance(b, torch.Tensor) and (b.is_floating_point() or b.is_complex()):
            raise Mismatch(
                f"{what} returned batches of dtype {str(b.dtype).removeprefix('torch.')}: "
                "indices must be integers, or x[batch] fails.",
                hint="an index tensor holds whole numbers (int64): keep the dtype that the "
                "random order came in.",
            )
    try:
        return [[int(i) for i in torch.as_tensor(b).reshape(-1).tolist()] for b in got]
    except (TypeError, ValueError, RuntimeError):
        raise Mismatch(
            f"{what} should return a list of index tensors, got {type(got).__name__}."
        ) from None


def _batches_probe(fn: Callable[..., Any], cases: list[dict[str, int]]) -> list[list[list[int]]]:
    """Call ``fn`` once per case with a freshly seeded generator. The global random state is
    seeded too (so that the judge can recognise a draw from it), then put back as it was."""
    outputs = []
    saved = torch.get_rng_state()
    try:
        for c in cases:
            torch.manual_seed(c["global_seed"])
            got = fn(c["n"], c["batch_size"], torch.Generator().manual_seed(c["seed"]))
            outputs.append(_index_lists(got, f"shuffled_batches({c['n']}, {c['batch_size']}, ...)"))
    finally:
        torch.set_rng_state(saved)
    return outputs


def _draw(n: int, seed: int) -> list[int]:
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()


def _batches_judge(cases: list[dict[str, int]], outputs: list[list[list[int]]]) -> str:
    for c, batches in zip(cases, outputs, strict=True):
        n, b = c["n"], c["batch_size"]
        what = f"shuffled_batches({n}, {b}, ...)"
        sizes = [len(batch) for batch in batches]
        expected_sizes = [b] * (n // b) + ([n % b] if n % b else [])
        if sizes != expected_sizes:
            raise Mismatch(
                f"{what} gave batches of sizes {sizes[:8]}{' ...' if len(sizes) > 8 else ''}, "
                f"expected {expected_sizes[:8]}{' ...' if len(expected_sizes) > 8 else ''}.",
                hint="every batch holds B indices except the last, which holds what is left.",
            )
        flat = [i for batch in batches for i in batch]
        if sorted(flat) != list(range(n)):
            raise Mismatch(
                f"{what} must use every index 0..{n - 1} exactly once per epoch.",
                hint="draw one random order of all N indices (no repeats), then cut it.",
            )
        expected = _draw(n, c["seed"])
        if flat == expected:
            continue
        if n > 1 and flat == list(range(n)):
            raise Mismatch(
                f"{what} returned the indices in order.",
                hint="an epoch of a shuffling loader visits the samples in a random order.",
            )
        if flat == _draw(n, c["global_seed"]):
            raise Mismatch(
                f"{what} drew its order from torch's global random state, not from the "
                "generator passed in.",
                hint="a loader's own generator keeps its shuffle apart from every other random "
                "draw: ask the generator you were given for the random order.",
            )
        raise Mismatch(
            f"{what} is a valid shuffle, but not the order that one draw of a random "
            f"permutation from the given generator gives (it starts {expected[:5]}).",
        )
    return "one random order per epoch from the seeded generator, cut into batches of B."


#: Exercise 1: ``shuffled_batches(n, batch_size, generator) -> list of index tensors``.
check_shuffled_batches = Exercise(
    "Exercise 1 (shuffled_batches)",
    _BATCHES_HINT,
    cases=_batches_cases,
    probe=_batches_probe,
    judge=_batches_judge,
    seed=5,
)


# ------------------------------------------------------------------ exercise 2
_CHECKPOINT_HINT = (
    "a resumed run must continue exactly where the first one stopped: everything that changes "
    "from one epoch to the next (the parameters, what the optimizer remembers, where the "
    "learning-rate schedule is, where the shuffle is) and the epoch reached."
)
_KEYS = ("model", "optimizer", "scheduler", "epoch", "shuffle_state")
_MISSING = {
    "model": "without the parameters the resumed run starts from scratch.",
    "optimizer": "SGD with momentum keeps a velocity between steps; without it the first "
    "resumed steps differ.",
    "scheduler": "without the scheduler's state the resumed schedule starts again from the "
    "first epoch's learning rate.",
    "epoch": "without the epoch the resumed run does not know how many epochs are left.",
    "shuffle_state": "without the generator's state the resumed run reshuffles as if it "
    "were epoch 1, and sees other batches.",
}


def _checkpoint_cases(seed: int) -> list[dict[str, Any]]:
    """A run of a line with SGD + momentum and a StepLR schedule, stopped after a few epochs."""
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(2):
        n = int(rng.integers(24, 60))
        x = np.round(rng.uniform(-2, 2, n), 4)
        cases.append(
            {
                "x": x.tolist(),
                "y": np.round(1.5 + 2.0 * x + rng.normal(0, 0.3, n), 4).tolist(),
                "batch_size": int(rng.integers(4, 12)),
                "lr": float(rng.choice([0.02, 0.05, 0.1])),
                "momentum": 0.9,
                "step_size": int(rng.integers(1, 3)),
                "gamma": float(rng.choice([0.3, 0.5])),
                "init_seed": int(rng.integers(0, 2**31 - 1)),
                "loader_seed": int(rng.integers(0, 2**31 - 1)),
                "epochs_before": int(rng.integers(2, 4)),
                "epochs_after": 2,
            }
        )
    return cases


def _fresh(c: dict[str, Any]) -> tuple[nn.Module, torch.optim.Optimizer, Any, Any]:
    """The same fresh start every time: a line, SGD with momentum, a StepLR, a seeded loader."""
    torch.manual_seed(c["init_seed"])
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=c["lr"], momentum=c["momentum"])
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, c["step_size"], gamma=c["gamma"])
    x = torch.tensor(c["x"], dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(c["y"], dtype=torch.float32).unsqueeze(1)
    return model, optimizer, scheduler, make_loader(x, y, c["batch_size"], seed=c["loader_seed"])


def _epochs(model: nn.Module, optimizer: Any, scheduler: Any, loader: Any, n: int) -> list[float]:
    """``n`` epochs, the scheduler stepped after each; the learning rate each epoch used."""
    lrs = []
    for _ in range(n):
        lrs.append(float(optimizer.param_groups[0]["lr"]))
        for xb, yb in loader:
            loss = nn.functional.mse_loss(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()
    return lrs


def _parameters(model: nn.Module) -> list[float]:
    return [float(v) for p in model.parameters() for v in p.detach().reshape(-1)]


def _checkpoint_probe(fn: Callable[..., Any], cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stop a run, call ``fn`` for its checkpoint, save and load it safely, resume from it in
    fresh objects, and report what happened (the judge compares with an uninterrupted run)."""
    outputs: list[dict[str, Any]] = []
    for c in cases:
        model, optimizer, scheduler, loader = _fresh(c)
        _epochs(model, optimizer, scheduler, loader, c["epochs_before"])
        state = fn(model, optimizer, scheduler, c["epochs_before"], loader.generator)
        if state is None:
            raise Mismatch("your function returned None. End it by returning the dict.")
        if not isinstance(state, dict):
            raise Mismatch(f"return a dict, got {type(state).__name__}.")
        seen: dict[str, Any] = {"keys": sorted(str(k) for k in state)}
        outputs.append(seen)
        if any(k not in state for k in _KEYS):
            continue
        buffer = io.BytesIO()
        try:
            torch.save(state, buffer)
            buffer.seek(0)
            state = torch.load(buffer, weights_only=True)
        except Exception as exc:  # what cannot be loaded safely
            seen["save_error"] = type(exc).__name__
            continue
        shuffle = state["shuffle_state"]
        seen["shuffle_state"] = shuffle if isinstance(shuffle, torch.Tensor) else None
        epoch = state["epoch"]
        seen["epoch"] = epoch if isinstance(epoch, (int, float, torch.Tensor)) else repr(epoch)
        resumed, resumed_optimizer, resumed_scheduler, resumed_loader = _fresh(c)
        try:
            resumed.load_state_dict(state["model"])
            resumed_optimizer.load_state_dict(state["optimizer"])
            resumed_scheduler.load_state_dict(state["scheduler"])
            resumed_loader.generator.set_state(state["shuffle_state"])
        except Exception as exc:
            seen["restore_error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
            continue
        seen["lrs"] = _epochs(
            resumed, resumed_optimizer, resumed_scheduler, resumed_loader, c["epochs_after"]
        )
        seen["parameters"] = _parameters(resumed)
    return outputs


def _uninterrupted(c: dict[str, Any]) -> dict[str, Any]:
    """The run that never stopped: the generator's state at the stop, then the rest."""
    model, optimizer, scheduler, loader = _fresh(c)
    _epochs(model, optimizer, scheduler, loader, c["epochs_before"])
    where = loader.generator.get_state().numpy().copy()
    lrs = _epochs(model, optimizer, scheduler, loader, c["epochs_after"])
    return {"shuffle_state": where, "lrs": lrs, "parameters": _parameters(model)}


def _checkpoint_judge(cases: list[dict[str, Any]], outputs: list[dict[str, Any]]) -> str:
    for c, seen in zip(cases, outputs, strict=True):
        missing = [k for k in _KEYS if k not in seen["keys"]]
        if missing:
            raise Mismatch(f"the checkpoint has no {missing[0]!r}: {_MISSING[missing[0]]}")
        if "save_error" in seen:
            raise Mismatch(
                f"the checkpoint could not be saved and loaded safely ({seen['save_error']}).",
                hint="store states (tensors, numbers, dicts), not the objects themselves: a "
                "generator, an optimizer or a scheduler cannot be loaded with weights_only=True.",
            )
        if isinstance(seen["epoch"], str):
            raise Mismatch(f"the checkpoint's epoch should be a number, got {seen['epoch'][:40]}.")
        expect_number(seen["epoch"], c["epochs_before"], "the checkpoint's epoch")
        reference = _uninterrupted(c)
        shuffle = seen["shuffle_state"]
        if shuffle is None or not np.array_equal(np.asarray(shuffle), reference["shuffle_state"]):
            raise Mismatch(
                "the checkpoint's shuffle_state is not the state of the generator passed in.",
                hint="the loader shuffles with its own generator: save the state of the generator "
                "you were given, as it is when the checkpoint is made (not torch's global random "
                "state, nor a new generator's).",
            )
        if "restore_error" in seen:
            raise Mismatch(
                f"the checkpoint could not be restored ({seen['restore_error']}).",
                hint="each entry is a state as the object itself reports it, so that the same "
                "kind of object can load it back.",
            )
        if not np.allclose(seen["lrs"], reference["lrs"], rtol=1e-9, atol=0.0):
            raise Mismatch(
                f"after resuming, the learning rates of the next epochs were "
                f"{[float(f'{v:.4g}') for v in seen['lrs']]}; the uninterrupted run used "
                f"{[float(f'{v:.4g}') for v in reference['lrs']]}.",
                hint="the scheduler counts the epochs it has seen: that count is part of its "
                "state, and the resumed scheduler must get it back.",
            )
        if seen["parameters"] != reference["parameters"]:
            raise Mismatch(
                f"the resumed run ended with parameters {np.round(seen['parameters'], 6).tolist()}, "
                f"the uninterrupted one with {np.round(reference['parameters'], 6).tolist()}."
            )
    return "the resumed run, schedule included, matches the uninterrupted one bit for bit."


#: Exercise 2: ``make_checkpoint(model, optimizer, scheduler, epoch, generator) -> dict``.
check_make_checkpoint = Exercise(
    "Exercise 2 (make_checkpoint)",
    _CHECKPOINT_HINT,
    cases=_checkpoint_cases,
    probe=_checkpoint_probe,
    judge=_checkpoint_judge,
    seed=5,
)
