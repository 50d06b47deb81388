"""Stored outputs hold nothing of the machine that made them, and errors stay short."""

from __future__ import annotations

import re

import pytest
from notebook_files import NOTEBOOKS, load_notebook

# An absolute path of a POSIX or Windows machine, or an installed package's folder.
MACHINE_PATH = re.compile(
    r"(?<![\w.~-])/(?:home|root|work|tmp|usr|opt|var|Users|private|mnt|srv)/"
    r"|\b[A-Za-z]:\\\\?[\w .-]+\\|site-packages|dist-packages|ipykernel_\d+"
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
MAX_ERROR_LINES = 15


def _outputs(path):
    for index, cell in enumerate(load_notebook(path)["cells"]):
        for output in cell.get("outputs", []):
            yield index, output


def _text(output: dict) -> str:
    if output["output_type"] == "error":
        return ANSI.sub("", "\n".join(output["traceback"]))
    if output["output_type"] == "stream":
        return output["text"] if isinstance(output["text"], str) else "".join(output["text"])
    data = output.get("data", {})
    return "\n".join(
        v if isinstance(v, str) else "".join(v)
        for k, v in data.items()
        if k.startswith("text/") or k == "application/json"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_stored_output_names_a_machine_path(path):
    found = [
        f"cell {i}: {m.group(0)!r}"
        for i, output in _outputs(path)
        for m in [MACHINE_PATH.search(_text(output))]
        if m
    ]
    assert not found, f"machine paths in stored outputs: {found}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_errors_are_short(path):
    long = [
        f"cell {i}: {len(_text(output).splitlines())} lines"
        for i, output in _outputs(path)
        if output["output_type"] == "error" and len(_text(output).splitlines()) > MAX_ERROR_LINES
    ]
    assert not long, (
        f"stored errors over {MAX_ERROR_LINES} lines (helpers.short_tracebacks()): {long}"
    )


def test_the_pattern_catches_what_it_is_for():
    for bad in (
        "File /home/ana/course/.venv/lib/python3.11/site-packages/torch/_tensor.py:626",
        "/work/main/helpers/training.py:481",
        r"C:\Users\ana\course\helpers\training.py",
        "/tmp/ipykernel_4321/123.py",
    ):
        assert MACHINE_PATH.search(bad), bad
    for fine in ("loss 1/2", "x/y and w/b", "see helpers/training.py", "https://x.org/home/a"):
        assert not MACHINE_PATH.search(fine), fine


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_cell_stores_when_it_ran(path):
    # nbconvert's per-cell timings change on every run and hold nothing a learner reads
    timed = [
        i
        for i, cell in enumerate(load_notebook(path)["cells"])
        if "execution" in cell.get("metadata", {})
    ]
    assert not timed, f"cells {timed} store execution timings: store with make notebooks"
