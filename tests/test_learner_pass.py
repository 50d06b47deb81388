"""Regressions of the learner pass (issue 11), over every notebook in notebooks/.

- no stored output, and no hint a check prints for a wrong answer, holds a line of an
  exercise's solution (hints name the idea, the code lives only in the solution);
- no notebook has more than 60 code cells;
- no figure legend shows a raw dict key (``train_loss`` instead of "training loss");
- exercise cells carry their tags, and every "think" question has a revealable answer;
- every cell that fails on purpose is preceded by a "predict, then run" prompt;
- the reference setups are named by what they are, never by a letter.
"""

from __future__ import annotations

import importlib
import io
import re
from contextlib import redirect_stdout

import nbformat
import numpy as np
import pytest
import torch
from notebook_files import NOTEBOOKS, load_notebook
from solution_lines import solution_lines, squeeze
from torch import nn

import helpers

SOLUTION = re.compile(r"<details><summary>Solution to exercise (\d+)</summary>")


def _cells(path):
    return load_notebook(path)["cells"]


def _output_text(cell: dict) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(
                output["text"] if isinstance(output["text"], str) else "".join(output["text"])
            )
        elif output["output_type"] == "error":
            parts.append("\n".join(output["traceback"]))
        else:
            for kind, value in output.get("data", {}).items():
                if kind.startswith("text/"):
                    parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_stored_output_contains_a_line_of_a_solution(path):
    nb = load_notebook(path)
    cells = nb.cells
    lines = solution_lines(nb)
    assert lines or not any(SOLUTION.search(c["source"]) for c in cells)
    leaks = [
        (i, line)
        for i, cell in enumerate(cells)
        if cell["cell_type"] == "code"
        for line in lines
        if line in squeeze(_output_text(cell))
    ]
    assert not leaks, f"stored outputs give solution lines away (cell, line): {leaks}"


def test_the_leak_finder_finds_a_leak():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "<details><summary>Solution to exercise 1</summary>\n"
            "\n```python\ndef f(x):\n    return torch.inference_mode()  # no graph\n```\n</details>",
            metadata={"tags": ["solution"]},
        ),
        nbformat.v4.new_code_cell("check_f(f)"),
    ]
    nb.cells[1].outputs = [
        nbformat.v4.new_output(
            "stream", name="stdout", text="❌ Hint: use `return torch.inference_mode()`"
        )
    ]
    cells = nb.cells
    assert solution_lines(nb) == {"returntorch.inference_mode()"}
    assert "returntorch.inference_mode()" in squeeze(_output_text(cells[1]))


def _exercises(path):
    """(exercise number, check function, solution source) for every exercise of a notebook."""
    cells = _cells(path)
    found = []
    for i, cell in enumerate(cells[:-1]):
        if cell["cell_type"] == "code" and re.match(r"# Exercise (\d+)\n", cell["source"]):
            check = re.fullmatch(r"\s*(check_\w+)\(\w+\)\s*", cells[i + 1]["source"]).group(1)
            found.append(check)
    return found


def _wrong_answers():
    def returns_none_after_work(*args):
        _ = len(args)

    def raises(*args):
        raise ValueError("not done yet")

    return {
        "computes but returns nothing": returns_none_after_work,
        "returns a number": lambda *args: 0.5,
        "returns a pair": lambda *args: (0.5, -0.5),
        "returns a tensor": lambda *args: torch.zeros(4, 1),
        "returns a layer": lambda *args: nn.Linear(3, 1),
        "raises": raises,
    }


CHECKS = [(path, check) for path in NOTEBOOKS for check in _exercises(path)]


@pytest.mark.parametrize(("path", "check"), CHECKS, ids=[f"{p.name[:2]}-{c}" for p, c in CHECKS])
def test_no_hint_for_a_wrong_answer_holds_a_line_of_a_solution(path, check):
    lines = solution_lines(load_notebook(path))
    module = importlib.import_module(f"helpers.checks.nb{path.name[:2]}")
    for name, wrong in _wrong_answers().items():
        out = io.StringIO()
        with redirect_stdout(out):
            passed = getattr(module, check)(wrong)
        text = out.getvalue()
        assert not passed and text.startswith("❌"), (name, text)
        assert "Traceback" not in text, (name, text)
        assert not [line for line in lines if line in squeeze(text)], (name, text)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_notebook_has_more_than_60_code_cells(path):
    n_code = sum(c["cell_type"] == "code" for c in _cells(path))
    assert n_code <= 60, f"{path.name} has {n_code} code cells: split it"


RAW_KEY = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")  # train_loss, val_loss, lr_0


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_legend_label_in_a_notebook_is_a_raw_key(path):
    """Labels written in a notebook (``label=...`` or the keys of a dict given to a plot
    helper) read as words."""
    found = []
    for cell in _cells(path):
        if cell["cell_type"] != "code":
            continue
        src = cell["source"]
        found += [
            m for m in re.findall(r"label\s*=\s*[\"']([^\"']+)[\"']", src) if RAW_KEY.match(m)
        ]
        for call in re.findall(r"(?:plot_\w+|legend)\((.*?)\)\s*$", src, re.S | re.M):
            found += [k for k in re.findall(r"[\"']([^\"']+)[\"']\s*:", call) if RAW_KEY.match(k)]
    assert not found, f"{path.name}: legend labels that are raw keys: {found}"


def _legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def test_plot_helpers_turn_history_keys_into_words():
    history = {"train_loss": [1.0, 0.5, 0.25], "val_loss": [1.2, 0.6, 0.3]}
    texts = _legend_texts(helpers.plot_losses(history, xlabel="epoch"))
    assert texts == ["training loss", "validation loss"]
    assert not [t for t in texts if RAW_KEY.match(t)]


def test_plot_lr_comparison_legend_reads_as_words():
    losses = {0.1: list(np.geomspace(1, 0.01, 10)), 1.5: list(np.geomspace(1, 100, 10))}
    texts = _legend_texts(helpers.plot_lr_comparison(losses))
    assert texts and all(t.startswith("lr = ") for t in texts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercise_and_answer_cells_are_tagged(path):
    cells = _cells(path)
    for i, cell in enumerate(cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "code" and re.match(r"# Exercise \d+\n", cell["source"]):
            assert "exercise" in tags, cell["source"][:40]
            assert "exercise-check" in cells[i + 1].get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "markdown" and SOLUTION.search(cell["source"]):
            assert "solution" in tags, cell["source"][:60]
        if cell["cell_type"] == "markdown" and "<summary>Answer</summary>" in cell["source"]:
            assert "answer" in tags, cell["source"][:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_asks_a_think_question_with_an_answer(path):
    answers = [
        c
        for c in _cells(path)
        if c["cell_type"] == "markdown" and "<summary>Answer</summary>" in c["source"]
    ]
    assert answers, f"{path.name}: add one or two open 'think' questions with a revealable answer"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_failing_cell_is_preceded_by_a_prediction_prompt(path):
    cells = _cells(path)
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "code" and "raises-exception" in cell["metadata"].get("tags", []):
            before = next(c for c in reversed(cells[:i]) if c["cell_type"] == "markdown")
            assert re.search(r"\bpredict\b", before["source"], re.I), (
                f"{path.name}: ask the learner to predict before: {cell['source'][:60]!r}"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_setups_are_named_by_what_they_are(path):
    letters = [
        m.group(0)
        for c in _cells(path)
        for m in re.finditer(r"\b[Ss]etup [A-D]\b", c["source"] + _output_text(c))
    ]
    assert not letters, f"{path.name}: name each setup by its data, not {letters}"
