"""Every exercise in every notebook: the revealed solution passes its check, and the
untouched stub fails it with a hint (never with a traceback).

Exercises follow CONTRIBUTING.md: a code cell starting ``# Exercise N`` with a stub
function, a code cell calling ``check_<something>(<function>)`` from
``helpers.checks.nbNN``, and a markdown ``<details>`` solution with one python block.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from notebook_files import NOTEBOOKS, load_notebook
from torch import nn

import helpers


@dataclass
class Exercise:
    notebook: str
    number: int
    stub: str
    check: str
    function: str
    solution: str


def collect(path) -> list[Exercise]:
    cells = load_notebook(path)["cells"]
    found = []
    for i, cell in enumerate(cells):
        m = re.match(r"# Exercise (\d+)\n", cell["source"])
        if cell["cell_type"] != "code" or not m:
            continue
        number = int(m.group(1))
        function = re.search(r"^def (\w+)\(", cell["source"], re.M).group(1)
        call = re.fullmatch(rf"\s*(check_\w+)\({function}\)\s*", cells[i + 1]["source"])
        assert call, (
            f"{path.name}: exercise {number}'s stub must be followed by check_...({function})"
        )
        solutions = [
            c["source"]
            for c in cells
            if c["cell_type"] == "markdown" and f"Solution to exercise {number}<" in c["source"]
        ]
        assert len(solutions) == 1, f"{path.name}: exercise {number} needs one <details> solution"
        code = re.findall(r"```python\n(.*?)```", solutions[0], re.S)
        assert len(code) == 1, f"{path.name}: exercise {number}'s solution needs one python block"
        found.append(Exercise(path.name, number, cell["source"], call.group(1), function, code[0]))
    return found


EXERCISES = [ex for path in NOTEBOOKS for ex in collect(path)]


def namespace() -> dict:
    return {"np": np, "torch": torch, "nn": nn, "helpers": helpers}


def run(ex: Exercise, source: str, capsys: pytest.CaptureFixture[str]) -> tuple[bool, str]:
    ns = namespace()
    exec(compile(source, f"<{ex.notebook} exercise {ex.number}>", "exec"), ns)
    module = importlib.import_module(f"helpers.checks.nb{ex.notebook[:2]}")
    result = getattr(module, ex.check)(ns[ex.function])
    out = capsys.readouterr().out
    return bool(result), out


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: f"{e.notebook[:2]}-exercise-{e.number}")
def test_solution_passes(ex, capsys):
    passed, out = run(ex, ex.solution, capsys)
    assert passed, out
    assert out.startswith("✅")


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: f"{e.notebook[:2]}-exercise-{e.number}")
def test_untouched_stub_fails_helpfully(ex, capsys):
    passed, out = run(ex, ex.stub, capsys)
    assert not passed
    assert out.startswith("❌") and "Traceback" not in out
    # an untouched stub gets no hint: a hint is for a wrong answer, not for no answer
    assert "not yet: replace the `...`" in out and "Hint:" not in out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_has_two_or_three_exercises(path):
    numbers = [ex.number for ex in collect(path)]
    assert 2 <= len(numbers) <= 3 and numbers == list(range(1, len(numbers) + 1)), numbers
