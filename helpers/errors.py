"""Errors the way a learner should read them: the error, its message and their own line.

A Python traceback lists every function the error passed through. Inside torch that is
dozens of frames of library code, each with a path of the machine that ran it, and the two
lines that matter, the learner's own and the error itself, are lost in between.
:func:`short_tracebacks` makes the notebook show only the frames of the learner's own cells,
then how many library frames it hid and how to see them (``%tb``), then the error: the last
line is always the error, as in Python's own tracebacks.

Taught in: 02 · Autograd, section 4.2, in the fold "What happened, and why" under its prediction
("Reading an error"; used by every notebook's setup cell).
"""

from __future__ import annotations

import linecache
import re
import sys
import traceback
from types import TracebackType
from typing import Any

__all__ = ["short_traceback_lines", "short_tracebacks"]

_SITE = re.compile(r"[/\\](?:site|dist)-packages[/\\]([A-Za-z_][\w]*)")
_HELPERS = re.compile(r"[/\\](helpers)[/\\][\w/\\]*\.py$")
_KERNEL_CELL = re.compile(r"[/\\]ipykernel_\d+[/\\]\d+\.py$|^<ipython-input-")


def _shell() -> Any:
    """The running IPython shell, or None outside IPython."""
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def _library(filename: str) -> str:
    """The name of the package a frame's file belongs to, without its path."""
    for pattern in (_SITE, _HELPERS):
        if m := pattern.search(filename):
            return m.group(1)
    if filename.startswith("<"):
        return filename.strip("<>").split()[0] or "Python"
    return "Python"


def short_traceback_lines(
    etype: type[BaseException],
    value: BaseException,
    tb: TracebackType | None,
    cell_name: Any = None,
) -> list[str]:
    """The lines of a short traceback: the learner's frames, what was hidden, then the error.

    Args:
        etype, value, tb: the exception, as ``sys.exc_info()`` gives it.
        cell_name: a function ``filename -> "Cell In[7]"`` (or None) that recognises the
            files of notebook cells; without one, only IPython's own cell-file patterns are.

    Returns:
        A list of lines without newlines and without any path of this machine.
    """
    lines = ["Traceback (your code only; the last line is the error):"]
    hidden: dict[str, int] = {}
    for frame in traceback.extract_tb(tb):
        name = cell_name(frame.filename) if cell_name else None
        if name is None and _KERNEL_CELL.search(frame.filename):
            name = "Cell"
        if name is None:
            library = _library(frame.filename)
            if library != "IPython":  # the shell's own frame that ran the cell
                hidden[library] = hidden.get(library, 0) + 1
            continue
        lines.append(f"  {name}, line {frame.lineno}")
        code = frame.line or linecache.getline(frame.filename, frame.lineno or 0).strip()
        if code:
            lines.append(f"    {code}")
    if len(lines) == 1:  # the error was raised before any line of the cell ran
        lines.pop()
    if hidden:  # where the hidden frames were: between the learner's lines and the error
        where = " and ".join(
            f"{n} frame{'s' if n > 1 else ''} inside {lib}" for lib, n in hidden.items()
        )
        lines.append(f"  ({where} hidden; %tb in a new cell shows them all)")
    lines.extend(line.rstrip("\n") for line in traceback.format_exception_only(etype, value))
    return lines


def _cell_numbers(compiler: Any) -> dict[str, int]:
    """The shell's map of cell file name -> execution count ("In[7]"), kept up to date.

    IPython 8 and later keep one (``_filename_map``). IPython 7 (Colab's) does not, so one
    is kept here: the compiler's ``cache``, which names every cell's file, is wrapped to note
    each name with its number from now on (a cell run before cannot be named, and shows as
    "Cell"). Wrapping twice is harmless: the map of the first wrapper is reused.
    """
    if compiler is None:
        return {}
    if isinstance(numbers := getattr(compiler, "_filename_map", None), dict):
        return numbers
    cache = compiler.cache
    numbers = getattr(cache, "cell_numbers", None)
    if numbers is None:
        numbers = {}

        def noting_cache(transformed_code: str, number: int = 0, raw_code: Any = None) -> str:
            name = cache(transformed_code, number, raw_code)
            numbers[name] = number
            return name

        noting_cache.cell_numbers = numbers  # type: ignore[attr-defined]
        compiler.cache = noting_cache
    return numbers


def short_tracebacks(enable: bool = True) -> bool:
    """Show every error in this notebook as a short traceback (or, with False, a full one).

    The short form keeps the lines of the learner's own cells, the error type and its
    message, and says how many frames inside libraries it hid; ``%tb`` still prints the
    full traceback of the last error. The error itself is unchanged: the cell still fails,
    *Run All* still stops there, and nbval still sees the error's type and message.
    Safe to call twice.

    Returns:
        True if the setting took effect (in IPython or Jupyter), False elsewhere.
    """
    shell = _shell()
    if shell is None:
        return False
    if not enable:
        shell.set_custom_exc((), None)
        return True
    cell_numbers = _cell_numbers(getattr(shell, "compile", None))

    def cell_name(filename: str) -> str | None:
        number = cell_numbers.get(filename)
        return None if number is None else f"Cell In[{number}]"

    def handler(
        shell: Any, etype: type, value: BaseException, tb: TracebackType, tb_offset: Any = None
    ) -> None:
        sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb  # for %tb
        shell._showtraceback(etype, value, short_traceback_lines(etype, value, tb, cell_name))

    shell.set_custom_exc((Exception,), handler)
    return True
