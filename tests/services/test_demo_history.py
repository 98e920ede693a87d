"""The demo tells a story (issue 15): a year of orders across channels and regions, members, offers and returns,
placed through the real services so `db check` passes; today's cards are not zero; the access log parses.

One demo store per module (catalogue, stock and history loaded once at the frozen time); the tests read it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shoptui import clock, db
from shoptui.services import shop
from shoptui.services.catalog import transfer as catalog_io
from shoptui.services.inventory import demo as inventory_demo
from shoptui.services.orders import demo
from shoptui.services.orders.figures import order_figures
from tests.conftest import CLERK, FROZEN_AT
from tests.store_files import rows, store_copy

SHANGHAI = ZoneInfo("Asia/Shanghai")
COMBINED = re.compile(r'^(\S+) - - \[(\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "GET (\S+) HTTP/1\.1" (\d{3}) (\d+) '
                      r'"([^"]*)" "([^"]+)"$')


@pytest.fixture(scope="module")
def demo_store(template_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, demo.DemoHistoryReport]]:
    """The demo catalogue, stock and story, loaded in one transaction at FROZEN_AT (as `demo load` does)."""
    for url in store_copy(template_store, tmp_path_factory.mktemp("demo-story"), "story.db"):
        with clock.frozen(FROZEN_AT), db.transaction(url) as session:
            catalog_io.load_demo(session=session, actor=CLERK)
            inventory_demo.load_demo_stock(session=session, actor=CLERK)
            report = demo.load_demo_history(session=session, actor=CLERK)
        yield url, report
        db.dispose_all()


def test_db_check_passes_after_the_story(demo_store: tuple[str, demo.DemoHistoryReport]) -> None:
    url, _ = demo_store
    with db.read_session(url) as session:
        results = shop.run_checks(session=session)
    assert [r for r in results if r.problems] == []
    assert len(results) > 5  # the ledger, order totals, points, ... invariants all ran


def test_a_year_of_orders_across_channels_regions_and_members(demo_store: tuple[str, demo.DemoHistoryReport]) -> None:
    url, report = demo_store
    orders = rows(url, "SELECT created_at, channel, ship_province, ship_city, customer_id, status, sales_region "
                       "FROM sales_order")
    assert report.orders_imported + report.orders_placed == len(orders)
    assert 2_000 <= report.orders_imported <= 6_000
    assert report.members == demo.MEMBERS
    placed = [_utc(row[0]) for row in orders]
    assert min(placed) <= FROZEN_AT - timedelta(days=360)
    assert max(placed) <= FROZEN_AT  # nothing in the future
    channels = {row[1] for row in orders}
    assert {"web", "marketplace", "counter", "phone", "chat"} <= channels
    cities = {row[3] for row in orders}
    assert {"上海", "深圳", "杭州", "成都"} <= cities
    assert any("上海" in row[2] for row in orders) and any("广东" in row[2] for row in orders)
    assert {"华东", "华南"} <= {row[6] for row in orders}  # the history keeps its sales regions apart from provinces
    members_ordering = {row[4] for row in orders if row[4] is not None}
    assert len(members_ordering) >= demo.MEMBERS * 3 // 4
    statuses = {row[5] for row in orders}
    assert {"completed", "cancelled", "open"} <= statuses
    # the festivals stand out: 双11 sold more orders than the average day of the year
    local_days = [at.astimezone(SHANGHAI).date() for at in placed]
    singles_day = datetime(2026, 11, 11).date()
    assert local_days.count(singles_day) > 2 * len(local_days) / 366


def test_offers_and_returns_went_through_the_services(demo_store: tuple[str, demo.DemoHistoryReport]) -> None:
    url, report = demo_store
    kinds = {row[0] for row in rows(url, "SELECT kind FROM order_adjustment")}
    assert "coupon" in kinds or any(row[0] == "WELCOME10" for row in rows(url, "SELECT ref FROM order_adjustment"))
    assert rows(url, "SELECT count(*) FROM order_line WHERE line_discount_minor > 0")[0][0] > 0
    assert report.promotions == 2 and report.coupons == 1
    refunded = rows(url, "SELECT count(*) FROM order_return WHERE status = 'refunded'")[0][0]
    assert refunded == report.returns == 3
    assert rows(url, "SELECT count(*) FROM order_refund WHERE return_id IS NOT NULL")[0][0] == 3
    # live hand-overs moved stock through the ledger (history moves none)
    assert rows(url, "SELECT count(*) FROM stock_movement WHERE ref_kind = 'order'")[0][0] > 0


def test_todays_cards_are_not_zero(demo_store: tuple[str, demo.DemoHistoryReport]) -> None:
    url, _ = demo_store
    with clock.frozen(FROZEN_AT), db.read_session(url) as session:
        figures = order_figures(session=session)
    assert figures.orders_today > 0 and figures.sales_today_minor > 0
    assert figures.to_ship > 0 and figures.unpaid > 0 and figures.average_order_minor > 0


def test_the_access_log_is_combined_format_seeded_and_ends_now() -> None:
    text = demo.demo_access_log(now=FROZEN_AT, tz=SHANGHAI)
    assert text == demo.demo_access_log(now=FROZEN_AT, tz=SHANGHAI)  # the same day gives the same file
    lines = text.splitlines()
    assert len(lines) > 5_000
    parsed = [COMBINED.match(line) for line in lines]
    assert all(parsed), next(line for line, m in zip(lines, parsed, strict=True) if not m)
    stamps = [datetime.strptime(m.group(2), "%d/%b/%Y:%H:%M:%S %z") for m in parsed if m]
    assert max(stamps) <= FROZEN_AT and min(stamps) >= FROZEN_AT - timedelta(days=demo.ACCESS_LOG_DAYS)
    assert stamps == sorted(stamps) or max(stamps).date() == FROZEN_AT.astimezone(SHANGHAI).date()
    assert any("Googlebot" in line for line in lines) and any('" 404 ' in line for line in lines)
    assert any("utm_medium=social" in line for line in lines) and any("utm_medium=email" in line for line in lines)
    assert any("utm_medium=cpc" in line for line in lines) and any("baidu.com" in line for line in lines)


def test_no_catalogue_no_story(store: str) -> None:
    with clock.frozen(FROZEN_AT), db.transaction(store) as session:
        report = demo.load_demo_history(session=session, actor=CLERK)
    assert report == demo.DemoHistoryReport(0, 0, 0, 0, 0, 0)
    assert rows(store, "SELECT count(*) FROM sales_order")[0][0] == 0


def test_demo_files_name_the_log(demo_store: tuple[str, demo.DemoHistoryReport], tmp_path: Path) -> None:
    url, _ = demo_store
    with clock.frozen(FROZEN_AT), db.read_session(url) as session:
        files = demo.demo_files(session=session)
    assert [f.name for f in files] == [demo.ACCESS_LOG_NAME]
    assert "traffic import" in files[0].hint and files[0].text.endswith("\n")


def _utc(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
