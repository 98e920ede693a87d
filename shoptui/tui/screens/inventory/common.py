"""What every inventory screen needs: the store's locations, categories, currency and time zone.

:func:`read_meta` runs inside a worker (it opens a read session); the screens keep the
:class:`StockMeta` it returns and pass it to their dialogs, so a dialog never queries to fill a
select box.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from shoptui import wording
from shoptui.money import format_money


@dataclass(frozen=True)
class LocationChoice:
    """A stock location as a select box shows it."""

    code: str
    name: str
    is_default: bool


@dataclass(frozen=True)
class StockMeta:
    """Locations, categories, adjustment reasons, the currency and the time zone of the store."""

    locations: tuple[LocationChoice, ...] = ()
    categories: tuple[tuple[int, str], ...] = ()  # (id, "Clothing > T-shirts")
    reasons: tuple[str, ...] = ("damaged", "lost", "found", "correction", "other")
    currency: str = ""
    digits: int = 2
    timezone: str = "UTC"
    suppliers: tuple[tuple[int, str], ...] = ()
    thresholds: dict[str, int] = field(default_factory=dict)

    @property
    def default_location(self) -> str:
        """The default location's code ("" when the store has none yet)."""
        return next((loc.code for loc in self.locations if loc.is_default),
                    self.locations[0].code if self.locations else "")

    def location_options(self) -> list[tuple[str, str]]:
        """(label, code) pairs for a Select."""
        return [(f"{loc.code} · {loc.name}", loc.code) for loc in self.locations]

    def money(self, minor: int | None) -> str:
        """``1250`` -> ``12.50`` (no currency sign); None -> ``–``."""
        return "–" if minor is None else format_money(minor, self.digits)

    def when(self, at: datetime | None, *, year: bool = False) -> str:
        """A moment in the store's time zone: ``11-20 10:30`` (with the year: ``2026-11-20 10:30``)."""
        return wording.when(at, ZoneInfo(self.timezone), year=year, none="–")


def read_meta(db_url: str | None) -> StockMeta:
    """Read the meta data (call in a worker thread)."""
    from shoptui import db
    from shoptui.models.inventory import ADJUST_REASONS
    from shoptui.services.catalog import products as catalog
    from shoptui.services.inventory import purchasing as inventory_purchasing
    from shoptui.services.inventory import stock as inventory
    from shoptui.services.shop import settings

    with db.read_session(db_url) as session:
        locations = tuple(LocationChoice(loc.code, loc.name, loc.is_default)
                          for loc in inventory.list_locations(session=session))
        categories = tuple((c.id, c.full_name or c.name) for c in catalog.list_categories(session=session))
        money = settings.currency(session=session)
        zone = settings.timezone(session=session)
        suppliers = tuple((s.id, s.name) for s in inventory_purchasing.list_suppliers(session=session))
        values = settings.get_all(session=session)
    thresholds = {key: int(values[key]) for key in ("stocktake_variance_units", "stocktake_variance_bp",
                                                    "stocktake_variance_value") if key in values}
    return StockMeta(locations=locations, categories=categories, reasons=tuple(ADJUST_REASONS), currency=money.code,
                     digits=money.digits, timezone=str(zone), suppliers=suppliers, thresholds=thresholds)
