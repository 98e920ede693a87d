"""Store settings kept in the store itself: name, contact, currency, timezone, and what modules add.

Each module declares its settings as ``SettingDef`` rows (listed in its module descriptor); this
service validates, stores (as JSON) and audits them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from sqlmodel import Session, select

from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.store import StoreSetting
from shoptui.services import audit

Parser = Callable[[str], Any]


@dataclass(frozen=True)
class SettingDef:
    """One setting: its key, what it means, its default, how text becomes its value."""

    key: str
    help: str
    default: Any
    parse: Parser
    secret: bool = False
    group: str = "store"


def text(max_length: int = 200, *, required: bool = False) -> Parser:
    """A parser for free text of at most ``max_length`` characters."""

    def parse(raw: str) -> str:
        value = raw.strip()
        if required and not value:
            raise InvalidInput("This setting cannot be empty.")
        if len(value) > max_length:
            raise InvalidInput(f"This setting takes at most {max_length} characters, not {len(value)}.")
        return value

    return parse


def integer(low: int, high: int) -> Parser:
    """A parser for a whole number in ``[low, high]``."""

    def parse(raw: str) -> int:
        value = raw.strip()
        if not re.fullmatch(r"[-+]?\d{1,12}", value):
            raise InvalidInput(f"{raw!r} is not a whole number.")
        number = int(value)
        if not low <= number <= high:
            raise InvalidInput(f"{number} is out of range; use a number from {low} to {high}.")
        return number

    return parse


def choice(*options: str) -> Parser:
    """A parser for one of a few words."""

    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in options:
            raise InvalidInput(f"{raw!r} is not one of: {', '.join(options)}.")
        return value

    return parse


def boolean(raw: str) -> bool:
    """yes/no, true/false, on/off, 1/0."""
    value = raw.strip().lower()
    if value in ("1", "yes", "true", "on", "y"):
        return True
    if value in ("0", "no", "false", "off", "n"):
        return False
    raise InvalidInput(f"{raw!r} is not yes or no.")


def email_list(raw: str) -> list[str]:
    """Comma-separated email addresses (may be empty)."""
    addresses = [a.strip() for a in raw.split(",") if a.strip()]
    for address in addresses:
        if not re.fullmatch(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+", address):
            raise InvalidInput(f"{address!r} is not an email address.")
    return addresses


def json_object(raw: str) -> dict[str, str]:
    """A JSON object of strings, e.g. HTTP headers."""
    try:
        value = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"That is not JSON ({exc.msg} at character {exc.pos}); write it like {{\"X-Key\": \"abc\"}}.") from exc
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InvalidInput('This setting takes a JSON object of strings, like {"Authorization": "Bearer abc"}.')
    return value


def _currency(raw: str) -> str:
    value = raw.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise InvalidInput(f"{raw!r} is not a currency code; use three letters such as CNY, USD or EUR.")
    return value


def _timezone(raw: str) -> str:
    value = raw.strip()
    if value not in _zones():
        raise InvalidInput(f"{raw!r} is not a time zone; use a name such as Asia/Shanghai or Europe/Berlin.")
    return value


def _country(raw: str) -> str:
    value = raw.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise InvalidInput(f"{raw!r} is not a country code; use two letters such as CN, US or DE.")
    return value


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


CORE_SETTINGS = [
    SettingDef("name", "The shop's name, shown in the top bar and on receipts.", "My Shop", text(100, required=True)),
    SettingDef("phone", "The shop's phone number.", "", text(40)),
    SettingDef("email", "The shop's email address, the sender of customer mail.", "", text(200)),
    SettingDef("address", "The shop's address, printed on receipts and invoices.", "", text(300)),
    SettingDef("country", "Two-letter country code (default for phone numbers and addresses).", "CN", _country),
    SettingDef("currency", "Three-letter currency code of every amount.", "CNY", _currency),
    SettingDef("currency_digits", "Decimals of the currency's minor unit (2 for CNY, 0 for JPY).", 2, integer(0, 4)),
    SettingDef("timezone", "The shop's time zone: times are stored in UTC and shown in this zone.",
               "Asia/Shanghai", _timezone),
]
MONEY_KEYS = ("currency", "currency_digits")


@cache
def definitions() -> dict[str, SettingDef]:
    """Every setting of every module, by key."""
    from shoptui import modules

    found: dict[str, SettingDef] = {}
    for reference in modules.references("settings"):
        for definition in modules.load(reference):
            found[definition.key] = definition
    return found


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
