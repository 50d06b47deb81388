"""Where the model and the data live: pick a device, offer a toggle, time it honestly.

``pick_device("auto")`` prefers a CUDA GPU, then Apple's MPS, then the CPU, and prints one
line saying which it picked and why. The environment variable ``COURSE_DEVICE`` (for example
``COURSE_DEVICE=cpu``) overrides the automatic choice, so a run on a GPU machine can be forced
onto the CPU without editing the notebook. A device that is asked for but not present is a
``ValueError`` with a plain message, not a torch traceback from deep inside a later cell.
"""

from __future__ import annotations

import os
import re
from typing import Any

import torch

from .validation import describe

__all__ = ["pick_device", "device_toggle", "resolve_device", "synchronize"]

#: The names ``pick_device`` understands (``cuda:N`` picks one of several GPUs).
DEVICE_NAMES = ("auto", "cpu", "cuda", "mps")
ENV_VAR = "COURSE_DEVICE"

_NAME = re.compile(r"^(cpu|cuda|mps)(?::(\d+))?$")


def _present() -> list[str]:
    """Device types present on this machine, best first (the CPU is always last)."""
    present = []
    if torch.cuda.is_available():
        present.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        present.append("mps")
    return [*present, "cpu"]


def _valid_names() -> str:
    return ", ".join(repr(n) for n in DEVICE_NAMES) + " or 'cuda:N'"


def resolve_device(request: Any, argument: str = "device") -> torch.device:
    """Turn a device request into a present ``torch.device``, or raise a clear error.

    Taught in: 05 · Devices and checkpoints, section 3 (what the helpers' ``device=``
    argument accepts); notebooks call ``pick_device``, which uses it.

    Args:
        request: "auto", "cpu", "cuda", "cuda:N", "mps" (any case) or a ``torch.device``.
        argument: how the request reached us, for messages (e.g. "device", "COURSE_DEVICE").
    """
    if isinstance(request, torch.device):
        name = str(request)
    elif isinstance(request, str):
        name = request.strip().lower()
    else:
        raise TypeError(
            f"{argument} must be a device name such as 'cpu' or a torch.device, "
            f"got {describe(request)}. Valid names: {_valid_names()}."
        )
    if name == "auto":
        return torch.device(_present()[0])
    match = _NAME.match(name)
    if match is None or (match.group(2) is not None and match.group(1) != "cuda"):
        raise ValueError(
            f"{argument}={request!r} is not a device name. Valid names: {_valid_names()}."
        )
    kind, index = match.group(1), match.group(2)
    present = _present()
    if kind not in present:
        label = {"cuda": "a CUDA GPU", "mps": "an Apple MPS GPU"}[kind]
        raise ValueError(
            f"{argument}={request!r} asks for {label}, but this machine has none "
            f"(present: {', '.join(present)}). Use 'auto' to take the best device present, "
            f"or one of: {', '.join(present)}."
        )
    if kind == "cuda" and index is not None and int(index) >= torch.cuda.device_count():
        count = torch.cuda.device_count()
        raise ValueError(
            f"{argument}={request!r} asks for GPU number {index}, but this machine has {count} "
            f"CUDA GPU(s), numbered 0 to {count - 1}. Use 'cuda' for the first one."
        )
    return torch.device(name)


def _auto_reason(device: torch.device) -> str:
    if device.type == "cuda":
        return f"a CUDA GPU is present: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "an Apple MPS GPU is present, no CUDA GPU"
    return "no CUDA or MPS GPU found"


def pick_device(preference: str | torch.device = "auto", *, verbose: bool = True) -> torch.device:
    """Choose the device to train on and say which one and why, in one printed line.

    Taught in: 05 · Devices and checkpoints, section 3 (handing the device to the helpers).

    Args:
        preference: "auto" (CUDA, then MPS, then CPU), "cpu", "cuda", "cuda:N", "mps",
            or a ``torch.device``. With "auto", a non-empty environment variable
            ``COURSE_DEVICE`` takes its place; an explicit name always wins over it.
        verbose: print the one-line explanation.

    Returns:
        A ``torch.device`` that is present on this machine.

    Raises:
        TypeError: the preference is not a string or ``torch.device``.
        ValueError: an unknown name (the message lists the valid ones), or a device that
            is asked for but not present (e.g. "cuda" on a machine without a CUDA GPU).

    Example:
        >>> pick_device("cpu")
        pick_device: using cpu (asked for 'cpu')
        device(type='cpu')
    """
    request, argument = preference, "preference"
    if isinstance(preference, str) and preference.strip().lower() == "auto":
        env = os.environ.get(ENV_VAR, "").strip()
        if env:
            request, argument = env, ENV_VAR
    device = resolve_device(request, argument)
    if argument == ENV_VAR:
        reason = f"{ENV_VAR}={request} overrides 'auto'"
    elif isinstance(request, str) and request.strip().lower() == "auto":
        reason = f"auto: {_auto_reason(device)}; set {ENV_VAR} to override"
    else:
        reason = f"asked for {str(request)!r}"
    if verbose:
        print(f"pick_device: using {device} ({reason})")
    return device


def synchronize(device: str | torch.device) -> None:
    """Wait until every queued operation on ``device`` has finished (a no-op on the CPU).

    Taught in: 05 · Devices and checkpoints, section 4 (an honest CPU-vs-GPU timing).

    GPU work runs asynchronously: a call returns as soon as the work is queued. Call this
    before reading a clock, or a timing measures the queueing, not the computing.
    """
    device = resolve_device(device, "device")
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


_TOGGLE_TEXT = (
    "[buttons to choose the device: they work when the notebook runs in Jupyter; the line "
    "below names the device chosen]"
)


def device_toggle(value: str | torch.device | None = None, *, description: str = "Device") -> Any:
    """Toggle buttons that offer only the devices present on this machine.

    Taught in: 05 · Devices and checkpoints, section 3 (handing the device to the helpers).

    The widget is displayed with one status line under it that names the current choice;
    clicking another button updates that line. Without a browser (nbval, a headless run,
    GitHub's viewer) the status line is the whole, deterministic, output. Read the choice
    with ``torch.device(toggle.value)`` and re-run the cells that use the device.

    Args:
        value: the device selected at first: a present device name or ``torch.device``.
            None means ``pick_device("auto")`` (which honours ``COURSE_DEVICE``), silently.
        description: the label in front of the buttons.

    Returns:
        The ``ipywidgets.ToggleButtons``; ``.value`` is "cpu", "cuda" or "mps".
    """
    if not isinstance(description, str):
        raise TypeError(f"description must be a string, got {describe(description)}.")
    first = pick_device("auto", verbose=False) if value is None else resolve_device(value, "value")
    present = _present()

    import ipywidgets as widgets
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import Pretty, display

    from .widget_view import show_widget

    toggle = widgets.ToggleButtons(options=present, value=first.type, description=description)

    def status() -> str:
        return (
            f"device_toggle: {toggle.value} selected (present here: {', '.join(present)}). "
            f"Re-run the cells below after changing it."
        )

    handle = None
    if InteractiveShell.initialized():  # a notebook or IPython: show the buttons and the status
        show_widget(toggle, _TOGGLE_TEXT)
        handle = display(Pretty(status()), display_id=True)
    else:  # plain Python: there is nothing to click, so just say what is selected
        print(status())

    def update(_change: Any = None) -> None:
        if handle is not None:
            handle.update(Pretty(status()))

    toggle.observe(update, names="value")
    return toggle
