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
import csv
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from . import sandbox
from .judging import NOT_JUDGEABLE, judge, looks_like, plan, read_result
from .student import ROOT, cell_tags
from .submissions import (
    CSV_HEADER,
    Report,
    Verdict,
    _short,
    check_imports,
    collect_paths,
    csv_rows,
    identify,
    read_submission,
    reference_for,
    write_csv,
)
from .worker import GRACE, MAX_KERNELS, PROGRESS

__all__ = [
    "NOT_JUDGEABLE",
    "Report",
    "Verdict",
    "check_imports",
    "collect_paths",
    "grade",
    "grade_notebook",
    "identify",
    "main",
    "read_result",
    "reference_for",
    "write_csv",
]


# ----------------------------------------------------------------------------- one notebook


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
        memory: bytes of data memory (RLIMIT_DATA) per kernel (0: no cap).
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
        planned = plan(reference, work)
        why_not = unreadable
        if nb is not None and not looks_like(nb, planned):
            why_not = (
                f"this doesn't look like notebook {reference.name[:2]}: none of its exercises' "
                "cells are here"
            )
        if why_not:
            report.verdicts = [
                Verdict(p.number, p.function, False, f"❌ not graded: {why_not}") for p in planned
            ]
            return report
        result = _run(nb, planned, private, work, timeout, notebook_timeout, memory, mode)
        report.notes += result["notes"]
        report.verdicts = [judge(p, nb, work, result) for p in planned]
    finally:
        shutil.rmtree(private, ignore_errors=True)
    return report


def _run(nb, planned, private, work, timeout, notebook_timeout, memory, mode) -> dict:
    """Run the worker on the submission's private copy; its validated result."""
    mode = sandbox.sandbox_mode(mode)
    lib = sandbox.clean_helpers_copy(private / "lib")  # a fresh copy per notebook
    ctl = private / "ctl"  # the worker's own folder: never bound into the sandbox
    ctl.mkdir(mode=0o700)
    job = {
        # the cells travel in the job, which the kernel can't reach (and the worker need not
        # import nbformat: about 3 s per notebook)
        "cells": [
            {"code": c.cell_type == "code", "source": c.source, "tags": cell_tags(c)}
            for c in nb.cells
        ],
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
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # nothing of ours writes into helpers/ while it runs
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
    return read_result(ctl)


def _stuck(ctl: Path) -> str:
    """Where the stopped worker last said it was, e.g. ", stuck at cell 9 ('while True:')"."""
    text = (ctl / "worker.err").read_text(encoding="utf-8", errors="replace")
    places = [ln[len(PROGRESS) :] for ln in text.splitlines() if ln.startswith(PROGRESS)]
    return f", stuck at {places[-1]}" if places else ""


# ----------------------------------------------------------------------------- the class


def _safe_grade(path: Path, options: dict) -> Report:
    """:func:`grade_notebook`, with a failure of the grader kept to this notebook."""
    try:
        report = grade_notebook(path, **options)
    except Exception as exc:  # noqa: BLE001  (one notebook's failure must not lose the rest)
        why = f"the grader failed on this notebook ({type(exc).__name__}: {_short(str(exc))})"
        report = Report(str(path), None, notes=[f"not graded: {why}"])
    return report.printable()  # no text in it can stop the printing or the CSV


def grade(paths: list[Path], *, jobs: int = 1, **options: Any) -> Iterator[Report]:
    """Grade each of ``paths`` (``jobs`` at a time), yielding reports in the order given."""
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        yield from pool.map(lambda p: _safe_grade(p, options), paths)


def sandbox_line(mode: str, wanted: str = "auto") -> str:
    """The line the grader prints first: how the kernels are isolated."""
    if mode == "bwrap":
        return "sandbox: bubblewrap (each kernel sees only its own copy, no network, 2 GB)"
    why = (
        "--sandbox none" if wanted == "none" else "bubblewrap not found: apt-get install bubblewrap"
    )
    return (
        f"warning: NO SANDBOX ({why}). The learners' "
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
    print(sandbox_line(mode, args.sandbox), flush=True)
    sandbox.cap_own_memory()  # judging crafted outputs raises MemoryError, never takes the machine
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
