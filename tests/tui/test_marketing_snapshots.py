"""80x24 snapshots of the promotions list and the promotion form (frozen clock, known promotions)."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from shoptui.tui.app import ShopApp
from tests.tui.conftest import settle
from tests.tui.marketing_support import fill, marketing_registry, marketing_store, open_marketing  # noqa: F401


async def _open_list(pilot: Pilot) -> None:
    await open_marketing(pilot)
    await pilot.press("down", "down", "down")  # 满200减20: used once, with its report
    await settle(pilot)


async def _open_form(pilot: Pilot) -> None:
    await open_marketing(pilot)
    await pilot.press("n")
    await settle(pilot)
    await fill(pilot, name="满300减30", steps="300:30, 600:80", cap="100")
    pilot.app.screen.rows["kind"].widget.focus()  # type: ignore[attr-defined]  (no blinking cursor in the picture)
    await settle(pilot)


def test_promotions_list_snapshot(snap_compare: Any, marketing_store: str, frozen_clock: object) -> None:  # noqa: F811
    app = ShopApp(db_url=marketing_store, poll_seconds=600)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open_list)


def test_promotion_form_snapshot(snap_compare: Any, marketing_store: str, frozen_clock: object) -> None:  # noqa: F811
    app = ShopApp(db_url=marketing_store, poll_seconds=600)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open_form)
