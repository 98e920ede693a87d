"""What the orders screens need beside the orders service: a page's tracking numbers, the open returns'
next steps, and a payment reminder for one order now.

Small and additive: every rule still lives in the other ``services.orders`` modules; these functions
only read a page's worth of rows in one query, or call the orders service's own helpers.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict
from shoptui.models.orders import Shipment
from shoptui.services import shop
from shoptui.services.orders import common, notices
from shoptui.services.orders import rows as orders_rows
from shoptui.services.orders import status as machine

NEXT_STEPS = {
    "requested": "approve or reject",
    "approved": "receive the goods",
    "received": "refund",
    "rejected": "",
    "refunded": "",
}
"""What the operator does next with a return in each state (empty: nothing, it is closed)."""


def tracking_by_order(*, session: Session, order_ids: list[int]) -> dict[int, str]:
    """The newest tracking number of each order that has one (one query for a page of orders)."""
    if not order_ids:
        return {}
    newest = (select(col(Shipment.order_id), func.max(col(Shipment.id)).label("sid"))
              .where(col(Shipment.order_id).in_(order_ids)).group_by(col(Shipment.order_id)).subquery())
    rows = session.exec(select(Shipment.order_id, Shipment.tracking)
                        .join(newest, col(Shipment.id) == newest.c.sid)).all()
    return {order_id: tracking for order_id, tracking in rows}


def remind_order(*, session: Session, actor: Actor, number: str) -> list[str]:
    """Queue a payment reminder for one unpaid order now; returns the channels it went by.

    Refused (Conflict) for an order that is not open and unpaid, one reminded less than
    ``order_reminder_interval_hours`` ago, or one with no email or phone to send to.
    """
    cfg = common.order_settings(session)
    order = orders_rows.order_row(session, number)
    if order.status != "open":
        raise Conflict(f"Order {order.number} is {order.status}; it needs no reminder.")
    if order.payment_status not in machine.UNPAID:
        raise Conflict(f"Order {order.number} is {order.payment_status.replace('_', ' ')}; it needs no reminder.")
    now = clock.now()
    if order.last_reminded_at is not None and order.last_reminded_at > now - timedelta(hours=cfg.reminder_hours):
        from shoptui import wording

        when = wording.when(order.last_reminded_at + timedelta(hours=cfg.reminder_hours), cfg.tz)
        raise Conflict(f"Order {order.number} was reminded less than {cfg.reminder_hours} h ago; the next reminder "
                       f"can go after {when}.")
    due = order.total_minor - order.paid_minor
    sent = notices.notify_customer(
        session, order, cfg, template="order.reminder", subject=cfg.values["order_reminder_subject"],
        body=cfg.values["order_reminder_body"],
        context={"total": cfg.currency.format(order.total_minor), "due": cfg.currency.format(due),
                 "instructions": cfg.values["order_payment_instructions"]})
    if not sent:
        unsubscribed = notices.unsubscribed_channels(session, order, cfg)
        if unsubscribed:
            raise Conflict(f"The customer of order {order.number} unsubscribed from {' and '.join(unsubscribed)}, "
                           "so no reminder was sent; call them or ask them to agree again.")
        raise Conflict(f"Order {order.number} has no email or phone to send a reminder to "
                       f"(or the order_notice_channels setting is {cfg.channels}).")
    order.last_reminded_at = now
    order.reminder_count += 1
    session.add(order)
    common.add_event(session, order, actor, "reminded",
                            f"Payment reminder queued by {' and '.join(sent)} ({cfg.currency.format(due)} due).",
                            {"channels": sent})
    shop.record(session=session, actor=actor, action="order.remind", entity="order", entity_id=order.number,
                 summary=f"payment reminder for {order.number} queued by {' and '.join(sent)}")
    session.flush()
    return sent

