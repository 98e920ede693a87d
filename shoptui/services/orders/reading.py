"""Reading orders: the read models that leave the orders services (``OrderRead`` with its lines,
payments, refunds, shipments, returns and timeline) and one order by number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from shoptui.models.orders import (
    Order,
    OrderAdjustment,
    OrderEvent,
    OrderLine,
    OrderPayment,
    OrderRefund,
    OrderReturn,
    ReturnLine,
    Shipment,
    ShipmentLine,
)
from shoptui.services.orders.rows import order_lines, order_row


class OrderLineRead(BaseModel):
    """One line as it leaves the service."""

    id: int
    position: int
    variant_id: int | None
    sku: str
    title: str
    quantity: int
    unit_price_minor: int
    gross_minor: int
    line_discount_minor: int
    line_total_minor: int
    adjustment_minor: int
    net_minor: int
    tax_minor: int
    quantity_shipped: int
    quantity_returned: int
    quantity_refunded: int
    refunded_minor: int
    is_gift: bool = False  # a promotion's gift (show it with orders.common.line_title)


class AdjustmentRead(BaseModel):
    """An order-level adjustment."""

    id: int
    kind: str
    label: str
    amount_minor: int
    ref: str | None


class PaymentRead(BaseModel):
    """A payment."""

    id: int
    method: str
    amount_minor: int
    tendered_minor: int | None
    change_minor: int
    refunded_minor: int
    reference: str
    actor: str
    at: datetime


class RefundRead(BaseModel):
    """A refund (one per original payment it goes back to)."""

    id: int
    batch: int
    payment_id: int | None
    return_id: int | None
    method: str
    amount_minor: int
    shipping_minor: int
    reason: str
    actor: str
    at: datetime


class ItemQuantity(BaseModel):
    """A SKU and a quantity (lines of shipments and returns)."""

    line_id: int
    sku: str
    quantity: int
    condition: str | None = None


class ShipmentRead(BaseModel):
    """A parcel."""

    id: int
    carrier_code: str
    carrier_name: str
    tracking: str
    tracking_url: str
    estimated_delivery_at: datetime | None
    shipped_at: datetime
    delivered_at: datetime | None
    actor: str
    items: list[ItemQuantity] = []


class ReturnRead(BaseModel):
    """A return with its lines."""

    id: int
    order_id: int
    order_number: str = ""
    status: str
    reason: str
    photos: list[str] | None
    decision_note: str
    exchange_order_id: int | None
    refund_minor: int
    requested_at: datetime
    decided_at: datetime | None
    received_at: datetime | None
    refunded_at: datetime | None
    items: list[ItemQuantity] = []


class EventRead(BaseModel):
    """One timeline entry."""

    id: int
    at: datetime
    kind: str
    message: str
    actor: str
    data: Any = None


class OrderSummary(BaseModel):
    """An order in a list."""

    id: int
    number: str
    channel: str
    created_at: datetime
    customer_id: int | None
    customer_name: str
    customer_phone: str | None
    status: str
    payment_status: str
    fulfilment_status: str
    total_minor: int
    paid_minor: int
    refunded_minor: int
    item_count: int
    shipment_count: int

    @property
    def due_minor(self) -> int:
        """What is still to pay."""
        return max(self.total_minor - self.paid_minor, 0) if self.status == "open" else 0


class OrderRead(OrderSummary):
    """An order with everything on it, as the detail view and the documents need."""

    external_ref: str | None
    customer_email: str | None
    ship_recipient: str
    ship_phone: str
    ship_country: str
    ship_province: str
    sales_region: str
    source: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    ship_city: str
    ship_district: str
    ship_street: str
    ship_postal_code: str
    location_id: int | None
    stock_mode: str
    currency: str
    subtotal_minor: int
    adjustments_minor: int
    shipping_minor: int
    tax_minor: int
    tax_rate_bp: int
    shipping_refunded_minor: int
    note: str
    reminder_count: int
    last_reminded_at: datetime | None
    created_by: str
    updated_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    version: int
    balance_minor: int = 0  # paid - refunded: what the shop holds for this order
    lines: list[OrderLineRead] = []
    adjustments: list[AdjustmentRead] = []
    payments: list[PaymentRead] = []
    refunds: list[RefundRead] = []
    shipments: list[ShipmentRead] = []
    returns: list[ReturnRead] = []
    events: list[EventRead] = []


def order_summary(row: Order) -> OrderSummary:
    return OrderSummary.model_validate(row, from_attributes=True)


def read_order(session: Session, row: Order) -> OrderRead:
    """The full read model of an order row (a handful of indexed queries)."""
    order_id = row.id
    read = OrderRead.model_validate(row, from_attributes=True)
    lines = order_lines(session, order_id or 0)
    skus = {line.id: line.sku for line in lines}
    read.balance_minor = row.paid_minor - row.refunded_minor
    read.lines = [OrderLineRead.model_validate(line, from_attributes=True) for line in lines]
    read.adjustments = [AdjustmentRead.model_validate(a, from_attributes=True) for a in session.exec(
        select(OrderAdjustment).where(OrderAdjustment.order_id == order_id).order_by(col(OrderAdjustment.id)))]
    read.payments = [PaymentRead.model_validate(p, from_attributes=True) for p in session.exec(
        select(OrderPayment).where(OrderPayment.order_id == order_id).order_by(col(OrderPayment.id)))]
    read.refunds = [RefundRead.model_validate(r, from_attributes=True) for r in session.exec(
        select(OrderRefund).where(OrderRefund.order_id == order_id).order_by(col(OrderRefund.id)))]
    shipments = session.exec(select(Shipment).where(Shipment.order_id == order_id).order_by(col(Shipment.id))).all()
    if shipments:
        items: dict[int, list[ItemQuantity]] = {}
        for sl in session.exec(select(ShipmentLine).where(col(ShipmentLine.shipment_id).in_([s.id for s in shipments]))):
            items.setdefault(sl.shipment_id, []).append(
                ItemQuantity(line_id=sl.line_id, sku=skus.get(sl.line_id, "?"), quantity=sl.quantity))
        for shipment in shipments:
            sread = ShipmentRead.model_validate(shipment, from_attributes=True)
            sread.items = items.get(shipment.id or 0, [])
            read.shipments.append(sread)
    read.returns = returns_of(session, [row], skus)
    read.events = [EventRead.model_validate(e, from_attributes=True) for e in session.exec(
        select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(col(OrderEvent.id)))]
    return read


def returns_of(session: Session, orders: list[Order], skus: dict[int | None, str] | None = None) -> list[ReturnRead]:
    """The returns of some orders with their lines."""
    ids = [o.id for o in orders]
    numbers = {o.id: o.number for o in orders}
    rows = session.exec(select(OrderReturn).where(col(OrderReturn.order_id).in_(ids)).order_by(col(OrderReturn.id))).all()
    if not rows:
        return []
    if skus is None:
        skus = dict(session.exec(select(OrderLine.id, OrderLine.sku).where(col(OrderLine.order_id).in_(ids))).all())
    items: dict[int, list[ItemQuantity]] = {}
    for rl in session.exec(select(ReturnLine).where(col(ReturnLine.return_id).in_([r.id for r in rows]))):
        items.setdefault(rl.return_id, []).append(
            ItemQuantity(line_id=rl.line_id, sku=skus.get(rl.line_id, "?"), quantity=rl.quantity, condition=rl.condition))
    out = []
    for r in rows:
        read = ReturnRead.model_validate(r, from_attributes=True)
        read.order_number = numbers.get(r.order_id, "")
        read.items = items.get(r.id or 0, [])
        out.append(read)
    return out


def get_order(*, session: Session, number: str | int) -> OrderRead:
    """One order with lines, payments, refunds, shipments, returns and the timeline."""
    return read_order(session, order_row(session, number))
