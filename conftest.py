"""One headless Chromium for the two browser suites: tests_e2e (JupyterLab) and tests_site (the
website). Debian's browser, /usr/bin/chromium (or $E2E_CHROMIUM), driven by Playwright; never a
browser Playwright downloads. Where the browser or the playwright package is missing, a test
that asks for `browser` is skipped with the reason, or fails under E2E_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("E2E_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (E2E_REQUIRE_BROWSER=1, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_requirements() -> None:
    """Skip (or fail, under E2E_REQUIRE_BROWSER=1) when the browser or Playwright is missing."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(
            f"{CHROMIUM} not found: install Debian's browser with `apt-get install -y chromium`"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is missing: pip install -r requirements-test.txt")


@pytest.fixture(scope="session")
def browser(browser_requirements: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium for the whole session (Playwright's sync API)."""
    from playwright.sync_api import sync_playwright

    home = tmp_path_factory.mktemp("chromium-home")
    # Playwright gives Chromium a temporary profile; its crash reports and caches would still
    # go under ~/.config and ~/.cache, so point those at a temporary folder too.
    env = dict(os.environ, XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"))
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env=env, timeout=60_000
        )
        try:
            yield chromium
        finally:
            chromium.close()
