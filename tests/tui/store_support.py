"""What the screen tests' fixtures share: a store built once per run and copied per test, the app on it
as a fixed clerk, typing as a scanner does, and opening a screen by its key.

The ``*_support`` modules build their own stores (what is in them differs) and use these for the rest.
"""

from __future__ import annotations

from typing import TypeVar

from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.screen import Screen

from shoptui.config import Actor
from shoptui.tui.app import ShopApp
from tests.store_files import copy_store, seal_template, store_copy  # noqa: F401  (re-exported for the *_support modules)
from tests.tui.conftest import settle

TUI_CLERK = Actor(name="clerk", source="tui")
"""Who the app acts as in the screen tests (snapshots show the name)."""

S = TypeVar("S", bound=Screen)  # type: ignore[type-arg]


def clerk_app(store: str, *, poll_seconds: float = 600, clerk: bool = True) -> ShopApp:
    """The app on ``store``, not polling to speak of, acting as :data:`TUI_CLERK` (``clerk=False``: the default)."""
    app = ShopApp(db_url=store, poll_seconds=poll_seconds)
    if clerk:
        app.actor = TUI_CLERK
    return app


async def type_text(pilot: Pilot, text: str) -> None:
    """Type text as keys (what a barcode scanner does), without enter."""
    await pilot.press(*[_character_to_key(ch) for ch in text])


async def open_screen(pilot: Pilot, key: str, kind: type[S], *, rounds: int = 4) -> S:
    """Press the screen's key and wait for its first page; the screen, checked to be a ``kind``."""
    await settle(pilot)
    await pilot.press(key)
    await settle(pilot, rounds=rounds)
    screen = pilot.app.screen
    assert isinstance(screen, kind), f"{key} opened {type(screen).__name__}, not {kind.__name__}"
    return screen
