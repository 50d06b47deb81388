"""The check of notebook 05's exercise 3 (batch_to): its cases, probe, judge and hints.

Taught in: 05 · Devices and checkpoints, section "Exercises".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from . import Exercise, Mismatch

# ------------------------------------------------------------------ exercise 3
_BATCH_TO_HINT = (
    "move what is a tensor, keep everything else as it is, and keep the batch's shape: the "
    "same containers (dict, list, tuple) with the same keys, to any depth."
)
_NESTED_HINT = (
    "a container can hold containers: whatever your function does for the whole batch, it must "
    "do for each thing inside it, however deep (a function may call itself)."
)
_DTYPES = ("float32", "float64", "int64", "bool")


def _leaf(rng: np.random.Generator, kind: str) -> dict[str, Any]:
    if kind == "tensor":
        shape = rng.integers(1, 5, size=int(rng.integers(1, 3))).tolist()
        dtype = str(rng.choice(_DTYPES))
        return {"kind": "tensor", "value": rng.normal(size=shape).astype(dtype)}
    if kind == "str":
        return {"kind": "str", "value": f"penguin-{int(rng.integers(1, 400))}"}
    return {"kind": "int", "value": int(rng.integers(0, 100))}


def _batch_to_cases(seed: int) -> list[dict[str, Any]]:
    """Batches described as plain data: a lone tensor, an (x, y) pair, a dict with a string,
    then nested dicts, lists and tuples drawn from ``seed``."""
    rng = np.random.default_rng(seed)

    def tensor() -> dict[str, Any]:
        return _leaf(rng, "tensor")

    def tree(depth: int, container: bool = False) -> dict[str, Any]:
        kind = (
            rng.choice(["dict", "list", "tuple"])
            if container
            else rng.choice(
                ["dict", "list", "tuple", "tensor", "str", "int"],
                p=[0.3, 0.15, 0.15, 0.25, 0.1, 0.05],
            )
        )
        if depth == 0 or kind in ("tensor", "str", "int"):
            return _leaf(rng, "tensor" if depth == 0 else str(kind))
        n = int(rng.integers(1, 4))
        if kind == "dict":
            keys = rng.choice(
                ["x", "y", "weight", "mask", "extra", "ids", "meta"], n, replace=False
            )
            return {"kind": "dict", "items": {str(k): tree(depth - 1) for k in keys}}
        return {"kind": str(kind), "items": [tree(depth - 1) for _ in range(n)]}

    fixed = [
        tensor(),
        {"kind": "tuple", "items": [tensor(), tensor()]},
        {"kind": "dict", "items": {"x": tensor(), "y": tensor(), "id": _leaf(rng, "str")}},
        {
            "kind": "dict",
            "items": {
                "x": tensor(),
                "extra": {"kind": "dict", "items": {"mask": tensor(), "n": _leaf(rng, "int")}},
            },
        },
    ]
    return fixed + [
        {"kind": "dict", "items": {"x": tensor(), "more": tree(3, container=True)}}
        for _ in range(2)
    ]


def _build(spec: dict[str, Any]) -> Any:
    """The real batch a spec describes (tensors on the CPU)."""
    kind = spec["kind"]
    if kind == "tensor":
        return torch.as_tensor(np.asarray(spec["value"]))
    if kind in ("str", "int"):
        return spec["value"]
    if kind == "dict":
        return {k: _build(v) for k, v in spec["items"].items()}
    items = [_build(v) for v in spec["items"]]
    return tuple(items) if kind == "tuple" else items


def _describe(value: Any) -> dict[str, Any]:
    """What came back, as plain data: containers and their keys, each tensor's device, shape
    and dtype, other values as they are."""
    if isinstance(value, torch.Tensor):
        return {
            "kind": "tensor",
            "device": value.device.type,
            "shape": list(value.shape),
            "dtype": str(value.dtype).removeprefix("torch."),
        }
    if isinstance(value, dict):
        return {"kind": "dict", "items": {str(k): _describe(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"kind": type(value).__name__, "items": [_describe(v) for v in value]}
    if isinstance(value, (str, int, float)) or value is None:
        return {"kind": type(value).__name__, "value": value}
    return {"kind": type(value).__name__}


def _batch_to_probe(fn: Callable[..., Any], cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Call ``fn(batch, "meta")`` for each case's batch and describe what came back."""
    outputs = []
    for spec in cases:
        try:
            got = fn(_build(spec), torch.device("meta"))
        except AttributeError as exc:
            if "'to'" not in str(exc):
                raise
            raise Mismatch(
                f"your function called .to() on something that is not a tensor ({exc}).",
                hint="only tensors live on a device: strings and numbers need no moving. Ask "
                "each thing what it is before moving it.",
            ) from None
        if got is None:
            raise Mismatch("your function returned None. End it by returning the moved batch.")
        outputs.append(_describe(got))
    return outputs


def _where(path: str) -> str:
    return path or "the batch itself"


def _compare_tensor(spec: dict[str, Any], got: dict[str, Any], path: str) -> None:
    if got["kind"] != "tensor":
        raise Mismatch(f"{_where(path)} should be a tensor, got {got['kind']}.")
    if got["device"] != "meta":
        raise Mismatch(
            f"the tensor at {_where(path)} is still on {got['device']}, not on meta.",
            hint=_NESTED_HINT if path.count("[") > 1 else None,
        )
    expected = (list(np.shape(spec["value"])), str(np.asarray(spec["value"]).dtype))
    if (got["shape"], got["dtype"]) != expected:
        raise Mismatch(
            f"the tensor at {_where(path)} has shape {got['shape']} and dtype {got['dtype']}; "
            f"it should keep its shape {expected[0]} and dtype {expected[1]}."
        )


def _compare_value(spec: dict[str, Any], got: dict[str, Any], path: str) -> None:
    if got.get("value") != spec["value"] or got["kind"] != spec["kind"]:
        raise Mismatch(
            f"{_where(path)} was {spec['value']!r} and should stay as it is; got "
            f"{got.get('value', got['kind'])!r}.",
            hint="only tensors live on a device: strings and numbers need no moving.",
        )


def _compare(spec: dict[str, Any], got: dict[str, Any], path: str) -> None:
    """Raise a Mismatch at the first place where ``got`` is not ``spec`` moved to meta."""
    kind = spec["kind"]
    if kind == "tensor":
        return _compare_tensor(spec, got, path)
    if kind in ("str", "int"):
        return _compare_value(spec, got, path)
    if got["kind"] != kind:
        raise Mismatch(
            f"{_where(path)} was a {kind} and came back as a {got['kind']}.",
            hint="keep the batch's shape: code that unpacks or indexes it must still work.",
        )
    if kind == "dict":
        if list(got["items"]) != list(spec["items"]):
            raise Mismatch(
                f"{_where(path)} has keys {list(got['items'])}, expected {list(spec['items'])}."
            )
        pairs = [(v, got["items"][k], f"{path}[{k!r}]") for k, v in spec["items"].items()]
    else:
        if len(got["items"]) != len(spec["items"]):
            raise Mismatch(
                f"{_where(path)} holds {len(got['items'])} items, expected {len(spec['items'])}."
            )
        pairs = [
            (v, b, f"{path}[{i}]")
            for i, (v, b) in enumerate(zip(spec["items"], got["items"], strict=True))
        ]
    for value, back, where in pairs:
        _compare(value, back, where)
    return None


def _batch_to_judge(cases: list[dict[str, Any]], outputs: list[dict[str, Any]]) -> str:
    for spec, got in zip(cases, outputs, strict=True):
        _compare(spec, got, "")
    return "every tensor moved, everything else kept, the batch's shape unchanged at every depth."


#: Exercise 3: ``batch_to(batch, device) -> the batch with every tensor on device``.
check_batch_to = Exercise(
    "Exercise 3 (batch_to)",
    _BATCH_TO_HINT,
    cases=_batch_to_cases,
    probe=_batch_to_probe,
    judge=_batch_to_judge,
    seed=5,
)
