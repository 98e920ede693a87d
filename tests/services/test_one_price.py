"""One price: the same cart costs the same at the counter, in an order and in an imported order.

Every path prices through the one assembler (``pricing.terms.assemble``): the counter basket and its
sale, ``orders.create_order`` (by hand or from a JSON order document, ``order create --json-file``)
and the order history import. The history import keeps the prices it was sold at (no offer is
applied again to history), so it is compared on a cart without offers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from shoptui import clock
from shoptui.services.orders import drafts, editing, placing, reading
from shoptui.services.orders.importing import import_orders, parse_mapping
from shoptui.services.sales import counter as sales
from shoptui.services.shop import settings
from tests.services.orders_helpers import CLERK, add_product, seed
from tests.services.test_sales_offers import coupon, member, promo

CART = (("TEE-01", 2, 1980), ("MUG-01", 1, 0), ("SOCK-01", 3, 0))  # SKU, quantity, line discount (10% off the tees)
POINTS = 300


@pytest.fixture
def shop(session: Session, frozen_clock: datetime) -> Session:
    seed(session)  # TEE-01 99.00 x10, MUG-01 35.50 x5, CAP-01 10.00 x1
    add_product(session, "SOCK-01", 1500, 20, title="Socks")
    return session


def offers(session: Session) -> list[str]:
    """A promotion on the tees, a storewide spend-and-save, a coupon, and three gold members with points (one for
    each path: a sale may move its member to another tier)."""
    promo(session, name="Tee week", kind="discount", percent_bp=1000, products=["TEE-01"])
    promo(session, name="Spend 100 save 10", kind="spend_save", steps=[(10000, 1000)])
    coupon(session, name="Ten off", amount_minor=1000, min_spend_minor=5000, code="SAVE10")
    phones = ["13800138000", "13800138001", "13800138002"]
    for phone in phones:
        member(session, phone, tier="gold", points=5000)
    return phones


def shape(order: reading.OrderRead) -> tuple[Any, ...]:
    """What the customer is charged, line by line and in total."""
    return (tuple((line.sku, line.quantity, line.unit_price_minor, line.line_discount_minor, line.adjustment_minor,
                   line.net_minor, line.tax_minor) for line in order.lines),
            tuple((adj.kind, adj.amount_minor) for adj in order.adjustments),
            order.subtotal_minor, order.adjustments_minor, order.shipping_minor, order.tax_minor, order.total_minor)


def counter_sale(session: Session, customer: str | None, codes: tuple[str, ...], points: int) -> tuple[Any, ...]:
    b = sales.new_basket(session=session)
    for sku, quantity, _ in CART:
        b = sales.scan(session=session, basket=b, code=sku, quantity=quantity)
    for sku, _, discount in CART:
        if discount:
            b = sales.set_line_discount(basket=b, sku=sku, discount_minor=discount, session=session)
    if customer:
        b = sales.attach_customer(session=session, basket=b, phone=customer)
    for code in codes:
        b = sales.add_coupon(session=session, basket=b, code=code)
    if points:
        b = sales.set_points(session=session, basket=b, points=points)
    done = sales.complete_sale(session=session, actor=CLERK, basket=b,
                               tenders=[sales.Tender(method="card", amount_minor=b.total_minor)], rounding_step_minor=0)
    assert done.order.total_minor == b.total_minor
    assert [(line.sku, line.net_minor) for line in done.order.lines] == [(line.sku, line.net_minor) for line in b.lines]
    return shape(done.order)


def test_counter_order_and_order_document_give_the_same_lines_and_total(shop: Session) -> None:
    at_counter, by_phone, on_web = offers(shop)
    sale = counter_sale(shop, at_counter, ("SAVE10",), POINTS)
    kinds = {kind for kind, _ in sale[1]}
    assert {"promotion", "member", "coupon", "points"} <= kinds  # every offer is in play
    by_hand = placing.create_order(session=shop, actor=CLERK, draft=drafts.OrderDraft(
        channel="phone", customer=by_phone, coupon_codes=["SAVE10"], points_to_use=POINTS,
        lines=[drafts.DraftLine(sku=sku, quantity=qty, line_discount_minor=off) for sku, qty, off in CART]))
    money = settings.currency(session=shop)
    document = {"channel": "web", "customer": on_web, "coupons": ["SAVE10"], "points": POINTS,
                "lines": [{"sku": sku, "quantity": qty, "discount": money.format(off)} for sku, qty, off in CART]}
    imported = placing.create_order(session=shop, actor=CLERK, draft=drafts.draft_from_document(document, money))
    assert shape(by_hand) == sale
    assert shape(imported) == sale


def test_an_edited_order_prices_again_like_a_new_one(shop: Session) -> None:
    _, buyer, _ = offers(shop)
    new = placing.create_order(session=shop, actor=CLERK, draft=drafts.OrderDraft(
        channel="phone", customer=buyer, coupon_codes=["SAVE10"],
        lines=[drafts.DraftLine(sku=sku, quantity=qty, line_discount_minor=off) for sku, qty, off in CART]))
    edited = placing.create_order(session=shop, actor=CLERK, draft=drafts.OrderDraft(
        channel="phone", customer=buyer, coupon_codes=["SAVE10"],
        lines=[drafts.DraftLine(sku="TEE-01", quantity=2, line_discount_minor=1980)]))
    edited = editing.edit_order(session=shop, actor=CLERK, number=edited.number, edit=editing.OrderEdit(
        lines=[editing.LineChange(sku=sku, quantity=qty) for sku, qty, _ in CART[1:]]))
    assert shape(edited) == shape(new)


HISTORY_MAPPING = """
[columns]
order_ref = "Order"
ordered_at = "Date"
sku = "SKU"
quantity = "Qty"
unit_price = "Price"
line_total = "Amount"
"""


def test_the_history_import_prices_a_cart_without_offers_as_the_counter_does(shop: Session) -> None:
    # history keeps the prices it was sold at: compared on a cart with the counter's own discounts only
    settings.set_value(session=shop, actor=CLERK, key="tax_rate_bp", raw="1300")
    sale = counter_sale(shop, None, (), 0)
    money = settings.currency(session=shop)
    prices = {"TEE-01": 9900, "MUG-01": 3550, "SOCK-01": 1500}
    when = (clock.now() - timedelta(days=3)).strftime("%Y-%m-%d")
    body = "Order,Date,SKU,Qty,Price,Amount\n" + "".join(
        f"H-1,{when},{sku},{qty},{money.format(prices[sku])},{money.format(prices[sku] * qty - off)}\n"
        for sku, qty, off in CART)
    report = import_orders(session=shop, actor=CLERK, content=body.encode(), mapping=parse_mapping(HISTORY_MAPPING),
                           source="history.csv")
    imported = reading.get_order(session=shop, number=report.first_number)
    assert sale[6] > 0 and sale[5] > 0  # a total with tax in it
    assert shape(imported) == sale
