"""A variant's stock policy: safety stock, reorder point and usual supplier, set by hand."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import InvalidInput
from shoptui.models.inventory import StockLevel, StockPolicy, Supplier
from shoptui.services import shop
from shoptui.services.inventory.alerts import evaluate_alerts
from shoptui.services.inventory.ledger import MAX_QUANTITY
from shoptui.services.inventory.suppliers import find_supplier
from shoptui.services.inventory.variants import find_variant


class PolicyRead(BaseModel):
    """A variant's safety stock, reorder point and usual supplier."""

    variant_id: int
    sku: str
    safety_stock: int
    reorder_point: int | None
    supplier: str | None


def set_levels(
    *, session: Session, actor: Actor, code: str, safety_stock: int | None = None, reorder_point: int | None = None,
    clear_reorder_point: bool = False, supplier: str | None = None,
) -> PolicyRead:
    """Set a variant's safety stock, reorder point and/or usual supplier (unset means unchanged)."""
    for name, field, value in (("safety stock", "safety_stock", safety_stock),
                               ("reorder point", "reorder_point", reorder_point)):
        if value is not None and (value < 0 or value > MAX_QUANTITY):
            raise InvalidInput(f"The {name} must be from 0 to {MAX_QUANTITY:,}, not {value}.", field=field)
    if safety_stock is None and reorder_point is None and supplier is None and not clear_reorder_point:
        raise InvalidInput("Give --safety, --reorder-point or --supplier (or --no-reorder-point).")
    variant = find_variant(session, code)
    policy = session.get(StockPolicy, variant.id)
    before = None
    if policy is None:
        policy = StockPolicy(variant_id=variant.id, updated_at=clock.now())
    else:
        before = {"safety_stock": policy.safety_stock, "reorder_point": policy.reorder_point,
                  "supplier_id": policy.supplier_id}
    if safety_stock is not None:
        policy.safety_stock = safety_stock
    if reorder_point is not None:
        policy.reorder_point = reorder_point
    if clear_reorder_point:
        policy.reorder_point = None
    supplier_name = None
    if supplier is not None:
        found = find_supplier(session, supplier)
        policy.supplier_id = found.id
    if policy.supplier_id:
        supplier_name = session.exec(select(Supplier.name).where(Supplier.id == policy.supplier_id)).one()
    policy.updated_at = clock.now()
    session.add(policy)
    session.flush()
    locations = session.exec(select(StockLevel.location_id).where(StockLevel.variant_id == variant.id)).all()
    for location_id in locations:
        evaluate_alerts(session=session, location_id=location_id, variant_ids=[variant.id])
    shop.record(session=session, actor=actor, action="stock.set_levels", entity="variant", entity_id=variant.id,
                 summary=f"stock levels of {variant.sku} set", before=before,
                 after={"safety_stock": policy.safety_stock, "reorder_point": policy.reorder_point,
                        "supplier_id": policy.supplier_id})
    return PolicyRead(variant_id=variant.id, sku=variant.sku, safety_stock=policy.safety_stock,
                      reorder_point=policy.reorder_point, supplier=supplier_name)
