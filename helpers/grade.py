"""Grade submitted notebooks: ``python -m helpers.grade PATH... [--csv FILE] [--timeout S]``.

Each notebook (a file, or every ``*.ipynb`` under a folder) runs top to bottom in a fresh
kernel, in a worker subprocess (``helpers.grade_worker``), so nothing a learner wrote runs in
the grader's process, with a time limit per cell and per notebook. The learner's own check cells are skipped; instead,
once the notebook has run, the grader calls every exercise's check itself, the same call the
check cell makes (``check_mse_gradient(mse_gradient)``). The checks in ``helpers.checks`` are
the grading criteria, so the teacher sees the verdict the learner saw.

Which exercises a notebook should have comes from the self-study notebook with the same
``NN_`` prefix in ``notebooks/`` (its cells tagged ``exercise`` / ``exercise-check``), so an
exercise a learner deleted still counts, as 0. Each notebook prints one line per exercise,
then ``score: K/M`` as its last line. A notebook that crashes, hangs, lost a stub or is not a
notebook at all still gets its lines, with the reason.

Not taught in a notebook: a tool for teachers (see INSTRUCTORS.md).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .classroom import ROOT, find_exercises, untagged_problems
from .grade_worker import PROGRESS

__all__ = ["Report", "Verdict", "collect_paths", "grade", "grade_notebook", "main", "write_csv"]

NN = (re.compile(r"(?<!\d)(\d\d)_"), re.compile(r"(?<!\d)(\d\d)(?!\d)"))
TITLE = re.compile(r"^# (\d\d) · ", re.M)


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
        notes: learner cells that raised or hung, or why nothing could be graded.
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


# ----------------------------------------------------------------------------- the teacher's side


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


def _number_of(path: Path) -> str | None:
    """The notebook number NN: ``NN_`` in the file name, its ``# NN · Title``, or any NN."""
    match = NN[0].search(path.name)
    if match:
        return match.group(1)
    try:  # reading JSON runs nothing the learner wrote
        match = TITLE.search(nbformat.read(path, as_version=4).cells[0].source)
    except Exception:  # noqa: BLE001  (not a notebook: no title)
        match = None
    match = match or NN[1].search(path.stem)
    return match.group(1) if match else None


def reference_for(path: Path, reference_dir: Path) -> Path | None:
    """The self-study notebook ``path`` is a copy of (same NN prefix), or None."""
    number = _number_of(path)
    matches = sorted(reference_dir.glob(f"{number}_*.ipynb")) if number else []
    return matches[0] if matches else None


def check_imports(nb: nbformat.NotebookNode) -> str:
    """The ``from helpers.checks... import ...`` statements of the self-study notebook."""
    import ast

    lines = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "helpers.checks" not in cell.source:
            continue
        for node in ast.parse(cell.source).body:
            module = getattr(node, "module", None) or ""
            names = [a.name for a in getattr(node, "names", [])]
            if module.startswith("helpers.checks") or any(
                n.startswith("helpers.checks") for n in names
            ):
                lines.append(ast.unparse(node))
    return "\n".join(lines)


def _job(path: Path, reference: Path, timeout: float, notebook_timeout: float) -> dict:
    nb = nbformat.read(reference, as_version=4)
    problems = untagged_problems(nb, reference.name)
    if problems:
        raise ValueError("the self-study notebook is not tagged:\n  " + "\n  ".join(problems))
    exercises = [vars(ex) for ex in find_exercises(nb, reference.name)]
    return {
        "path": str(path),
        "exercises": exercises,
        "imports": check_imports(nb),
        "timeout": timeout,
        "notebook_timeout": notebook_timeout,
        "nonce": os.urandom(8).hex(),
    }


def _run_worker(job: dict) -> dict:
    """Run the worker subprocess on ``job``; its JSON result, or ``{"error": why}``."""
    limit = job["notebook_timeout"] + job["timeout"] * len(job["exercises"]) + 60
    env = dict(os.environ)
    # The notebook's kernel should see what a learner's Jupyter gives it: a matplotlib
    # backend chosen for scripts (MPLBACKEND=Agg, as test runners set) makes IPython switch
    # backends, which some IPython/matplotlib pairs (Colab's older stack) cannot do.
    env.pop("MPLBACKEND", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", "helpers.grade_worker"]
    try:
        proc = subprocess.run(
            cmd, input=json.dumps(job), capture_output=True, text=True, timeout=limit, env=env
        )
    except subprocess.TimeoutExpired as exc:
        return {"error": f"the notebook ran past the grader's limit of {limit:g} s{_stuck(exc)}"}
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        said = [ln for ln in proc.stderr.splitlines() if ln.strip() and PROGRESS not in ln]
        last = (said or ["no output"])[-1]
        return {"error": f"the grader's worker failed ({last[:200]})"}


def _stuck(exc: subprocess.TimeoutExpired) -> str:
    """Where the stopped worker last said it was, e.g. ", stuck at cell 9 ('while True:')"."""
    err = exc.stderr or ""
    err = err.decode(errors="replace") if isinstance(err, bytes) else err
    places = [ln[len(PROGRESS) :] for ln in err.splitlines() if ln.startswith(PROGRESS)]
    return f", stuck at {places[-1]}" if places else ""


def grade_notebook(
    path: Path,
    *,
    reference_dir: Path = ROOT / "notebooks",
    timeout: float = 300,
    notebook_timeout: float = 1800,
) -> Report:
    """Run ``path`` in a fresh kernel and grade each exercise of its self-study notebook.

    Args:
        path: a submitted notebook (or any file: what is not a notebook is reported).
        reference_dir: the folder of self-study notebooks that says which exercises to expect.
        timeout: seconds one cell may run before it is interrupted and reported.
        notebook_timeout: seconds the learner's cells may take all together.
    """
    reference = reference_for(path, reference_dir)
    if reference is None:
        why = "not graded: can't tell which notebook this is (keep its name, NN_title.ipynb)"
        return Report(str(path), None, notes=[why])
    job = _job(path, reference, timeout, notebook_timeout)
    result = _run_worker(job)
    report = Report(str(path), reference.name, notes=list(result.get("notes", [])))
    given = {v["number"]: v for v in result.get("verdicts", [])}
    for ex in job["exercises"]:
        v = given.get(ex["number"]) or {
            "passed": False,
            "text": f"❌ not graded: {result['error']}",
        }
        report.verdicts.append(Verdict(ex["number"], ex["function"], v["passed"], v["text"]))
    return report


def grade(paths: list[Path], *, jobs: int = 1, **options: float) -> Iterator[Report]:
    """Grade each of ``paths`` (``jobs`` at a time), yielding reports in the order given."""
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        yield from pool.map(lambda p: grade_notebook(p, **options), paths)


def write_csv(reports: list[Report], file: str | Path) -> None:
    """One row per notebook and exercise: path, notebook, exercise, function, passed, verdict."""
    with open(file, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["path", "notebook", "exercise", "function", "passed", "verdict"])
        for r in reports:
            for v in r.verdicts:
                out.writerow([r.path, r.notebook, v.number, v.function, int(v.passed), v.text])
            if not r.verdicts:
                out.writerow([r.path, r.notebook or "", "", "", 0, "; ".join(r.notes)])


def main(argv: list[str] | None = None) -> int:
    """The command line (the worker subprocess is ``python -m helpers.grade_worker``)."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.grade", description="Grade submitted course notebooks."
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="a notebook or a folder")
    parser.add_argument("--csv", metavar="FILE", help="also write one row per exercise here")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per cell (300)")
    parser.add_argument(
        "--notebook-timeout", type=float, default=1800, help="seconds per notebook (1800)"
    )
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded at once (1)")
    parser.add_argument("--reference", default=str(ROOT / "notebooks"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        paths = collect_paths(args.paths)
        reports = []
        for report in grade(
            paths,
            jobs=args.jobs,
            reference_dir=Path(args.reference),
            timeout=args.timeout,
            notebook_timeout=args.notebook_timeout,
        ):
            print("\n".join(report.lines()), flush=True)
            reports.append(report)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.csv:
        write_csv(reports, args.csv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
