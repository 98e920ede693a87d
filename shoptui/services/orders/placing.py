"""Placing an order: a draft becomes an order with its lines priced through the one assembler,
stock reserved, the customer found or made, and the draft's payments booked.

A counter sale is three calls in one transaction::

    order = placing.create_order(session=s, actor=a, draft=OrderDraft(channel="counter", stock_mode="deferred",
                                                                    lines=[DraftLine(sku="TEE-01", quantity=2)]))
    payments.pay(session=s, actor=a, number=order.number, method="cash", amount_minor=10000)
    closing.fulfil_all(session=s, actor=a, number=order.number)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models._types import table_of
from shoptui.models.catalog import Product, Variant
from shoptui.models.customers import Customer
from shoptui.models.orders import (
    CHANNELS,
    Order,
    OrderAdjustment,
    OrderLine,
    OrderSequence,
)
from shoptui.services import pricing as pricing_api
from shoptui.services import shop
from shoptui.services.inventory import find_location, reserve
from shoptui.services.members import (
    AddressInput,
    CustomerCreate,
    clean_address,
    find_customer_row,
    find_or_add,
    member_tiers_of,
)
from shoptui.services.orders import status as machine
from shoptui.services.orders.common import add_event, order_settings
from shoptui.services.orders.drafts import (
    MAX_LINES,
    MAX_MINOR,
    STOCK_MODES,
    DraftAdjustment,
    DraftLine,
    OrderDraft,
    check_money,
    check_quantity,
    clean_text,
    source_word,
)
from shoptui.services.orders.payments import pay
from shoptui.services.orders.reading import OrderRead, read_order
from shoptui.services.orders.rows import settle
from shoptui.store.rows import tuples
from shoptui.typed import ascii_digits
from shoptui.wording import plural


@dataclass(frozen=True)
class _Sellable:
    id: int
    sku: str
    title: str
    price_minor: int
    status: str


def variant_title(title: str, options: tuple[str | None, ...]) -> str:
    """A variant's name: its product's title and its chosen options (``Tee / Black / M``)."""
    chosen = [o for o in options if o]
    return f"{title} / {' / '.join(chosen)}" if chosen else title


def resolve_variants(session: Session, lines: list[DraftLine]) -> list[_Sellable]:
    """The variant of each draft line (by id, SKU or barcode) in one query; NotFound names the code."""
    # a code typed with digits of another script (full-width, Arabic-Indic) is the same code
    codes = {ascii_digits(line.sku.strip()) for line in lines if line.sku is not None and line.sku.strip()}
    ids = {line.variant_id for line in lines if line.variant_id is not None}
    query = (sa_select(col(Variant.id), col(Variant.sku), col(Variant.barcode), col(Variant.price_minor),
                       col(Variant.option1), col(Variant.option2), col(Variant.option3), col(Product.title),
                       col(Product.status))
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
        for row in tuples(session.execute(query.where(or_(*conditions)))):
            sellable = _Sellable(id=row[0], sku=row[1], title=variant_title(row[7], (row[4], row[5], row[6])),
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
                raise InvalidInput("Every line needs a SKU, barcode or variant id.", field="lines")
            hit = by_sku.get(code) or by_barcode.get(code)
            if hit is None:
                raise NotFound(f"There is no SKU or barcode {code!r}. Check the code, or look it up with "
                               "'shoptui product list'.", field="lines")
        if hit.status == "archived":
            raise InvalidInput(f"{hit.sku} ({hit.title}) is archived and cannot be sold. Make it active first.", field="lines")
        found.append(hit)
    return found


def _next_number(session: Session, prefix: str) -> str:
    """The next order number: the prefix and a running number, gap-free (the bump rolls back with a failure)."""
    session.execute(update(OrderSequence).where(col(OrderSequence.name) == "order")
                    .values(next_value=OrderSequence.next_value + 1).execution_options(synchronize_session=False))
    value = session.exec(select(OrderSequence.next_value).where(OrderSequence.name == "order")).first()
    if value is None:  # a store whose sequence row was lost: continue after the highest id
        value = (session.exec(select(func.max(Order.id))).one() or 0) + 2
        session.add(OrderSequence(name="order", next_value=value))
        session.flush()
    number = f"{prefix}{value - 1:06d}"
    while session.exec(select(Order.id).where(Order.number == number)).first() is not None:
        # a number taken by hand (imported history): skip past it
        session.execute(update(OrderSequence).where(col(OrderSequence.name) == "order")
                        .values(next_value=OrderSequence.next_value + 1).execution_options(synchronize_session=False))
        value += 1
        number = f"{prefix}{value - 1:06d}"
    return number


def price_adjustments(adjustments: list[DraftAdjustment]) -> list[pricing_api.PriceAdjustment]:
    out = []
    for adj in adjustments:
        kind = clean_text(adj.kind, "adjustment kind", 20).lower() or "discount"
        if not re.fullmatch(r"[a-z_]{1,20}", kind):
            raise InvalidInput(f"The adjustment kind {adj.kind!r} must be a word like discount or surcharge.")
        check_money(adj.amount_minor, f"{kind} amount", allow_negative=True)
        out.append(pricing_api.PriceAdjustment(kind=kind, amount_minor=adj.amount_minor,
                                           label=clean_text(adj.label, "adjustment label", 200), ref=adj.ref))
    return out


def attribution_fields(draft: OrderDraft) -> dict[str, str]:
    """The order's sales region, source and UTM tags from the draft, trimmed and checked (the source lower case)."""
    out = {key: clean_text(getattr(draft, key), key.replace("_", " "), 100, field=key)
           for key in ("sales_region", "utm_source", "utm_medium", "utm_campaign")}
    return {**out, "source": source_word(draft.source)}


def fill_costs(session: Session, lines: list[OrderLine]) -> None:
    """A new line records its variant's cost per unit now (the cost when sold; 0 when the variant has none)."""
    wanted = {line.variant_id for line in lines if line.unit_cost_minor is None and line.variant_id is not None}
    costs: dict[int, int] = {}
    if wanted:
        rows = session.exec(select(Variant.id, Variant.cost_minor).where(col(Variant.id).in_(sorted(wanted))))
        costs = {int(ident): cost or 0 for ident, cost in rows if ident is not None}
    for line in lines:
        if line.unit_cost_minor is None:
            line.unit_cost_minor = costs.get(line.variant_id or 0, 0)


def store_prices(session: Session, order: Order, lines: list[OrderLine], priced: pricing_api.PricedOrder) -> None:
    """Store every amount of the priced order (``orders.offers.price``, the one assembler) on its lines and row,
    with the figures the sales reports read (gross at list price, cost when sold)."""
    fill_costs(session, lines)
    order.gross_minor = sum(p.gross_minor for p in priced.lines)
    order.cost_minor = sum((line.unit_cost_minor or 0) * line.quantity for line in lines)
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
    from shoptui.services.shop import optional_email, optional_phone, store_region

    if customer is not None:
        return customer, {"customer_id": customer.id, "customer_name": customer.name,
                          "customer_phone": customer.phone, "customer_email": customer.email}
    return None, {"customer_id": None, "customer_name": clean_text(draft.guest_name, "guest name", 100),
                  "customer_phone": optional_phone(draft.guest_phone, store_region(session)),
                  "customer_email": optional_email(draft.guest_email)}


def ship_fields(address: AddressInput | None, customer: Customer | None, session: Session) -> dict[str, Any]:
    if address is None and customer is not None:
        from shoptui.services.members import get_customer

        address = get_customer(session=session, ref=customer.id or 0).default_address
    if address is None:
        return {}
    from shoptui.services.shop import store_region

    clean = clean_address(AddressInput(**address.model_dump(include=set(AddressInput.model_fields))),
                          store_region(session))
    # an address's region is its state or province
    return {"ship_province" if k == "region" else f"ship_{k}": v for k, v in clean.model_dump().items()}


def _tier_now(session: Session, customer: Customer | None) -> str:
    """The member tier the order keeps: its customer's tier as it is placed ('' for guests and non-members)."""
    if customer is None or customer.id is None:
        return ""
    return member_tiers_of(session, (customer.id,)).get(customer.id, "")


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
        raise InvalidInput(f"The channel {draft.channel!r} is not one of {', '.join(CHANNELS)}.", field="channel")
    if draft.stock_mode not in STOCK_MODES:
        raise InvalidInput(f"The stock mode {draft.stock_mode!r} is not one of {', '.join(STOCK_MODES)}.")
    if not draft.lines:
        raise InvalidInput("An order needs at least one line.")
    if len(draft.lines) > MAX_LINES:
        raise InvalidInput(f"An order takes at most {MAX_LINES} lines, not {len(draft.lines)}.")
    for line in draft.lines:
        check_quantity(line.quantity, line.sku or f"variant {line.variant_id}")
        if line.unit_price_minor is not None:
            check_money(line.unit_price_minor, f"price of {line.sku or line.variant_id}")
        check_money(line.line_discount_minor, f"discount on {line.sku or line.variant_id}")
    check_money(draft.shipping_minor, "shipping fee")
    external_ref = clean_text(draft.external_ref, "external reference", 100) or None
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
    adjustments = price_adjustments(draft.adjustments)
    customer, contact = _customer_fields(session, actor, draft)
    location_id = find_location(session, draft.location).id if draft.location else None
    order = Order(number=_next_number(session, cfg.prefix), channel=channel, external_ref=external_ref,
                  location_id=location_id, stock_mode=draft.stock_mode, currency=cfg.currency.code,
                  shipping_minor=draft.shipping_minor, note=clean_text(draft.note, "note", 2000),
                  created_by=actor.name[:100], created_at=created_at, updated_at=created_at,
                  placed_day=created_at.astimezone(cfg.tz).date(), member_tier=_tier_now(session, customer),
                  **contact, **ship_fields(draft.ship_to, customer, session))
    for name, value in attribution_fields(draft).items():
        setattr(order, name, value)
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
    if priced.adjustments:  # one INSERT of many rows (the ORM would send one per adjustment: one per offer)
        session.execute(insert(table_of(OrderAdjustment)), [
            {"order_id": order.id, "kind": adj.kind, "label": adj.label, "amount_minor": adj.amount_minor,
             "ref": adj.ref} for adj in priced.adjustments])
    if order.stock_mode == "reserve":
        for stored in lines:
            reserve(session=session, actor=actor, variant_id=stored.variant_id or 0, quantity=stored.quantity,
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
    shop.record(session=session, actor=actor, action="order.create", entity="order", entity_id=order.number,
                 summary=f"order {order.number} created, total {cfg.currency.format(order.total_minor)}",
                 after={"channel": channel, "total_minor": order.total_minor, "customer_id": order.customer_id})
    session.flush()
    for payment in draft.payments:
        pay(session=session, actor=actor, number=order.number, method=payment.method,
            amount_minor=payment.amount_minor, reference=payment.reference, tendered_minor=payment.tendered_minor)
    return order
