"""What every inventory screen needs: the store's locations, categories, suppliers and reasons.

:func:`read_meta` runs inside a worker (it opens a read session); the screens keep the
:class:`StockMeta` it returns and pass it to their dialogs, so a dialog never queries to fill a
select box. Amounts and moments are shown through ``meta.store`` (the shell's :class:`StoreView`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shoptui.tui.store_view import StoreView, current


@dataclass(frozen=True)
class LocationChoice:
    """A stock location as a select box shows it."""

    code: str
    name: str
    is_default: bool


@dataclass(frozen=True)
class StockMeta:
    """Locations, categories, adjustment reasons, suppliers and stock-take thresholds; the store view."""

    store: StoreView = StoreView()

    locations: tuple[LocationChoice, ...] = ()
    categories: tuple[tuple[int, str], ...] = ()  # (id, "Clothing > T-shirts")
    reasons: tuple[str, ...] = ("damaged", "lost", "found", "correction", "other")
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



def read_meta(db_url: str | None, app: object = None) -> StockMeta:
    """Read the meta data; the store view is ``app``'s once the shell has read it (call in a worker thread)."""
    from shoptui import db
    from shoptui.models.inventory import ADJUST_REASONS
    from shoptui.services.catalog import categories as catalog_categories
    from shoptui.services.inventory import purchasing as inventory_purchasing
    from shoptui.services.inventory.locations import list_locations
    from shoptui.services.shop import settings

    with db.read_session(db_url) as session:
        locations = tuple(LocationChoice(loc.code, loc.name, loc.is_default)
                          for loc in list_locations(session=session))
        categories = tuple((c.id, c.full_name or c.name) for c in catalog_categories.list_categories(session=session))
        store = current(app, session)
        suppliers = tuple((s.id, s.name) for s in inventory_purchasing.list_suppliers(session=session))
        values = settings.get_all(session=session)
    thresholds = {key: int(values[key]) for key in ("stocktake_variance_units", "stocktake_variance_bp",
                                                    "stocktake_variance_value") if key in values}
    return StockMeta(locations=locations, categories=categories, reasons=tuple(ADJUST_REASONS), store=store,
                     suppliers=suppliers, thresholds=thresholds)
