"""Tests for helpers.device: pick_device, resolve_device, synchronize, device_toggle.

This machine may have no GPU, so CUDA and MPS are mostly simulated by patching
``torch.cuda.is_available`` and ``torch.backends.mps.is_available``; the tests that take
the ``needs_cuda`` fixture run only where a CUDA GPU is really present.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

import helpers
from helpers import device as dev


@pytest.fixture
def fake_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "Fake GPU")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.delenv("COURSE_DEVICE", raising=False)


def test_import_helpers_does_not_import_torch():
    code = "import helpers, sys; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_lazy_exports_point_here():
    assert helpers.pick_device is dev.pick_device
    assert helpers.device_toggle is dev.device_toggle


def test_auto_without_gpu_picks_cpu_and_says_why(cpu_only, capsys):
    assert dev.pick_device("auto") == torch.device("cpu")
    out = capsys.readouterr().out
    assert (
        out
        == "pick_device: using cpu (auto: no CUDA or MPS GPU found; set COURSE_DEVICE to override)\n"
    )


def test_auto_prefers_cuda_then_mps(fake_cuda, monkeypatch, capsys):
    assert dev.pick_device() == torch.device("cuda")
    assert "CUDA GPU is present: Fake GPU" in capsys.readouterr().out
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert dev.pick_device() == torch.device("cuda")  # CUDA still first
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert dev.pick_device() == torch.device("mps")
    assert "MPS" in capsys.readouterr().out


def test_environment_variable_overrides_auto(fake_cuda, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert dev.pick_device("auto") == torch.device("cpu")
    assert "COURSE_DEVICE=cpu overrides 'auto'" in capsys.readouterr().out
    monkeypatch.setenv("COURSE_DEVICE", "auto")
    assert dev.pick_device("auto") == torch.device("cuda")
    monkeypatch.setenv("COURSE_DEVICE", "  ")  # blank means unset
    assert dev.pick_device("auto") == torch.device("cuda")


def test_explicit_name_wins_over_environment(fake_cuda, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_DEVICE", "cuda")
    assert dev.pick_device("cpu") == torch.device("cpu")
    assert "asked for 'cpu'" in capsys.readouterr().out


def test_bad_environment_variable_is_named(cpu_only, monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "tpu")
    with pytest.raises(ValueError, match="COURSE_DEVICE='tpu' is not a device name"):
        dev.pick_device()
    monkeypatch.setenv("COURSE_DEVICE", "cuda")
    with pytest.raises(ValueError, match="COURSE_DEVICE='cuda' asks for a CUDA GPU"):
        dev.pick_device()


@pytest.mark.parametrize("name", ["gpu", "tpu", "cuda:x", "cpu:1", "", "cuda0"])
def test_unknown_names_list_the_valid_ones(cpu_only, name):
    with pytest.raises(ValueError, match="Valid names: 'auto', 'cpu', 'cuda', 'mps' or 'cuda:N'"):
        dev.pick_device(name)


def test_the_notebook_error_message_is_exact(cpu_only):
    with pytest.raises(ValueError) as info:
        dev.pick_device("gpu")
    assert str(info.value) == (
        "preference='gpu' is not a device name. Valid names: 'auto', 'cpu', 'cuda', 'mps' or 'cuda:N'."
    )


@pytest.mark.parametrize("name", ["cuda", "cuda:0", "mps"])
def test_absent_device_is_a_clear_value_error(cpu_only, name):
    with pytest.raises(ValueError, match=r"but this machine has none \(present: cpu\)"):
        dev.pick_device(name)


def test_gpu_number_out_of_range(fake_cuda):
    assert dev.pick_device("cuda:0", verbose=False) == torch.device("cuda:0")
    with pytest.raises(ValueError, match="asks for GPU number 3, but this machine has 1 CUDA GPU"):
        dev.pick_device("cuda:3")


@pytest.mark.parametrize("bad", [None, 0, 1.5, ["cpu"]])
def test_non_string_preference_is_a_type_error(cpu_only, bad):
    with pytest.raises(TypeError, match="preference must be a device name"):
        dev.pick_device(bad)


def test_case_whitespace_and_torch_device(cpu_only, capsys):
    assert dev.pick_device(" CPU ", verbose=False) == torch.device("cpu")
    assert dev.pick_device(torch.device("cpu"), verbose=False) == torch.device("cpu")
    assert capsys.readouterr().out == ""


def test_synchronize_is_a_no_op_on_cpu_and_waits_on_cuda(cpu_only, monkeypatch):
    dev.synchronize("cpu")
    dev.synchronize(torch.device("cpu"))
    calls = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: calls.append(device))
    dev.synchronize("cuda")
    assert calls == [torch.device("cuda")]


def test_synchronize_rejects_bad_devices(cpu_only):
    with pytest.raises(ValueError, match="device='tpu' is not a device name"):
        dev.synchronize("tpu")
    with pytest.raises(ValueError, match="asks for a CUDA GPU"):
        dev.synchronize("cuda")


def test_toggle_offers_only_present_devices(cpu_only, capsys):
    toggle = dev.device_toggle()
    assert toggle.options == ("cpu",)
    assert toggle.value == "cpu"
    assert capsys.readouterr().out == (
        "device_toggle: cpu selected (present here: cpu). Re-run the cells below after changing it.\n"
    )


def test_toggle_with_a_gpu(fake_cuda, capsys):
    toggle = dev.device_toggle(torch.device("cuda:0"))
    assert toggle.options == ("cuda", "cpu")
    assert toggle.value == "cuda"
    toggle.value = "cpu"  # what a click does; no browser, so nothing to redraw
    assert "cuda selected (present here: cuda, cpu)" in capsys.readouterr().out
    assert dev.device_toggle("cpu").value == "cpu"


def test_toggle_rejects_absent_or_unknown_values(cpu_only):
    with pytest.raises(ValueError, match="value='cuda' asks for a CUDA GPU"):
        dev.device_toggle("cuda")
    with pytest.raises(ValueError, match="value='gpu' is not a device name"):
        dev.device_toggle("gpu")
    with pytest.raises(TypeError, match="description must be a string"):
        dev.device_toggle(description=3)


def test_toggle_in_ipython_shows_buttons_and_a_status_line(cpu_only, monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    shown = []

    class Handle:
        def update(self, obj):
            shown.append(("update", obj.data))

    def fake_display(obj, display_id=None, raw=False):
        shown.append(("display", getattr(obj, "data", obj)))
        return Handle() if display_id else None

    monkeypatch.setattr(InteractiveShell, "initialized", classmethod(lambda cls: True))
    monkeypatch.setattr("IPython.display.display", fake_display)
    toggle = dev.device_toggle()
    # the buttons, with a sentence (not the widget's repr) for a page without a kernel
    view = shown[0][1]
    assert view["application/vnd.jupyter.widget-view+json"]["model_id"] == toggle.model_id
    assert view["text/plain"].startswith("[buttons to choose the device")
    assert shown[1][1].startswith("device_toggle: cpu selected")
    toggle.observe(lambda change: None, names="value")
    # Only one option is present, so simulate a change notification directly.
    toggle._notify_trait("value", "cpu", "cpu")
    assert shown[-1][0] == "update"


def test_real_cuda_is_picked_and_synchronized(needs_cuda):
    assert dev.pick_device("cuda", verbose=False).type == "cuda"
    dev.synchronize("cuda")
    assert "cuda" in dev.device_toggle().options


def test_resolve_device_returns_a_present_device_silently(cpu_only, capsys):
    assert dev.resolve_device("CPU ") == torch.device("cpu")
    assert dev.resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert dev.resolve_device("auto") == torch.device("cpu")
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="device='cuda' asks for a CUDA GPU"):
        dev.resolve_device("cuda")
    with pytest.raises(ValueError, match="where='gpu' is not a device name"):
        dev.resolve_device("gpu", "where")


def test_resolve_device_finds_a_gpu_that_is_present(fake_cuda):
    assert dev.resolve_device("auto") == torch.device("cuda")
    assert dev.resolve_device("cuda:0") == torch.device("cuda:0")
