"""The grader, ``python -m helpers.classroom.grade``, on slim copies of notebook 04.

One run of the real command line grades a folder of five submissions side by side: every
solution pasted into its stub, an untouched student copy, one exercise solved and one wrong, a
stub that loops forever next to a renamed stub, and a file that is not a notebook. Each
exercise whose check is an ``Exercise`` is judged; the others are reported as not judgeable
(grade_kit.expected_text). The adversarial cases are in test_grade_adversarial.py; the other
tests here need no kernel.
"""

from __future__ import annotations

import csv

import nbformat
import pytest
from grade_kit import (
    EXERCISES,
    SOLUTIONS,
    SOURCE,
    M,
    exercise_lines,
    expected_passed,
    expected_text,
    grade_folder,
    judgeable,
    slim_student,
    submission,
)
from notebook_files import ROOT

from helpers.classroom import grade as grader
from helpers.classroom import judging

# Seconds per cell: the slowest cell (importing torch) takes ~5 s, far more on a busy machine.
LOOP_LIMIT = 30


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The folder of submissions, graded once: (stdout blocks by file name, csv rows)."""
    folder = tmp_path_factory.mktemp("submissions")
    first, last = EXERCISES[0].function, EXERCISES[-1].function
    loop = f"def {first}(*args):\n    while True:\n        pass\n"
    renamed = "def my_evaluate(model, loader, loss_fn):\n    return 1.0\n"
    wrong = (  # one window too many: the last has no next value
        f"def {first}(series, k):\n"
        "    return [(series[i : i + k], series[i + k : i + k + 1])"
        " for i in range(len(series) - k + 1)]\n"
    )
    copies = {
        "alice_04.ipynb": submission(dict(enumerate(SOLUTIONS))),
        "bob_04.ipynb": slim_student(),
        "carol_04.ipynb": submission({0: wrong, 1: SOLUTIONS[1]}),
        "dave_04.ipynb": submission({0: loop, M - 1: renamed}),
    }
    assert last != "my_evaluate"
    for name, nb in copies.items():
        nbformat.write(nb, folder / name)
    (folder / "erin_04.ipynb").write_text("my answers are in the PDF", encoding="utf-8")
    blocks, rows, _ = grade_folder(folder, "--timeout", str(LOOP_LIMIT))
    return blocks, rows


def test_every_solution_pasted_in_scores_full_marks(graded):
    blocks, _ = graded
    lines = exercise_lines(blocks["alice_04.ipynb"])
    assert blocks["alice_04.ipynb"][-1] == f"score: {expected_passed(set(range(M)))}/{M}"
    assert all(expected_text(k, "✅ passed") in line for k, line in enumerate(lines))


def test_a_student_copy_scores_zero(graded):
    blocks, _ = graded
    lines = blocks["bob_04.ipynb"]
    assert lines[-1] == f"score: 0/{M}"
    assert len(exercise_lines(lines)) == M
    for k, line in enumerate(exercise_lines(lines)):
        assert expected_text(k, "❌ not yet: replace the `...`") in line
    assert not any("note:" in line for line in lines), "a student copy runs without errors"


def test_one_exercise_solved_one_wrong(graded):
    blocks, _ = graded
    lines = exercise_lines(blocks["carol_04.ipynb"])
    assert blocks["carol_04.ipynb"][-1] == f"score: {expected_passed({1})}/{M}"
    assert (
        expected_text(0, "❌ not yet: for a series of 7 values and k = 3, len(dataset)") in lines[0]
    )
    assert "expected" not in lines[0]  # the teacher's line keeps the problem, not the answer
    assert expected_text(1, "✅ passed") in lines[1]


def test_an_endless_loop_is_stopped_and_a_renamed_stub_named(graded):
    blocks, _ = graded
    lines = exercise_lines(blocks["dave_04.ipynb"])
    assert blocks["dave_04.ipynb"][-1] == f"score: 0/{M}"
    assert expected_text(0, f"stopped after {LOOP_LIMIT} s") in lines[0]
    if judgeable(M - 1):  # judged: the message names the function the cell defines now
        assert f"no cell defines `{EXERCISES[-1].function}`" in lines[-1]
        assert "defines `my_evaluate` now" in lines[-1]


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("the epoch loss for losses [0.5] and sizes [16] is 0, expected 0.5.", "is 0."),
        ("you returned 1.3, the plain mean; expected 1.6.\n   Hint: x", "the plain mean."),
        ("z has shape (3,), expected (3, 1). Reshape.", "z has shape (3,). Reshape."),
    ],
)
def test_teacher_messages_keep_the_problem_not_the_expected_value(message, shown):
    assert judging.problem(message).endswith(shown)
    assert "expected" not in judging.problem(message)


def test_a_renamed_stub_is_named_as_it_is_now():
    nb = submission({0: "def my_loss(batch_losses, batch_sizes):\n    return 0.0\n"})
    first = EXERCISES[0]
    planned = judging.Planned(1, first.function, first.check, "", first.check_name, None)
    why = judging.missing(nb, planned, {})
    assert why == (
        f"no cell defines `{first.function}`: exercise 1's cell defines `my_loss` now (renamed?)"
    )


def test_not_a_notebook_still_gets_its_lines(graded):
    blocks, _ = graded
    lines = blocks["erin_04.ipynb"]
    assert lines[-1] == f"score: 0/{M}"
    assert len(exercise_lines(lines)) == M
    assert all("not graded: not a notebook" in line for line in exercise_lines(lines))


def test_csv_has_one_row_per_notebook_and_exercise(graded):
    _, rows = graded
    assert len(rows) == 5 * M
    alice = [r for r in rows if r["path"].endswith("alice_04.ipynb")]
    assert [r["exercise"] for r in alice] == [str(k) for k in range(1, M + 1)]
    assert alice[0]["passed"] == "1" and alice[0]["notebook"] == SOURCE.name


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
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("[badge](x)\n\n# 04 · Anything")]
    )
    nbformat.write(nb, renamed)
    assert grader.reference_for(renamed, reference) == SOURCE
    assert grader.reference_for(tmp_path / "unknown.ipynb", reference) is None


def test_a_notebook_of_unknown_number_is_reported(tmp_path):
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "homework.ipynb")
    report = grader.grade_notebook(tmp_path / "homework.ipynb")
    assert report.lines()[-1] == "score: 0/0"
    assert "can't tell which notebook" in report.lines()[1]


def test_check_imports_keeps_only_the_checks():
    reference = nbformat.read(SOURCE, as_version=4)
    imports = grader.check_imports(reference)
    assert set(imports.values()) == {"helpers.checks.nb04"}
    assert {ex.check_name for ex in EXERCISES} <= set(imports)


@pytest.mark.parametrize(
    "name",
    [
        "alice_2024-03-01_04_dataset_dataloader.ipynb",  # the first NN_ is a date's
        "week_10_04_dataset_dataloader.ipynb",  # the first NN_ is the week's
        "04_dataset_dataloader (1).ipynb",
        "alice_04.ipynb",  # the one number that names a notebook
    ],
)
def test_a_file_name_names_its_notebook(tmp_path, name):
    untitled = slim_student()
    untitled.cells[0].source = "My homework"
    nbformat.write(untitled, tmp_path / name)
    assert grader.identify(tmp_path / name, untitled, ROOT / "notebooks") == (SOURCE, [])


def test_the_title_wins_over_a_misleading_name_with_a_warning(tmp_path):
    path = tmp_path / "bob_01_numpy_gradient_descent.ipynb"
    reference, warnings = grader.identify(path, slim_student(), ROOT / "notebooks")
    assert reference == SOURCE
    assert warnings == ["the file name says notebook 01 but its title says 04: graded as 04"]


@pytest.mark.parametrize("text", ["5", "[]", '{"cells": 3}', "my answers are in the PDF"])
def test_what_is_not_a_notebook_is_called_so(tmp_path, text):
    path = tmp_path / "04_dataset_dataloader.ipynb"
    path.write_text(text, encoding="utf-8")
    report = grader.grade_notebook(path)
    assert report.score == (0, M)
    assert all("❌ not graded: not a notebook" in v.text for v in report.verdicts)


def test_another_notebook_does_not_look_like_this_one(tmp_path):
    other = slim_student()
    other.cells = [
        other.cells[0],
        nbformat.v4.new_code_cell("def my_own_course():\n    return 1\n"),
    ]
    nbformat.write(other, tmp_path / "04_x.ipynb")
    report = grader.grade_notebook(tmp_path / "04_x.ipynb")
    assert report.score == (0, M)
    assert all("doesn't look like notebook 04" in v.text for v in report.verdicts)


@pytest.mark.parametrize("forged", ["[]", "{}", '{"notes": 1, "errors": {}, "probes": {}}', "x"])
def test_a_forged_worker_result_is_refused_not_a_crash(tmp_path, forged):
    (tmp_path / "result.json").write_text(forged, encoding="utf-8")
    (tmp_path / "worker.err").write_text("", encoding="utf-8")
    result = grader.read_result(tmp_path)
    assert "the grader's worker failed" in result["error"]
    assert result["notes"] == [] and result["probes"] == {}


def test_a_grader_failure_stays_with_its_notebook(tmp_path, monkeypatch):
    def flaky(path, **options):
        if path.name == "b.ipynb":
            raise RuntimeError("boom")
        return grader.Report(str(path), "04_x.ipynb", [grader.Verdict(1, "f", True, "✅ passed")])

    monkeypatch.setattr(grader, "grade_notebook", flaky)
    paths = [tmp_path / n for n in ("a.ipynb", "b.ipynb", "c.ipynb")]
    reports = list(grader.grade(paths, jobs=2))
    assert [r.score for r in reports] == [(1, 1), (0, 0), (1, 1)]
    assert "the grader failed on this notebook (RuntimeError: boom)" in reports[1].notes[0]


def test_time_limits_are_whole_seconds():
    """Colab's nbclient 0.10.4 refuses a float timeout (issue 23): the grader passes ints."""
    with pytest.raises(SystemExit):
        grader.main(["x", "--timeout", "2.5"])


def test_every_check_is_an_exercise():
    """The grader judges only :class:`helpers.checks.Exercise` checks outside the kernel: every
    check of every notebook must be one (until it is, its exercise is graded "not graded")."""
    import importlib
    import pkgutil

    import helpers.checks
    from helpers.checks import Exercise

    not_yet = []
    for info in pkgutil.iter_modules(helpers.checks.__path__):
        module = importlib.import_module(f"helpers.checks.{info.name}")
        for name in getattr(module, "__all__", []):
            if name.startswith("check_") and not isinstance(getattr(module, name), Exercise):
                not_yet.append(f"{info.name}.{name}")
    assert not not_yet, f"checks that are not an Exercise: {not_yet}"


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
