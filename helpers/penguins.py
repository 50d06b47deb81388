"""The Palmer penguins: 344 real penguins, measured, shipped with the course.

The table (``helpers/datasets/penguins.csv``, CC0; licence and citation in
``helpers/datasets/PENGUINS-LICENSE.md``) has five numeric columns and three categorical ones.
:func:`load_penguins` turns the columns you ask for into ``x`` (N, d) and ``y`` (N, 1) float64
NumPy arrays, dropping every penguin with a missing value in them and saying how many.
A categorical column becomes one 0/1 column per category (one-hot), or one fewer with
``drop_first=True``. NumPy and the standard library only: no pandas, no download.

Taught in: 06 · Real data: Palmer penguins (every section).
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Sequence
from importlib import resources
from typing import Any

import numpy as np

from .validation import describe

__all__ = ["load_penguins", "penguin_columns", "penguin_feature_names", "penguin_labels"]

NUMERIC = {
    "bill_length_mm": "bill length in mm (numeric)",
    "bill_depth_mm": "bill depth in mm (numeric)",
    "flipper_length_mm": "flipper length in mm (numeric)",
    "body_mass_g": "body mass in g (numeric)",
    "year": "year of the observation, 2007-2009 (numeric)",
}
CATEGORIES = {
    "species": ("Adelie", "Chinstrap", "Gentoo"),
    "island": ("Biscoe", "Dream", "Torgersen"),
    "sex": ("female", "male"),
}
MISSING = "NA"


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, ...]]:
    """The CSV as column name -> the 344 raw strings, read once."""
    path = resources.files("helpers").joinpath("datasets", "penguins.csv")
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    return {name: tuple(row[i] for row in body) for i, name in enumerate(header)}


def penguin_columns() -> dict[str, str]:
    """The columns :func:`load_penguins` knows, each with what it holds.

    Returns:
        name -> description, e.g. ``"flipper_length_mm": "flipper length in mm (numeric)"``
        and ``"species": "one of Adelie, Chinstrap, Gentoo (categorical: one-hot)"``.
    """
    columns = dict(NUMERIC)
    for name, categories in CATEGORIES.items():
        columns[name] = f"one of {', '.join(categories)} (categorical: one-hot)"
    return {name: columns[name] for name in _table() if name in columns}


def _check_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or name not in penguin_columns():
        raise ValueError(
            f"unknown penguin column {name!r} in {what}. The columns are: "
            f"{', '.join(penguin_columns())} (helpers.penguin_columns() describes them)."
        )
    return name


def _check_features(features: Any) -> list[str]:
    """The requested feature names as a list (one name alone is fine), checked."""
    if isinstance(features, str):
        features = [features]
    if not isinstance(features, Sequence) or not features:
        raise TypeError(
            f"features must be a non-empty list of column names, got {describe(features)}. "
            f'Pass e.g. features=("flipper_length_mm",); the columns are: '
            f"{', '.join(penguin_columns())}."
        )
    features = [_check_name(name, "features") for name in features]
    if len(set(features)) != len(features):
        raise ValueError(f"features lists a column twice: {features}. Name each once.")
    return features


def _check_target(target: Any, features: list[str]) -> str:
    target = _check_name(target, "target")
    if target in CATEGORIES:
        raise ValueError(
            f"target must be a numeric column, got the categorical {target!r}. "
            f"Regression predicts a number: pick one of {', '.join(NUMERIC)}."
        )
    if target in features:
        raise ValueError(
            f"target {target!r} is also in features, so the model would read the answer. "
            f"Remove it from features."
        )
    return target


def _check_drop_first(drop_first: Any) -> bool:
    if not isinstance(drop_first, bool):
        raise TypeError(f"drop_first must be True or False, got {describe(drop_first)}.")
    return drop_first


def penguin_feature_names(
    features: str | Sequence[str] = ("flipper_length_mm",), *, drop_first: bool = False
) -> list[str]:
    """The names of the columns of ``x`` that :func:`load_penguins` returns for ``features``.

    A numeric feature keeps its name; a categorical one becomes ``"name=category"`` for each
    category (all but the first with ``drop_first=True``).

    Example:
        >>> penguin_feature_names(["flipper_length_mm", "sex"], drop_first=True)
        ['flipper_length_mm', 'sex=male']
    """
    features = _check_features(features)
    drop_first = _check_drop_first(drop_first)
    names = []
    for name in features:
        if name in CATEGORIES:
            kept = CATEGORIES[name][1:] if drop_first else CATEGORIES[name]
            names.extend(f"{name}={category}" for category in kept)
        else:
            names.append(name)
    return names


def _complete_rows(columns: list[str]) -> tuple[np.ndarray, dict[str, int]]:
    """A mask of the rows with no missing value in ``columns``, and the missing count of each."""
    table = _table()
    missing = {name: np.array([v == MISSING for v in table[name]]) for name in columns}
    keep = ~np.any(np.stack(list(missing.values())), axis=0)
    return keep, {name: int(m.sum()) for name, m in missing.items() if m.any()}


def _column(name: str, keep: np.ndarray, drop_first: bool) -> np.ndarray:
    """One requested column for the kept rows: (N, 1) numbers, or (N, k) one-hot."""
    values = np.array(_table()[name])[keep]
    if name not in CATEGORIES:
        return values.astype(np.float64).reshape(-1, 1)
    kept = CATEGORIES[name][1:] if drop_first else CATEGORIES[name]
    return np.stack([(values == category).astype(np.float64) for category in kept], axis=1)


def load_penguins(
    features: str | Sequence[str] = ("flipper_length_mm",),
    target: str = "body_mass_g",
    *,
    drop_first: bool = False,
    verbose: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """The penguins as a regression problem: ``x`` from ``features``, ``y`` from ``target``.

    Penguins with a missing value in any requested column are dropped; with ``verbose`` a
    line says how many, and which columns of ``x`` there are. The rows keep the file's order.

    Args:
        features: column names (see :func:`penguin_columns`): numeric ones give one column
            each; a categorical one (species, island, sex) gives one 0/1 column per category
            (one-hot), in the order :func:`penguin_feature_names` lists.
        target: a numeric column, by default the body mass in grams.
        drop_first: leave out the first category of every categorical feature (Adelie,
            Biscoe, female), so that the one-hot columns plus a bias are not redundant.
        verbose: print how many penguins were kept and dropped.

    Returns:
        x: (N, d) float64 array; y: (N, 1) float64 array (N = 342 for the default columns).

    Raises:
        ValueError: an unknown column (the message lists the valid ones), a categorical or
            repeated target, a column named twice.
        TypeError: features is not a list of names, or drop_first/verbose is not a bool.
    """
    features = _check_features(features)
    target = _check_target(target, features)
    drop_first = _check_drop_first(drop_first)
    if not isinstance(verbose, bool):
        raise TypeError(f"verbose must be True or False, got {describe(verbose)}.")
    keep, missing = _complete_rows([*features, target])
    x = np.hstack([_column(name, keep, drop_first) for name in features])
    y = _column(target, keep, drop_first=False)
    if verbose:
        total = len(keep)
        why = ", ".join(f"{name} {count}" for name, count in missing.items())
        dropped = (
            f"{total - len(y)} dropped for a missing value (penguins missing each column: {why})"
            if why
            else "none dropped"
        )
        print(f"load_penguins: {len(y)} of {total} penguins kept, {dropped}.")
        print(f"  x columns: {', '.join(penguin_feature_names(features, drop_first=drop_first))}")
        print(f"  y column:  {target}")
    return x, y


def penguin_labels(
    column: str = "species",
    features: str | Sequence[str] = ("flipper_length_mm",),
    target: str = "body_mass_g",
) -> np.ndarray:
    """The category of each penguin that :func:`load_penguins` keeps for these columns.

    Use it to colour plots by group: row i belongs to row i of ``load_penguins(features,
    target)``: the same penguins are dropped, whether or not ``column`` is a feature, so a
    penguin whose own label is missing (11 have no recorded sex) gets ``"NA"``.

    Args:
        column: a categorical column: species, island or sex.
        features, target: as passed to :func:`load_penguins`.

    Returns:
        (N,) array of str, e.g. ``"Adelie"``.
    """
    features = _check_features(features)
    target = _check_target(target, features)
    if column not in CATEGORIES:
        raise ValueError(
            f"column must be a categorical column ({', '.join(CATEGORIES)}), got {column!r}."
        )
    keep, _ = _complete_rows([*features, target])
    return np.array(_table()[column])[keep]
