"""Lay out the website's Sphinx source folder from the repository's own files.

`make site` runs this, then `sphinx-build -c site site/_build/src site/_build/html`. The
source folder mirrors the repository, so the links the README and the notebooks already use
(`notebooks/01_...ipynb`, `INSTRUCTORS.md`) work on the site unchanged:

    index.md                               the landing page: parts of README.md (one source)
    notebooks/NN_*.ipynb                   the stored notebooks, never executed
    INSTRUCTORS.md                         the teachers' page
    helpers/datasets/PENGUINS-LICENSE.md   the penguins data credit

What changes on the way, and why (the notebooks themselves are never edited):
- the Colab/Binder badges of each notebook's first cell go: the theme's launch buttons replace
  them, and their images would be requests to other hosts; the README's badges become plain
  links ("Colab", "Binder") for the same reason;
- a relative link to a file the site does not carry (`student/`, `LICENSE`) points at that
  file on GitHub, at the course's repository and ref (`[tool.course]` in pyproject.toml);
- widget outputs keep only their text: a static page has no kernel, so a live slider would
  move without redrawing anything. A widget whose text is just its Python repr gets a plain
  sentence instead.
Anything left that the page would fetch from another host (an image) stops the build.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "site" / "_build" / "src"

# The README's parts that make the landing page, by their `## ` heading; the text above the
# first heading (what the course is, who it is for) always comes along.
README_SECTIONS = ["Course map", "Two commands", "For teachers"]
PAGES = {  # repository file -> the same path in the site's source folder
    "INSTRUCTORS.md": "INSTRUCTORS.md",
    "helpers/datasets/PENGUINS-LICENSE.md": "helpers/datasets/PENGUINS-LICENSE.md",
}

BADGE = re.compile(r"\[!\[([^\]]*)\]\((?:https?:)?//[^)]*\)\]\(([^)]*)\)")
LINK = re.compile(r"(?<!!)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^)\s]+)\)")
REMOTE_IMAGE = re.compile(r"!\[[^\]]*\]\((?:https?:)?//|<img[^>]+src=[\"']?(?:https?:)?//", re.I)
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_REPR = re.compile(r"^[A-Z]\w*\(")
WIDGET_NOTE = "[an interactive widget: it works when the notebook runs in Jupyter]"
BADGE_TEXT = {"Open In Colab": "Colab", "Binder": "Binder"}


def course() -> dict[str, str]:
    """`[tool.course]` of pyproject.toml: `repository` (owner/name) and `ref`."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["course"]


class Links:
    """Rewrites a page's relative links that the site cannot follow to GitHub."""

    def __init__(self, site_files: set[str], repository: str, ref: str) -> None:
        self.site_files = site_files
        self.github = f"https://github.com/{repository}"
        self.ref = ref

    def fix(self, text: str, page: str) -> str:
        """`page`: the page's path in the repository (links are relative to its folder)."""

        def one(match: re.Match[str]) -> str:
            label, target = match.group(1), match.group(2)
            if re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", target, re.I):
                return match.group(0)
            path, _, anchor = target.partition("#")
            resolved = (Path(page).parent / path).as_posix()
            parts: list[str] = []
            for part in resolved.split("/"):
                if part == "..":
                    parts.pop()
                elif part not in ("", "."):
                    parts.append(part)
            rel = "/".join(parts)
            if rel in self.site_files:
                return match.group(0)
            kind = "tree" if target.endswith("/") or (ROOT / rel).is_dir() else "blob"
            url = f"{self.github}/{kind}/{self.ref}/{rel}" + (f"#{anchor}" if anchor else "")
            return f"[{label}]({url})"

        return LINK.sub(one, text)


def unbadge(text: str) -> str:
    """`[![Open In Colab](img)](url)` -> `[Colab](url)`: the link stays, the remote image goes."""
    return BADGE.sub(lambda m: f"[{BADGE_TEXT.get(m.group(1), m.group(1))}]({m.group(2)})", text)


def landing_page(readme: str) -> str:
    """The README's opening text and its README_SECTIONS, in the README's order."""
    chunks = re.split(r"(?m)^(?=## )", readme)
    kept = [chunks[0]]
    for chunk in chunks[1:]:
        heading = chunk.splitlines()[0][3:].strip()
        if heading in README_SECTIONS:
            kept.append(chunk)
    missing = set(README_SECTIONS) - {c.splitlines()[0][3:].strip() for c in kept[1:]}
    if missing:
        sys.exit(f"site/prepare.py: README.md has no section {sorted(missing)}")
    return "".join(kept).rstrip() + "\n"


def toctree(notebooks: list[str]) -> str:
    def tree(caption: str, entries: list[str]) -> str:
        body = "\n".join(entries)
        return f"\n```{{toctree}}\n:hidden:\n:caption: {caption}\n\n{body}\n```\n"

    return (
        tree("Notebooks", [n.removesuffix(".ipynb") for n in notebooks])
        + tree("For teachers", ["INSTRUCTORS"])
        + tree("Data", ["helpers/datasets/PENGUINS-LICENSE"])
    )


def strip_first_cell(cell: dict, name: str) -> None:
    """The badge line goes from the first cell; what is left must open with `# NN · Title`."""
    text = "".join(cell["source"])
    lines = [
        line
        for line in text.splitlines()
        if not (BADGE.search(line) and not BADGE.sub("", line).strip())
    ]
    text = "\n".join(lines).lstrip("\n")
    if not text.startswith("# "):
        sys.exit(f"site/prepare.py: {name}: the first cell does not open with its `# ` title")
    cell["source"] = text


def widget_text(output: dict) -> None:
    data = output.get("data", {})
    if WIDGET_MIME not in data:
        return
    del data[WIDGET_MIME]
    text = "".join(data.get("text/plain", ""))
    if not text.strip() or WIDGET_REPR.match(text):
        data["text/plain"] = WIDGET_NOTE


def notebook(src: Path, rel: str, links: Links) -> dict:
    nb = json.loads(src.read_text(encoding="utf-8"))
    nb["metadata"].pop("widgets", None)
    strip_first_cell(nb["cells"][0], rel)
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = links.fix(unbadge("".join(cell["source"])), rel)
        for output in cell.get("outputs", []):
            widget_text(output)
    return nb


def check_offline(path: Path, text: str) -> None:
    match = REMOTE_IMAGE.search(text)
    if match:
        sys.exit(
            f"site/prepare.py: {path.relative_to(OUT)} would load an image from another host "
            f"({match.group(0)!r}): the site must work offline"
        )


def main() -> None:
    info = course()
    notebooks = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("notebooks/[0-9]*.ipynb"))
    site_files = set(notebooks) | set(PAGES)
    links = Links(site_files, info["repository"], info["ref"])

    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    index = links.fix(unbadge(landing_page(readme)), "README.md") + toctree(notebooks)
    outputs = {"index.md": index}
    for src, dst in PAGES.items():
        outputs[dst] = links.fix((ROOT / src).read_text(encoding="utf-8"), src)
    for rel in notebooks:
        nb = notebook(ROOT / rel, rel, links)
        outputs[rel] = json.dumps(nb, ensure_ascii=False, indent=1) + "\n"

    for rel, text in outputs.items():
        path = OUT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        check_offline(path, text)
        path.write_text(text, encoding="utf-8")
    print(f"site/prepare.py: {len(outputs)} pages in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
