"""Offers on orders: the order's lines priced through ``pricing.terms.price_cart``, the one assembler.

``orders.create_order`` and ``orders.edit_order`` call (every channel; history imports without offers)::

    priced = orders_offers.price(session, order, lines, adjustments=..., tax_rate_bp=..., offers=...,
                                 coupon_codes=..., points_to_use=...)      # reads only
    gifts = orders_offers.gift_lines(order_id, priced, first_position)   # zero-price lines that take stock
    orders_offers.record(session, actor, order, priced.offers)            # same transaction: usage, points

The counter basket prices with the same assembler (``terms.assemble``), so a sale's basket and its
order cost the same. The offers' adjustments go before the operator's own (discounts, cash rounding).
"""

from __future__ import annotations

from sqlmodel import Session, col

from shoptui.config import Actor
from shoptui.models.orders import Order, OrderLine
from shoptui.services.marketing import reports as marketing
from shoptui.services.orders.common import is_gift
from shoptui.services.pricing import engine as pricing
from shoptui.services.pricing import terms as marketing_pricing

MARKETING_KINDS = ("promotion", "member", "coupon", "points")


def _cart(session: Session, lines: list[OrderLine], offers: bool) -> tuple[pricing.OfferLine, ...]:
    """The order's lines as the assembler takes them; with offers, product and category read from the catalogue."""
    make = pricing.make_offer_line  # key, quantity, unit price, line discount, variant, product, category, title, gift of
    if not offers:
        return tuple(make(line.sku, line.quantity, line.unit_price_minor, line.line_discount_minor, line.variant_id,
                          None, "", line.title, 0 if is_gift(line) else None) for line in lines)
    goods = [line for line in lines if not is_gift(line)]
    read = iter(marketing_pricing.offer_lines(session, [
        pricing.CartItem(quantity=line.quantity, variant_id=line.variant_id, unit_price_minor=line.unit_price_minor,
                         line_discount_minor=line.line_discount_minor) for line in goods]) if goods else ())
    return tuple(make(line.sku, line.quantity, 0, 0, line.variant_id, None, "", line.title, 0) if is_gift(line)
                 else next(read) for line in lines)


def price(session: Session, order: Order, lines: list[OrderLine], *, adjustments: list[pricing.PriceAdjustment],
          tax_rate_bp: int, offers: bool, coupon_codes: list[str] | tuple[str, ...] = (), points_to_use: int = 0,
          new_gifts: bool = True, free_shipping: bool = True) -> marketing_pricing.Priced:
    """An order's lines priced whole by the one assembler (nothing written): offers when ``offers``, then
    ``adjustments``, the order's shipping fee (free over the tier's amount when ``free_shipping``) and tax."""
    return marketing_pricing.price_cart(
        session=session, lines=_cart(session, lines, offers), customer_id=order.customer_id, channel=order.channel,
        coupon_codes=coupon_codes, points_to_use=points_to_use, shipping_minor=order.shipping_minor,
        adjustments=adjustments, tax_rate_bp=tax_rate_bp, offers=offers, new_gifts=new_gifts,
        free_shipping=free_shipping)


def gift_lines(order_id: int, priced: marketing_pricing.Priced, position: int) -> list[OrderLine]:
    """The gift lines a promotion added: flagged ``is_gift``, zero price, the product's plain title; they
    reserve and ship like any line."""
    out = []
    for line in priced.gifts:
        position += 1
        out.append(OrderLine(order_id=order_id, position=position, variant_id=line.variant_id, sku=line.key,
                             title=line.title[:300], quantity=line.quantity, unit_price_minor=0, is_gift=True))
    return out


def record(session: Session, actor: Actor, order: Order, priced: pricing.PricedCart) -> None:
    """Count promotions, take coupon codes (atomic) and redeem the points, in the order's transaction."""
    marketing.record_usage(session=session, actor=actor, order_id=order.id or 0, order_number=order.number,
                           customer_id=order.customer_id, priced=priced)
    if priced.points_used and order.customer_id is not None:
        from shoptui.services.members import profiles as members  # loaded when points are used, not with orders

        members.redeem_points(session=session, actor=actor, customer_id=order.customer_id,
                              points=priced.points_used, ref_kind="order", ref_id=order.number)


def reprice_edit(session: Session, order: Order, lines: list[OrderLine], adjustments: list[pricing.PriceAdjustment],
                 tax_rate_bp: int) -> marketing_pricing.Priced:
    """Offers again on an edited order's lines: the same coupon codes, promotions and tier as they stand now.

    What the order used is given back first and taken again by ``record`` (so a code used by this
    order stays usable by it). Points already redeemed stay as they were (their adjustment is kept
    as is), gift lines stay, new gifts are not added on an edit, the shipping fee stays as the order
    has it. The stored adjustments are rewritten to the new list; ``priced.offers`` is what to record.
    """
    from dataclasses import replace

    from sqlalchemy import delete

    from shoptui.models.orders import OrderAdjustment

    codes = marketing.order_coupon_codes(session=session, order_id=order.id or 0)
    marketing.release_usage(session=session, order_id=order.id or 0)
    fixed = [a for a in adjustments if a.kind not in ("promotion", "member", "coupon")]
    priced = price(session, order, lines, adjustments=fixed, tax_rate_bp=tax_rate_bp, offers=True, coupon_codes=codes,
                   new_gifts=False, free_shipping=False)
    session.execute(delete(OrderAdjustment).where(col(OrderAdjustment.order_id) == order.id))
    for adj in priced.adjustments:
        session.add(OrderAdjustment(order_id=order.id or 0, kind=adj.kind, label=adj.label,
                                    amount_minor=adj.amount_minor, ref=adj.ref))
    if priced.offers is None:
        return priced
    # gifts given before are kept, not counted again; no points are taken again (kept as they were)
    offers = replace(priced.offers, promotions=tuple(p for p in priced.offers.promotions if p.gift_minor == 0),
                     points_used=0, points_minor=0)
    return replace(priced, offers=offers)
