"""The classroom edition: student notebooks generated from the self-study notebooks.

``make student`` (``python -m helpers.classroom``) writes ``student/NN_name.ipynb`` for every
``notebooks/NN_name.ipynb``. It is driven by cell tags (CONTRIBUTING.md, "Exercises"):

- ``exercise``: the stub code cell. Kept as it is; the grader finds the exercises by it.
- ``exercise-check``: the check code cell. Kept, with its outputs cleared: the learner runs it.
- ``solution``: the ``<details>`` solution markdown cell. Removed.
- ``answer``: the revealed answer to a "think" question. Removed.
- ``hide-output``: the answer cell of a "predict, then run" prompt, stored collapsed in the
  self-study notebook. Kept, with its outputs cleared: the learner runs it after predicting.

Everything else is copied unchanged, outputs included, so a student copy still reads well on
GitHub; the Colab and Binder badges point at the student copy. A cell that looks like part of
an exercise but carries no tag stops the build, so a forgotten tag can't leak a solution.

Not taught in a notebook: a tool for teachers (see INSTRUCTORS.md), also used by the grader.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert.preprocessors import TagRemovePreprocessor

__all__ = [
    "Exercise",
    "badge_urls",
    "build_student",
    "course_slug_ref",
    "find_exercises",
    "make_student",
    "solution_code",
    "student_text",
    "untagged_problems",
]

ROOT = Path(__file__).resolve().parents[2]
REMOVED_TAGS = ("solution", "answer")
CLEARED_TAGS = ("exercise-check", "hide-output")
STUB = re.compile(r"\A# Exercise (\d+)\s*$", re.M)
STUB_DEF = re.compile(r"^def (\w+)\(", re.M)
CHECK_CALL = re.compile(r"\A\s*(check_\w+)\((\w+)\)\s*\Z")
DETAILS = re.compile(r"<details>\s*<summary>\s*(Solution|Answer)\b", re.I)
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


@dataclass(frozen=True)
class Exercise:
    """One exercise of a notebook, found by its tags.

    Attributes:
        number: N of the stub's ``# Exercise N`` line.
        function: the name the stub defines (``def function(...)``).
        check: the check cell's source, e.g. ``check_mse_gradient(mse_gradient)``.
        check_name: the check function's name, e.g. ``check_mse_gradient``.
    """

    number: int
    function: str
    check: str
    check_name: str


def cell_tags(cell: nbformat.NotebookNode) -> list[str]:
    """The cell's tags; none where a (hand-edited or hostile) notebook stores no list there."""
    tags = cell.get("metadata", {}).get("tags", [])
    return [str(t) for t in tags] if isinstance(tags, list) else []


def find_exercises(nb: nbformat.NotebookNode, name: str = "notebook") -> list[Exercise]:
    """The exercises of ``nb`` in order: each ``exercise`` cell and the ``exercise-check`` after it.

    Raises:
        ValueError: naming the notebook and cell when a tagged cell breaks the convention.
    """
    cells, found = nb.cells, []
    for i, cell in enumerate(cells):
        if "exercise" not in cell_tags(cell):
            continue
        stub, fn = STUB.search(cell.source), STUB_DEF.search(cell.source)
        if cell.cell_type != "code" or not stub or not fn:
            raise ValueError(
                f"{name}: cell {i} is tagged 'exercise' but is not a code cell that starts with "
                "'# Exercise N' and defines a function. Tag the stub cell only."
            )
        after = cells[i + 1] if i + 1 < len(cells) else None
        call = CHECK_CALL.match(after.source) if after is not None else None
        if after is None or "exercise-check" not in cell_tags(after) or not call:
            raise ValueError(
                f"{name}: the cell after exercise {stub.group(1)}'s stub (cell {i}) must be its "
                f"check, 'check_...({fn.group(1)})', tagged 'exercise-check'."
            )
        ex = Exercise(int(stub.group(1)), fn.group(1), after.source.strip(), call.group(1))
        found.append(ex)
    return found


def untagged_problems(nb: nbformat.NotebookNode, name: str = "notebook") -> list[str]:
    """Cells that look like an exercise's stub, check, solution or answer but lack the tag."""
    problems = []
    for i, cell in enumerate(nb.cells):
        tags = cell_tags(cell)
        if cell.cell_type == "code" and STUB.search(cell.source) and "exercise" not in tags:
            problems.append(f"{name}: cell {i} starts with '# Exercise N': tag it 'exercise'")
        if cell.cell_type == "code" and CHECK_CALL.match(cell.source):
            if "exercise-check" not in tags:
                problems.append(f"{name}: cell {i} calls a check: tag it 'exercise-check'")
        details = DETAILS.search(cell.source) if cell.cell_type == "markdown" else None
        if details and not set(tags) & set(REMOVED_TAGS):
            tag = details.group(1).lower()
            problems.append(f"{name}: cell {i} is a <details> {tag}: tag it '{tag}'")
    n_stubs = sum("exercise" in cell_tags(c) for c in nb.cells)
    n_solutions = sum("solution" in cell_tags(c) for c in nb.cells)
    if n_stubs != n_solutions:
        problems.append(f"{name}: {n_stubs} 'exercise' cells but {n_solutions} 'solution' cells")
    return problems


def solution_code(nb: nbformat.NotebookNode) -> list[str]:
    """The code of each ``solution`` cell, in order (one fenced python block each)."""
    codes = []
    for cell in nb.cells:
        if "solution" in cell_tags(cell):
            blocks = PYTHON_BLOCK.findall(cell.source)
            if len(blocks) != 1:
                raise ValueError(f"a solution cell holds {len(blocks)} python blocks, expected 1")
            codes.append(blocks[0])
    return codes


def course_slug_ref(root: Path = ROOT) -> tuple[str, str]:
    """The repository slug and ref of ``[tool.course]`` in ``root/pyproject.toml``."""
    course = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["course"]
    return course["repository"], course["ref"]


def badge_urls(path: str, slug: str, ref: str) -> tuple[str, str]:
    """The Colab and Binder links for ``path`` (e.g. ``student/01_x.ipynb``) in the repository."""
    colab = f"https://colab.research.google.com/github/{slug}/blob/{ref}/{path}"
    binder = f"https://mybinder.org/v2/gh/{slug}/{ref}?labpath={path.replace('/', '%2F')}"
    return colab, binder


def _retarget_badges(nb: nbformat.NotebookNode, filename: str, slug: str, ref: str) -> None:
    head = nb.cells[0]
    old = badge_urls(f"notebooks/{filename}", slug, ref)
    new = badge_urls(f"student/{filename}", slug, ref)
    for before, after in zip(old, new, strict=True):
        if f"]({before})" not in head.source:
            raise ValueError(f"{filename}: the first cell has no badge linking to {before}")
        head.source = head.source.replace(f"]({before})", f"]({after})")


def make_student(
    nb: nbformat.NotebookNode, filename: str, slug: str, ref: str
) -> nbformat.NotebookNode:
    """The student copy of the self-study notebook ``nb`` (which is left unchanged).

    Args:
        nb: the self-study notebook, as nbformat reads it.
        filename: its file name, e.g. ``01_numpy_gradient_descent.ipynb`` (for the badges).
        slug, ref: the repository and ref of the badges (:func:`course_slug_ref`).

    Raises:
        ValueError: a cell looks like part of an exercise but is not tagged, or the tags break
            the exercise convention, or the badges are missing.
    """
    problems = untagged_problems(nb, filename)
    if problems:
        raise ValueError("untagged exercise cells:\n  " + "\n  ".join(problems))
    find_exercises(nb, filename)
    student = copy.deepcopy(nb)
    remover = TagRemovePreprocessor(
        remove_cell_tags=set(REMOVED_TAGS), remove_all_outputs_tags=set(CLEARED_TAGS)
    )
    student, _ = remover.preprocess(student, {})
    _retarget_badges(student, filename, slug, ref)
    return student


def student_text(path: Path, root: Path = ROOT) -> str:
    """The text ``student/<path.name>`` must hold: the student copy of ``path``, serialised."""
    slug, ref = course_slug_ref(root)
    nb = nbformat.read(path, as_version=4)
    text = nbformat.writes(make_student(nb, path.name, slug, ref))
    return text if text.endswith("\n") else text + "\n"


def build_student(root: Path = ROOT, *, check: bool = False) -> list[str]:
    """Write ``student/`` from ``notebooks/`` (or, with ``check``, only compare).

    Student copies whose self-study notebook is gone are deleted.

    Returns:
        The student files that were (or, with ``check``, would be) written or deleted.
    """
    sources = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    out = root / "student"
    texts = {path.name: student_text(path, root) for path in sources}  # all, before writing
    changed = []
    for name, text in texts.items():
        target = out / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            changed.append(f"student/{name}")
            if not check:
                out.mkdir(exist_ok=True)
                target.write_text(text, encoding="utf-8")
    names = {p.name for p in sources}
    for stale in sorted(out.glob("[0-9][0-9]_*.ipynb")):
        if stale.name not in names:
            changed.append(f"student/{stale.name} (deleted)")
            if not check:
                stale.unlink()
    return changed


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.classroom [--check]``: write (or check) ``student/``."""
    parser = argparse.ArgumentParser(prog="python -m helpers.classroom", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report a stale student/")
    args = parser.parse_args(argv)
    try:
        changed = build_student(check=args.check)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    verb = "stale" if args.check else "wrote"
    for name in changed:
        print(f"{verb}: {name}")
    if not changed:
        print("student/ is up to date")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
