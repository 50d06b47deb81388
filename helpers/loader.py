"""Fast minibatches of in-memory tensors: ``make_loader`` and its dataset.

``make_loader`` is a real ``torch.utils.data.DataLoader`` that shuffles a whole epoch with one
tensor index and hands out slices of it, instead of indexing and collating one sample at a
time in Python as ``DataLoader(TensorDataset(x, y), batch_size=..., shuffle=True)`` does. Its
shuffle comes from its own seeded ``torch.Generator`` (``loader.generator``), so the same seed
gives the same batches and a checkpoint can save and restore where the shuffle was.

Data conventions: x is (N,) or (N, d), y is (N,) or (N, k); a 1-D x or y becomes one column
(N, 1), since that is unambiguous and avoids the silent (N,) vs (N, 1) broadcast in the loss.
Integer and boolean data are converted to float32 rather than rejected (the intent is clear,
and ``helpers.validation`` treats them the same way); so is float64 data, the dtype
``nn.Linear`` does not accept by default. Strings, complex numbers, NaN, inf and empty data are
rejected with a message that names the argument and the fix.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import torch
from torch.utils.data import DataLoader, IterableDataset

from .device import resolve_device
from .validation import (
    check_finite,
    check_non_negative_int,
    check_not_empty,
    check_positive_int,
    check_real_numbers,
    check_rows,
    check_same_length,
    describe,
    to_numpy,
)

__all__ = ["make_loader", "ShuffledTensorBatches"]


def _as_float32(value: Any, name: str) -> torch.Tensor:
    """Validate data and return it as a float32 tensor of shape (N, d) (1-D input gets d=1).

    The checks are ``helpers.validation``'s, the same ones every helper runs; a tensor is
    checked where it lives (no copy off the GPU), anything else goes through ``to_numpy``.
    """
    if isinstance(value, torch.Tensor):
        tensor = value.detach()
        check_real_numbers(tensor, name)
        check_not_empty(tensor, name)
    else:
        tensor = torch.from_numpy(to_numpy(value, name))
    tensor = tensor.to(torch.float32)
    check_rows(tensor, name)
    check_finite(tensor, name)  # after the cast: values beyond float32's range become inf
    return tensor.reshape(len(tensor), -1)  # (N,) is one value per sample: make it (N, 1)


class ShuffledTensorBatches(IterableDataset):
    """In-memory tensors served a whole batch at a time, reshuffled every epoch.

    Each ``iter()`` (each epoch) draws one ``torch.randperm`` from ``generator``, gathers the
    whole epoch in that order with one tensor index (``x[perm]``, ``y[perm]``), and yields
    consecutive slices of it, which are views, not copies. That is the whole cost of
    shuffling: no per-sample ``__getitem__``, no collate, no per-batch gather. It holds one
    shuffled copy of the data during an epoch. Saving ``generator.get_state()`` between
    epochs saves where the shuffle is.

    Taught in: 05 · Devices and checkpoints, section 5 (why the default DataLoader is slow).

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
        """One epoch: ``(xb, yb)`` slices of shapes (B, d) and (B, k)."""
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

    Taught in: 05 · Devices and checkpoints, section 5 (why the default DataLoader is slow).

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
    seed = check_non_negative_int(seed, "seed", example="seed=0")
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle must be True or False, got {describe(shuffle)}.")
    xs = _as_float32(x, "x")
    ys = _as_float32(y, "y")
    check_same_length(x, y, len(xs), len(ys))
    target = xs.device if device is None else resolve_device(device, "device")
    xs, ys = xs.to(target), ys.to(target)
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        ShuffledTensorBatches(xs, ys, batch_size, shuffle=shuffle, generator=generator),
        batch_size=None,  # the dataset already yields whole batches: no per-sample collate
        num_workers=0,  # the data is in memory (maybe on a GPU): workers would only copy it
        generator=generator,  # DataLoader draws a seed from it per epoch, not from the global RNG
    )
