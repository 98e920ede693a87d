"""The shell's snapshots at 80x24: every real module on the demo store (catalogue and stock), frozen clock.

Update with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at the SVGs first.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot

from shoptui import clock, db
from shoptui.services.inventory import demo
from shoptui.services.shop import settings
from shoptui.tui.app import ShopApp
from tests.conftest import CLERK, FROZEN_AT
from tests.store_files import store_copy
from tests.tui.conftest import quiet, settle
from tests.tui.test_catalog_screen import demo_template  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def core_registry() -> Iterator[None]:
    """The real registry (this overrides the core + fake one of tests/tui/conftest.py): the real cards and sidebar."""
    settings.definitions.cache_clear()
    yield
    settings.definitions.cache_clear()


@pytest.fixture
def app(demo_template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ShopApp]:  # noqa: F811
    """The app on a copy of the demo store with the demo stock booked (at the frozen time).

    The dashboard's 30-day sales strip reads the sales report; this store has no orders, so it is read as a
    report without rows (what ``analytics.sales_report`` gives for it), whether or not the reports are installed.
    """
    from types import SimpleNamespace

    from shoptui.tui.screens.analytics import data

    monkeypatch.setattr(data, "sales", lambda session, **_: SimpleNamespace(rows=[]))
    for url in store_copy(demo_template, tmp_path, "demo.db"):
        with clock.frozen(FROZEN_AT), db.transaction(url) as session:
            demo.load_demo_stock(session=session, actor=CLERK)
        yield ShopApp(db_url=url, poll_seconds=600)




def test_dashboard_at_80x24(snap_compare, app: ShopApp, still_clock: datetime) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app, terminal_size=(80, 24), run_before=quiet)


def test_settings_at_80x24(snap_compare, app: ShopApp, still_clock: datetime) -> None:  # type: ignore[no-untyped-def]
    async def open_settings(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("f10")
        await quiet(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_settings)
