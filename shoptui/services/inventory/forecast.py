"""Suggested safety stock and reorder points from sales history (units sold per day from the ledger)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from pydantic import BaseModel
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import InvalidInput
from shoptui.models.catalog import Variant
from shoptui.models.inventory import StockMovement, StockPolicy, Supplier
from shoptui.services.inventory.policies import set_levels
from shoptui.services.inventory.variants import find_variant


class LevelSuggestion(BaseModel):
    """A suggested safety stock and reorder point from sales history."""

    variant_id: int
    sku: str
    days: int
    sold: int
    daily_mean: float
    daily_stdev: float
    lead_time_days: int
    safety_stock: int
    reorder_point: int
    current_safety_stock: int
    current_reorder_point: int | None


def daily_sales(session: Session, *, days: int, variant_ids: Sequence[int] | None = None) -> dict[int, list[int]]:
    """Units sold per day over the last ``days`` days (oldest first), per variant that sold any."""
    since = clock.now() - timedelta(days=days)
    query = (select(StockMovement.variant_id, StockMovement.at, StockMovement.quantity)
             .where(StockMovement.kind == "sale", col(StockMovement.at) >= since))
    if variant_ids is not None:
        query = query.where(col(StockMovement.variant_id).in_(list(variant_ids)))
    series: dict[int, list[int]] = {}
    for vid, at, quantity in session.exec(query):
        index = min(days - 1, max(0, int((at - since).total_seconds() // 86400)))
        series.setdefault(vid, [0] * days)[index] += -quantity
    return series


def suggest_levels(*, session: Session, days: int = 30, code: str | None = None) -> list[LevelSuggestion]:
    """Safety stock = ceil(z x stdev of daily sales x sqrt(lead time)); reorder point =
    ceil(mean daily sales x lead time) + safety stock. z is the safety_factor setting, the lead time
    the usual supplier's (or default_lead_time_days); sales are the last ``days`` days."""
    from shoptui.services.shop import settings

    if not 1 <= days <= 365:
        raise InvalidInput(f"The history must be 1 to 365 days, not {days}.")
    z = float(settings.get(session=session, key="safety_factor"))
    default_lead = int(settings.get(session=session, key="default_lead_time_days"))
    only = [find_variant(session, code).id] if code else None
    series = daily_sales(session, days=days, variant_ids=only)
    if only and not series:
        series = {only[0]: [0] * days}
    ids = list(series)
    meta: dict[int, tuple[str, int | None, int | None, int | None]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in session.execute(
            sa_select(col(Variant.id), col(Variant.sku), col(StockPolicy.safety_stock), col(StockPolicy.reorder_point),
                      col(Supplier.lead_time_days))
            .outerjoin(StockPolicy, col(StockPolicy.variant_id) == col(Variant.id))
            .outerjoin(Supplier, col(Supplier.id) == col(StockPolicy.supplier_id))
            .where(col(Variant.id).in_(chunk), col(Variant.track_stock).is_(True))
        ):
            meta[row[0]] = (row[1], row[2], row[3], row[4])
    out: list[LevelSuggestion] = []
    for vid, sold_per_day in series.items():
        if vid not in meta:
            continue
        sku, safety_now, rop_now, lead = meta[vid]
        lead = default_lead if lead is None else lead
        mean = sum(sold_per_day) / days
        stdev = math.sqrt(sum((x - mean) ** 2 for x in sold_per_day) / days)
        safety = math.ceil(round(z * stdev * math.sqrt(lead), 6))
        rop = math.ceil(round(mean * lead, 6)) + safety
        out.append(LevelSuggestion(variant_id=vid, sku=sku, days=days, sold=sum(sold_per_day),
                                   daily_mean=round(mean, 3), daily_stdev=round(stdev, 3), lead_time_days=lead,
                                   safety_stock=safety, reorder_point=rop, current_safety_stock=safety_now or 0,
                                   current_reorder_point=rop_now))
    return sorted(out, key=lambda s: s.sku)


def apply_level_suggestions(*, session: Session, actor: Actor, days: int = 30, code: str | None = None
                            ) -> list[LevelSuggestion]:
    """Save the suggested safety stock and reorder point for every variant with sales history."""
    suggestions = suggest_levels(session=session, days=days, code=code)
    for s in suggestions:
        set_levels(session=session, actor=actor, code=s.sku, safety_stock=s.safety_stock,
                   reorder_point=s.reorder_point)
    return suggestions
