"""Shared test set-up: a non-interactive matplotlib backend, and the fixtures many modules use.

Plain helpers live in ordinary modules beside this one (``notebook_files``, ``training_kit``,
``solution_lines``); tests import those, never this file.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def needs_cuda():
    """Skip the test unless a CUDA GPU is really present."""
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU on this machine")


@pytest.fixture
def cpu_only(monkeypatch):
    """A machine with neither a CUDA nor an MPS GPU, and no COURSE_DEVICE override."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.delenv("COURSE_DEVICE", raising=False)


@pytest.fixture
def data():
    """The 200-point set y = 1.5 + 2x + noise, as float32 tensors of shape (200, 1) each."""
    import helpers

    return helpers.make_intercept_slope_data(as_tensor=True)
