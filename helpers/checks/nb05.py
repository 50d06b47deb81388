"""Checks for the exercises of notebook 05 (Devices and checkpoints).

Taught in: 05 · Devices and checkpoints, section "Exercises".
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from ..loader import make_loader
from . import CheckResult, Mismatch, expect_number, run_check

__all__ = ["check_shuffled_batches", "check_make_checkpoint"]

# ------------------------------------------------------------------ exercise 1
_BATCHES_HINT = (
    "one epoch is one random order of all N indices, drawn from the generator you were given, "
    "then cut into consecutive pieces of B."
)


def _as_batches(got: Any, what: str) -> list[torch.Tensor]:
    if got is None:
        raise Mismatch(f"{what} returned None. Replace the `...` and `return` the list.")
    try:
        return [torch.as_tensor(b) for b in got]
    except (TypeError, ValueError, RuntimeError):
        raise Mismatch(
            f"{what} should return a list of index tensors, got {type(got).__name__}."
        ) from None


def _check_one_epoch(fn: Callable[..., Any], n: int, batch_size: int, seed: int) -> None:
    what = f"shuffled_batches({n}, {batch_size}, ...)"
    batches = _as_batches(fn(n, batch_size, torch.Generator().manual_seed(seed)), what)
    sizes = [len(b) for b in batches]
    expected_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sizes != expected_sizes:
        raise Mismatch(
            f"{what} gave batches of sizes {sizes}, expected {expected_sizes}.",
            hint="every batch holds B indices except the last, which holds what is left.",
        )
    flat = torch.cat(batches).long() if batches else torch.empty(0, dtype=torch.long)
    if sorted(flat.tolist()) != list(range(n)):
        raise Mismatch(
            f"{what} must use every index 0..{n - 1} exactly once per epoch.",
            hint="draw one random order of all N indices (no repeats), then cut it.",
        )
    if n > 1 and torch.equal(flat, torch.arange(n)):
        raise Mismatch(
            f"{what} returned the indices in order.",
            hint="an epoch of a shuffling loader visits the samples in a random order.",
        )
    expected = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    if not torch.equal(flat, expected):
        raise Mismatch(
            f"{what} is a valid shuffle, but not the one the given generator draws, so a seed "
            f"would not reproduce it.",
            hint="take the randomness from the seeded generator passed in, not from the global "
            "random state or Python's random module.",
        )


def check_shuffled_batches(shuffled_batches: Callable[..., Any]) -> CheckResult:
    """Exercise 1: ``shuffled_batches(n, batch_size, generator) -> list of index tensors``."""

    def test(fn: Callable[..., Any]) -> str:
        for n, batch_size, seed in [(10, 4, 0), (200, 16, 1), (5, 5, 2), (3, 10, 3)]:
            _check_one_epoch(fn, n, batch_size, seed)
        return "one permutation per epoch from the seeded generator, cut into batches of B."

    return run_check("Exercise 1 (shuffled_batches)", shuffled_batches, test, _BATCHES_HINT)


# ------------------------------------------------------------------ exercise 2
_CHECKPOINT_HINT = (
    "a resumed run must continue exactly where the first one stopped: the parameters, what the "
    "optimizer remembers between steps, the epoch reached, and where the shuffle is."
)
_KEYS = ("model", "optimizer", "epoch", "shuffle_state")
_MISSING = {
    "model": "without the parameters the resumed run starts from scratch.",
    "optimizer": "SGD with momentum keeps a velocity between steps; without it the first "
    "resumed steps differ.",
    "epoch": "without the epoch the resumed run does not know how many epochs are left.",
    "shuffle_state": "without the generator's state the resumed run reshuffles as if it "
    "were epoch 1, and sees other batches.",
}


def _setup() -> tuple[nn.Module, torch.optim.Optimizer, Any]:
    """The same fresh start every time: a line, SGD with momentum, a seeded loader."""
    torch.manual_seed(0)
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x = torch.linspace(-2, 2, 40).unsqueeze(1)
    loader = make_loader(x, 1.5 + 2.0 * x + 0.1 * torch.sin(7 * x), 8, seed=3)
    return model, optimizer, loader


def _epochs(model: nn.Module, optimizer: torch.optim.Optimizer, loader: Any, n: int) -> None:
    for _ in range(n):
        for xb, yb in loader:
            loss = nn.functional.mse_loss(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def _saved(state: Any) -> dict[str, Any]:
    """The checkpoint after a round trip through torch.save / torch.load(weights_only=True)."""
    if not isinstance(state, dict):
        raise Mismatch(f"return a dict, got {type(state).__name__}.")
    missing = [k for k in _KEYS if k not in state]
    if missing:
        raise Mismatch(f"the checkpoint has no {missing[0]!r}: {_MISSING[missing[0]]}")
    buffer = io.BytesIO()
    try:
        torch.save(state, buffer)
        buffer.seek(0)
        return torch.load(buffer, weights_only=True)
    except Exception as exc:
        raise Mismatch(
            f"the checkpoint could not be saved and loaded safely ({type(exc).__name__}).",
            hint="store states (tensors, numbers, dicts), not the objects themselves: a "
            "generator or an optimizer cannot be loaded with weights_only=True.",
        ) from None


def _restore(state: dict[str, Any]) -> tuple[nn.Module, torch.optim.Optimizer, Any]:
    model, optimizer, loader = _setup()
    try:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        loader.generator.set_state(state["shuffle_state"])
    except Exception as exc:
        raise Mismatch(
            f"the checkpoint could not be restored ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:120]}).",
            hint="each entry is a state as the object itself reports it, so that the same kind "
            "of object can load it back.",
        ) from None
    return model, optimizer, loader


def check_make_checkpoint(make_checkpoint: Callable[..., Any]) -> CheckResult:
    """Exercise 2: ``make_checkpoint(model, optimizer, epoch, generator) -> dict``."""

    def test(fn: Callable[..., Any]) -> str:
        model, optimizer, loader = _setup()
        _epochs(model, optimizer, loader, 2)
        where = loader.generator.get_state()
        state = _saved(fn(model, optimizer, 2, loader.generator))
        expect_number(state["epoch"], 2, "the checkpoint's epoch")
        shuffle = state["shuffle_state"]
        if not isinstance(shuffle, torch.Tensor) or not torch.equal(shuffle, where):
            raise Mismatch(
                "the checkpoint's shuffle_state is not the state of the generator passed in.",
                hint="the loader shuffles with its own generator, not with torch's global random "
                "state: save the state of the generator you were given.",
            )
        _epochs(model, optimizer, loader, 2)  # the uninterrupted run goes on to epoch 4
        resumed, resumed_optimizer, resumed_loader = _restore(state)
        _epochs(resumed, resumed_optimizer, resumed_loader, 2)
        if not all(
            torch.equal(p, q) for p, q in zip(model.parameters(), resumed.parameters(), strict=True)
        ):
            raise Mismatch(
                "the resumed run ended with other parameters than the uninterrupted one."
            )
        return "the resumed run matches the uninterrupted one, bit for bit."

    return run_check("Exercise 2 (make_checkpoint)", make_checkpoint, test, _CHECKPOINT_HINT)
