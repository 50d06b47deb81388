"""Shared by the exercise-check tests: no printed hint may contain a line of a solution."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import load_notebook


def solution_lines(notebook: Path) -> set[str]:
    """The code lines of every revealed solution, without signatures, docstrings and blanks."""
    lines: set[str] = set()
    for cell in load_notebook(notebook)["cells"]:
        if cell["cell_type"] != "markdown" or "Solution to exercise" not in cell["source"]:
            continue
        for block in re.findall(r"```python\n(.*?)```", cell["source"], re.S):
            body = re.sub(r'"""(.*?)"""', "", block, flags=re.S)
            for line in body.splitlines():
                line = line.strip()
                if line and not line.startswith(("def ", "#")) and len(line) > 3:
                    lines.add(line)
    return lines


def hints_hold_no_solution_line(notebook: Path, outputs: list[str]) -> None:
    lines = solution_lines(notebook)
    assert lines, f"no solution lines found in {notebook.name}"
    for out in outputs:
        for line in lines:
            assert line not in out, f"the output gives the solution line {line!r} away:\n{out}"
