"""The closed-form least-squares answer: the ground truth every notebook checks against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .validation import check_finite_number, check_xy, describe, to_numpy

__all__ = ["FitComparison", "closed_form_fit", "compare_with_closed_form"]


@dataclass(frozen=True)
class FitComparison:
    """What :func:`compare_with_closed_form` found. The table was printed already, so a
    notebook displays nothing more for it."""

    max_difference: float
    tol: float

    @property
    def agrees(self) -> bool:
        """True when every parameter is within ``tol`` of the closed form."""
        return self.max_difference < self.tol

    def _ipython_display_(self) -> None:
        pass


def closed_form_fit(
    x: Any, y: Any, *, bias: bool = True, l2: float = 0.0
) -> tuple[np.ndarray, float]:
    """Least-squares weights and bias, solved directly rather than by gradient descent.

    Taught in: 01 · Gradient descent by hand in NumPy, section 3 (two parameters).

    Minimises the mean squared error ``mean((x @ w + b - y) ** 2)`` in float64.

    Args:
        x: (N,) or (N, d) features, NumPy array, torch tensor or list.
        y: (N,) or (N, 1) targets.
        bias: fit an intercept b. With ``bias=False`` the line goes through the origin
            and the returned bias is 0.0.
        l2: ridge (L2) penalty λ >= 0: minimise ``mean((x @ w + b - y) ** 2) + l2 * sum(w ** 2)``
            instead, with the weights penalised and the bias not. ``torch.optim.SGD`` with
            ``weight_decay=wd`` on the weights only (not the bias) matches ``l2 = wd / 2``.

    Returns:
        weights: (d,) float64 array; bias: float.

    Raises:
        ValueError: if the answer is not unique (fewer samples than parameters, or a
            feature that is constant or a copy of another).
    """
    xs, ys = check_xy(x, y)
    if l2 != 0.0:
        return _ridge_fit(xs, ys, _check_l2(l2), bias)
    n, d = xs.shape
    design = np.hstack([xs, np.ones((n, 1))]) if bias else xs
    rank = np.linalg.matrix_rank(design)
    if rank < design.shape[1]:
        why = (
            f"only {n} sample(s) for {design.shape[1]} parameter(s)"
            if n < design.shape[1]
            else "a feature is constant (so it duplicates the bias) or a combination of others"
            if bias
            else "a feature is all zeros or a combination of others"
        )
        raise ValueError(
            f"closed_form_fit has no unique answer for x of shape {xs.shape}: {why}. "
            f"Add samples or drop the redundant feature."
        )
    solution, *_ = np.linalg.lstsq(design, ys, rcond=None)
    if bias:
        return solution[:d], float(solution[d])
    return solution, 0.0


def _ridge_fit(xs: np.ndarray, ys: np.ndarray, l2: float, bias: bool) -> tuple[np.ndarray, float]:
    """Ridge regression: the weights and bias that minimise ``mean((xs @ w + b - ys) ** 2) +
    l2 * sum(w ** 2)``, with only the weights penalised.

    Setting the gradient to zero gives the normal equations ``(D.T @ D / N + P) θ = D.T @ y / N``
    for the design D = [xs, 1] and θ = (w, b), where P is ``l2`` on the diagonal for every weight
    and 0 for the bias. For ``l2 > 0`` that matrix is positive definite, so the answer is unique
    even where plain least squares has none (a constant or repeated feature, more features than
    samples). Training ``nn.MSELoss()`` with ``torch.optim.SGD(weight_decay=wd)`` on the weights
    alone minimises the same function with ``l2 = wd / 2``: weight decay adds ``wd * w`` to the
    gradient, and ``wd * w`` is the gradient of ``(wd / 2) * sum(w ** 2)``.

    Args:
        xs: (N, d) float64 features; ys: (N,) float64 targets; l2: λ >= 0; bias: fit b.

    Returns:
        weights: (d,) float64 array; bias: float (0.0 without a bias).

    Taught in: 06 · Real data: Palmer penguins, section "Weight decay".
    """
    n, d = xs.shape
    design = np.hstack([xs, np.ones((n, 1))]) if bias else xs
    penalty = np.full(design.shape[1], l2)
    if bias:
        penalty[d] = 0.0  # the intercept is not penalised
    solution = np.linalg.solve(design.T @ design / n + np.diag(penalty), design.T @ ys / n)
    return solution[:d], (float(solution[d]) if bias else 0.0)


def _check_l2(l2: Any) -> float:
    """The ridge penalty as a float >= 0, or a ValueError/TypeError naming ``l2``."""
    value = check_finite_number(l2, "l2")
    if value < 0:
        raise ValueError(
            f"l2 must be 0 (plain least squares) or positive (ridge), got {value:g}. "
            f"Pass a penalty such as l2=0.01."
        )
    return value


def compare_with_closed_form(
    x: Any,
    y: Any,
    weights: Any,
    bias: Any = None,
    *,
    label: str = "gradient descent",
    tol: float = 1e-3,
    l2: float = 0.0,
) -> FitComparison:
    """Print a fit beside the closed-form answer and return the largest difference.

    Taught in: 01 · Gradient descent by hand in NumPy, section 2; used in every notebook.

    Args:
        x: (N,) or (N, d) features the model was trained on.
        y: (N,) or (N, 1) targets.
        weights: the trained slope(s): a number, or d numbers (array, tensor or
            ``nn.Parameter``, any shape with d elements, e.g. ``linear.weight`` of shape (1, d)).
        bias: the trained intercept, or None for a model without one.
        label: the name of the method, printed in the table.
        tol: the agreement printed as "yes"/"NO".
        l2: compare with the ridge closed form for this penalty instead (see
            :func:`closed_form_fit`); its row is then labelled "ridge closed form".

    Returns:
        A :class:`FitComparison`: ``.max_difference`` over all parameters and ``.agrees``.
    """
    tol = check_finite_number(tol, "tol", positive=True)
    w = to_numpy(weights, "weights").reshape(-1)
    ref_w, ref_b = closed_form_fit(x, y, bias=bias is not None, l2=l2)
    reference = "ridge closed form" if l2 != 0.0 else "closed form"
    if w.shape != ref_w.shape:
        raise ValueError(
            f"weights has {w.size} value(s) but x has {ref_w.size} feature(s) "
            f"(weights: {describe(weights)}). Pass one weight per feature."
        )
    names = [f"w{i + 1}" if len(w) > 1 else "w" for i in range(len(w))]
    rows = [(reference, ref_w), (label, w)]
    if bias is not None:
        b = to_numpy(bias, "bias").reshape(-1)
        if b.size != 1:
            raise ValueError(f"bias must be one number, got {describe(bias)}.")
        names.append("b")
        rows = [(reference, np.append(ref_w, ref_b)), (label, np.append(w, b))]
    width = max(len(r[0]) for r in rows)
    # each column is 11 wide with a space in front, so even "-3.771e+04" keeps its distance
    print(" " * width + "".join(f" {n:>10}" for n in names))
    for name, values in rows:
        print(f"{name:<{width}}" + "".join(f" {v:>#10.4g}" for v in values))
    result = FitComparison(float(np.max(np.abs(rows[0][1] - rows[1][1]))), tol)
    print(f"agree within {tol:g}: {'yes' if result.agrees else 'NO'}")
    return result
