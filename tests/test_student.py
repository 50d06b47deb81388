"""The classroom edition (``make student``, helpers/classroom/student.py) and the committed student/.

student/ must be exactly what ``make student`` makes of notebooks/ (so it is never stale),
hold no solution text, carry its own badges, and hand out stubs that get "not yet".
Running each student copy top to bottom is nbval's job, in its lax mode (see INSTRUCTORS.md):
the check cells' outputs are cleared, so strict nbval would have nothing to compare them with,
and every other output is the same as in notebooks/, which the strict legs already check.
"""

from __future__ import annotations

import importlib
import re

import nbformat
import numpy as np
import pytest
import torch
from notebook_files import NOTEBOOKS, ROOT
from torch import nn

import helpers
from helpers.classroom import (
    badge_urls,
    build_student,
    course_slug_ref,
    find_exercises,
    make_student,
    solution_code,
    student_text,
    untagged_problems,
)
from helpers.classroom import student as classroom

SLUG, REF = course_slug_ref(ROOT)
STUDENT = sorted((ROOT / "student").glob("[0-9][0-9]_*.ipynb"))
PAIRS = [(path, ROOT / "student" / path.name) for path in NOTEBOOKS]
TEXT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def read(path):
    return nbformat.read(path, as_version=4)


# ------------------------------------------------------------------ the committed student/


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_cell_is_tagged(path):
    nb = read(path)
    problems = untagged_problems(nb, path.name)
    assert not problems, "\n".join(problems)
    assert find_exercises(nb, path.name), f"{path.name}: no cell is tagged 'exercise'"


def test_student_is_up_to_date():
    stale = build_student(ROOT, check=True)
    assert not stale, f"student/ is stale, run `make student`: {stale}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_copy_is_the_generated_one(path):
    target = ROOT / "student" / path.name
    assert target.exists(), f"student/{path.name} is missing: run `make student`"
    assert target.read_text(encoding="utf-8") == student_text(path, ROOT), "run `make student`"


def test_every_student_copy_has_a_self_study_notebook():
    assert [p.name for p in STUDENT] == [p.name for p in NOTEBOOKS]


def output_text(output) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") == "error":
        return "\n".join([output.get("evalue", ""), *output.get("traceback", [])])
    data = output.get("data", {})
    return "\n".join(str(data[k]) for k in TEXT_TYPES if k in data)


def all_text(nb) -> str:
    """Every source and every text output of ``nb``."""
    parts = [cell.source for cell in nb.cells]
    parts += [output_text(o) for cell in nb.cells for o in cell.get("outputs", [])]
    return "\n".join(parts)


def hidden_lines(nb) -> set[str]:
    """Lines of solutions and answers that the rest of the self-study notebook does not hold."""
    hidden = [c for c in nb.cells if {"solution", "answer"} & set(tags(c))]
    elsewhere = "\n".join(c.source for c in nb.cells if c not in hidden)
    lines = {
        line.strip()
        for c in hidden
        for block in (re.findall(r"```python\n(.*?)```", c.source, re.S) or [c.source])
        for line in block.splitlines()
    }
    return {
        line
        for line in lines
        if line not in elsewhere  # the lesson itself may teach a line the solution uses
        and re.search(r"\w{2}", line)
        and not re.match(r"</?(details|summary)", line)
    }


@pytest.mark.parametrize(("source", "student"), PAIRS, ids=lambda p: p.name)
def test_no_solution_text_in_student_copy(source, student):
    nb, handed_out = read(source), read(student)
    assert not any({"solution", "answer"} & set(tags(c)) for c in handed_out.cells)
    text = all_text(handed_out)
    assert not re.search(r"<summary>\s*(Solution|Answer)", text)
    leaked = sorted(line for line in hidden_lines(nb) if line in text)
    assert not leaked, f"{student.name} holds solution text: {leaked}"


@pytest.mark.parametrize(("source", "student"), PAIRS, ids=lambda p: p.name)
def test_student_copy_keeps_everything_else(source, student):
    kept = [c for c in read(source).cells if not {"solution", "answer"} & set(tags(c))]
    cells = read(student).cells
    assert len(cells) == len(kept)
    for i, (a, b) in enumerate(zip(kept, cells, strict=True)):
        assert a.cell_type == b.cell_type and tags(a) == tags(b), i
        if i > 0:  # the first cell differs in its badges only
            assert a.source == b.source, i
        if {"exercise-check", "hide-output"} & set(tags(a)):  # cleared for the learner to run
            assert b.outputs == [] and b.execution_count is None, i
        elif a.cell_type == "code":
            assert (a.outputs, a.execution_count) == (b.outputs, b.execution_count), i


@pytest.mark.parametrize("student", STUDENT, ids=lambda p: p.name)
def test_student_badges_point_at_the_student_copy(student):
    head = read(student).cells[0].source
    for url in badge_urls(f"student/{student.name}", SLUG, REF):
        assert f"]({url})" in head
    assert f"notebooks/{student.name}" not in head
    assert f"notebooks%2F{student.name}" not in head


@pytest.mark.parametrize("student", STUDENT, ids=lambda p: p.name)
def test_untouched_student_stubs_get_not_yet(student, capsys):
    nb = read(student)
    exercises = find_exercises(nb, student.name)
    assert exercises, f"{student.name} has no exercise tagged 'exercise'"
    module = importlib.import_module(f"helpers.checks.nb{student.name[:2]}")
    stubs = [c.source for c in nb.cells if "exercise" in tags(c)]
    for ex, stub in zip(exercises, stubs, strict=True):
        ns = {"np": np, "torch": torch, "nn": nn, "helpers": helpers}
        exec(compile(stub, f"<{student.name} exercise {ex.number}>", "exec"), ns)
        assert not getattr(module, ex.check_name)(ns[ex.function])
        assert "not yet: replace the `...`" in capsys.readouterr().out


# ------------------------------------------------------------------ the generator, on a small notebook


def small_notebook(name: str = "01_small.ipynb"):
    colab, binder = badge_urls(f"notebooks/{name}", SLUG, REF)
    cell = nbformat.v4.new_code_cell
    md = nbformat.v4.new_markdown_cell
    check = cell("check_double(double)", execution_count=3)
    check.outputs = [nbformat.v4.new_output("stream", text="❌ Exercise 1 (double) not yet\n")]
    lesson = cell("print(1 + 1)", execution_count=1)
    lesson.outputs = [nbformat.v4.new_output("stream", text="2\n")]
    cells = [
        md(f"[![Open In Colab](x.svg)]({colab}) [![Binder](y.svg)]({binder})\n\n# 01 · Small"),
        lesson,
        md("Why?"),
        md("<details><summary>Answer</summary>\n\nBecause the answer is 42.\n</details>"),
        cell('# Exercise 1\ndef double(x):\n    """Twice x."""\n    ...', execution_count=2),
        check,
        md(
            "<details><summary>Solution to exercise 1</summary>\n\n```python\n"
            "def double(x):\n    return 2 * x\n```\n</details>"
        ),
    ]
    for c, t in zip(cells[3:], ["answer", "exercise", "exercise-check", "solution"], strict=True):
        c.metadata["tags"] = [t]
    return nbformat.v4.new_notebook(cells=cells)


def test_make_student_removes_solutions_and_clears_checks():
    nb = small_notebook()
    before = nbformat.writes(nb)
    student = make_student(nb, "01_small.ipynb", SLUG, REF)
    assert nbformat.writes(nb) == before, "the self-study notebook must not change"
    assert [c.source[:12] for c in student.cells[1:]] == [
        "print(1 + 1)",
        "Why?",
        "# Exercise 1",
        "check_double",
    ]
    assert student.cells[1].outputs == nb.cells[1].outputs
    assert student.cells[4].outputs == [] and student.cells[4].execution_count is None
    for url in badge_urls("student/01_small.ipynb", SLUG, REF):
        assert f"]({url})" in student.cells[0].source
    text = nbformat.writes(student)
    assert "the answer is" not in text and "return 2 * x" not in text


def test_find_exercises_and_solution_code():
    nb = small_notebook()
    (ex,) = find_exercises(nb)
    assert (ex.number, ex.function, ex.check, ex.check_name) == (
        1,
        "double",
        "check_double(double)",
        "check_double",
    )
    assert solution_code(nb) == ["def double(x):\n    return 2 * x\n"]


@pytest.mark.parametrize(
    ("index", "problem"),
    [(3, "'answer'"), (4, "'exercise'"), (5, "'exercise-check'"), (6, "'solution'")],
)
def test_a_forgotten_tag_stops_the_build(index, problem):
    nb = small_notebook()
    del nb.cells[index].metadata["tags"]
    assert any(problem in p for p in untagged_problems(nb, "01_small.ipynb"))
    with pytest.raises(ValueError, match=problem):
        make_student(nb, "01_small.ipynb", SLUG, REF)


def test_a_stub_without_its_check_is_an_error():
    nb = small_notebook()
    nb.cells[5].metadata["tags"] = []
    nb.cells[5].source = "print('no check')"
    with pytest.raises(ValueError, match="must be its check"):
        find_exercises(nb, "01_small.ipynb")


def test_missing_badges_are_an_error():
    nb = small_notebook()
    nb.cells[0].source = "# 01 · Small"
    with pytest.raises(ValueError, match="no badge"):
        make_student(nb, "01_small.ipynb", SLUG, REF)


def test_build_student_writes_checks_and_deletes_stale(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.course]\nrepository = "{SLUG}"\nref = "{REF}"\n', encoding="utf-8"
    )
    (tmp_path / "notebooks").mkdir()
    nbformat.write(small_notebook(), tmp_path / "notebooks" / "01_small.ipynb")
    (tmp_path / "student").mkdir()
    (tmp_path / "student" / "02_gone.ipynb").write_text("{}", encoding="utf-8")
    assert build_student(tmp_path, check=True) == [
        "student/01_small.ipynb",
        "student/02_gone.ipynb (deleted)",
    ]
    assert len(build_student(tmp_path)) == 2
    assert build_student(tmp_path, check=True) == []
    assert sorted(p.name for p in (tmp_path / "student").iterdir()) == ["01_small.ipynb"]
    assert course_slug_ref(tmp_path) == (SLUG, REF)


def test_main_check_reports_stale(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(classroom, "build_student", lambda check: ["student/01_x.ipynb"])
    assert classroom.main(["--check"]) == 1
    assert "stale: student/01_x.ipynb" in capsys.readouterr().out
    monkeypatch.setattr(classroom, "build_student", lambda check: [])
    assert classroom.main([]) == 0
