"""Shared set-up of the Staff screen tests: the registry with the staff module, a store with the template's owner
and a clerk (times fixed, for the snapshots), opening the screen, and readers of what it shows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import DataTable

from shoptui import clock, db, modules
from shoptui.config import Actor
from shoptui.modules import core
from shoptui.modules import staff as staff_module
from shoptui.services import staff
from shoptui.services.shop import settings
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.staff.screen import StaffScreen
from tests.conftest import FROZEN_AT
from tests.tui.conftest import STORE_NAME
from tests.tui.store_support import open_screen

SYSTEM = Actor(name="setup", source="test")
"""Who builds the test store (the system, as an owner)."""
CLERK_NAME = "mei"
CLERK_PASSWORD = "a-clerk-passphrase-of-her-own"


@pytest.fixture(autouse=True)
def staff_registry(core_registry: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shell sees the core and staff screens only (the sidebar in the snapshots does not change as modules
    add screens)."""
    monkeypatch.setattr(modules, "all_modules", lambda: (core.MODULE, staff_module.MODULE))
    settings.definitions.cache_clear()
    yield
    settings.definitions.cache_clear()


@pytest.fixture
def staff_store(store: str) -> str:
    """The template's owner (logged in: SHOPTUI_TOKEN) and a clerk, ``mei``, who has changed her password; every
    time on the accounts fixed relative to FROZEN_AT."""
    with clock.frozen(FROZEN_AT - timedelta(days=3)), db.transaction(store) as session:
        settings.set_value(session=session, actor=SYSTEM, key="name", raw=STORE_NAME)
        staff.add_staff(session=session, actor=SYSTEM, name=CLERK_NAME, role="clerk", password=CLERK_PASSWORD,
                        full_name="Mei Chen", email="mei@example.com")
    with db.transaction(store) as session:
        session.execute(text("UPDATE staff SET must_change_password = :no, created_at = :at, "
                             "password_changed_at = :at, last_login_at = :login"),
                        {"no": False, "at": FROZEN_AT - timedelta(days=3), "login": FROZEN_AT - timedelta(hours=2)})
    return store


def staff_app(store: str) -> ShopApp:
    """The app on ``store`` (it logs in with SHOPTUI_TOKEN), not polling to speak of."""
    return ShopApp(db_url=store, poll_seconds=600)


async def open_staff(pilot: Pilot) -> StaffScreen:
    """Press F12 and wait for the accounts."""
    return await open_screen(pilot, "f12", StaffScreen)


def rows_of(table: DataTable[Any]) -> list[list[str]]:
    """Every row of a table as the operator reads it (cells stripped)."""
    return [[str(getattr(c, "plain", c)).strip() for c in table.get_row_at(i)] for i in range(table.row_count)]


def account(store: str, name: str) -> staff.StaffRead:
    """An account as it is in the store now."""
    with db.read_session(store) as session:
        return staff.show_staff(session=session, actor=SYSTEM, name=name)


def log_in_as(monkeypatch: pytest.MonkeyPatch, store: str, name: str, password: str) -> str:
    """Log ``name`` in and make the app start as them (SHOPTUI_TOKEN)."""
    with db.transaction(store) as session:
        result = staff.login(session=session, name=name, password=password, source="test")
    assert result.token is not None, result.message
    monkeypatch.setenv("SHOPTUI_TOKEN", result.token)
    return result.token
