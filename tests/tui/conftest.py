"""TUI fixtures: a store with a known name, a registry of the core module (plus a fake one), the app."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from shoptui import db, modules
from shoptui.modules import core
from shoptui.services.shop import settings
from shoptui.tui.app import ShopApp
from tests.conftest import CLERK
from tests.tui import fakes

STORE_NAME = "Corner Shop"


@pytest.fixture(autouse=True)
def core_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shell sees the core module and a fake "things" module only, whatever else is installed.

    Snapshots and key tests then do not change as other modules land.
    """
    monkeypatch.setattr(modules, "all_modules", lambda: (core.MODULE, fakes.MODULE))
    settings.definitions.cache_clear()
    fakes.reset()
    yield
    settings.definitions.cache_clear()


@pytest.fixture
def tui_store(store: str) -> str:
    """A migrated store named ``Corner Shop`` (time zone Asia/Shanghai, the default)."""
    with db.transaction(store) as session:
        settings.set_value(session=session, actor=CLERK, key="name", raw=STORE_NAME)
    return store


@pytest.fixture
def app(tui_store: str) -> ShopApp:
    """The app on that store, polling for notifications every 0.2 s."""
    return ShopApp(db_url=tui_store, poll_seconds=0.2)


async def settle(pilot: Pilot, rounds: int = 3) -> None:
    """Let workers finish and their messages be handled."""
    for _ in range(rounds):
        try:
            await pilot.app.workers.wait_for_complete()
        except (WorkerFailed, WorkerCancelled):
            pass  # reported by the app; the test looks at what the operator sees
        await pilot.pause()


async def until(pilot: Pilot, condition: Callable[[], object], seconds: float = 10.0) -> None:
    """Settle until ``condition()`` holds (after a debounce timer, say); fails after ``seconds``, never a fixed sleep."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the screen did not get there in time"
        await settle(pilot, 1)
        await pilot.pause(0.02)
    await settle(pilot)
