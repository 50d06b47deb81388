"""helpers/ stays readable: small modules, short functions (CONTRIBUTING.md, "helpers").

Ruff checks the other half of the rule, complexity <= 10 (C901, configured in pyproject.toml).
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest
from notebook_files import ROOT

MODULES = sorted((ROOT / "helpers").rglob("*.py"))
MAX_MODULE_LINES = 350
MAX_FUNCTION_LINES = 50


def code_lines(source: str, node: ast.AST) -> int:
    """Lines of ``node`` that hold code: not blank, not only a comment, not its docstring."""
    body = getattr(node, "body", [])
    doc = set()
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        if isinstance(body[0].value.value, str):
            doc = set(range(body[0].lineno, body[0].end_lineno + 1))
    lines = set()
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for tok in tokens:
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT):
            continue
        if tok.type in (tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        for line in range(tok.start[0], tok.end[0] + 1):
            if node.lineno <= line <= node.end_lineno and line not in doc:
                lines.add(line)
    return len(lines)


def functions(path: Path):
    source = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, code_lines(source, node)


# Modules known to break the rule, each with why; strict, so the entry must go once it is fixed.
KNOWN_TOO_LONG: dict[str, str] = {}


def _marks(path: Path) -> list:
    reason = KNOWN_TOO_LONG.get(str(path.relative_to(ROOT)))
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=str(p.relative_to(ROOT)), marks=_marks(p)) for p in MODULES],
)
def test_modules_are_small_and_functions_short(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_MODULE_LINES
    long = {name: n for name, n in functions(path) if n > MAX_FUNCTION_LINES}
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines of code: {long}"


def test_the_line_count_skips_docstrings_comments_and_blank_lines():
    source = (
        'def f():\n    """Doc\n    string."""\n    # a comment\n\n    return (\n        1\n    )\n'
    )
    (node,) = ast.parse(source).body
    assert code_lines(source, node) == 4  # def, return (, 1, )
