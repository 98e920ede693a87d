"""Suppliers, purchase orders (draft -> ordered -> partial -> received, or cancelled), reorder suggestions.

Ordering a PO adds its quantities to *incoming* at the PO's location; receiving books 'receive'
movements (moving average cost) and takes what arrived off incoming; cancelling takes the rest off.

Only an *open* order (``EMAILABLE``: ordered, or partly received) is emailed to the supplier: a draft is
not decided yet, a received or cancelled one is over. Cancelling a PO withdraws its emails still waiting
in the outbox. A PO's ``note`` is the note *to the supplier* (printed on the order); where a PO came from
(reorder suggestions) is internal and is kept in the audit trail, never in the note.
"""

from __future__ import annotations

import math
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models._types import id_of
from shoptui.models.catalog import Product, Variant
from shoptui.models.inventory import PurchaseOrder, PurchaseOrderLine, StockLevel, StockPolicy, Supplier
from shoptui.services import shop as shop_api
from shoptui.services.inventory.changes import receive_into_stock
from shoptui.services.inventory.forecast import daily_sales
from shoptui.services.inventory.ledger import MAX_QUANTITY, ensure_level, positive_quantity
from shoptui.services.inventory.locations import find_location
from shoptui.services.inventory.suppliers import SupplierRead, find_supplier, supplier_read
from shoptui.services.inventory.variants import find_variant
from shoptui.services.shop import Page, check_email, clamp_limit
from shoptui.store import matching
from shoptui.store.rows import tuples
from shoptui.text import check_text
from shoptui.wording import plural


class SupplierDetail(SupplierRead):
    """``supplier show``: the supplier and its purchase orders that are still open."""

    open_orders: int
    variants: int


class POLineRead(BaseModel):
    """One line of a purchase order."""

    variant_id: int
    sku: str
    title: str
    quantity_ordered: int
    quantity_received: int
    remaining: int
    unit_cost_minor: int
    line_total_minor: int


class PORead(BaseModel):
    """A purchase order with its lines."""

    id: int
    number: str
    supplier_id: int
    supplier: str
    location: str
    status: str
    note: str
    created_at: datetime
    ordered_at: datetime | None
    closed_at: datetime | None
    total_minor: int
    lines: list[POLineRead]


class POSummary(BaseModel):
    """A purchase order in a list."""

    id: int
    number: str
    supplier: str
    status: str
    lines: int
    total_minor: int
    created_at: datetime


class ReorderLine(BaseModel):
    """A variant that should be reordered and how many."""

    variant_id: int
    sku: str
    title: str
    available: int
    incoming: int
    reorder_point: int
    daily_rate: float
    lead_time_days: int
    suggested: int
    unit_cost_minor: int


class ReorderGroup(BaseModel):
    """Reorder suggestions for one supplier (``supplier_id`` None: variants without a supplier)."""

    supplier_id: int | None
    supplier: str | None
    lines: list[ReorderLine]


def po_number(po_id: int) -> str:
    """``PO-000042``"""
    return f"PO-{po_id:06d}"


# ---------------------------------------------------------------- suppliers


def _clean_supplier(name: str | None, contact: str | None, email: str | None, phone: str | None,
                    lead_time_days: int | None, note: str | None) -> dict[str, object]:
    values: dict[str, object] = {}
    if name is not None:
        values["name"] = check_text(name, "supplier name", 100, name="name")
    for key, value, limit in (("contact", contact, 100), ("phone", phone, 40), ("note", note, 500)):
        if value is not None:
            values[key] = check_text(value, key, limit, required=False, multiline=key == "note", name=key) or ""
    if email is not None:
        values["email"] = check_email(email, field="supplier email", name="email") if email.strip() else ""
    if lead_time_days is not None:
        if not 0 <= lead_time_days <= 365:
            raise InvalidInput(f"The lead time must be 0 to 365 days, not {lead_time_days}.", field="lead_time_days")
        values["lead_time_days"] = lead_time_days
    return values


def _name_taken(session: Session, name: str, but: int | None = None) -> None:
    row = session.exec(select(Supplier.id).where(func.lower(Supplier.name) == name.lower())).first()
    if row is not None and row != but:
        raise Conflict(f"A supplier named {name!r} already exists. Pick another name.", field="name")


def add_supplier(*, session: Session, actor: Actor, name: str, contact: str = "", email: str = "", phone: str = "",
                 lead_time_days: int = 7, note: str = "") -> SupplierRead:
    """A new supplier."""
    values = _clean_supplier(name, contact, email, phone, lead_time_days, note)
    _name_taken(session, str(values["name"]))
    row = Supplier.model_validate(values, update={"created_at": clock.now(), "updated_at": clock.now()})
    session.add(row)
    session.flush()
    shop_api.record(session=session, actor=actor, action="supplier.add", entity="supplier", entity_id=row.id,
                 summary=f"supplier {row.name} added", after=values)
    return supplier_read(row)


def edit_supplier(*, session: Session, actor: Actor, supplier: str, name: str | None = None,
                  contact: str | None = None, email: str | None = None, phone: str | None = None,
                  lead_time_days: int | None = None, note: str | None = None) -> SupplierRead:
    """Change a supplier's details (unset means unchanged)."""
    found = find_supplier(session, supplier)
    values = _clean_supplier(name, contact, email, phone, lead_time_days, note)
    if not values:
        raise InvalidInput("Nothing to change: give --name, --contact, --email, --phone, --lead-time or --note.")
    if "name" in values:
        _name_taken(session, str(values["name"]), but=found.id)
    row = session.get(Supplier, found.id)
    assert row is not None
    before = found.model_dump()
    row.sqlmodel_update(values)
    row.updated_at = clock.now()
    session.add(row)
    session.flush()
    shop_api.record(session=session, actor=actor, action="supplier.edit", entity="supplier", entity_id=row.id,
                 summary=f"supplier {row.name} changed", before=before, after=supplier_read(row).model_dump())
    return supplier_read(row)


def list_suppliers(*, session: Session) -> list[SupplierRead]:
    """Every supplier by name."""
    return [supplier_read(r) for r in session.exec(select(Supplier).order_by(matching.folded(Supplier.name)))]


def supplier_detail(*, session: Session, supplier: str) -> SupplierDetail:
    """A supplier with its open purchase orders and how many variants it usually supplies."""
    found = find_supplier(session, supplier)
    open_orders = session.exec(select(func.count()).select_from(PurchaseOrder).where(
        PurchaseOrder.supplier_id == found.id, col(PurchaseOrder.status).in_(("draft", "ordered", "partial")))).one()
    variants = session.exec(select(func.count()).select_from(StockPolicy)
                            .where(StockPolicy.supplier_id == found.id)).one()
    return SupplierDetail(**found.model_dump(), open_orders=open_orders, variants=variants)


# ---------------------------------------------------------------- purchase orders


def _po_row(session: Session, po_id: int) -> PurchaseOrder:
    row = session.get(PurchaseOrder, po_id)
    if row is None:
        raise NotFound(f"There is no purchase order {po_number(po_id)} (id {po_id}). List them with 'shoptui po list'.")
    return row


def get_po(*, session: Session, po_id: int) -> PORead:
    """A purchase order and its lines."""
    po = _po_row(session, po_id)
    supplier = session.get(Supplier, po.supplier_id)
    location = find_location(session, po.location_id)
    rows = session.exec(
        select(PurchaseOrderLine, Variant.sku, Product.title)
        .join(Variant, col(Variant.id) == col(PurchaseOrderLine.variant_id))
        .join(Product, col(Product.id) == col(Variant.product_id))
        .where(PurchaseOrderLine.po_id == po_id).order_by(Variant.sku)
    ).all()
    lines = [POLineRead(variant_id=line.variant_id, sku=sku, title=title, quantity_ordered=line.quantity_ordered,
                        quantity_received=line.quantity_received,
                        remaining=max(0, line.quantity_ordered - line.quantity_received),
                        unit_cost_minor=line.unit_cost_minor,
                        line_total_minor=line.unit_cost_minor * line.quantity_ordered)
             for line, sku, title in rows]
    return PORead(id=po.id or 0, number=po_number(po.id or 0), supplier_id=po.supplier_id,
                  supplier=supplier.name if supplier else "?", location=location.code, status=po.status, note=po.note,
                  created_at=po.created_at, ordered_at=po.ordered_at, closed_at=po.closed_at,
                  total_minor=sum(line.line_total_minor for line in lines), lines=lines)


EMAILABLE = ("ordered", "partial")  # the statuses in which a PO is emailed to its supplier


def create_po(*, session: Session, actor: Actor, supplier: str, location: str | None = None, note: str = "",
              origin: str = "") -> PORead:
    """A new draft purchase order for a supplier, to be received at a location (default: the default one).

    ``note`` goes to the supplier with the order; ``origin`` (internal: "reorder suggestions") only to the audit.
    """
    found = find_supplier(session, supplier)
    place = find_location(session, location)
    note = check_text(note, "note", 500, required=False, multiline=True, name="note") or ""
    row = PurchaseOrder(supplier_id=found.id, location_id=place.id, status="draft", note=note,
                        created_by=actor.name[:100], created_at=clock.now())
    session.add(row)
    session.flush()
    shop_api.record(session=session, actor=actor, action="po.create", entity="purchase_order", entity_id=row.id,
                 summary=f"{po_number(row.id or 0)} for {found.name} created" + (f" from {origin}" if origin else ""))
    return get_po(session=session, po_id=row.id or 0)


def add_po_line(*, session: Session, actor: Actor, po_id: int, code: str, quantity: int,
                unit_cost_minor: int | None = None) -> PORead:
    """Add a variant to a draft PO (adding to its quantity when already there); cost defaults to the variant's."""
    positive_quantity(quantity, "quantity ordered")
    if unit_cost_minor is not None and unit_cost_minor < 0:
        raise InvalidInput(f"The cost {unit_cost_minor} cannot be negative.", field="unit_cost_minor")
    po = _po_row(session, po_id)
    if po.status != "draft":
        raise Conflict(f"{po_number(po_id)} is {po.status}; lines can only be added while it is a draft.")
    variant = find_variant(session, code)
    if not variant.track_stock:
        raise InvalidInput(f"{variant.sku} does not track stock, so it cannot be put on a purchase order.",
                           field="code")
    line = session.exec(select(PurchaseOrderLine).where(PurchaseOrderLine.po_id == po_id,
                                                        PurchaseOrderLine.variant_id == variant.id)).first()
    if line is None:
        line = PurchaseOrderLine(po_id=po_id, variant_id=variant.id, quantity_ordered=quantity,
                                 unit_cost_minor=unit_cost_minor if unit_cost_minor is not None
                                 else (variant.cost_minor or 0))
    else:
        if line.quantity_ordered + quantity > MAX_QUANTITY:
            raise InvalidInput(f"{line.quantity_ordered + quantity} of {variant.sku} is too many for one line.",
                               field="quantity")
        line.quantity_ordered += quantity
        if unit_cost_minor is not None:
            line.unit_cost_minor = unit_cost_minor
    session.add(line)
    session.flush()
    shop_api.record(session=session, actor=actor, action="po.add_line", entity="purchase_order", entity_id=po_id,
                 summary=f"{quantity} x {variant.sku} added to {po_number(po_id)}")
    return get_po(session=session, po_id=po_id)


def _change_incoming(session: Session, location_id: int, changes: list[tuple[int, int]]) -> None:
    for variant_id, delta in changes:
        if delta == 0:
            continue
        ensure_level(session, variant_id, location_id)
        session.execute(update(StockLevel).where(col(StockLevel.variant_id) == variant_id,
                                                 col(StockLevel.location_id) == location_id)
                        .values(incoming=col(StockLevel.incoming) + delta)
                        .execution_options(synchronize_session=False))


def _lines(session: Session, po_id: int) -> list[PurchaseOrderLine]:
    return list(session.exec(select(PurchaseOrderLine).where(col(PurchaseOrderLine.po_id) == po_id)
                             .order_by(col(PurchaseOrderLine.id))))


def order_po(*, session: Session, actor: Actor, po_id: int) -> PORead:
    """Mark a draft PO ordered: its quantities become incoming stock."""
    po = _po_row(session, po_id)
    if po.status != "draft":
        raise Conflict(f"{po_number(po_id)} is already {po.status}; only a draft can be ordered.")
    lines = _lines(session, po_id)
    if not lines:
        raise InvalidInput(f"{po_number(po_id)} has no lines. Add some with 'shoptui po add-line'.")
    _change_incoming(session, po.location_id, [(line.variant_id, line.quantity_ordered) for line in lines])
    po.status = "ordered"
    po.ordered_at = clock.now()
    session.add(po)
    for line in lines:
        policy = session.get(StockPolicy, line.variant_id)
        if policy is None:
            session.add(StockPolicy(variant_id=line.variant_id, supplier_id=po.supplier_id, updated_at=clock.now()))
        elif policy.supplier_id is None:
            policy.supplier_id = po.supplier_id
            session.add(policy)
    session.flush()
    shop_api.record(session=session, actor=actor, action="po.order", entity="purchase_order", entity_id=po_id,
                 summary=f"{po_number(po_id)} ordered", before={"status": "draft"}, after={"status": "ordered"})
    return get_po(session=session, po_id=po_id)


def receive_po(*, session: Session, actor: Actor, po_id: int, quantities: dict[str, int] | None = None,
               over: bool = False) -> PORead:
    """Receive all that is still due (``quantities`` None) or some lines (SKU or barcode -> quantity).

    Receiving more than is due on a line is refused unless ``over`` is given.
    """
    po = _po_row(session, po_id)
    if po.status not in ("ordered", "partial"):
        hint = " Mark it ordered first with 'shoptui po order'." if po.status == "draft" else ""
        raise Conflict(f"{po_number(po_id)} is {po.status}, so nothing can be received on it.{hint}")
    lines = {line.variant_id: line for line in _lines(session, po_id)}
    wanted: list[tuple[PurchaseOrderLine, int]] = []
    if quantities is None:
        wanted = [(line, line.quantity_ordered - line.quantity_received) for line in lines.values()
                  if line.quantity_ordered > line.quantity_received]
    else:
        if not quantities:
            raise InvalidInput("Name at least one line to receive, like TEE-01=5.")
        for code, quantity in quantities.items():
            positive_quantity(quantity, f"quantity received of {code}")
            variant = find_variant(session, code)
            line = lines.get(variant.id)
            if line is None:
                raise InvalidInput(f"{variant.sku} is not on {po_number(po_id)}. Add it to a new PO or restock it.")
            due = max(0, line.quantity_ordered - line.quantity_received)
            if quantity > due and not over:
                raise InvalidInput(f"{po_number(po_id)} still expects {due} of {variant.sku}, not {quantity}. "
                                   "Receive more than ordered only with --over.")
            wanted.append((line, quantity))
    if not wanted:
        raise Conflict(f"Everything on {po_number(po_id)} has been received already.")
    location = find_location(session, po.location_id)
    from shoptui.services.inventory.variants import variant_by_id

    incoming: list[tuple[int, int]] = []
    on_hand_before: dict[str, int] = {}
    on_hand_after: dict[str, int] = {}
    for line, quantity in wanted:
        due = max(0, line.quantity_ordered - line.quantity_received)
        variant = variant_by_id(session, line.variant_id)
        level, _ = receive_into_stock(session=session, actor=actor, variant=variant, location=location,
                                      quantity=quantity, unit_cost_minor=line.unit_cost_minor, ref_kind="po",
                                      ref_id=po_number(po_id))
        on_hand_before.setdefault(variant.sku, level.on_hand - quantity)
        on_hand_after[variant.sku] = level.on_hand
        incoming.append((line.variant_id, -min(quantity, due)))
        line.quantity_received += quantity
        session.add(line)
    _change_incoming(session, po.location_id, incoming)
    before = po.status
    done = all(line.quantity_received >= line.quantity_ordered for line in lines.values())
    po.status = "received" if done else "partial"
    if done:
        po.closed_at = clock.now()
    session.add(po)
    session.flush()
    shop_api.record(session=session, actor=actor, action="po.receive", entity="purchase_order", entity_id=po_id,
                 summary=f"{plural(sum(q for _, q in wanted), 'unit')} received on {po_number(po_id)}",
                 before={"status": before, "on_hand": on_hand_before}, after={"status": po.status, "on_hand": on_hand_after})
    return get_po(session=session, po_id=po_id)


def cancel_po(*, session: Session, actor: Actor, po_id: int) -> PORead:
    """Cancel a PO that is not fully received; what is still due leaves incoming (receipts stay)."""
    po = _po_row(session, po_id)
    if po.status in ("received", "cancelled"):
        raise Conflict(f"{po_number(po_id)} is already {po.status}; it cannot be cancelled.")
    if po.status in ("ordered", "partial"):
        _change_incoming(session, po.location_id,
                         [(line.variant_id, -max(0, line.quantity_ordered - line.quantity_received))
                          for line in _lines(session, po_id)])
    before = po.status
    po.status = "cancelled"
    po.closed_at = clock.now()
    session.add(po)
    session.flush()
    _withdraw_queued_emails(session, actor, po_id)
    shop_api.record(session=session, actor=actor, action="po.cancel", entity="purchase_order", entity_id=po_id,
                 summary=f"{po_number(po_id)} cancelled", before={"status": before}, after={"status": "cancelled"})
    return get_po(session=session, po_id=po_id)


def _withdraw_queued_emails(session: Session, actor: Actor, po_id: int) -> None:
    """A cancelled PO is not sent: its emails still waiting in the outbox (queued or failed) are cancelled."""
    from shoptui.models.messaging import OutboxMessage
    from shoptui.services import messaging as messaging_api

    waiting = session.exec(select(OutboxMessage).where(
        OutboxMessage.ref_kind == "po", OutboxMessage.ref_id == str(po_id),
        col(OutboxMessage.status).in_(("queued", "failed")))).all()
    for message in waiting:
        messaging_api.cancel(session=session, actor=actor, message_id=id_of(message))


def list_pos(*, session: Session, status: str | None = None, supplier: str | None = None, after: int | None = None,
             limit: int = 50) -> Page[POSummary]:
    """Purchase orders, newest first, keyset-paged by id."""
    limit = clamp_limit(limit)
    statuses = ("draft", "ordered", "partial", "received", "cancelled", "open")
    if status is not None and status not in statuses:
        raise InvalidInput(f"The status {status!r} is not one of: {', '.join(statuses)}.")
    totals = (select(col(PurchaseOrderLine.po_id), func.count().label("n"),
                     func.sum(col(PurchaseOrderLine.quantity_ordered) * col(PurchaseOrderLine.unit_cost_minor))
                     .label("total"))
              .group_by(col(PurchaseOrderLine.po_id)).subquery())
    query = (select(PurchaseOrder, Supplier.name, totals.c.n, totals.c.total)
             .join(Supplier, col(Supplier.id) == col(PurchaseOrder.supplier_id))
             .outerjoin(totals, totals.c.po_id == col(PurchaseOrder.id))
             .order_by(col(PurchaseOrder.id).desc()).limit(limit + 1))
    if status == "open":
        query = query.where(col(PurchaseOrder.status).in_(("draft", "ordered", "partial")))
    elif status:
        query = query.where(PurchaseOrder.status == status)
    if supplier:
        query = query.where(PurchaseOrder.supplier_id == find_supplier(session, supplier).id)
    if after is not None:
        query = query.where(col(PurchaseOrder.id) < after)
    rows = session.exec(query).all()
    items = [POSummary(id=po.id, number=po_number(id_of(po)), supplier=name, status=po.status, lines=n or 0,
                       total_minor=total or 0, created_at=po.created_at) for po, name, n, total in rows[:limit]]
    return Page(items=items, next_after=str(items[-1].id) if len(rows) > limit else None)


def email_po(*, session: Session, actor: Actor, po_id: int) -> str:
    """Queue the PO as an email to the supplier (through the outbox); returns the recipient."""
    from shoptui.services import messaging as messaging_api

    po = get_po(session=session, po_id=po_id)
    if po.status == "draft":
        raise Conflict(f"{po.number} is still a draft, so it is not emailed yet. Mark it ordered first with "
                       f"'shoptui po order {po.id}', then email it.")
    if po.status not in EMAILABLE:
        raise Conflict(f"{po.number} is {po.status}, so there is nothing to send; only an ordered (open) "
                       "purchase order is emailed to the supplier.")
    if not po.lines:
        raise InvalidInput(f"{po.number} has no lines to send.")
    supplier = find_supplier(session, po.supplier_id)
    if not supplier.email:
        raise InvalidInput(f"The supplier {supplier.name} has no email address. "
                           f"Add one with 'shoptui supplier edit {supplier.id} --email ...'.")
    money = shop_api.currency(session=session)
    shop = shop_api.get(session=session, key="name")
    lines = "\n".join(f"  {line.sku:<20} {line.quantity_ordered:>6} x {money.format(line.unit_cost_minor):>10}"
                      f"  {line.title}" for line in po.lines)
    messaging_api.queue(
        session=session, channel="email", recipient=supplier.email, template="purchase_order",
        subject="Purchase order $number from $shop",
        body="Dear $contact,\n\nplease supply the following ($number):\n\n$lines\n\nTotal: $total $currency\n${note}"
             "Kind regards,\n$shop\n",
        context={"number": po.number, "shop": shop, "contact": supplier.contact or supplier.name, "lines": lines,
                 "total": money.format(po.total_minor), "currency": money.code,
                 "note": f"Note: {po.note}\n\n" if po.note else "\n"},
        ref_kind="po", ref_id=po.id,
    )
    shop_api.record(session=session, actor=actor, action="po.email", entity="purchase_order", entity_id=po.id,
                 summary=f"{po.number} emailed to {supplier.email}")
    return supplier.email


# ---------------------------------------------------------------- reorder suggestions


def suggest_reorders(*, session: Session, location: str | None = None, days: int = 30) -> list[ReorderGroup]:
    """Variants at or below their reorder point, with a quantity to order, grouped by usual supplier.

    rate = units sold in the last ``days`` days / days; need = ceil(rate x (lead time + cover days));
    suggested = max(need, reorder point + 1 - available) - incoming (lines at 0 or less are left out).
    Lead time is the supplier's (or default_lead_time_days), cover days the reorder_cover_days setting.
    """

    place = find_location(session, location)
    cover = int(shop_api.get(session=session, key="reorder_cover_days"))
    default_lead = int(shop_api.get(session=session, key="default_lead_time_days"))
    available = col(StockLevel.on_hand) - col(StockLevel.committed)
    rows = tuples(session.execute(
        sa_select(col(StockLevel.variant_id), col(Variant.sku), col(Product.title), available, col(StockLevel.incoming),
                  col(StockPolicy.reorder_point), col(StockPolicy.supplier_id), col(Supplier.name), col(Supplier.lead_time_days),
                  col(Variant.cost_minor))
        .join(StockPolicy, col(StockPolicy.variant_id) == col(StockLevel.variant_id))
        .join(Variant, col(Variant.id) == col(StockLevel.variant_id))
        .join(Product, col(Product.id) == col(Variant.product_id))
        .outerjoin(Supplier, col(Supplier.id) == col(StockPolicy.supplier_id))
        .where(col(StockLevel.location_id) == place.id, col(StockPolicy.reorder_point).is_not(None),
               available <= col(StockPolicy.reorder_point))
        .order_by(col(Variant.sku))
    )).all()
    sales = daily_sales(session, days=days, variant_ids=[r[0] for r in rows]) if rows else {}
    groups: dict[int | None, ReorderGroup] = {}
    for vid, sku, title, avail, incoming, rop, supplier_id, supplier, lead, cost in rows:
        lead = default_lead if lead is None else lead
        rate = sum(sales.get(vid, [])) / days
        need = math.ceil(round(rate * (lead + cover), 6))
        suggested = max(need, rop + 1 - avail) - incoming
        if suggested <= 0:
            continue
        group = groups.setdefault(supplier_id, ReorderGroup(supplier_id=supplier_id, supplier=supplier, lines=[]))
        group.lines.append(ReorderLine(variant_id=vid, sku=sku, title=title, available=avail, incoming=incoming,
                                       reorder_point=rop, daily_rate=round(rate, 3), lead_time_days=lead,
                                       suggested=min(suggested, MAX_QUANTITY), unit_cost_minor=cost or 0))
    return sorted(groups.values(), key=lambda g: (g.supplier is None, (g.supplier or "").lower()))


def create_suggested_pos(*, session: Session, actor: Actor, location: str | None = None,
                         days: int = 30) -> list[PORead]:
    """Turn reorder suggestions into one draft PO per supplier (variants without a supplier are skipped)."""
    created: list[PORead] = []
    for group in suggest_reorders(session=session, location=location, days=days):
        if group.supplier_id is None:
            continue
        po = create_po(session=session, actor=actor, supplier=str(group.supplier_id), location=location,
                       origin="reorder suggestions")
        for line in group.lines:
            add_po_line(session=session, actor=actor, po_id=po.id, code=line.sku, quantity=line.suggested,
                        unit_cost_minor=line.unit_cost_minor)
        created.append(get_po(session=session, po_id=po.id))
    return created
