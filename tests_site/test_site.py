"""The built website in headless Chromium, offline: every page as a reader gets it.

`make site-test` builds the site (`make site`), serves site/_build/html on 127.0.0.1 and opens
every page with every request to another host blocked (and counted as a failure). Each page
is loaded once, seen at 1280 px, then narrowed to 390 px (a phone); the tests below then
check what it showed:
- no console error, no request to another host, nothing from the site itself missing;
- every formula typeset by MathJax (no raw `$...$`, `\\(`, `\\frac` left in the text);
- every image loaded, with alt text that says something (not empty, not the file's name);
- on a notebook page: the Colab and Binder buttons open this notebook at the course's
  repository and ref (`[tool.course]`), and the download button serves the notebook itself;
- solutions and answers (`<details>`) start collapsed, and so do outputs tagged `hide-output`;
- no widget shows as a Python repr;
- the page does not scroll sideways at 390 px;
- axe-core (npm's, site/node_modules) finds no serious or critical violation.
Search is checked once: a word from notebook 06 finds notebook 06. Screenshots of every page
at both widths (the first screen; the landing page whole) go to artifacts/site/.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site" / "_build" / "html"
AXE = ROOT / "site" / "node_modules" / "axe-core" / "axe.min.js"
sys.path.insert(0, str(ROOT / "site"))
from prepare import course  # noqa: E402

COURSE = course()
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PAGES = [
    "index.html",
    *[f"notebooks/{stem}.html" for stem in NOTEBOOKS],
    "INSTRUCTORS.html",
    "helpers/datasets/PENGUINS-LICENSE.html",
    "search.html",
    "genindex.html",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SEARCH_TERM = "Chinstrap"  # a penguin species: notebook 06's data

# Everything the page shows that the tests need, read in the browser after MathJax is done.
JS_FACTS = r"""
() => {
  const article = document.querySelector('article.bd-article') || document.body;
  const skip = 'pre, code, script, style, textarea, mjx-container, .highlight';
  const texts = [];
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement && !node.parentElement.closest(skip)) texts.push(node.textContent);
  }
  const text = texts.join(' ');
  const rawTex = [];
  for (const re of [/\$[^$\s][^$]*\$/g, /\\[([]/g,
                    /\\(frac|sum|hat|mathbf|partial|cdot|sqrt|left|right|begin|theta|lambda)\b/g]) {
    for (const m of text.matchAll(re)) rawTex.push(m[0].slice(0, 60));
  }
  const maths = [...article.querySelectorAll('.math')];
  const cells = [...article.querySelectorAll('.cell.tag_hide-output')];
  return {
    title: document.title,
    h1: [...article.querySelectorAll('h1')].map((h) => h.textContent.replace('#', '').trim()),
    mathCount: maths.length,
    mathUntypeset: maths.filter((m) => !m.querySelector('mjx-container'))
                        .map((m) => m.textContent.slice(0, 60)),
    rawTex,
    images: [...document.querySelectorAll('img')].map((img) => ({
      src: img.getAttribute('src'), alt: img.getAttribute('alt'),
      loaded: img.complete && img.naturalWidth > 0,
    })),
    launch: [...document.querySelectorAll('.dropdown-launch-buttons a')]
              .map((a) => a.getAttribute('href')),
    download: [...document.querySelectorAll('.dropdown-download-buttons a')]
                .map((a) => a.getAttribute('href')).filter((h) => h && h !== '#'),
    openDetails: [...article.querySelectorAll('details[open]')]
                   .map((d) => d.textContent.trim().slice(0, 60)),
    details: article.querySelectorAll('details').length,
    hideOutput: cells.map((c) => {
      const d = c.querySelector('details.hide');
      return { collapsed: !!d && !d.open && !!d.querySelector('.cell_output') };
    }),
    widgetRepr: (text + ' ' + [...article.querySelectorAll('.cell_output pre')]
                   .map((p) => p.textContent).join(' '))
                  .match(/\b[A-Z]\w*\((children|description|value|options|layout)=/g) || [],
    tracebacks: article.querySelectorAll('.output.traceback').length,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
  };
}
"""

# At 390 px only the header and the sidebar change: axe checks those there (the whole page is
# checked at 1280 px), which keeps the test near a minute.
JS_AXE = """
async (phone) => {
  const context = phone ? {include: [['.bd-header-article'], ['#pst-primary-sidebar']]} : document;
  const result = await axe.run(context, {resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
  }));
}
"""


def _wait_for_maths(page: Any) -> None:
    if page.locator('script[src*="mathjax"]').count():
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")


def _visit(browser: Any, base: str, path: str, shots: dict[str, Path]) -> dict[str, dict]:
    """Open one page with other hosts blocked, at 1280 px, then narrowed to 390 px.

    Returns {"desktop": facts, "phone": facts}: what it showed at each width, and what went
    wrong (console errors, requests to other hosts, files missing) over the whole visit.
    """
    own = urlsplit(base).netloc
    foreign: list[str] = []
    missing: list[str] = []
    errors: list[str] = []
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if urlsplit(url).netloc == own:
            request_route.continue_()
        else:
            foreign.append(url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(120_000)  # an upper bound: a busy 2-core machine is slow
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on(
        "response",
        lambda r: missing.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    seen = {}
    try:
        page.goto(f"{base}/{path}", wait_until="load")
        _wait_for_maths(page)
        page.add_script_tag(path=str(AXE))
        for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done()))")
            facts = page.evaluate(JS_FACTS)
            facts["axe"] = page.evaluate(JS_AXE, label == "phone")
            # The first screen of every page; the landing page whole.
            page.screenshot(path=str(shots[label]), full_page=path == "index.html")
            seen[label] = facts
        facts = seen["desktop"]
        if facts["download"]:
            facts["downloaded"] = {
                href: page.request.get(f"{base}/{Path(path).parent / href}".replace("/./", "/"))
                .body()
                .decode("utf-8")
                for href in facts["download"]
                if href.endswith(".ipynb")
            }
    finally:
        context.close()
    for facts in seen.values():
        facts.update(foreign=foreign, missing=missing, errors=errors)
    return seen


@pytest.fixture(scope="module")
def visits(browser: Any, site_url: str, screenshot_dir: Path) -> dict[tuple[str, str], dict]:
    """Every page, loaded once and seen at both widths: (path, "desktop"/"phone") -> facts."""
    out = {}
    for path in PAGES:
        name = path.removesuffix(".html").replace("/", "_")
        shots = {label: screenshot_dir / f"{name}-{label}.png" for label in ("desktop", "phone")}
        for label, facts in _visit(browser, site_url, path, shots).items():
            out[(path, label)] = facts
    return out


def _pages() -> Any:
    return pytest.mark.parametrize("path", PAGES, ids=[p.removesuffix(".html") for p in PAGES])


@_pages()
def test_loads_offline_without_errors(visits: dict, path: str) -> None:
    facts = visits[(path, "desktop")]  # the lists cover the whole visit, at both widths
    assert not facts["foreign"], f"{path} asked another host: {facts['foreign']}"
    assert not facts["missing"], f"{path}: not found on the site: {facts['missing']}"
    assert not facts["errors"], f"{path}: console errors: {facts['errors']}"


@_pages()
def test_every_formula_typeset(visits: dict, path: str) -> None:
    facts = visits[(path, "desktop")]
    assert not facts["mathUntypeset"], f"{path}: formulas MathJax left: {facts['mathUntypeset']}"
    assert not facts["rawTex"], f"{path}: raw TeX in the text: {facts['rawTex']}"


def test_notebooks_have_formulas(visits: dict) -> None:
    """The typesetting check has something to check: the notebooks' maths is there."""
    counts = {p: visits[(p, "desktop")]["mathCount"] for p in PAGES if p.startswith("notebooks/")}
    assert counts[f"notebooks/{NOTEBOOKS[0]}.html"] > 10, counts


@_pages()
def test_every_image_loads(visits: dict, path: str) -> None:
    facts = visits[(path, "desktop")]
    broken = [img["src"] for img in facts["images"] if not img["loaded"]]
    assert not broken, f"{path}: images that did not load: {broken}"


def _no_alt(img: dict) -> bool:
    """Empty, or the file's own name (what docutils writes when the notebook gives none)."""
    alt = (img["alt"] or "").strip()
    return not alt or alt == img["src"] or bool(re.search(r"\.(png|jpe?g|svg|gif)$", alt, re.I))


@_pages()
def test_every_image_has_alt_text(visits: dict, path: str) -> None:
    """Figures take their alt text from the cell's `"mystnb": {"image": {"alt": ...}}`."""
    missing = [img["src"] for img in visits[(path, "desktop")]["images"] if _no_alt(img)]
    assert not missing, (
        f"{path}: {len(missing)} image(s) without alt text (give the figure's cell "
        f'`"mystnb": {{"image": {{"alt": "..."}}}}` in its metadata): {missing}'
    )


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_launch_and_download_buttons(visits: dict, stem: str) -> None:
    facts = visits[(f"notebooks/{stem}.html", "desktop")]
    repo, ref = COURSE["repository"], COURSE["ref"]
    notebook = f"notebooks/{stem}.ipynb"
    colab = f"https://colab.research.google.com/github/{repo}/blob/{ref}/{notebook}"
    binder = f"https://mybinder.org/v2/gh/{repo}/{ref}?urlpath=lab/tree/{notebook}"
    assert sorted(facts["launch"]) == sorted([colab, binder]), facts["launch"]
    downloaded = facts.get("downloaded", {})
    assert list(downloaded) == [f"../_sources/{notebook}"], facts["download"]
    original = (ROOT / notebook).read_text(encoding="utf-8")
    assert next(iter(downloaded.values())) == original, "the download is not the notebook itself"


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_notebook_page_reads_as_the_notebook(visits: dict, stem: str) -> None:
    """One title (the notebook's own `# NN · Title`), no badge, and everything collapsed."""
    facts = visits[(f"notebooks/{stem}.html", "desktop")]
    nb = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
    title = re.search(r"(?m)^# (.+)$", "".join(nb["cells"][0]["source"])).group(1)
    assert len(facts["h1"]) == 1 and facts["h1"][0].startswith(stem[:2]), facts["h1"]
    assert not [img for img in facts["images"] if "badge" in (img["src"] or "")], "a badge shows"
    assert facts["title"].startswith(title.replace("`", "")), (facts["title"], title)
    assert facts["details"] > 0 and not facts["openDetails"], (
        f"solutions and answers must start collapsed; open: {facts['openDetails']}"
    )
    tagged = sum(
        "hide-output" in c.get("metadata", {}).get("tags", [])
        for c in nb["cells"]
        if c["cell_type"] == "code"
    )
    assert len(facts["hideOutput"]) == tagged, (facts["hideOutput"], tagged)
    assert all(cell["collapsed"] for cell in facts["hideOutput"]), facts["hideOutput"]
    assert not facts["widgetRepr"], f"a widget shows as its Python repr: {facts['widgetRepr']}"
    errors = sum(o["output_type"] == "error" for c in nb["cells"] for o in c.get("outputs", []))
    assert facts["tracebacks"] == errors, (facts["tracebacks"], errors)


@_pages()
def test_layout_holds_at_390_px(visits: dict, path: str) -> None:
    overflow = visits[(path, "phone")]["overflow"]
    assert overflow <= 0, f"{path} scrolls sideways by {overflow} px on a 390 px screen"


@_pages()
def test_no_serious_accessibility_violation(visits: dict, path: str) -> None:
    for label in ("desktop", "phone"):
        bad = [v for v in visits[(path, label)]["axe"] if v["impact"] in ("serious", "critical")]
        assert not bad, f"{path} ({label}): axe-core found {json.dumps(bad, indent=1)}"


def test_search_finds_notebook_06(browser: Any, site_url: str, screenshot_dir: Path) -> None:
    context = browser.new_context(viewport=DESKTOP)
    context.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(site_url) else r.abort(),
    )
    page = context.new_page()
    try:
        page.goto(f"{site_url}/search.html?q={SEARCH_TERM}", wait_until="networkidle")
        page.wait_for_function(
            "() => /Search finished|did not match/.test("
            "document.querySelector('#search-results')?.textContent || '')",
            timeout=30_000,
        )
        hrefs = page.eval_on_selector_all(
            "#search-results ul.search li a", "(as) => as.map((a) => a.getAttribute('href'))"
        )
        page.screenshot(path=str(screenshot_dir / "search.png"))
    finally:
        context.close()
    stem = next(s for s in NOTEBOOKS if s.startswith("06_"))
    assert any(f"notebooks/{stem}.html" in h for h in hrefs), (SEARCH_TERM, hrefs)


def test_site_is_complete() -> None:
    """Every page the test opens was built (the list above is not shorter than the site)."""
    built = {p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")}
    assert set(PAGES) <= built, set(PAGES) - built
    extra = {p for p in built - set(PAGES) if "_static" not in p}
    assert not extra, f"pages this test does not open: {sorted(extra)}"
