"""Checkpoints: save and load a training state safely, and where a shuffle had got to.

A checkpoint is a dict of tensors, numbers, lists and dicts written with ``torch.save``, so
``torch.load(path, weights_only=True)`` reads it back without running any code from the file.
``save_checkpoint`` moves every tensor to the CPU (a checkpoint written on a GPU loads
anywhere) and writes atomically: to a temporary file in the same folder, then renamed over
the old file in one step, so a crash mid-write never leaves a half-written checkpoint.

A loader's shuffle order comes from a ``torch.Generator``; ``generator_state`` and
``restore_generator`` save and restore where it is, so a resumed run draws the same batches
as an uninterrupted one.

The private part at the end is ``helpers.train``'s own checkpoint format: which keys it
holds, and how a run resumes from it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import torch
from torch import nn

from .validation import describe

__all__ = [
    "generator_state",
    "load_checkpoint",
    "open_atomically",
    "restore_generator",
    "save_checkpoint",
]

#: The keys of a checkpoint written by ``helpers.train``.
TRAIN_KEYS = (
    "model",
    "optimizer",
    "epoch",
    "history",
    "shuffle_state",
    "val_shuffle_state",
    "torch_rng_state",
)


# --------------------------------------------------------------------------- generic
def _to_cpu(obj: Any) -> Any:
    """``obj`` with every tensor in it (in nested dicts, lists, tuples) detached, on the CPU."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_cpu(v) for v in obj)
    return obj


def _check_path(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path must be a file path, got {describe(path)}. Pass e.g. 'checkpoints/run.pt'."
        )
    return Path(path)


@contextlib.contextmanager
def open_atomically(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """A file to write whose contents replace ``path`` only once the block ends without error.

    It is a temporary file beside ``path`` (created with the usual permissions), flushed to
    disk and then renamed over ``path`` in one step (``os.replace``); on any error, Ctrl+C
    included, it is removed and ``path`` keeps what it had. Missing folders are created.

    Taught in: 05 · Devices and checkpoints, section 6 (through ``save_checkpoint``), and
    07 · Scaling out with DistributedDataParallel, section 2 (rank 0's result file).

    Args:
        path: the file to write; mode: "wb" (bytes) or "w" (UTF-8 text).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0o022)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; give it the usual mode
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_checkpoint(state: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write ``state`` to ``path`` atomically, every tensor moved to the CPU first.

    The state goes to a temporary file beside ``path``, which is flushed to disk and then
    renamed over ``path`` in one step (``os.replace``): a crash mid-write leaves the
    previous checkpoint intact, never a truncated file. Missing folders are created.

    Taught in: 05 · Devices and checkpoints, section 6 (checkpoints: save, stop, resume).

    Args:
        state: a dict of tensors, numbers, strings, lists and dicts, e.g.
            ``{"model": model.state_dict(), "epoch": 3}``; tensors may live on any device.
        path: the file to write, e.g. ``"checkpoints/run.pt"``.

    Raises:
        TypeError: ``state`` is not a dict, or ``path`` is not a path.
    """
    if not isinstance(state, dict):
        raise TypeError(
            f"state must be a dict, got {describe(state)}. "
            f"Pass e.g. {{'model': model.state_dict(), 'epoch': epoch}}."
        )
    with open_atomically(_check_path(path), "wb") as f:
        torch.save(_to_cpu(state), f)


def load_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint`, onto the CPU.

    Uses ``torch.load(path, weights_only=True, map_location="cpu")``: only tensors, numbers,
    strings, lists and dicts are read, never code, so a file from elsewhere cannot run
    anything.

    Taught in: 05 · Devices and checkpoints, section 6 (checkpoints: save, stop, resume).

    Args:
        path: the checkpoint file.

    Returns:
        The saved dict, its tensors on the CPU (``model.load_state_dict`` moves them to the
        model's device).

    Raises:
        FileNotFoundError: there is no file at ``path``.
        ValueError: the file is not a readable checkpoint, or does not hold a dict.
    """
    path = _check_path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no checkpoint at {str(path)!r}. Check the path, or train first to write one."
        )
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:
        raise ValueError(
            f"{str(path)!r} exists but could not be read as a checkpoint "
            f"({type(exc).__name__}). Delete it, or pass another path."
        ) from exc
    if not isinstance(state, dict):
        raise ValueError(
            f"{str(path)!r} holds {describe(state)}, not a checkpoint dict. Pass another path."
        )
    return state


def generator_state(gen: torch.Generator | None) -> torch.Tensor:
    """The state of a shuffle generator, to store in a checkpoint.

    Taught in: 05 · Devices and checkpoints, section 6 (checkpoints: save, stop, resume).

    Args:
        gen: a ``torch.Generator`` (e.g. ``loader.generator``), or None for a loader that
            has none of its own.

    Returns:
        A uint8 tensor (``gen.get_state()``), empty (shape (0,)) for None.
    """
    if gen is None:
        return torch.empty(0, dtype=torch.uint8)
    if not isinstance(gen, torch.Generator):
        raise TypeError(f"gen must be a torch.Generator or None, got {describe(gen)}.")
    return gen.get_state()


def restore_generator(
    gen: torch.Generator | None, state: torch.Tensor, *, name: str = "loader"
) -> None:
    """Put a shuffle generator back where :func:`generator_state` found it.

    Taught in: 05 · Devices and checkpoints, section 6 (checkpoints: save, stop, resume).

    Args:
        gen: the ``torch.Generator`` to restore, or None.
        state: what ``generator_state`` returned (empty for a loader without a generator).
        name: how the loader is called, for the error message.

    Raises:
        ValueError: one of ``gen`` and ``state`` is empty and the other is not: the
            checkpoint was written with another kind of loader.
    """
    if gen is not None and state.numel():
        gen.set_state(state)
    elif gen is not None or state.numel():
        raise ValueError(
            f"the checkpoint was written with a {name} that "
            f"{'had' if state.numel() else 'had no'} shuffle generator of its own, "
            f"unlike this one. Resume with the same kind of loader, or delete the checkpoint."
        )


# --------------------------------------------------------------------------- helpers.train's format
def _shuffle_generator(loader: Any, name: str) -> torch.Generator | None:
    """The ``torch.Generator`` that drives a loader's shuffle, or None if it has none.

    ``make_loader`` (its dataset's and its own) and ``DataLoader(..., generator=g)`` have
    one; a ``DataLoader`` without one shuffles from the global random state, which the
    checkpoint saves as well.
    """
    found: list[torch.Generator] = []
    sampler = getattr(loader, "sampler", None)
    batch_sampler = getattr(loader, "batch_sampler", None)
    dataset = getattr(loader, "dataset", None)
    for owner in (loader, dataset, sampler, getattr(batch_sampler, "sampler", None)):
        gen = getattr(owner, "generator", None)
        if isinstance(gen, torch.Generator) and all(gen is not g for g in found):
            found.append(gen)
    if len(found) > 1:
        raise ValueError(
            f"{name} shuffles with {len(found)} different torch.Generators; a checkpoint can "
            f"restore one. Build the loader with make_loader."
        )
    return found[0] if found else None


def _train_state(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    epoch: int,
    history: dict[str, list[float]],
    generators: dict[str, torch.Generator | None],
) -> dict[str, Any]:
    """Everything ``helpers.train`` needs to resume after ``epoch`` (the keys ``TRAIN_KEYS``)."""
    return {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": epoch,
        "history": {k: list(v) for k, v in history.items()},
        "shuffle_state": generator_state(generators["train_loader"]),
        "val_shuffle_state": generator_state(generators["val_loader"]),
        "torch_rng_state": torch.get_rng_state(),
    }


def _load_train_state(path: Path, epochs: int, history: dict[str, list[float]]) -> dict[str, Any]:
    """Read a ``helpers.train`` checkpoint and check that it fits this run."""
    try:
        state = load_checkpoint(path)
    except ValueError as exc:
        raise ValueError(f"checkpoint_path={exc}") from exc
    if any(k not in state for k in TRAIN_KEYS):
        raise ValueError(
            f"checkpoint_path={str(path)!r} is not a checkpoint written by helpers.train "
            f"(expected the keys {', '.join(TRAIN_KEYS)}). Pass another checkpoint_path."
        )
    done = int(state["epoch"])
    if done > epochs:
        raise ValueError(
            f"the checkpoint at {str(path)!r} is already at epoch {done}, beyond epochs={epochs}. "
            f"epochs is the total to reach: pass epochs >= {done}, or delete the checkpoint."
        )
    if set(state["history"]) != set(history):
        raise ValueError(
            f"the checkpoint at {str(path)!r} holds {sorted(state['history'])} but this run "
            f"records {sorted(history)}. Pass the same val_loader as before, or delete the "
            f"checkpoint."
        )
    return state


def _resume(
    path: Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    generators: dict[str, torch.Generator | None],
    history: dict[str, list[float]],
    epochs: int,
) -> tuple[int, dict[str, list[float]]]:
    """Restore model, optimizer, shuffles and global RNG from ``path``; return (epoch, history)."""
    state = _load_train_state(path, epochs, history)
    try:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
    except (RuntimeError, ValueError, KeyError) as exc:
        raise ValueError(
            f"the checkpoint at {str(path)!r} does not fit this model or optimizer "
            f"({str(exc).splitlines()[0]}). Delete it, or pass another checkpoint_path."
        ) from exc
    restore_generator(generators["train_loader"], state["shuffle_state"], name="train_loader")
    restore_generator(generators["val_loader"], state["val_shuffle_state"], name="val_loader")
    torch.set_rng_state(state["torch_rng_state"])
    done = int(state["epoch"])
    print(f"train: resumed from the checkpoint at epoch {done} of {epochs}.")
    saved = state["history"]
    return done, {k: [float(v) for v in saved[k]] for k in history}
