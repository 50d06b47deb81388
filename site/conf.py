"""Sphinx configuration of the course website (`make site`; see site/prepare.py for the pages).

Built from the stored notebooks (MyST-NB never executes them), with sphinx-book-theme for the
sidebar, launch buttons, search and the mobile layout. Everything a page loads is served from
the site itself: MathJax comes from the npm registry into site/node_modules (`make site`
installs it; the repository does not vendor it) and is copied into _static/mathjax.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

SITE = Path(__file__).resolve().parent
ROOT = SITE.parent
sys.path.insert(0, str(SITE))

from prepare import course  # noqa: E402 (site/ is not a package)

COURSE = course()
REPOSITORY_URL = f"https://github.com/{COURSE['repository']}"
OWNER, NAME = COURSE["repository"].split("/")
SITE_URL = f"https://{OWNER}.github.io/{NAME}/"
MATHJAX = SITE / "node_modules" / "mathjax" / "es5"
# What tex-mml-chtml.js loads at run time: its fonts, TeX extensions, menu and a11y parts.
MATHJAX_PARTS = ["tex-mml-chtml.js", "a11y", "adaptors", "input", "output", "sre", "ui"]

project = "Linear regression in PyTorch, step by step"
author = "the course's contributors"
copyright = "the course's contributors, MIT licence"  # noqa: A001 (Sphinx's name)
language = "en"

extensions = ["myst_nb"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type"]

# MyST: $...$ and $$...$$ maths as in Jupyter, and GitHub's heading anchors (the README and
# INSTRUCTORS.md link to `#glossary` and the like).
myst_enable_extensions = ["dollarmath", "amsmath", "html_image", "colon_fence"]
myst_heading_anchors = 3
# `$$...$$` inside a paragraph (no blank line around it) is display maths, as in Jupyter.
myst_dmath_double_inline = True
nb_execution_mode = "off"  # the stored outputs are the course: never re-run here
nb_merge_streams = True
# Tracebacks are shown with their ANSI colours turned into highlighting; no widget scripts:
# prepare.py keeps only a widget's text (a static page has no kernel to drive it).
nb_ipywidgets_js = {}

html_theme = "sphinx_book_theme"
html_title = "Linear regression in PyTorch"
html_baseurl = SITE_URL
templates_path = ["_templates"]
html_static_path = ["static"]
html_css_files = ["course.css"]
# pydata-sphinx-theme reads the colour mode from the context: "" logs a console error.
html_context = {"default_mode": "auto"}
html_copy_source = True
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    "repository_url": REPOSITORY_URL,
    "repository_branch": COURSE["ref"],
    "path_to_docs": "",
    "use_repository_button": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_source_button": False,
    "use_edit_page_button": False,
    "use_issues_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "launch_buttons": {
        "colab_url": "https://colab.research.google.com",
        "binderhub_url": "https://mybinder.org",
        "notebook_interface": "jupyterlab",
    },
    # Nothing from another host: no analytics, no remote icons or fonts.
    "icon_links": [],
}

# MathJax from the site itself (relative to _static), never from a CDN.
mathjax_path = "mathjax/tex-mml-chtml.js"


def copy_mathjax(app, exception) -> None:  # noqa: ANN001 (Sphinx's objects)
    """Copy the parts of npm's MathJax that pages load into _static/mathjax."""
    if exception is not None or app.builder.format != "html":
        return
    if not (MATHJAX / "tex-mml-chtml.js").is_file():
        raise RuntimeError(f"{MATHJAX} is missing: run `make site` (it installs MathJax from npm)")
    dest = Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        src = MATHJAX / part
        if src.is_dir():
            shutil.copytree(src, dest / part, dirs_exist_ok=True)
        else:
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / part)


def original_notebooks(app, exception) -> None:  # noqa: ANN001
    """The download button serves the repository's notebook itself (badges and all)."""
    if exception is not None or app.builder.format != "html":
        return
    for src in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        dest = Path(app.outdir) / "_sources" / "notebooks" / src.name
        if dest.parent.is_dir():
            shutil.copy2(src, dest)


def visit_hidden_cell(self, node) -> None:  # noqa: ANN001
    """MyST-NB's fold for a hidden cell part (`hide-output`, `hide-input`), without its
    ``aria-label="Toggle hidden content"``: a screen reader then reads the words shown,
    "Show code cell output", and axe-core's label-content-name-mismatch (serious) passes."""
    from html import escape

    self.body.append(f'<details class="admonition hide {" ".join(node["classes"])}">\n<summary>\n')
    for state, prompt in (("collapsed", "prompt_show"), ("expanded", "prompt_hide")):
        self.body.append(f'<p class="{state} admonition-title">{escape(node[prompt])}</p>\n')
    self.body.append("</summary>\n")


def setup(app):  # noqa: ANN001, ANN201
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

    app.add_node(HideCodeCellNode, override=True, html=(visit_hidden_cell, depart_HideCellInput))
    app.connect("build-finished", copy_mathjax)
    app.connect("build-finished", original_notebooks)
