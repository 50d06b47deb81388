"""Fast minibatches and a training loop with validation, checkpoints and a divergence guard.

``make_loader`` is a real ``torch.utils.data.DataLoader`` that shuffles a whole epoch with one
tensor index and hands out slices of it, instead of indexing and collating one sample at a
time in Python as ``DataLoader(TensorDataset(x, y), batch_size=..., shuffle=True)`` does. Its shuffle comes
from its own seeded ``torch.Generator`` (``loader.generator``), so the same seed gives the
same batches and a checkpoint can save and restore where the shuffle was.

``train`` is the loop written by hand in notebook 04: the five steps for every batch, the
epoch loss weighted by batch size, an optional validation pass under ``model.eval()`` and
``torch.no_grad()``, and optional checkpoints from which an interrupted run resumes
bit-identically.

Data conventions: x is (N,) or (N, d), y is (N,) or (N, k); a 1-D x or y becomes one column
(N, 1), since that is unambiguous and avoids the silent (N,) vs (N, 1) broadcast in the loss.
Integer and boolean data are converted to float32 rather than rejected (the intent is clear,
and ``helpers.validation`` treats them the same way); so is float64 data, the dtype
``nn.Linear`` does not accept by default. Strings, complex numbers, NaN, inf and empty data are
rejected with a message that names the argument and the fix.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, IterableDataset

from .device import _resolve
from .validation import check_positive_int, check_same_length, describe, to_numpy

__all__ = ["make_loader", "train", "ShuffledTensorBatches"]

CHECKPOINT_KEYS = (
    "model",
    "optimizer",
    "epoch",
    "history",
    "shuffle_state",
    "val_shuffle_state",
    "torch_rng_state",
)


# --------------------------------------------------------------------------- input checks
def _as_float32(value: Any, name: str) -> torch.Tensor:
    """Validate data and return it as a float32 tensor of shape (N, d) (1-D input gets d=1)."""
    if isinstance(value, torch.Tensor):
        tensor = value.detach()
        if tensor.is_complex():
            raise TypeError(
                f"{name} must hold real numbers, got {describe(value)}. "
                f"Take the real part first, e.g. {name}.real."
            )
        if tensor.numel() == 0:
            raise ValueError(f"{name} is empty ({describe(value)}). Pass at least one sample.")
    else:
        # Strings, ragged lists, objects, empty data and NaN are rejected here, by name.
        tensor = torch.from_numpy(to_numpy(value, name))
    tensor = tensor.to(torch.float32)
    if tensor.ndim == 0 or tensor.ndim > 2:
        raise ValueError(
            f"{name} must have shape (N,) or (N, d), got shape {tuple(tensor.shape)}. "
            f"Use one row per sample, e.g. {name}.reshape(len({name}), -1)."
        )
    if tensor.ndim == 1:
        tensor = tensor.unsqueeze(1)  # (N,) means one value per sample: make it (N, 1)
    finite = torch.isfinite(tensor)
    if not bool(finite.all()):
        bad = int(tensor.numel() - int(finite.sum()))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s) (as float32). Remove them first, "
            f"e.g. keep = torch.isfinite({name}).all(dim=1)."
        )
    return tensor


# --------------------------------------------------------------------------- the fast loader
class ShuffledTensorBatches(IterableDataset):
    """In-memory tensors served a whole batch at a time, reshuffled every epoch.

    Each ``iter()`` (each epoch) draws one ``torch.randperm`` from ``generator``, gathers the
    whole epoch in that order with one tensor index (``x[perm]``, ``y[perm]``), and yields
    consecutive slices of it, which are views, not copies. That is the whole cost of
    shuffling: no per-sample ``__getitem__``, no collate, no per-batch gather. It holds one
    shuffled copy of the data during an epoch. Saving ``generator.get_state()`` between
    epochs saves where the shuffle is.

    Args:
        x: (N, d) tensor; y: (N, k) tensor on the same device.
        batch_size: B (the last batch has N mod B samples if B does not divide N).
        shuffle: permute every epoch (True) or keep the stored order (False).
        generator: the CPU ``torch.Generator`` the permutations come from.
    """

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        batch_size: int,
        *,
        shuffle: bool,
        generator: torch.Generator,
    ) -> None:
        if len(x) != len(y):
            raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}.")
        self.x, self.y = x, y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self) -> int:
        """The number of batches per epoch, ceil(N / B)."""
        return math.ceil(len(self.x) / self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        x, y = self.x, self.y
        if self.shuffle:
            perm = torch.randperm(len(x), generator=self.generator).to(x.device)
            x, y = x[perm], y[perm]
        return zip(x.split(self.batch_size), y.split(self.batch_size), strict=True)


def make_loader(
    x: Any,
    y: Any,
    batch_size: int,
    *,
    shuffle: bool = True,
    seed: int = 0,
    device: str | torch.device | None = None,
) -> DataLoader:
    """A ``DataLoader`` over in-memory data that draws whole shuffled batches at once.

    Equivalent in what it yields to ``DataLoader(TensorDataset(x, y), batch_size,
    shuffle=shuffle)``, but its dataset (:class:`ShuffledTensorBatches`) shuffles a whole
    epoch with one tensor index and yields slices of it (``batch_size=None``: no per-sample
    ``__getitem__`` and collate), so it is many times faster on tensors that fit in memory,
    and the data can stay on the GPU. It keeps one shuffled copy of the data per epoch.

    Args:
        x: (N,) or (N, d) features: tensor, NumPy array or list.
        y: (N,) or (N, k) targets. 1-D x or y becomes (N, 1). Everything becomes float32.
        batch_size: B >= 1 (B >= N gives one full batch per epoch).
        shuffle: a new permutation every epoch (True) or the stored order (False).
        seed: seeds the loader's own ``torch.Generator``: the same seed gives the same
            batches, and the global random state is left alone.
        device: where the data and the batches live ("cpu", "cuda", a ``torch.device``);
            None keeps x where it is (NumPy data goes to the CPU).

    Returns:
        A ``torch.utils.data.DataLoader`` yielding ``(xb, yb)`` of shapes (B, d), (B, k).
        ``loader.generator`` is its shuffle generator (``train`` checkpoints its state).

    Example:
        >>> loader = make_loader(torch.arange(10.0), 2 * torch.arange(10.0), 4, seed=0)
        >>> [len(xb) for xb, yb in loader]
        [4, 4, 2]
    """
    batch_size = check_positive_int(batch_size, "batch_size", example="batch_size=32")
    seed = check_positive_int(seed, "seed", minimum=0, example="seed=0")
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle must be True or False, got {describe(shuffle)}.")
    xs = _as_float32(x, "x")
    ys = _as_float32(y, "y")
    check_same_length(x, y, len(xs), len(ys))
    target = xs.device if device is None else _resolve(device, "device")
    xs, ys = xs.to(target), ys.to(target)
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        ShuffledTensorBatches(xs, ys, batch_size, shuffle=shuffle, generator=generator),
        batch_size=None,  # the dataset already yields whole batches: no per-sample collate
        num_workers=0,  # the data is in memory (maybe on a GPU): workers would only copy it
        generator=generator,  # DataLoader draws a seed from it per epoch, not from the global RNG
    )


# --------------------------------------------------------------------------- training
def _shuffle_generator(loader: Any, name: str) -> torch.Generator | None:
    """The ``torch.Generator`` that drives a loader's shuffle, or None if it has none.

    ``make_loader`` (its dataset's and its own) and ``DataLoader(..., generator=g)`` have one; a ``DataLoader`` without
    a generator shuffles from the global random state, which the checkpoint saves as well.
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


def _generator_state(gen: torch.Generator | None) -> torch.Tensor:
    return gen.get_state() if gen is not None else torch.empty(0, dtype=torch.uint8)


def _restore_generator(
    gen: torch.Generator | None, state: torch.Tensor, name: str, path: Path
) -> None:
    if gen is not None and state.numel():
        gen.set_state(state)
    elif gen is not None or state.numel():
        raise ValueError(
            f"the checkpoint at {str(path)!r} was written with a {name} that "
            f"{'had' if state.numel() else 'had no'} shuffle generator of its own, "
            f"unlike this one. Resume with the same kind of loader, or delete the checkpoint."
        )


def _to_cpu(obj: Any) -> Any:
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_cpu(v) for v in obj]
    return obj


def _save_atomically(state: dict[str, Any], path: Path) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path`` in one step.

    A crash mid-write leaves the previous checkpoint intact instead of a truncated file.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _batch(batch: Any, device: torch.device, dtype: torch.dtype, loader_name: str) -> tuple:
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise TypeError(
            f"{loader_name} must yield (xb, yb) pairs, got {describe(batch)}. "
            f"Use make_loader(x, y, batch_size) or DataLoader(TensorDataset(x, y), ...)."
        )
    out = []
    for name, t in zip(("xb", "yb"), batch, strict=True):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{loader_name} yielded {name} as {describe(t)}; expected a tensor.")
        if t.is_floating_point() and t.dtype != dtype:
            raise TypeError(
                f"{loader_name} yielded {name} as {describe(t)}, but the model's parameters are "
                f"{str(dtype).removeprefix('torch.')}. Convert the data, e.g. x.float(), "
                f"or use make_loader, which does."
            )
        if not t.is_floating_point():
            if t.is_complex():
                raise TypeError(
                    f"{loader_name} yielded {name} as {describe(t)}; expected real numbers."
                )
            t = t.to(dtype)  # integer or boolean data: the intent is unambiguous
        out.append(t.to(device))
    return out[0], out[1]


def _match_target(pred: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
    """Give the targets the prediction's shape when only (B,) vs (B, 1) differs.

    Without this, ``MSELoss`` would broadcast (B, 1) against (B,) to (B, B) and train on the
    wrong loss (torch only warns).
    """
    if pred.shape == yb.shape:
        return yb
    column = {(len(yb),), (len(yb), 1)}
    if pred.numel() == yb.numel() and tuple(pred.shape) in column and tuple(yb.shape) in column:
        return yb.reshape(pred.shape)
    raise ValueError(
        f"the model's output has shape {tuple(pred.shape)} but the targets yb have shape "
        f"{tuple(yb.shape)}. The loss would broadcast them; make them match, e.g. y.reshape(-1, 1)."
    )


def _loss_value(loss: Any) -> float:
    """The batch loss as a Python float (one device sync per batch)."""
    if not isinstance(loss, torch.Tensor) or loss.ndim != 0:
        raise ValueError(
            f"loss_fn must return one number per batch, got {describe(loss)}. "
            f"Use a loss with reduction='mean', e.g. nn.MSELoss()."
        )
    return loss.item()


def _weighted(value: float, batch_len: int, reduction: str) -> float:
    """A batch's share of the epoch total: mean loss * batch size (a 'sum' loss already is)."""
    return value * batch_len if reduction == "mean" else value


def _evaluate(
    model: nn.Module,
    loader: Any,
    loss_fn: Any,
    device: torch.device,
    dtype: torch.dtype,
    reduction: str,
) -> float:
    model.eval()  # layers such as dropout switch to inference behaviour
    total, count = 0.0, 0
    with torch.no_grad():  # no graph is built: faster, and nothing to backpropagate by mistake
        for batch in loader:
            xb, yb = _batch(batch, device, dtype, "val_loader")
            pred = model(xb)
            loss = loss_fn(pred, _match_target(pred, yb))
            total += _weighted(_loss_value(loss), len(xb), reduction)
            count += len(xb)
    model.train()
    if count == 0:
        raise ValueError("val_loader yielded no batches. Give it at least one sample.")
    return total / count


def _load_checkpoint(path: Path) -> dict[str, Any]:
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:
        raise ValueError(
            f"checkpoint_path={str(path)!r} exists but could not be read as a checkpoint "
            f"({type(exc).__name__}). Delete it, or pass another checkpoint_path."
        ) from exc
    if not isinstance(state, dict) or any(k not in state for k in CHECKPOINT_KEYS):
        raise ValueError(
            f"checkpoint_path={str(path)!r} is not a checkpoint written by helpers.train "
            f"(expected the keys {', '.join(CHECKPOINT_KEYS)}). Pass another checkpoint_path."
        )
    return state


def train(
    model: nn.Module,
    loss_fn: Any,
    optimizer: torch.optim.Optimizer,
    train_loader: Any,
    epochs: int,
    *,
    val_loader: Any = None,
    device: str | torch.device | None = None,
    checkpoint_path: str | os.PathLike[str] | None = None,
) -> dict[str, list[float]]:
    """Train for ``epochs`` epochs (in total) with the five steps on every minibatch.

    Each epoch: ``model.train()``; for each batch (xb, yb): predict, compute the loss,
    zero the gradients, backpropagate, step. The epoch's training loss is weighted by batch
    size, ``sum(loss_b * len_b) / N``, so a small last batch counts for what it holds. With a
    ``val_loader``, the validation loss is computed the same way under ``model.eval()`` and
    ``torch.no_grad()``.

    Args:
        model: an ``nn.Module``; it is moved to ``device`` if one is given.
        loss_fn: e.g. ``nn.MSELoss()`` (reduction "mean" or "sum"), called as
            ``loss_fn(prediction, yb)``. Targets of shape (B,) for a (B, 1) prediction (or
            the reverse) are reshaped to match.
        optimizer: a ``torch.optim`` optimizer over ``model.parameters()``.
        train_loader: yields ``(xb, yb)`` with xb (B, d) and yb (B, k) or (B,), e.g.
            ``make_loader`` or a ``DataLoader``. Integer batches are converted to the
            model's dtype.
        epochs: the total number of epochs to reach (>= 0). With a checkpoint at epoch k,
            only epochs k+1 ... ``epochs`` run, so a run stopped after 2 of 4 epochs is
            finished by calling ``train`` again with ``epochs=4``.
        val_loader: optional loader of held-out (xb, yb) pairs.
        device: where to train; None uses the device of the model's parameters. Batches are
            moved there (a no-op for a loader whose data already lives there).
        checkpoint_path: if given, a checkpoint is written there after every epoch (to a
            temporary file in the same folder, then renamed over the old one), and if the
            file exists the run resumes from it. It holds only tensors, numbers, lists and
            dicts, so ``torch.load(path, weights_only=True)`` reads it: the model and
            optimizer ``state_dict()``s, ``epoch``, ``history``, the train loader's shuffle
            generator state ``shuffle_state`` (a uint8 tensor, empty if the loader has no
            generator of its own), the same for the validation loader
            (``val_shuffle_state``) and the global ``torch_rng_state``. A resumed run ends
            bit-identical to an uninterrupted one.

    Returns:
        ``{"train_loss": [...]}`` with one float per epoch, plus ``"val_loss"`` when a
        ``val_loader`` is given (the full history when resuming).

    Raises:
        TypeError, ValueError: bad arguments, with the argument's name and the fix.
        FloatingPointError: the training loss became NaN or inf; the message names the
            epoch and batch and suggests a smaller learning rate. Training stops before the
            bad step, and the last checkpoint (if any) stays as it was.
    """
    # ---- check the arguments before touching anything
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"model must be an nn.Module, got {describe(model)}. Pass e.g. nn.Linear(1, 1)."
        )
    params = list(model.parameters())
    if not params:
        raise ValueError("model has no parameters to train. Give it at least one nn.Parameter.")
    if not callable(loss_fn):
        raise TypeError(
            f"loss_fn must be callable, got {describe(loss_fn)}. Pass e.g. nn.MSELoss()."
        )
    reduction = getattr(loss_fn, "reduction", "mean")
    if reduction not in ("mean", "sum"):
        raise ValueError(
            f"loss_fn has reduction={reduction!r}; train needs one number per batch. "
            f"Use reduction='mean', e.g. nn.MSELoss()."
        )
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim optimizer, got {describe(optimizer)}. "
            f"Pass e.g. torch.optim.SGD(model.parameters(), lr=0.1)."
        )
    owned = {id(p) for p in params}
    if not any(id(p) in owned for g in optimizer.param_groups for p in g["params"]):
        raise ValueError(
            "optimizer does not update any of model's parameters, so nothing would learn. "
            "Create it from this model: torch.optim.SGD(model.parameters(), lr=0.1)."
        )
    epochs = check_positive_int(epochs, "epochs", minimum=0, example="epochs=10")
    for name, loader in (("train_loader", train_loader), ("val_loader", val_loader)):
        if loader is None and name == "val_loader":
            continue
        if not hasattr(loader, "__iter__"):
            raise TypeError(
                f"{name} must be an iterable of (xb, yb) batches, got {describe(loader)}. "
                f"Use make_loader(x, y, batch_size)."
            )
        if hasattr(loader, "__len__") and len(loader) == 0:
            raise ValueError(f"{name} has no batches: its dataset is empty. Give it data.")
    if device is None:
        target = params[0].device
    else:
        target = _resolve(device, "device")
        model.to(target)
    dtype = params[0].dtype
    n_batches = len(train_loader) if hasattr(train_loader, "__len__") else None

    history: dict[str, list[float]] = {"train_loss": []}
    if val_loader is not None:
        history["val_loss"] = []
    start = 0
    path = None
    if checkpoint_path is not None:
        if not isinstance(checkpoint_path, (str, os.PathLike)):
            raise TypeError(
                f"checkpoint_path must be a file path or None, got {describe(checkpoint_path)}. "
                f"Pass e.g. checkpoint_path='checkpoints/run.pt'."
            )
        generators = {
            "train_loader": _shuffle_generator(train_loader, "train_loader"),
            "val_loader": _shuffle_generator(val_loader, "val_loader"),
        }
        path = Path(checkpoint_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            start, history = _resume(path, model, optimizer, generators, history, epochs)

    # ---- the loop
    for epoch in range(start + 1, epochs + 1):
        model.train()
        total, count = 0.0, 0
        for b, batch in enumerate(train_loader, start=1):
            xb, yb = _batch(batch, target, dtype, "train_loader")
            pred = model(xb)  # 2. predict
            loss = loss_fn(pred, _match_target(pred, yb))  # 3. loss
            value = _loss_value(loss)
            if not math.isfinite(value):
                _diverged(value, epoch, b, n_batches, optimizer, saving=path is not None)
            optimizer.zero_grad()
            loss.backward()  # 4. gradients
            optimizer.step()  # 5. update
            total += _weighted(value, len(xb), reduction)  # weight by batch size
            count += len(xb)
        if count == 0:
            raise ValueError("train_loader yielded no batches. Give it at least one sample.")
        history["train_loss"].append(total / count)
        if val_loader is not None:
            history["val_loss"].append(
                _evaluate(model, val_loader, loss_fn, target, dtype, reduction)
            )
        if path is not None:
            state = {
                "model": _to_cpu(model.state_dict()),
                "optimizer": _to_cpu(optimizer.state_dict()),
                "epoch": epoch,
                "history": {k: list(v) for k, v in history.items()},
                "shuffle_state": _generator_state(generators["train_loader"]),
                "val_shuffle_state": _generator_state(generators["val_loader"]),
                "torch_rng_state": torch.get_rng_state(),
            }
            _save_atomically(state, path)
    return history


def _resume(
    path: Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    generators: dict[str, torch.Generator | None],
    history: dict[str, list[float]],
    epochs: int,
) -> tuple[int, dict[str, list[float]]]:
    state = _load_checkpoint(path)
    done = int(state["epoch"])
    if done > epochs:
        raise ValueError(
            f"the checkpoint at {str(path)!r} is already at epoch {done}, beyond epochs={epochs}. "
            f"epochs is the total to reach: pass epochs >= {done}, or delete the checkpoint."
        )
    saved = state["history"]
    if set(saved) != set(history):
        raise ValueError(
            f"the checkpoint at {str(path)!r} holds {sorted(saved)} but this run records "
            f"{sorted(history)}. Pass the same val_loader as before, or delete the checkpoint."
        )
    try:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
    except (RuntimeError, ValueError, KeyError) as exc:
        raise ValueError(
            f"the checkpoint at {str(path)!r} does not fit this model or optimizer "
            f"({str(exc).splitlines()[0]}). Delete it, or pass another checkpoint_path."
        ) from exc
    _restore_generator(generators["train_loader"], state["shuffle_state"], "train_loader", path)
    _restore_generator(generators["val_loader"], state["val_shuffle_state"], "val_loader", path)
    torch.set_rng_state(state["torch_rng_state"])
    print(f"train: resumed from the checkpoint at epoch {done} of {epochs}.")
    return done, {k: [float(v) for v in saved[k]] for k in history}


def _diverged(
    value: float,
    epoch: int,
    batch: int,
    n_batches: int | None,
    optimizer: torch.optim.Optimizer,
    *,
    saving: bool,
) -> None:
    lr = optimizer.param_groups[0].get("lr")
    where = f"batch {batch} of {n_batches}" if n_batches else f"batch {batch}"
    advice = (
        f"Try a smaller learning rate (lr is {float(lr):g}; try {float(lr) / 10:g})"
        if isinstance(lr, (int, float, torch.Tensor))
        else "Try a smaller learning rate"
    )
    kept = ""
    if saving:
        kept = (
            f" The checkpoint still holds epoch {epoch - 1}."
            if epoch > 1
            else " No checkpoint was written."
        )
    raise FloatingPointError(
        f"the training loss became {value} at epoch {epoch}, {where}: the updates are "
        f"overshooting and growing. Training stopped before that step. {advice}.{kept}"
    )
