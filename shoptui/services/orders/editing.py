"""Editing an unpaid order: its lines, adjustments, shipping, note or address; reservations follow."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import delete
from sqlmodel import Session, col, select

from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput
from shoptui.models.orders import (
    OrderAdjustment,
    OrderLine,
)
from shoptui.services.inventory.ledger import release, reserve
from shoptui.services.members.customers import (
    AddressInput,
)
from shoptui.services.orders.common import add_event, order_settings, touch
from shoptui.services.orders.drafts import (
    MAX_QUANTITY,
    DraftAdjustment,
    DraftLine,
    check_money,
    check_quantity,
    clean_text,
)
from shoptui.services.orders.placing import price_adjustments, resolve_variants, ship_fields, store_prices
from shoptui.services.orders.reading import OrderRead, read_order
from shoptui.services.orders.rows import order_lines, order_row, settle
from shoptui.services.pricing import engine as pricing
from shoptui.services.shop import audit


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
            check_money(change.unit_price_minor, f"price of {line.sku}")
            changes.append(f"{line.sku} price {cfg.currency.format(line.unit_price_minor)} -> "
                           f"{cfg.currency.format(change.unit_price_minor)}")
            line.unit_price_minor = change.unit_price_minor
        if change.line_discount_minor is not None and change.line_discount_minor != line.line_discount_minor:
            check_money(change.line_discount_minor, f"discount on {line.sku}")
            changes.append(f"{line.sku} discount -> {cfg.currency.format(change.line_discount_minor)}")
            line.line_discount_minor = change.line_discount_minor
    if new_lines:
        drafts = []
        for change in new_lines:
            if change.quantity is None or change.quantity == 0:
                raise InvalidInput(f"{change.sku} is not on order {order.number}; give a quantity to add it.")
            check_quantity(change.quantity, change.sku)
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
        check_money(edit.shipping_minor, "shipping fee")
        changes.append(f"shipping {cfg.currency.format(order.shipping_minor)} -> {cfg.currency.format(edit.shipping_minor)}")
        order.shipping_minor = edit.shipping_minor
    if edit.note is not None and edit.note.strip() != order.note:
        order.note = clean_text(edit.note, "note", 2000)
        changes.append("note changed")
    if edit.ship_to is not None:
        for key, value in ship_fields(edit.ship_to, None, session).items():
            setattr(order, key, value)
        changes.append("shipping address changed")
    if edit.adjustments is not None:
        adjustments = price_adjustments(edit.adjustments)
        session.execute(delete(OrderAdjustment).where(col(OrderAdjustment.order_id) == order.id))
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
                release(session=session, actor=actor, variant_id=variant_id, quantity=-delta,
                                  location_id=order.location_id, ref_kind="order", ref_id=order.number)
            elif delta > 0:
                reserve(session=session, actor=actor, variant_id=variant_id, quantity=delta,
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
