"""The sign-in screens at 80x24: the first run's owner screen and the login screen (a refused password).

Update with ``pytest tests/tui/test_login_snapshots.py --snapshot-update`` and look at the SVGs first.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from shoptui.tui.app import ShopApp
from shoptui.tui.screens.login import LoginScreen, OwnerScreen
from tests.store_files import OWNER_NAME, execute
from tests.tui.conftest import quiet, until


@pytest.fixture(autouse=True)
def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOPTUI_TOKEN", raising=False)




def test_owner_screen_at_80x24(snap_compare, tui_store: str, still_clock: datetime) -> None:  # type: ignore[no-untyped-def]
    execute(tui_store, "DELETE FROM staff_token", "DELETE FROM staff",
            "DELETE FROM store_setting WHERE key = 'owner_created_at'")

    async def first_run(pilot: Pilot) -> None:
        await until(pilot, lambda: isinstance(pilot.app.screen, OwnerScreen) and not pilot.app.screen.checking)
        pilot.app.screen.query_one("#owner-name", Input).value = "mei"
        await quiet(pilot)

    assert snap_compare(ShopApp(db_url=tui_store, poll_seconds=600), terminal_size=(80, 24), run_before=first_run)


def test_login_screen_at_80x24(snap_compare, tui_store: str, still_clock: datetime) -> None:  # type: ignore[no-untyped-def]
    async def wrong_password(pilot: Pilot) -> None:
        await until(pilot, lambda: isinstance(pilot.app.screen, LoginScreen) and not pilot.app.screen.checking)
        screen = pilot.app.screen
        screen.query_one("#login-name", Input).value = OWNER_NAME
        screen.query_one("#login-password", Input).value = "not-it"
        screen.query_one("#login-password", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: not screen.busy)
        await quiet(pilot)

    assert snap_compare(ShopApp(db_url=tui_store, poll_seconds=600), terminal_size=(80, 24), run_before=wrong_password)
