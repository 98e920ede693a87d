"""Unpaid orders: payment reminders, and expiry of orders left unpaid too long."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.models.orders import (
    Order,
)
from shoptui.services import shop
from shoptui.services.orders import status as machine
from shoptui.services.orders.closing import cancel_order
from shoptui.services.orders.common import add_event, order_settings
from shoptui.services.orders.notices import notify_customer


@dataclass(frozen=True)
class SweepResult:
    """What a reminder or expiry run did."""

    done: list[str]  # order numbers
    skipped: list[str]  # order numbers with nothing to send to (reminders)


def remind_unpaid(*, session: Session, actor: Actor, older_than: timedelta = timedelta(hours=2),
                  limit: int = 1000) -> SweepResult:
    """Queue a payment reminder for open unpaid orders older than ``older_than``.

    At most one reminder per order per ``order_reminder_interval_hours``; safe to run from cron.
    """
    cfg = order_settings(session)
    now = clock.now()
    since = now - timedelta(hours=cfg.reminder_hours)
    rows = session.exec(
        select(Order).where(col(Order.payment_status).in_(machine.UNPAID), Order.status == "open",
                            col(Order.created_at) <= now - older_than,
                            or_(col(Order.last_reminded_at).is_(None), col(Order.last_reminded_at) <= since))
        .order_by(col(Order.created_at), col(Order.id)).limit(limit)
    ).all()
    done, skipped = [], []
    for order in rows:
        due = order.total_minor - order.paid_minor
        sent = notify_customer(session, order, cfg, template="order.reminder",
                               subject=cfg.values["order_reminder_subject"], body=cfg.values["order_reminder_body"],
                               context={"total": cfg.currency.format(order.total_minor), "due": cfg.currency.format(due),
                                        "instructions": cfg.values["order_payment_instructions"]})
        if not sent:
            skipped.append(order.number)
            continue
        order.last_reminded_at = now
        order.reminder_count += 1
        session.add(order)
        add_event(session, order, actor, "reminded",
                  f"Payment reminder queued by {' and '.join(sent)} ({cfg.currency.format(due)} due).", {"channels": sent})
        done.append(order.number)
    if done:
        shop.record(session=session, actor=actor, action="order.remind", entity="order",
                     summary=f"{len(done)} payment reminders queued", after={"orders": done[:50]})
    session.flush()
    return SweepResult(done=done, skipped=skipped)


def expire_unpaid(*, session: Session, actor: Actor, limit: int = 1000) -> SweepResult:
    """Cancel open orders with nothing paid older than ``order_auto_cancel_hours``, releasing stock."""
    cfg = order_settings(session)
    if cfg.auto_cancel_hours <= 0:
        return SweepResult(done=[], skipped=[])
    cutoff = clock.now() - timedelta(hours=cfg.auto_cancel_hours)
    numbers = session.exec(
        select(Order.number).where(Order.payment_status == "unpaid", Order.status == "open",
                                   col(Order.created_at) <= cutoff, Order.paid_minor == 0)
        .order_by(col(Order.created_at), col(Order.id)).limit(limit)
    ).all()
    for number in numbers:
        cancel_order(session=session, actor=actor, number=number, reason="not paid in time", automatic=True)
    return SweepResult(done=list(numbers), skipped=[])
