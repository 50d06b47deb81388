"""Checks for the exercises of notebook 04 (Dataset and DataLoader).

Taught in: 04 · Dataset and DataLoader, section "Exercises".

Every check is an :class:`~helpers.checks.Exercise`: ``cases(seed)`` draws the inputs,
``probe`` builds tensors (and a DataLoader) from them and calls the learner's function (it
computes no expected value), ``judge`` computes the expected values and compares.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import Exercise, Mismatch, as_values, close_to, expect_pair, expect_returned, fmt_numbers
from .nb04_standardise import check_standardise

__all__ = ["check_window_dataset", "check_standardise", "check_split_windows"]


# ------------------------------------------------------------------ exercise 1
_WINDOW_HINT = (
    "a Dataset answers two questions: how many samples there are (__len__), and what sample "
    "i is (__getitem__), built from the series when it is asked for. Sample i is the k values "
    "starting at position i, and the value right after them."
)
_RAISE_HINT = (
    "slicing a tensor past its end gives a shorter or empty tensor, not an error, so the "
    "dataset has to check the index itself and raise IndexError, as LineDataset does (section 2)."
)


def _window_cases(seed: int) -> list[dict[str, Any]]:
    """A series and a window length k: one fixed case, then random ones."""
    rng = np.random.default_rng(seed)
    cases = [{"series": [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5], "k": 3}]
    for k in (int(rng.integers(2, 5)), 1):
        n = int(rng.integers(k + 6, 21))
        cases.append({"series": np.round(rng.normal(0.0, 2.0, n), 3).tolist(), "k": k})
    return cases


def _describe(value: Any) -> str:
    if hasattr(value, "shape"):
        return f"a {type(value).__name__} of shape {tuple(value.shape)}"
    return f"{type(value).__name__} {value!r}"[:80]


def _outcome(get: Callable[[], Any]) -> str:
    """What asking for one sample did: "IndexError", another exception's name, or what came back."""
    try:
        value = get()
    except IndexError:
        return "IndexError"
    except Exception as exc:  # the learner's code: report what it raised
        return f"raised {type(exc).__name__}"
    return f"returned {_describe(value)}"


def _sample(dataset: Any, i: int) -> dict[str, Any]:
    """Sample ``i`` as {"x": ..., "y": ...}, or {"error": what went wrong}."""
    try:
        item = dataset[i]
    except Exception as exc:  # the learner's code: report what it raised
        return {"error": f"raised {type(exc).__name__}: {exc}"}
    if not isinstance(item, (tuple, list)) or len(item) != 2:
        return {"error": f"returned {_describe(item)}, not a pair (window, next value)"}
    try:
        return {"x": as_values(item[0], "the window"), "y": as_values(item[1], "the next value")}
    except Mismatch as exc:
        return {"error": f"returned a pair that does not hold numbers ({exc})"}


def _closed_over(cls: type) -> list[Any]:
    """The values that the class's ``__init__``, ``__len__`` and ``__getitem__`` close over."""
    values = []
    for name in ("__getitem__", "__len__", "__init__"):
        for cell in getattr(getattr(cls, name, None), "__closure__", None) or ():
            try:
                values.append(cell.cell_contents)
            except ValueError:  # an empty cell
                pass
    return values


def _stored_numbers(dataset: Any) -> int:
    """How many numbers the dataset keeps in tensors and arrays: those in its attributes (and
    in lists, tuples and dicts there, one level deep), and those its class's methods close over."""
    found: dict[int, Any] = {}
    for value in [*getattr(dataset, "__dict__", {}).values(), *_closed_over(type(dataset))]:
        items = value.values() if isinstance(value, dict) else value
        for item in items if isinstance(value, (list, tuple, dict)) else [value]:
            if hasattr(item, "shape") and hasattr(item, "dtype"):
                found[id(item)] = item
    return int(sum(int(np.prod(value.shape)) for value in found.values()))


def _window_probe(fn: Callable[..., Any], cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each case: len(dataset), every sample, dataset[-1], what indices len and -len - 1
    do, the shapes of a DataLoader's first batch, and how many numbers the dataset stores."""
    import torch
    from torch.utils.data import DataLoader

    out = []
    for case in cases:
        series = torch.tensor(case["series"], dtype=torch.float32)
        dataset = expect_returned(fn(series.clone(), case["k"]), "the dataset")
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise Mismatch(f"return a Dataset, got {type(dataset).__name__}.")
        n = len(dataset)
        samples = [_sample(dataset, i) for i in range(min(n, len(series) + 2))]
        try:
            xb, yb = next(iter(DataLoader(dataset, batch_size=4)))
            batch = [list(xb.shape), list(yb.shape)]
        except Exception as exc:  # the learner's samples did not batch
            batch = f"raised {type(exc).__name__}: {exc}"
        out.append(
            {
                "len": n,
                "samples": samples,
                "last": _sample(dataset, -1) if n > 0 else None,
                "past_end": _outcome(lambda d=dataset, n=n: d[n]),
                "before_start": _outcome(lambda d=dataset, n=n: d[-n - 1]),
                "batch": batch,
                "stored": _stored_numbers(dataset),
            }
        )
    return out


def _expect_sample(got: dict[str, Any], series: np.ndarray, k: int, i: int, what: str) -> None:
    """Raise a Mismatch unless ``got`` is window i of ``series`` and the value after it."""
    if "error" in got:
        raise Mismatch(f"{what} {got['error']}.")
    x, y = np.asarray(got["x"]), np.asarray(got["y"])
    want_x, want_y = series[i : i + k], series[i + k : i + k + 1]
    where = (
        f"for the series {fmt_numbers(series[:8])}{'...' if len(series) > 8 else ''} and k = {k}"
    )
    if x.shape != (k,):
        hint = (
            "a window is k values in a row, shape (k,): the DataLoader stacks B of them into (B, k)."
            if x.size == k
            else None
        )
        raise Mismatch(f"{where}, {what}'s window has shape {x.shape}, expected ({k},).", hint=hint)
    if not close_to(x, want_x):
        raise Mismatch(
            f"{where}, {what}'s window is {fmt_numbers(x)}, expected {fmt_numbers(want_x)}."
        )
    if y.size == 1 and y.shape != (1,) and close_to(y.reshape(1), want_y):
        raise Mismatch(
            f"{where}, {what}'s next value has shape {y.shape}, expected (1,).",
            hint="a target without its own dimension makes the DataLoader stack the targets "
            "into (B,), not (B, 1): the (N,) against (N, 1) pitfall of notebook 03, section 6.",
        )
    if y.shape != (1,) or not close_to(y, want_y):
        hint = None
        if y.size == 1 and close_to(y.reshape(1), series[i + k - 1 : i + k]):
            hint = "the target is the value right after the window, not the window's last value."
        raise Mismatch(
            f"{where}, {what}'s next value is {fmt_numbers(y)} (shape {y.shape}), expected "
            f"{fmt_numbers(want_y)} (shape (1,)).",
            hint=hint,
        )


def _window_judge(cases: list[dict[str, Any]], outputs: list[dict[str, Any]]) -> str:
    for case, out in zip(cases, outputs, strict=True):
        series = np.asarray(case["series"], dtype=np.float32).astype(float)
        k, n = case["k"], len(series)
        if out["len"] != n - k:
            hint = None
            if out["len"] in (n, n - k + 1):
                hint = (
                    "a window needs k values and one more after it: how many starting "
                    "positions leave room for that?"
                )
            raise Mismatch(
                f"for a series of {n} values and k = {k}, len(dataset) is {out['len']}, "
                f"expected {n - k}.",
                hint=hint,
            )
        for i in range(n - k):
            _expect_sample(out["samples"][i], series, k, i, f"dataset[{i}]")
        try:
            _expect_sample(out["last"], series, k, n - k - 1, "dataset[-1]")
        except Mismatch as exc:
            raise Mismatch(
                f"{exc} dataset[-1] should be the last window, as for a list.",
                hint="a negative index counts from the end: turn it into the positive index "
                "of the same sample before slicing the series.",
            ) from None
        for index, outcome in ((n - k, out["past_end"]), (-(n - k) - 1, out["before_start"])):
            if outcome != "IndexError":
                raise Mismatch(
                    f"with {n - k} samples, dataset[{index}] {outcome} instead of raising "
                    "IndexError.",
                    hint=_RAISE_HINT,
                )
        rows = min(4, n - k)
        if out["batch"] != [[rows, k], [rows, 1]]:
            raise Mismatch(
                f"a DataLoader with batch_size=4 gave {out['batch']}, expected batches of "
                f"shapes ({rows}, {k}) and ({rows}, 1)."
            )
        if out["stored"] > 2 * n:  # the series, or a copy of it, is all a lazy dataset needs
            raise Mismatch(
                f"for a series of {n} values and k = {k}, the dataset keeps {out['stored']} "
                "numbers: it built the windows in advance.",
                hint="keep only the series and k, and cut window i out of the series inside "
                "__getitem__, when it is asked for.",
            )
    return (
        "the right number of windows, each with its next value, IndexError past both ends, "
        "and batches of shape (B, k) and (B, 1)."
    )


#: Exercise 1: ``window_dataset(series, k) -> Dataset`` of (window, next value) pairs.
check_window_dataset = Exercise(
    "Exercise 1 (window_dataset)",
    _WINDOW_HINT,
    cases=_window_cases,
    probe=_window_probe,
    judge=_window_judge,
    seed=4,
)


# ------------------------------------------------------------------ exercise 3
_SPLIT_HINT = (
    "window i holds the values at positions i to i + k (its k inputs and its target). No "
    "position may belong to a training window and to a validation window: which windows "
    "before the first validation window still share a position with it?"
)


def _split_cases(seed: int) -> list[dict[str, int]]:
    """Numbers of windows, window lengths and validation sizes: one fixed case, then random."""
    rng = np.random.default_rng(seed)
    cases = [{"n_windows": 20, "k": 3, "n_val": 5}]
    for _ in range(3):
        k = int(rng.integers(1, 6))
        n_val = int(rng.integers(3, 9))
        n_windows = n_val + k + int(rng.integers(4, 30))
        cases.append({"n_windows": n_windows, "k": k, "n_val": n_val})
    return cases


def _indices(value: Any, what: str) -> list[float]:
    return as_values(value, what).reshape(-1).tolist() if len(value) else []


def _split_probe(fn: Callable[..., Any], cases: list[dict[str, int]]) -> list[dict[str, Any]]:
    """The learner's two index lists for each case, as lists of numbers."""
    out = []
    for case in cases:
        train, val = expect_pair(
            fn(case["n_windows"], case["k"], case["n_val"]), "(train_idx, val_idx)"
        )
        try:
            out.append({"train": _indices(train, "train_idx"), "val": _indices(val, "val_idx")})
        except TypeError:
            raise Mismatch("return two lists of window indices (whole numbers).") from None
    return out


def _split_judge(cases: list[dict[str, int]], outputs: list[dict[str, Any]]) -> str:
    for case, out in zip(cases, outputs, strict=True):
        n, k, n_val = case["n_windows"], case["k"], case["n_val"]
        where = f"for {n} windows, k = {k} and n_val = {n_val}"
        train, val = out["train"], out["val"]
        if any(float(i) != int(i) for i in train + val):
            raise Mismatch("the indices should be whole numbers.")
        train, val = [int(i) for i in train], [int(i) for i in val]
        first_val = n - n_val
        if val != list(range(first_val, n)):
            raise Mismatch(
                f"{where}, val_idx is {val[:6]}{'...' if len(val) > 6 else ''}; the validation "
                f"windows are the last {n_val}, {first_val} to {n - 1}, in order.",
                hint="a forecaster is judged on the future: validation is the end of the series.",
            )
        if set(train) & set(val):
            raise Mismatch(
                f"{where}, windows {sorted(set(train) & set(val))[:5]} are in both splits."
            )
        if train != sorted(set(train)) or any(i < 0 or i >= n for i in train):
            raise Mismatch(
                f"{where}, train_idx should list window indices from 0 to {n - 1}, each once, in order."
            )
        expected = list(range(first_val - k))
        if train == list(range(first_val)):
            raise Mismatch(
                f"{where}, train_idx runs up to window {first_val - 1}, right before the first "
                f"validation window; window {first_val - 1} holds positions {first_val - 1} to "
                f"{first_val - 1 + k}, and the validation window {first_val} starts at "
                f"position {first_val}.",
                hint="neighbouring windows overlap: leave out every training window that "
                "shares a position with a validation window. How many is that, for k?",
            )
        leaking = [i for i in train if i + k >= first_val]
        if leaking:
            raise Mismatch(
                f"{where}, training window {leaking[0]} holds positions {leaking[0]} to "
                f"{leaking[0] + k}, and position {max(leaking[0] + k, first_val)} is in a "
                "validation window too."
            )
        missing = sorted(set(expected) - set(train))
        if missing:
            raise Mismatch(
                f"{where}, window {missing[0]} is left out, though it shares no position with "
                "any validation window.",
                hint="keep every training window you can: each one left out is data lost.",
            )
    return "validation is the last windows, and no value of the series is in both splits."


#: Exercise 3: ``split_windows(n_windows, k, n_val) -> (train_idx, val_idx)``.
check_split_windows = Exercise(
    "Exercise 3 (split_windows)",
    _SPLIT_HINT,
    cases=_split_cases,
    probe=_split_probe,
    judge=_split_judge,
    seed=4,
)
