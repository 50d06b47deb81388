"""helpers.errors: short tracebacks keep the learner's line and the error, never a path."""

from __future__ import annotations

import linecache
import sys

import numpy as np
import pytest

import helpers
from helpers.errors import short_traceback_lines

CELL = "/tmp/ipykernel_1234/5678.py"  # how ipykernel names the file of a cell


def _raise_from_fake_cell(code: str) -> tuple:
    """Run ``code`` as if it were a notebook cell and return the exception it raises."""
    linecache.cache[CELL] = (len(code), None, code.splitlines(True), CELL)  # as IPython does
    try:
        exec(compile(code, CELL, "exec"), {"np": np, "helpers": helpers})
    except Exception:
        etype, value, tb = sys.exc_info()
        return etype, value, tb.tb_next  # from the cell's frame down, as in a notebook
    raise AssertionError("the code ran without an error")


def test_keeps_the_cell_line_and_the_error_and_counts_hidden_frames():
    exc = _raise_from_fake_cell("x = [1, 2]\nhelpers.closed_form_fit(x, [1, 2, 3])\n")
    lines = short_traceback_lines(*exc, cell_name=lambda f: "Cell In[7]" if f == CELL else None)
    assert lines[0].startswith("Traceback (your code only")
    assert lines[1] == "  Cell In[7], line 2"
    assert lines[2] == "    helpers.closed_form_fit(x, [1, 2, 3])"
    # the hidden frames are noted where they were, so that the last line is the error
    assert lines[3].startswith("  (") and "inside helpers hidden" in lines[3] and "%tb" in lines[3]
    assert lines[-1].startswith("ValueError: x and y must have the same number of samples")
    assert len(lines) == 5


def test_names_no_path_of_this_machine():
    exc = _raise_from_fake_cell("np.linalg.inv(np.zeros((2, 2)))\n")
    text = "\n".join(short_traceback_lines(*exc))
    assert "LinAlgError: Singular matrix" in text
    assert "site-packages" not in text and "/tmp/" not in text and "/work" not in text
    assert "inside numpy hidden" in text
    assert len(text.splitlines()) <= 15


def test_an_error_from_the_cell_itself_hides_nothing():
    exc = _raise_from_fake_cell("raise KeyError('w')\n")
    lines = short_traceback_lines(*exc)
    assert lines[-1] == "KeyError: 'w'"
    assert lines[1] == "  Cell, line 1" and lines[2] == "    raise KeyError('w')"


def test_outside_ipython_it_changes_nothing(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert helpers.short_tracebacks() is False


class _Compiler7:
    """IPython 7's compiler, as far as short_tracebacks uses it: no ``_filename_map``."""

    def cache(self, transformed_code, number=0, raw_code=None):
        return f"/tmp/ipykernel_1/{abs(hash(raw_code or transformed_code))}.py"


class _Shell:
    def __init__(self, compiler):
        self.compile, self.handlers = compiler, []

    def set_custom_exc(self, types, handler):
        self.handlers.append((types, handler))

    def _showtraceback(self, etype, value, lines):
        self.shown = lines


@pytest.mark.parametrize("ipython", [7, 8])
def test_cells_are_named_by_number_on_ipython_7_and_8(ipython, monkeypatch):
    # IPython 8+ keeps the map of cell files to numbers; Colab's IPython 7.34 does not,
    # and its tracebacks said "Cell, line 4" where newer ones say "Cell In[16], line 4".
    compiler = _Compiler7()
    if ipython == 8:
        compiler._filename_map = {}
    shell = _Shell(compiler)
    monkeypatch.setattr(helpers.errors, "_shell", lambda: shell)
    assert helpers.short_tracebacks() and helpers.short_tracebacks()  # twice is harmless
    code = "x = 1\nraise KeyError('w')\n"
    name = shell.compile.cache(code, 16, raw_code=code)
    if ipython == 8:
        compiler._filename_map[name] = 16  # what IPython 8's own cache does
    linecache.cache[name] = (len(code), None, code.splitlines(True), name)
    try:
        exec(compile(code, name, "exec"), {})
    except KeyError:
        etype, value, tb = sys.exc_info()
    (_, handler) = shell.handlers[-1]
    handler(shell, etype, value, tb.tb_next)
    assert shell.shown[1] == "  Cell In[16], line 2"
    assert shell.shown[-1] == "KeyError: 'w'"
