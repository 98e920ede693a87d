"""Telling customers about their order: the channels they may be messaged on, and one notice queued
in the messaging outbox.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from shoptui.errors import InvalidInput
from shoptui.models.orders import (
    Order,
)
from shoptui.services import messaging as messaging_api
from shoptui.services.orders.common import OrderSettings


def may_message(session: Session, customer_id: int | None, channel: str) -> bool:
    """Whether an order notice may go to this customer on ``channel`` (the members' consent model).

    Every order notice (payment reminder, shipping notice, cancellation, refund, return steps) is
    a *service* message in that model, never marketing: it goes to guests, to customers who are no
    members and to members who never answered, but not on a channel a member unsubscribed from.
    That holds for the shipping notice too: an unsubscribe is the person's word on that channel,
    and the tracking number stays on the order (timeline, ``order show``) for the shop to pass on.
    Without the members module nobody has unsubscribed, so every notice may go.
    """
    try:
        from shoptui.services import members as members_api
    except ImportError:
        return True
    return members_api.can_message(session=session, customer_id=customer_id, channel=channel, purpose="service")


def _targets(order: Order, cfg: OrderSettings) -> list[tuple[str, str]]:
    targets = []
    if cfg.channels in ("email", "both") and order.customer_email:
        targets.append(("email", order.customer_email))
    phone = order.customer_phone or order.ship_phone
    if cfg.channels in ("sms", "both") and phone:
        targets.append(("sms", phone))
    return targets


def unsubscribed_channels(session: Session, order: Order, cfg: OrderSettings) -> list[str]:
    """The channels a notice about ``order`` would use but may not (the member unsubscribed)."""
    if cfg.channels == "none":
        return []
    return [channel for channel, _ in _targets(order, cfg) if not may_message(session, order.customer_id, channel)]


def notify_customer(session: Session, order: Order, cfg: OrderSettings, *, template: str, subject: str, body: str,
                    context: dict[str, Any]) -> list[str]:
    """Queue a message to the order's customer on the configured channels it may use; returns where it went.

    A channel the customer unsubscribed from is skipped (see ``may_message``).
    """
    if cfg.channels == "none":
        return []
    context = {"name": order.customer_name or order.ship_recipient or "customer", "number": order.number,
               "currency": cfg.currency.code, "shop": cfg.values.get("name", ""), **context}
    sent = []
    for channel, recipient in _targets(order, cfg):
        if not may_message(session, order.customer_id, channel):
            continue  # unsubscribed: the caller may say so (unsubscribed_channels)
        try:
            messaging_api.queue(session=session, channel=channel, recipient=recipient, template=template,
                            subject=subject, body=body, context=context, ref_kind="order", ref_id=order.number)
            sent.append(channel)
        except InvalidInput:
            continue  # a recipient the gateway would refuse; the timeline says where it went
    return sent


def notice(session: Session, order: Order, cfg: OrderSettings, event: str, message: str) -> list[str]:
    """A plain notice (return approved, refund made ...) from the generic template."""
    return notify_customer(session, order, cfg, template=f"order.{event.replace(' ', '_')}",
                           subject=cfg.values["order_notice_subject"], body=cfg.values["order_notice_body"],
                           context={"event": event, "message": message})
