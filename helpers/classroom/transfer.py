"""Plain data across the sandbox's wall: the grader's inputs in, the learner's outputs out.

A folder holds ``data.json`` (plain values; an array is ``{"__npy__": "aK.npy"}``) and the
arrays as ``aK.npy``. :func:`dump` writes one, :func:`load` reads one back with validation:
``np.load(allow_pickle=False)``, numeric dtypes only, sizes and depth capped, so whatever a
kernel leaves there is numbers or a clear :class:`ValueError`, never code.

:func:`drive` is what the grader's fixed cell calls in the kernel: it probes the learner's
function on the inputs and writes the outputs (or what went wrong) for the grader to judge.

Not taught in a notebook: a tool for teachers (see INSTRUCTORS.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["MAX_ARRAY_BYTES", "MAX_JSON_BYTES", "drive", "dump", "load"]

MAX_JSON_BYTES = 1 << 20  # 1 MiB of JSON
MAX_ARRAY_BYTES = 16 << 20  # 16 MiB per array
MAX_ARRAYS = 256
MAX_TOTAL_BYTES = 64 << 20  # 64 MiB of arrays in one folder
MAX_DEPTH = 16
ARRAY_NAME = re.compile(r"\Aa\d{1,3}\.npy\Z")


def dump(value: Any, folder: str | Path) -> None:
    """Write plain ``value`` (see :func:`helpers.checks.plain`) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arrays: list[np.ndarray] = []

    def encode(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            arrays.append(v)
            return {"__npy__": f"a{len(arrays) - 1}.npy"}
        if isinstance(v, list):
            return [encode(x) for x in v]
        if isinstance(v, dict):
            return {k: encode(x) for k, x in v.items()}
        return v

    text = json.dumps(encode(value), allow_nan=True)
    for k, arr in enumerate(arrays):
        np.save(folder / f"a{k}.npy", arr, allow_pickle=False)
    (folder / "data.json").write_text(text, encoding="utf-8")


def load(folder: str | Path) -> Any:
    """Read what :func:`dump` wrote into ``folder``, validating every part.

    Raises:
        ValueError: the folder holds something that is not plain data within the limits.
    """
    folder = Path(folder)
    path = folder / "data.json"
    if not path.is_file() or path.is_symlink():
        raise ValueError("no data.json")
    if path.stat().st_size > MAX_JSON_BYTES:
        raise ValueError(f"data.json is larger than {MAX_JSON_BYTES} bytes")
    data = json.loads(path.read_text(encoding="utf-8"))
    seen: list[int] = []  # the sizes of the arrays loaded

    def decode(v: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ValueError(f"nested deeper than {MAX_DEPTH}")
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, list):
            return [decode(x, depth + 1) for x in v]
        if isinstance(v, dict) and set(v) == {"__npy__"}:
            return _array(folder, v["__npy__"], seen)
        if isinstance(v, dict):
            return {str(k): decode(x, depth + 1) for k, x in v.items()}
        raise ValueError(f"unexpected {type(v).__name__}")

    return decode(data, 0)


def _array(folder: Path, name: Any, seen: list[int]) -> np.ndarray:
    """Load array ``name``; ``seen`` holds the sizes of those loaded so far (a name used
    twice counts twice)."""
    if not isinstance(name, str) or not ARRAY_NAME.match(name):
        raise ValueError(f"bad array name {str(name)[:40]!r}")
    if len(seen) >= MAX_ARRAYS:
        raise ValueError(f"more than {MAX_ARRAYS} arrays")
    path = folder / name
    if not path.is_file() or path.is_symlink():
        raise ValueError(f"{name} is missing")
    seen.append(path.stat().st_size)
    if seen[-1] > MAX_ARRAY_BYTES:
        raise ValueError(f"{name} is larger than {MAX_ARRAY_BYTES} bytes")
    if sum(seen) > MAX_TOTAL_BYTES:
        raise ValueError(f"its arrays hold more than {MAX_TOTAL_BYTES} bytes in all")
    arr = np.load(path, allow_pickle=False)
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} does not hold numbers")
    return arr


def drive(namespace: dict, function: str, module: str, check: str, inputs: str, out: str) -> None:
    """In the kernel: call ``module.check``'s probe on ``namespace[function]``, write the result.

    ``out`` receives ``status.json`` (``{"status": ..., "message": ...}``; status is one of
    ``outputs``, ``undefined``, ``stub``, ``mismatch``, ``raised``) and, for ``outputs``, the
    plain outputs (:func:`dump`). Nothing here decides a verdict: the grader judges the outputs.
    """
    import importlib

    from ..checks import Mismatch, is_untouched_stub, plain

    def write(status: str, message: str = "") -> None:
        Path(out).mkdir(parents=True, exist_ok=True)
        text = json.dumps({"status": status, "message": message[:2000]})
        (Path(out) / "status.json").write_text(text, encoding="utf-8")

    if function not in namespace:
        return write("undefined")
    fn = namespace[function]
    if is_untouched_stub(fn):
        return write("stub")
    if not callable(fn):
        return write("mismatch", f"`{function}` is a {type(fn).__name__}, not a function.")
    try:  # a fresh copy of the check's module: what the learner rebound in it is gone
        exercise = getattr(importlib.reload(importlib.import_module(module)), check)
        outputs = plain(exercise.probe(fn, load(inputs)))
    except Mismatch as exc:
        return write("mismatch", str(exc))
    except Exception as exc:  # noqa: BLE001  (the learner's code raised: that is the answer)
        return write("raised", f"your function raised {type(exc).__name__}: {exc}")
    dump(outputs, out)
    write("outputs")
