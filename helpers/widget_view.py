"""Widgets shown so that a page without a kernel gets words, not a Python repr.

Kept apart from ``helpers.widgets`` (which draws with matplotlib), so that
``helpers.device_toggle`` shows its buttons without importing matplotlib.
"""

from __future__ import annotations

from typing import Any

__all__ = ["WIDGET_MIME", "show_widget"]

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def show_widget(widget: Any, text: str) -> Any:
    """Display ``widget`` with ``text`` as its plain-text form (not the widget's repr).

    A page that renders widgets shows the widget (live with a kernel, static from the
    notebook's saved widget state without one); any other page, nbval and a screen reader
    get ``text``. Works with ipywidgets 7.7 (Colab) and 8: both give the view as
    ``{"version_major": 2, "version_minor": 0, "model_id": ...}``.

    Returns:
        The display handle of the output, or None when no IPython is running.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"text must be a sentence for readers without a kernel, got {text!r}.")
    from IPython.display import display

    view = {"version_major": 2, "version_minor": 0, "model_id": widget.model_id}
    return display({WIDGET_MIME: view, "text/plain": text}, raw=True)
