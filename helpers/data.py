"""Seeded datasets for the course.

Every generator returns ``(x, y)`` with x of shape (N, d) and y of shape (N, 1): NumPy
float64 arrays by default, or float32 torch tensors with ``as_tensor=True`` (the dtype
``nn.Linear`` expects). The same seed gives the same numbers either way.

The four small sets are the ones learners meet in popular tutorials (see the README):

==============================  ======================================  =========
function                        data                                    shape
==============================  ======================================  =========
``make_doubling_data``          x = [1, 3, 10, 13, 7], y = 2x           (5, 1)
``make_line_data``              x = 0, 1, ..., 10, y = 2x + 1           (11, 1)
``make_negative_slope_data``    x in [-5, 5) step 0.1, y = -5x + noise  (100, 1)
``make_intercept_slope_data``   x ~ N(0, 1), y = 1.5 + 2x + noise       (200, 1)
==============================  ======================================  =========
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .validation import (
    check_finite_number,
    check_non_negative_int,
    check_positive_int,
    describe,
)

__all__ = [
    "make_linear_data",
    "make_doubling_data",
    "make_line_data",
    "make_negative_slope_data",
    "make_intercept_slope_data",
]


def _check_seed(seed: Any) -> int:
    return check_non_negative_int(seed, "seed", example="seed=0")


def _check_as_tensor(as_tensor: Any) -> bool:
    if not isinstance(as_tensor, bool):
        raise TypeError(f"as_tensor must be True or False, got {describe(as_tensor)}.")
    return as_tensor


def _output(x: np.ndarray, y: np.ndarray, as_tensor: bool) -> tuple[Any, Any]:
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    y = np.asarray(y, dtype=np.float64).reshape(-1, 1)
    if not as_tensor:
        return x, y
    import torch  # imported here so that NumPy-only notebooks never load torch

    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


def make_linear_data(
    n: int = 100,
    weights: float | Sequence[float] = 2.0,
    bias: float = 1.0,
    noise: float = 0.1,
    *,
    x_range: tuple[float, float] = (-1.0, 1.0),
    seed: int = 0,
    as_tensor: bool = False,
) -> tuple[Any, Any]:
    """Sample ``y = x @ weights + bias + noise`` with x uniform in ``x_range``.

    Taught in: 01 · Gradient descent by hand in NumPy, section 3 (two parameters).

    Args:
        n: number of samples N (at least 1).
        weights: the true slope, or a sequence of d slopes for d features.
        bias: the true intercept.
        noise: standard deviation of the Gaussian noise added to y (0 for none).
        x_range: (low, high) of the uniform distribution of every feature.
        seed: seed of the NumPy generator.
        as_tensor: return float32 torch tensors instead of float64 arrays.

    Returns:
        x: (N, d) features, y: (N, 1) targets.

    Example:
        >>> x, y = make_linear_data(n=50, weights=[1.0, -2.0, 0.5], bias=3.0)
        >>> x.shape, y.shape
        ((50, 3), (50, 1))
    """
    n = check_positive_int(n, "n")
    w = (
        np.atleast_1d(np.asarray(weights, dtype=np.float64))
        if not isinstance(weights, str)
        else None
    )
    if w is None or w.ndim != 1 or not np.all(np.isfinite(w)):
        raise ValueError(
            f"weights must be a finite number or a flat list of numbers, got {weights!r}."
        )
    bias = check_finite_number(bias, "bias")
    noise = check_finite_number(noise, "noise")
    if noise < 0:
        raise ValueError(f"noise is a standard deviation and must be >= 0, got {noise}.")
    low, high = (check_finite_number(v, "x_range") for v in x_range)
    if not low < high:
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range}.")
    rng = np.random.default_rng(_check_seed(seed))
    x = rng.uniform(low, high, size=(n, len(w)))
    y = x @ w + bias + noise * rng.standard_normal(n)
    return _output(x, y, _check_as_tensor(as_tensor))


def make_doubling_data(*, as_tensor: bool = False) -> tuple[Any, Any]:
    """The five points ``x = [1, 3, 10, 13, 7]`` with ``y = 2x`` (a line through the origin).

    Taught in: 01 · Gradient descent by hand in NumPy, section 1 (the problem).

    Returns:
        x: (5, 1), y: (5, 1).
    """
    x = np.array([1.0, 3.0, 10.0, 13.0, 7.0])
    return _output(x, 2.0 * x, _check_as_tensor(as_tensor))


def make_line_data(*, as_tensor: bool = False) -> tuple[Any, Any]:
    """``x = 0, 1, ..., 10`` with ``y = 2x + 1``, no noise.

    Taught in: 03 · nn.Module, nn.MSELoss and torch.optim, section 4 (y = 2x + 1).

    Returns:
        x: (11, 1), y: (11, 1).
    """
    x = np.arange(11, dtype=np.float64)
    return _output(x, 2.0 * x + 1.0, _check_as_tensor(as_tensor))


def make_negative_slope_data(*, seed: int = 0, as_tensor: bool = False) -> tuple[Any, Any]:
    """``x = -5.0, -4.9, ..., 4.9`` with ``y = -5x + 0.4 * noise``, noise ~ N(0, 1).

    Taught in: 02 · Autograd, section 3 (three ways to the same gradient).

    Returns:
        x: (100, 1), y: (100, 1).
    """
    x = np.arange(-50, 50) / 10.0  # exact tenths, unlike np.arange(-5, 5, 0.1)
    rng = np.random.default_rng(_check_seed(seed))
    return _output(x, -5.0 * x + 0.4 * rng.standard_normal(len(x)), _check_as_tensor(as_tensor))


def make_intercept_slope_data(
    n: int = 200, *, seed: int = 420, as_tensor: bool = False
) -> tuple[Any, Any]:
    """``y = 1.5 + 2.0 x + 0.1 * noise`` with x, noise ~ N(0, 1), drawn by torch.

    Taught in: 04 · Dataset and DataLoader, section 1 (the data).

    The numbers match ``torch.manual_seed(seed); x = torch.randn(n); eps = torch.randn(n)``,
    the recipe many tutorials use, but through a private ``torch.Generator``, so the
    global random state is left alone.

    Returns:
        x: (N, 1), y: (N, 1).
    """
    import torch

    n = check_positive_int(n, "n")
    gen = torch.Generator().manual_seed(_check_seed(seed))
    x = torch.randn(n, generator=gen)
    eps = 0.1 * torch.randn(n, generator=gen)
    y = 1.5 + 2.0 * x + eps
    if _check_as_tensor(as_tensor):
        return x.reshape(-1, 1), y.reshape(-1, 1)
    return _output(x.double().numpy(), y.double().numpy(), False)
