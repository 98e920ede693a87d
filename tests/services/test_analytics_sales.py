"""The sales report equals an independent computation over the same orders, to the cent, for every breakdown.

One store per module: orders over several days, months, regions, channels and payments, with a promotion, a
coupon, a manual discount, members, a cost that changes between two sales, a cancelled and an unpaid order, a
refund inside the period and one after it. The test reads the orders back as rows and computes every figure
in plain Python (its own rules, not the service's SQL nor the figures orders keep for the reports).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from shoptui import clock, db
from shoptui.config import Actor
from shoptui.errors import InvalidInput
from shoptui.models.catalog import Product, Variant
from shoptui.models.members import Member, MemberTierChange
from shoptui.models.orders import Order, OrderAdjustment, OrderLine, OrderPayment, OrderRefund, OrderRefundLine
from shoptui.services import analytics, catalog, marketing, members, orders, shop
from tests.store_files import store_copy

CLERK = Actor(name="clerk", source="test")
BOSS = Actor(name="boss", source="test")
TZ = ZoneInfo("Asia/Shanghai")
REGIONS = {"华东": ["上海", "江苏", "浙江"], "South": ["Guangdong", "Hainan"]}
PERIOD = (date(2026, 1, 1), date(2026, 3, 31))  # the closed quarter; a refund follows on 2 May
LATER = (date(2026, 1, 1), date(2026, 5, 31))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _create(s: Session, moment: str, actor: Actor = CLERK, **kwargs: Any) -> str:
    with clock.frozen(at(moment)):
        lines = [orders.DraftLine(sku=sku, quantity=qty) for sku, qty in kwargs.pop("items")]
        return orders.create_order(session=s, actor=actor, draft=orders.OrderDraft(lines=lines, **kwargs)).number


@pytest.fixture(scope="module")
def url(template_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture store (built once for the module)."""
    for found in store_copy(template_store, tmp_path_factory.mktemp("analytics"), "shop.db"):
        with db.transaction(found) as s, clock.frozen(at("2025-12-01T00:00:00")):
            _build(s)
        yield found


NUMBERS: dict[str, str] = {}


def _build(s: Session) -> None:
    import json

    shop.set_value(session=s, actor=CLERK, key="sales_regions", raw=json.dumps(REGIONS, ensure_ascii=False))
    clothes = catalog.create_category(session=s, actor=CLERK, name="Clothes").id
    kitchen = catalog.create_category(session=s, actor=CLERK, name="Kitchen").id
    for sku, price, cost, category, title in (
        ("TEE-01", 9900, 4000, clothes, "Basic tee"),
        ("MUG-01", 3550, 1200, kitchen, "Mug"),
        ("CAP-01", 1000, None, None, "Cap"),
    ):
        catalog.create_product(
            session=s,
            actor=CLERK,
            data=catalog.ProductCreate(
                title=title,
                status="active",
                category_id=category,
                variants=[catalog.VariantInput(sku=sku, price_minor=price, cost_minor=cost, track_stock=False)],
            ),
        )
    alice = members.add_member(session=s, actor=CLERK, data=members.MemberCreate(name="Alice", phone="13800138000"))
    bob = members.add_customer(session=s, actor=CLERK, data=members.CustomerCreate(name="Bob", phone="13900139000"))
    marketing.add_promotion(
        session=s,
        actor=CLERK,
        data=marketing.PromotionInput(
            name="Spend 300 save 30", kind="spend_save", steps=[(30000, 3000)], starts_at=at("2025-12-01T00:00:00")
        ),
    )
    marketing.add_coupon(
        session=s,
        actor=CLERK,
        data=marketing.CouponInput(
            name="Ten off", kind="amount", amount_minor=1000, code="SAVE10", valid_from=at("2025-12-01T00:00:00")
        ),
    )
    shanghai = members.AddressInput(recipient="A", country="CN", region="上海", city="上海", street="1 Road")
    canton = members.AddressInput(recipient="B", country="CN", region="Guangdong", city="Shenzhen", street="2 Road")
    sichuan = members.AddressInput(recipient="C", country="CN", region="四川", city="成都", street="3 Road")
    paid = [orders.DraftPayment(method="mobile")]
    # a year before (for --compare year)
    NUMBERS["year_before"] = _create(
        s,
        "2025-01-10T03:00:00",
        items=[("TEE-01", 1)],
        channel="web",
        payments=paid,
        customer=str(alice.id),
        ship_to=shanghai,
    )
    # January: Alice on the web (the promotion applies: 2 x 99 + 35.50 = 233.50 < 300, so not), Bob by phone
    NUMBERS["a1"] = _create(
        s,
        "2026-01-05T02:00:00",
        items=[("TEE-01", 2), ("MUG-01", 1)],
        channel="web",
        customer=str(alice.id),
        ship_to=shanghai,
        payments=paid,
        shipping_minor=1000,
    )
    NUMBERS["b1"] = _create(
        s,
        "2026-01-20T09:00:00",
        BOSS,
        items=[("CAP-01", 3)],
        channel="phone",
        customer=str(bob.id),
        ship_to=canton,
        adjustments=[orders.DraftAdjustment(kind="discount", label="regular", amount_minor=-500)],
        payments=[orders.DraftPayment(method="cash")],
    )
    # the last minute of 31 December in Shanghai is 15:59 UTC: January 1 starts at 16:00 UTC the day before
    NUMBERS["newyear"] = _create(s, "2025-12-31T16:30:00", items=[("MUG-01", 1)], channel="chat", payments=paid)
    # February: a guest with the coupon, a sales region of its own and a source; a big order gets the promotion
    NUMBERS["g1"] = _create(
        s,
        "2026-02-10T04:00:00",
        items=[("TEE-01", 1)],
        channel="web",
        guest_name="Guest",
        coupon_codes=["SAVE10"],
        sales_region="West",
        ship_to=sichuan,
        source="weibo",
        utm_source="weibo",
        utm_medium="social",
        utm_campaign="spring",
        payments=[orders.DraftPayment(method="card")],
    )
    NUMBERS["big"] = _create(
        s,
        "2026-02-14T06:00:00",
        items=[("TEE-01", 3), ("CAP-01", 1)],
        channel="web",
        customer=str(alice.id),
        ship_to=shanghai,
        payments=paid,
    )
    NUMBERS["cancelled"] = _create(s, "2026-02-15T06:00:00", items=[("TEE-01", 1)], channel="web", payments=paid)
    with clock.frozen(at("2026-02-15T07:00:00")):
        orders.cancel_order(session=s, actor=CLERK, number=NUMBERS["cancelled"], reason="changed mind", notify=False)
    # March: an unpaid open order, a split payment, a cost that changes, a refund in March and one in May
    NUMBERS["unpaid"] = _create(s, "2026-03-03T05:00:00", items=[("MUG-01", 1)], channel="phone", guest_name="Later")
    variant = s.exec(select(Variant).where(Variant.sku == "TEE-01")).one()
    variant.cost_minor = 5000
    s.add(variant)
    s.flush()
    NUMBERS["split"] = _create(
        s,
        "2026-03-10T05:00:00",
        items=[("TEE-01", 1), ("MUG-01", 2)],
        channel="web",
        customer=str(bob.id),
        ship_to=canton,
        payments=[orders.DraftPayment(method="card", amount_minor=5000), orders.DraftPayment(method="mobile")],
    )
    with clock.frozen(at("2026-03-12T05:00:00")):
        orders.refund(session=s, actor=CLERK, number=NUMBERS["split"], items=[("TEE-01", 1)], reason="too small")
    # 31 March 17:30 UTC is 1 April in Shanghai: an April sale
    NUMBERS["april"] = _create(
        s,
        "2026-03-31T17:30:00",
        items=[("MUG-01", 4)],
        channel="web",
        customer=str(alice.id),
        ship_to=shanghai,
        payments=paid,
    )
    NUMBERS["march_late"] = _create(s, "2026-03-20T05:00:00", items=[("MUG-01", 2)], channel="chat", payments=paid)
    with clock.frozen(at("2026-05-02T05:00:00")):
        orders.refund(session=s, actor=CLERK, number=NUMBERS["march_late"], items=[("MUG-01", 1)], reason="broken")


# ---------------------------------------------------------------- the independent computation


COSTS_WHEN_SOLD = {"TEE-01": 4000, "MUG-01": 1200, "CAP-01": 0}  # TEE-01 costs 5000 from 10 March on


def _cost_when_sold(sku: str, placed: datetime) -> int:
    if sku == "TEE-01" and placed >= at("2026-03-10T00:00:00"):
        return 5000
    return COSTS_WHEN_SOLD[sku]


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


TIME_KEYS = {
    "day": lambda d: d.isoformat(),
    "week": _week,
    "month": lambda d: f"{d.year}-{d.month:02d}",
    "quarter": lambda d: f"{d.year}-Q{(d.month + 2) // 3}",
    "year": lambda d: str(d.year),
}


def _region(order: Order) -> str:
    if order.sales_region:
        return order.sales_region
    for region, provinces in REGIONS.items():
        if order.ship_province in provinces:
            return region
    return "(none)"


def _first(items: list[Any], value: str, order_by: Any) -> str:
    if not items:
        return "(none)"
    return str(getattr(sorted(items, key=order_by)[0], value))


def _order_key(by: str, s: Session, order: Order, pays: list[OrderPayment], adjusts: list[OrderAdjustment]) -> str:
    if by in TIME_KEYS:
        raise AssertionError("time keys come from the day")
    if by == "region":
        return _region(order)
    simple = {
        "province": order.ship_province,
        "city": order.ship_city,
        "country": order.ship_country,
        "channel": order.channel,
        "staff": order.created_by,
        "source": order.source,
    }
    if by in simple:
        return simple[by] or "(none)"
    if by == "payment":
        return _first(pays, "method", lambda p: (-p.amount_minor, p.id))
    if by in ("promotion", "coupon"):
        ref = _first([a for a in adjusts if a.kind == by], "ref", lambda a: (a.amount_minor, a.id))
        return ref.partition(":")[2] if ref != "(none)" else ref
    if by == "customer":
        return str(order.customer_id) if order.customer_id is not None else "(none)"
    if by == "member-tier":  # the tier when placed: before the first change of the member's tier from then on
        member = s.exec(select(Member).where(Member.customer_id == order.customer_id)).first()
        if member is None:
            return "(none)"
        changes = s.exec(select(MemberTierChange).where(MemberTierChange.customer_id == member.customer_id,
                                                         MemberTierChange.at >= order.created_at)
                         .order_by(MemberTierChange.id)).first()
        tier = member.tier_code if changes is None else changes.from_code
        return tier or "(none)"
    raise AssertionError(by)


def _line_key(by: str, s: Session, line: OrderLine) -> str:
    variant = s.get(Variant, line.variant_id)
    assert variant is not None
    if by == "variant":
        return str(variant.id)
    if by == "product":
        return str(variant.product_id)
    product = s.get(Product, variant.product_id)
    assert product is not None
    return str(product.category_id) if product.category_id is not None else "(none)"


def expected(s: Session, by: str, start: date, end: date) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Rows by key and the total: orders, units, gross, discounts, returns, cost (minor units), computed here."""
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    total: dict[str, int] = defaultdict(int)
    order_sets: dict[str, set[tuple[int, int | None]]] = defaultdict(set)
    all_orders = {o.id: o for o in s.exec(select(Order))}
    for order in all_orders.values():
        counted = order.status != "cancelled" and not (order.status == "open" and order.payment_status == "unpaid")
        day = order.created_at.astimezone(TZ).date()
        if not counted or not start <= day <= end:
            continue
        lines = list(s.exec(select(OrderLine).where(OrderLine.order_id == order.id)))
        pays = list(s.exec(select(OrderPayment).where(OrderPayment.order_id == order.id)))
        adjusts = list(s.exec(select(OrderAdjustment).where(OrderAdjustment.order_id == order.id)))
        total["orders"] += 1
        total["shipping"] += order.shipping_minor
        total["tax"] += order.tax_minor
        for line in lines:
            gross = line.quantity * line.unit_price_minor
            cost = line.quantity * _cost_when_sold(line.sku, order.created_at)
            assert line.unit_cost_minor == _cost_when_sold(line.sku, order.created_at)
            if by in TIME_KEYS:
                key = TIME_KEYS[by](day)
            elif by in ("category", "product", "variant"):
                key = _line_key(by, s, line)
            else:
                key = _order_key(by, s, order, pays, adjusts)
            for name, value in (
                ("units", line.quantity),
                ("gross_sales", gross),
                ("discounts", gross - line.net_minor),
                ("cost", cost),
            ):
                rows[key][name] += value
                total[name] += value
            # by category, product or variant: for each variant in the row, the orders with a line of it
            order_sets[key].add((order.id or 0, line.variant_id if by in ("category", "product", "variant") else 0))
    for refund_line in s.exec(select(OrderRefundLine)):
        refund = s.get(OrderRefund, refund_line.batch)
        assert refund is not None
        day = refund.at.astimezone(TZ).date()
        order = all_orders[refund_line.order_id]
        if order.status == "cancelled" or not start <= day <= end:
            continue
        line = s.get(OrderLine, refund_line.line_id)
        assert line is not None
        if by in TIME_KEYS:
            key = TIME_KEYS[by](day)
        elif by in ("category", "product", "variant"):
            key = _line_key(by, s, line)
        else:
            key = _order_key(
                by,
                s,
                order,
                list(s.exec(select(OrderPayment).where(OrderPayment.order_id == order.id))),
                list(s.exec(select(OrderAdjustment).where(OrderAdjustment.order_id == order.id))),
            )
        back_cost = refund_line.quantity * (line.unit_cost_minor or 0)
        for target in (rows[key], total):
            target["returns"] += refund_line.amount_minor
            target["cost"] -= back_cost
    for key, ids in order_sets.items():
        rows[key]["orders"] = len(ids)
    return {k: dict(v) for k, v in rows.items()}, dict(total)


FIGURES = ("orders", "units", "gross_sales", "discounts", "returns", "cost")


def _figures(f: analytics.SalesFigures) -> dict[str, int]:
    return {name: getattr(f, name) for name in FIGURES}


def _filled(values: dict[str, int]) -> dict[str, int]:
    return {name: values.get(name, 0) for name in FIGURES}


@pytest.mark.parametrize("period", [PERIOD, LATER], ids=["closed-quarter", "with-may"])
@pytest.mark.parametrize("by", analytics.BREAKDOWNS)
def test_every_breakdown_equals_the_plain_computation(url: str, by: str, period: tuple[date, date]) -> None:
    with db.read_session(url) as s:
        report = analytics.sales_report(session=s, by=by, start=period[0], end=period[1])
        rows, total = expected(s, by, *period)
    got = {row.key: _figures(row.figures) for row in report.rows}
    assert got == {key: _filled(values) for key, values in rows.items()}
    assert _figures(report.total) == _filled(total)
    assert (report.total.shipping, report.total.tax) == (total["shipping"], total["tax"])
    # the rows add up to the total exactly (orders too, except where an order's lines fall in several rows)
    for name in FIGURES:
        if name == "orders" and by in ("category", "product", "variant"):
            continue
        assert sum(getattr(row.figures, name) for row in report.rows) == getattr(report.total, name), name
    assert report.total.net_sales == total["gross_sales"] - total["discounts"] - total["returns"]
    # the sort: by key for time, by net sales (most first) otherwise
    keys = [row.key for row in report.rows]
    if by in analytics.TIME_BREAKDOWNS:
        assert keys == sorted(keys)
    else:
        nets = [row.figures.net_sales for row in report.rows]
        assert nets == sorted(nets, reverse=True)


def test_the_fixture_has_what_the_report_must_handle(url: str) -> None:
    """Guards the test itself: discounts of every kind, both refunds, a cancelled and an unpaid order."""
    with db.read_session(url) as s:
        kinds = {a.kind for a in s.exec(select(OrderAdjustment))}
        assert {"promotion", "coupon", "discount"} <= kinds
        assert len(list(s.exec(select(OrderRefund)))) >= 2
        statuses = {(o.status, o.payment_status) for o in s.exec(select(Order))}
        assert any(status == "cancelled" for status, _ in statuses) and ("open", "unpaid") in statuses


def test_a_refund_after_the_period_leaves_the_closed_period_alone(url: str) -> None:
    with db.read_session(url) as s:
        march = analytics.sales_report(session=s, by="month", start=date(2026, 3, 1), end=date(2026, 3, 31))
        may = analytics.sales_report(session=s, by="month", start=date(2026, 5, 1), end=date(2026, 5, 31))
        net = s.exec(
            select(OrderLine.net_minor)
            .join(Order, Order.id == OrderLine.order_id)  # type: ignore[arg-type]
            .where(Order.number == NUMBERS["march_late"])
        ).one()
    # March keeps the sale whole: its only refund there is the tee of 12 March (99.00, cost 50.00)
    assert march.total.returns == 9900
    assert march.total.gross_sales == 9900 + 2 * 3550 + 2 * 3550  # split and march_late; the unpaid one is not in
    # May holds the later refund and no sales
    assert may.total.orders == 0 and may.total.gross_sales == 0
    assert may.total.returns == net // 2 == 3550 and may.total.cost == -1200
    assert [r.key for r in may.rows] == ["2026-05"]


def test_the_local_day_decides_and_unpaid_orders_are_listed_apart(url: str) -> None:
    with db.read_session(url) as s:
        report = analytics.sales_report(session=s, by="day", start=date(2026, 1, 1), end=date(2026, 4, 1))
    assert "2026-01-01" in {r.key for r in report.rows}  # 31 Dec 16:30 UTC is New Year's Day in Shanghai
    assert "2026-04-01" in {r.key for r in report.rows}
    assert report.unpaid_count == 1 and [u.number for u in report.unpaid] == [NUMBERS["unpaid"]]
    assert report.unpaid_minor == 3550
    assert all(r.figures.units != 1 or r.key != "2026-03-03" for r in report.rows)


def test_keys_labels_and_skus(url: str) -> None:
    with db.read_session(url) as s:
        by_variant = analytics.sales_report(session=s, by="variant", start=PERIOD[0], end=PERIOD[1])
        by_product = analytics.sales_report(session=s, by="product", start=PERIOD[0], end=PERIOD[1])
        by_region = analytics.sales_report(session=s, by="region", start=PERIOD[0], end=PERIOD[1])
        by_coupon = analytics.sales_report(session=s, by="coupon", start=PERIOD[0], end=PERIOD[1])
        by_week = analytics.sales_report(session=s, by="week", start=date(2026, 1, 1), end=date(2026, 1, 10))
        by_quarter = analytics.sales_report(session=s, by="quarter", start=date(2025, 1, 1), end=PERIOD[1])
    assert {r.sku for r in by_variant.rows} == {"TEE-01", "MUG-01", "CAP-01"}
    assert {r.title for r in by_product.rows} == {"Basic tee", "Mug", "Cap"}
    assert all(r.sku for r in by_product.rows)
    assert {r.key for r in by_region.rows} == {"华东", "South", "West", "(none)"}
    assert {r.key for r in by_coupon.rows} == {"SAVE10", "(none)"}
    assert [r.key for r in by_week.rows] == ["2026-W01", "2026-W02"]  # 1 Jan 2026 is a Thursday: ISO week 1
    assert [r.key for r in by_quarter.rows] == ["2025-Q1", "2026-Q1"]  # no sale in the quarters between


def test_top_keeps_the_best_rows_and_the_rest_in_one(url: str) -> None:
    with db.read_session(url) as s:
        every = analytics.sales_report(session=s, by="variant", start=PERIOD[0], end=PERIOD[1])
        top = analytics.sales_report(session=s, by="variant", start=PERIOD[0], end=PERIOD[1], top=1)
    assert [r.key for r in top.rows[:1]] == [every.rows[0].key]
    assert top.rows[-1].key == "(other)"
    assert sum(r.figures.net_sales for r in top.rows) == top.total.net_sales == every.total.net_sales


def test_compare_with_the_previous_period_and_the_year_before(url: str) -> None:
    with db.read_session(url) as s:
        year = analytics.sales_report(
            session=s, by="month", start=date(2026, 1, 1), end=date(2026, 1, 31), compare="year"
        )
        previous = analytics.sales_report(
            session=s, by="channel", start=date(2026, 2, 1), end=date(2026, 2, 28), compare="previous"
        )
    assert year.comparison is not None and (year.comparison.start, year.comparison.end) == (
        date(2025, 1, 1),
        date(2025, 1, 31),
    )
    assert year.comparison.total.gross_sales == 9900 and year.comparison.rows[0].key == "2025-01"
    assert year.compared_row(0, year.rows[0]) == year.comparison.rows[0]
    assert previous.comparison is not None
    assert (previous.comparison.start, previous.comparison.end) == (date(2026, 1, 4), date(2026, 1, 31))
    assert analytics.change_bp(15000, 10000) == 5000 and analytics.change_bp(5000, 10000) == -5000
    assert analytics.change_bp(1, 0) is None


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"by": "nonsense"}, "breakdown"),
        ({"by": "day", "start": date(2026, 3, 1), "end": date(2026, 2, 1)}, "after it ends"),
        ({"by": "day", "top": 0}, "--top"),
        ({"by": "day", "top": -1}, "--top"),
        ({"by": "day", "compare": "decade"}, "--compare"),
        ({"by": "day", "start": date(1990, 1, 1), "end": date(2026, 1, 1)}, "twenty years"),
        ({"by": "day", "start": date(1, 1, 1), "end": date(1, 1, 2), "compare": "year"}, "1900"),
    ],
)
def test_bad_requests_are_refused_in_one_sentence(url: str, kwargs: dict[str, Any], words: str) -> None:
    with db.read_session(url) as s, pytest.raises(InvalidInput, match=words) as caught:
        analytics.sales_report(session=s, **kwargs)
    assert "\n" not in str(caught.value)


def test_orders_keep_region_province_source_and_utm(url: str) -> None:
    with db.read_session(url) as s:
        order = s.exec(select(Order).where(Order.number == NUMBERS["g1"])).one()
        read = orders.get_order(session=s, number=NUMBERS["g1"])
        assert (order.sales_region, order.ship_province, order.ship_city) == ("West", "四川", "成都")
        assert (order.source, order.utm_source, order.utm_medium, order.utm_campaign) == (
            "weibo",
            "weibo",
            "social",
            "spring",
        )
    assert (read.ship_province, read.source, read.utm_campaign) == ("四川", "weibo", "spring")


def test_an_order_document_carries_its_utm_tags() -> None:
    currency = shop.Currency(code="CNY", digits=2)
    draft = orders.draft_from_document(
        {
            "lines": [{"sku": "TEE-01"}],
            "source": "weibo",
            "utm_source": "weibo",
            "utm_medium": "social",
            "utm_campaign": "spring",
            "sales_region": "华东",
        },
        currency,
    )
    assert (draft.source, draft.utm_medium, draft.utm_campaign, draft.sales_region) == (
        "weibo",
        "social",
        "spring",
        "华东",
    )
    with pytest.raises(InvalidInput, match="utm_source"):
        orders.draft_from_document({"lines": [{"sku": "TEE-01"}], "utm_source": 5}, currency)


def test_sales_regions_setting_is_checked() -> None:
    assert analytics.parse_sales_regions('{"华东": ["上海", "江苏"]}') == {"华东": ["上海", "江苏"]}
    assert analytics.region_of({"华东": ["上海"]}, " 上海 ") == "华东"
    assert analytics.region_of({"华东": ["上海"]}, "北京") == ""
    for bad, words in (
        ("[1]", "JSON object"),
        ("{", "not JSON"),
        ('{"A": ["x"], "B": ["X"]}', "two sales regions"),
        ('{"A": "x"}', "list of province"),
    ):
        with pytest.raises(InvalidInput, match=words):
            analytics.parse_sales_regions(bad)


def test_db_check_proves_the_report_figures(url: str) -> None:
    """A figure that drifts from the lines, or placed days left behind by a new time zone, are found (and the
    store is put back as it was)."""
    with db.read_session(url) as s:
        assert analytics.check_sales_figures(session=s) == [] and orders.check_rollups(session=s) == []
    try:
        with db.transaction(url) as s:
            order = s.exec(select(Order).where(Order.number == NUMBERS["a1"])).one()
            order.gross_minor += 1
            s.add(order)
        with db.transaction(url) as s:
            problems = analytics.check_sales_figures(session=s)
            assert len(problems) == 1 and NUMBERS["a1"] in problems[0]
            order = s.exec(select(Order).where(Order.number == NUMBERS["a1"])).one()
            order.gross_minor -= 1
            s.add(order)
            shop.set_value(session=s, actor=CLERK, key="timezone", raw="America/New_York")
        with db.transaction(url) as s:
            assert any("placed day" in p for p in analytics.check_sales_figures(session=s))
            assert analytics.refresh_placed_days(session=s, actor=CLERK) > 0
        with db.read_session(url) as s:
            assert analytics.check_sales_figures(session=s) == [] and orders.check_rollups(session=s) == []
    finally:
        with db.transaction(url) as s:
            shop.set_value(session=s, actor=CLERK, key="timezone", raw="Asia/Shanghai")
            analytics.refresh_placed_days(session=s, actor=CLERK)
    with db.read_session(url) as s:
        assert analytics.check_sales_figures(session=s) == [] and orders.check_rollups(session=s) == []
