"""Ending an order at once: hand everything over at the counter, or cancel it (stock released,
payments refunded).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict
from shoptui.models.customers import Customer
from shoptui.services import shop
from shoptui.services.inventory import fulfil, release, sell_many
from shoptui.services.orders import status as machine
from shoptui.services.orders.common import add_event, order_settings, touch
from shoptui.services.orders.drafts import clean_text
from shoptui.services.orders.notices import notice
from shoptui.services.orders.reading import OrderRead, read_order
from shoptui.services.orders.refunds import refund_payments
from shoptui.services.orders.rows import order_lines, order_row, settle


def fulfil_all(*, session: Session, actor: Actor, number: str, complete: bool = True) -> OrderRead:
    """Hand every remaining item over at once (a counter sale): stock out, delivered, completed.

    The order must be paid. Deferred orders sell from stock (refused when too few are available);
    reserved orders ship what they hold.
    """
    order = order_row(session, number)
    if order.status != "open":
        raise Conflict(f"Order {order.number} is {order.status}; nothing can be handed over.")
    if order.payment_status not in machine.SHIPPABLE_PAYMENT:
        raise Conflict(f"Order {order.number} is {order.payment_status.replace('_', ' ')}; take the payment first.")
    lines = order_lines(session, order.id or 0)
    now = clock.now()
    handed = []
    selling = [(line.variant_id or 0, line.quantity - line.quantity_shipped) for line in lines
               if line.quantity > line.quantity_shipped] if order.stock_mode == "deferred" else []
    if selling:  # every line from stock at once: one ledger write and one audit statement for them all
        sell_many(session=session, actor=actor, items=selling, location_id=order.location_id, ref_kind="order",
                  ref_id=order.number)
    for line in lines:
        left = line.quantity - line.quantity_shipped
        if left <= 0:
            continue
        if order.stock_mode == "reserve":
            fulfil(session=session, actor=actor, variant_id=line.variant_id or 0, quantity=left,
                             location_id=order.location_id, ref_kind="order", ref_id=order.number)
        line.quantity_shipped = line.quantity
        session.add(line)
        handed.append([line.sku, left])
    if not handed:
        raise Conflict(f"Order {order.number} has nothing left to hand over.")
    order.shipped_at = order.shipped_at or now
    if complete:
        order.delivered_at = now
        order.completed_at = now
    touch(order)
    session.add(order)
    session.flush()
    add_event(session, order, actor, "handed_over",
              "Handed over: " + ", ".join(f"{sku} x{qty}" for sku, qty in handed) + ".", {"lines": handed})
    settle(session, order, lines, actor, status="completed" if complete else None)
    shop.record(session=session, actor=actor, action="order.hand_over", entity="order", entity_id=order.number,
                 summary=f"{order.number} handed over", after={"fulfilment_status": order.fulfilment_status})
    session.flush()
    return read_order(session, order)


def cancel_order(*, session: Session, actor: Actor, number: str, reason: str = "", refund_to: str = "original",
                 automatic: bool = False, notify: bool = True) -> OrderRead:
    """Cancel an order before anything shipped: reservations released, payments refunded.

    Conflict once an item has shipped (make a return instead) or the order is closed. ``notify``
    False leaves the customer's notice to the caller (a full refund already tells them).
    """
    cfg = order_settings(session)
    order = order_row(session, number)
    if order.status != "open":
        raise Conflict(f"Order {order.number} is already {order.status}.")
    lines = order_lines(session, order.id or 0)
    if any(line.quantity_shipped for line in lines):
        raise Conflict(f"Order {order.number} has shipped items, so it cannot be cancelled; make a return instead.")
    reason = clean_text(reason, "reason", 500, field="reason")
    if order.stock_mode == "reserve":
        for line in lines:
            if line.quantity > 0 and line.variant_id is not None:
                release(session=session, actor=actor, variant_id=line.variant_id, quantity=line.quantity,
                                  location_id=order.location_id, ref_kind="order", ref_id=order.number)
    refunded = 0
    balance = order.paid_minor - order.refunded_minor
    if balance > 0:
        refunded = refund_payments(session, actor, order, lines, amount_minor=balance,
                                                  shipping_minor=order.shipping_minor - order.shipping_refunded_minor,
                                                  line_amounts=None, reason=f"order cancelled. {reason}".strip(),
                                                  to=refund_to, return_id=None, cfg=cfg)
    order.cancelled_at = clock.now()
    touch(order)
    session.add(order)
    if order.customer_id is not None:
        session.execute(update(Customer).where(col(Customer.id) == order.customer_id, col(Customer.order_count) > 0)
                        .values(order_count=Customer.order_count - 1).execution_options(synchronize_session=False))
    session.flush()
    why = "not paid in time" if automatic else (reason or "no reason given")
    add_event(session, order, actor, "cancelled", f"Cancelled ({why})"
              + (f"; {cfg.currency.format(refunded)} refunded." if refunded else "."), {"reason": why})
    settle(session, order, lines, actor, status="cancelled")
    shop.record(session=session, actor=actor, action="order.cancel", entity="order", entity_id=order.number,
                 summary=f"{order.number} cancelled: {why}", after={"refunded_minor": refunded})
    if notify:
        notice(session, order, cfg, "cancelled",
               f"your order {order.number} was cancelled ({why})."
               + (f" {cfg.currency.format(refunded)} {cfg.currency.code} is refunded." if refunded else ""))
    session.flush()
    return read_order(session, order)
