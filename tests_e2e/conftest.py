"""Fixtures for the browser test: one JupyterLab server and one headless Chromium per session.

JupyterLab serves a temporary copy of notebooks/ (the committed files are never touched) on
127.0.0.1, with its runtime files, settings, workspaces and IPython profile in temporary
folders. Chromium is the repository's one browser fixture (conftest.py at the root): Debian's
/usr/bin/chromium, driven by Playwright, never a browser Playwright downloads.

Without Chromium or the playwright package every test is skipped with the reason; set
E2E_REQUIRE_BROWSER=1 (as CI does) to make that a failure instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
SCREENSHOT_DIR = ROOT / "artifacts" / "screenshots"
SERVER_START_TIMEOUT_S = 90
# A projector's size: every figure is screenshot as a classroom would see it.
VIEWPORT = {"width": 1280, "height": 720}
WIDGET_EXTENSION = "@jupyter-widgets/jupyterlab-manager"

# Written into the server's temporary user-settings folder: no news or update checks (no
# network, no toast over the screenshot), no autosave, and every cell kept in the DOM
# (windowing "none") so each cell's prompt, outputs and images can be inspected.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


@dataclass
class LabServer:
    base_url: str
    root_dir: Path
    log_path: Path

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return "(no server log)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (127.0.0.1 only)
        return response.status, response.read().decode("utf-8", errors="replace")


def _check_widget_extension(lab_html: str) -> None:
    """The ipywidgets lab extension must be installed and enabled, or widgets show as text."""
    match = re.search(
        r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', lab_html, re.S
    )
    assert match, "no page config in JupyterLab's /lab page"
    config = json.loads(match.group(1))
    installed = [ext["name"] for ext in config.get("federated_extensions", [])]
    disabled = config.get("disabledExtensions", [])
    assert WIDGET_EXTENSION in installed and WIDGET_EXTENSION not in disabled, (
        f"the ipywidgets lab extension {WIDGET_EXTENSION} is not loaded (installed: {installed}, "
        f"disabled: {disabled}): widgets would show as text. It comes with jupyterlab_widgets."
    )


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group (it shuts its kernels down), SIGKILL if it lingers.

    Kernels run in their own sessions but watch their parent (JPY_PARENT_PID) and exit
    when the server is gone.
    """
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def lab_server(
    browser_requirements: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LabServer]:
    """A JupyterLab server on 127.0.0.1 serving a temporary copy of notebooks/."""
    tmp = tmp_path_factory.mktemp("jupyterlab")
    root_dir = tmp / "notebooks"
    shutil.copytree(
        NOTEBOOK_DIR, root_dir, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    )
    settings_dir = tmp / "user-settings"
    for rel, values in LAB_SETTINGS.items():
        path = settings_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    dirs = {name: tmp / name for name in ("config", "runtime", "workspaces", "ipython")}
    for path in dirs.values():
        path.mkdir()

    env = dict(os.environ)
    # The kernel must use the inline backend; a non-interactive MPLBACKEND would hide the plots.
    env.pop("MPLBACKEND", None)
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTERLAB_SETTINGS_DIR=str(settings_dir),
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
        IPYTHONDIR=str(dirs["ipython"]),
        PYTHONUNBUFFERED="1",
    )
    # Warm matplotlib's font cache so its one-time notice cannot land on a cell's stderr.
    subprocess.run(
        [sys.executable, "-c", "import matplotlib.pyplot"], env=env, check=True, timeout=300
    )

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    cmd = [
        # This interpreter's environment serves the page and provides the "python3" kernel
        # (its ipykernel, with helpers installed) and the ipywidgets lab extension.
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        "--allow-root",  # CI and these machines run as root
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--PasswordIdentityProvider.hashed_password=",
        f"--ServerApp.root_dir={root_dir}",
        f"--LabApp.user_settings_dir={settings_dir}",
        f"--LabApp.workspaces_dir={dirs['workspaces']}",
        "--LabApp.news_url=None",
        "--LabApp.extension_manager=readonly",
        "--ServerApp.terminals_enabled=False",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # window.jupyterapp: the test reads kernel status and output types from the live model.
        "--LabApp.expose_app_in_browser=True",
        # no notebook signatures or secret in the user's data dir
        "--NotebookNotary.db_file=:memory:",
        f"--NotebookNotary.secret_file={dirs['runtime'] / 'notebook_secret'}",
    ]  # fmt: skip
    log_path = tmp / "jupyter-server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=root_dir, env=env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    server = LabServer(base_url=base_url, root_dir=root_dir, log_path=log_path)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                if _get(f"{base_url}/api/status")[0] == 200:
                    break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"jupyter lab did not answer in {SERVER_START_TIMEOUT_S} s:\n"
                    f"{server.log_tail()}"
                )
            time.sleep(0.5)

        specs = json.loads(_get(f"{base_url}/api/kernelspecs")[1])
        assert "python3" in specs["kernelspecs"], f"no python3 kernel: {specs}"
        _check_widget_extension(_get(f"{base_url}/lab")[1])
        yield server
    finally:
        _stop(proc)


@pytest.fixture
def page(browser: Any, lab_server: LabServer) -> Iterator[Any]:
    """A fresh browser context and page per notebook, collecting the page's JS errors."""
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.set_default_navigation_timeout(60_000)
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: page.js_errors.append(msg.text) if msg.type == "error" else None,
    )
    try:
        yield page
    finally:
        # Shut this notebook's kernel down, so kernels do not pile up across notebooks.
        try:
            page.evaluate(
                """() => window.jupyterapp && Promise.race([
                     window.jupyterapp.serviceManager.sessions.shutdownAll(),
                     new Promise((resolve) => setTimeout(resolve, 10000))])"""
            )
        except Exception:  # noqa: BLE001 (a crashed page: the server stops its kernels at the end)
            pass
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
