"""The check of 06's exercise 1 (choose_and_report), and the penguin sampler all 06's checks use.

Taught in: 06 · Real data: Palmer penguins, section "Exercises".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from ..penguins import load_penguins
from ..reference import closed_form_fit
from . import Exercise, Mismatch, as_number, expect_pair

_COLUMNS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "species", "sex"]


@cache
def _table() -> tuple[np.ndarray, np.ndarray]:
    x, y = load_penguins(_COLUMNS, drop_first=True, verbose=False)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def _sample(rng: np.random.Generator, *sizes: int) -> list[np.ndarray]:
    """Disjoint random sets of real penguins: ``x, y`` for each size, y of shape (n, 1)."""
    x, y = _table()
    order = rng.permutation(len(y))
    out, start = [], 0
    for size in sizes:
        rows = order[start : start + size]
        out += [x[rows].copy(), y[rows].copy()]
        start += size
    return out


def _rmse(pred: np.ndarray, target: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.reshape(pred, (-1, 1)) - target) ** 2)))


# ------------------------------------------------------------------ exercise 1
_CHOOSE_HINT = (
    "the validation split chooses, the test split reports: score every candidate on the "
    "validation penguins, keep the best, and only then measure that one model, and no other, "
    "on the test penguins, as a root mean squared error in grams."
)
# the candidates: which columns a model uses, and its ridge penalty
_CANDIDATES = {
    "flipper only": ([2], 0.0),
    "bill and flipper": ([0, 1, 2], 0.0),
    "six columns": ([0, 1, 2, 3, 4, 5], 0.0),
    "six columns, ridge λ = 0.3": ([0, 1, 2, 3, 4, 5], 0.3),
    "species and sex only": ([3, 4, 5], 0.0),
}


def _choose_cases(seed: int) -> list[dict[str, Any]]:
    """Candidates fitted on a small training sample; validation and test samples where the
    model with the lowest validation error is not the one with the lowest test error, so that
    choosing on the wrong split shows."""
    rng = np.random.default_rng(seed)
    cases: list[dict[str, Any]] = []
    for _ in range(1000):  # a few draws at most, in practice
        if len(cases) == 2:
            break
        x_tr, y_tr, x_val, y_val, x_te, y_te = _sample(rng, 25, 30, 30)
        mean, std = x_tr.mean(axis=0), x_tr.std(axis=0)
        if np.any(std == 0):  # a category missing from the 25: draw again
            continue
        models = {}
        for name, (cols, l2) in _CANDIDATES.items():
            w, b = closed_form_fit((x_tr[:, cols] - mean[cols]) / std[cols], y_tr, l2=l2)
            full = np.zeros(x_tr.shape[1])
            full[cols] = w / std[cols]  # the same model on the raw columns
            models[name] = {"w": full.tolist(), "b": float(b - np.sum(w * mean[cols] / std[cols]))}
        val = [_rmse(x_val @ m["w"] + m["b"], y_val) for m in models.values()]
        test = [_rmse(x_te @ m["w"] + m["b"], y_te) for m in models.values()]
        if np.argmin(val) != np.argmin(test):
            cases.append(
                {"models": models, "x_val": x_val, "y_val": y_val, "x_test": x_te, "y_test": y_te}
            )
    return cases


def _as_array(x: Any) -> np.ndarray | None:
    try:
        return np.asarray(x.detach().cpu() if hasattr(x, "detach") else x, dtype=np.float64)
    except (TypeError, ValueError, RuntimeError):
        return None


def _which_split(x: Any, splits: dict[str, np.ndarray]) -> str:
    """The name of the split ``x`` holds ("validation", "test"), else "other"."""
    arr = _as_array(x)
    for name, rows in splits.items():
        if arr is not None and arr.shape == rows.shape and np.array_equal(arr, rows):
            return name
    return "other"


def _predictor(
    name: str, model: dict[str, Any], splits: dict[str, np.ndarray], calls: list[list[str]]
) -> Callable[[Any], np.ndarray]:
    """A candidate model as a prediction function that notes which split it is called on."""
    w, b = np.asarray(model["w"], dtype=np.float64), float(model["b"])

    def predict(x: Any) -> np.ndarray:
        """(N, 6) penguins -> (N, 1) predicted body mass in grams."""
        calls.append([name, _which_split(x, splits)])
        return (np.asarray(_as_array(x)) @ w + b).reshape(-1, 1)

    return predict


def _choose_probe(fn: Callable[..., Any], cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hand the learner each case's models as prediction functions that note which split they
    were called on; report the name and the number returned, and those calls."""
    outputs = []
    for c in cases:
        splits = {"validation": np.asarray(c["x_val"]), "test": np.asarray(c["x_test"])}
        calls: list[list[str]] = []
        models = {n: _predictor(n, m, splits, calls) for n, m in c["models"].items()}
        got = expect_pair(
            fn(
                models,
                splits["validation"].copy(),
                np.array(c["y_val"]),
                splits["test"].copy(),
                np.array(c["y_test"]),
            ),
            "(name, test_rmse)",
        )
        if not isinstance(got[0], str):
            raise Mismatch(
                f"the first of the pair should be the chosen model's name, a key of models; got "
                f"{type(got[0]).__name__}."
            )
        outputs.append(
            {"name": got[0], "value": as_number(got[1], "the test RMSE"), "calls": calls}
        )
    return outputs


def _expect_report(value: float, val_best: float, test_best: float) -> None:
    """Raise a Mismatch unless ``value`` is the chosen model's test RMSE."""
    if np.isclose(value, val_best, rtol=1e-6):
        raise Mismatch(
            f"you returned {value:.6g}, the chosen model's validation RMSE; its test RMSE "
            f"is {test_best:.6g}.",
            hint="the validation split chose the model, so its score is a little optimistic: "
            "report the test split's.",
        )
    if np.isclose(value, test_best**2, rtol=1e-6):
        raise Mismatch(
            f"you returned {value:.6g}, the mean squared error (in g²); expected the root, "
            f"{test_best:.6g} g.",
            hint="an RMSE is the square root of the mean squared error: it is in grams.",
        )
    if not np.isclose(value, test_best, rtol=1e-6):
        raise Mismatch(f"the test RMSE is {value:.6g}, expected {test_best:.6g}.")


def _choose_judge(cases: list[dict[str, Any]], outputs: list[dict[str, Any]]) -> str:
    for c, seen in zip(cases, outputs, strict=True):
        names = list(c["models"])
        pred = {n: np.asarray(c["x_val"]) @ m["w"] + m["b"] for n, m in c["models"].items()}
        val = {n: _rmse(p, np.asarray(c["y_val"])) for n, p in pred.items()}
        pred_test = {n: np.asarray(c["x_test"]) @ m["w"] + m["b"] for n, m in c["models"].items()}
        test = {n: _rmse(p, np.asarray(c["y_test"])) for n, p in pred_test.items()}
        best = min(names, key=val.__getitem__)
        name, value = seen["name"], seen["value"]
        if name not in names:
            raise Mismatch(f"{name!r} is not one of the models: {names}.")
        if name != best:
            if name == min(names, key=test.__getitem__):
                raise Mismatch(
                    f"you chose {name!r}, the model with the lowest *test* error; the lowest "
                    f"validation error ({val[best]:.4g} g) belongs to {best!r}.",
                    hint="choosing by the test split makes it part of the fitting, and its score "
                    "optimistic: choose on the validation split.",
                )
            raise Mismatch(
                f"you chose {name!r} (validation RMSE {val[name]:.4g} g); the lowest validation "
                f"RMSE is {best!r}'s, {val[best]:.4g} g."
            )
        on_test = sorted({n for n, split in seen["calls"] if split == "test"})
        if on_test != [best]:
            others = [n for n in on_test if n != best]
            raise Mismatch(
                f"the test split was used on {len(on_test)} models: "
                f"{'; '.join(repr(n) for n in on_test)}."
                if others
                else "the chosen model was never evaluated on the test split.",
                hint="the test split is touched once, at the end, by the chosen model alone: "
                "whatever else sees it could sway the choice."
                if others
                else "report the chosen model's error on the test penguins.",
            )
        _expect_report(value, val[best], test[best])
    return "chosen on validation, reported once on test."


#: Exercise 1: ``choose_and_report(models, x_val, y_val, x_test, y_test) -> (name, rmse)``.
check_choose_and_report = Exercise(
    "Exercise 1 (choose_and_report)",
    _CHOOSE_HINT,
    cases=_choose_cases,
    probe=_choose_probe,
    judge=_choose_judge,
    seed=6,
)
