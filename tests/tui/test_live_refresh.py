"""Several tills on one store: a change made elsewhere reaches a running app, and nothing else does.

Runs on both engines (``SHOPTUI_TEST_ENGINE=postgresql``: the signal is LISTEN/NOTIFY, else SQLite's
``PRAGMA data_version``).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from shoptui import db
from shoptui.config import Actor
from shoptui.errors import StoreUnavailable
from shoptui.services.members import customers
from shoptui.store import changes
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.audit import AuditScreen
from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.widgets.topbar import StoreName
from tests.tui.conftest import settle, until


def _add_customer(store: str, name: str) -> None:
    """What another terminal does: its own transaction on the same store."""
    with db.transaction(store) as session:
        customers.add_customer(session=session, actor=Actor(name="till-2", source="tui"),
                               data=customers.CustomerCreate(name=name))


class LoadCountingApp(ShopApp):
    loads = 0

    def on_shop_screen_loaded(self, _event: ShopScreen.Loaded) -> None:
        self.loads += 1


async def test_a_change_on_another_till_shows_on_the_visible_list_within_a_second(tui_store: str) -> None:
    _add_customer(tui_store, "First Customer")
    app = ShopApp(db_url=tui_store, poll_seconds=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, AuditScreen) and app.screen.entries)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        before = len(screen.entries)
        started = time.monotonic()
        _add_customer(tui_store, "Walk-in Wanda")
        await until(pilot, lambda: len(screen.entries) > before, seconds=5)
        elapsed = time.monotonic() - started
        assert any("Wanda" in (entry.summary or "") for entry in screen.entries.values())
        assert elapsed < 1.5, elapsed  # a second, plus the test's own settling on a busy machine


async def test_an_idle_store_reloads_nothing(tui_store: str) -> None:
    app = LoadCountingApp(db_url=tui_store, poll_seconds=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.loads >= 1)  # the dashboard's first figures
        await settle(pilot)
        loads = app.loads
        deadline = time.monotonic() + 1.2  # six looks at the signal
        while time.monotonic() < deadline:
            await pilot.pause(0.1)
        assert app.live_refreshes == 0
        assert app.loads == loads
        _add_customer(tui_store, "Someone")
        await until(pilot, lambda: app.live_refreshes == 1 and app.loads > loads)  # the dashboard followed


class Counting(ShopScreen):
    LIVE = frozenset({"customer"})
    reloads = 0

    def live_reload(self) -> None:
        self.reloads += 1


def test_a_screen_reloads_only_for_the_entities_it_shows() -> None:
    screen = Counting()
    screen.store_changed(frozenset({"order", "stocktake"}))
    assert screen.reloads == 0
    screen.store_changed(frozenset({"order", "customer"}))
    assert screen.reloads == 1
    screen.store_changed(frozenset({ShopApp.ANY}))  # the store was away: anything may have changed
    assert screen.reloads == 2


async def test_a_lost_store_says_so_and_recovers(tui_store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = changes.Watcher
    server = {"down": False, "tries": 0}

    class Flaky(real):  # type: ignore[misc,valid-type]
        def __init__(self, url: str, **kwargs: Any) -> None:
            if server["down"]:
                server["tries"] += 1
                raise StoreUnavailable("The store cannot be reached (connection refused).")
            super().__init__(url, **kwargs)

        def wait(self, timeout: float) -> bool:
            if server["down"]:
                raise StoreUnavailable("The store cannot be reached (server closed the connection).")
            return bool(super().wait(timeout))

    monkeypatch.setattr(changes, "Watcher", Flaky)
    app = ShopApp(db_url=tui_store, poll_seconds=0.2)
    app.RETRY_SECONDS = (0.1,)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app._watch_thread is not None)
        await settle(pilot)
        server["down"] = True
        await until(pilot, lambda: app.store_unreachable and server["tries"] >= 2)  # retried, not frozen
        assert "store unreachable, retrying" in str(app.screen.query_one(StoreName).render())
        assert app.is_running
        server["down"] = False
        await until(pilot, lambda: not app.store_unreachable)
        assert "unreachable" not in str(app.screen.query_one(StoreName).render())
        assert any("reachable again" in toast.message for toast in app.toasts)


def _read(store: str) -> None:
    with db.read_session(store) as session:
        customers.list_customers(session=session, search="", after=None, limit=5)


def test_the_signal_fires_on_another_connections_commit_only(store: str) -> None:
    _read(store)  # the store opened as the app opens it before it watches (SQLite: WAL mode set)
    watcher = changes.Watcher(store, interval=0.02)
    try:
        assert watcher.wait(0.2) is False
        _read(store)  # a read commits nothing
        assert watcher.wait(0.2) is False
        _add_customer(store, "Signal")
        assert watcher.wait(2.0) is True
        assert watcher.wait(0.2) is False  # told once
    finally:
        watcher.close()


def test_a_server_that_is_away_is_a_sentence_not_a_hang() -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        changes.Watcher("postgresql+psycopg://shoptui@127.0.0.1:9/shop?connect_timeout=2")
    assert time.monotonic() - started < 5
