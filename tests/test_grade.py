"""The grader, ``python -m helpers.grade``, on copies of notebook 01 (the quickest to run).

One run of the real command line grades a folder of five submissions side by side: every
solution pasted into its stub, an untouched student copy, one exercise solved, a stub that
loops forever (with a short time limit) next to a renamed stub, and a file that is not a
notebook. The other tests need no kernel.
"""

from __future__ import annotations

import copy
import csv
import subprocess
import sys

import nbformat
import pytest
from notebook_files import ROOT

from helpers import grade as grader
from helpers.classroom import course_slug_ref, find_exercises, make_student, solution_code

SOURCE = next((ROOT / "notebooks").glob("01_*.ipynb"))
LOOP_LIMIT = 10  # seconds per cell: notebook 01's slowest cell takes about 1 s


def submission(nb, stubs: dict[int, str]):
    """A copy of the student notebook ``nb`` with exercise k's stub cell replaced by ``stubs[k]``."""
    nb = copy.deepcopy(nb)
    cells = [c for c in nb.cells if "exercise" in c.get("metadata", {}).get("tags", [])]
    for k, source in stubs.items():
        cells[k].source = f"# Exercise {k + 1}\n{source}"
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The folder of submissions, graded once: (stdout blocks by file name, csv rows, M)."""
    folder = tmp_path_factory.mktemp("submissions")
    reference = nbformat.read(SOURCE, as_version=4)
    student = make_student(reference, SOURCE.name, *course_slug_ref(ROOT))
    solutions = solution_code(reference)
    first = find_exercises(reference)[0].function
    loop = f"def {first}(*args):\n    while True:\n        pass\n"
    renamed = "def my_rate(x):\n    return 1.0\n"
    copies = {
        "alice_01.ipynb": submission(student, dict(enumerate(solutions))),
        "bob_01.ipynb": student,
        "carol_01.ipynb": submission(student, {1: solutions[1]}),
        "dave_01.ipynb": submission(student, {0: loop, 2: renamed}),
    }
    for name, nb in copies.items():
        nbformat.write(nb, folder / name)
    (folder / "erin_01.ipynb").write_text("my answers are in the PDF", encoding="utf-8")
    table = folder / "grades.csv"
    cmd = [sys.executable, "-m", "helpers.grade", str(folder), "--csv", str(table)]
    cmd += ["--timeout", str(LOOP_LIMIT), "--jobs", "2"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    blocks = {}
    for block in done.stdout.split("== ")[1:]:
        lines = block.strip().splitlines()
        blocks[lines[0].split()[0].rsplit("/", 1)[-1]] = lines[1:]
    with open(table, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return blocks, rows, len(solutions)


def exercise_lines(lines: list[str]) -> list[str]:
    return [line.strip() for line in lines if line.strip().startswith("exercise ")]


def test_every_solution_pasted_in_scores_full_marks(graded):
    blocks, _, m = graded
    assert blocks["alice_01.ipynb"][-1] == f"score: {m}/{m}"
    assert all("✅ passed" in line for line in exercise_lines(blocks["alice_01.ipynb"]))


def test_a_student_copy_scores_zero(graded):
    blocks, _, m = graded
    lines = blocks["bob_01.ipynb"]
    assert lines[-1] == f"score: 0/{m}"
    assert len(exercise_lines(lines)) == m
    assert all("❌ not yet: replace the `...`" in line for line in exercise_lines(lines))
    assert not any("note:" in line for line in lines), "a student copy runs without errors"


def test_one_exercise_solved_scores_one(graded):
    blocks, _, m = graded
    lines = exercise_lines(blocks["carol_01.ipynb"])
    assert blocks["carol_01.ipynb"][-1] == f"score: 1/{m}"
    assert "✅ passed" in lines[1] and "❌" in lines[0]


def test_an_endless_loop_is_stopped_and_reported(graded):
    blocks, _, m = graded
    lines = exercise_lines(blocks["dave_01.ipynb"])
    assert blocks["dave_01.ipynb"][-1] == f"score: 0/{m}"
    assert f"stopped after {LOOP_LIMIT} s" in lines[0]
    # the stub was renamed: the exercise still counts, with the reason
    third = find_exercises(nbformat.read(SOURCE, as_version=4))[2].function
    assert f"no cell defines `{third}`" in lines[2]


def test_not_a_notebook_still_gets_its_lines(graded):
    blocks, _, m = graded
    lines = blocks["erin_01.ipynb"]
    assert lines[-1] == f"score: 0/{m}"
    assert len(exercise_lines(lines)) == m
    assert all("not graded: not a notebook" in line for line in exercise_lines(lines))


def test_csv_has_one_row_per_notebook_and_exercise(graded):
    _, rows, m = graded
    assert len(rows) == 5 * m
    alice = [r for r in rows if r["path"].endswith("alice_01.ipynb")]
    assert [r["exercise"] for r in alice] == [str(k) for k in range(1, m + 1)]
    assert {r["passed"] for r in alice} == {"1"} and alice[0]["notebook"] == SOURCE.name


# ------------------------------------------------------------------ without a kernel


def test_collect_paths_finds_notebooks_in_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "01_x.ipynb").write_text("{}", encoding="utf-8")
    (tmp_path / "a" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "a" / ".ipynb_checkpoints" / "01_x-checkpoint.ipynb").write_text("{}")
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    found = grader.collect_paths([str(tmp_path / "a"), str(tmp_path / "notes.txt")])
    assert found == [tmp_path / "a" / "01_x.ipynb", tmp_path / "notes.txt"]
    with pytest.raises(ValueError, match="does not exist"):
        grader.collect_paths([str(tmp_path / "missing")])


def test_reference_by_file_name_or_title(tmp_path):
    reference = ROOT / "notebooks"
    assert grader.reference_for(tmp_path / f"x_{SOURCE.name}", reference) == SOURCE
    renamed = tmp_path / "homework.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01 · Anything")])
    nbformat.write(nb, renamed)
    assert grader.reference_for(renamed, reference) == SOURCE
    assert grader.reference_for(tmp_path / "unknown.ipynb", reference) is None


def test_a_notebook_of_unknown_number_is_reported(tmp_path):
    report = grader.grade_notebook(tmp_path / "homework.txt")
    assert report.lines()[-1] == "score: 0/0"
    assert "can't tell which notebook" in report.lines()[1]


def test_check_imports_keeps_only_the_checks():
    reference = nbformat.read(SOURCE, as_version=4)
    imports = grader.check_imports(reference)
    assert imports.startswith("from helpers.checks.nb01 import ")
    assert "numpy" not in imports


def test_report_lines_and_csv(tmp_path):
    report = grader.Report("a/01_x.ipynb", "01_x.ipynb", notes=["cell 3 ('1/0') raised"])
    report.verdicts += [
        grader.Verdict(1, "f", True, "✅ passed"),
        grader.Verdict(2, "g", False, "❌ not yet: replace the `...`"),
    ]
    assert report.lines() == [
        "== a/01_x.ipynb (graded as 01_x.ipynb)",
        "  note: cell 3 ('1/0') raised",
        "  exercise 1 (f): ✅ passed",
        "  exercise 2 (g): ❌ not yet: replace the `...`",
        "score: 1/2",
    ]
    grader.write_csv([report, grader.Report("b.txt", None, notes=["why"])], tmp_path / "t.csv")
    with open(tmp_path / "t.csv", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["path", "notebook", "exercise", "function", "passed", "verdict"]
    assert rows[1:] == [
        ["a/01_x.ipynb", "01_x.ipynb", "1", "f", "1", "✅ passed"],
        ["a/01_x.ipynb", "01_x.ipynb", "2", "g", "0", "❌ not yet: replace the `...`"],
        ["b.txt", "", "", "", "0", "why"],
    ]


def test_main_rejects_a_missing_path(tmp_path, capsys):
    assert grader.main([str(tmp_path / "missing.ipynb")]) == 2
    assert "does not exist" in capsys.readouterr().err
