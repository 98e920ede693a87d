"""What every orders module shares: the settings object, the order's timeline, its change mark and gift lines.

The lowest module of the orders package (below ``rows``, ``placing``, ``payments``, ``refunds``, ``returns``, ``shipping`` ...):
it imports none of its siblings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from sqlmodel import Session

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import NotFound
from shoptui.models._types import id_of
from shoptui.models.orders import Order, OrderEvent
from shoptui.services.shop import settings as store_settings

# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class Carrier:
    """A carrier from the ``carriers`` setting."""

    code: str
    name: str
    tracking_url: str = ""  # with {tracking} where the number goes
    pattern: str = ""  # a regular expression every tracking number must match in full
    typical_days: int = 3

    def link(self, tracking: str) -> str:
        """The tracking link for one parcel."""
        return self.tracking_url.replace("{tracking}", tracking) if self.tracking_url else ""




@dataclass(frozen=True)
class OrderSettings:
    """The settings the orders service reads, in one object."""

    prefix: str
    tax_rate_bp: int
    reminder_hours: int
    auto_cancel_hours: int
    channels: str
    carriers: tuple[Carrier, ...]
    values: dict[str, Any]
    currency: store_settings.Currency
    tz: Any

    def carrier(self, code: str) -> Carrier:
        """A carrier by code (case-insensitive) or name; NotFound lists the known codes."""
        wanted = code.strip().upper()
        for carrier in self.carriers:
            if carrier.code == wanted or carrier.name.upper() == wanted:
                return carrier
        known = ", ".join(c.code for c in self.carriers) or "none (set them with 'shoptui settings set carriers')"
        raise NotFound(f"There is no carrier {code!r}. Known carriers: {known}.")


def order_settings(session: Session) -> OrderSettings:
    """The orders settings, the currency and the time zone."""
    values = store_settings.get_all(session=session)
    from zoneinfo import ZoneInfo

    return OrderSettings(
        prefix=values["order_number_prefix"], tax_rate_bp=int(values["tax_rate_bp"]),
        reminder_hours=int(values["order_reminder_interval_hours"]),
        auto_cancel_hours=int(values["order_auto_cancel_hours"]), channels=values["order_notice_channels"],
        carriers=tuple(Carrier(**c) for c in values["carriers"]), values=values,
        currency=store_settings.Currency(code=values["currency"], digits=int(values["currency_digits"])),
        tz=ZoneInfo(values["timezone"]),
    )


# ---------------------------------------------------------------- the timeline


def add_event(session: Session, order: Order, actor: Actor, kind: str, message: str,
              data: dict[str, Any] | None = None) -> None:
    """Append an entry to the order's timeline, and tell the modules that follow orders."""
    session.add(OrderEvent(order_id=id_of(order), at=clock.now(), kind=kind, message=message[:1000],
                           actor=actor.name[:100], data=data))
    # Order-event hook: a module that follows orders (members: points, tiers, store credit) names a
    # handler in its descriptor, ModuleSpec.extra["order_events"] = "pkg.module:function", called as
    # handler(session=, actor=, order=, kind=, data=) in this transaction; it may refuse by raising.
    for handler in _order_event_handlers():
        handler(session=session, actor=actor, order=order, kind=kind, data=data or {})


@cache
def _order_event_handlers() -> tuple[Any, ...]:
    """The registered order-event handlers (loaded once)."""
    from shoptui import modules

    return tuple(modules.load(ref) for spec in modules.all_modules() if (ref := spec.extra.get("order_events")))


def touch(order: Order) -> None:
    """Mark the order changed (time and version)."""
    order.updated_at = clock.now()
    order.version += 1


# ---------------------------------------------------------------- gift lines


class LineLike(Protocol):
    """An order line (the row or its read model): what says whether it is a gift."""

    title: str
    unit_price_minor: int
    is_gift: bool


def is_gift(line: LineLike) -> bool:
    """A promotion's gift still given free: flagged ``is_gift`` and at price 0 (an edit that prices it
    makes it an ordinary line, as before the flag)."""
    return bool(line.is_gift) and line.unit_price_minor == 0


def line_title(line: LineLike) -> str:
    """A line's title as the faces show it: a gift's plain title marked "(gift)" (display text only)."""
    return f"{line.title} (gift)" if is_gift(line) else line.title
