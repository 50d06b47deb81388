"""Figures and widgets in the stored notebooks, as a page without a kernel shows them.

A screen reader, GitHub or a course site reads what is stored in notebooks/*.ipynb:
- every image output's cell carries alt text in ``metadata.mystnb.image.alt`` (MyST-NB's
  key, so a site uses it): at least 40 characters, saying what the figure shows and what
  to notice (CONTRIBUTING.md, "Figures");
- no stored figure is wider than the notebook column (``helpers.MAX_FIGURE_WIDTH_IN`` at the
  course's dpi), where it would be shrunk and its 10 pt text with it;
- every widget output's model is in the notebook's saved widget state (``make notebooks``
  stores it), so the page can draw it as a static widget;
- no output of a widget cell is a Python repr (``ToggleButtons(...)``,
  ``<IPython.core.display.Image object>``) as its only text: the text fallback is words.
"""

from __future__ import annotations

import base64
import json
import re
import struct
from pathlib import Path

import pytest
from notebook_files import ROOT

from helpers.style import DPI, MAX_FIGURE_WIDTH_IN

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]
IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
STATE_MIME = "application/vnd.jupyter.widget-state+json"
MIN_ALT_CHARS = 40
MAX_WIDTH_PX = int(MAX_FIGURE_WIDTH_IN * DPI)
# A Python repr standing in for an object: `HBox(children=...)`, `<IPython...Image object>`.
REPR = re.compile(r"^\s*([A-Z]\w*\(.*\)|<[\w.]+ object( at 0x[0-9a-fA-F]+)?>)\s*$", re.S)


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb: dict):
    """(index, cell) of every code cell."""
    return [(i, c) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]


def data_outputs(cell: dict) -> list[dict]:
    """The outputs of ``cell`` that carry a mime bundle (display_data, execute_result)."""
    return [o for o in cell.get("outputs", []) if "data" in o]


def alt_text(cell: dict) -> str:
    alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt", "")
    return alt.strip() if isinstance(alt, str) else ""


def first_line(cell: dict) -> str:
    source = "".join(cell["source"]).strip()
    return source.splitlines()[0][:60] if source else ""


def png_width(data: str | list[str]) -> int:
    """The width in pixels written in a base64 PNG's header."""
    raw = base64.b64decode("".join(data)[:64])
    assert raw[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">I", raw[16:20])[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_figure_has_alt_text_in_its_cell_metadata(path):
    missing, repeated, seen = [], [], {}
    for i, cell in code_cells(load(path)):
        if not any(m in o["data"] for o in data_outputs(cell) for m in IMAGE_MIMES):
            continue
        alt = alt_text(cell)
        if len(alt) < MIN_ALT_CHARS:
            missing.append(f"cell {i} ({first_line(cell)!r}): alt text {alt!r}")
        elif alt in seen:
            repeated.append(f"cells {seen[alt]} and {i} share the alt text {alt!r}")
        seen.setdefault(alt, i)
    assert not missing, (
        f"{path.name}: figures without alt text of {MIN_ALT_CHARS}+ characters in the cell's "
        f'metadata ("mystnb": {{"image": {{"alt": "..."}}}}: what the figure shows and what '
        f"to notice):\n" + "\n".join(missing)
    )
    assert not repeated, f"{path.name}: each figure needs its own alt text:\n" + "\n".join(repeated)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_stored_figure_is_wider_than_the_notebook_column(path):
    wide = [
        f"cell {i} ({first_line(cell)!r}): {png_width(o['data']['image/png'])} px"
        for i, cell in code_cells(load(path))
        for o in data_outputs(cell)
        if "image/png" in o["data"] and png_width(o["data"]["image/png"]) > MAX_WIDTH_PX
    ]
    assert not wide, (
        f"{path.name}: figures wider than the column ({MAX_WIDTH_PX} px: figsize at most "
        f"{MAX_FIGURE_WIDTH_IN:g} inches wide at {DPI} dpi; stack or split wide figures):\n"
        + "\n".join(wide)
    )


def saved_models(nb: dict) -> set[str]:
    state = nb.get("metadata", {}).get("widgets", {}).get(STATE_MIME, {})
    return set(state.get("state", {}))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_widget_output_is_in_the_saved_widget_state(path):
    nb = load(path)
    saved = saved_models(nb)
    missing = [
        f"cell {i} ({first_line(cell)!r}): model {o['data'][WIDGET_MIME].get('model_id')}"
        for i, cell in code_cells(nb)
        for o in data_outputs(cell)
        if WIDGET_MIME in o["data"] and o["data"][WIDGET_MIME].get("model_id") not in saved
    ]
    assert not missing, (
        f"{path.name}: widget outputs whose model is not in the saved widget state "
        f"(metadata.widgets, {len(saved)} models): a page without a kernel cannot draw them. "
        f"Re-store the notebook with `make notebooks` (store_widget_state=True):\n"
        + "\n".join(missing)
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_widget_cell_stores_a_repr_as_its_only_text(path):
    reprs = []
    for i, cell in code_cells(load(path)):
        outputs = data_outputs(cell)
        if not any(WIDGET_MIME in o["data"] for o in outputs):
            continue
        for o in outputs:
            text = "".join(o["data"].get("text/plain", ""))
            if REPR.match(text):
                reprs.append(f"cell {i} ({first_line(cell)!r}): {text[:80]!r}")
    assert not reprs, (
        f"{path.name}: outputs of widget cells whose text is a Python repr; a page without a "
        f"kernel and a screen reader show it. Display words instead "
        f"(helpers.widget_view.show_widget, or an image bundle with a sentence):\n"
        + "\n".join(reprs)
    )


def test_the_repr_pattern_tells_reprs_from_words():
    for text in [
        "ToggleButtons(description='Device', options=('cpu',), value='cpu')",
        "HBox(children=(FloatLogSlider(value=0.1), IntSlider(value=30)))",
        "<IPython.core.display.Image object>",
        "<helpers.Thing object at 0x7f00ab>",
    ]:
        assert REPR.match(text), text
    for text in [
        "[sliders for the learning rate and the number of steps: they work in Jupyter]",
        "Figure: gradient descent with learning rate 0.1 for 30 steps (w, b).",
        "device_toggle: cpu selected (present here: cpu).",
    ]:
        assert not REPR.match(text), text


def test_make_notebooks_stores_the_widget_state():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = makefile.split("\nnotebooks:", 1)[1].split("\n\n", 1)[0]
    assert "--ExecutePreprocessor.store_widget_state=True" in target, target
