"""The store as every screen shows it: its name, currency and time zone, read once by the shell.

:class:`ShopApp` reads a :class:`StoreView` when the store opens (and again when the settings change)
and keeps it as ``app.store_view``; screens show amounts and moments through it instead of reading the
currency and the time zone themselves. A screen's own loader adds only what its domain needs (carriers,
locations, tiers...). Light on purpose: no service is imported until :func:`read_store_view` runs in a
worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from shoptui import wording

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.services.shop.settings import Currency

STORE_KEYS = ("name", "timezone", "currency", "currency_digits")
"""The settings a :class:`StoreView` is made of."""


@dataclass(frozen=True)
class StoreView:
    """The store's name, currency code and digits, and time zone (``loaded`` once read from the store)."""

    name: str = ""
    currency: str = ""
    digits: int = 2
    timezone: str = "UTC"
    loaded: bool = False

    @property
    def tz(self) -> ZoneInfo:
        """The store's zone."""
        return ZoneInfo(self.timezone)

    def money(self, minor: int | None) -> str:
        """``1250`` -> ``12.50`` (no currency sign); None -> ``–``."""
        return "–" if minor is None else wording.money(minor, self.digits)

    def when(self, at: datetime | None, *, year: bool = True, time: bool = True) -> str:
        """A moment in the store's zone: ``2026-11-20 10:30`` (``11-20 10:30`` without the year); None -> ``–``."""
        return wording.when(at, self.tz, year=year, time=time, none="–")

    def day(self, at: datetime | None) -> str:
        """The store-local date of a moment, ``2026-11-20`` (``–`` for none)."""
        return self.when(at, time=False)

    def clock(self, at: datetime | None) -> str:
        """The store-local time of day of a moment, ``10:30`` (``–`` for none)."""
        return "–" if at is None else f"{wording.local_time(at, self.tz):%H:%M}"

    def last_day(self, ends: datetime, *, year: bool = True) -> str:
        """The last store day a window ending at ``ends`` covers (an end at midnight belongs to the day before)."""
        return wording.last_day(ends, self.tz, year=year)

    @property
    def money_type(self) -> Currency:
        """The store currency as the services parse and format it."""
        from shoptui.services.shop.settings import Currency

        return Currency(code=self.currency, digits=self.digits)


def from_values(values: dict[str, object]) -> StoreView:
    """A view from setting values by key (:data:`STORE_KEYS`)."""
    return StoreView(name=str(values["name"]), currency=str(values["currency"]),
                     digits=int(str(values["currency_digits"])), timezone=str(values["timezone"]), loaded=True)


def read_store_view(session: Session) -> StoreView:
    """Read the view (in a worker; light: no settings table class)."""
    from shoptui.services.shop import dashboard

    return from_values(dashboard.store_values(session, *STORE_KEYS))


def current(app: object, session: Session) -> StoreView:
    """``app.store_view`` once the shell has read it; read now with ``session`` before that (a screen that
    opened first, in a worker)."""
    view = getattr(app, "store_view", None)
    if isinstance(view, StoreView) and view.loaded:
        return view
    return read_store_view(session)
