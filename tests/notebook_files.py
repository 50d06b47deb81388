"""Where the course's notebooks are, and how tests read them (with nbformat)."""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def load_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path``, read by nbformat: every cell's ``source`` is one string."""
    return nbformat.read(path, as_version=4)
