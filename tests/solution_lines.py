"""Solution lines: no printed hint or stored output may give a line of a solution away.

One implementation for every test that checks this (tests/test_learner_pass.py for all
notebooks, tests/test_checks_nb04.py and tests/test_checks_nb05.py for their hints). The
solutions are found by their cell tag, ``solution``, with ``helpers.classroom.solution_code``;
lines are compared without whitespace, so "w*x + b" and "w * x + b" count as the same line.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from notebook_files import load_notebook

from helpers.classroom import solution_code

MIN_LINE = 9  # shorter solution lines ("return w, b") say too little to give anything away


def squeeze(text: str) -> str:
    """``text`` without whitespace, so "w*x + b" and "w * x + b" compare equal."""
    return re.sub(r"\s+", "", text)


def code_lines(source: str, min_line: int = MIN_LINE) -> set[str]:
    """The meaningful lines of some code, squeezed: comments dropped, at least ``min_line`` long."""
    lines = set()
    for line in source.splitlines():
        line = squeeze(re.sub(r"\s+#.*$", "", line))
        if len(line) >= min_line and not line.startswith(("#", "def", '"""')):
            lines.add(line)
    return lines


def solution_lines(
    nb: nbformat.NotebookNode, *, min_line: int = MIN_LINE, taught_too: bool = False
) -> set[str]:
    """The squeezed lines of the notebook's solutions (tagged ``solution``).

    By default without the lines its taught code (the other code cells) shows anyway;
    ``taught_too=True`` keeps those as well.
    """
    solutions = set().union(*(code_lines(code, min_line) for code in solution_code(nb)))
    if taught_too:
        return solutions
    taught = [code_lines(c.source, min_line) for c in nb.cells if c.cell_type == "code"]
    return solutions - set().union(*taught)


def hints_hold_no_solution_line(notebook: Path, outputs: list[str]) -> None:
    """No text in ``outputs`` holds a line (4 characters or more) of ``notebook``'s solutions."""
    lines = solution_lines(load_notebook(notebook), min_line=4, taught_too=True)
    assert lines, f"no solution lines found in {notebook.name}"
    for out in outputs:
        for line in lines:
            assert line not in squeeze(out), (
                f"the output gives the solution line {line!r} away:\n{out}"
            )
