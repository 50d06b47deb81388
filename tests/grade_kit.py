"""Submissions for the grader's tests, built from the student copy and the self-study solutions.

A submission holds only what grading needs: the title cell, the check imports, and each
exercise's stub and check cells (so a kernel runs in seconds). Notebook 04 is used because its
exercise 1 is an :class:`helpers.checks.Exercise`; an exercise whose check is not (yet) one is
graded "can't be judged outside the kernel", which :func:`expected_text` accounts for.
"""

from __future__ import annotations

import copy
import csv
import re
import subprocess
import sys
from pathlib import Path

import nbformat
from notebook_files import ROOT

from helpers.checks import Exercise
from helpers.classroom import find_exercises, solution_code
from helpers.classroom.grade import NOT_JUDGEABLE, check_imports

SOURCE = next((ROOT / "notebooks").glob("04_*.ipynb"))
STUDENT = ROOT / "student" / SOURCE.name
REFERENCE = nbformat.read(SOURCE, as_version=4)
EXERCISES = find_exercises(REFERENCE)
SOLUTIONS = solution_code(REFERENCE)
M = len(EXERCISES)
IMPORTS = re.compile(r"(?:import|from) ")  # the setup cell starts with its imports


def judgeable(k: int) -> bool:
    """True if exercise ``k`` (0-based) has an :class:`Exercise` check the grader can judge."""
    import importlib

    name = EXERCISES[k].check_name
    module = importlib.import_module(check_imports(REFERENCE)[name])
    return isinstance(getattr(module, name), Exercise)


def expected_passed(solved: set[int]) -> int:
    """The score a submission with exercises ``solved`` (0-based) deserves."""
    return sum(judgeable(k) for k in solved)


def slim_student() -> nbformat.NotebookNode:
    """The student copy of 04 with only the title, the setup cell (``import torch``, ...), the
    check imports and the exercise cells."""
    nb = copy.deepcopy(nbformat.read(STUDENT, as_version=4))
    keep = [nb.cells[0]]
    for cell in nb.cells[1:]:
        tags = cell.get("metadata", {}).get("tags", [])
        setup = cell.cell_type == "code" and not tags and IMPORTS.match(cell.source)
        if setup or "exercise" in tags or "exercise-check" in tags:
            keep.append(cell)
        elif "helpers.checks" in cell.source:
            keep.append(cell)
    nb.cells = keep
    return nb


def submission(
    stubs: dict[int, str], *, before: str = "", after: str = ""
) -> nbformat.NotebookNode:
    """A slim copy with exercise k's stub cell replaced by ``stubs[k]`` (0-based), and an extra
    code cell ``before`` the first exercise or ``after`` the last one."""
    nb = slim_student()
    cells = [c for c in nb.cells if "exercise" in c.get("metadata", {}).get("tags", [])]
    for k, source in stubs.items():
        cells[k].source = f"# Exercise {k + 1}\n{source}"
    if before:
        nb.cells.insert(nb.cells.index(cells[0]), nbformat.v4.new_code_cell(before))
    if after:
        nb.cells.append(nbformat.v4.new_code_cell(after))
    return nb


def grade_folder(folder: Path, *extra: str) -> tuple[dict[str, list[str]], list[dict], str]:
    """Run the real command line on ``folder``: (printed lines by file name, CSV rows, stdout)."""
    table = folder.parent / f"{folder.name}.csv"
    cmd = [sys.executable, "-m", "helpers.classroom.grade", str(folder), "--csv", str(table)]
    cmd += ["--jobs", "2", *extra]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    blocks = {}
    for block in done.stdout.split("== ")[1:]:
        lines = block.strip().splitlines()
        blocks[lines[0].split()[0].rsplit("/", 1)[-1]] = lines[1:]
    with open(table, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return blocks, rows, done.stdout


def exercise_lines(lines: list[str]) -> list[str]:
    return [line.strip() for line in lines if line.strip().startswith("exercise ")]


def expected_text(k: int, text: str) -> str:
    """What exercise ``k``'s line should contain: ``text``, or "can't be judged" if not an Exercise."""
    return text if judgeable(k) else NOT_JUDGEABLE
