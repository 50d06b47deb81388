"""Checks for the exercises of notebook 02 (autograd takes over the gradients).

Taught in: 02 · Autograd, section "Exercises".

Each check is an :class:`~helpers.checks.Exercise`: ``cases(seed)`` draws the data,
``probe`` turns it into float32 tensors, calls the learner's function and hands back the
gradients it returned as plain numbers, ``judge`` computes the hand-derived gradient and
compares.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import Exercise, Mismatch, as_number, close_to, expect_number, expect_pair

__all__ = ["check_mae_gradient", "check_accumulated_gradient"]

#: Errors autograd raises for the usual slips, and the hint each one deserves.
_AUTOGRAD_ERRORS = (
    (
        "does not require grad",
        "autograd only follows tensors that were created asking it to track them (section 2).",
    ),
    (
        "NoneType",
        "a gradient was None: autograd fills .grad only for the tensors you created asking "
        "it to track them, and only after going backward from the loss (section 2).",
    ),
    (
        "a leaf Variable that requires grad",
        "a tensor autograd tracks was changed in place while autograd was recording (section 8.1).",
    ),
)


def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """Call the learner's function; turn a well-known autograd error into an aimed hint."""
    try:
        return fn(*args)
    except (RuntimeError, TypeError) as exc:
        for pattern, hint in _AUTOGRAD_ERRORS:
            if pattern in str(exc):
                raise Mismatch(
                    f"your function raised {type(exc).__name__}: {exc}", hint=hint
                ) from None
        raise


def _gradient_pair(value: Any, what: str) -> list[float]:
    """The learner's (dL/dw, dL/db) as two numbers."""
    dw, db = expect_pair(value, "(dL/dw, dL/db)")
    return [as_number(dw, f"dL/dw {what}"), as_number(db, f"dL/db {what}")]


def _line_data(rng: np.random.Generator, n: int) -> dict[str, Any]:
    """n points as float32 columns (n, 1) around a random line, none of them on it: every
    error is at least 0.1 away from 0, so its sign does not hang on rounding."""
    w, b = float(np.round(rng.normal(0, 2), 3)), float(np.round(rng.normal(0, 2), 3))
    x = rng.normal(0, 2, size=(n, 1)).astype(np.float32)
    gap = (0.1 + np.abs(rng.normal(0, 1, size=(n, 1)))) * rng.choice([-1.0, 1.0], size=(n, 1))
    y = (w * x.astype(np.float64) + b - gap).astype(np.float32)
    return {"x": x, "y": y, "w": w, "b": b}


def _errors(case: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(x, e): the inputs and each point's error w x + b - y, in float64, flat."""
    x = np.asarray(case["x"], dtype=np.float64).reshape(-1)
    y = np.asarray(case["y"], dtype=np.float64).reshape(-1)
    return x, case["w"] * x + case["b"] - y


# ------------------------------------------------------------------ exercise 1


def _mae_cases(seed: int) -> list[dict[str, Any]]:
    """One point, eight, a hundred, and a random number of points."""
    rng = np.random.default_rng(seed)
    return [_line_data(rng, n) for n in (1, 8, 100, int(rng.integers(2, 60)))]


def _mae_probe(fn: Callable[..., Any], cases: list[dict[str, Any]]) -> list[list[float]]:
    """The learner's (dL/dw, dL/db) for each dataset, given float32 tensors and floats."""
    import torch

    out = []
    for c in cases:
        x, y = torch.tensor(c["x"]), torch.tensor(c["y"])
        out.append(_gradient_pair(_call(fn, x, y, c["w"], c["b"]), f"for N={len(x)}"))
    return out


def _mae_judge(cases: list[dict[str, Any]], got: list[list[float]]) -> str:
    for c, (dw, db) in zip(cases, got, strict=True):
        x, e = _errors(c)
        n = len(x)
        want = float(np.mean(np.sign(e) * x)), float(np.mean(np.sign(e)))
        squared = float(2 * np.mean(e * x)), float(2 * np.mean(e))
        if close_to([dw, db], list(squared)) and not close_to([dw, db], list(want)):
            raise Mismatch(
                f"for N={n} you returned the gradient of the mean squared error.",
                hint="the loss here is the mean absolute error: each point's error counts "
                "by its size, not by its square. Change the loss, not the rest.",
            )
        if n > 1 and close_to([dw, db], [n * want[0], n * want[1]]):
            raise Mismatch(
                f"for N={n} both gradients are {n} times too large.",
                hint="the loss is the mean of the absolute errors, not their sum.",
            )
        expect_number(dw, want[0], f"dL/dw for N={n}", rtol=1e-4)
        expect_number(db, want[1], f"dL/db for N={n}", rtol=1e-4)
    return (
        f"autograd's gradient matches the hand derivative on {len(cases)} datasets: every "
        "point pulls with the same strength, only the sign of its error counts."
    )


#: Exercise 1: ``mae_gradient(x, y, w, b) -> (dL/dw, dL/db)`` of the mean absolute error,
#: computed by autograd. x and y are (N, 1) float32 tensors, w and b Python floats.
check_mae_gradient = Exercise(
    "Exercise 1 (mae_gradient)",
    "let autograd do the calculus, as in section 2: the two parameters must be tensors it "
    "tracks, the loss is the mean of the absolute errors, and after going backward from "
    "the loss each parameter holds its gradient.",
    cases=_mae_cases,
    probe=_mae_probe,
    judge=_mae_judge,
    seed=2,
)

# ------------------------------------------------------------------ exercise 2


def _pieces_cases(seed: int) -> list[dict[str, Any]]:
    """Datasets cut into pieces of different sizes: fixed sizes, then random ones."""
    rng = np.random.default_rng(seed)
    cuts = [[3, 5, 2], [6, 1], [int(k) for k in rng.integers(1, 20, size=int(rng.integers(2, 6)))]]
    cases = []
    for sizes in cuts:
        data = _line_data(rng, sum(sizes))
        edges = np.cumsum([0, *sizes])
        cases.append(
            {
                "xs": [data["x"][i:j] for i, j in zip(edges[:-1], edges[1:], strict=True)],
                "ys": [data["y"][i:j] for i, j in zip(edges[:-1], edges[1:], strict=True)],
                "w": data["w"],
                "b": data["b"],
            }
        )
    return cases


def _pieces_probe(fn: Callable[..., Any], cases: list[dict[str, Any]]) -> list[list[float]]:
    """The learner's (dL/dw, dL/db) for each dataset, given as a list of (x, y) tensor pairs."""
    import torch

    out = []
    for c in cases:
        pieces = [(torch.tensor(x), torch.tensor(y)) for x, y in zip(c["xs"], c["ys"], strict=True)]
        sizes = [len(x) for x in c["xs"]]
        out.append(_gradient_pair(_call(fn, pieces, c["w"], c["b"]), f"for pieces of {sizes}"))
    return out


def _mse_gradient(x: np.ndarray, e: np.ndarray) -> np.ndarray:
    return np.array([2 * np.mean(e * x), 2 * np.mean(e)])


def _pieces_judge(cases: list[dict[str, Any]], got: list[list[float]]) -> str:
    for c, answer in zip(cases, got, strict=True):
        parts = [
            _errors({"x": x, "y": y, "w": c["w"], "b": c["b"]})
            for x, y in zip(c["xs"], c["ys"], strict=True)
        ]
        sizes = [len(x) for x, _ in parts]
        want = _mse_gradient(
            np.concatenate([x for x, _ in parts]), np.concatenate([e for _, e in parts])
        )
        per_piece = [_mse_gradient(x, e) for x, e in parts]
        where = f"for pieces of {sizes} points"
        if not close_to(answer, list(want)):
            if close_to(answer, list(np.sum(per_piece, axis=0))):
                raise Mismatch(
                    f"{where} you returned the sum of the pieces' gradients.",
                    hint="each piece's loss is a mean over its own points; before going "
                    "backward, scale it by the piece's share of all the points.",
                )
            if close_to(answer, list(np.mean(per_piece, axis=0))):
                raise Mismatch(
                    f"{where} you returned the plain mean of the pieces' gradients.",
                    hint="a piece with more points must count for more: scale each piece's "
                    "loss by its share of the points, not by one over the number of pieces.",
                )
            last = [per_piece[-1], per_piece[-1] * sizes[-1] / sum(sizes)]
            if any(close_to(answer, list(g)) for g in last):
                raise Mismatch(
                    f"{where} your gradient is the gradient of one piece alone.",
                    hint="backward() adds to what .grad already holds: a reset between the "
                    "pieces throws the earlier pieces away (section 5).",
                )
        expect_number(answer[0], float(want[0]), f"dL/dw {where}", rtol=1e-4)
        expect_number(answer[1], float(want[1]), f"dL/db {where}", rtol=1e-4)
    return (
        "the gradients added up over the pieces are the gradient of the whole dataset's loss, "
        "whatever the sizes of the pieces."
    )


#: Exercise 2: ``accumulated_gradient(pieces, w, b) -> (dL/dw, dL/db)``: the MSE gradient over
#: all the points of ``pieces`` (a list of (x, y) pairs of (N_k, 1) float32 tensors), with one
#: backward() per piece.
check_accumulated_gradient = Exercise(
    "Exercise 2 (accumulated_gradient)",
    "backward() adds each new gradient to .grad. Go backward once per piece without a reset "
    "in between, from a loss scaled so that the pieces add up to the loss of the whole "
    "dataset: a mean over all its points.",
    cases=_pieces_cases,
    probe=_pieces_probe,
    judge=_pieces_judge,
    seed=2,
)
