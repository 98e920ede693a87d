"""80x24 snapshots of the analytics screen: the sales trend as a chart, best sellers as a table (frozen clock, the
fixed reports of analytics_support). Update with ``--snapshot-update`` and look at the SVGs first."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from shoptui.tui.app import ShopApp
from tests.tui.analytics_support import analytics_registry  # noqa: F401
from tests.tui.conftest import settle, until


async def _trend(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("ctrl+u")
    await until(pilot, lambda: all(p.data is not None for p in pilot.app.screen.panels))  # type: ignore[attr-defined]


async def _best_sellers_table(pilot: Pilot) -> None:
    await _trend(pilot)
    await pilot.press("2", "t")
    await settle(pilot)


def test_trend_chart_at_80x24(snap_compare: Any, tui_store: str, frozen_clock: object) -> None:
    app = ShopApp(db_url=tui_store, poll_seconds=600)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_trend)


def test_best_sellers_table_at_80x24(snap_compare: Any, tui_store: str, frozen_clock: object) -> None:
    app = ShopApp(db_url=tui_store, poll_seconds=600)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_best_sellers_table)
