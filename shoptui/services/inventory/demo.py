"""Demo stock for the demo catalogue: opening stock, two suppliers, a back room and one open PO.

Registered as ``extra["demo"]`` of the inventory module; ``shoptui demo load`` calls it in the
same transaction right after the catalogue is loaded. Everything is booked through the real
services (restock, transfer, sell, purchase orders), so the ledger, costs, alerts and audit are
what a real shop would have. The quantities are derived from the SKU (no randomness), so a demo
store looks the same every time.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from shoptui.config import Actor
from shoptui.models.catalog import Category, Product, Variant
from shoptui.services.inventory import purchasing as inventory_purchasing
from shoptui.services.inventory.changes import restock, transfer
from shoptui.services.inventory.ledger import sell
from shoptui.services.inventory.locations import add_location, default_location
from shoptui.services.inventory.policies import set_levels
from shoptui.services.inventory.variants import find_variant
from shoptui.store.rows import tuples

TEA_WORDS = ("tea", "茶", "longjing", "puer", "oolong", "teapot", "gaiwan")
"""Products whose title or category holds one of these words come from the tea supplier."""


@dataclass(frozen=True)
class DemoStockReport:
    """What the demo stock booked."""

    variants: int
    units: int
    low: int
    out: int
    suppliers: int
    purchase_orders: int


def _spread(sku: str, low: int, high: int) -> int:
    """A stable number from ``low`` to ``high`` for this SKU."""
    return low + zlib.crc32(sku.encode()) % (high - low + 1)


def load_demo_stock(*, session: Session, actor: Actor) -> DemoStockReport:
    """Book opening stock for every tracked variant; a few end low, two end out of stock, one PO is open."""
    rows = tuples(session.execute(
        sa_select(col(Variant.sku), col(Variant.price_minor), col(Variant.cost_minor), col(Product.title), col(Category.name))
        .join(Product, col(Product.id) == col(Variant.product_id))
        .outerjoin(Category, col(Category.id) == col(Product.category_id))
        .where(col(Variant.track_stock).is_(True))
        .order_by(col(Variant.sku))
    )).all()
    if not rows:
        return DemoStockReport(0, 0, 0, 0, 0, 0)
    tea = inventory_purchasing.add_supplier(
        session=session, actor=actor, name="West Lake Tea Co.", contact="Chen Jing", email="orders@westlake-tea.example",
        phone="+86 571 8888 0000", lead_time_days=10, note="Tea and tea ware; minimum order 20 units.")
    general = inventory_purchasing.add_supplier(
        session=session, actor=actor, name="Northwind Supply", contact="Anna Berg", email="sales@northwind.example",
        phone="+49 30 1234 5678", lead_time_days=5, note="Everything else; ships Mondays and Thursdays.")
    default_location(session)
    add_location(session=session, actor=actor, code="BACK", name="Back room")

    low_skus = {sku for sku, *_ in rows[3::17]}  # a few, spread over the catalogue
    out_skus = {sku for sku, *_ in rows[8::29]} - low_skus
    units = 0
    supplier_of: dict[str, int] = {}
    for sku, price, cost, title, category in rows:
        words = f"{title} {category or ''}".lower()
        supplier = tea if any(word in words for word in TEA_WORDS) else general
        supplier_of[sku] = supplier.id
        unit_cost = cost if cost is not None else max(1, price * _spread(sku, 35, 55) // 100)
        reorder_point = _spread(sku, 3, 8)
        quantity = _spread(sku, 1, reorder_point) if sku in low_skus else _spread(sku, reorder_point + 4, 60)
        restock(session=session, actor=actor, code=sku, quantity=quantity, unit_cost_minor=unit_cost,
                          supplier=supplier.name, note="opening stock")
        units += quantity
        if sku in out_skus:
            sell(session=session, actor=actor, variant_id=find_variant(session, sku).id,
                           quantity=quantity, ref_kind="demo", ref_id="sold out")
            units -= quantity
        elif sku not in low_skus and quantity >= 20 and _spread(sku, 0, 3) == 0:
            moved = quantity // 4
            transfer(session=session, actor=actor, code=sku, quantity=moved, from_location="MAIN",
                               to_location="BACK", note="overflow to the back room")
        set_levels(session=session, actor=actor, code=sku, safety_stock=max(1, reorder_point // 2),
                             reorder_point=reorder_point)

    po_skus = sorted(sku for sku in low_skus | out_skus if supplier_of[sku] == general.id)
    purchase_orders = 0
    if po_skus:
        po = inventory_purchasing.create_po(session=session, actor=actor, supplier=general.name,
                                            note="weekly order")
        for sku in po_skus[:3]:
            inventory_purchasing.add_po_line(session=session, actor=actor, po_id=po.id, code=sku,
                                             quantity=_spread(sku, 12, 24))
        inventory_purchasing.order_po(session=session, actor=actor, po_id=po.id)
        purchase_orders = 1
    return DemoStockReport(variants=len(rows), units=units, low=len(low_skus), out=len(out_skus), suppliers=2,
                           purchase_orders=purchase_orders)

