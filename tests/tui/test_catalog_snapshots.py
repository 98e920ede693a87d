"""80x24 snapshots of the products list and the product form (frozen clock, demo catalogue)."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from shoptui.tui.app import ShopApp
from tests.tui.conftest import settle
from tests.tui.test_catalog_screen import catalog_registry, demo_store, demo_template  # noqa: F401  (fixtures)


async def _open_products(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("f2")
    await settle(pilot, rounds=5)


async def _steady_cursor(pilot: Pilot) -> None:
    """A blinking cursor is on or off depending on when the picture is taken: keep it on."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def test_products_list_snapshot(snap_compare: Any, demo_store: str, frozen_clock: object) -> None:  # noqa: F811
    app = ShopApp(db_url=demo_store, poll_seconds=600)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open_products)


def test_product_form_snapshot(snap_compare: Any, demo_store: str, frozen_clock: object) -> None:  # noqa: F811
    async def open_form(pilot: Pilot) -> None:
        await _open_products(pilot)
        await pilot.press("down", "down", "down")  # Basic tee: options and eight variants
        await pilot.press("e")
        await settle(pilot, rounds=5)
        await _steady_cursor(pilot)

    app = ShopApp(db_url=demo_store, poll_seconds=600)
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_form)


def test_product_form_errors_snapshot(snap_compare: Any, demo_store: str, frozen_clock: object) -> None:  # noqa: F811
    async def refuse(pilot: Pilot) -> None:
        await _open_products(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Scarf", "tab")
        form = pilot.app.screen
        row = form.query("VariantRow").first()
        index = row.draft.index  # type: ignore[attr-defined]
        form.query_one(f"#v{index}-sku").value = "SCARF-01"  # type: ignore[attr-defined]
        form.query_one(f"#v{index}-price").value = "12.345"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=5)
        pilot.app.clear_notifications()
        await pilot.pause()
        await _steady_cursor(pilot)

    app = ShopApp(db_url=demo_store, poll_seconds=600)
    assert snap_compare(app, terminal_size=(80, 24), run_before=refuse)
