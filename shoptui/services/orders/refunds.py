"""Booking a refund on an order's payments: the one writer of refund rows (returns, exchanges, cancelling).

What is refunded can never exceed what was paid: per order, per line and for shipping. Money goes
back to the original payments, newest first, or as store credit.
"""

from __future__ import annotations

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import InvalidInput
from shoptui.models.customers import Customer
from shoptui.models.orders import Order, OrderLine, OrderPayment, OrderRefund, OrderRefundLine
from shoptui.services import pricing, shop
from shoptui.services.orders.common import OrderSettings, add_event, touch

REFUND_TARGETS = ("original", "store_credit")


def check_refund_lines(order: Order, lines: list[OrderLine], *, amount_minor: int, shipping_minor: int,
                   line_amounts: dict[int, tuple[int, int]] | None,
                   cfg: OrderSettings) -> dict[int, tuple[int, int]]:
    """Every cap of a refund checked (InvalidInput naming it); returns (units, amount) per line (spread if None)."""
    if amount_minor <= 0:
        raise InvalidInput("A refund must be more than zero.", field="amount_minor")
    balance = order.paid_minor - order.refunded_minor
    if amount_minor > balance:
        raise InvalidInput(f"{cfg.currency.format(amount_minor)} is more than the {cfg.currency.format(balance)} paid "
                           f"and not yet refunded on order {order.number}.", field="amount_minor")
    shipping_left = order.shipping_minor - order.shipping_refunded_minor
    if shipping_minor > shipping_left:
        raise InvalidInput(f"Only {cfg.currency.format(shipping_left)} of shipping is left to refund on {order.number}.",
                           field="include_shipping")
    goods = amount_minor - shipping_minor
    if line_amounts is None:
        room = [line.net_minor - line.refunded_minor for line in lines]
        if goods > sum(room):
            raise InvalidInput(f"{cfg.currency.format(goods)} is more than the {cfg.currency.format(sum(room))} of goods "
                               f"still refundable on order {order.number}.", field="amount_minor")
        parts = pricing.allocate(goods, room) if goods else [0] * len(lines)
        line_amounts = {line.id or 0: (0, part) for line, part in zip(lines, parts, strict=True) if part}
    by_id = {line.id: line for line in lines}
    if sum(a for _, a in line_amounts.values()) != goods:
        raise InvalidInput("The refund of the lines does not add up to the refund; nothing was refunded.")
    for line_id, (units, amount) in line_amounts.items():
        line = by_id[line_id]
        if line.refunded_minor + amount > line.net_minor:
            raise InvalidInput(f"{line.sku}: {cfg.currency.format(amount)} more would refund more than the "
                               f"{cfg.currency.format(line.net_minor)} paid for the line.", field="items")
        if line.quantity_refunded + units > line.quantity:
            raise InvalidInput(f"{line.sku}: only {line.quantity - line.quantity_refunded} units are left to refund.",
                               field="items")
    return line_amounts


def check_refund_limit(session: Session, actor: Actor, order: Order, amount_minor: int, cfg: OrderSettings) -> None:
    """The refund permission, and the role's refund limit for money that leaves the shop (to the payments or as
    store credit): this refund together with what the same account refunded on the order before, so a refund
    split in parts is held to the limit as one."""
    earlier = int(session.exec(select(func.coalesce(func.sum(OrderRefund.amount_minor), 0)).where(
        OrderRefund.order_id == order.id, OrderRefund.actor == actor.name[:100],
        col(OrderRefund.method) != "exchange")).one()) if order.id is not None else 0
    money = cfg.currency.format
    what = f"a refund of {money(amount_minor)} on order {order.number}"
    if earlier:
        what += f" ({money(earlier + amount_minor)} with the {money(earlier)} this account refunded on it before)"
    shop.require_within(session=session, actor=actor, permission="refund", amount_minor=earlier + amount_minor,
                        what=what, money=money)


def refund_payments(session: Session, actor: Actor, order: Order, lines: list[OrderLine], *, amount_minor: int,
                    shipping_minor: int, line_amounts: dict[int, tuple[int, int]] | None, reason: str, to: str,
                    return_id: int | None, cfg: OrderSettings) -> int:
    """Book a refund of ``amount_minor`` (``shipping_minor`` of it for shipping) on ``order``.

    ``line_amounts`` gives (units, amount) per line id; ``None`` spreads the goods part over the
    lines by what is still refundable on each. ``to`` is original, store_credit or exchange.
    Returns the amount; the caller settles the statuses. Every cap is checked here, and the actor's refund
    permission and limit (``check_refund_limit``).
    """
    line_amounts = check_refund_lines(order, lines, amount_minor=amount_minor, shipping_minor=shipping_minor,
                                  line_amounts=line_amounts, cfg=cfg)
    if to == "exchange":  # the goods' value moves to the new goods: the refund permission, no money leaves
        shop.require(session=session, actor=actor, permission="refund")
    else:
        check_refund_limit(session, actor, order, amount_minor, cfg)
    by_id = {line.id: line for line in lines}
    now = clock.now()
    refunds: list[OrderRefund] = []
    if to == "original":
        left = amount_minor
        payments = session.exec(select(OrderPayment).where(OrderPayment.order_id == order.id)
                                .order_by(col(OrderPayment.id).desc())).all()
        for payment in payments:
            room = payment.amount_minor - payment.refunded_minor
            take = min(room, left)
            if take <= 0:
                continue
            payment.refunded_minor += take
            session.add(payment)
            method = "store_credit" if payment.method == "exchange" else payment.method
            refunds.append(OrderRefund(order_id=order.id or 0, payment_id=payment.id, return_id=return_id,
                                       method=method, amount_minor=take, reason=reason, actor=actor.name[:100], at=now))
            left -= take
            if left == 0:
                break
        if left:
            raise InvalidInput(f"The payments of order {order.number} cannot take back {cfg.currency.format(left)} more.")
    elif to in ("store_credit", "exchange"):
        refunds.append(OrderRefund(order_id=order.id or 0, return_id=return_id, method=to, amount_minor=amount_minor,
                                   reason=reason, actor=actor.name[:100], at=now))
    else:
        raise InvalidInput(f"Refunds go to {' or '.join(REFUND_TARGETS)}, not {to!r}.", field="to")
    # the shipping part is carried by the first refund row of the batch
    refunds[0].shipping_minor = min(shipping_minor, refunds[0].amount_minor)
    rest = shipping_minor - refunds[0].shipping_minor
    for refund in refunds[1:]:
        refund.shipping_minor = min(rest, refund.amount_minor)
        rest -= refund.shipping_minor
    session.add_all(refunds)
    session.flush()
    batch = refunds[0].id or 0
    for refund in refunds:
        refund.batch = batch
        session.add(refund)
    for line_id, (units, amount) in line_amounts.items():
        line = by_id[line_id]
        line.refunded_minor += amount
        line.quantity_refunded += units
        session.add(line)
        session.add(OrderRefundLine(order_id=order.id or 0, batch=batch, line_id=line_id, quantity=units,
                                    amount_minor=amount))
    order.refunded_minor += amount_minor
    order.shipping_refunded_minor += shipping_minor
    touch(order)
    session.add(order)
    if order.customer_id is not None:
        session.execute(update(Customer).where(col(Customer.id) == order.customer_id)
                        .values(spent_minor=col(Customer.spent_minor) - amount_minor)
                        .execution_options(synchronize_session=False))
    methods: dict[str, int] = {}
    for refund in refunds:
        methods[refund.method] = methods.get(refund.method, 0) + refund.amount_minor
    add_event(session, order, actor, "refunded",
              f"Refunded {cfg.currency.format(amount_minor)} to "
              + ", ".join(f"{m.replace('_', ' ')} {cfg.currency.format(a)}" for m, a in methods.items())
              + (f" ({reason})" if reason else "") + ".",
              {"batch": batch, "amount_minor": amount_minor, "shipping_minor": shipping_minor, "methods": methods})
    session.flush()
    return amount_minor
