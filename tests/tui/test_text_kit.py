"""The screen kit's text helpers: one table cell and one signed count for every screen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shoptui.tui.store_view import StoreView
from shoptui.tui.text import cell, percent, signed


@pytest.mark.parametrize("width", [2, 5, 12])
def test_a_cell_is_exactly_its_width_with_a_gap(width: int) -> None:
    for value in ("", "ab", "a much longer product title than fits"):
        left, right = cell(value, width), cell(value, width, right=True)
        assert left.cell_len == width and right.cell_len == width
        assert left.plain.endswith(" ") and right.plain.endswith(" ")


def test_a_long_value_is_cut_with_an_ellipsis_and_never_parsed_as_markup() -> None:
    assert cell("[bold]Basic tee[/bold]", 10).plain == "[bold]Ba… "
    assert cell("12.50", 8, right=True).plain == "  12.50 "
    assert cell("x", 4, style="bold").style == "bold"


def test_signed_counts() -> None:
    assert [signed(5), signed(-3), signed(0)] == ["+5", "-3", "0"]


def test_percentages_from_basis_points() -> None:
    assert [percent(1300), percent(1250), percent(1255), percent(5), percent(0)] == ["13%", "12.5%", "12.55%",
                                                                                      "0.05%", "0%"]


def test_the_store_view_shows_moments_in_the_store_zone() -> None:
    view = StoreView(currency="CNY", digits=2, timezone="Asia/Shanghai", loaded=True)
    at = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 2026-12-01 00:00 in Shanghai
    assert view.when(at) == "2026-12-01 00:00" and view.day(at) == "2026-12-01"
    assert view.clock(at) == "00:00" and view.clock(None) == "–"
    assert view.last_day(at) == "2026-11-30" and view.last_day(at, year=False) == "11-30"  # ends at midnight
    assert view.last_day(at + timedelta(hours=9)) == "2026-12-01"
    assert view.money(1250) == "12.50" and view.money(None) == "–"
    currency = view.money_type
    assert (currency.code, currency.digits) == ("CNY", 2)


def test_every_domain_meta_formats_through_the_one_store_view() -> None:
    """The members, marketing and sale screens keep the shell's view, not their own currency or zone."""
    from shoptui.tui.screens.inventory.common import StockMeta
    from shoptui.tui.screens.marketing.common import MarketingMeta
    from shoptui.tui.screens.members.common import MembersMeta
    from shoptui.tui.screens.orders.common import OrdersMeta
    from shoptui.tui.screens.sale.screen import SaleMeta

    view = StoreView(currency="JPY", digits=0, timezone="Asia/Tokyo", loaded=True)
    for meta_type in (StockMeta, MarketingMeta, MembersMeta, OrdersMeta, SaleMeta):
        meta = meta_type(store=view)
        assert meta.store.money(1250) == "1250"
        for own in ("money", "when", "day", "currency", "digits", "timezone", "tz"):
            assert not hasattr(meta, own), f"{meta_type.__name__}.{own} copies the store view"
