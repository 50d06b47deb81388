"""Input checks shared by every public helper: the one validation path.

Each check either returns clean data or raises a ``ValueError``/``TypeError`` whose
message names the argument, what was given and how to fix it, and each does one thing,
named for it (``check_real_numbers``, ``check_not_empty``, ``check_finite``, ``check_rows``,
``check_positive_int``, ``check_non_negative_int``, ...). ``to_numpy`` and ``make_loader``
build on the same checks, so the same bad input gives the same error everywhere. Nothing
here imports torch, so notebook 01 runs without it; torch tensors are recognised by duck
typing and checked where they live.

Not taught in a notebook: learners meet these only as the messages of the errors they cause.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "describe",
    "to_numpy",
    "check_real_numbers",
    "check_not_empty",
    "check_finite",
    "check_rows",
    "as_features",
    "as_targets",
    "check_xy",
    "check_same_length",
    "check_positive_int",
    "check_non_negative_int",
    "check_finite_number",
]


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def describe(value: Any) -> str:
    """A short description of ``value`` for error messages, e.g. ``float32 tensor of shape (5, 1)``."""
    if _is_tensor(value):
        dtype = str(value.dtype).removeprefix("torch.")
        return f"{dtype} tensor of shape {tuple(value.shape)} on {value.device}"
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of length {len(value)}"
    return f"{type(value).__name__} {value!r}"[:80]


def check_real_numbers(data: Any, name: str) -> None:
    """Raise TypeError unless ``data`` (a NumPy array or a tensor) holds real numbers.

    Booleans, integers and floats pass; complex numbers, strings and objects do not.
    """
    if _is_tensor(data):
        ok = not data.is_complex()
    else:
        ok = np.asarray(data).dtype.kind in "biuf"
    if not ok:
        raise TypeError(
            f"{name} must hold real numbers, got {describe(data)}. Convert it first, "
            f"e.g. np.asarray({name}, dtype=float) (for complex data, take {name}.real)."
        )


def check_not_empty(data: Any, name: str) -> None:
    """Raise ValueError if ``data`` (a NumPy array or a tensor) holds no values."""
    size = data.numel() if _is_tensor(data) else np.size(data)
    if size == 0:
        raise ValueError(f"{name} is empty ({describe(data)}). Pass at least one sample.")


def check_finite(data: Any, name: str) -> None:
    """Raise ValueError if ``data`` (a NumPy float array or a float tensor) holds NaN or inf."""
    if _is_tensor(data):
        bad, hint = int((~data.isfinite()).sum()), f"torch.isfinite({name}).all(dim=1)"
        kind = f" (as {str(data.dtype).removeprefix('torch.')})"
    else:
        bad = int(np.size(data) - np.count_nonzero(np.isfinite(data)))
        hint, kind = f"np.isfinite({name}).all(axis=1)", ""
    if bad:
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s){kind}. Remove or impute them "
            f"before fitting, e.g. keep = {hint}."
        )


def check_rows(data: Any, name: str) -> None:
    """Raise ValueError unless ``data`` has shape (N,) or (N, d): one row per sample."""
    if data.ndim not in (1, 2):
        raise ValueError(
            f"{name} must have shape (N,) or (N, d), got shape {tuple(data.shape)}. "
            f"Use one row per sample, e.g. {name}.reshape(len({name}), -1)."
        )


def to_numpy(value: Any, name: str, *, finite: bool = True) -> np.ndarray:
    """Return ``value`` as a non-empty float64 NumPy array, finite unless ``finite=False``.

    The one way helpers read array data. Accepts NumPy arrays, torch tensors (on any
    device, with or without grad), lists and scalars. Integer and boolean data are
    converted to float, since the intent is unambiguous. Strings, ragged lists, objects and
    complex numbers are a TypeError; empty data, NaN and inf a ValueError
    (:func:`check_real_numbers`, :func:`check_not_empty`, :func:`check_finite`).

    Args:
        value: array-like data.
        name: the argument's name, used in error messages.
        finite: reject NaN and inf (pass False for loss curves, which may diverge).

    Returns:
        A float64 array with the same shape as ``value``.
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(
            f"{name} must be numbers, got the string {value!r:.40}. "
            f"Convert it first, e.g. np.asarray(..., dtype=float)."
        )
    if _is_tensor(value):
        value = value.detach().cpu().numpy()
    elif isinstance(value, (list, tuple)) and any(_is_tensor(v) for v in value):
        value = [v.item() if _is_tensor(v) else v for v in value]  # e.g. a list of 0-d losses
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged lists
        raise TypeError(
            f"{name} could not be read as an array ({exc}). Pass a NumPy array, a torch "
            f"tensor or a list of numbers with equal-length rows."
        ) from None
    check_real_numbers(arr, name)
    arr = arr.astype(np.float64, copy=False)
    check_not_empty(arr, name)
    if finite:
        check_finite(arr, name)
    return arr


def as_features(x: Any, name: str = "x") -> np.ndarray:
    """Return features as a float64 array of shape (N, d).

    Args:
        x: (N,) or (N, d) array-like. A 1-D input is one feature per sample.

    Returns:
        (N, d) float64 array.
    """
    arr = to_numpy(x, name)
    check_rows(arr, name)
    return arr.reshape(len(arr), -1)


def as_targets(y: Any, name: str = "y") -> np.ndarray:
    """Return targets as a float64 array of shape (N,).

    Args:
        y: (N,) or (N, 1) array-like. Both mean one target per sample.

    Returns:
        (N,) float64 array.
    """
    arr = to_numpy(y, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        return arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must have shape (N,) or (N, 1), got shape {arr.shape}. "
            f"This course fits one target per sample; pick one column, e.g. {name}[:, :1]."
        )
    return arr


def check_xy(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate a dataset and return ``(x, y)`` as float64 arrays of shapes (N, d) and (N,)."""
    xs = as_features(x, "x")
    ys = as_targets(y, "y")
    check_same_length(x, y, len(xs), len(ys))
    return xs, ys


def check_same_length(x: Any, y: Any, n_x: int, n_y: int) -> None:
    """Raise unless x and y hold the same number of samples (``n_x`` and ``n_y``)."""
    if n_x != n_y:
        raise ValueError(
            f"x and y must have the same number of samples, got {n_x} and {n_y} "
            f"(x: {describe(x)}, y: {describe(y)}). Check that they come from the same dataset."
        )


def _check_int(value: Any, name: str, minimum: int, example: str) -> int:
    """``value`` as an int: TypeError unless it is an integer, ValueError if below ``minimum``."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be an integer, got {describe(value)}. Pass e.g. {example}.")
    value = value.__index__()
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}. Pass e.g. {example}.")
    return int(value)


def check_positive_int(value: Any, name: str, *, example: str | None = None) -> int:
    """Return ``value`` as an int, raising unless it is an integer >= 1 (a count, a size).

    Python and NumPy integers (anything with ``__index__``) count; bools and floats do not
    (TypeError). Zero or less is a ValueError. ``example`` (e.g. ``"batch_size=32"``) is
    suggested in the error message.
    """
    return _check_int(value, name, 1, example or f"{name}=10")


def check_non_negative_int(value: Any, name: str, *, example: str | None = None) -> int:
    """Return ``value`` as an int, raising unless it is an integer >= 0 (a seed, an epoch total).

    The same rules as :func:`check_positive_int`, with 0 allowed: not an integer is a
    TypeError, a negative integer a ValueError.
    """
    return _check_int(value, name, 0, example or f"{name}=0")


def check_finite_number(value: Any, name: str, *, positive: bool = False) -> float:
    """Return ``value`` as a float, raising if it is not a finite real number (> 0 if asked)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {describe(value)}.")
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number}.")
    if positive and number <= 0:
        raise ValueError(f"{name} must be greater than 0, got {number}.")
    return number
