"""Taking payment for an order (cash with change, card, transfer, store credit ...)."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import update
from sqlmodel import Session, col

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput
from shoptui.models.customers import Customer
from shoptui.models.orders import (
    PAYMENT_METHODS,
    OrderPayment,
)
from shoptui.services import shop
from shoptui.services.orders.common import add_event, order_settings, touch
from shoptui.services.orders.drafts import USER_METHODS, check_money, clean_text
from shoptui.services.orders.reading import OrderSummary, PaymentRead, order_summary
from shoptui.services.orders.rows import order_lines, order_row, settle


class PaymentResult(BaseModel):
    """What ``pay`` did: the payment (with change given) and the order after it."""

    payment: PaymentRead
    order: OrderSummary
    due_minor: int


def pay(*, session: Session, actor: Actor, number: str, method: str, amount_minor: int | None = None,
        reference: str = "", tendered_minor: int | None = None, internal: bool = False) -> PaymentResult:
    """Take a payment; the order becomes paid when payments cover the total.

    ``amount_minor`` None pays everything due. More than due is refused, except cash: the
    payment is then what was due and the rest is change. Store credit is recorded as a method
    (the members module checks and books the balance).
    """
    cfg = order_settings(session)
    method = (method or "").strip().lower().replace("-", "_").replace(" ", "_")
    allowed_methods = PAYMENT_METHODS if internal else USER_METHODS
    if method not in allowed_methods:
        raise InvalidInput(f"The payment method {method!r} is not one of {', '.join(allowed_methods)}.", field="method")
    order = order_row(session, number)
    if order.status != "open":
        raise Conflict(f"Order {order.number} is {order.status}; it takes no more payments.")
    if order.refunded_minor > 0:
        raise Conflict(f"Order {order.number} has refunds; it takes no more payments.")
    due = order.total_minor - order.paid_minor
    if due <= 0:
        raise Conflict(f"Order {order.number} is already paid in full.")
    offered = due if amount_minor is None else amount_minor
    if tendered_minor is not None:
        offered = tendered_minor
    check_money(offered, "payment amount")
    if offered <= 0:
        raise InvalidInput("The payment amount must be more than zero.", field="amount_minor")
    change = 0
    applied = offered
    if offered > due:
        if method != "cash":
            raise InvalidInput(f"{cfg.currency.format(offered)} is more than the {cfg.currency.format(due)} still due "
                               f"on order {order.number}; only cash may be more (change is given).", field="amount_minor")
        applied, change = due, offered - due
    reference = clean_text(reference, "payment reference", 200)
    now = clock.now()
    payment = OrderPayment(order_id=order.id or 0, method=method, amount_minor=applied,
                           tendered_minor=offered if method == "cash" else None, change_minor=change,
                           reference=reference, actor=actor.name[:100], at=now)
    session.add(payment)
    order.paid_minor += applied
    if order.paid_minor >= order.total_minor and order.paid_at is None:
        order.paid_at = now
    touch(order)
    session.add(order)
    if order.customer_id is not None:
        session.execute(update(Customer).where(col(Customer.id) == order.customer_id)
                        .values(spent_minor=Customer.spent_minor + applied).execution_options(synchronize_session=False))
    session.flush()
    lines = order_lines(session, order.id or 0)
    text_change = f", change {cfg.currency.format(change)}" if change else ""
    add_event(session, order, actor, "paid",
              f"Payment {cfg.currency.format(applied)} by {method.replace('_', ' ')}{text_change}"
              + (f" (ref {reference})" if reference else "") + ".",
              {"payment_id": payment.id, "method": method, "amount_minor": applied})
    settle(session, order, lines, actor)
    shop.record(session=session, actor=actor, action="order.pay", entity="order", entity_id=order.number,
                 summary=f"{cfg.currency.format(applied)} by {method} on {order.number}",
                 after={"paid_minor": order.paid_minor, "payment_status": order.payment_status})
    session.flush()
    return PaymentResult(payment=PaymentRead.model_validate(payment, from_attributes=True), order=order_summary(order),
                         due_minor=max(order.total_minor - order.paid_minor, 0))
