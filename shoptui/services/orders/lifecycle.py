"""Orders: create, edit, pay, cancel, hand over, list and search; reminders and expiry; the timeline.

Every rule about an order lives in this module and its siblings: ``orders_status`` (the state
machines), ``orders_shipping`` (carriers, shipments, delivery) and ``orders_returns`` (returns,
refunds, exchanges). Stock moves only through ``services.inventory.stock``; totals only come from
``services.pricing.engine``; customers are told things through the messaging outbox.

A counter sale is three calls in one transaction::

    order = orders.create_order(session=s, actor=a, draft=OrderDraft(channel="counter", stock_mode="deferred",
                                                                   lines=[DraftLine(sku="TEE-01", quantity=2)]))
    orders.pay(session=s, actor=a, number=order.number, method="cash", amount_minor=10000)
    orders.fulfil_all(session=s, actor=a, number=order.number)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy import and_, delete, func, or_, tuple_, update
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.catalog import Product, Variant
from shoptui.models.customers import Customer
from shoptui.models.orders import (
    CHANNELS,
    PAYMENT_METHODS,
    Order,
    OrderAdjustment,
    OrderEvent,
    OrderLine,
    OrderPayment,
    OrderRefund,
    OrderReturn,
    OrderSequence,
    OrderStat,
    ReturnLine,
    Shipment,
    ShipmentLine,
)
from shoptui.services.inventory import stock as inventory
from shoptui.services.members.customers import (
    AddressInput,
    CustomerCreate,
    clean_address,
    find_customer_row,
    find_or_add,
)
from shoptui.services.messaging import outbox as messaging
from shoptui.services.orders import status as machine
from shoptui.services.orders.common import OrderSettings, add_event, order_settings, touch
from shoptui.services.orders.refunds import refund_payments
from shoptui.services.pricing import engine as pricing
from shoptui.services.shop import audit
from shoptui.services.shop import settings as store_settings
from shoptui.services.shop.paging import Page, clamp_limit
from shoptui.services.shop.search import SearchHit
from shoptui.services.shop.timeutil import day_end, day_start
from shoptui.text import check_text
from shoptui.typed import ascii_digits
from shoptui.wording import plural

MAX_QUANTITY = 100_000
MAX_LINES = 500
MAX_MINOR = 10**13
USER_METHODS = tuple(m for m in PAYMENT_METHODS if m != "exchange")
STOCK_MODES = ("reserve", "deferred", "none")


# ---------------------------------------------------------------- read models


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
    ship_region: str
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


class PaymentResult(BaseModel):
    """What ``pay`` did: the payment (with change given) and the order after it."""

    payment: PaymentRead
    order: OrderSummary
    due_minor: int


# ---------------------------------------------------------------- input


class DraftLine(BaseModel):
    """A line of a new order: a variant by SKU/barcode or id, a quantity, optionally its own price."""

    sku: str | None = None
    variant_id: int | None = None
    quantity: int
    unit_price_minor: int | None = None  # None: the catalogue price
    line_discount_minor: int = 0


class DraftAdjustment(BaseModel):
    """An order-level adjustment; negative lowers the total."""

    kind: str = "discount"
    label: str = ""
    amount_minor: int
    ref: str | None = None


class DraftPayment(BaseModel):
    """A payment taken together with the order (web orders come in paid)."""

    method: str
    amount_minor: int | None = None  # None: everything due
    reference: str = ""
    tendered_minor: int | None = None


class OrderDraft(BaseModel):
    """Everything a new order needs; ``customer`` is an id/phone/email or a new customer's details."""

    channel: str = "phone"
    customer: str | int | CustomerCreate | None = None
    guest_name: str = ""
    guest_phone: str | None = None
    guest_email: str | None = None
    ship_to: AddressInput | None = None
    lines: list[DraftLine]
    adjustments: list[DraftAdjustment] = []
    shipping_minor: int = 0
    note: str = ""
    external_ref: str | None = None
    location: str | None = None
    stock_mode: Literal["reserve", "deferred", "none"] = "reserve"
    payments: list[DraftPayment] = []
    created_at: datetime | None = None  # for history imports only (channel 'imported')
    # offers (services.orders.offers): promotions, tier discount, coupons and points; never on imported orders.
    # None: yes, except a counter hand-over (stock_mode 'deferred'), whose basket prices itself and opts in
    # with True (passing its coupon codes and points) once it shows the same offers
    apply_offers: bool | None = None
    coupon_codes: list[str] = []
    points_to_use: int = 0


class LineChange(BaseModel):
    """One change of an unpaid order's lines: set a SKU's quantity (0 removes it) and/or its price."""

    sku: str
    quantity: int | None = None
    unit_price_minor: int | None = None
    line_discount_minor: int | None = None


class OrderEdit(BaseModel):
    """Input for edit_order; unset fields stay as they are."""

    lines: list[LineChange] = []
    adjustments: list[DraftAdjustment] | None = None  # replaces every adjustment
    shipping_minor: int | None = None
    note: str | None = None
    ship_to: AddressInput | None = None


class OrderFilter(BaseModel):
    """Filters of the order list (all optional, combined with AND)."""

    status: str | None = None  # any status of the three machines
    channel: str | None = None
    customer: str | None = None  # id, phone or email
    date_from: date | None = None  # in the store's time zone, inclusive
    date_to: date | None = None  # inclusive
    min_total_minor: int | None = None
    max_total_minor: int | None = None
    has_tracking: bool | None = None
    search: str = ""


# ---------------------------------------------------------------- small helpers


def parse_item_spec(spec: str, currency: store_settings.Currency | None = None) -> tuple[str, int, int | None]:
    """``SKU``, ``SKU:QTY``, ``SKUxQTY`` or ``SKU:QTY@PRICE`` -> (code, quantity, price in minor units or None)."""
    raw = unicodedata.normalize("NFKC", spec).strip()
    price: int | None = None
    if "@" in raw:
        raw, _, price_text = raw.rpartition("@")
        if currency is None:
            raise InvalidInput(f"A price is not allowed in {spec!r}.")
        price = currency.parse(price_text, field=f"price in {spec!r}")
    match = re.fullmatch(r"(?P<code>[^:\s]+?)(?:(?::|x)(?P<qty>-?\d+))?", raw)
    if not match:
        raise InvalidInput(f"{spec!r} is not an item; write it like TEE-01:2 (SKU, colon, quantity).")
    quantity = int(match["qty"]) if match["qty"] is not None else 1
    if quantity <= 0:
        raise InvalidInput(f"The quantity in {spec!r} must be more than zero.")
    if quantity > MAX_QUANTITY:
        raise InvalidInput(f"The quantity in {spec!r} is too large (at most {MAX_QUANTITY:,}).")
    return match["code"], quantity, price


def _check_quantity(quantity: int, what: str) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput(f"The quantity of {what} must be a whole number.")
    if quantity <= 0:
        raise InvalidInput(f"The quantity of {what} must be more than zero, not {quantity}.")
    if quantity > MAX_QUANTITY:
        raise InvalidInput(f"The quantity of {what} is too large ({quantity}; at most {MAX_QUANTITY:,}).")
    return quantity


def _check_money(amount: int, what: str, *, allow_negative: bool = False) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput(f"The {what} must be an amount.")
    if amount < 0 and not allow_negative:
        raise InvalidInput(f"The {what} cannot be negative.")
    if abs(amount) >= MAX_MINOR:
        raise InvalidInput(f"The {what} is too large.")
    return amount


def _clean_text(value: str | None, what: str, limit: int) -> str:
    cleaned = unicodedata.normalize("NFC", value or "").strip()
    if len(cleaned) > limit:
        raise InvalidInput(f"The {what} is too long ({len(cleaned)} characters; at most {limit}).")
    return check_text(cleaned, what, limit, required=False, multiline=what == "note") or ""


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


def lines_for_items(lines: list[OrderLine], items: list[tuple[str, int]], *, room: Any, what: str) -> dict[int, int]:
    """Spread ``(SKU, quantity)`` items over the order's lines, at most ``room(line)`` each.

    Returns quantities by line id; InvalidInput names the SKU that is not on the order or has too few.
    """
    chosen: dict[int, int] = {}
    for code, quantity in items:
        matching = [line for line in lines if line.sku == code or (line.sku.upper() == code.upper())]
        if not matching:
            raise InvalidInput(f"{code} is not on this order.")
        left = quantity
        for line in matching:
            space = room(line) - chosen.get(line.id or 0, 0)
            take = min(space, left)
            if take > 0:
                chosen[line.id or 0] = chosen.get(line.id or 0, 0) + take
                left -= take
        if left > 0:
            possible = sum(room(line) for line in matching)
            raise InvalidInput(f"Only {possible} of {code} can be {what} on this order, not {quantity}.")
    return chosen


# ---------------------------------------------------------------- customers' notices


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
        from shoptui.services.members import profiles as members
    except ImportError:
        return True
    return members.can_message(session=session, customer_id=customer_id, channel=channel, purpose="service")


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
            messaging.queue(session=session, channel=channel, recipient=recipient, template=template,
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


# ---------------------------------------------------------------- reading orders


def _summary(row: Order) -> OrderSummary:
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


# ---------------------------------------------------------------- creating


@dataclass(frozen=True)
class _Sellable:
    id: int
    sku: str
    title: str
    price_minor: int
    status: str


def _variant_title(title: str, options: tuple[str | None, ...]) -> str:
    chosen = [o for o in options if o]
    return f"{title} / {' / '.join(chosen)}" if chosen else title


def resolve_variants(session: Session, lines: list[DraftLine]) -> list[_Sellable]:
    """The variant of each draft line (by id, SKU or barcode) in one query; NotFound names the code."""
    # a code typed with digits of another script (full-width, Arabic-Indic) is the same code
    codes = {ascii_digits(line.sku.strip()) for line in lines if line.sku is not None and line.sku.strip()}
    ids = {line.variant_id for line in lines if line.variant_id is not None}
    query = (select(Variant.id, Variant.sku, Variant.barcode, Variant.price_minor, Variant.option1, Variant.option2,
                    Variant.option3, Product.title, Product.status)
             .join(Product, col(Product.id) == col(Variant.product_id)))
    conditions = []
    if codes:
        conditions += [col(Variant.sku).in_(codes), col(Variant.barcode).in_(codes)]
    if ids:
        conditions.append(col(Variant.id).in_(ids))
    by_sku: dict[str, _Sellable] = {}
    by_barcode: dict[str, _Sellable] = {}
    by_id: dict[int, _Sellable] = {}
    if conditions:
        for row in session.exec(query.where(or_(*conditions))):
            sellable = _Sellable(id=row[0], sku=row[1], title=_variant_title(row[7], (row[4], row[5], row[6])),
                                 price_minor=row[3], status=row[8])
            by_sku[row[1]] = sellable
            by_id[row[0]] = sellable
            if row[2]:
                by_barcode[row[2]] = sellable
    found = []
    for line in lines:
        if line.variant_id is not None:
            hit = by_id.get(line.variant_id)
            if hit is None:
                raise NotFound(f"There is no variant with id {line.variant_id}.")
        else:
            code = ascii_digits((line.sku or "").strip())
            if not code:
                raise InvalidInput("Every line needs a SKU, barcode or variant id.")
            hit = by_sku.get(code) or by_barcode.get(code)
            if hit is None:
                raise NotFound(f"There is no SKU or barcode {code!r}. Check the code, or look it up with "
                               "'shoptui product list'.")
        if hit.status == "archived":
            raise InvalidInput(f"{hit.sku} ({hit.title}) is archived and cannot be sold. Make it active first.")
        found.append(hit)
    return found


def _next_number(session: Session, prefix: str) -> str:
    """The next order number: the prefix and a running number, gap-free (the bump rolls back with a failure)."""
    session.execute(update(OrderSequence).where(OrderSequence.name == "order")
                    .values(next_value=OrderSequence.next_value + 1).execution_options(synchronize_session=False))
    value = session.exec(select(OrderSequence.next_value).where(OrderSequence.name == "order")).first()
    if value is None:  # a store whose sequence row was lost: continue after the highest id
        value = (session.exec(select(func.max(Order.id))).one() or 0) + 2
        session.add(OrderSequence(name="order", next_value=value))
        session.flush()
    number = f"{prefix}{value - 1:06d}"
    while session.exec(select(Order.id).where(Order.number == number)).first() is not None:
        # a number taken by hand (imported history): skip past it
        session.execute(update(OrderSequence).where(OrderSequence.name == "order")
                        .values(next_value=OrderSequence.next_value + 1).execution_options(synchronize_session=False))
        value += 1
        number = f"{prefix}{value - 1:06d}"
    return number


def _adjustments(adjustments: list[DraftAdjustment]) -> list[pricing.PriceAdjustment]:
    out = []
    for adj in adjustments:
        kind = _clean_text(adj.kind, "adjustment kind", 20).lower() or "discount"
        if not re.fullmatch(r"[a-z_]{1,20}", kind):
            raise InvalidInput(f"The adjustment kind {adj.kind!r} must be a word like discount or surcharge.")
        _check_money(adj.amount_minor, f"{kind} amount", allow_negative=True)
        out.append(pricing.PriceAdjustment(kind=kind, amount_minor=adj.amount_minor,
                                           label=_clean_text(adj.label, "adjustment label", 200), ref=adj.ref))
    return out


def store_prices(session: Session, order: Order, lines: list[OrderLine], priced: pricing.PricedOrder) -> None:
    """Store every amount of the priced order (``orders.offers.price``, the one assembler) on its lines and row."""
    for line, p in zip(lines, priced.lines, strict=True):
        line.gross_minor, line.line_total_minor = p.gross_minor, p.line_total_minor
        line.adjustment_minor, line.net_minor, line.tax_minor = p.adjustment_minor, p.net_minor, p.tax_minor
        session.add(line)
    order.shipping_minor = priced.shipping_minor
    order.subtotal_minor, order.adjustments_minor = priced.subtotal_minor, priced.adjustments_minor
    order.total_minor, order.tax_minor, order.tax_rate_bp = priced.total_minor, priced.tax_minor, priced.tax_rate_bp
    order.item_count = sum(line.quantity for line in lines)
    if order.total_minor >= MAX_MINOR:
        raise InvalidInput("The order total is too large.")


def _customer_fields(session: Session, actor: Actor, draft: OrderDraft) -> tuple[Customer | None, dict[str, Any]]:
    customer: Customer | None = None
    if isinstance(draft.customer, CustomerCreate):
        found = find_or_add(session=session, actor=actor, data=draft.customer)
        customer = session.get(Customer, found.id)
    elif draft.customer is not None and str(draft.customer).strip():
        customer = find_customer_row(session, draft.customer)
    from shoptui.services.shop.contacts import optional_email, optional_phone
    from shoptui.services.shop.settings import store_region

    if customer is not None:
        return customer, {"customer_id": customer.id, "customer_name": customer.name,
                          "customer_phone": customer.phone, "customer_email": customer.email}
    return None, {"customer_id": None, "customer_name": _clean_text(draft.guest_name, "guest name", 100),
                  "customer_phone": optional_phone(draft.guest_phone, store_region(session)),
                  "customer_email": optional_email(draft.guest_email)}


def _ship_fields(address: AddressInput | None, customer: Customer | None, session: Session) -> dict[str, Any]:
    if address is None and customer is not None:
        from shoptui.services.members.customers import get_customer

        address = get_customer(session=session, ref=customer.id or 0).default_address
    if address is None:
        return {}
    from shoptui.services.shop.settings import store_region

    clean = clean_address(AddressInput(**address.model_dump(include=set(AddressInput.model_fields))),
                          store_region(session))
    return {f"ship_{k}": v for k, v in clean.model_dump().items()}


def create_order(*, session: Session, actor: Actor, draft: OrderDraft) -> OrderRead:
    """A new order: lines priced, stock reserved (or deferred), numbered, on the timeline, audited.

    Raises NotFound (SKU, customer), InvalidInput (quantities, prices, channel), Conflict (not
    enough stock: nothing is written).
    """
    return read_order(session, create_order_row(session=session, actor=actor, draft=draft))


def create_order_row(*, session: Session, actor: Actor, draft: OrderDraft) -> Order:
    """``create_order`` without its read model: the row, for a service that goes on with the order in the same
    transaction and reads it once at the end (a counter sale: pay, hand over, receipt)."""
    cfg = order_settings(session)
    channel = (draft.channel or "").strip().lower()
    if channel not in CHANNELS:
        raise InvalidInput(f"The channel {draft.channel!r} is not one of {', '.join(CHANNELS)}.")
    if draft.stock_mode not in STOCK_MODES:
        raise InvalidInput(f"The stock mode {draft.stock_mode!r} is not one of {', '.join(STOCK_MODES)}.")
    if not draft.lines:
        raise InvalidInput("An order needs at least one line.")
    if len(draft.lines) > MAX_LINES:
        raise InvalidInput(f"An order takes at most {MAX_LINES} lines, not {len(draft.lines)}.")
    for line in draft.lines:
        _check_quantity(line.quantity, line.sku or f"variant {line.variant_id}")
        if line.unit_price_minor is not None:
            _check_money(line.unit_price_minor, f"price of {line.sku or line.variant_id}")
        _check_money(line.line_discount_minor, f"discount on {line.sku or line.variant_id}")
    _check_money(draft.shipping_minor, "shipping fee")
    external_ref = _clean_text(draft.external_ref, "external reference", 100) or None
    if external_ref:
        taken = session.exec(select(Order.number).where(Order.external_ref == external_ref,
                                                        Order.channel == channel)).first()
        if taken:
            raise Conflict(f"The {channel} order {external_ref} was already entered as {taken}.")
    created_at = clock.now()
    if draft.created_at is not None:
        if channel != "imported":
            raise InvalidInput("Only imported orders may carry their own creation time.")
        created_at = clock.ensure_utc(draft.created_at)
    variants = resolve_variants(session, draft.lines)
    adjustments = _adjustments(draft.adjustments)
    customer, contact = _customer_fields(session, actor, draft)
    location_id = inventory.find_location(session, draft.location).id if draft.location else None
    order = Order(number=_next_number(session, cfg.prefix), channel=channel, external_ref=external_ref,
                  location_id=location_id, stock_mode=draft.stock_mode, currency=cfg.currency.code,
                  shipping_minor=draft.shipping_minor, note=_clean_text(draft.note, "note", 2000),
                  created_by=actor.name[:100], created_at=created_at, updated_at=created_at,
                  **contact, **_ship_fields(draft.ship_to, customer, session))
    session.add(order)
    session.flush()
    assert order.id is not None
    lines = []
    for position, (line, variant) in enumerate(zip(draft.lines, variants, strict=True), start=1):
        row = OrderLine(order_id=order.id, position=position, variant_id=variant.id, sku=variant.sku,
                        title=variant.title[:300], quantity=line.quantity,
                        unit_price_minor=variant.price_minor if line.unit_price_minor is None else line.unit_price_minor,
                        line_discount_minor=line.line_discount_minor)
        lines.append(row)
    # ---- prices: offers (promotions, tier discount, coupons, points; never on imported orders), the operator's
    # adjustments, shipping and tax, through the one assembler (services.orders.offers -> pricing.terms) ----
    from shoptui.services.orders import offers as orders_offers

    with_offers = channel != "imported" and (draft.apply_offers if draft.apply_offers is not None
                                             else draft.stock_mode != "deferred")
    priced = orders_offers.price(session, order, lines, adjustments=adjustments, tax_rate_bp=cfg.tax_rate_bp,
                                 offers=with_offers, coupon_codes=draft.coupon_codes,
                                 points_to_use=draft.points_to_use)
    lines += orders_offers.gift_lines(order.id, priced, len(lines))
    store_prices(session, order, lines, priced.order)
    session.add_all(lines)
    for adj in priced.adjustments:
        session.add(OrderAdjustment(order_id=order.id, kind=adj.kind, label=adj.label, amount_minor=adj.amount_minor,
                                    ref=adj.ref))
    if order.stock_mode == "reserve":
        for line in lines:
            inventory.reserve(session=session, actor=actor, variant_id=line.variant_id or 0, quantity=line.quantity,
                              location_id=order.location_id, ref_kind="order", ref_id=order.number)
    machine.count(session, machine.stat_key(order), 1)
    if customer is not None:
        customer.order_count += 1
        customer.last_order_at = max(customer.last_order_at or created_at, created_at)
        session.add(customer)
    session.flush()
    if priced.offers is not None:  # usage and points in this transaction (a single-use code is taken atomically)
        orders_offers.record(session, actor, order, priced.offers)
    add_event(session, order, actor, "created",
              f"Order created ({channel}): {plural(order.item_count, 'item')}, total {cfg.currency.format(order.total_minor)} "
              f"{cfg.currency.code}.", {"lines": [[line.sku, line.quantity] for line in lines]})
    settle(session, order, lines, actor)
    audit.record(session=session, actor=actor, action="order.create", entity="order", entity_id=order.number,
                 summary=f"order {order.number} created, total {cfg.currency.format(order.total_minor)}",
                 after={"channel": channel, "total_minor": order.total_minor, "customer_id": order.customer_id})
    session.flush()
    for payment in draft.payments:
        pay(session=session, actor=actor, number=order.number, method=payment.method,
            amount_minor=payment.amount_minor, reference=payment.reference, tendered_minor=payment.tendered_minor)
    return order


def draft_from_document(doc: Any, currency: store_settings.Currency) -> OrderDraft:
    """An OrderDraft from a JSON document with decimal amounts (``order create --json-file``).

    Money is written as decimal strings or numbers in the store currency ("12.50"); InvalidInput
    names the field that is wrong.
    """
    if not isinstance(doc, dict):
        raise InvalidInput("The order document must be a JSON object with at least a 'lines' list.")
    known = {"channel", "customer", "guest_name", "guest_phone", "guest_email", "ship_to", "lines", "adjustments",
             "shipping", "note", "external_ref", "location", "payments", "discount", "coupons", "points"}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise InvalidInput(f"The order document has unknown fields: {', '.join(unknown)}. Known: {', '.join(sorted(known))}.")

    def money(value: Any, field: str, allow_negative: bool = False) -> int:
        if isinstance(value, float):
            value = repr(value)
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise InvalidInput(f"The {field} must be an amount like \"12.50\".")
        return currency.parse(str(value), field=field, allow_negative=allow_negative)

    def objects(key: str, example: str) -> list[Any]:
        value = doc.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise InvalidInput(f"The {key} of the order document must be a list like [{example}], not {value!r:.40}.")
        return value

    def known_fields(item: dict[str, Any], allowed: set[str], what: str) -> None:
        extra = sorted(str(k) for k in set(item) - allowed)
        if extra:
            raise InvalidInput(f"{what} has unknown fields: {', '.join(extra)}. Known: {', '.join(sorted(allowed))}.")

    lines_doc = doc.get("lines")
    if not isinstance(lines_doc, list) or not lines_doc:
        raise InvalidInput("The order document needs a non-empty 'lines' list.")
    lines = []
    for index, item in enumerate(lines_doc, start=1):
        if not isinstance(item, dict):
            raise InvalidInput(f"Line {index} must be an object like {{\"sku\": \"TEE-01\", \"quantity\": 2}}.")
        known_fields(item, {"sku", "variant_id", "quantity", "unit_price", "discount"}, f"Line {index}")
        quantity = item.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise InvalidInput(f"The quantity of line {index} must be a whole number.")
        sku = item.get("sku")
        if sku is not None and not isinstance(sku, str):
            raise InvalidInput(f"The sku of line {index} must be text.")
        lines.append(DraftLine(
            sku=sku, variant_id=item.get("variant_id") if isinstance(item.get("variant_id"), int) else None,
            quantity=quantity,
            unit_price_minor=None if item.get("unit_price") is None else money(item["unit_price"], f"unit_price of line {index}"),
            line_discount_minor=0 if item.get("discount") is None else money(item["discount"], f"discount of line {index}"),
        ))
    adjustments = []
    for index, item in enumerate(objects("adjustments", '{"label": "gift wrap", "amount": "5.00"}'), start=1):
        if not isinstance(item, dict) or "amount" not in item:
            raise InvalidInput(f"Adjustment {index} must be an object with an amount (negative for a discount).")
        known_fields(item, {"kind", "label", "amount", "ref"}, f"Adjustment {index}")
        for name in ("kind", "label", "ref"):
            if item.get(name) is not None and not isinstance(item[name], str):
                raise InvalidInput(f"The {name} of adjustment {index} must be text, not {item[name]!r:.40}.")
        adjustments.append(DraftAdjustment(kind=str(item.get("kind", "discount")), label=str(item.get("label", "")),
                                           amount_minor=money(item["amount"], f"amount of adjustment {index}", True),
                                           ref=item.get("ref")))
    if doc.get("discount") is not None:
        adjustments.append(DraftAdjustment(kind="discount", label="discount",
                                           amount_minor=-money(doc["discount"], "discount")))
    payments = []
    for index, item in enumerate(objects("payments", '{"method": "card"}'), start=1):
        if not isinstance(item, dict) or not isinstance(item.get("method"), str):
            raise InvalidInput(f"Payment {index} must be an object with a method (and an amount).")
        known_fields(item, {"method", "amount", "reference"}, f"Payment {index}")
        payments.append(DraftPayment(method=item["method"], reference=str(item.get("reference", "")),
                                     amount_minor=None if item.get("amount") is None
                                     else money(item["amount"], f"amount of payment {index}")))
    customer = doc.get("customer")
    if isinstance(customer, dict):
        try:
            customer = CustomerCreate.model_validate(customer)
        except ValidationError as exc:
            raise InvalidInput(f"The customer in the document is not valid: {_first_error(exc)}.") from None
    elif customer is not None and not isinstance(customer, str | int):
        raise InvalidInput("The customer must be an id, phone or email, or an object with name, phone and email.")
    try:
        return OrderDraft(
            channel=str(doc.get("channel", "web")), customer=customer, guest_name=str(doc.get("guest_name") or ""),
            guest_phone=doc.get("guest_phone"), guest_email=doc.get("guest_email"),
            ship_to=AddressInput.model_validate(doc["ship_to"]) if doc.get("ship_to") else None,
            lines=lines, adjustments=adjustments,
            shipping_minor=0 if doc.get("shipping") is None else money(doc["shipping"], "shipping"),
            note=str(doc.get("note") or ""), external_ref=doc.get("external_ref"), location=doc.get("location"),
            payments=payments, coupon_codes=_document_coupons(doc), points_to_use=_document_points(doc),
        )
    except ValidationError as exc:
        raise InvalidInput(f"The order document is not valid: {_first_error(exc)}.") from None


def _document_coupons(doc: dict[str, Any]) -> list[str]:
    """``"coupons": ["SAVE10"]`` (or one code as text) of an order document."""
    value = doc.get("coupons") or []
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise InvalidInput("The coupons must be a list of codes, like [\"SAVE10\"].")
    return value


def _document_points(doc: dict[str, Any]) -> int:
    """``"points": 500`` of an order document: the points the member uses."""
    value = doc.get("points") or 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput("The points must be a whole number of 0 or more.")
    return value


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error.get("loc", ()))
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid"))


# ---------------------------------------------------------------- editing unpaid orders


def edit_order(*, session: Session, actor: Actor, number: str, edit: OrderEdit) -> OrderRead:
    """Change an unpaid order's lines, adjustments, shipping, note or address; reservations follow.

    Lines: a SKU on the order gets the new quantity (0 removes it) and/or price; a new SKU is
    added. Refused once anything is paid or shipped, or the order is not open.
    """
    cfg = order_settings(session)
    order = order_row(session, number)
    if order.status != "open":
        raise Conflict(f"Order {order.number} is {order.status}; only open orders can be edited.")
    if order.paid_minor > 0 or order.payment_status != "unpaid":
        raise Conflict(f"Order {order.number} is {order.payment_status.replace('_', ' ')}; only unpaid orders can be "
                       "edited. Refund or cancel it instead.")
    lines = order_lines(session, order.id or 0)
    if any(line.quantity_shipped for line in lines):
        raise Conflict(f"Order {order.number} has shipped items and can no longer be edited.")
    before = {"lines": {line.sku: line.quantity for line in lines}, "total_minor": order.total_minor}
    changes: list[str] = []
    deltas: dict[int, int] = {}  # variant id -> change of reserved quantity
    new_lines: list[LineChange] = []
    for change in edit.lines:
        matching = [line for line in lines if line.sku.upper() == change.sku.strip().upper()]
        if not matching:
            new_lines.append(change)
            continue
        line = matching[0]
        if change.quantity is not None:
            if isinstance(change.quantity, bool) or change.quantity < 0:
                raise InvalidInput(f"The quantity of {line.sku} cannot be negative.")
            if change.quantity > MAX_QUANTITY:
                raise InvalidInput(f"The quantity of {line.sku} is too large (at most {MAX_QUANTITY:,}).")
            if change.quantity != line.quantity:
                deltas[line.variant_id or 0] = deltas.get(line.variant_id or 0, 0) + change.quantity - line.quantity
                changes.append(f"{line.sku} {line.quantity} -> {change.quantity}")
                line.quantity = change.quantity
        if change.unit_price_minor is not None and change.unit_price_minor != line.unit_price_minor:
            _check_money(change.unit_price_minor, f"price of {line.sku}")
            changes.append(f"{line.sku} price {cfg.currency.format(line.unit_price_minor)} -> "
                           f"{cfg.currency.format(change.unit_price_minor)}")
            line.unit_price_minor = change.unit_price_minor
        if change.line_discount_minor is not None and change.line_discount_minor != line.line_discount_minor:
            _check_money(change.line_discount_minor, f"discount on {line.sku}")
            changes.append(f"{line.sku} discount -> {cfg.currency.format(change.line_discount_minor)}")
            line.line_discount_minor = change.line_discount_minor
    if new_lines:
        drafts = []
        for change in new_lines:
            if change.quantity is None or change.quantity == 0:
                raise InvalidInput(f"{change.sku} is not on order {order.number}; give a quantity to add it.")
            _check_quantity(change.quantity, change.sku)
            drafts.append(DraftLine(sku=change.sku, quantity=change.quantity, unit_price_minor=change.unit_price_minor,
                                    line_discount_minor=change.line_discount_minor or 0))
        position = max((line.position for line in lines), default=0)
        for draft, variant in zip(drafts, resolve_variants(session, drafts), strict=True):
            existing = next((line for line in lines if line.variant_id == variant.id), None)
            if existing is not None:  # added by barcode while the SKU is already there
                existing.quantity += draft.quantity
                deltas[variant.id] = deltas.get(variant.id, 0) + draft.quantity
                changes.append(f"{variant.sku} +{draft.quantity}")
                continue
            position += 1
            line = OrderLine(order_id=order.id or 0, position=position, variant_id=variant.id, sku=variant.sku,
                             title=variant.title[:300], quantity=draft.quantity,
                             unit_price_minor=variant.price_minor if draft.unit_price_minor is None
                             else draft.unit_price_minor, line_discount_minor=draft.line_discount_minor)
            lines.append(line)
            deltas[variant.id] = deltas.get(variant.id, 0) + draft.quantity
            changes.append(f"{variant.sku} added x{draft.quantity}")
    if edit.shipping_minor is not None and edit.shipping_minor != order.shipping_minor:
        _check_money(edit.shipping_minor, "shipping fee")
        changes.append(f"shipping {cfg.currency.format(order.shipping_minor)} -> {cfg.currency.format(edit.shipping_minor)}")
        order.shipping_minor = edit.shipping_minor
    if edit.note is not None and edit.note.strip() != order.note:
        order.note = _clean_text(edit.note, "note", 2000)
        changes.append("note changed")
    if edit.ship_to is not None:
        for key, value in _ship_fields(edit.ship_to, None, session).items():
            setattr(order, key, value)
        changes.append("shipping address changed")
    if edit.adjustments is not None:
        adjustments = _adjustments(edit.adjustments)
        session.execute(delete(OrderAdjustment).where(OrderAdjustment.order_id == order.id))
        for adj in adjustments:
            session.add(OrderAdjustment(order_id=order.id or 0, kind=adj.kind, label=adj.label,
                                        amount_minor=adj.amount_minor, ref=adj.ref))
        changes.append("adjustments replaced")
    else:
        adjustments = [pricing.PriceAdjustment(kind=a.kind, amount_minor=a.amount_minor, label=a.label, ref=a.ref)
                       for a in session.exec(select(OrderAdjustment).where(OrderAdjustment.order_id == order.id)
                                             .order_by(col(OrderAdjustment.id)))]
    if not changes:
        raise InvalidInput(f"Nothing to change on order {order.number}.")
    kept = [line for line in lines if line.quantity > 0]
    if not kept:
        raise InvalidInput(f"Order {order.number} would have no lines left; cancel it instead.")
    for line in lines:
        if line.quantity == 0 and line.id is not None:
            session.delete(line)
    # ---- prices again through the one assembler: offers on the edited lines (never on imported orders) ----
    from shoptui.services.orders import offers as orders_offers

    tax_rate_bp = order.tax_rate_bp or cfg.tax_rate_bp
    if order.channel != "imported":
        priced = orders_offers.reprice_edit(session, order, kept, adjustments, tax_rate_bp)
    else:
        priced = orders_offers.price(session, order, kept, adjustments=adjustments, tax_rate_bp=tax_rate_bp,
                                     offers=False, free_shipping=False)
    store_prices(session, order, kept, priced.order)
    if order.stock_mode == "reserve":
        for variant_id, delta in sorted(deltas.items(), key=lambda kv: kv[1]):  # releases first
            if delta < 0:
                inventory.release(session=session, actor=actor, variant_id=variant_id, quantity=-delta,
                                  location_id=order.location_id, ref_kind="order", ref_id=order.number)
            elif delta > 0:
                inventory.reserve(session=session, actor=actor, variant_id=variant_id, quantity=delta,
                                  location_id=order.location_id, ref_kind="order", ref_id=order.number)
    touch(order)
    session.add(order)
    session.flush()
    if priced.offers is not None:  # promotions and codes taken again in this transaction (points: kept as they were)
        orders_offers.record(session, actor, order, priced.offers)
    add_event(session, order, actor, "edited", "Edited: " + "; ".join(changes) +
              f". Total now {cfg.currency.format(order.total_minor)}.", {"changes": changes})
    settle(session, order, kept, actor)
    audit.record(session=session, actor=actor, action="order.edit", entity="order", entity_id=order.number,
                 summary="; ".join(changes)[:500], before=before,
                 after={"lines": {line.sku: line.quantity for line in kept}, "total_minor": order.total_minor})
    session.flush()
    return read_order(session, order)


# ---------------------------------------------------------------- payments


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
        raise InvalidInput(f"The payment method {method!r} is not one of {', '.join(allowed_methods)}.")
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
    _check_money(offered, "payment amount")
    if offered <= 0:
        raise InvalidInput("The payment amount must be more than zero.")
    change = 0
    applied = offered
    if offered > due:
        if method != "cash":
            raise InvalidInput(f"{cfg.currency.format(offered)} is more than the {cfg.currency.format(due)} still due "
                               f"on order {order.number}; only cash may be more (change is given).")
        applied, change = due, offered - due
    reference = _clean_text(reference, "payment reference", 200)
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
        session.execute(update(Customer).where(Customer.id == order.customer_id)
                        .values(spent_minor=Customer.spent_minor + applied).execution_options(synchronize_session=False))
    session.flush()
    lines = order_lines(session, order.id or 0)
    text_change = f", change {cfg.currency.format(change)}" if change else ""
    add_event(session, order, actor, "paid",
              f"Payment {cfg.currency.format(applied)} by {method.replace('_', ' ')}{text_change}"
              + (f" (ref {reference})" if reference else "") + ".",
              {"payment_id": payment.id, "method": method, "amount_minor": applied})
    settle(session, order, lines, actor)
    audit.record(session=session, actor=actor, action="order.pay", entity="order", entity_id=order.number,
                 summary=f"{cfg.currency.format(applied)} by {method} on {order.number}",
                 after={"paid_minor": order.paid_minor, "payment_status": order.payment_status})
    session.flush()
    return PaymentResult(payment=PaymentRead.model_validate(payment, from_attributes=True), order=_summary(order),
                         due_minor=max(order.total_minor - order.paid_minor, 0))


# ---------------------------------------------------------------- hand-over (counter) and cancel


def fulfil_all(*, session: Session, actor: Actor, number: str, complete: bool = True) -> OrderRead:
    """Hand every remaining item over at once (a counter sale): stock out, delivered, completed.

    The order must be paid. Deferred orders sell from stock (refused when too few are available);
    reserved orders ship what they hold.
    """
    order = order_row(session, number)
    if order.status != "open":
        raise Conflict(f"Order {order.number} is {order.status}; nothing can be handed over.")
    if order.payment_status not in machine.SHIPPABLE_PAYMENT:
        raise Conflict(f"Order {order.number} is {order.payment_status.replace('_', ' ')}; take the payment first.")
    lines = order_lines(session, order.id or 0)
    now = clock.now()
    handed = []
    for line in lines:
        left = line.quantity - line.quantity_shipped
        if left <= 0:
            continue
        if order.stock_mode == "deferred":
            inventory.sell(session=session, actor=actor, variant_id=line.variant_id or 0, quantity=left,
                           location_id=order.location_id, ref_kind="order", ref_id=order.number)
        elif order.stock_mode == "reserve":
            inventory.fulfil(session=session, actor=actor, variant_id=line.variant_id or 0, quantity=left,
                             location_id=order.location_id, ref_kind="order", ref_id=order.number)
        line.quantity_shipped = line.quantity
        session.add(line)
        handed.append([line.sku, left])
    if not handed:
        raise Conflict(f"Order {order.number} has nothing left to hand over.")
    order.shipped_at = order.shipped_at or now
    if complete:
        order.delivered_at = now
        order.completed_at = now
    touch(order)
    session.add(order)
    session.flush()
    add_event(session, order, actor, "handed_over",
              "Handed over: " + ", ".join(f"{sku} x{qty}" for sku, qty in handed) + ".", {"lines": handed})
    settle(session, order, lines, actor, status="completed" if complete else None)
    audit.record(session=session, actor=actor, action="order.hand_over", entity="order", entity_id=order.number,
                 summary=f"{order.number} handed over", after={"fulfilment_status": order.fulfilment_status})
    session.flush()
    return read_order(session, order)


def cancel_order(*, session: Session, actor: Actor, number: str, reason: str = "", refund_to: str = "original",
                 automatic: bool = False, notify: bool = True) -> OrderRead:
    """Cancel an order before anything shipped: reservations released, payments refunded.

    Conflict once an item has shipped (make a return instead) or the order is closed. ``notify``
    False leaves the customer's notice to the caller (a full refund already tells them).
    """
    cfg = order_settings(session)
    order = order_row(session, number)
    if order.status != "open":
        raise Conflict(f"Order {order.number} is already {order.status}.")
    lines = order_lines(session, order.id or 0)
    if any(line.quantity_shipped for line in lines):
        raise Conflict(f"Order {order.number} has shipped items, so it cannot be cancelled; make a return instead.")
    reason = _clean_text(reason, "reason", 500)
    if order.stock_mode == "reserve":
        for line in lines:
            if line.quantity > 0 and line.variant_id is not None:
                inventory.release(session=session, actor=actor, variant_id=line.variant_id, quantity=line.quantity,
                                  location_id=order.location_id, ref_kind="order", ref_id=order.number)
    refunded = 0
    balance = order.paid_minor - order.refunded_minor
    if balance > 0:
        refunded = refund_payments(session, actor, order, lines, amount_minor=balance,
                                                  shipping_minor=order.shipping_minor - order.shipping_refunded_minor,
                                                  line_amounts=None, reason=f"order cancelled. {reason}".strip(),
                                                  to=refund_to, return_id=None, cfg=cfg)
    order.cancelled_at = clock.now()
    touch(order)
    session.add(order)
    if order.customer_id is not None:
        session.execute(update(Customer).where(Customer.id == order.customer_id, Customer.order_count > 0)
                        .values(order_count=Customer.order_count - 1).execution_options(synchronize_session=False))
    session.flush()
    why = "not paid in time" if automatic else (reason or "no reason given")
    add_event(session, order, actor, "cancelled", f"Cancelled ({why})"
              + (f"; {cfg.currency.format(refunded)} refunded." if refunded else "."), {"reason": why})
    settle(session, order, lines, actor, status="cancelled")
    audit.record(session=session, actor=actor, action="order.cancel", entity="order", entity_id=order.number,
                 summary=f"{order.number} cancelled: {why}", after={"refunded_minor": refunded})
    if notify:
        notice(session, order, cfg, "cancelled",
               f"your order {order.number} was cancelled ({why})."
               + (f" {cfg.currency.format(refunded)} {cfg.currency.code} is refunded." if refunded else ""))
    session.flush()
    return read_order(session, order)


# ---------------------------------------------------------------- reminders and expiry


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
        audit.record(session=session, actor=actor, action="order.remind", entity="order",
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


# ---------------------------------------------------------------- listing and search


def _cursor(after: str) -> tuple[datetime, int]:
    stamp, _, ident = after.rpartition("|")
    try:
        return clock.ensure_utc(datetime.fromisoformat(stamp)), int(ident)
    except ValueError:
        raise InvalidInput(f"The cursor {after!r} is not one this list gave out.") from None


def _search_condition(session: Session, text_value: str) -> Any:
    raw = unicodedata.normalize("NFKC", text_value).strip()
    if len(raw) > 200:
        raise InvalidInput("Search for at most 200 characters.")
    upper = raw.upper()
    conditions: list[Any] = [and_(col(Order.number) >= upper, col(Order.number) < upper + "\U0010ffff")]
    tracking_orders = select(Shipment.order_id).where(col(Shipment.tracking) >= upper,
                                                      col(Shipment.tracking) < upper + "\U0010ffff")
    conditions.append(col(Order.id).in_(tracking_orders))
    compact = re.sub(r"[\s\-().]", "", raw)
    if compact.lstrip("+").isdigit() and len(compact) >= 3:
        from shoptui.services.members.customers import phone_variants

        for variant in phone_variants(session, compact):
            conditions.append(and_(col(Order.customer_phone) >= variant, col(Order.customer_phone) < variant + "~"))
    if not raw.isdigit():
        conditions.append(and_(col(Order.customer_name) >= raw, col(Order.customer_name) < raw + "\U0010ffff"))
        # index ranges only (name prefix, exact email): a search never scans the customers
        customer_ids = session.exec(select(Customer.id).where(or_(
            and_(col(Customer.name) >= raw, col(Customer.name) < raw + "\U0010ffff"),
            col(Customer.email) == raw.lower())).limit(200)).all()
        if customer_ids:
            conditions.append(col(Order.customer_id).in_(customer_ids))
    return or_(*conditions)


_SUMMARY_COLUMNS = tuple(getattr(Order, name) for name in OrderSummary.model_fields)


def list_orders(*, session: Session, filters: OrderFilter | None = None, after: str | None = None,
                limit: int = 50, unlimited: bool = False) -> Page[OrderSummary]:
    """Orders newest first, filtered, keyset-paged by (created_at, id): no page counts the table.

    ``unlimited`` returns every matching order (after ``after``) in one page, whatever ``limit`` says.
    """
    filters = filters or OrderFilter()
    limit = clamp_limit(limit)
    query = select(*_SUMMARY_COLUMNS)
    if filters.status:
        wanted = filters.status.strip().lower().replace(" ", "_").replace("-", "_")
        field = machine.ALL_STATUSES.get(wanted)
        if field is None:
            raise InvalidInput(f"{filters.status!r} is not a status; use one of {', '.join(machine.ALL_STATUSES)}.")
        query = query.where(getattr(Order, field) == wanted)
    if filters.channel:
        channel = filters.channel.strip().lower()
        if channel not in CHANNELS:
            raise InvalidInput(f"The channel {filters.channel!r} is not one of {', '.join(CHANNELS)}.")
        query = query.where(Order.channel == channel)
    if filters.customer:
        query = query.where(Order.customer_id == find_customer_row(session, filters.customer).id)
    if filters.date_from or filters.date_to:
        tz = store_settings.timezone(session=session)
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            raise InvalidInput(f"The date range {filters.date_from} to {filters.date_to} ends before it starts.")
        if filters.date_from:
            query = query.where(col(Order.created_at) >= day_start(filters.date_from, tz))
        if filters.date_to:
            query = query.where(col(Order.created_at) < day_end(filters.date_to, tz))
    if filters.min_total_minor is not None:
        query = query.where(col(Order.total_minor) >= filters.min_total_minor)
    if filters.max_total_minor is not None:
        query = query.where(col(Order.total_minor) <= filters.max_total_minor)
    if filters.has_tracking is not None:
        query = query.where(col(Order.shipment_count) > 0 if filters.has_tracking else col(Order.shipment_count) == 0)
    if filters.search.strip():
        query = query.where(_search_condition(session, filters.search))
    if after:
        stamp, ident = _cursor(after)
        query = query.where(tuple_(col(Order.created_at), col(Order.id)) < tuple_(stamp, ident))
    query = query.order_by(col(Order.created_at).desc(), col(Order.id).desc())
    rows = session.execute(query if unlimited else query.limit(limit + 1)).all()
    names = OrderSummary.model_fields
    if unlimited:
        limit = len(rows)
    items = [OrderSummary.model_validate(dict(zip(names, r, strict=True))) for r in rows[:limit]]
    next_after = f"{items[-1].created_at.isoformat()}|{items[-1].id}" if len(rows) > limit and items else None
    return Page(items=items, next_after=next_after)


def status_counts(*, session: Session) -> dict[str, int]:
    """Orders per status of every machine, from the kept counters (cheap at any size)."""
    counts: dict[str, int] = {}
    for row in session.exec(select(OrderStat)):
        for value in (row.status, row.payment_status, row.fulfilment_status):
            counts[value] = counts.get(value, 0) + row.orders
    return counts


def search_orders(*, session: Session, text: str, limit: int = 8) -> list[SearchHit]:
    """Global search: orders by number, customer name/phone or tracking number."""
    if not text.strip():
        return []
    cfg_currency = store_settings.currency(session=session)
    page = list_orders(session=session, filters=OrderFilter(search=text), limit=limit)
    wanted = text.strip().upper()
    return [
        SearchHit(kind="order", key=o.number, title=f"{o.number} {o.customer_name}".strip(),
                  detail=f"{cfg_currency.format(o.total_minor)} · {o.status} · {o.payment_status.replace('_', ' ')} · "
                  f"{o.fulfilment_status.replace('_', ' ')}", mode="orders", exact=o.number == wanted)
        for o in page.items
    ]


# ---------------------------------------------------------------- dashboard




# ---------------------------------------------------------------- db check


def _sums(session: Session, model: Any, column: Any, where: Any = None) -> dict[int, int]:
    query = select(model.order_id, func.sum(column)).group_by(model.order_id)
    if where is not None:
        query = query.where(where)
    return {row[0]: int(row[1] or 0) for row in session.exec(query)}


def check_order_totals(*, session: Session) -> list[str]:
    """Order totals equal the sum of their parts (lines, adjustments, shipping)."""
    problems: list[str] = []
    lines = {row[0]: row[1:] for row in session.exec(
        select(OrderLine.order_id, func.sum(OrderLine.line_total_minor), func.sum(OrderLine.adjustment_minor),
               func.sum(OrderLine.quantity),
               func.sum(OrderLine.gross_minor - OrderLine.line_discount_minor - OrderLine.line_total_minor),
               func.sum(OrderLine.line_total_minor + OrderLine.adjustment_minor - OrderLine.net_minor),
               func.sum(OrderLine.quantity * OrderLine.unit_price_minor - OrderLine.gross_minor))
        .group_by(OrderLine.order_id))}
    adjustments = _sums(session, OrderAdjustment, OrderAdjustment.amount_minor)
    rows = session.exec(select(Order.id, Order.number, Order.subtotal_minor, Order.adjustments_minor,
                               Order.shipping_minor, Order.total_minor, Order.item_count, Order.stock_mode)).all()
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

    refund_lines = dict(session.exec(select(OrderRefundLine.line_id, func.sum(OrderRefundLine.amount_minor))
                                     .group_by(OrderRefundLine.line_id)).all())
    for oid, number, p, r, s, status, pstatus, total in session.exec(
            select(Order.id, Order.number, Order.paid_minor, Order.refunded_minor, Order.shipping_refunded_minor,
                   Order.status, Order.payment_status, Order.total_minor)):
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
    by_payment = dict(session.exec(select(OrderRefund.payment_id, func.sum(OrderRefund.amount_minor))
                                   .where(col(OrderRefund.payment_id).is_not(None)).group_by(OrderRefund.payment_id)).all())
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
