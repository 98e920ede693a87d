"""Offers on orders: promotions, the member's tier discount, coupons and points, through ``pricing.price``.

``orders.create_order`` calls these three steps (every channel but history imports)::

    priced = orders_offers.price_lines(session, lines=..., customer_id=..., channel=..., coupon_codes=...,
                                       points_to_use=..., shipping_minor=...)   # reads only
    gifts = orders_offers.gift_lines(order_id, priced, first_position)       # zero-price lines that take stock
    orders_offers.record(session, actor, order, priced)                       # same transaction: usage, points

The adjustments it returns go before the operator's own (manual discounts, cash rounding).
"""

from __future__ import annotations

from sqlmodel import Session

from shoptui.config import Actor
from shoptui.models.orders import Order, OrderLine
from shoptui.services.marketing import reports as marketing
from shoptui.services.pricing import engine as pricing

MARKETING_KINDS = ("promotion", "member", "coupon", "points")


def price_lines(session: Session, *, lines: list[OrderLine], customer_id: int | None, channel: str,
                coupon_codes: list[str], points_to_use: int, shipping_minor: int) -> pricing.PricedCart:
    """Price an order's lines with every offer that applies (nothing written)."""
    cart = pricing.Cart(items=tuple(pricing.CartItem(quantity=line.quantity, variant_id=line.variant_id,
                                                     unit_price_minor=line.unit_price_minor,
                                                     line_discount_minor=line.line_discount_minor)
                                    for line in lines), shipping_minor=shipping_minor)
    return pricing.price(session=session, cart=cart, customer_id=customer_id, coupon_codes=coupon_codes,
                         points_to_use=points_to_use, channel=channel)


def gift_lines(order_id: int, priced: pricing.PricedCart, position: int) -> list[OrderLine]:
    """The gift lines a promotion added: zero price, they reserve and ship like any line."""
    out = []
    for line in priced.lines:
        if line.gift_of is None:
            continue
        position += 1
        out.append(OrderLine(order_id=order_id, position=position, variant_id=line.variant_id, sku=line.key,
                             title=f"{line.title} (gift)"[:300], quantity=line.quantity, unit_price_minor=0))
    return out


def record(session: Session, actor: Actor, order: Order, priced: pricing.PricedCart) -> None:
    """Count promotions, take coupon codes (atomic) and redeem the points, in the order's transaction."""
    marketing.record_usage(session=session, actor=actor, order_id=order.id or 0, order_number=order.number,
                           customer_id=order.customer_id, priced=priced)
    if priced.points_used and order.customer_id is not None:
        from shoptui.services.members import profiles as members

        members.redeem_points(session=session, actor=actor, customer_id=order.customer_id, points=priced.points_used,
                              ref_kind="order", ref_id=order.number)


def _is_gift(line: OrderLine) -> bool:
    return line.unit_price_minor == 0 and line.title.endswith("(gift)")


def reprice_edit(session: Session, order: Order, lines: list[OrderLine],
                 adjustments: list[pricing.PriceAdjustment]) -> tuple[list[pricing.PriceAdjustment],
                                                                      pricing.PricedCart | None]:
    """Offers again on an edited order's lines: the same coupon codes, promotions and tier as they stand now.

    What the order used is given back first and taken again by ``record`` (so a code used by this
    order stays usable by it). Points already redeemed stay as they were (their adjustment is kept
    as is), gift lines stay, new gifts are not added on an edit. The stored adjustments are
    rewritten to the new list. Returns (adjustments for ``reprice``, the priced cart to record).
    """
    from sqlalchemy import delete

    from shoptui.models.orders import OrderAdjustment

    codes = marketing.order_coupon_codes(session=session, order_id=order.id or 0)
    marketing.release_usage(session=session, order_id=order.id or 0)
    fixed = [a for a in adjustments if a.kind not in ("promotion", "member", "coupon")]
    goods = [i for i, line in enumerate(lines) if not _is_gift(line)]
    priced = price_lines(session, lines=[lines[i] for i in goods], customer_id=order.customer_id,
                         channel=order.channel, coupon_codes=codes, points_to_use=0, shipping_minor=0)
    offers = []
    for adj in priced.adjustments:  # scopes index the goods; map them onto the order's lines
        scope = tuple(goods[i] for i in adj.scope) if adj.scope is not None else tuple(goods)
        offers.append(pricing.PriceAdjustment(kind=adj.kind, amount_minor=adj.amount_minor, label=adj.label,
                                              ref=adj.ref, scope=scope, weights=adj.weights))
    promotions = tuple(p for p in priced.promotions if p.gift_minor == 0)
    result = [*offers, *fixed]
    session.execute(delete(OrderAdjustment).where(OrderAdjustment.order_id == order.id))
    for adj in result:
        session.add(OrderAdjustment(order_id=order.id or 0, kind=adj.kind, label=adj.label,
                                    amount_minor=adj.amount_minor, ref=adj.ref))
    from dataclasses import replace

    return result, replace(priced, promotions=promotions)
