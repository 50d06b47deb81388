"""Grade submitted notebooks: ``python -m helpers.classroom.grade PATH... [--csv FILE]``.

The kernel computes; the grader judges. For each submission (a file, or every ``*.ipynb``
under a folder) the grader

1. reads it as JSON (running nothing) and finds which notebook it is: its ``# NN · Title``,
   else a full ``NN_title`` stem anywhere in its file name;
2. draws fresh inputs for each exercise in its own process (``Exercise.cases(seed)``, a new
   seed every run) and writes them, as plain data, into the submission's private folder;
3. runs the learner's cells in a sandboxed kernel (:mod:`helpers.classroom.worker`,
   :mod:`helpers.classroom.sandbox`), skipping their check cells, then a fixed driver cell per
   exercise that calls the exercise's probe on those inputs and writes the plain outputs;
4. reads the outputs back with validation (:mod:`helpers.classroom.transfer`) and calls the
   exercise's ``judge(inputs, outputs)`` here, in the grader's process.

Nothing the kernel prints is read, and nothing a learner rebinds in the kernel (``bool``,
``print``, the checks, IPython hooks) takes part in a verdict. Which exercises a notebook
should have comes from the self-study notebook with the same number in ``notebooks/`` (cells
tagged ``exercise`` / ``exercise-check``), so a deleted exercise still counts, as 0. Each
notebook prints one line per exercise, then ``score: K/M``.

Not taught in a notebook: a tool for teachers (see INSTRUCTORS.md).
"""

from __future__ import annotations

import argparse
import ast
import csv
import importlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from ..checks import Exercise, Mismatch, plain
from . import sandbox, transfer
from .student import ROOT, find_exercises, untagged_problems
from .worker import GRACE, MAX_KERNELS, PROGRESS

__all__ = [
    "Report",
    "Verdict",
    "check_imports",
    "collect_paths",
    "grade",
    "grade_notebook",
    "identify",
    "main",
    "write_csv",
]

TITLE = re.compile(r"^# (\d\d) · ", re.M)
LONE_NN = re.compile(r"(?<!\d)(\d\d)(?!\d)")
STUB_HEAD = re.compile(r"\A# Exercise (\d+)\s*$", re.M)
DEFINES = re.compile(r"^def (\w+)\(", re.M)
MAX_RESULT_BYTES = 1 << 20
STATUSES = {"outputs", "undefined", "stub", "mismatch", "raised"}
NOT_JUDGEABLE = "❌ not graded: this exercise's check can't be judged outside the kernel"


@dataclass(frozen=True)
class Verdict:
    """The grade of one exercise: ``text`` starts with ✅ or ❌ and says why."""

    number: int
    function: str
    passed: bool
    text: str


@dataclass
class Report:
    """The grade of one submitted file.

    Attributes:
        path: the submitted file, as given.
        notebook: the self-study notebook it was graded against (None: unknown).
        verdicts: one per exercise of that notebook, in order.
        notes: learner cells that raised or hung, warnings, or why nothing could be graded.
    """

    path: str
    notebook: str | None
    verdicts: list[Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> tuple[int, int]:
        """(K, M): exercises passed, exercises expected."""
        return sum(v.passed for v in self.verdicts), len(self.verdicts)

    def lines(self) -> list[str]:
        """What the grader prints: a header, notes, a line per exercise, ``score: K/M`` last."""
        head = f"== {self.path}" + (f" (graded as {self.notebook})" if self.notebook else "")
        body = [f"  note: {note}" for note in self.notes]
        body += [f"  exercise {v.number} ({v.function}): {v.text}" for v in self.verdicts]
        k, m = self.score
        return [head, *body, f"score: {k}/{m}"]


# ----------------------------------------------------------------------------- which notebook


def collect_paths(paths: list[str]) -> list[Path]:
    """Files to grade: each file as given, and every ``*.ipynb`` under each folder (sorted)."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        elif path.exists():
            found.append(path)
        else:
            raise ValueError(f"PATH {given!r} does not exist: give a notebook or a folder")
    return found


def read_submission(path: Path) -> nbformat.NotebookNode:
    """``path`` as a notebook (reading JSON runs nothing the learner wrote).

    Raises:
        ValueError: "not a notebook (...)" for anything else, JSON or not.
    """
    try:
        nb = nbformat.read(path, as_version=4)
        cells = nb.get("cells")
        ok = isinstance(cells, list) and all(
            isinstance(c, dict) and isinstance(c.get("source"), str) and "cell_type" in c
            for c in cells
        )
    except Exception as exc:  # noqa: BLE001  (whatever it is, it is not a readable notebook)
        raise ValueError(f"not a notebook ({type(exc).__name__}: {_short(str(exc))})") from None
    if not ok:
        raise ValueError("not a notebook (JSON without a list of cells)")
    return nb


def identify(
    path: Path, nb: nbformat.NotebookNode | None, reference_dir: Path
) -> tuple[Path | None, list[str]]:
    """The self-study notebook ``path`` is a copy of, and warnings about its name.

    Its ``# NN · Title`` first cell decides; else the full stem of a self-study notebook
    anywhere in the file name (``alice_2024-03-01_04_dataset_dataloader.ipynb`` is 04); else
    the one two-digit number in the name that names a notebook (``alice_04.ipynb``).
    """
    refs = {r.name[:2]: r for r in sorted(reference_dir.glob("[0-9][0-9]_*.ipynb"))}
    titled = None
    if nb is not None and nb.cells and isinstance(nb.cells[0].get("source"), str):
        match = TITLE.search(nb.cells[0].source)
        titled = match.group(1) if match and match.group(1) in refs else None
    by_stem = [nn for nn, r in refs.items() if r.stem in path.stem]
    lone = {nn for nn in LONE_NN.findall(path.stem) if nn in refs}
    named = by_stem[-1] if by_stem else (lone.pop() if len(lone) == 1 else None)
    warnings = []
    if titled and named and titled != named:
        warnings.append(
            f"the file name says notebook {named} but its title says {titled}: graded as {titled}"
        )
    number = titled or named
    return (refs[number] if number else None), warnings


def reference_for(path: Path, reference_dir: Path) -> Path | None:
    """The self-study notebook ``path`` is a copy of, or None (see :func:`identify`)."""
    try:
        nb = read_submission(path)
    except ValueError:
        nb = None
    return identify(path, nb, reference_dir)[0]


def check_imports(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Where each check the self-study notebook imports lives: ``{"check_x": "helpers.checks.nb04"}``."""
    found = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or "helpers.checks" not in cell.source:
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "helpers.checks"
            ):
                found.update({a.asname or a.name: node.module for a in node.names})
    return found


# ----------------------------------------------------------------------------- one notebook


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_line(text: str) -> str:
    return (str(text).strip().splitlines() or [""])[0]


@dataclass
class _Planned:
    """One exercise as the grader plans it: its check, and the inputs it drew (None: not judged)."""

    number: int
    function: str
    call: str
    module: str
    check_name: str
    exercise: Exercise | None
    inputs: Any = None


def _plan(reference: Path, work: Path) -> list[_Planned]:
    nb = nbformat.read(reference, as_version=4)
    problems = untagged_problems(nb, reference.name)
    if problems:
        raise ValueError("the self-study notebook is not tagged:\n  " + "\n  ".join(problems))
    modules = check_imports(nb)
    planned = []
    for ex in find_exercises(nb, reference.name):
        module = modules.get(ex.check_name, "")
        check = getattr(importlib.import_module(module), ex.check_name, None) if module else None
        item = _Planned(ex.number, ex.function, ex.check, module, ex.check_name, None)
        if isinstance(check, Exercise):
            item.exercise = check
            item.inputs = plain(check.cases(secrets.randbelow(2**31)))
            transfer.dump(item.inputs, work / "in" / str(ex.number))
        planned.append(item)
    return planned


def _looks_like(nb: nbformat.NotebookNode, planned: list[_Planned]) -> bool:
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


def grade_notebook(
    path: Path,
    *,
    reference_dir: Path = ROOT / "notebooks",
    timeout: int = 60,
    notebook_timeout: int = 300,
    memory: int = sandbox.MEMORY_BYTES,
    mode: str = "auto",
) -> Report:
    """Run ``path`` in a sandboxed kernel and judge each exercise of its self-study notebook.

    Args:
        path: a submitted notebook (or any file: what is not a notebook is reported).
        reference_dir: the folder of self-study notebooks that says which exercises to expect.
        timeout: seconds one cell may run before it is interrupted (and killed after 5 more).
        notebook_timeout: seconds for the whole notebook, fresh kernels included.
        memory: bytes of address space per kernel (0: no cap).
        mode: the sandbox, ``"auto"``, ``"bwrap"`` or ``"none"`` (:func:`sandbox.sandbox_mode`).
    """
    try:
        nb, unreadable = read_submission(path), None
    except ValueError as exc:
        nb, unreadable = None, str(exc)
    reference, warnings = identify(path, nb, reference_dir)
    if reference is None:
        why = unreadable or "can't tell which notebook this is (keep its name, NN_title.ipynb)"
        return Report(str(path), None, notes=[f"not graded: {why}"])
    report = Report(str(path), reference.name, notes=list(warnings))
    private = Path(tempfile.mkdtemp(prefix="helpers-grade-"))
    try:
        work = private / f"w{secrets.token_hex(8)}"
        work.mkdir()
        planned = _plan(reference, work)
        why_not = unreadable
        if nb is not None and not _looks_like(nb, planned):
            why_not = (
                f"this doesn't look like notebook {reference.name[:2]}: none of its exercises' "
                "cells are here"
            )
        if why_not:
            report.verdicts = [_verdict(p, False, f"❌ not graded: {why_not}") for p in planned]
            return report
        result = _run(nb, planned, private, work, timeout, notebook_timeout, memory, mode)
        report.notes += result["notes"]
        report.verdicts = [_judge(p, nb, work, result) for p in planned]
    finally:
        shutil.rmtree(private, ignore_errors=True)
    return report


def _run(nb, planned, private, work, timeout, notebook_timeout, memory, mode) -> dict:
    """Run the worker on the submission's private copy; its validated result."""
    mode = sandbox.sandbox_mode(mode)
    nbformat.write(nb, work / "submission.ipynb")
    lib = sandbox.clean_helpers_copy(private / "lib")  # a fresh copy per notebook
    ctl = private / "ctl"  # the worker's own folder: never bound into the sandbox
    ctl.mkdir(mode=0o700)
    job = {
        "notebook": str(work / "submission.ipynb"),
        "work": str(work),
        "lib": str(lib),
        "sandbox": mode,
        "memory": int(memory),
        "timeout": int(timeout),
        "notebook_timeout": int(notebook_timeout),
        "startup_timeout": 120,
        "exercises": [
            {
                "number": p.number,
                "function": p.function,
                "call": p.call,
                "module": p.module,
                "check": p.check_name,
                "inputs": str(work / "in" / str(p.number)),
                "outputs": str(work / "out" / str(p.number)),
            }
            for p in planned
            if p.exercise is not None
        ],
    }
    (ctl / "job.json").write_text(json.dumps(job), encoding="utf-8")
    if not job["exercises"]:
        return {"notes": [], "errors": {}, "probes": {}}
    before = sandbox.helpers_digest() if mode == "none" else ""
    result = _run_worker(job, ctl)
    if before and sandbox.helpers_digest() != before:
        result["notes"].append(
            "helpers/ changed on disk while this notebook ran (no sandbox): every grade of "
            "this run is suspect; restore helpers/ (git checkout helpers) and grade again"
        )
        result["tampered"] = True
    return result


def _run_worker(job: dict, ctl: Path) -> dict:
    limit = int(job["notebook_timeout"]) + int(job["startup_timeout"]) + MAX_KERNELS * GRACE + 30
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # the kernel's environment is the sandbox's, not ours
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", "helpers.classroom.worker", str(ctl / "job.json")]
    cmd.append(str(ctl / "result.json"))
    with open(ctl / "worker.err", "w", encoding="utf-8") as err:
        proc = subprocess.Popen(
            cmd, env=env, cwd=ctl, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=err, start_new_session=True,
        )  # fmt: skip
        try:
            proc.wait(timeout=limit)
            stopped = None
        except subprocess.TimeoutExpired:
            stopped = f"the notebook ran past the grader's limit of {limit} s{_stuck(ctl)}"
        finally:
            sandbox.kill_tree(proc, Path(job["work"]).name)
    if stopped:
        return {"notes": [stopped], "errors": {}, "probes": {}, "error": stopped}
    return _read_result(ctl)


def _stuck(ctl: Path) -> str:
    """Where the stopped worker last said it was, e.g. ", stuck at cell 9 ('while True:')"."""
    text = (ctl / "worker.err").read_text(encoding="utf-8", errors="replace")
    places = [ln[len(PROGRESS) :] for ln in text.splitlines() if ln.startswith(PROGRESS)]
    return f", stuck at {places[-1]}" if places else ""


def _read_result(ctl: Path) -> dict:
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
    try:
        if path.is_symlink() or path.stat().st_size > MAX_RESULT_BYTES:
            return "", ""
        data = json.loads(path.read_text(encoding="utf-8"))
        status, message = data["status"], data.get("message", "")
    except (OSError, ValueError, KeyError, TypeError):
        return "", ""
    if status not in STATUSES or not isinstance(message, str):
        return "", ""
    return status, message


def _verdict(p: _Planned, passed: bool, text: str) -> Verdict:
    return Verdict(p.number, p.function, passed, text)


def _judge(p: _Planned, nb: nbformat.NotebookNode, work: Path, result: dict) -> Verdict:
    """The verdict of exercise ``p``: the judge's, on what the kernel wrote for it."""
    if p.exercise is None:
        return _verdict(p, False, NOT_JUDGEABLE)
    if result.get("tampered"):
        return _verdict(p, False, "❌ not graded: helpers/ changed while it ran")
    status, message = _read_status(work / "out" / str(p.number))
    if status == "stub":
        return _verdict(p, False, "❌ not yet: replace the `...` with your code")
    if status == "undefined":
        return _verdict(p, False, f"❌ not graded: {_missing(nb, p, result['errors'])}")
    if status in ("mismatch", "raised"):
        return _verdict(p, False, f"❌ not yet: {_short(_first_line(message), 300)}")
    if status == "outputs":
        return _judge_outputs(p, work)
    probe = result["probes"].get(str(p.number))
    if probe:
        return _verdict(p, False, f"❌ the check of your function {probe}")
    return _verdict(p, False, f"❌ not graded: {result.get('error') or 'no answer came back'}")


def _judge_outputs(p: _Planned, work: Path) -> Verdict:
    """Read the outputs back (validated) and call the exercise's judge here, on our inputs."""
    try:
        outputs = transfer.load(work / "out" / str(p.number))
    except (OSError, ValueError) as exc:
        return _verdict(p, False, f"❌ not graded: its answers came back malformed ({exc})")
    try:
        p.exercise.judge(p.inputs, outputs)
    except Mismatch as exc:
        return _verdict(p, False, f"❌ not yet: {_short(_first_line(str(exc)), 300)}")
    except Exception as exc:  # noqa: BLE001  (outputs of the wrong form: a wrong answer)
        why = f"{type(exc).__name__}: {_short(str(exc), 120)}"
        return _verdict(p, False, f"❌ not yet: its answers do not fit the question ({why})")
    return _verdict(p, True, "✅ passed")


def _missing(nb: nbformat.NotebookNode, p: _Planned, errors: dict[str, str]) -> str:
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


# ----------------------------------------------------------------------------- the class


def _safe_grade(path: Path, options: dict) -> Report:
    """:func:`grade_notebook`, with a failure of the grader kept to this notebook."""
    try:
        return grade_notebook(path, **options)
    except Exception as exc:  # noqa: BLE001  (one notebook's failure must not lose the rest)
        why = f"the grader failed on this notebook ({type(exc).__name__}: {_short(str(exc))})"
        return Report(str(path), None, notes=[f"not graded: {why}"])


def grade(paths: list[Path], *, jobs: int = 1, **options: Any) -> Iterator[Report]:
    """Grade each of ``paths`` (``jobs`` at a time), yielding reports in the order given."""
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        yield from pool.map(lambda p: _safe_grade(p, options), paths)


CSV_HEADER = ["path", "notebook", "exercise", "function", "passed", "verdict"]


def csv_rows(report: Report) -> list[list[Any]]:
    """The CSV rows of one report: one per exercise, or one with the notes if none."""
    rows = [
        [report.path, report.notebook, v.number, v.function, int(v.passed), v.text]
        for v in report.verdicts
    ]
    return rows or [[report.path, report.notebook or "", "", "", 0, "; ".join(report.notes)]]


def write_csv(reports: list[Report], file: str | Path) -> None:
    """One row per notebook and exercise: path, notebook, exercise, function, passed, verdict."""
    with open(file, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(CSV_HEADER)
        for r in reports:
            out.writerows(csv_rows(r))


def sandbox_line(mode: str) -> str:
    """The line the grader prints first: how the kernels are isolated."""
    if mode == "bwrap":
        return "sandbox: bubblewrap (each kernel sees only its own copy, no network, 2 GB)"
    return (
        "warning: NO SANDBOX (bubblewrap not found: apt-get install bubblewrap). The learners' "
        "code runs as you, can read your files and the other submissions; helpers/ is hashed "
        "before and after each notebook."
    )


def main(argv: list[str] | None = None) -> int:
    """The command line (the worker subprocess is ``python -m helpers.classroom.worker``)."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.classroom.grade", description="Grade submitted course notebooks."
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="a notebook or a folder")
    parser.add_argument("--csv", metavar="FILE", help="also write one row per exercise here")
    parser.add_argument("--timeout", type=int, default=60, help="seconds per cell (60)")
    parser.add_argument(
        "--notebook-timeout", type=int, default=300, help="seconds per notebook (300)"
    )
    parser.add_argument("--memory", type=int, default=2048, help="MB per kernel (2048; 0: none)")
    parser.add_argument(
        "--sandbox", choices=["auto", "bwrap", "none"], default="auto", help="(auto)"
    )
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded at once (1)")
    parser.add_argument("--reference", default=str(ROOT / "notebooks"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        paths = collect_paths(args.paths)
        mode = sandbox.sandbox_mode(args.sandbox)
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(sandbox_line(mode), flush=True)
    options = {
        "reference_dir": Path(args.reference),
        "timeout": args.timeout,
        "notebook_timeout": args.notebook_timeout,
        "memory": args.memory << 20,
        "mode": mode,
    }
    table = open(args.csv, "w", newline="", encoding="utf-8") if args.csv else None  # noqa: SIM115
    try:
        out = csv.writer(table) if table else None
        if out:
            out.writerow(CSV_HEADER)
        for report in grade(paths, jobs=args.jobs, **options):
            print("\n".join(report.lines()), flush=True)
            if out:
                out.writerows(csv_rows(report))
                table.flush()
    finally:
        if table:
            table.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
