"""Shared by the exercise-check tests (tests/test_checks_nbNN.py): call a check, read its verdict."""

from __future__ import annotations

from helpers.checks import CheckResult


def verdict(check, fn, capsys) -> tuple[CheckResult, str]:
    """Call ``check(fn)``; its result (a CheckResult) and what it printed."""
    result = check(fn)
    assert isinstance(result, CheckResult)
    return result, capsys.readouterr().out


def fails_with(check, fn, capsys, exercise: str, problem: str, hint: str) -> str:
    """``check(fn)`` fails for ``exercise``, naming ``problem``, with ``hint`` after "Hint: "."""
    result, out = verdict(check, fn, capsys)
    assert not result
    assert out.startswith(f"❌ {exercise} not yet:"), out
    assert problem in out, out
    assert "Hint: " in out and hint in out.split("Hint: ", 1)[1], out
    return out
