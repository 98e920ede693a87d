"""An order's rows for a change: the order by number, its lines, the lines an item list means, and
settling the state machines after the change.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlmodel import Session, col, select

from shoptui.config import Actor
from shoptui.errors import InvalidInput, NotFound
from shoptui.models.orders import (
    Order,
    OrderLine,
)
from shoptui.services.orders import status as machine
from shoptui.services.orders.common import add_event


def order_row(session: Session, number: str | int) -> Order:
    """The order by number (case-insensitive) or id; NotFound names it."""
    row: Order | None = None
    if isinstance(number, int) and not isinstance(number, bool):
        row = session.get(Order, number)
    else:
        wanted = unicodedata.normalize("NFKC", str(number)).strip()
        if not wanted:
            raise InvalidInput("Give an order number.")
        row = session.exec(select(Order).where(Order.number == wanted)).first()
        if row is None and wanted.upper() != wanted:
            row = session.exec(select(Order).where(Order.number == wanted.upper())).first()
    if row is None:
        raise NotFound(f"There is no order {number}. Find it with 'shoptui order list --search ...'.")
    return row


def order_lines(session: Session, order_id: int) -> list[OrderLine]:
    """The order's lines in order."""
    return list(session.exec(select(OrderLine).where(OrderLine.order_id == order_id)
                             .order_by(col(OrderLine.position), col(OrderLine.id))).all())


def settle(session: Session, order: Order, lines: list[OrderLine], actor: Actor, *, status: str | None = None) -> None:
    """Apply the state machines after a change; status changes go on the timeline."""
    changes = machine.apply(session, order, lines, status=status)
    if changes:
        add_event(session, order, actor, "status", "; ".join(changes))


def lines_for_items(lines: list[OrderLine], items: list[tuple[str, int]], *, room: Any, what: str,
                    field: str = "items") -> dict[int, int]:
    """Spread ``(SKU, quantity)`` items over the order's lines, at most ``room(line)`` each.

    Returns quantities by line id; InvalidInput names the SKU that is not on the order or has too few
    (and the input ``field`` it came from).
    """
    chosen: dict[int, int] = {}
    for code, quantity in items:
        matching = [line for line in lines if line.sku == code or (line.sku.upper() == code.upper())]
        if not matching:
            raise InvalidInput(f"{code} is not on this order.", field=field)
        left = quantity
        for line in matching:
            space = room(line) - chosen.get(line.id or 0, 0)
            take = min(space, left)
            if take > 0:
                chosen[line.id or 0] = chosen.get(line.id or 0, 0) + take
                left -= take
        if left > 0:
            possible = sum(room(line) for line in matching)
            raise InvalidInput(f"Only {possible} of {code} can be {what} on this order, not {quantity}.", field=field)
    return chosen
