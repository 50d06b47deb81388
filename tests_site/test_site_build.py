"""What the site makes of cell metadata the notebooks are getting: alt text and hide-output.

The course's notebooks are gaining `"mystnb": {"image": {"alt": ...}}` on figure cells and a
`hide-output` tag (with `"jupyter": {"outputs_hidden": true}`) on "predict, then run" answer
cells. Whether or not they have them yet, this test builds a copy of notebook 01 that has
both, with the site's own configuration and site/prepare.py, and reads the page: the figure
carries the alt text, the tagged output sits in a collapsed `<details>`, the badge is gone and
the title shows once. No browser needed; `make site` must have run (MathJax from npm).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html import escape as html_escape
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "site"))
from prepare import Links, course, notebook  # noqa: E402

ALT = "The loss falls from 20 to near 0 in 30 steps: notice the log scale."
STEM = "01_numpy_gradient_descent"


def _first_code_cell(nb: dict, predicate: object) -> dict:
    return next(c for c in nb["cells"] if c["cell_type"] == "code" and predicate(c))


@pytest.fixture(scope="module")
def built_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    if not (ROOT / "site" / "node_modules" / "mathjax").is_dir():
        pytest.fail("site/node_modules has no MathJax: run `make site` first")
    tmp = tmp_path_factory.mktemp("site")
    rel = f"notebooks/{STEM}.ipynb"
    info = course()
    nb = notebook(ROOT / rel, rel, Links({rel}, info["repository"], info["ref"]))
    figure = _first_code_cell(
        nb, lambda c: any("image/png" in o.get("data", {}) for o in c["outputs"])
    )
    figure["metadata"]["mystnb"] = {"image": {"alt": ALT}}
    answer = _first_code_cell(nb, lambda c: any(o["output_type"] == "stream" for o in c["outputs"]))
    answer["metadata"].setdefault("tags", []).append("hide-output")
    answer["metadata"]["jupyter"] = {"outputs_hidden": True}
    hidden_text = next(o for o in answer["outputs"] if o["output_type"] == "stream")["text"]

    src = tmp / "src"
    (src / "notebooks").mkdir(parents=True)
    (src / rel).write_text(json.dumps(nb), encoding="utf-8")
    (src / "index.md").write_text(
        f"# Test\n\n```{{toctree}}\nnotebooks/{STEM}\n```\n", encoding="utf-8"
    )
    out = tmp / "html"
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-E", "-W", "-b", "html", "-c", str(ROOT / "site"),
         "-d", str(tmp / "doctrees"), str(src), str(out)],
        check=True, timeout=300,
    )  # fmt: skip
    html = (out / "notebooks" / f"{STEM}.html").read_text(encoding="utf-8")
    return html, "".join(hidden_text).splitlines()[0]


def test_figure_takes_its_alt_text_from_the_cell(built_page: tuple[str, str]) -> None:
    html, _ = built_page
    alts = re.findall(r'<img alt="([^"]*)" src="\.\./_images/', html)
    assert ALT in alts, alts[:3]


def test_hide_output_is_collapsed(built_page: tuple[str, str]) -> None:
    html, first_line = built_page
    cell = re.search(
        r'<div class="cell tag_hide-output docutils container">(.*?)</details>', html, re.S
    )
    assert cell, "no cell tagged hide-output on the page"
    block = cell.group(1)
    assert re.search(r'<details class="[^"]*\bhide\b[^"]*">', block), block[:500]
    assert "<details open" not in block
    assert html_escape(first_line, quote=False) in block, (first_line, block[-800:])


def test_badge_gone_and_title_once(built_page: tuple[str, str]) -> None:
    html, _ = built_page
    assert "colab-badge" not in html and "badge_logo" not in html
    article = html[html.index('<article class="bd-article"') :]
    assert re.findall(r"<h1>([^<]*)<", article) == ["01 · Gradient descent by hand in NumPy"]
