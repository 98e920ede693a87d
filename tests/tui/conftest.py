"""TUI fixtures: a store with a known name, a registry of the core module (plus a fake one), the app."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
import textual._wait
from textual.css.stylesheet import Stylesheet
from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from shoptui import db, modules
from shoptui.modules import core
from shoptui.services.shop import settings
from shoptui.store import changes
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


@pytest.fixture(autouse=True, scope="session")
def css_parsed_once() -> Iterator[None]:
    """Each app parses the same CSS (the app's, every screen's and widget's) into the same rules; Textual
    caches that per stylesheet, so per app: ~0.25 s of CPU for each of ~400 apps a run. Here the parsed
    rules are shared by every app of the run, keyed by everything they depend on (the CSS, where it was
    read from, its scope and tie-breaker, and the theme's variables). Rules with errors raise as before."""
    parsed: dict[tuple[object, ...], object] = {}
    parse_rules = Stylesheet._parse_rules

    def shared(
        self: Stylesheet,
        css: str,
        read_from: object,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> object:
        key = (css, read_from, is_default_rules, tie_breaker, scope, tuple(sorted(self._variables.items())))
        try:
            return parsed[key]
        except KeyError:
            rules = parsed[key] = parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)  # type: ignore[arg-type]
            return rules

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Stylesheet, "_parse_rules", shared)
        yield


IDLE_SLICE_S = 0.005  # Textual's is 1/50 s


@pytest.fixture(autouse=True, scope="session")
def idle_checked_every_5ms() -> Iterator[None]:
    """Pilot waits for the app to go idle after every key (twice) and every pause: it sleeps in slices of
    1/50 s until a slice passes with the process (all threads) using under 1/20 of it. Most slices find the
    app idle at once, so each key cost at least 40 ms of nothing (the sale tests: ~3,700 slices, 75 s).
    Slices of 5 ms keep the same test (under 1/20 of the slice busy: idle) and cost a quarter of that.
    Tests that need a worker's result still wait for it (``settle``, ``until``), as they must under load."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(textual._wait, "SLEEP_GRANULARITY", IDLE_SLICE_S)
        patch.setattr(textual._wait, "SLEEP_IDLE", IDLE_SLICE_S / 20)
        yield


WATCH_SLICE_S = 0.05  # how long the app's store-watch thread blocks before it looks at its stop flag (tests)


@pytest.fixture(autouse=True)
def prompt_watch_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's store-watch thread waits in slices of 0.05 s instead of 0.5 s, so closing an app in a test
    (``on_unmount`` joins that thread) takes a few ms, not ~0.35 s on average: ~400 apps a run, twice.

    Only that thread's waits are sliced, so a test that calls ``Watcher.wait`` itself gets the full wait.
    No commit is missed: the next slice still sees it (SQLite's data_version, PostgreSQL's queued NOTIFY).
    """
    full_wait = changes.Watcher.wait

    def wait(self: changes.Watcher, timeout: float) -> bool:
        if threading.current_thread().name == "shoptui-store-watch":
            timeout = min(timeout, WATCH_SLICE_S)
        return full_wait(self, timeout)

    monkeypatch.setattr(changes.Watcher, "wait", wait)


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


@pytest.fixture
def still_clock() -> Iterator[datetime]:
    """Frozen for the whole snapshot run (the app runs in its own loop inside snap_compare)."""
    from shoptui import clock
    from tests.conftest import FROZEN_AT

    clock.freeze(FROZEN_AT)
    yield FROZEN_AT
    clock.freeze(None)


async def quiet(pilot: Pilot) -> None:
    """Settle, and stop the cursors blinking: what a snapshot compares is then the same every time."""
    from textual.widgets import Input

    await settle(pilot)
    for entry in pilot.app.screen.query(Input):
        entry.cursor_blink = False
    await pilot.pause()
