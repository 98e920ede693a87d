"""Inventory settings: low-stock alerts, reorder cover, safety stock, stocktake tolerances (light to import)."""

from __future__ import annotations

from shoptui.errors import InvalidInput
from shoptui.money import parse_basis_points
from shoptui.services.shop import SettingDef, choice, integer


def _factor(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise InvalidInput(f"{raw!r} is not a number; write it like 1.65.") from None
    if not 0 <= value <= 5:
        raise InvalidInput(f"The safety factor {value:g} is out of range; use a number from 0 to 5 (1.65 ~ 95%).")
    return value


SETTINGS = [
    SettingDef("low_stock_alerts", "How low-stock alerts reach alert_emails: each (one email per SKU as it falls to "
               "its reorder point), digest (one email a day from 'shoptui stock digest' run by cron) or off "
               "(notification centre only).", "each", choice("each", "digest", "off"), group="inventory"),
    SettingDef("reorder_cover_days", "Days of sales a reorder should cover beyond the supplier's lead time.", 14,
               integer(0, 365), group="inventory"),
    SettingDef("default_lead_time_days", "Lead time in days for variants without a supplier.", 7, integer(0, 365),
               group="inventory"),
    SettingDef("safety_factor", "Safety factor z for suggested safety stock (1.65 covers ~95% of demand swings).",
               1.65, _factor, group="inventory"),
    SettingDef("stocktake_variance_units", "A stocktake variance of more than this many units needs a reason "
               "(0: no unit limit).", 5, integer(0, 1_000_000), group="inventory"),
    SettingDef("stocktake_variance_bp", "A stocktake variance of more than this percentage of the expected quantity "
               "needs a reason (0: no percentage limit).", 2000,
               lambda raw: parse_basis_points(raw, field="variance percentage", maximum=1_000_000),
               group="inventory"),
    SettingDef("stocktake_variance_value", "A stocktake variance worth more than this (in whole currency units, at "
               "cost) needs a reason (0: no value limit).", 100, integer(0, 10**9), group="inventory"),
]
