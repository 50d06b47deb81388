"""The submissions: which notebook a file is, and the report the grader prints for it.

Not taught in a notebook: a tool for teachers (see INSTRUCTORS.md).
"""

from __future__ import annotations

import ast
import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from .student import STUB, STUB_DEF

__all__ = [
    "CSV_HEADER",
    "Report",
    "Verdict",
    "check_imports",
    "collect_paths",
    "csv_rows",
    "identify",
    "read_submission",
    "reference_for",
    "write_csv",
]

TITLE = re.compile(r"^# (\d\d) · ", re.M)


LONE_NN = re.compile(r"(?<!\d)(\d\d)(?!\d)")


# A stub cell's "# Exercise N" line and the names its cell defines: the student edition's own.
STUB_HEAD, DEFINES = STUB, STUB_DEF


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

    def printable(self) -> Report:
        """This report with every text encodable as UTF-8: a lone surrogate (from a learner's
        exception message, or a file name's undecodable byte) is written as ``\\ud800``, so
        printing or writing the CSV never fails on it."""
        verdicts = [
            Verdict(v.number, _utf8(v.function), v.passed, _utf8(v.text)) for v in self.verdicts
        ]
        notebook = _utf8(self.notebook) if self.notebook else self.notebook
        notes = [_utf8(n) for n in self.notes]
        return Report(_utf8(self.path), notebook, verdicts, notes)

    def lines(self) -> list[str]:
        """What the grader prints: a header, notes, a line per exercise, ``score: K/M`` last."""
        head = f"== {self.path}" + (f" (graded as {self.notebook})" if self.notebook else "")
        body = [f"  note: {note}" for note in self.notes]
        body += [f"  exercise {v.number} ({v.function}): {v.text}" for v in self.verdicts]
        k, m = self.score
        return [head, *body, f"score: {k}/{m}"]


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


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _utf8(text: str) -> str:
    return str(text).encode("utf-8", "backslashreplace").decode("utf-8")


def _first_line(text: str) -> str:
    return (str(text).strip().splitlines() or [""])[0]


CSV_HEADER = ["path", "notebook", "exercise", "function", "passed", "verdict"]


FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would run as a formula


def _cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a file named ``=HYPERLINK(...)_04.ipynb`` gets a
    leading ``'`` rather than running in the teacher's spreadsheet."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA) else value


def csv_rows(report: Report) -> list[list[Any]]:
    """The CSV rows of one report: one per exercise, or one with the notes if none."""
    rows = [
        [report.path, report.notebook, v.number, v.function, int(v.passed), v.text]
        for v in report.verdicts
    ]
    rows = rows or [[report.path, report.notebook or "", "", "", 0, "; ".join(report.notes)]]
    return [[_cell(value) for value in row] for row in rows]


def write_csv(reports: list[Report], file: str | Path) -> None:
    """One row per notebook and exercise: path, notebook, exercise, function, passed, verdict."""
    with open(file, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(CSV_HEADER)
        for r in reports:
            out.writerows(csv_rows(r))
