"""After-sales: returns (request -> approve/reject -> receive -> refund), refunds and exchanges.

Refunds add rows and never rewrite history. What is refunded can never exceed what was paid:
per order (``refunded <= paid``), per line (``refunded <= net``, worked out unit by unit by
``pricing.share_of_units`` so refunding every unit returns the line exactly) and for shipping.
Money goes back to the original payments, newest first, or as store credit.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from pydantic import BaseModel
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models._types import id_of
from shoptui.models.orders import Order, OrderLine, OrderPayment, OrderRefund, OrderReturn, ReturnLine
from shoptui.services import pricing as pricing_api
from shoptui.services import shop
from shoptui.services.inventory import restock_return
from shoptui.services.orders.closing import cancel_order, fulfil_all
from shoptui.services.orders.common import OrderSettings, add_event, line_title, order_settings, touch
from shoptui.services.orders.drafts import DraftLine, OrderDraft
from shoptui.services.orders.notices import notice
from shoptui.services.orders.payments import pay
from shoptui.services.orders.placing import create_order, resolve_variants
from shoptui.services.orders.reading import OrderRead, ReturnRead, read_order, returns_of
from shoptui.services.orders.refunds import REFUND_TARGETS, check_refund_lines, refund_payments
from shoptui.services.orders.rows import lines_for_items, order_lines, order_row, settle
from shoptui.services.shop import Page, clamp_limit
from shoptui.text import check_text

CONDITIONS = ("resellable", "damaged")
OPEN_RETURN = ("requested", "approved")

RETURN_TRANSITIONS: dict[str, frozenset[str]] = {
    "requested": frozenset({"approved", "rejected"}),
    "approved": frozenset({"received"}),
    "received": frozenset({"refunded"}),
    "rejected": frozenset(),
    "refunded": frozenset(),
}


class RefundResult(BaseModel):
    """What a refund did: the amount, where it went, and the order after it."""

    number: str
    amount_minor: int
    shipping_minor: int
    methods: dict[str, int]
    payment_status: str
    refunded_minor: int
    cancelled: bool = False  # nothing had shipped and everything paid went back: the order was cancelled
    stock_note: str = ""  # what happened to the stock reserved for the order (or why it stays reserved)


class RefundLinePlan(BaseModel):
    """One line of a refund about to be booked."""

    sku: str
    title: str
    units: int
    amount_minor: int


class RefundPlan(BaseModel):
    """What a refund will pay back, before anything is written: shown for confirmation.

    ``refund`` with ``expect_amount_minor=plan.amount_minor`` books exactly this or refuses.
    """

    number: str
    amount_minor: int
    shipping_minor: int
    lines: list[RefundLinePlan]
    methods: dict[str, int]
    to: str
    cancels: bool
    stock_note: str
    summary: list[str]


class ExchangeResult(BaseModel):
    """What an exchange did: the return, the new order, and the money that changed hands."""

    number: str
    return_id: int
    returned_value_minor: int
    new_order: OrderRead
    credit_minor: int  # the returned goods' value used to pay the new order
    refunded_minor: int  # paid back to the customer (returned goods worth more)
    charged_minor: int  # taken from the customer now (new goods worth more)
    due_minor: int  # still to pay on the new order


def _reason(value: str, required: bool, what: str = "reason", field: str = "reason") -> str:
    cleaned = unicodedata.normalize("NFC", value or "").strip()
    if required and not cleaned:
        raise InvalidInput(f"Give a {what}.", field=field)
    if len(cleaned) > 500:
        raise InvalidInput(f"The {what} is too long ({len(cleaned)} characters; at most 500).", field=field)
    return check_text(cleaned, what, 500, required=False, multiline=True, name=field) or ""


def _move(row: OrderReturn, after: str) -> None:
    if after not in RETURN_TRANSITIONS[row.status]:
        raise Conflict(f"Return #{row.id} is {row.status}; it cannot become {after}.")
    row.status = after


def _return_row(session: Session, return_id: int) -> OrderReturn:
    row = session.get(OrderReturn, return_id)
    if row is None:
        raise NotFound(f"There is no return #{return_id}. List them with 'shoptui order return list'.")
    return row


def _read_return(session: Session, row: OrderReturn) -> ReturnRead:
    order = session.get(Order, row.order_id)
    assert order is not None
    return next(r for r in returns_of(session, [order]) if r.id == row.id)


# ---------------------------------------------------------------- the money


def _unit_amounts(lines: list[OrderLine], chosen: dict[int, int]) -> dict[int, tuple[int, int]]:
    """(units, amount) per line for refunding ``chosen`` units: the line's unrefunded money over its unrefunded units."""
    out = {}
    for line in lines:
        units = chosen.get(line.id or 0, 0)
        if units:
            # what is left of the line (after goodwill refunds) spread over the units not yet refunded
            out[line.id or 0] = (units, pricing_api.share_of_units(line.net_minor - line.refunded_minor,
                                                                line.quantity - line.quantity_refunded, 0, units))
    return out


def _shipping_left(order: Order, cfg: OrderSettings) -> int:
    """The shipping fee not yet refunded; Conflict when asked for and there is none left (refunded at most once)."""
    left = order.shipping_minor - order.shipping_refunded_minor
    if left <= 0:
        if order.shipping_minor:
            raise Conflict(f"The shipping fee of order {order.number} ({cfg.currency.format(order.shipping_minor)}) "
                           "was already refunded; leave out the shipping option.", field="include_shipping")
        raise InvalidInput(f"Order {order.number} has no shipping fee to refund; leave out the shipping option.",
                           field="include_shipping")
    return left


def _amounts(order: Order, lines: list[OrderLine], cfg: OrderSettings, *, amount_minor: int | None,
             items: list[tuple[str, int]] | None,
             include_shipping: bool) -> tuple[int, int, dict[int, tuple[int, int]] | None]:
    """(amount, shipping part, (units, amount) per line or None to spread) of a refund; writes nothing."""
    if order.status == "cancelled":
        raise Conflict(f"Order {order.number} is cancelled; its payments were refunded when it was cancelled.")
    balance = order.paid_minor - order.refunded_minor
    if balance <= 0:
        raise Conflict(f"Nothing was paid on order {order.number} that is not already refunded.")
    shipping = _shipping_left(order, cfg) if include_shipping else 0
    if amount_minor is not None:
        if isinstance(amount_minor, bool) or amount_minor <= 0:
            raise InvalidInput("The refund amount must be more than zero.", field="amount_minor")
    line_amounts: dict[int, tuple[int, int]] | None = None
    if items:
        chosen = lines_for_items(lines, items, room=lambda line: line.quantity - line.quantity_refunded,
                                 what="refunded")
        line_amounts = _unit_amounts(lines, chosen)
        goods = sum(a for _, a in line_amounts.values())
        total = goods + shipping
        if amount_minor is not None:
            if amount_minor > total:
                raise InvalidInput(f"{cfg.currency.format(amount_minor)} is more than the {cfg.currency.format(total)} "
                                   "those items (and shipping) cost.", field="amount_minor")
            if amount_minor < total:  # a partial refund of those items: spread it over them
                ids = list(line_amounts)
                parts = pricing_api.allocate(amount_minor, [line_amounts[i][1] for i in ids] + [shipping])
                line_amounts = {i: (line_amounts[i][0], p) for i, p in zip(ids, parts[:-1], strict=True)}
                shipping = parts[-1]
                total = amount_minor
        return total, shipping, line_amounts
    if amount_minor is not None:
        return amount_minor, min(shipping, amount_minor), None
    if include_shipping:  # the shipping fee alone, never the goods with it
        return shipping, shipping, {}
    return balance, min(order.shipping_minor - order.shipping_refunded_minor, balance), None


def _methods(session: Session, order: Order, amount: int, to: str, cfg: OrderSettings) -> dict[str, int]:
    """Where ``amount`` would go: the original payments newest first (as ``refund_payments`` books it)."""
    if to != "original":
        return {to: amount}
    out: dict[str, int] = {}
    left = amount
    for payment in session.exec(select(OrderPayment).where(OrderPayment.order_id == order.id)
                                .order_by(col(OrderPayment.id).desc())).all():
        take = min(payment.amount_minor - payment.refunded_minor, left)
        if take <= 0:
            continue
        method = "store_credit" if payment.method == "exchange" else payment.method
        out[method] = out.get(method, 0) + take
        left -= take
        if left == 0:
            break
    if left:
        raise InvalidInput(f"The payments of order {order.number} cannot take back {cfg.currency.format(left)} more.")
    return out


def _stock_after(order: Order, lines: list[OrderLine], amount: int) -> tuple[bool, str]:
    """Whether this refund cancels the order (nothing shipped, all paid goes back), and what happens to its stock."""
    if order.status != "open" or order.refunded_minor + amount < order.paid_minor:
        return False, ""
    reserved = [(line.sku, line.quantity - line.quantity_shipped) for line in lines
                if line.variant_id is not None and line.quantity > line.quantity_shipped]
    if any(line.quantity_shipped for line in lines):
        if order.stock_mode == "reserve" and reserved:
            units = sum(q for _, q in reserved)
            return False, (f"Part of order {order.number} has shipped, so it stays open and the {units} unshipped "
                           + ("units stay" if units != 1 else "unit stays") + " reserved for it.")
        return False, ""
    if order.stock_mode == "reserve" and reserved:
        return True, (f"Nothing of order {order.number} has shipped, so it is cancelled and its reserved stock is "
                      "released: " + ", ".join(f"{sku} x{q}" for sku, q in reserved) + ".")
    return True, f"Nothing of order {order.number} has shipped, so it is cancelled (no stock was reserved for it)."


def _plan(session: Session, order: Order, lines: list[OrderLine], cfg: OrderSettings, *, amount_minor: int | None,
          items: list[tuple[str, int]] | None, include_shipping: bool, to: str) -> RefundPlan:
    if to not in REFUND_TARGETS:
        raise InvalidInput(f"Refunds go to {' or '.join(REFUND_TARGETS)}, not {to!r}.", field="to")
    amount, shipping, line_amounts = _amounts(order, lines, cfg, amount_minor=amount_minor, items=items,
                                              include_shipping=include_shipping)
    by_id = {line.id: line for line in lines}
    spread = check_refund_lines(order, lines, amount_minor=amount, shipping_minor=shipping, line_amounts=line_amounts,
                            cfg=cfg)
    plan_lines = [RefundLinePlan(sku=by_id[i].sku, title=line_title(by_id[i]), units=u, amount_minor=a)
                  for i, (u, a) in spread.items()]
    methods = _methods(session, order, amount, to, cfg)
    cancels, note = _stock_after(order, lines, amount)
    money = cfg.currency.format
    summary = [f"Refund {money(amount)} {cfg.currency.code} on {order.number}:"]
    summary += [f"  {line.sku} {line.title}" + (f" x{line.units}" if line.units else "") + f"  {money(line.amount_minor)}"
                for line in plan_lines]
    if shipping:
        summary.append(f"  shipping  {money(shipping)}")
    summary.append("  to " + ", ".join(f"{m.replace('_', ' ')} {money(a)}" for m, a in methods.items()))
    if note:
        summary.append(note)
    return RefundPlan(number=order.number, amount_minor=amount, shipping_minor=shipping, lines=plan_lines,
                      methods=methods, to=to, cancels=cancels, stock_note=note, summary=summary)


def preview_refund(*, session: Session, number: str, amount_minor: int | None = None,
                   items: list[tuple[str, int]] | None = None, include_shipping: bool = False,
                   to: str = "original", reason: str | None = None) -> RefundPlan:
    """What ``refund`` with the same arguments would pay back, to where, and what happens to the stock; writes nothing.

    ``reason`` given (even empty) is checked as ``refund`` checks it, so a confirmed refund is not refused for it.
    """
    if reason is not None:
        _reason(reason, required=True)
    order = order_row(session, number)
    return _plan(session, order, order_lines(session, order.id or 0), order_settings(session),
                 amount_minor=amount_minor, items=items, include_shipping=include_shipping, to=to)


def refund(*, session: Session, actor: Actor, number: str, amount_minor: int | None = None,
           items: list[tuple[str, int]] | None = None, include_shipping: bool = False, reason: str = "",
           to: str = "original", return_id: int | None = None,
           expect_amount_minor: int | None = None) -> RefundResult:
    """Refund money on an order, with or without a return.

    ``items`` (SKU, units) refunds what those units cost; ``amount_minor`` alone is a goodwill or
    price refund spread over the lines; ``include_shipping`` alone refunds the shipping fee only
    (at most once); none of them refunds everything still held. A reason is needed. Never more
    than paid, per line or per order. ``expect_amount_minor`` (the previewed amount) refuses the
    refund when the order changed since the preview. When nothing has shipped and everything
    paid goes back, the order is cancelled and its reserved stock released.
    """
    cfg = order_settings(session)
    reason = _reason(reason, required=return_id is None)
    order = order_row(session, number)
    lines = order_lines(session, order.id or 0)
    plan = _plan(session, order, lines, cfg, amount_minor=amount_minor, items=items,
                 include_shipping=include_shipping, to=to)
    if expect_amount_minor is not None and plan.amount_minor != expect_amount_minor:
        raise Conflict(f"Order {order.number} changed since the refund was shown: it would now refund "
                       f"{cfg.currency.format(plan.amount_minor)}, not {cfg.currency.format(expect_amount_minor)}. "
                       "Look at the order again and repeat the refund.")
    amount, shipping, line_amounts = _amounts(order, lines, cfg, amount_minor=amount_minor, items=items,
                                              include_shipping=include_shipping)
    refund_payments(session, actor, order, lines, amount_minor=amount, shipping_minor=shipping,
                    line_amounts=line_amounts, reason=reason, to=to, return_id=return_id, cfg=cfg)
    settle(session, order, lines, actor)
    shop.record(session=session, actor=actor, action="order.refund", entity="order", entity_id=order.number,
                 summary=f"{cfg.currency.format(amount)} refunded on {order.number}" + (f": {reason}" if reason else ""),
                 after={"refunded_minor": order.refunded_minor, "payment_status": order.payment_status})
    notice(session, order, cfg, "refund",
           f"we refunded {cfg.currency.format(amount)} {cfg.currency.code} on your order {order.number}"
           + (" as store credit." if to == "store_credit" else " to the way you paid.")
           + (" The order is cancelled." if plan.cancels else ""))
    if plan.cancels:
        cancel_order(session=session, actor=actor, number=order.number, reason="refunded in full before it shipped",
                     notify=False)
    methods: dict[str, int] = {}
    for row in session.exec(select(OrderRefund).where(OrderRefund.order_id == order.id,
                                                      OrderRefund.batch == select(OrderRefund.batch)
                                                      .where(OrderRefund.order_id == order.id)
                                                      .order_by(col(OrderRefund.id).desc()).limit(1)
                                                      .scalar_subquery())):
        methods[row.method] = methods.get(row.method, 0) + row.amount_minor
    session.flush()
    return RefundResult(number=order.number, amount_minor=amount, shipping_minor=shipping, methods=methods,
                        payment_status=order.payment_status, refunded_minor=order.refunded_minor,
                        cancelled=plan.cancels, stock_note=plan.stock_note)


# ---------------------------------------------------------------- returns


def _pending_units(session: Session, order_id: int) -> dict[int, int]:
    pending: dict[int, int] = {}
    rows = session.exec(select(ReturnLine.line_id, ReturnLine.quantity).join(
        OrderReturn, col(OrderReturn.id) == col(ReturnLine.return_id))
        .where(OrderReturn.order_id == order_id, col(OrderReturn.status).in_(OPEN_RETURN))).all()
    for line_id, quantity in rows:
        pending[line_id] = pending.get(line_id, 0) + quantity
    return pending


def _returnable(session: Session, order: Order, lines: list[OrderLine], items: list[tuple[str, int]],
                field: str = "items") -> dict[int, int]:
    if not items:
        raise InvalidInput("Name the items that come back, like TEE-01:1.", field=field)
    for code, quantity in items:
        if quantity <= 0:
            raise InvalidInput(f"The quantity of {code} to return must be more than zero.", field=field)
    pending = _pending_units(session, order.id or 0)
    return lines_for_items(
        lines, items, what="returned", field=field,
        room=lambda line: line.quantity_shipped - line.quantity_returned - pending.get(line.id or 0, 0))


class ReturnableLine(BaseModel):
    """A line of an order as a return sees it: sold, already returned (or in an open return), still returnable."""

    sku: str
    title: str
    sold: int
    returned: int
    returnable: int


def returnable_lines(*, session: Session, number: str) -> list[ReturnableLine]:
    """The order's lines with what can still come back (shipped, less returned, less open returns)."""
    order = order_row(session, number)
    pending = _pending_units(session, order.id or 0)
    out: list[ReturnableLine] = []
    for line in order_lines(session, order.id or 0):
        waiting = pending.get(line.id or 0, 0)
        out.append(ReturnableLine(sku=line.sku, title=line_title(line), sold=line.quantity,
                                  returned=line.quantity_returned + waiting,
                                  returnable=max(line.quantity_shipped - line.quantity_returned - waiting, 0)))
    return out


def request_return(*, session: Session, actor: Actor, number: str, items: list[tuple[str, int]], reason: str,
                   photos: list[str] | None = None) -> ReturnRead:
    """A customer asks to send shipped items back; it waits for approval."""
    cfg = order_settings(session)
    reason = _reason(reason, required=True)
    order = order_row(session, number)
    if order.status == "cancelled":
        raise Conflict(f"Order {order.number} is cancelled; there is nothing to return.")
    lines = order_lines(session, order.id or 0)
    chosen = _returnable(session, order, lines, items)
    paths = []
    for photo in photos or []:
        path = Path(photo).expanduser()
        if not path.is_file():
            raise InvalidInput(f"The photo {photo} does not exist; give the path of an image file.", field="photos")
        paths.append(str(path.resolve()))
    row = OrderReturn(order_id=order.id or 0, status="requested", reason=reason, photos=paths or None,
                      requested_at=clock.now())
    session.add(row)
    session.flush()
    for line_id, quantity in chosen.items():
        session.add(ReturnLine(return_id=row.id or 0, line_id=line_id, quantity=quantity))
    text = ", ".join(f"{line.sku} x{chosen[line.id or 0]}" for line in lines if chosen.get(line.id or 0))
    add_event(session, order, actor, "return_requested", f"Return #{row.id} requested: {text} ({reason}).",
              {"return_id": row.id})
    touch(order)
    session.add(order)
    shop.record(session=session, actor=actor, action="order.return_request", entity="order", entity_id=order.number,
                 summary=f"return #{row.id} requested on {order.number}: {text}"[:500])
    notice(session, order, cfg, "return requested",
           f"we have your request to return {text} from order {order.number}; we will tell you when it is approved.")
    session.flush()
    return _read_return(session, row)


def decide_return(*, session: Session, actor: Actor, return_id: int, approve: bool, note: str = "") -> ReturnRead:
    """Approve or reject a requested return (a rejection needs a note for the customer)."""
    cfg = order_settings(session)
    row = _return_row(session, return_id)
    note = _reason(note, required=not approve, what="reason for the rejection" if not approve else "note", field="note")
    _move(row, "approved" if approve else "rejected")
    row.decided_at = clock.now()
    row.decision_note = note
    session.add(row)
    order = session.get(Order, row.order_id)
    assert order is not None
    word = "approved" if approve else "rejected"
    add_event(session, order, actor, f"return_{word}", f"Return #{row.id} {word}" + (f": {note}" if note else "") + ".",
              {"return_id": row.id})
    touch(order)
    session.add(order)
    shop.record(session=session, actor=actor, action=f"order.return_{word}", entity="order", entity_id=order.number,
                 summary=f"return #{row.id} {word}")
    notice(session, order, cfg, f"return {word}",
           f"your return #{row.id} for order {order.number} was {word}" + (f": {note}" if note else "."))
    session.flush()
    return _read_return(session, row)


def _receive_lines(session: Session, actor: Actor, order: Order, lines: list[OrderLine], row: OrderReturn,
                   conditions: dict[str, str]) -> list[str]:
    by_id = {line.id: line for line in lines}
    return_lines = session.exec(select(ReturnLine).where(ReturnLine.return_id == row.id)).all()
    unknown = {c.upper() for c in conditions} - {by_id[rl.line_id].sku.upper() for rl in return_lines}
    if unknown:
        raise InvalidInput(f"{', '.join(sorted(unknown))} is not on return #{row.id}.", field="conditions")
    wanted = {sku.upper(): condition for sku, condition in conditions.items()}
    done = []
    for rl in return_lines:
        line = by_id[rl.line_id]
        condition = wanted.get(line.sku.upper(), "resellable")
        if condition not in CONDITIONS:
            raise InvalidInput(f"The condition {condition!r} of {line.sku} is not resellable or damaged.",
                               field="conditions")
        if line.quantity_returned + rl.quantity > line.quantity_shipped:
            raise Conflict(f"{line.sku}: only {line.quantity_shipped - line.quantity_returned} shipped units are "
                           "not back yet.")
        if line.variant_id is not None and order.stock_mode != "none":
            restock_return(session=session, actor=actor, variant_id=line.variant_id, quantity=rl.quantity,
                                     location_id=order.location_id, ref_kind="order", ref_id=order.number,
                                     condition=condition)
        rl.condition = condition
        session.add(rl)
        line.quantity_returned += rl.quantity
        session.add(line)
        done.append(f"{line.sku} x{rl.quantity} {'restocked' if condition == 'resellable' else 'written off'}")
    return done


def receive_return(*, session: Session, actor: Actor, return_id: int,
                   conditions: dict[str, str] | None = None) -> ReturnRead:
    """The goods of an approved return arrived: each line restocked (resellable) or written off (damaged)."""
    cfg = order_settings(session)
    row = _return_row(session, return_id)
    _move(row, "received")
    order = session.get(Order, row.order_id)
    assert order is not None
    lines = order_lines(session, order.id or 0)
    done = _receive_lines(session, actor, order, lines, row, conditions or {})
    row.received_at = clock.now()
    session.add(row)
    touch(order)
    session.add(order)
    session.flush()
    add_event(session, order, actor, "return_received", f"Return #{row.id} received: {', '.join(done)}.",
              {"return_id": row.id})
    settle(session, order, lines, actor)
    shop.record(session=session, actor=actor, action="order.return_receive", entity="order", entity_id=order.number,
                 summary=f"return #{row.id} received: {', '.join(done)}"[:500])
    notice(session, order, cfg, "return received", f"we received your return #{row.id} for order {order.number}.")
    session.flush()
    return _read_return(session, row)


def _return_to_refund(session: Session, return_id: int) -> tuple[OrderReturn, Order, list[tuple[str, int]]]:
    row = _return_row(session, return_id)
    if row.status != "received":
        raise Conflict(f"Return #{row.id} is {row.status}; only received returns are refunded.")
    order = session.get(Order, row.order_id)
    assert order is not None
    lines = {line.id: line for line in order_lines(session, order.id or 0)}
    items = [(lines[rl.line_id].sku, rl.quantity) for rl in session.exec(select(ReturnLine)
                                                                         .where(ReturnLine.return_id == row.id))]
    return row, order, items


def preview_return_refund(*, session: Session, return_id: int, include_shipping: bool = False,
                          amount_minor: int | None = None, to: str = "original") -> RefundPlan:
    """What ``refund_return`` with the same arguments would pay back, and to where; writes nothing."""
    _, order, items = _return_to_refund(session, return_id)
    return preview_refund(session=session, number=order.number, amount_minor=amount_minor, items=items,
                          include_shipping=include_shipping, to=to)


def refund_return(*, session: Session, actor: Actor, return_id: int, include_shipping: bool = False,
                  amount_minor: int | None = None, to: str = "original", reason: str = "",
                  expect_amount_minor: int | None = None) -> RefundResult:
    """Refund a received return: what its units cost (or less), optionally with shipping."""
    row, order, items = _return_to_refund(session, return_id)
    result = refund(session=session, actor=actor, number=order.number, amount_minor=amount_minor, items=items,
                    include_shipping=include_shipping, reason=_reason(reason, False) or f"return #{row.id}",
                    to=to, return_id=row.id, expect_amount_minor=expect_amount_minor)
    _move(row, "refunded")
    row.refund_minor = result.amount_minor
    row.refunded_at = clock.now()
    session.add(row)
    session.flush()
    return result


def list_returns(*, session: Session, status: str | None = None, after: int | None = None,
                 limit: int = 50) -> Page[ReturnRead]:
    """Returns newest first, optionally of one status (``open`` is requested, approved or received)."""
    limit = clamp_limit(limit)
    query = select(OrderReturn).order_by(col(OrderReturn.id).desc()).limit(limit + 1)
    if status:
        wanted = status.strip().lower()
        if wanted == "open":
            query = query.where(col(OrderReturn.status).in_(("requested", "approved", "received")))
        elif wanted in RETURN_TRANSITIONS:
            query = query.where(OrderReturn.status == wanted)
        else:
            raise InvalidInput(f"{status!r} is not a return status; use open or one of {', '.join(RETURN_TRANSITIONS)}.")
    if after is not None:
        query = query.where(col(OrderReturn.id) < after)
    rows = session.exec(query).all()[: limit + 1]
    orders = session.exec(select(Order).where(col(Order.id).in_({r.order_id for r in rows}))).all() if rows else []
    reads = {r.id: r for r in returns_of(session, list(orders))}
    items = [reads[id_of(r)] for r in rows[:limit]]
    return Page(items=items, next_after=str(items[-1].id) if len(rows) > limit else None)


# ---------------------------------------------------------------- exchange


def _carry_discounts(session: Session, lines: list[OrderLine], line_amounts: dict[int, tuple[int, int]],
                     new: list[DraftLine]) -> tuple[list[DraftLine], bool]:
    """Price replacement units at what was paid for returned units of the same list price (an even exchange).

    A new line without its own price takes, for as many units as came back at its list price, the
    discount those units had (promotion, tier, coupon, order discount: what the customer actually
    paid), so swapping a size costs nothing; units at another list price keep the catalogue price and
    the difference is charged or refunded. Returns the lines and whether any discount was carried.
    """
    by_id = {line.id: line for line in lines}
    pool: dict[int, list[list[int]]] = {}  # list price -> [[units left, value left], ...] of the returned units
    for line_id, (units, value) in line_amounts.items():
        pool.setdefault(by_id[line_id].unit_price_minor, []).append([units, value])
    out: list[DraftLine] = []
    carried = False
    for draft, variant in zip(new, resolve_variants(session, new), strict=True):
        if draft.unit_price_minor is not None or draft.line_discount_minor:
            out.append(draft)  # the operator set this line's price
            continue
        matched = paid = 0
        for entry in pool.get(variant.price_minor, []):
            take = min(entry[0], draft.quantity - matched)
            if take <= 0:
                continue
            part = pricing_api.share_of_units(entry[1], entry[0], 0, take)
            entry[0] -= take
            entry[1] -= part
            matched += take
            paid += part
        discount = matched * variant.price_minor - paid
        if matched and discount > 0:
            out.append(draft.model_copy(update={"unit_price_minor": variant.price_minor,
                                                "line_discount_minor": discount}))
            carried = True
        else:
            out.append(draft)
    return out, carried


def exchange(*, session: Session, actor: Actor, number: str, back: list[tuple[str, int]],
             new: list[DraftLine], pay_method: str | None = None, reason: str = "exchange",
             condition: str = "resellable", hand_over: bool = False) -> ExchangeResult:
    """Take items back and give others in one step; the price difference is charged or refunded.

    An even exchange (another size at the same list price) costs nothing: the replacement is priced
    at what the customer paid for the returned units, their discounts carried (``_carry_discounts``).

    The returned units are received at once (restocked or written off); a new order for the new
    items is paid with their value (method 'exchange'). When the new items cost more, the
    difference is taken with ``pay_method`` (or left due on the new order); when less, the rest
    is refunded to the original payments.
    """
    shop.require(session=session, actor=actor, permission="refund")  # before any work (the limit: refund_payments)
    cfg = order_settings(session)
    reason = _reason(reason, required=True)
    if condition not in CONDITIONS:
        raise InvalidInput(f"The condition {condition!r} is not resellable or damaged.", field="condition")
    if not new:
        raise InvalidInput("Name the items the customer takes instead, or make a return.", field="new")
    order = order_row(session, number)
    if order.status == "cancelled":
        raise Conflict(f"Order {order.number} is cancelled; there is nothing to exchange.")
    lines = order_lines(session, order.id or 0)
    chosen = _returnable(session, order, lines, back, field="back")
    refundable = {line.id: line.quantity - line.quantity_refunded for line in lines}
    for line in lines:
        if chosen.get(line.id or 0, 0) > refundable[line.id]:
            raise InvalidInput(f"{line.sku} was already refunded, so it cannot be exchanged.", field="back")
    line_amounts = _unit_amounts(lines, chosen)
    value = sum(a for _, a in line_amounts.values())
    balance = order.paid_minor - order.refunded_minor
    if value > balance:
        raise InvalidInput(f"The items are worth {cfg.currency.format(value)} but only {cfg.currency.format(balance)} "
                           f"was paid on order {order.number}; take the payment first.", field="back")
    now = clock.now()
    row = OrderReturn(order_id=order.id or 0, status="received", reason=reason, requested_at=now, decided_at=now,
                      received_at=now, decision_note="exchange")
    session.add(row)
    session.flush()
    for line_id, quantity in chosen.items():
        session.add(ReturnLine(return_id=row.id or 0, line_id=line_id, quantity=quantity))
    session.flush()
    done = _receive_lines(session, actor, order, lines, row, {line.sku: condition for line in lines
                                                              if chosen.get(line.id or 0)})
    new, carried = _carry_discounts(session, lines, line_amounts, new)
    draft = OrderDraft(channel=order.channel if order.channel != "imported" else "counter",
                       customer=order.customer_id, guest_name=order.customer_name if order.customer_id is None else "",
                       guest_phone=order.customer_phone if order.customer_id is None else None,
                       guest_email=order.customer_email if order.customer_id is None else None,
                       lines=new, note=f"Exchange for {order.number} (return #{row.id}).",
                       stock_mode="deferred" if hand_over else "reserve",
                       location=None, apply_offers=False if carried else None)  # the carried discount, not twice
    if order.ship_street or order.ship_city:
        from shoptui.services.members import AddressInput

        draft.ship_to = AddressInput(recipient=order.ship_recipient, phone=order.ship_phone, country=order.ship_country,
                                     region=order.ship_province, city=order.ship_city, district=order.ship_district,
                                     street=order.ship_street, postal_code=order.ship_postal_code)
    new_order = create_order(session=session, actor=actor, draft=draft)
    credit = min(value, new_order.total_minor)
    refunded = charged = 0
    if credit > 0:
        ids = list(line_amounts)
        parts = pricing_api.allocate(credit, [line_amounts[i][1] for i in ids])
        credit_lines = {i: (line_amounts[i][0], p) for i, p in zip(ids, parts, strict=True)}
        refund_payments(session, actor, order, lines, amount_minor=credit, shipping_minor=0, line_amounts=credit_lines,
                        reason=f"exchange into {new_order.number}", to="exchange", return_id=row.id, cfg=cfg)
        pay(session=session, actor=actor, number=new_order.number, method="exchange", amount_minor=credit,
            reference=order.number, internal=True)
        line_amounts = {i: (0, line_amounts[i][1] - credit_lines[i][1]) for i in ids}
    if value > credit:
        rest = {i: ua for i, ua in line_amounts.items() if ua[1]}
        refunded = refund_payments(session, actor, order, lines, amount_minor=value - credit, shipping_minor=0,
                                   line_amounts=rest, reason=f"exchange difference, return #{row.id}", to="original",
                                   return_id=row.id, cfg=cfg)
    if new_order.total_minor > credit and pay_method:
        charged = pay(session=session, actor=actor, number=new_order.number, method=pay_method,
                      amount_minor=new_order.total_minor - credit).payment.amount_minor
    row.status = "refunded"
    row.refund_minor = value
    row.refunded_at = now
    row.exchange_order_id = new_order.id
    session.add(row)
    touch(order)
    session.add(order)
    session.flush()
    add_event(session, order, actor, "exchanged",
              f"Exchange (return #{row.id}): {', '.join(done)}; new order {new_order.number} "
              f"({cfg.currency.format(new_order.total_minor)}); credit {cfg.currency.format(credit)}"
              + (f", refunded {cfg.currency.format(refunded)}" if refunded else "")
              + (f", charged {cfg.currency.format(charged)}" if charged else "") + ".",
              {"return_id": row.id, "new_order": new_order.number})
    settle(session, order, lines, actor)
    new_row = order_row(session, new_order.number)
    if hand_over and new_row.payment_status in ("paid",):
        fulfil_all(session=session, actor=actor, number=new_order.number)
    shop.record(session=session, actor=actor, action="order.exchange", entity="order", entity_id=order.number,
                 summary=f"exchange on {order.number} into {new_order.number}",
                 after={"credit_minor": credit, "refunded_minor": refunded, "charged_minor": charged})
    notice(session, order, cfg, "exchange",
           f"your exchange for order {order.number} is done: new order {new_order.number}."
           + (f" {cfg.currency.format(refunded)} {cfg.currency.code} is refunded." if refunded else ""))
    session.flush()
    final = read_order(session, order_row(session, new_order.number))
    return ExchangeResult(number=order.number, return_id=row.id or 0, returned_value_minor=value, new_order=final,
                          credit_minor=credit, refunded_minor=refunded, charged_minor=charged,
                          due_minor=max(final.total_minor - final.paid_minor, 0))
