"""The orders' ``db check``: totals match their lines, money matches payments and refunds, the status
counters match the orders.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from shoptui.models.orders import (
    Order,
    OrderAdjustment,
    OrderLine,
    OrderPayment,
    OrderRefund,
    OrderStat,
)
from shoptui.services.orders import status as machine
from shoptui.store.rows import tuples


def _sums(session: Session, model: Any, column: Any, where: Any = None) -> dict[int, int]:
    query = select(model.order_id, func.sum(column)).group_by(model.order_id)
    if where is not None:
        query = query.where(where)
    return {row[0]: int(row[1] or 0) for row in session.exec(query)}


def check_order_totals(*, session: Session) -> list[str]:
    """Order totals equal the sum of their parts (lines, adjustments, shipping)."""
    problems: list[str] = []
    line = OrderLine
    lines = {row[0]: row[1:] for row in tuples(session.execute(
        sa_select(col(line.order_id), func.sum(col(line.line_total_minor)), func.sum(col(line.adjustment_minor)),
                  func.sum(col(line.quantity)),
                  func.sum(col(line.gross_minor) - col(line.line_discount_minor) - col(line.line_total_minor)),
                  func.sum(col(line.line_total_minor) + col(line.adjustment_minor) - col(line.net_minor)),
                  func.sum(col(line.quantity) * col(line.unit_price_minor) - col(line.gross_minor)))
        .group_by(col(line.order_id))))}
    adjustments = _sums(session, OrderAdjustment, OrderAdjustment.amount_minor)
    rows = tuples(session.execute(sa_select(
        col(Order.id), col(Order.number), col(Order.subtotal_minor), col(Order.adjustments_minor),
        col(Order.shipping_minor), col(Order.total_minor), col(Order.item_count), col(Order.stock_mode)))).all()
    for oid, number, subtotal, adjusted, shipping, total, items, _mode in rows:
        line_total, line_adjust, quantity, bad_total, bad_net, bad_gross = lines.get(oid, (0, 0, 0, 0, 0, 0))
        if subtotal != line_total:
            problems.append(f"order {number}: subtotal {subtotal} but its lines add up to {line_total}")
        if adjusted != adjustments.get(oid, 0) or adjusted != line_adjust:
            problems.append(f"order {number}: adjustments {adjusted}, adjustment rows {adjustments.get(oid, 0)}, "
                            f"spread over lines {line_adjust}")
        if total != subtotal + adjusted + shipping:
            problems.append(f"order {number}: total {total} is not subtotal {subtotal} + adjustments {adjusted} + "
                            f"shipping {shipping}")
        if items != quantity:
            problems.append(f"order {number}: item count {items} but its lines hold {quantity}")
        if bad_total or bad_net or bad_gross:
            problems.append(f"order {number}: a line's amounts do not add up (gross, discount, total, net)")
        if len(problems) >= 200:
            break
    return problems


def check_order_money(*, session: Session) -> list[str]:
    """Payments and refunds agree with the orders (never more refunded than paid)."""
    problems: list[str] = []
    paid = _sums(session, OrderPayment, OrderPayment.amount_minor)
    refunded = _sums(session, OrderRefund, OrderRefund.amount_minor)
    shipping = _sums(session, OrderRefund, OrderRefund.shipping_minor)
    from shoptui.models.orders import OrderRefundLine

    # keyed like the rows they are looked up with (a read row's id is never None)
    refund_lines: dict[int | None, int] = dict(session.exec(select(OrderRefundLine.line_id, func.sum(OrderRefundLine.amount_minor))
                                     .group_by(col(OrderRefundLine.line_id))).all())
    for oid, number, p, r, s, status, pstatus, total in tuples(session.execute(
            sa_select(col(Order.id), col(Order.number), col(Order.paid_minor), col(Order.refunded_minor),
                      col(Order.shipping_refunded_minor), col(Order.status), col(Order.payment_status),
                      col(Order.total_minor)))):
        if p != paid.get(oid, 0):
            problems.append(f"order {number}: paid {p} but its payments add up to {paid.get(oid, 0)}")
        if r != refunded.get(oid, 0):
            problems.append(f"order {number}: refunded {r} but its refunds add up to {refunded.get(oid, 0)}")
        if s != shipping.get(oid, 0):
            problems.append(f"order {number}: shipping refunded {s} but its refunds say {shipping.get(oid, 0)}")
        if r > p:
            problems.append(f"order {number}: refunded {r} is more than paid {p}")
        if p > total:
            problems.append(f"order {number}: paid {p} is more than the total {total}")
        expected = machine.derive_payment(total_minor=total, paid_minor=p, refunded_minor=r)
        if status != "cancelled" and pstatus != expected:
            problems.append(f"order {number}: payment status {pstatus} but the money says {expected}")
        if len(problems) >= 200:
            return problems
    by_payment: dict[int | None, int] = dict(session.exec(select(OrderRefund.payment_id, func.sum(OrderRefund.amount_minor))
                                   .where(col(OrderRefund.payment_id).is_not(None)).group_by(col(OrderRefund.payment_id))).all())
    for pid, amount, refunded_here in session.exec(select(OrderPayment.id, OrderPayment.amount_minor,
                                                          OrderPayment.refunded_minor)):
        if refunded_here != by_payment.get(pid, 0) or refunded_here > amount:
            problems.append(f"payment {pid}: refunded {refunded_here} but its refunds add up to "
                            f"{by_payment.get(pid, 0)} (of {amount})")
    for lid, sku, net, refunded_line in session.exec(select(OrderLine.id, OrderLine.sku, OrderLine.net_minor,
                                                            OrderLine.refunded_minor)
                                                     .where(OrderLine.refunded_minor > 0)):
        if refunded_line != refund_lines.get(lid, 0) or refunded_line > net:
            problems.append(f"line {lid} ({sku}): refunded {refunded_line}, refund lines {refund_lines.get(lid, 0)}, "
                            f"paid {net}")
    return problems[:200]


def check_order_counters(*, session: Session) -> list[str]:
    """The kept order counters per status equal a count of the orders."""
    actual = {(r[0], r[1], r[2]): r[3] for r in session.exec(
        select(Order.status, Order.payment_status, Order.fulfilment_status, func.count())
        .group_by(Order.status, Order.payment_status, Order.fulfilment_status))}
    kept = {(r.status, r.payment_status, r.fulfilment_status): r.orders for r in session.exec(select(OrderStat))}
    problems = []
    for key in sorted(set(actual) | set(kept)):
        if actual.get(key, 0) != kept.get(key, 0):
            problems.append(f"orders {'/'.join(key)}: counter says {kept.get(key, 0)}, there are {actual.get(key, 0)}")
    return problems
