"""The training loop of notebook 04 as one call: ``train``.

``train`` runs the five steps for every batch, weights the epoch loss by batch size, adds an
optional validation pass under ``model.eval()`` and ``torch.no_grad()``, and optionally writes
a checkpoint after every epoch (``helpers.checkpoint``) from which an interrupted run resumes
bit-identically. It reads as a short loop over named steps: check the arguments, then per
epoch ``_train_epoch``, ``_evaluate`` and ``_save_checkpoint``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .checkpoint import _resume, _shuffle_generator, _train_state, save_checkpoint
from .device import resolve_device
from .loader import ShuffledTensorBatches, make_loader
from .validation import check_non_negative_int, describe

# make_loader and ShuffledTensorBatches live in helpers.loader; they were defined here before,
# so `from helpers.training import make_loader` keeps working.
__all__ = ["train", "make_loader", "ShuffledTensorBatches"]


@dataclass(frozen=True)
class _Run:
    """What every step of one ``train`` call needs: the model and how to feed and update it."""

    model: nn.Module
    loss_fn: Any
    optimizer: torch.optim.Optimizer
    device: torch.device
    dtype: torch.dtype
    reduction: str  # the loss's reduction: "mean" or "sum"


# --------------------------------------------------------------------------- argument checks
def _check_model_and_optimizer(model: Any, optimizer: Any) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"model must be an nn.Module, got {describe(model)}. Pass e.g. nn.Linear(1, 1)."
        )
    owned = {id(p) for p in model.parameters()}
    if not owned:
        raise ValueError("model has no parameters to train. Give it at least one nn.Parameter.")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim optimizer, got {describe(optimizer)}. "
            f"Pass e.g. torch.optim.SGD(model.parameters(), lr=0.1)."
        )
    if not any(id(p) in owned for g in optimizer.param_groups for p in g["params"]):
        raise ValueError(
            "optimizer does not update any of model's parameters, so nothing would learn. "
            "Create it from this model: torch.optim.SGD(model.parameters(), lr=0.1)."
        )


def _check_loss_fn(loss_fn: Any) -> str:
    """Return the loss's reduction ("mean" or "sum"), or raise."""
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
    return reduction


def _check_loader(loader: Any, name: str) -> None:
    if not hasattr(loader, "__iter__"):
        raise TypeError(
            f"{name} must be an iterable of (xb, yb) batches, got {describe(loader)}. "
            f"Use make_loader(x, y, batch_size)."
        )
    if hasattr(loader, "__len__") and len(loader) == 0:
        raise ValueError(f"{name} has no batches: its dataset is empty. Give it data.")


def _check_train_args(
    model: Any,
    loss_fn: Any,
    optimizer: Any,
    loaders: dict[str, Any],
    epochs: Any,
    checkpoint_path: Any,
) -> tuple[int, str]:
    """Check every argument before touching anything; return (epochs, the loss's reduction)."""
    _check_model_and_optimizer(model, optimizer)
    reduction = _check_loss_fn(loss_fn)
    epochs = check_non_negative_int(epochs, "epochs", example="epochs=10")
    for name, loader in loaders.items():
        if loader is not None or name == "train_loader":
            _check_loader(loader, name)
    if checkpoint_path is not None and not isinstance(checkpoint_path, (str, os.PathLike)):
        raise TypeError(
            f"checkpoint_path must be a file path or None, got {describe(checkpoint_path)}. "
            f"Pass e.g. checkpoint_path='checkpoints/run.pt'."
        )
    return epochs, reduction


# --------------------------------------------------------------------------- one batch
def _batch(batch: Any, device: torch.device, dtype: torch.dtype, loader_name: str) -> tuple:
    """A loader's ``(xb, yb)`` checked, in the model's dtype, on ``device``."""
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise TypeError(
            f"{loader_name} must yield (xb, yb) pairs, got {describe(batch)}. "
            f"Use make_loader(x, y, batch_size) or DataLoader(TensorDataset(x, y), ...)."
        )
    return tuple(
        _batch_tensor(t, name, device, dtype, loader_name)
        for name, t in zip(("xb", "yb"), batch, strict=True)
    )


def _batch_tensor(
    t: Any, name: str, device: torch.device, dtype: torch.dtype, loader_name: str
) -> torch.Tensor:
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{loader_name} yielded {name} as {describe(t)}; expected a tensor.")
    if t.is_complex():
        raise TypeError(f"{loader_name} yielded {name} as {describe(t)}; expected real numbers.")
    if t.is_floating_point() and t.dtype != dtype:
        raise TypeError(
            f"{loader_name} yielded {name} as {describe(t)}, but the model's parameters are "
            f"{str(dtype).removeprefix('torch.')}. Convert the data, e.g. x.float(), "
            f"or use make_loader, which does."
        )
    # integer or boolean data become the model's dtype: the intent is unambiguous
    return t.to(device=device, dtype=dtype)


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


def _batch_loss(run: _Run, batch: Any, loader_name: str) -> tuple[torch.Tensor, float, int]:
    """Steps 2 and 3 on one batch: (the loss tensor, its value, the batch size)."""
    xb, yb = _batch(batch, run.device, run.dtype, loader_name)
    pred = run.model(xb)  # 2. predict
    loss = run.loss_fn(pred, _match_target(pred, yb))  # 3. loss
    return loss, _loss_value(loss), len(xb)


def _weighted(value: float, batch_len: int, reduction: str) -> float:
    """A batch's share of the epoch total: mean loss * batch size (a 'sum' loss already is)."""
    return value * batch_len if reduction == "mean" else value


# --------------------------------------------------------------------------- one epoch
def _diverged(
    value: float, epoch: int, batch: int, loader: Any, optimizer: Any, *, saving: bool
) -> FloatingPointError:
    """The error for a NaN or infinite training loss: where, and what to try."""
    lr = optimizer.param_groups[0].get("lr")
    where = f"batch {batch} of {len(loader)}" if hasattr(loader, "__len__") else f"batch {batch}"
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
    return FloatingPointError(
        f"the training loss became {value} at epoch {epoch}, {where}: the updates are "
        f"overshooting and growing. Training stopped before that step. {advice}.{kept}"
    )


def _train_epoch(run: _Run, loader: Any, epoch: int, *, saving: bool) -> float:
    """One pass of the five steps over ``loader``; the loss weighted by batch size."""
    run.model.train()
    total, count = 0.0, 0
    for b, batch in enumerate(loader, start=1):
        loss, value, n = _batch_loss(run, batch, "train_loader")  # 2. predict, 3. loss
        if not math.isfinite(value):
            raise _diverged(value, epoch, b, loader, run.optimizer, saving=saving)
        run.optimizer.zero_grad()
        loss.backward()  # 4. gradients
        run.optimizer.step()  # 5. update
        total += _weighted(value, n, run.reduction)
        count += n
    if count == 0:
        raise ValueError("train_loader yielded no batches. Give it at least one sample.")
    return total / count


def _evaluate(run: _Run, loader: Any) -> float:
    """The loss over ``loader`` under ``model.eval()`` and ``torch.no_grad()``."""
    run.model.eval()  # layers such as dropout switch to inference behaviour
    total, count = 0.0, 0
    with torch.no_grad():  # no graph is built: faster, and nothing to backpropagate by mistake
        for batch in loader:
            _, value, n = _batch_loss(run, batch, "val_loader")
            total += _weighted(value, n, run.reduction)
            count += n
    run.model.train()
    if count == 0:
        raise ValueError("val_loader yielded no batches. Give it at least one sample.")
    return total / count


def _save_checkpoint(
    path: Path,
    run: _Run,
    epoch: int,
    history: dict[str, list[float]],
    generators: dict[str, torch.Generator | None],
) -> None:
    save_checkpoint(_train_state(run.model, run.optimizer, epoch, history, generators), path)


def _place(model: nn.Module, device: Any) -> torch.device:
    """Where to train: ``device`` (the model is moved there) or where the model already is."""
    if device is None:
        return next(model.parameters()).device
    target = resolve_device(device, "device")
    model.to(target)
    return target


# --------------------------------------------------------------------------- train
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

    Taught in: 04 · Dataset and DataLoader, section 6 (handing the loop to helpers.train);
    its ``device`` and ``checkpoint_path`` in 05 · Devices and checkpoints, sections 3 and 6.

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
        checkpoint_path: if given, a checkpoint is written there after every epoch (with
            ``helpers.checkpoint.save_checkpoint``: atomically), and if the file exists the
            run resumes from it. It holds only tensors, numbers, lists and dicts, so
            ``torch.load(path, weights_only=True)`` reads it: the model and optimizer
            ``state_dict()``s, ``epoch``, ``history``, the train loader's shuffle generator
            state ``shuffle_state`` (a uint8 tensor, empty if the loader has no generator
            of its own), the same for the validation loader (``val_shuffle_state``) and the
            global ``torch_rng_state``. A resumed run ends bit-identical to an
            uninterrupted one.

    Returns:
        ``{"train_loss": [...]}`` with one float per epoch, plus ``"val_loss"`` when a
        ``val_loader`` is given (the full history when resuming).

    Raises:
        TypeError, ValueError: bad arguments, with the argument's name and the fix.
        FloatingPointError: the training loss became NaN or inf; the message names the
            epoch and batch and suggests a smaller learning rate. Training stops before the
            bad step, and the last checkpoint (if any) stays as it was.
    """
    loaders = {"train_loader": train_loader, "val_loader": val_loader}
    epochs, reduction = _check_train_args(
        model, loss_fn, optimizer, loaders, epochs, checkpoint_path
    )
    target = _place(model, device)
    run = _Run(model, loss_fn, optimizer, target, next(model.parameters()).dtype, reduction)
    history: dict[str, list[float]] = {"train_loss": []}
    if val_loader is not None:
        history["val_loss"] = []
    start, path, generators = 0, None, {}
    if checkpoint_path is not None:
        path = Path(checkpoint_path)
        generators = {name: _shuffle_generator(ld, name) for name, ld in loaders.items()}
        if path.exists():
            start, history = _resume(path, model, optimizer, generators, history, epochs)

    for epoch in range(start + 1, epochs + 1):
        history["train_loss"].append(_train_epoch(run, train_loader, epoch, saving=bool(path)))
        if val_loader is not None:
            history["val_loss"].append(_evaluate(run, val_loader))
        if path is not None:
            _save_checkpoint(path, run, epoch, history, generators)
    return history
