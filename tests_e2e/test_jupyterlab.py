"""End to end: every notebook opened in JupyterLab in headless Chromium, run as a learner would.

For each notebooks/NN_*.ipynb: open it in the browser, clear all outputs, run Run > Run All
Cells from the menu, wait until every code cell has run and the kernel is idle, then check
what is on the page:
- error outputs only in cells tagged `raises-exception` (and those do raise), nothing
  on stderr;
- every figure the committed notebook shows is displayed again, as a loaded image;
- every widget output renders as a live widget (not its text fallback);
- notebook 01's playground: moving the "learning rate" slider redraws the plot below it;
- before anything runs, every fold of the notebook's markdown (`<details>`: an answer, a
  solution, a prediction's "What happened, and why") renders closed, its text out of sight,
  and a click on a "What happened" summary shows the text (screenshot NN_name_fold.png).
One full-page screenshot per notebook goes to artifacts/screenshots/NN_name.png, and every
figure, at a projector's 1280x720 and at the size the notebook column shows it, twice:
NN_name_cellCC_figK.png in colour and NN_name_cellCC_figK_grey.png with the page rendered in
greyscale (CSS `filter: grayscale(1)`): look at those, every figure must still tell its
lines apart (CONTRIBUTING.md, "Figures").
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
RUN_TIMEOUT_S = int(os.environ.get("E2E_RUN_TIMEOUT", "120"))  # per notebook: Run All to done
KERNEL_TIMEOUT_S = 60  # from opening the notebook to an idle kernel
HALT_GRACE_S = 5  # kernel idle, nothing queued, cells left unrun this long: Run All stopped
REDRAW_TIMEOUT_S = 30
MAX_SCREENSHOT_HEIGHT = 30_000
RAISES = "raises-exception"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@dataclass
class StoredCell:
    index: int
    source: str
    raises: bool
    images: int
    widgets: int


def stored_cells(path: Path) -> list[StoredCell]:
    """The committed notebook's code cells, with what their stored outputs display."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        outputs = cell.get("outputs", [])
        cells.append(
            StoredCell(
                index=i,
                source=source,
                raises=RAISES in cell.get("metadata", {}).get("tags", []),
                images=sum("image/png" in o.get("data", {}) for o in outputs),
                widgets=sum(WIDGET_MIME in o.get("data", {}) for o in outputs),
            )
        )
    return cells


# --- what the page shows, read in the browser -----------------------------------------------

FOLD_SUMMARY = "What happened, and why"
# Every <details> of the rendered markdown: its summary, whether it is open, and whether any
# of the text it folds can be seen.
JS_FOLDS = """
() => [...window.jupyterapp.shell.currentWidget.node.querySelectorAll(
         '.jp-MarkdownCell .jp-RenderedMarkdown details')].map((d) => ({
  summary: (d.querySelector(':scope > summary')?.textContent ?? '').trim(),
  open: d.open,
  textShown: [...d.children].some((e) => e.tagName !== 'SUMMARY' && e.checkVisibility()),
}))
"""

# The notebook panel that is open for `path`, with its kernel status, or null.
JS_PANEL = """
(path) => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;
  const panel = app.shell.currentWidget;
  if (!panel || !panel.context || panel.context.path !== path || !panel.content) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const dialog = document.querySelector('.jp-Dialog');
  return {
    ready: panel.context.isReady && panel.sessionContext.isReady,
    kernel: kernel ? kernel.status : null,
    kernelName: kernel ? kernel.name : null,
    dialog: dialog ? dialog.innerText : null,
  };
}
"""

# Per cell: its type, the prompt the reader sees ("[3]:", "[*]:", "[ ]:") and the live model's
# execution count, plus the kernel status.
JS_RUN_STATE = """
() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.map((cell) => {
    const prompt = cell.node.querySelector('.jp-InputArea-prompt');
    return {
      type: cell.model.type,
      count: cell.model.type === 'code' ? cell.model.executionCount : null,
      prompt: prompt ? prompt.textContent.trim() : '',
    };
  });
  return {kernel: kernel ? kernel.status : null, cells};
}
"""

# Per cell, from the live model and the DOM, output by output (the output area holds one child
# per model output, in order): its type, error/stream text, and what the page shows for it (a
# loaded, visible image; a rendered widget view; red stderr/traceback text).
JS_OUTPUTS = """
() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.widgets;
  return panel.context.model.toJSON().cells.map((cell, i) => {
    const node = cells[i].node;
    const children = [...node.querySelectorAll('.jp-OutputArea-child')];
    const outputs = (cell.outputs || []).map((o, k) => {
      const el = children[k] && children[k].querySelector('.jp-OutputArea-output');
      const img = el && el.querySelector('.jp-RenderedImage img');
      return {
        type: o.output_type,
        name: o.name || null,
        mimes: Object.keys(o.data || {}),
        text: o.output_type === 'error' ? `${o.ename}: ${o.evalue}`
          : (o.output_type === 'stream' ? [].concat(o.text).join('').slice(0, 500) : ''),
        shown: el ? {
          mime: el.getAttribute('data-mime-type'),
          image: !!img && img.complete && img.naturalWidth > 0
                 && img.getBoundingClientRect().height > 0,
          // a widget view (classes jupyter-widgets, widget-slider, widget-toggle-buttons...),
          // not the text/plain fallback nor the manager's error or loading placeholder
          widget: !el.hasAttribute('data-mime-type')
                  && !!el.querySelector('.jupyter-widgets, [class*="widget-"]')
                  && !/Error displaying widget|Loading widget/.test(el.innerText),
          text: el.innerText.slice(0, 200),
        } : null,
      };
    });
    return {
      type: cell.cell_type,
      outputs,
      domOutputs: children.length,
      sliders: [...node.querySelectorAll('.widget-slider')].map(
        (el) => (el.querySelector('.widget-label') || {}).innerText || ''),
      toggleButtons: node.querySelectorAll('.widget-toggle-buttons').length,
      imagesShown: [...node.querySelectorAll('.jp-RenderedImage img')]
        .filter((img) => img.complete && img.naturalWidth > 0).length,
    };
  });
}
"""


def wait_for_kernel(page: Any, name: str, errors: list[str]) -> None:
    """Wait until the notebook `name` is open and its kernel is idle."""
    deadline = time.monotonic() + KERNEL_TIMEOUT_S
    state = None
    while time.monotonic() < deadline:
        state = page.evaluate(JS_PANEL, name)
        if state and state["dialog"]:
            pytest.fail(
                f"{name}: JupyterLab shows a dialog instead of an idle kernel:\n{state['dialog']}"
            )
        if state and state["ready"] and state["kernel"] == "idle":
            assert state["kernelName"] == "python3", state
            return
        time.sleep(0.5)
    pytest.fail(
        f"{name}: no idle kernel after {KERNEL_TIMEOUT_S} s (last state {state}); "
        f"page errors: {errors[-5:]}"
    )


def click_menu(page: Any, menu: str, item: str) -> None:
    """Open a main-menu entry (File, Edit, Run, ...) and click one of its items, as a reader."""
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    entry = page.locator(".lm-Menu-content > .lm-Menu-item:visible").filter(
        has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$"))
    )
    entry.first.click()
    page.wait_for_selector(".lm-Menu", state="detached", timeout=10_000)


def wait_for_run_all(page: Any, name: str, stored: list[StoredCell]) -> None:
    """Wait until every code cell has an execution count, none shows [*] and the kernel is idle.

    Run All stops at the first error in a cell without the `raises-exception` tag: the cells
    after it never run. That is reported as such, after HALT_GRACE_S of an idle kernel.
    """
    deadline = time.monotonic() + RUN_TIMEOUT_S
    idle_since = None
    state: dict = {}
    while time.monotonic() < deadline:
        state = page.evaluate(JS_RUN_STATE)
        code = [c for c in state["cells"] if c["type"] == "code"]
        busy = any("*" in c["prompt"] for c in code)
        unrun = [
            i for i, c in enumerate(state["cells"]) if c["type"] == "code" and c["count"] is None
        ]
        if state["kernel"] == "idle" and not busy:
            if not unrun:
                return
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > HALT_GRACE_S:
                errors = [
                    f"cell {i}: {o['text']}"
                    for i, cell in enumerate(page.evaluate(JS_OUTPUTS))
                    for o in cell["outputs"]
                    if o["type"] == "error"
                ]
                pytest.fail(
                    f"{name}: Run All Cells stopped before cell {unrun[0]}: {len(unrun)} code "
                    f"cells never ran. Errors shown: {errors}. (A cell that raises on purpose "
                    f"needs the 'raises-exception' tag, or Run All stops at it.)"
                )
        else:
            idle_since = None
        time.sleep(0.5)
    unrun = [
        i
        for i, c in enumerate(state.get("cells", []))
        if c["type"] == "code" and c["count"] is None
    ]
    pytest.fail(
        f"{name}: Run All not finished after {RUN_TIMEOUT_S} s: kernel "
        f"{state.get('kernel')}, cells not run yet {unrun}"
    )


def full_page_screenshot(page: Any, path: Path) -> None:
    """Screenshot the whole notebook: make the viewport as tall as the notebook, then capture."""
    height = page.evaluate(
        """() => {
          const node = window.jupyterapp.shell.currentWidget.content.node;
          const outer = node.querySelector('.jp-WindowedPanel-outer') || node;
          const inner = node.querySelector('.jp-WindowedPanel-viewport') || outer;
          outer.scrollTop = 0;
          // the cells' height (without the scroll-past-end space) plus the page around them
          return Math.ceil(inner.getBoundingClientRect().height + 40
                           + (window.innerHeight - outer.clientHeight));
        }"""
    )
    viewport = page.viewport_size
    page.set_viewport_size(
        {"width": viewport["width"], "height": min(height, MAX_SCREENSHOT_HEIGHT)}
    )
    page.evaluate(
        """() => new Promise((resolve) => {
          const node = window.jupyterapp.shell.currentWidget.content.node;
          (node.querySelector('.jp-WindowedPanel-outer') || node).scrollTop = 0;
          requestAnimationFrame(() => requestAnimationFrame(resolve));
        })"""
    )
    page.wait_for_timeout(500)  # let JupyterLab finish its relayout to the new size
    page.screenshot(path=str(path))
    page.set_viewport_size(viewport)


def check_folds(page: Any, notebook: Path, shots: Path) -> None:
    """Every fold closed, its text hidden; one "What happened" fold opened by a click."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    stored = sum(
        "".join(c["source"]).count("<details>") for c in nb["cells"] if c["cell_type"] == "markdown"
    )
    page.wait_for_function(
        f"() => ({JS_FOLDS})().length >= {stored}", timeout=KERNEL_TIMEOUT_S * 1000
    )
    folds = page.evaluate(JS_FOLDS)
    assert len(folds) == stored, f"{notebook.name}: {stored} folds stored, {len(folds)} rendered"
    shown = [f["summary"] for f in folds if f["open"] or f["textShown"]]
    assert not shown, f"{notebook.name}: folds open or showing their text: {shown}"
    if not any(f["summary"] == FOLD_SUMMARY for f in folds):
        return
    summary = page.locator(".jp-RenderedMarkdown details > summary", has_text=FOLD_SUMMARY).first
    summary.scroll_into_view_if_needed()
    summary.click()
    fold = summary.locator("xpath=..")
    page.wait_for_function("(d) => d.open", arg=fold.element_handle(), timeout=5_000)
    assert fold.locator(":scope > :not(summary)").first.is_visible(), (
        "the opened fold shows nothing"
    )
    fold.screenshot(path=str(shots / f"{notebook.stem}_fold.png"))
    summary.click()  # closed again, as stored


def check_outputs(name: str, stored: list[StoredCell], live: list[dict]) -> list[str]:
    """Compare what each code cell shows now with the committed notebook; return the problems."""
    problems = []
    for cell in stored:
        shown = live[cell.index]
        where = f"{name} cell {cell.index} ({cell.source.strip().splitlines()[0][:60]!r})"
        outputs = shown["outputs"]
        if shown["domOutputs"] != len(outputs):
            problems.append(
                f"{where}: {len(outputs)} outputs but {shown['domOutputs']} on the page"
            )
        errors = [o["text"] for o in outputs if o["type"] == "error"]
        stderr = [o["text"] for o in outputs if o["type"] == "stream" and o["name"] == "stderr"]
        if errors and not cell.raises:
            problems.append(f"{where}: error output {errors}")
        if cell.raises and not errors:
            problems.append(f"{where}: tagged {RAISES} but raised nothing")
        if stderr:
            problems.append(f"{where}: output on stderr {stderr}")
        images = [o for o in outputs if "image/png" in o["mimes"]]
        if len(images) < cell.images:
            problems.append(
                f"{where}: {len(images)} figures now, {cell.images} in the committed notebook"
            )
        widgets = [o for o in outputs if WIDGET_MIME in o["mimes"]]
        if len(widgets) < cell.widgets:
            problems.append(
                f"{where}: {len(widgets)} widgets now, {cell.widgets} in the committed notebook"
            )
        for k, o in enumerate(outputs):
            seen = o["shown"]
            if seen is None:
                continue  # counted above
            if o["type"] in ("error", "stream") and o["name"] != "stdout":
                if seen["mime"] != "application/vnd.jupyter.stderr":
                    problems.append(f"{where} output {k}: {o['type']} shown as {seen['mime']}")
            elif "image/png" in o["mimes"] and not seen["image"]:
                problems.append(f"{where} output {k}: a figure, but no loaded image on the page")
            elif WIDGET_MIME in o["mimes"] and not seen["widget"]:
                problems.append(
                    f"{where} output {k}: a widget, but the page shows "
                    f"{seen['text']!r} instead of a rendered widget"
                )
    return problems


# Mark every shown figure with data-e2e-figure="CELL-K" (cell index, figure number in the
# cell) so each can be screenshot on its own; return the marks in order.
JS_MARK_FIGURES = """
() => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets;
  const marks = [];
  cells.forEach((cell, i) => {
    cell.node.querySelectorAll('.jp-RenderedImage img').forEach((img, k) => {
      if (!(img.complete && img.naturalWidth > 0)) return;
      img.setAttribute('data-e2e-figure', `${i}-${k}`);
      marks.push({mark: `${i}-${k}`, cell: i, k, natural: img.naturalWidth,
                  shown: Math.round(img.getBoundingClientRect().width)});
    });
  });
  return marks;
}
"""
GREYSCALE_JS = "(on) => { document.documentElement.style.filter = on ? 'grayscale(1)' : ''; }"


def screenshot_figures(page: Any, stem: str, shots: Path) -> list[dict]:
    """Screenshot every figure on the page in colour, then with the page in greyscale.

    Returns the figures' marks with their natural and shown widths (px), for the report.
    """
    marks = page.evaluate(JS_MARK_FIGURES)
    for grey in (False, True):
        page.evaluate(GREYSCALE_JS, grey)
        for m in marks:
            figure = page.locator(f"[data-e2e-figure='{m['mark']}']")
            figure.scroll_into_view_if_needed()
            suffix = "_grey" if grey else ""
            figure.screenshot(
                path=str(shots / f"{stem}_cell{m['cell']:02d}_fig{m['k']}{suffix}.png")
            )
    page.evaluate(GREYSCALE_JS, False)
    (shots / f"{stem}_figures.json").write_text(json.dumps(marks, indent=1), encoding="utf-8")
    return marks


def move_lr_slider(page: Any, name: str, cell_index: int, shots: Path) -> None:
    """Notebook 01's playground: the learning-rate slider must redraw the figure below it."""
    panel_id = page.evaluate("() => window.jupyterapp.shell.currentWidget.id")
    cell = page.locator(f"[id='{panel_id}'] .jp-Notebook .jp-Cell").nth(cell_index)
    cell.scroll_into_view_if_needed()
    slider = cell.locator(".widget-slider").filter(has_text="learning rate")
    try:
        slider.wait_for(state="visible", timeout=15_000)
    except Exception:  # playwright's TimeoutError
        pytest.fail(
            f"{name}: no visible 'learning rate' slider in the playground cell "
            f"{cell_index}; the cell shows {cell.inner_text()[:500]!r}"
        )
    readout = slider.locator(".widget-readout")
    image = cell.locator(".jp-RenderedImage img")
    assert image.count() == 1, f"{name}: the playground shows {image.count()} images, expected 1"
    before_src = image.get_attribute("src")
    before_lr = readout.inner_text()

    handle = slider.locator(".noUi-handle")
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(4):  # continuous_update=False: each key press is one committed change
        handle.press("ArrowRight")
    page.wait_for_function(
        """([el, before]) => el.innerText !== before""",
        arg=[readout.element_handle(), before_lr],
        timeout=10_000,
    )
    after_lr = readout.inner_text()
    try:
        page.wait_for_function(
            """([cell, before]) => {
                 const imgs = cell.querySelectorAll('.jp-RenderedImage img');
                 return imgs.length === 1 && imgs[0].src !== before
                        && imgs[0].complete && imgs[0].naturalWidth > 0;
               }""",
            arg=[cell.element_handle(), before_src],
            timeout=REDRAW_TIMEOUT_S * 1000,
        )
    except Exception as exc:  # playwright's TimeoutError
        pytest.fail(
            f"{name}: learning rate moved {before_lr} -> {after_lr} but the plot was not "
            f"redrawn within {REDRAW_TIMEOUT_S} s ({exc.__class__.__name__})"
        )
    # Each key press committed a value, so redraws may still be queued: wait for the last one,
    # the figure whose words (its text/plain, for readers without the image) name the learning
    # rate the slider shows (both written with 3 significant digits), and for its image.
    try:
        page.wait_for_function(
            """([index, lr]) => {
                 const cell = window.jupyterapp.shell.currentWidget.content.widgets[index];
                 const outputs = cell.model.outputs.toJSON();
                 const words = outputs.map((o) => [].concat((o.data || {})['text/plain'] || [])
                                                     .join(''));
                 const img = cell.node.querySelector('.jp-RenderedImage img');
                 const drawn = words.map((w) => /learning rate (\\S+) for/.exec(w))
                                    .filter((m) => m).map((m) => parseFloat(m[1]));
                 return drawn.some((v) => Math.abs(v - parseFloat(lr)) <= 1e-9 * Math.abs(v))
                        && !!img && img.complete && img.naturalWidth > 0;
               }""",
            arg=[cell_index, after_lr],
            timeout=REDRAW_TIMEOUT_S * 1000,
            polling=250,
        )
    except Exception as exc:  # playwright's TimeoutError
        pytest.fail(
            f"{name}: the slider reads {after_lr} but no figure described as drawn for "
            f"'learning rate {after_lr}' within {REDRAW_TIMEOUT_S} s ({exc.__class__.__name__})"
        )
    stem = Path(name).stem
    cell.screenshot(path=str(shots / f"{stem}_playground.png"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_jupyterlab(
    notebook: Path, page: Any, lab_server: Any, screenshot_dir: Path
) -> None:
    name = notebook.name
    stored = stored_cells(notebook)
    # ?reset: a fresh workspace, so notebooks opened by earlier tests are not restored beside it.
    page.goto(f"{lab_server.base_url}/lab/tree/{name}?reset")
    wait_for_kernel(page, name, page.js_errors)
    # Room for the notebook: hide the file browser, as a reader would.
    page.evaluate("""() => { const app = window.jupyterapp;
                             if (!app.shell.leftCollapsed) app.shell.collapseLeft(); }""")
    check_folds(page, notebook, screenshot_dir)

    # Clear the committed outputs first, so everything checked below comes from this run.
    click_menu(page, "Edit", "Clear Outputs of All Cells")
    page.wait_for_function(
        """() => window.jupyterapp.shell.currentWidget.content.widgets.every(
                   (c) => c.model.type !== 'code'
                          || (c.model.outputs.length === 0 && c.model.executionCount === null))""",
        timeout=10_000,
    )
    started = time.monotonic()
    click_menu(page, "Run", "Run All Cells")
    wait_for_run_all(page, name, stored)
    run_s = time.monotonic() - started
    # Images decode and widget views attach just after the last reply: give them a moment
    # (bounded; whatever is still missing afterwards is reported by the checks below).
    try:
        page.wait_for_function(
            """() => [...window.jupyterapp.shell.currentWidget.node.querySelectorAll(
                        '.jp-RenderedImage img')].every((i) => i.complete && i.naturalWidth > 0)""",
            timeout=15_000,
        )
    except Exception:  # noqa: BLE001 (playwright's TimeoutError)
        pass
    page.wait_for_timeout(500)

    live = page.evaluate(JS_OUTPUTS)
    figures = screenshot_figures(page, notebook.stem, screenshot_dir)
    shown = sum(c["imagesShown"] for c in live)
    assert len(figures) == shown, f"{name}: {shown} figures shown, {len(figures)} screenshot"
    full_page_screenshot(page, screenshot_dir / f"{notebook.stem}.png")
    problems = check_outputs(name, stored, live)
    assert not problems, (
        f"{name} ran in {run_s:.0f} s with problems:\n"
        + "\n".join(problems)
        + f"\npage errors: {page.js_errors[-5:]}"
    )

    if any(s.images for s in stored):
        assert sum(c["imagesShown"] for c in live) >= 1, f"{name}: no figure on the page"
    toggles = [s for s in stored if "ToggleButtons" in s.source or "device_toggle" in s.source]
    for s in toggles:
        assert live[s.index]["toggleButtons"] >= 1, f"{name} cell {s.index}: no toggle buttons"

    playground = [s for s in stored if "descent_playground" in s.source]
    for s in playground:
        assert "learning rate" in live[s.index]["sliders"], (
            f"{name} cell {s.index}: sliders {live[s.index]['sliders']}, no 'learning rate'"
        )
        move_lr_slider(page, name, s.index, screenshot_dir)
