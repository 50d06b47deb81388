"""Practice that makes the learner think (issue 19), over every notebook in notebooks/:

- an exercise is not a copy: at most a third of its solution's code lines (whitespace and the
  learner's own names normalised) may already stand in the notebook's earlier code cells;
- a "predict, then run" prompt's answer is out of sight until the learner asks for it: the
  next code cell is stored with its output collapsed (``"jupyter": {"outputs_hidden": true}``
  and the ``hide-output`` tag, which a site uses), and the student copy clears it;
- and so is the prose that explains it: the markdown right after the answer cell is either a
  fold, ``<details><summary>What happened, and why</summary>`` ... ``</details>`` with nothing
  outside it, or a new section's heading; the student copy keeps the fold as it is;
- test markers are cell tags: no ``NBVAL_`` comment in any notebook's source.
"""

from __future__ import annotations

import builtins
import io
import keyword
import re
import tokenize

import pytest
from notebook_files import NOTEBOOKS, ROOT, load_notebook

from helpers.classroom import find_exercises, solution_code

MAX_COPIED = 1 / 3
PROMPT = re.compile(r"\*\*Predict\b[^*]*:?\*\*")
FOLD = re.compile(
    r"\A<details><summary>What happened, and why\b[^<]*</summary>\n\n.+\n\n</details>\Z", re.S
)
# Names a solution shares with the lesson without copying it: modules, builtins, and the
# attribute and method names of the libraries (kept as they are after a dot).
KEPT = {"np", "torch", "nn", "F", "helpers", "plt", "math", "self", "super"} | set(dir(builtins))


def normalised_lines(source: str) -> list[str]:
    """The code lines of ``source``, each with whitespace dropped and every name the code
    chose itself (variables, functions, arguments) replaced by ``_``; library names, keywords,
    attributes after a dot, numbers and strings stay. Comments, docstrings, blank lines and
    ``def`` lines are left out."""
    lines: dict[int, list[str]] = {}
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    for i, tok in enumerate(tokens):
        if tok.type in skip or tok.type == tokenize.ENDMARKER:
            continue
        text = tok.string
        after_dot = i > 0 and tokens[i - 1].string == "."
        if tok.type == tokenize.NAME and not (keyword.iskeyword(text) or text in KEPT or after_dot):
            text = "_"
        lines.setdefault(tok.start[0], []).append(text)
    out = []
    for joined in ("".join(parts) for parts in lines.values()):
        if joined.startswith(("def", "@")) or re.fullmatch(r"[rbuf]*('''|\"\"\"|'|\").*", joined):
            continue
        out.append(joined)
    return out


def copied_share(solution: str, earlier_code: list[str]) -> tuple[float, list[str]]:
    """The share of ``solution``'s normalised lines that the earlier cells already hold."""
    taught = set().union(*(normalised_lines(code) for code in earlier_code))
    lines = normalised_lines(solution)
    copied = [line for line in lines if line in taught]
    return (len(copied) / len(lines) if lines else 1.0), copied


def test_normalising_hides_renamed_copies_but_keeps_library_calls():
    taught = "loss = ((w * x + b - y) ** 2).mean()\nloss.backward()\n"
    renamed = (
        "def f(a, c, xs, ys):\n    err = ((a * xs + c - ys) ** 2).mean()\n    err.backward()\n"
    )
    assert copied_share(renamed, [taught])[0] == 1.0
    other = "def f(a, xs, ys):\n    err = (a * xs - ys).abs().mean()\n    err.backward()\n"
    assert copied_share(other, [taught])[0] == 0.5


def _exercise_cases():
    for path in NOTEBOOKS:
        nb = load_notebook(path)
        exercises = find_exercises(nb, path.name)
        solutions = solution_code(nb)
        stubs = [i for i, c in enumerate(nb.cells) if "exercise" in c.metadata.get("tags", [])]
        for ex, solution, at in zip(exercises, solutions, stubs, strict=True):
            earlier = [c.source for c in nb.cells[:at] if c.cell_type == "code"]
            yield pytest.param(solution, earlier, id=f"{path.name[:2]}-ex{ex.number}-{ex.function}")


@pytest.mark.parametrize(("solution", "earlier"), list(_exercise_cases()))
def test_an_exercise_is_not_a_copy_of_the_lesson(solution, earlier):
    share, copied = copied_share(solution, earlier)
    assert share <= MAX_COPIED, (
        f"{share:.0%} of the solution's lines stand in earlier cells already: {copied}. Ask for "
        "the idea in a situation no worked cell shows (another loss, model, shape or question)."
    )


def _prompts(nb):
    """(prompt cell index, answer cell index) for every "predict" prompt of ``nb``."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and PROMPT.search(cell.source):
            answer = next(j for j in range(i + 1, len(nb.cells)) if nb.cells[j].cell_type == "code")
            yield i, answer


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_a_prediction_is_asked_before_its_answer_shows(path):
    nb = load_notebook(path)
    student = load_notebook(ROOT / "student" / path.name)
    student_by_source = {c.source: c for c in student.cells if c.cell_type == "code"}
    prompts = list(_prompts(nb))
    assert prompts, f"{path.name}: ask at least one 'predict, then run' question"
    for i, j in prompts:
        cell = nb.cells[j]
        where = f"{path.name} cell {j} (after the prompt in cell {i})"
        assert cell.outputs, f"{where}: the answer cell stores no output to reveal"
        assert cell.metadata.get("jupyter", {}).get("outputs_hidden") is True, (
            f'{where}: store it collapsed, "jupyter": {{"outputs_hidden": true}}'
        )
        assert "hide-output" in cell.metadata.get("tags", []), f"{where}: tag it hide-output"
        twin = student_by_source.get(cell.source)
        assert twin is not None and not twin.outputs, f"{where}: the student copy must clear it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_the_explanation_of_a_prediction_is_folded_until_asked_for(path):
    nb = load_notebook(path)
    student_sources = {c.source for c in load_notebook(ROOT / "student" / path.name).cells}
    folds = 0
    for i, j in _prompts(nb):
        after = nb.cells[j + 1]
        where = f"{path.name} cell {j + 1} (after the answer to the prompt in cell {i})"
        assert after.cell_type == "markdown", f"{where}: explain the answer in markdown"
        text = after.source.strip()
        if text.startswith("#"):
            continue  # the answer is the output alone, and a new section starts
        assert FOLD.match(text), (
            f"{where}: fold the explanation, '<details><summary>What happened, and "
            f"why</summary>', blank line, text, blank line, '</details>', and put what comes "
            f"after it in a cell of its own; it opens with: {text[:80]!r}"
        )
        assert after.source in student_sources, f"{where}: the student copy must keep the fold"
        folds += 1
    assert folds, f"{path.name}: no prediction explains its answer in prose"


def test_the_fold_check_can_fail():
    assert FOLD.match(
        "<details><summary>What happened, and why</summary>\n\nBecause.\n\n</details>"
    )
    assert not FOLD.match("No: the update was recorded in the graph.")
    assert not FOLD.match(
        "<details><summary>What happened, and why</summary>\n\nBecause.\n\n</details>\n\nNext:"
    )


@pytest.mark.parametrize("path", [*NOTEBOOKS, *sorted((ROOT / "student").glob("[0-9]*.ipynb"))])
def test_no_test_marker_in_what_learners_read(path):
    for cell in load_notebook(path).cells:
        assert "NBVAL_" not in cell.source, (
            f"{path.name}: use the cell tags (raises-exception, nbval-ignore-output), not "
            f"comments: {cell.source[:80]!r}"
        )
