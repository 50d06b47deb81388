"""The check of notebook 03's exercise 2 (unstandardise): its cases, probe, judge and hint.

Taught in: 03 · nn.Module, nn.MSELoss and torch.optim, section "Exercises".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import Exercise, Mismatch, as_values, close_to, expect_returned, fmt_numbers

# ------------------------------------------------------------------ exercise 2
_UNSTANDARDISE_HINT = (
    "write the layer's output for z = (x - mu) / sigma out in x: each weight is divided by "
    "its column's sigma, and what is left over without x joins the bias. Then put those "
    "numbers into a new nn.Linear(d, 1) (section 4 did it by hand for one feature)."
)


def _unstandardise_cases(seed: int) -> list[dict[str, Any]]:
    """A trained layer (weight, bias), the training statistics (mu, sigma) and raw inputs x:
    one fixed one-feature case, then random cases with 3 and 2 features."""
    rng = np.random.default_rng(seed)
    cases = [
        {
            "weight": [3.0],
            "bias": 1.0,
            "mu": [5.0],
            "sigma": [2.0],
            "x": [[0.0], [5.0], [10.0]],
        }
    ]
    for d in (3, 2):
        mu = np.round(rng.uniform(-10.0, 10.0, d), 3)
        sigma = np.round(rng.uniform(0.5, 5.0, d), 3)
        cases.append(
            {
                "weight": np.round(rng.uniform(-3.0, 3.0, d), 3).tolist(),
                "bias": round(float(rng.uniform(-3.0, 3.0)), 3),
                "mu": mu.tolist(),
                "sigma": sigma.tolist(),
                "x": np.round(mu + sigma * rng.normal(size=(6, d)), 3).tolist(),
            }
        )
    return cases


def _unstandardise_probe(
    fn: Callable[..., Any], cases: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """For each case: what came back (a Linear? model_z itself?), its weight, bias and
    predictions on raw x, and model_z's parameters afterwards."""
    import torch
    from torch import nn

    out = []
    for case in cases:
        d = len(case["mu"])
        model_z = nn.Linear(d, 1)
        with torch.no_grad():
            model_z.weight.copy_(torch.tensor([case["weight"]]))
            model_z.bias.fill_(case["bias"])
        mu = torch.tensor(case["mu"], dtype=torch.float32)
        sigma = torch.tensor(case["sigma"], dtype=torch.float32)
        try:
            model = fn(model_z, mu.clone(), sigma.clone())
        except RuntimeError as exc:
            if "leaf Variable that requires grad" in str(exc):
                raise Mismatch(
                    "writing into a parameter failed: autograd does not let you change a "
                    "parameter in place while it records.",
                    hint="compute the new weight and bias first, then write them into the new "
                    "layer where autograd records nothing, or hand them over as a state_dict "
                    "(sections 3 and 8).",
                ) from None
            raise
        expect_returned(model, "the new layer")
        if not isinstance(model, nn.Module):
            raise Mismatch(f"return an nn.Linear(d, 1), got {type(model).__name__}.")
        x = torch.tensor(case["x"], dtype=torch.float32)
        with torch.no_grad():
            pred = model(x)
        out.append(
            {
                "same_object": model is model_z,
                "is_linear": isinstance(model, nn.Linear),
                "weight": getattr(model, "weight", None),
                "bias": getattr(model, "bias", None),
                "pred": pred.double(),
                "weight_z": model_z.weight.detach().double(),
                "bias_z": model_z.bias.detach().double(),
            }
        )
    return out


def _expect_new_layer(out: dict[str, Any], w: np.ndarray, b: float, d: int) -> np.ndarray:
    """Raise a Mismatch unless model_z is untouched and a new nn.Linear(d, 1) came back;
    return the new layer's weight."""
    untouched = close_to(as_values(out["weight_z"], "model_z's weight").reshape(-1), w) and (
        close_to(float(np.reshape(out["bias_z"], -1)[0]), b)
    )
    if not untouched:
        raise Mismatch(
            "model_z's own parameters changed.",
            hint="leave the trained layer as it was and build a new one: the caller may "
            "still use model_z on standardised inputs.",
        )
    if out["same_object"]:
        raise Mismatch(
            "you returned model_z itself, which still expects standardised inputs.",
            hint="the new layer takes raw x; its weight and bias differ from model_z's.",
        )
    if not out["is_linear"]:
        raise Mismatch("return an nn.Linear(d, 1), so that it can be saved and reused.")
    weight = as_values(out["weight"], "the new layer's weight")
    if weight.shape != (1, d):
        raise Mismatch(f"the new layer's weight has shape {weight.shape}, expected (1, {d}).")
    return weight


def _unstandardise_judge(cases: list[dict[str, Any]], outputs: list[dict[str, Any]]) -> str:
    for case, out in zip(cases, outputs, strict=True):
        w, b = np.asarray(case["weight"], dtype=float), float(case["bias"])
        mu, sigma = np.asarray(case["mu"], dtype=float), np.asarray(case["sigma"], dtype=float)
        x = np.asarray(case["x"], dtype=float)
        d = len(mu)
        where = f"for {d} feature(s), mu {fmt_numbers(mu)} and sigma {fmt_numbers(sigma)}"
        weight = _expect_new_layer(out, w, b, d)
        expected = ((x - mu) / sigma) @ w + b
        pred = np.asarray(out["pred"], dtype=float).reshape(-1)
        if close_to(pred, expected, rtol=1e-4) or np.allclose(pred, expected, atol=1e-4):
            continue
        got_w = weight.reshape(-1)
        got_b = float(np.reshape(as_values(out["bias"], "the new layer's bias"), -1)[0])
        if close_to(got_w, w / sigma) and close_to(got_b, b):
            raise Mismatch(
                f"{where} the weights are right but the bias is still model_z's {b:.4g}.",
                hint="shifting x by mu moves the intercept too: what does model_z predict for "
                "z = 0, and which x is that?",
            )
        if close_to(got_w, w * sigma):
            raise Mismatch(
                f"{where} the weights are {fmt_numbers(got_w)}, model_z's weights times sigma.",
                hint="one unit of z is sigma units of x, so a slope per unit of x is the slope "
                "per unit of z divided by sigma.",
            )
        if close_to(got_w, w) and close_to(got_b, b):
            raise Mismatch(f"{where} the new layer has model_z's weight and bias unchanged.")
        raise Mismatch(
            f"{where} the new layer predicts {fmt_numbers(pred[:3])}... for raw x, but model_z on "
            f"the standardised x predicts {fmt_numbers(expected[:3])}..."
        )
    return "the new layer on raw x predicts what model_z predicts on standardised x, and model_z is untouched."


#: Exercise 2: ``unstandardise(model_z, mu, sigma) -> nn.Linear(d, 1)`` on raw inputs.
check_unstandardise = Exercise(
    "Exercise 2 (unstandardise)",
    _UNSTANDARDISE_HINT,
    cases=_unstandardise_cases,
    probe=_unstandardise_probe,
    judge=_unstandardise_judge,
    seed=3,
)
