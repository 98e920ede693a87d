"""Snapshots at 80x24 with a frozen clock, a fixed store name and only the core (+ fake) module.

Update with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at the SVGs first.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from shoptui import clock
from shoptui.tui.app import ShopApp
from tests.conftest import FROZEN_AT
from tests.tui.conftest import settle


@pytest.fixture
def still_clock() -> Iterator[datetime]:
    """Frozen for the whole snapshot run (the app runs in its own loop inside snap_compare)."""
    clock.freeze(FROZEN_AT)
    yield FROZEN_AT
    clock.freeze(None)


async def _quiet(pilot: Pilot) -> None:
    await settle(pilot)
    for entry in pilot.app.screen.query(Input):
        entry.cursor_blink = False
    await pilot.pause()


def test_dashboard_at_80x24(snap_compare, app: ShopApp, still_clock: datetime) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app, terminal_size=(80, 24), run_before=_quiet)


def test_settings_at_80x24(snap_compare, app: ShopApp, still_clock: datetime) -> None:  # type: ignore[no-untyped-def]
    async def open_settings(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("f10")
        await _quiet(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_settings)
