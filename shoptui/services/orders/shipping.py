"""Shipping: parcels with a carrier and tracking number (full or partial), batches from CSV, delivery.

Shipping deducts stock through the inventory ledger and queues a notice to the customer with
the carrier, the tracking link and the expected delivery day. A batch is all-or-nothing: every
row is tried, and if any is bad nothing is shipped and every bad row is reported.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta

from pydantic import BaseModel
from sqlalchemy import update
from sqlmodel import Session, col

from shoptui import clock, wording
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, ShopError
from shoptui.models.orders import Shipment, ShipmentLine
from shoptui.services import shop
from shoptui.services.inventory import fulfil, sell
from shoptui.services.orders import status as machine
from shoptui.services.orders.common import OrderSettings, add_event, order_settings, touch
from shoptui.services.orders.drafts import parse_item_spec
from shoptui.services.orders.notices import notify_customer, unsubscribed_channels
from shoptui.services.orders.reading import ItemQuantity, OrderRead, ShipmentRead, read_order
from shoptui.services.orders.rows import lines_for_items, order_lines, order_row, settle

MAX_BATCH_ROWS = 10_000


class BatchRefused(InvalidInput):
    """A batch with bad rows: nothing was done; ``problems`` lists each bad row."""

    def __init__(self, problems: list[str], total: int) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:100])
        more = f"\n  ... and {len(problems) - 100} more" if len(problems) > 100 else ""
        super().__init__(f"{len(problems)} of {total} rows cannot be shipped, so nothing was shipped:\n{shown}{more}")


class ShipResult(BaseModel):
    """What one shipment did."""

    number: str
    shipment: ShipmentRead
    fulfilment_status: str
    notified: list[str]


@dataclass
class ShipRow:
    """One row of a batch: order number, carrier, tracking and optional items (``SKU:QTY``)."""

    row: int
    number: str
    carrier: str
    tracking: str
    items: list[tuple[str, int]] = field(default_factory=list)


def clean_tracking(raw: str) -> str:
    """A tracking number without spaces, upper-cased; InvalidInput when empty or absurd."""
    value = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw or "")).upper()
    if not value:
        raise InvalidInput("Give a tracking number.", field="tracking")
    if len(value) > 60:
        raise InvalidInput(f"The tracking number {value[:20]}... is too long (at most 60 characters).", field="tracking")
    return value


def ship(*, session: Session, actor: Actor, number: str, carrier: str, tracking: str,
         items: list[tuple[str, int]] | None = None, cfg: OrderSettings | None = None) -> ShipResult:
    """Ship all remaining items, or ``items`` (SKU, quantity), with a carrier and tracking number.

    Refused (nothing written) for an unpaid, cancelled or already shipped order, an unknown
    carrier, a tracking number that does not match the carrier's pattern, or more than ordered.
    """
    cfg = cfg or order_settings(session)
    order = order_row(session, number)
    if order.status == "cancelled":
        raise Conflict(f"Order {order.number} is cancelled and cannot be shipped.")
    if order.status != "open":
        raise Conflict(f"Order {order.number} is {order.status}; there is nothing left to ship.")
    if order.payment_status not in machine.SHIPPABLE_PAYMENT:
        raise Conflict(f"Order {order.number} is {order.payment_status.replace('_', ' ')}; take the payment before "
                       "shipping it.")
    chosen_carrier = cfg.carrier(carrier)
    tracking = clean_tracking(tracking)
    if chosen_carrier.pattern and not re.fullmatch(chosen_carrier.pattern, tracking):
        raise InvalidInput(f"The tracking number {tracking} does not look like a {chosen_carrier.code} number "
                           f"(expected {chosen_carrier.pattern}). Check it for typos.", field="tracking")
    lines = order_lines(session, order.id or 0)
    remaining = {line.id: line.quantity - line.quantity_shipped for line in lines}
    if not any(q > 0 for q in remaining.values()):
        raise Conflict(f"Order {order.number} is already shipped in full.")
    if items:
        for code, quantity in items:
            if quantity <= 0:
                raise InvalidInput(f"The quantity of {code} to ship must be more than zero.")
        chosen = lines_for_items(lines, items, room=lambda line: line.quantity - line.quantity_shipped, what="shipped")
    else:
        chosen = {lid: q for lid, q in remaining.items() if q > 0 and lid is not None}
    now = clock.now()
    eta = now + timedelta(days=chosen_carrier.typical_days)
    shipment = Shipment(order_id=order.id or 0, carrier_code=chosen_carrier.code, carrier_name=chosen_carrier.name,
                        tracking=tracking, tracking_url=chosen_carrier.link(tracking)[:500],
                        estimated_delivery_at=eta, shipped_at=now, actor=actor.name[:100])
    session.add(shipment)
    session.flush()
    shipped_items = []
    for line in lines:
        quantity = chosen.get(line.id or 0, 0)
        if quantity <= 0:
            continue
        if line.variant_id is not None and order.stock_mode == "reserve":
            fulfil(session=session, actor=actor, variant_id=line.variant_id, quantity=quantity,
                             location_id=order.location_id, ref_kind="order", ref_id=order.number)
        elif line.variant_id is not None and order.stock_mode == "deferred":
            sell(session=session, actor=actor, variant_id=line.variant_id, quantity=quantity,
                           location_id=order.location_id, ref_kind="order", ref_id=order.number)
        line.quantity_shipped += quantity
        session.add(line)
        session.add(ShipmentLine(shipment_id=shipment.id or 0, line_id=line.id or 0, quantity=quantity))
        shipped_items.append((line.sku, line.title, quantity, line.id or 0))
    order.shipment_count += 1
    order.shipped_at = order.shipped_at or now
    touch(order)
    session.add(order)
    session.flush()
    summary = ", ".join(f"{sku} x{qty}" for sku, _, qty, _ in shipped_items)
    eta_text = wording.when(eta, cfg.tz, time=False)
    add_event(session, order, actor, "shipped",
              f"Shipped with {chosen_carrier.name}, tracking {tracking}: {summary}. Expected {eta_text}.",
              {"shipment_id": shipment.id, "carrier": chosen_carrier.code, "tracking": tracking})
    settle(session, order, lines, actor)
    notified = notify_customer(
        session, order, cfg, template="order.shipped", subject=cfg.values["order_shipping_subject"],
        body=cfg.values["order_shipping_body"],
        context={"carrier": chosen_carrier.name, "tracking": tracking,
                 "tracking_url": shipment.tracking_url or "(the carrier's website)", "eta": eta_text,
                 "items": "\n".join(f"  {qty} x {title}" for _, title, qty, _ in shipped_items)})
    if notified:
        add_event(session, order, actor, "notified", f"Shipping notice queued by {' and '.join(notified)}.")
    unsubscribed = unsubscribed_channels(session, order, cfg)
    if unsubscribed:
        add_event(session, order, actor, "not notified",
                  f"No shipping notice by {' and '.join(unsubscribed)}: the customer unsubscribed from it.")
    shop.record(session=session, actor=actor, action="order.ship", entity="order", entity_id=order.number,
                 summary=f"{order.number} shipped with {chosen_carrier.code} {tracking}: {summary}"[:500],
                 after={"fulfilment_status": order.fulfilment_status, "tracking": tracking})
    session.flush()
    read = ShipmentRead.model_validate(shipment, from_attributes=True)
    read.items = [ItemQuantity(line_id=lid, sku=sku, quantity=qty) for sku, _, qty, lid in shipped_items]
    return ShipResult(number=order.number, shipment=read, fulfilment_status=order.fulfilment_status, notified=notified)


def parse_ship_csv(text: str) -> tuple[list[ShipRow], list[str]]:
    """Rows of a shipping CSV (number, carrier, tracking[, lines]) and the problems found reading it.

    ``lines`` holds items like ``TEE-01:2 MUG-01:1`` (space or ; separated); empty ships everything.
    """
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InvalidInput("The shipping file is empty; it needs a header: number,carrier,tracking[,lines].")
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise InvalidInput(f"The shipping file is not CSV ({exc}).") from exc
    missing = [h for h in ("number", "carrier", "tracking") if h not in header]
    if missing:
        raise InvalidInput(f"The shipping file's header lacks {', '.join(missing)}; it needs number,carrier,tracking[,lines].")
    index = {name: header.index(name) for name in ("number", "carrier", "tracking")}
    lines_at = header.index("lines") if "lines" in header else None
    rows: list[ShipRow] = []
    problems: list[str] = []
    try:
        for values in reader:
            row_number = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) + len(problems) >= MAX_BATCH_ROWS:
                raise InvalidInput(f"The shipping file has more than {MAX_BATCH_ROWS:,} rows; split it.")
            if len(values) < len(header):
                values = values + [""] * (len(header) - len(values))
            try:
                items = []
                if lines_at is not None and values[lines_at].strip():
                    for spec in re.split(r"[;\s]+", values[lines_at].strip()):
                        code, quantity, _ = parse_item_spec(spec)
                        items.append((code, quantity))
                number = values[index["number"]].strip()
                if not number:
                    raise InvalidInput("the order number is empty")
                rows.append(ShipRow(row=row_number, number=number, carrier=values[index["carrier"]].strip(),
                                    tracking=values[index["tracking"]], items=items))
            except ShopError as exc:
                problems.append(f"row {row_number}: {exc}")
    except csv.Error as exc:
        raise InvalidInput(f"The shipping file is not valid CSV at line {reader.line_num} ({exc}).") from exc
    return rows, problems


def ship_many(*, session: Session, actor: Actor, rows: list[ShipRow], problems: list[str] | None = None) -> list[ShipResult]:
    """Ship many orders all-or-nothing: each row is tried; any bad row refuses the whole batch."""
    problems = list(problems or [])
    total = len(rows) + len(problems)
    if not rows and not problems:
        raise InvalidInput("There are no orders to ship in the batch.")
    cfg = order_settings(session)
    results: list[ShipResult] = []
    seen: dict[str, int] = {}
    for row in rows:
        key = row.number.strip().upper()
        if key in seen and not row.items:
            problems.append(f"row {row.row}: order {row.number} is also on row {seen[key]}")
            continue
        seen.setdefault(key, row.row)
        try:
            with session.begin_nested():
                results.append(ship(session=session, actor=actor, number=row.number, carrier=row.carrier,
                                    tracking=row.tracking, items=row.items or None, cfg=cfg))
        except ShopError as exc:
            problems.append(f"row {row.row}: {exc}")
    if problems:
        raise BatchRefused(sorted(problems, key=_row_order), total)
    return results


def _row_order(problem: str) -> int:
    match = re.match(r"row (\d+)", problem)
    return int(match[1]) if match else 0


def ship_from_csv(*, session: Session, actor: Actor, text: str) -> list[ShipResult]:
    """``order ship --from-csv``: parse and ship every row, all-or-nothing."""
    rows, problems = parse_ship_csv(text)
    return ship_many(session=session, actor=actor, rows=rows, problems=problems)


def deliver(*, session: Session, actor: Actor, number: str) -> OrderRead:
    """Mark a shipped order delivered; it is then completed."""
    order = order_row(session, number)
    if order.status == "cancelled":
        raise Conflict(f"Order {order.number} is cancelled.")
    if order.fulfilment_status == "delivered" or order.delivered_at is not None:
        raise Conflict(f"Order {order.number} was already delivered.")
    if order.fulfilment_status == "unfulfilled":
        raise Conflict(f"Order {order.number} has not been shipped yet.")
    if order.fulfilment_status == "partially_shipped":
        raise Conflict(f"Order {order.number} is only partly shipped; ship the rest first.")
    if order.fulfilment_status != "shipped":
        raise Conflict(f"Order {order.number} is {order.fulfilment_status.replace('_', ' ')}.")
    now = clock.now()
    session.execute(update(Shipment).where(col(Shipment.order_id) == order.id, col(Shipment.delivered_at).is_(None))
                    .values(delivered_at=now).execution_options(synchronize_session=False))
    order.delivered_at = now
    order.completed_at = now
    touch(order)
    session.add(order)
    lines = order_lines(session, order.id or 0)
    add_event(session, order, actor, "delivered", "Delivered; the order is completed.")
    settle(session, order, lines, actor, status="completed")
    shop.record(session=session, actor=actor, action="order.deliver", entity="order", entity_id=order.number,
                 summary=f"{order.number} delivered", after={"status": order.status})
    session.flush()
    return read_order(session, order)
