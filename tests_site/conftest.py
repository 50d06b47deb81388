"""Fixtures of the website's browser test: the built site served on 127.0.0.1, Chromium.

`make site-test` builds the site first (`make site`). Like tests_e2e, it drives the root
conftest.py's `browser`: Debian's Chromium, skipped where it or Playwright is missing, a
failure under E2E_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site" / "_build" / "html"
AXE = ROOT / "site" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOT_DIR = ROOT / "artifacts" / "site"


@pytest.fixture(scope="session")
def site_dir() -> Path:
    """The built site; a missing build is a failure (`make site-test` builds it first)."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"{SITE} has no index.html: run `make site` first")
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: `make site` installs it from npm")
    return SITE


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        pass


@pytest.fixture(scope="session")
def site_url(site_dir: Path) -> Iterator[str]:
    """The site served as `python -m http.server` would, on 127.0.0.1 and a free port."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
