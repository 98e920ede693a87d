"""The app in a real browser: `shoptui serve` on a test store, headless Chromium, the dashboard read off the screen.

Run alone with ``pytest -m browser``. Needs Debian's chromium at /usr/bin/chromium (driven by the playwright
package; no playwright browser download); skipped, saying so, without it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shoptui import db
from shoptui.services import shop
from tests.conftest import CLERK
from tests.store_files import OWNER_NAME, OWNER_PASSWORD
from tests.web.serving import Served, alive, environment_of, serving

CHROMIUM = Path("/usr/bin/chromium")
STORE_NAME = "Counter Tablet Café"

# The test store is a copy of the suite's template, whose owner is OWNER_NAME: the browser logs in as them.

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"),
]

# xterm.js keeps its Terminal inside textual.js's closure. Catch it as it is built (its constructor assigns
# `_addonManager`, a name only the public Terminal has) so the test can read the screen through xterm's own
# buffer API, whichever renderer (WebGL, canvas) paints the pixels.
XTERM_HOOK = """
Object.defineProperty(Object.prototype, '_addonManager', {
  configurable: true,
  set(value) {
    Object.defineProperty(this, '_addonManager', {value, writable: true, configurable: true});
    (window.__shoptuiTerminals = window.__shoptuiTerminals || []).push(this);
  },
});
"""
READ_SCREEN = """() => {
  const terminal = (window.__shoptuiTerminals || [])[0];
  if (!terminal) return null;
  const buffer = terminal.buffer.active, lines = [];
  for (let row = 0; row < terminal.rows; row++) {
    const line = buffer.getLine(buffer.viewportY + row);
    lines.push(line ? line.translateToString(true) : '');
  }
  return lines.join('\\n');
}"""


def screen_text(page: Any) -> str:
    """What the browser's terminal shows now, one line per row ('' before the terminal exists)."""
    return page.evaluate(READ_SCREEN) or ""


def wait_for_screen(page: Any, *needles: str, timeout: float = 15.0) -> str:
    """Poll the screen until it shows every one of ``needles``; returns it. Fails showing the last screen."""
    deadline = time.monotonic() + timeout
    while True:
        text = screen_text(page)
        if all(needle in text for needle in needles):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"the browser never showed {needles}; its screen was:\n{text}")
        page.wait_for_timeout(100)


def type_into_focused(page: Any, *values: str) -> None:
    """Type ``values`` into the focused Input and the ones after it (Tab between them), then Enter."""
    for index, value in enumerate(values):
        if index:
            page.keyboard.press("Tab")
        page.keyboard.type(value)
    page.keyboard.press("Enter")


def first_run_in_browser(page: Any, name: str, password: str) -> None:
    """The first-run screen (no accounts yet): its Inputs #owner-name, #owner-password and
    #owner-password-again, in that focus order, the first focused; Enter submits."""
    wait_for_screen(page, "Password")
    type_into_focused(page, name, password, password)


def login_in_browser(page: Any, name: str, password: str, code: str | None = None) -> None:
    """The login screen: its Inputs #login-name then #login-password, the first focused; Enter submits.
    With two-factor on, #login-code follows on its own and takes ``code``."""
    wait_for_screen(page, "Password")
    type_into_focused(page, name, password)
    if code is not None:
        wait_for_screen(page, "code")
        type_into_focused(page, code)


@pytest.fixture
def named_store(store: str) -> str:
    """The test store with a name of its own, so the browser shows this store and no other."""
    with db.transaction(store) as session:
        shop.set_value(session=session, actor=CLERK, key="name", raw=STORE_NAME)
    db.dispose_all()
    return store


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's), closed after the test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def test_the_dashboard_opens_in_a_browser_and_the_server_stops_clean(named_store: str, browser: Any) -> None:
    # the operator who starts the server is logged in: the browser's app must not inherit it
    with serving(named_store, env={"SHOPTUI_TOKEN": "the-operators-own-token"}) as served:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.add_init_script(XTERM_HOOK)
        page.goto(served.url, wait_until="domcontentloaded")
        page.locator(".xterm-helper-textarea").focus()  # keys go where a tap on the screen would send them
        login_in_browser(page, OWNER_NAME, OWNER_PASSWORD)  # the web face always asks, whoever started the server

        screen = wait_for_screen(page, STORE_NAME, "Sales today", "Orders today", "Low stock")
        assert "Dashboard" in screen and "Products" in screen  # the sidebar

        page.keyboard.press("F2")  # keys reach the app: the products screen opens
        wait_for_screen(page, "No products")

        _check_the_app_environment(served)
        (app,) = served.app_processes()
        assert served.stop() == 0
        assert not alive(app), "the browser's app process outlived the server"
        assert "every browser's app was closed" in "".join(served.stdout)
        log = "".join(served.stderr)
        assert "from 127.0.0.1 started" in log and "from 127.0.0.1 ended" in log


def _check_the_app_environment(served: Served) -> None:
    """The app process serving the browser: the web face, the browser's address, the store, no login."""
    (app,) = served.app_processes()
    environment = environment_of(app)
    assert environment["SHOPTUI_FACE"] == "web"
    assert environment["SHOPTUI_CLIENT_ADDRESS"] == "127.0.0.1"
    assert environment["SHOPTUI_DATABASE_URL"] == served.store
    assert "SHOPTUI_TOKEN" not in environment
