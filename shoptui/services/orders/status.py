"""The order's state machines: the one place that says which status changes are allowed.

An order has three statuses. ``payment_status`` and ``fulfilment_status`` are derived from the
order's numbers (paid, refunded, shipped, returned ...) by ``derive_*``; ``status`` (open,
completed, cancelled) is set by the services. ``apply`` moves an order to its new statuses,
refusing any change the tables below do not allow, and keeps the ``order_stat`` counters in step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import insert, update
from sqlmodel import Session, col

from shoptui.errors import Conflict

if TYPE_CHECKING:  # light to import: the dashboard's order figures use this vocabulary
    from shoptui.models.orders import Order, OrderLine

ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"completed", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}

PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "unpaid": frozenset({"partially_paid", "paid"}),
    "partially_paid": frozenset({"paid", "partially_refunded", "refunded"}),
    "paid": frozenset({"partially_refunded", "refunded"}),
    "partially_refunded": frozenset({"refunded"}),
    "refunded": frozenset(),
}

FULFILMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "unfulfilled": frozenset({"partially_shipped", "shipped", "delivered"}),  # delivered: handed over at the counter
    "partially_shipped": frozenset({"shipped", "delivered", "partially_returned"}),
    "shipped": frozenset({"delivered", "partially_returned", "returned"}),
    "delivered": frozenset({"partially_returned", "returned"}),
    "partially_returned": frozenset({"returned"}),
    "returned": frozenset(),
}

MACHINES = {"status": ORDER_TRANSITIONS, "payment_status": PAYMENT_TRANSITIONS,
            "fulfilment_status": FULFILMENT_TRANSITIONS}
ALL_STATUSES = {value: field for field, table in MACHINES.items() for value in table}

SHIPPABLE_PAYMENT = ("paid", "partially_refunded")  # a goodwill refund does not stop the parcel
UNPAID = ("unpaid", "partially_paid")
TO_SHIP = ("unfulfilled", "partially_shipped")


def allowed(field: str, before: str, after: str) -> bool:
    """Whether ``field`` may change from ``before`` to ``after`` (staying put is always allowed)."""
    return before == after or after in MACHINES[field][before]


def derive_payment(*, total_minor: int, paid_minor: int, refunded_minor: int) -> str:
    """The payment status the numbers say."""
    if refunded_minor > 0:
        return "refunded" if refunded_minor >= paid_minor else "partially_refunded"
    if paid_minor >= total_minor:
        return "paid"
    return "partially_paid" if paid_minor > 0 else "unpaid"


def derive_fulfilment(lines: list[OrderLine], *, delivered: bool) -> str:
    """The fulfilment status the lines say (``delivered`` once the order was marked delivered)."""
    ordered = sum(line.quantity for line in lines)
    shipped = sum(line.quantity_shipped for line in lines)
    returned = sum(line.quantity_returned for line in lines)
    if returned > 0:
        return "returned" if returned >= ordered else "partially_returned"
    if shipped == 0:
        return "unfulfilled"
    if shipped < ordered:
        return "partially_shipped"
    return "delivered" if delivered else "shipped"


def stat_key(order: Order) -> tuple[str, str, str]:
    """The counter an order counts in."""
    return (order.status, order.payment_status, order.fulfilment_status)


def count(session: Session, key: tuple[str, str, str] | None, delta: int) -> None:
    """Add ``delta`` to the counter of ``key`` (creating it)."""
    from shoptui.models.orders import OrderStat

    if key is None or delta == 0:
        return
    status, payment, fulfilment = key
    changed = session.exec(
        update(OrderStat)
        .where(col(OrderStat.status) == status, col(OrderStat.payment_status) == payment,
               col(OrderStat.fulfilment_status) == fulfilment)
        .values(orders=col(OrderStat.orders) + delta)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        session.execute(insert(OrderStat).values(status=status, payment_status=payment,
                                                 fulfilment_status=fulfilment, orders=delta))


def apply(session: Session, order: Order, lines: list[OrderLine], *, status: str | None = None) -> list[str]:
    """Move ``order`` to the statuses its numbers say (and ``status`` if given); returns what changed.

    Raises Conflict naming the order and both statuses when a table above forbids the move.
    """
    before = stat_key(order)
    wanted = {
        "status": status or order.status,
        "payment_status": derive_payment(total_minor=order.total_minor, paid_minor=order.paid_minor,
                                         refunded_minor=order.refunded_minor),
        "fulfilment_status": derive_fulfilment(lines, delivered=order.delivered_at is not None),
    }
    changes: list[str] = []
    for field, after in wanted.items():
        current = getattr(order, field)
        if not allowed(field, current, after):
            label = field.replace("_", " ")
            raise Conflict(f"Order {order.number} cannot go from {current.replace('_', ' ')} to "
                           f"{after.replace('_', ' ')} ({label}).")
        if current != after:
            changes.append(f"{field.replace('_status', '')} {current} -> {after}")
            setattr(order, field, after)
    after_key = stat_key(order)
    if after_key != before:
        count(session, before, -1)
        count(session, after_key, 1)
        from shoptui.services.orders.rollups import on_status_change  # the sales rollups follow it in and out of sales

        on_status_change(session, order, lines, before[:2], after_key[:2])
    return changes
