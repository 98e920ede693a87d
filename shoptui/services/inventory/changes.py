"""The operator's stock changes: goods in (restock, and a receipt with its moving-average cost),
adjustments by hand with a reason, and transfers between locations; each booked through the ledger."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import update
from sqlmodel import Session, col

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import InvalidInput
from shoptui.models.catalog import Variant
from shoptui.models.inventory import ADJUST_REASONS, StockPolicy
from shoptui.services import shop
from shoptui.services.inventory.ledger import MAX_QUANTITY, book, positive_quantity
from shoptui.services.inventory.levels import LevelRead, levels_for
from shoptui.services.inventory.locations import LocationRead, find_location
from shoptui.services.inventory.suppliers import find_supplier
from shoptui.services.inventory.variants import VariantRef, find_variant
from shoptui.services.pricing import round_half_up


class StockChangeRead(BaseModel):
    """What a restock, adjustment or transfer did."""

    sku: str
    location: str
    kind: str
    quantity: int
    level: LevelRead
    cost_minor: int | None = None
    to_location: str | None = None
    to_level: LevelRead | None = None


def _moving_average(session: Session, variant: VariantRef, quantity: int, unit_cost_minor: int | None) -> int | None:
    """Set the variant's cost to the moving average after receiving ``quantity`` at ``unit_cost_minor``."""
    if unit_cost_minor is None:
        return variant.cost_minor
    on_hand = levels_for(session, [variant.id])[variant.id].on_hand  # over every location
    old = variant.cost_minor
    if old is None or on_hand <= 0:
        new = unit_cost_minor
    else:
        new = round_half_up(old * on_hand + unit_cost_minor * quantity, on_hand + quantity)
    if new != old:
        session.execute(update(Variant).where(col(Variant.id) == variant.id).values(cost_minor=new)
                        .execution_options(synchronize_session=False))
    return new


def receive_into_stock(
    *, session: Session, actor: Actor, variant: VariantRef, location: LocationRead, quantity: int,
    unit_cost_minor: int | None, note: str = "", ref_kind: str | None = None, ref_id: str | int | None = None,
) -> tuple[LevelRead, int | None]:
    """Book a receipt (restock or PO) and update the moving average cost; returns level and new cost."""
    cost = _moving_average(session, variant, quantity, unit_cost_minor)
    level = book(session, actor, variant, location, kind="receive", quantity=quantity,
                  unit_cost_minor=unit_cost_minor, note=note, ref_kind=ref_kind, ref_id=ref_id)
    return level, cost


# ---------------------------------------------------------------- operator actions


def _untracked(variant: VariantRef) -> InvalidInput:
    return InvalidInput(f"{variant.sku} does not track stock. Turn stock tracking on for it in the catalogue first.",
                        field="code")


def restock(
    *, session: Session, actor: Actor, code: str, quantity: int, unit_cost_minor: int | None = None,
    location: str | None = None, supplier: str | None = None, note: str = "",
) -> StockChangeRead:
    """Goods in: a 'receive' movement; with a cost, the variant's cost becomes the moving average."""
    positive_quantity(quantity, "restock quantity")
    if unit_cost_minor is not None and unit_cost_minor < 0:
        raise InvalidInput(f"The cost {unit_cost_minor} cannot be negative.", field="unit_cost_minor")
    variant = find_variant(session, code)
    if not variant.track_stock:
        raise _untracked(variant)
    place = find_location(session, location)
    supplier_id = None
    if supplier:
        found = find_supplier(session, supplier)
        supplier_id = found.id
        policy = session.get(StockPolicy, variant.id)
        if policy is None:
            session.add(StockPolicy(variant_id=variant.id, supplier_id=supplier_id, updated_at=clock.now()))
        elif policy.supplier_id is None:
            policy.supplier_id = supplier_id
            session.add(policy)
        session.flush()
    level, cost = receive_into_stock(session=session, actor=actor, variant=variant, location=place, quantity=quantity,
                                     unit_cost_minor=unit_cost_minor, note=note,
                                     ref_kind="supplier" if supplier_id else None, ref_id=supplier_id)
    shop.record(session=session, actor=actor, entity="variant", action="stock.restock", entity_id=variant.id,
                 summary=f"restocked {quantity} x {variant.sku} at {place.code}",
                 before={"cost_minor": variant.cost_minor, "on_hand": level.on_hand - quantity},
                 after={"cost_minor": cost, "on_hand": level.on_hand})
    return StockChangeRead(sku=variant.sku, location=place.code, kind="receive", quantity=quantity, level=level,
                           cost_minor=cost)


def adjust(
    *, session: Session, actor: Actor, code: str, quantity: int, reason: str, location: str | None = None,
    note: str = "",
) -> StockChangeRead:
    """A correction by hand (signed quantity) with a reason: damaged, lost, found, correction or other."""
    if reason not in ADJUST_REASONS:
        raise InvalidInput(f"The reason {reason!r} is not one of: {', '.join(ADJUST_REASONS)}.", field="reason")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity == 0:
        raise InvalidInput(f"The adjustment must be a whole number other than zero (like -3 or 2), not {quantity!r}.", field="quantity")
    if abs(quantity) > MAX_QUANTITY:
        raise InvalidInput(f"The adjustment {quantity} is too large (at most {MAX_QUANTITY:,}).", field="quantity")
    variant = find_variant(session, code)
    if not variant.track_stock:
        raise _untracked(variant)
    place = find_location(session, location)
    level = book(session, actor, variant, place, kind="adjustment", quantity=quantity, reason=reason, note=note,
                  unit_cost_minor=variant.cost_minor)
    shop.record(session=session, actor=actor, entity="variant", action="stock.adjust", entity_id=variant.id,
                 summary=f"adjusted {variant.sku} by {quantity:+d} at {place.code} ({reason})",
                 before={"on_hand": level.on_hand - quantity}, after={"on_hand": level.on_hand})
    return StockChangeRead(sku=variant.sku, location=place.code, kind="adjustment", quantity=quantity, level=level)


def transfer(
    *, session: Session, actor: Actor, code: str, quantity: int, from_location: str, to_location: str, note: str = "",
) -> StockChangeRead:
    """Move stock between two locations: 'transfer_out' here and 'transfer_in' there, one transaction."""
    positive_quantity(quantity, "transfer quantity")
    variant = find_variant(session, code)
    if not variant.track_stock:
        raise _untracked(variant)
    source = find_location(session, from_location, name="from_location")
    target = find_location(session, to_location, name="to_location")
    if source.id == target.id:
        raise InvalidInput(f"The transfer goes from {source.code} to {target.code}, the same location. "
                           "Name two different locations.", field="to_location")
    ref = f"{source.code}->{target.code}"
    out_level = book(session, actor, variant, source, kind="transfer_out", quantity=-quantity,
                      need_available=quantity, note=note, ref_kind="transfer", ref_id=ref,
                      unit_cost_minor=variant.cost_minor)
    in_level = book(session, actor, variant, target, kind="transfer_in", quantity=quantity, note=note,
                     ref_kind="transfer", ref_id=ref, unit_cost_minor=variant.cost_minor)
    shop.record(session=session, actor=actor, entity="variant", action="stock.transfer", entity_id=variant.id,
                 summary=f"moved {quantity} x {variant.sku} from {source.code} to {target.code}",
                 before={"on_hand": {source.code: out_level.on_hand + quantity, target.code: in_level.on_hand - quantity}},
                 after={"on_hand": {source.code: out_level.on_hand, target.code: in_level.on_hand}})
    return StockChangeRead(sku=variant.sku, location=source.code, kind="transfer", quantity=quantity, level=out_level,
                           to_location=target.code, to_level=in_level)


# ---------------------------------------------------------------- reading
