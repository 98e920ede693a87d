"""Store settings kept in the store itself: name, contact, currency, timezone, and what modules add.

Each module declares its settings as ``SettingDef`` rows (listed in its module descriptor); this
service validates, stores (as JSON) and audits them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from shoptui.config import Actor
from shoptui.errors import Conflict, NotFound
from shoptui.models.store import StoreSetting
from shoptui.services import audit
from shoptui.services.setting_defs import SettingDef, definitions

MONEY_KEYS = ("currency", "currency_digits")


def _definition(key: str) -> SettingDef:
    definition = definitions().get(key)
    if definition is None:
        raise NotFound(f"There is no setting {key!r}. Known settings: {', '.join(sorted(definitions()))}.")
    return definition


def get_all(*, session: Session) -> dict[str, Any]:
    """Every setting's value (stored or default), by key."""
    stored = {row.key: row.value for row in session.exec(select(StoreSetting))}
    return {key: stored.get(key, d.default) for key, d in definitions().items()}


def get(*, session: Session, key: str) -> Any:
    """One setting's value (stored or default)."""
    definition = _definition(key)
    row = session.get(StoreSetting, key)
    return definition.default if row is None else row.value


def set_value(*, session: Session, actor: Actor, key: str, raw: str) -> Any:
    """Validate ``raw`` for ``key``, store it and audit the change; returns the new value."""
    definition = _definition(key)
    value = definition.parse(raw)
    row = session.get(StoreSetting, key)
    before = definition.default if row is None else row.value
    if key in MONEY_KEYS and value != before and _has_prices(session):
        raise Conflict(
            f"The store already holds prices in {get(session=session, key='currency')}; "
            f"changing {key} would change every amount. Start a new store for another currency."
        )
    if row is None:
        session.add(StoreSetting(key=key, value=value))
    else:
        row.value = value
        from shoptui import clock

        row.updated_at = clock.now()
        session.add(row)
    shown_before = "***" if definition.secret and before else before
    shown_after = "***" if definition.secret and value else value
    audit.record(session=session, actor=actor, action="settings.set", entity="setting", entity_id=key,
                 summary=f"{key} set", before={"value": shown_before}, after={"value": shown_after})
    session.flush()
    return value


def _has_prices(session: Session) -> bool:
    from shoptui.models.catalog import Variant

    return session.exec(select(Variant.id).limit(1)).first() is not None


@dataclass(frozen=True)
class Currency:
    """The store's currency: code and minor-unit digits, for parsing and printing money."""

    code: str
    digits: int

    def format(self, minor: int) -> str:
        """``"12.50"``"""
        from shoptui.money import format_money

        return format_money(minor, self.digits)

    def minus(self, minor: int) -> str:
        """A deduction: ``"-12.50"``; a zero deduction is ``"0.00"``, never ``"-0.00"``."""
        from shoptui.wording import minus_money

        return minus_money(minor, self.digits)

    def parse(self, text: str, *, field: str = "amount", allow_negative: bool = False) -> int:
        """``"12.50"`` -> 1250"""
        from shoptui.money import parse_money

        return parse_money(text, self.digits, field=field, allow_negative=allow_negative)


def currency(*, session: Session) -> Currency:
    """The store's currency."""
    values = get_all(session=session)
    return Currency(code=values["currency"], digits=int(values["currency_digits"]))


def timezone(*, session: Session) -> ZoneInfo:
    """The store's time zone."""
    return ZoneInfo(get(session=session, key="timezone"))
