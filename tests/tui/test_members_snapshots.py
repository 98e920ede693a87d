"""80x24 snapshots of the members list and a member's profile (frozen clock, four known members)."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from shoptui.tui.app import ShopApp
from tests.tui.conftest import settle
from tests.tui.members_support import members_registry, members_store, open_members  # noqa: F401  (fixtures)


async def _open_list(pilot: Pilot) -> None:
    await open_members(pilot)
    await pilot.press("down", "down")  # Wang Fang: points, store credit, an order
    await settle(pilot)


async def _open_profile(pilot: Pilot) -> None:
    await _open_list(pilot)
    await pilot.press("enter")
    await settle(pilot, rounds=5)


def test_members_list_snapshot(snap_compare: Any, members_store: str, frozen_clock: object) -> None:  # noqa: F811
    app = ShopApp(db_url=members_store, poll_seconds=600)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open_list)


def test_member_profile_snapshot(snap_compare: Any, members_store: str, frozen_clock: object) -> None:  # noqa: F811
    app = ShopApp(db_url=members_store, poll_seconds=600)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open_profile)


def test_member_points_ledger_snapshot(snap_compare: Any, members_store: str,  # noqa: F811
                                       frozen_clock: object) -> None:
    async def points(pilot: Pilot) -> None:
        await _open_profile(pilot)
        await pilot.press("3")
        await settle(pilot)

    app = ShopApp(db_url=members_store, poll_seconds=600)
    assert snap_compare(app, terminal_size=(80, 24), run_before=points)
