"""The notebook skeleton from CONTRIBUTING.md, checked on every stored notebook."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import types

import pytest
from notebook_files import NOTEBOOKS, ROOT, load_notebook

COURSE = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["course"]
SLUG, REF = COURSE["repository"], COURSE["ref"]
INSTALL = f"linreg-course-helpers @ git+https://github.com/{SLUG}@{REF}"


def badges(path: str) -> tuple[str, str]:
    colab = f"https://colab.research.google.com/github/{SLUG}/blob/{REF}/{path}"
    binder = f"https://mybinder.org/v2/gh/{SLUG}/{REF}?labpath={path.replace('/', '%2F')}"
    return colab, binder


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def colab_cell(nb: dict) -> dict:
    cells = [c for c in code_cells(nb) if "google.colab" in c["source"]]
    assert len(cells) == 1, "exactly one Colab setup cell"
    return cells[0]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_header_badges_title_objectives(path):
    nb = load_notebook(path)
    head = nb["cells"][0]
    assert head["cell_type"] == "markdown"
    for url in badges(f"notebooks/{path.name}"):
        assert f"]({url})" in head["source"], f"missing badge link {url}"
    assert re.search(rf"^# {path.name[:2]} · \S", head["source"], re.M)
    assert re.search(r"\*\*(Estimated time|Time):\*\* \S", head["source"])
    assert "**Prerequisites:**" in head["source"]
    objectives = re.findall(r"^(?:\d\.|-) ", head["source"], re.M)
    assert 3 <= len(objectives) <= 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_sections(path):
    headings = [
        line
        for c in load_notebook(path)["cells"]
        if c["cell_type"] == "markdown"
        for line in c["source"].splitlines()
        if line.startswith("## ")
    ]
    assert headings[0] == "## Setup"
    assert headings[-2:] == ["## Exercises", "## Summary"]
    numbered = headings[1:-2]
    assert numbered and all(re.match(r"## \d+\. ", h) for h in numbered), numbered


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_clean(path):
    cells = code_cells(load_notebook(path))
    assert [c["execution_count"] for c in cells] == list(range(1, len(cells) + 1)), (
        "re-run top to bottom"
    )
    for c in cells:
        assert not any(o.get("name") == "stderr" for o in c["outputs"]), c["source"][:80]
        tags = c["metadata"].get("tags", [])
        assert "nbval-skip" not in tags, c["source"][:80]
        if "raises-exception" not in tags:
            assert not any(o["output_type"] == "error" for o in c["outputs"]), c["source"][:80]
    ignored = sum("nbval-ignore-output" in c["metadata"].get("tags", []) for c in cells)
    assert ignored * 5 <= len(cells), f"{ignored} of {len(cells)} code cells ignore their output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_colab_cell_installs_only_helpers_at_the_pinned_ref(path, monkeypatch):
    source = colab_cell(load_notebook(path))["source"]
    calls = []
    monkeypatch.setattr(subprocess, "check_call", lambda cmd, **kw: calls.append(cmd))
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(source, {})
    assert calls == [], "outside Colab the cell must do nothing"

    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    exec(source, {})
    assert calls == [[sys.executable, "-m", "pip", "install", "-q", "--no-deps", INSTALL]]

    calls.clear()
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: object())
    exec(source, {})
    assert calls == [], "running the cell twice must not reinstall"


def test_readme_course_map_links_every_notebook_with_both_badges():
    readme = (ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        row = next(
            line for line in readme.splitlines() if line.startswith(f"| [{path.name[:2]} · ")
        )
        assert f"](notebooks/{path.name})" in row
        for url in badges(f"notebooks/{path.name}"):
            assert f"]({url})" in row
