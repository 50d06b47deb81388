"""Judging: the grader's plan for each exercise, and its verdict on what came back.

``plan`` draws each exercise's inputs from a fresh seed in the grader's process; ``judge``
reads the kernel's plain outputs back (validated) and calls the exercise's judge here.

Not taught in a notebook: a tool for teachers (see INSTRUCTORS.md).
"""

from __future__ import annotations

import importlib
import json
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from ..checks import Exercise, Mismatch, plain
from . import transfer
from .student import find_exercises, untagged_problems
from .submissions import DEFINES, STUB_HEAD, Verdict, _first_line, _short, check_imports
from .worker import PROGRESS

__all__ = [
    "NOT_JUDGEABLE",
    "Planned",
    "judge",
    "looks_like",
    "missing",
    "plan",
    "problem",
    "read_result",
]

MAX_RESULT_BYTES = 1 << 20


STATUSES = {"outputs", "undefined", "stub", "mismatch", "raised"}


NOT_JUDGEABLE = "❌ not graded: this exercise's check can't be judged outside the kernel"


@dataclass
class Planned:
    """One exercise as the grader plans it: its check, and the inputs it drew (None: not judged)."""

    number: int
    function: str
    call: str
    module: str
    check_name: str
    exercise: Exercise | None
    inputs: Any = None


def plan(reference: Path, work: Path) -> list[Planned]:
    nb = nbformat.read(reference, as_version=4)
    problems = untagged_problems(nb, reference.name)
    if problems:
        raise ValueError("the self-study notebook is not tagged:\n  " + "\n  ".join(problems))
    modules = check_imports(nb)
    planned = []
    for ex in find_exercises(nb, reference.name):
        module = modules.get(ex.check_name, "")
        check = getattr(importlib.import_module(module), ex.check_name, None) if module else None
        item = Planned(ex.number, ex.function, ex.check, module, ex.check_name, None)
        if isinstance(check, Exercise):
            item.exercise = check
            item.inputs = plain(check.cases(secrets.randbelow(2**31)))
            transfer.dump(item.inputs, work / "in" / str(ex.number))
        planned.append(item)
    return planned


def looks_like(nb: nbformat.NotebookNode, planned: list[Planned]) -> bool:
    """True if any of the exercises' cells (``# Exercise N`` or ``def f(``) is in ``nb``."""
    numbers = {str(p.number) for p in planned}
    functions = {p.function for p in planned}
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        head = STUB_HEAD.search(cell.source)
        if (head and head.group(1) in numbers) or functions & set(DEFINES.findall(cell.source)):
            return True
    return False


def read_result(ctl: Path) -> dict:
    """The worker's result, validated: notes (strings), errors and probes (by key, strings)."""
    path = ctl / "result.json"
    try:
        if path.stat().st_size > MAX_RESULT_BYTES:
            raise ValueError("too large")
        data = json.loads(path.read_text(encoding="utf-8"))
        notes, errors, probes = data["notes"], data["errors"], data["probes"]
        if not (isinstance(notes, list) and all(isinstance(n, str) for n in notes)):
            raise ValueError("notes")
        for table in (errors, probes):
            if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
                raise ValueError("a table")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        said = (ctl / "worker.err").read_text(encoding="utf-8", errors="replace").splitlines()
        said = [ln for ln in said if ln.strip() and PROGRESS not in ln]
        why = f"the grader's worker failed ({_short((said or [repr(exc)])[-1], 200)})"
        return {"notes": [], "errors": {}, "probes": {}, "error": why}
    return {"notes": [_short(n, 300) for n in notes], "errors": errors, "probes": probes}


def _read_status(out: Path) -> tuple[str, str]:
    path = out / "status.json"
    try:  # a regular file only: a FIFO the kernel left there would block us forever
        if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_RESULT_BYTES:
            return "", ""
        data = json.loads(path.read_text(encoding="utf-8"))
        status, message = data["status"], data.get("message", "")
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return "", ""
    if status not in STATUSES or not isinstance(message, str):
        return "", ""
    return status, message


EXPECTED = re.compile(r"[,;]? expected .*?(?=\.(?:\s|$)|$)")


def problem(message: str) -> str:
    """The problem a check reported, for the teacher: its first line, without the expected
    value (``"... is 0, expected 0.5."`` -> ``"... is 0."``): a message never hands out an
    answer, not even for a fixed input."""
    return _short(EXPECTED.sub("", _first_line(message)), 300)


def _verdict(p: Planned, passed: bool, text: str) -> Verdict:
    return Verdict(p.number, p.function, passed, text)


def judge(p: Planned, nb: nbformat.NotebookNode, work: Path, result: dict) -> Verdict:
    """The verdict of exercise ``p``: the judge's, on what the kernel wrote for it."""
    if p.exercise is None:
        return _verdict(p, False, NOT_JUDGEABLE)
    if result.get("tampered"):
        return _verdict(p, False, "❌ not graded: helpers/ changed while it ran")
    out = work / "out" / str(p.number)
    if not out.resolve().is_relative_to(work.resolve()):  # a symlink out of its folder
        return _verdict(p, False, "❌ not graded: its answers were not in its own folder")
    status, message = _read_status(out)
    if status == "stub":
        return _verdict(p, False, "❌ not yet: replace the `...` with your code")
    if status == "undefined":
        return _verdict(p, False, f"❌ not graded: {missing(nb, p, result['errors'])}")
    if status in ("mismatch", "raised"):
        return _verdict(p, False, f"❌ not yet: {problem(message)}")
    if status == "outputs":
        return _judge_outputs(p, work)
    probe = result["probes"].get(str(p.number))
    if probe:
        return _verdict(p, False, f"❌ the check of your function {probe}")
    return _verdict(p, False, f"❌ not graded: {result.get('error') or 'no answer came back'}")


JUDGING = threading.Lock()  # one judge at a time: a judge that hits the memory cap is alone


def _judge_outputs(p: Planned, work: Path) -> Verdict:
    """Read the outputs back (validated) and call the exercise's judge here, on our inputs.

    One judge runs at a time (``--jobs`` threads share the grader's memory cap), and whatever
    crafted outputs make the judge raise, ``MemoryError`` included, is a wrong answer."""
    with JUDGING:
        try:
            outputs = transfer.load(work / "out" / str(p.number))
        except (OSError, ValueError, RecursionError, MemoryError) as exc:
            why = _short(f"{type(exc).__name__}: {exc}", 160)
            return _verdict(p, False, f"❌ not graded: its answers came back malformed ({why})")
        try:
            p.exercise.judge(p.inputs, outputs)
        except Mismatch as exc:
            return _verdict(p, False, f"❌ not yet: {problem(str(exc))}")
        except Exception as exc:  # noqa: BLE001  (outputs of the wrong form: a wrong answer)
            why = f"{type(exc).__name__}: {_short(str(exc), 120)}"
            return _verdict(p, False, f"❌ not yet: its answers do not fit the question ({why})")
        finally:
            outputs = None  # free them before the next judge takes the lock
    return _verdict(p, True, "✅ passed")


def missing(nb: nbformat.NotebookNode, p: Planned, errors: dict[str, str]) -> str:
    """Why ``p.function`` is not defined after the notebook ran."""
    defining = re.compile(rf"^def {re.escape(p.function)}\(", re.M)
    code = [(i, c) for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"]
    cells = [i for i, c in code if defining.search(c.source)]
    if not cells:
        stub = next(
            (
                c
                for _, c in code
                if (m := STUB_HEAD.search(c.source)) and m.group(1) == str(p.number)
            ),
            None,
        )
        now = DEFINES.findall(stub.source) if stub is not None else []
        if now:
            names = ", ".join(f"`{n}`" for n in now)
            return f"no cell defines `{p.function}`: exercise {p.number}'s cell defines {names} now (renamed?)"
        return f"no cell defines `{p.function}` (was the stub renamed or deleted?)"
    failed = [i for i in cells if str(i) in errors]
    if failed:
        first = next((ln for ln in nb.cells[failed[-1]].source.splitlines() if ln.strip()), "")
        where = f"cell {failed[-1] + 1} ({_short(first, 40)!r})"
        return f"`{p.function}` is not defined: its {where} {errors[str(failed[-1])]}"
    return f"`{p.function}` is not defined after the notebook ran"
