"""Issue 15: the products, customers and stock reports, to the cent.

Each report is compared with the same figures computed here in plain Python from the store's rows (orders,
lines, refunds, stock levels and movements read one by one, the period applied with zoneinfo), and with
numbers worked out by hand from the history in ``insight_fixture``. RFM scores and the cohort triangle are
checked on hand-made inputs with ties.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from sqlmodel import select

from shoptui import db
from shoptui.errors import InvalidInput, NotFound
from shoptui.models.catalog import Product, Variant
from shoptui.models.inventory import StockLevel, StockLocation, StockMovement
from shoptui.models.orders import Order, OrderLine, OrderRefund, OrderRefundLine
from shoptui.services import analytics
from shoptui.services.analytics.basis import make_period
from shoptui.services.analytics.customers import age_band
from shoptui.services.analytics.rfm import RFM_RULES, quintile_scores, segment_of
from tests.services.insight_fixture import NOVEMBER, TZ, Shop, shop_fixture

START, END = NOVEMBER


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, template_store: str) -> Iterator[Shop]:
    yield from shop_fixture(tmp_path_factory, template_store)


# ---------------------------------------------------------------- the independent computation


@dataclass
class Raw:
    orders: dict[int, Order]
    lines: list[OrderLine]
    refunds: dict[int, OrderRefund]
    refund_lines: list[OrderRefundLine]
    variants: dict[int, Variant]
    products: dict[int, Product]
    levels: list[StockLevel]
    moves: list[StockMovement]
    locations: dict[int, StockLocation]


def read_raw(url: str) -> Raw:
    with db.read_session(url) as s:
        raw = Raw(
            orders={o.id: o for o in s.exec(select(Order))},
            lines=list(s.exec(select(OrderLine))),
            refunds={r.id: r for r in s.exec(select(OrderRefund))},
            refund_lines=list(s.exec(select(OrderRefundLine))),
            variants={v.id: v for v in s.exec(select(Variant))},
            products={p.id: p for p in s.exec(select(Product))},
            levels=list(s.exec(select(StockLevel))),
            moves=list(s.exec(select(StockMovement))),
            locations={loc.id: loc for loc in s.exec(select(StockLocation))},
        )
        s.expunge_all()  # plain objects after the read session ends
    return raw


def day(at: datetime) -> date:
    return at.astimezone(TZ).date()


def is_sale(order: Order) -> bool:
    return order.status != "cancelled" and not (order.status == "open" and order.payment_status == "unpaid")


def expected_by_sku(raw: Raw, start: date = START, end: date = END) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    order_ids: dict[str, set[int]] = defaultdict(set)
    for line in raw.lines:
        order = raw.orders[line.order_id]
        if not (is_sale(order) and start <= day(order.created_at) <= end):
            continue
        variant = raw.variants[line.variant_id]
        row = out[variant.sku]
        row["units"] += line.quantity
        row["gross_sales"] += line.quantity * line.unit_price_minor
        row["discounts"] += line.quantity * line.unit_price_minor - line.net_minor
        row["cost"] += line.quantity * (variant.cost_minor or 0)
        order_ids[variant.sku].add(order.id)
    by_line = {line.id: line for line in raw.lines}
    for part in raw.refund_lines:
        refund, order = raw.refunds[part.batch], raw.orders[part.order_id]
        if order.status == "cancelled" or not start <= day(refund.at) <= end:
            continue
        variant = raw.variants[by_line[part.line_id].variant_id]
        out[variant.sku]["returns"] += part.amount_minor
        out[variant.sku]["cost"] -= part.quantity * (variant.cost_minor or 0)
    for sku, row in out.items():
        row["orders"] = len(order_ids[sku])
        row["net_sales"] = row["gross_sales"] - row["discounts"] - row["returns"]
    return out


# ---------------------------------------------------------------- products


def test_products_equal_the_independent_computation(shop: Shop) -> None:
    raw = read_raw(shop.url)
    expected = expected_by_sku(raw)
    with db.read_session(shop.url) as s:
        report = analytics.products_report(session=s, start=START, end=END, top=100)
    got = {r.sku: r.figures for r in report.rows}
    assert set(got) == set(expected) == {"TEE-01", "MUG-01", "CAP-01"}
    for sku, want in expected.items():
        f = got[sku]
        assert (f.units, f.orders, f.gross_sales, f.discounts, f.returns, f.cost, f.net_sales) == (
            want["units"],
            want["orders"],
            want["gross_sales"],
            want["discounts"],
            want["returns"],
            want["cost"],
            want["net_sales"],
        ), sku
    for name in ("units", "orders", "gross_sales", "discounts", "returns", "cost"):
        assert getattr(report.total, name) == sum(getattr(r.figures, name) for r in report.rows)


def test_products_by_hand(shop: Shop) -> None:
    with db.read_session(shop.url) as s:
        report = analytics.products_report(session=s, start=START, end=END)
    rows = {r.sku: r for r in report.rows}
    tee, mug, cap = rows["TEE-01"], rows["MUG-01"], rows["CAP-01"]
    # o3 (00:10 on Nov 1) counts, o2 (23:30 on Oct 31), o6 (cancelled), o7 (unpaid) and o10 (Dec 1) do not
    assert (tee.figures.units, mug.figures.units, cap.figures.units) == (5, 6, 2)
    assert tee.figures.returns == 9900  # the October order refunded on Nov 8
    assert mug.figures.returns == 0  # refunded on Dec 2: after the period
    assert report.total.gross_sales == 5 * 9900 + 6 * 3550 + 2 * 1000 == 72800
    assert report.total.discounts == 1000 + 500
    assert report.total.net_sales == 72800 - 1500 - 9900 == 61400
    assert tee.figures.cost == 5 * 4000 - 4000 and mug.figures.cost == 6 * 1200 and cap.figures.cost == 0
    assert report.total.gross_margin == 61400 - 23200
    assert [r.sku for r in report.rows] == ["TEE-01", "MUG-01", "CAP-01"]  # by net sales, most first
    # on hand today: TEE 50 - 8 sold ever = 42, MUG 30 - 6 = 24, CAP 20 - 2 = 18 (a refund does not restock)
    assert (tee.on_hand, mug.on_hand, cap.on_hand) == (42, 24, 18)
    assert (tee.days_of_cover, mug.days_of_cover, cap.days_of_cover) == (42 * 30 // 5, 24 * 30 // 6, 18 * 30 // 2)
    assert [(d.sku, d.on_hand, d.stock_value, d.last_sold, d.days_since_sale) for d in report.dead] == [
        ("DEAD-01", 7, 14000, None, None),
        ("OLD-01", 2, 1000, date(2026, 8, 15), 107),
    ]
    assert report.dead_value == 15000
    assert report.no_cost == 1  # CAP-01


def test_products_sorted_by_units_margin_slow_and_top(shop: Shop) -> None:
    with db.read_session(shop.url) as s:
        by_units = analytics.products_report(session=s, start=START, end=END, sort="units")
        slow = analytics.products_report(session=s, start=START, end=END, slow=True, sort="Units")
        top = analytics.products_report(session=s, start=START, end=END, top=1)
        margin = analytics.products_report(session=s, start=START, end=END, sort="margin")
    assert [r.sku for r in by_units.rows] == ["MUG-01", "TEE-01", "CAP-01"]
    # slow: every active variant, nothing sold first (ties by SKU)
    assert [r.sku for r in slow.rows][:3] == ["DEAD-01", "OLD-01", "CAP-01"]
    assert {r.sku for r in slow.rows} == {"DEAD-01", "OLD-01", "CAP-01", "MUG-01", "TEE-01"}
    assert [r.key for r in top.rows] == ["TEE-01", "(other)"]
    assert top.rows[1].figures.net_sales == top.total.net_sales - top.rows[0].figures.net_sales
    assert sum(r.figures.units for r in top.rows) == top.total.units == 13
    assert [r.figures.gross_margin for r in margin.rows] == sorted(
        (r.figures.gross_margin for r in margin.rows), reverse=True
    )


def test_a_closed_period_keeps_its_figures_when_refunds_come_later(shop: Shop) -> None:
    """The MUG-01 refunded on Dec 2 counts in December, never in November."""
    with db.read_session(shop.url) as s:
        december = analytics.products_report(session=s, start=date(2026, 12, 1), end=date(2026, 12, 5))
    mug = {r.sku: r for r in december.rows}["MUG-01"]
    refunded = expected_by_sku(read_raw(shop.url), date(2026, 12, 1), date(2026, 12, 5))["MUG-01"]["returns"]
    assert 0 < refunded < 3550  # one unit, less its share of o3's discount
    assert (mug.figures.units, mug.figures.returns, mug.figures.returned_units) == (0, refunded, 1)
    assert mug.figures.cost == -1200


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"days": 0}, "must be 1 to"),
        ({"days": -1}, "must be 1 to"),
        ({"days": 10**9}, "must be 1 to"),
        ({"start": date(2026, 12, 1), "end": date(2026, 11, 1)}, "is after the last day"),
        ({"start": date(2026, 11, 1), "days": 3}, "not both"),
        ({"sort": "profit"}, "Sort by revenue or units or margin"),
        ({"top": 0}, "--top takes"),
        ({"start": date(1, 1, 1), "end": date(2026, 1, 1)}, "at most"),
    ],
)
def test_bad_input_is_refused(shop: Shop, kwargs: dict[str, Any], message: str) -> None:
    with db.read_session(shop.url) as s, pytest.raises(InvalidInput, match=message):
        analytics.products_report(session=s, **kwargs)


def test_period_defaults_and_edges() -> None:
    period = make_period(TZ, end=date(2026, 11, 30), days=30)
    assert (period.start, period.days) == (date(2026, 11, 1), 30)
    assert period.lower.isoformat() == "2026-10-31T16:00:00+00:00"
    assert period.upper.isoformat() == "2026-11-30T16:00:00+00:00"
    assert make_period(TZ, start=date(2026, 3, 1), end=date(2026, 3, 1)).days == 1
    with pytest.raises(InvalidInput, match="before the calendar starts"):
        make_period(TZ, end=date(1, 1, 5), days=30)


# ---------------------------------------------------------------- customers


def test_quintile_scores_with_ties() -> None:
    values = [10, 20, 20, 30, 40, 40, 40, 50, 60, 70]
    assert quintile_scores(values) == [1, 1, 1, 2, 3, 3, 3, 4, 5, 5]
    assert quintile_scores([7, 7, 7]) == [1, 1, 1]
    assert quintile_scores([5]) == [1]
    assert quintile_scores([0, 5, 5, 9], higher_is_better=False) == [4, 2, 2, 1]
    # five different values get the five scores, in any order
    assert quintile_scores([50, 10, 40, 20, 30]) == [5, 1, 4, 2, 3]


def test_every_score_has_one_named_segment() -> None:
    for r, f, m in itertools.product(range(1, 6), repeat=3):
        holding = [rule.name for rule in RFM_RULES if rule.holds(r, f, m)]
        assert holding, (r, f, m)
        assert segment_of(r, f, m) == holding[0]
    assert segment_of(5, 5, 5) == "Champions" and segment_of(5, 5, 1) == "Loyal"
    assert segment_of(1, 1, 1) == "Hibernating" and segment_of(2, 4, 4) == "At risk"
    assert "Champions: R>=4 and F>=4 and M>=4" in analytics.rfm_help()


def test_segment_names_are_matched_loosely_and_unknown_ones_refused() -> None:
    assert analytics.rule_named("  at_RISK ").name == "At risk"
    assert analytics.rule_named("needs-attention").name == "Needs attention"
    with pytest.raises(NotFound, match="no customer segment 'Whales'. The segments are: Champions"):
        analytics.rule_named("Whales")


def test_age_bands() -> None:
    on = date(2026, 11, 30)
    assert age_band(date(2000, 12, 1), on) == "25-34"  # 25: the birthday is tomorrow
    assert age_band(date(2000, 11, 30), on) == "25-34"  # 26 today
    assert age_band(date(2008, 12, 1), on) == "under 18"  # 17
    assert age_band(date(2008, 11, 30), on) == "18-24"  # 18 today
    assert age_band(date(1961, 11, 30), on) == "65+"
    assert age_band(None, on) == age_band(date(2027, 1, 1), on) == "(unknown)"


def test_customers_by_hand(shop: Shop) -> None:
    a, c, d = (shop.customers[k] for k in "ACD")
    with db.read_session(shop.url) as s:
        report = analytics.customers_report(session=s, start=START, end=END)
    assert (report.customers, report.repeat_customers, report.repeat_rate_bp) == (3, 1, 3333)
    assert (report.guest_orders, report.guest_net_sales) == (1, 9900 + 2000)
    split = {row.key: (row.customers, row.orders, row.net_sales) for row in report.new_returning}
    a_net = (2 * 9900 + 3550 - 1000) + (2 * 3550 + 9900)
    assert split == {"new": (2, 2, 3 * 3550 - 500 + 9900), "returning": (1, 2, a_net), "guest": (0, 1, 11900)}
    scored = {c.customer_id: c for c in report.scored}
    assert set(scored) == {a, c, d}
    assert (scored[a].recency_days, scored[c].recency_days, scored[d].recency_days) == (10, 25, 0)
    assert (scored[a].score, scored[c].score, scored[d].score) == ("244", "112", "411")
    assert (scored[a].segment, scored[c].segment, scored[d].segment) == ("At risk", "Hibernating", "New")
    assert scored[a].member and not scored[d].member
    segments = {row.key: (row.customers, row.members, row.orders, row.net_sales) for row in report.segments}
    assert segments["At risk"] == (1, 1, 2, a_net)
    assert segments["New"] == (1, 0, 1, 9900)
    assert sum(row.customers for row in report.segments) == report.customers
    assert [m.customer_id for m in report.members_of("at risk")] == [a]
    assert [(row.key, row.members, row.customers, row.orders, row.net_sales) for row in report.by_age] == [
        ("25-34", 1, 0, 0, 0),
        ("35-44", 1, 1, 2, a_net),
        ("(unknown)", 1, 1, 1, 3 * 3550 - 500),
    ]
    assert [row.key for row in report.by_gender] == ["female", "male", "(unknown)"]
    assert [(row.key, row.net_sales) for row in report.by_region] == [
        ("上海", a_net),
        ("江苏", 0),
        ("(unknown)", 3 * 3550 - 500),
    ]
    with db.read_session(shop.url) as s:
        assert analytics.rfm_customers(session=s, segment="New", start=START, end=END) == [d]


def test_customers_equal_the_independent_computation(shop: Shop) -> None:
    raw = read_raw(shop.url)
    orders_of: dict[int | None, int] = defaultdict(int)
    net_of: dict[int | None, int] = defaultdict(int)
    for order in raw.orders.values():
        if is_sale(order) and START <= day(order.created_at) <= END:
            orders_of[order.customer_id] += 1
            net_of[order.customer_id] += sum(li.net_minor for li in raw.lines if li.order_id == order.id)
    for part in raw.refund_lines:
        order = raw.orders[part.order_id]
        if order.status != "cancelled" and START <= day(raw.refunds[part.batch].at) <= END:
            net_of[order.customer_id] -= part.amount_minor
    with db.read_session(shop.url) as s:
        report = analytics.customers_report(session=s, start=START, end=END)
    assert {c.customer_id: (c.orders, c.net_sales) for c in report.scored} == {
        cid: (n, net_of[cid]) for cid, n in orders_of.items() if cid is not None
    }
    assert report.guest_net_sales == net_of[None]
    total = sum(row.net_sales for row in report.new_returning)
    assert total == sum(v for k, v in net_of.items() if k is None or k in orders_of)


def test_cohort_triangle_by_hand(shop: Shop) -> None:
    """B's first order is Sep 20 (then Oct 31, and Nov only unpaid); C's and D's are in November (D's
    cancelled order does not count); A's first order (August) is before the window."""
    with db.read_session(shop.url) as s:
        report = analytics.customers_report(session=s, start=date(2026, 9, 1), end=END)
    assert [(c.month, c.customers, c.active) for c in report.cohorts] == [
        ("2026-09", 1, [1, 1, 0]),
        ("2026-10", 0, [0, 0]),
        ("2026-11", 2, [2]),
    ]
    table = analytics.customers_tables(report)[-1]
    assert table.rows[0] == {"key": "2026-09", "customers": 1, "month_0": 10000, "month_1": 10000, "month_2": 0}
    assert table.rows[1]["month_0"] is None
    assert table.total == {"key": "total", "customers": 3, "month_0": 10000, "month_1": 10000, "month_2": 0}


# ---------------------------------------------------------------- stock


def test_stock_equals_the_independent_computation(shop: Shop) -> None:
    raw = read_raw(shop.url)
    lower_ok = lambda at: day(at) >= START  # noqa: E731
    after_end = lambda at: day(at) > END  # noqa: E731
    cost = {vid: v.cost_minor or 0 for vid, v in raw.variants.items()}
    now = {(lv.variant_id, lv.location_id): lv.on_hand for lv in raw.levels}
    since_start: dict[tuple[int, int], int] = defaultdict(int)
    since_end: dict[tuple[int, int], int] = defaultdict(int)
    for move in raw.moves:
        if lower_ok(move.at):
            since_start[(move.variant_id, move.location_id)] += move.quantity
        if after_end(move.at):
            since_end[(move.variant_id, move.location_id)] += move.quantity
    by_location: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for (vid, lid), units in now.items():
        code = raw.locations[lid].code
        row = by_location[code]
        row[0] += units
        row[1] += units * cost[vid]
        row[2] += (units - since_start[(vid, lid)]) * cost[vid]
        row[3] += (units - since_end[(vid, lid)]) * cost[vid]
    expected_cogs = sum(r["cost"] for r in expected_by_sku(raw).values())
    with db.read_session(shop.url) as s:
        report = analytics.stock_report(session=s, start=START, end=END)
    got = {
        r.key: [r.figures.on_hand, r.figures.stock_value, r.figures.opening_value, r.figures.closing_value]
        for r in report.by_location
    }
    assert got == dict(by_location)
    assert report.total.cogs == expected_cogs == 23200
    assert sum(r.figures.cogs for r in report.by_location) == sum(r.figures.cogs for r in report.by_category) == 23200
    for field in ("on_hand", "stock_value", "opening_value", "closing_value", "units_sold"):
        assert getattr(report.total, field) == sum(getattr(r.figures, field) for r in report.by_category), field


def test_stock_by_hand(shop: Shop) -> None:
    with db.read_session(shop.url) as s:
        report = analytics.stock_report(session=s, start=START, end=END)
    total = report.total
    assert total.on_hand == 42 + 24 + 18 + 7 + 2
    assert total.stock_value == 42 * 4000 + 24 * 1200 + 7 * 2000 + 2 * 500 == 211800
    assert total.closing_value == 211800 + 4000  # o10 (Dec 1) had not left yet
    assert total.opening_value == 48 * 4000 + 30 * 1200 + 7 * 2000 + 2 * 500 == 243000  # CAP-01 has no cost
    assert total.units_sold == 13
    assert str(total.turnover) == "0.10"  # 23200 / ((243000 + 215800) / 2)
    assert total.average_value == 229400
    assert report.total_days_of_cover == 215  # 93 * 30 / 13 = 214.6
    assert total.no_cost == 1
    categories = {r.label: r for r in report.by_category}
    assert set(categories) == {"Clothing", "Kitchen", "no category"}
    assert categories["Kitchen"].figures.stock_value == 24 * 1200 + 7 * 2000
    assert categories["Kitchen"].figures.cogs == 6 * 1200
    back = {r.key: r for r in report.by_location}["BACK"]
    assert (back.figures.on_hand, back.figures.units_sold) == (9 + 3, 3)
