"""The keys the fast breakdowns pick, where the rule has a tie or a rest to get right (issue 15, speed).

The sales report sums a year by promotion, coupon and member tier as "the keyed orders, and the day rollup's
total less them for (none)"; by payment through the index of payments largest first; by staff, source and city
day by day in index order; by customer through the customer index. This store has what those paths must get
right: an order with two promotions (the larger discount wins), two coupons of the same amount (the older
wins), two payments of the same amount (the older wins), a member of another tier, a customer who is no member,
a guest, and keyed orders that are cancelled or open and unpaid (not sales). Every figure is compared with the
plain-Python computation of test_analytics_sales (its own rules, not the service's SQL).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlmodel import Session

from shoptui import clock, db
from shoptui.models.members import Member
from shoptui.services import analytics, catalog, members, orders
from tests.services.test_analytics_sales import BOSS, CLERK, _create, _figures, _filled, at, expected
from tests.store_files import store_copy

PERIOD = (date(2026, 4, 1), date(2026, 4, 30))
BREAKDOWNS = ("promotion", "coupon", "payment", "member-tier", "customer", "staff", "source", "city", "variant")


def _promo(ref: str, amount: int, kind: str = "promotion") -> orders.DraftAdjustment:
    return orders.DraftAdjustment(kind=kind, label=f"{kind} {ref}", amount_minor=amount, ref=f"{kind}:{ref}")


def _build(s: Session) -> None:
    catalog.create_product(  # the SKU and cost the plain computation knows (COSTS_WHEN_SOLD)
        session=s,
        actor=CLERK,
        data=catalog.ProductCreate(
            title="Mug",
            status="active",
            variants=[catalog.VariantInput(sku="MUG-01", price_minor=3550, cost_minor=1200, track_stock=False)],
        ),
    )
    gold = members.add_member(session=s, actor=CLERK, data=members.MemberCreate(name="Gold", phone="13700137000"))
    member = s.get(Member, gold.id)
    assert member is not None
    member.tier_code = "gold"  # another tier than the default one, when the orders are placed (kept on each order)
    s.add(member)
    s.flush()
    plain = members.add_member(session=s, actor=CLERK, data=members.MemberCreate(name="Plain", phone="13600136000"))
    other = members.add_customer(
        session=s, actor=CLERK, data=members.CustomerCreate(name="Not a member", phone="13500135000")
    )
    city = members.AddressInput(recipient="A", country="CN", region="上海", city="上海", street="1 Road")
    town = members.AddressInput(recipient="B", country="CN", region="江苏", city="苏州", street="2 Road")
    # two promotions: the larger discount (-900) wins over the first one (-300)
    _create(
        s,
        "2026-04-02T03:00:00",
        items=[("MUG-01", 1)],
        customer=str(gold.id),
        ship_to=city,
        source="search",
        adjustments=[_promo("3", -300), _promo("9", -900)],
        payments=[orders.DraftPayment(method="card", amount_minor=1500), orders.DraftPayment(method="mobile")],
    )
    # two coupons of the same amount: the older (written first) wins; two payments of the same amount: the older
    _create(
        s,
        "2026-04-03T03:00:00",
        BOSS,
        items=[("MUG-01", 2)],
        customer=str(plain.id),
        ship_to=town,
        adjustments=[_promo("B", -1000, "coupon"), _promo("A", -1000, "coupon")],
        payments=[orders.DraftPayment(method="mobile", amount_minor=2550), orders.DraftPayment(method="cash")],
    )
    # no key at all: a customer who is no member, and a guest
    _create(
        s,
        "2026-04-04T03:00:00",
        items=[("MUG-01", 1)],
        customer=str(other.id),
        ship_to=town,
        payments=[orders.DraftPayment(method="cash")],
    )
    _create(
        s,
        "2026-04-05T03:00:00",
        items=[("MUG-01", 1)],
        guest_name="Walk-in",
        source="direct",
        payments=[orders.DraftPayment(method="card")],
    )
    # keyed, but not sales: cancelled, and open with no payment yet
    cancelled = _create(
        s,
        "2026-04-06T03:00:00",
        items=[("MUG-01", 1)],
        customer=str(gold.id),
        adjustments=[_promo("9", -500)],
        payments=[orders.DraftPayment(method="card")],
    )
    _create(
        s,
        "2026-04-07T03:00:00",
        items=[("MUG-01", 1)],
        customer=str(gold.id),
        adjustments=[_promo("3", -500), _promo("A", -100, "coupon")],
    )
    with clock.frozen(at("2026-04-06T04:00:00")):
        orders.cancel_order(session=s, actor=CLERK, number=cancelled, reason="test")


@pytest.fixture(scope="module")
def url(template_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    for found in store_copy(template_store, tmp_path_factory.mktemp("breakdown_keys"), "shop.db"):
        with db.transaction(found) as s, clock.frozen(at("2026-03-01T00:00:00")):
            _build(s)
        yield found


@pytest.mark.parametrize("by", BREAKDOWNS)
def test_the_fast_paths_pick_the_keys_of_the_rules(url: str, by: str) -> None:
    with db.read_session(url) as s:
        report = analytics.sales_report(session=s, by=by, start=PERIOD[0], end=PERIOD[1])
        rows, total = expected(s, by, *PERIOD)
    got = {row.key: _figures(row.figures) for row in report.rows}
    assert got == {key: _filled(values) for key, values in rows.items()}
    assert _figures(report.total) == _filled(total)


def test_the_store_has_the_ties_and_the_rest(url: str) -> None:
    """Guards the test itself: the winners differ from what a naive first-row pick would give."""
    with db.read_session(url) as s:
        keys = {
            by: {row.key for row in analytics.sales_report(session=s, by=by, start=PERIOD[0], end=PERIOD[1]).rows}
            for by in ("promotion", "coupon", "payment", "member-tier")
        }
    assert keys["promotion"] == {"9", "(none)"}  # not 3: the larger discount; the open order's 3 is no sale
    assert keys["coupon"] == {"B", "(none)"}  # the older of two equal coupons
    assert keys["payment"] == {"card", "mobile", "cash"}
    assert "gold" in keys["member-tier"] and "(none)" in keys["member-tier"] and len(keys["member-tier"]) == 3
