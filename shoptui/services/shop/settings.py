"""Store settings kept in the store itself: name, contact, currency, timezone, and what modules add.

Each module declares its settings as ``SettingDef`` rows (listed in its module descriptor); this
service validates, stores (as JSON) and audits them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor, mask_url, secret_env_name, secret_value, secrets_file
from shoptui.errors import Conflict, InvalidInput, NotAllowed, NotFound
from shoptui.models._types import table_of
from shoptui.models.store import StoreSetting
from shoptui.services.shop import audit, media
from shoptui.services.shop.setting_defs import SettingDef
from shoptui.services.shop.setting_defs import definitions as definitions  # part of this service's API (faces, tests)
from shoptui.store import unique

MONEY_KEYS = ("currency", "currency_digits")


def _definition(key: str) -> SettingDef:
    definition = definitions().get(key)
    if definition is None:
        raise NotFound(f"There is no setting {key!r}. Known settings: {', '.join(sorted(definitions()))}.")
    return definition


_CACHE = "shoptui.settings"
"""``session.info`` key of the settings as this transaction read them (see :func:`get_all`)."""


def _stored(session: Session) -> dict[str, Any]:
    """The stored settings, read once per transaction (a counter sale asks for them from five places).

    Kept in ``session.info`` (one session is one transaction); a change made through this module in the
    same transaction drops it (:func:`forget`), so a setting set and then read in one transaction is seen.
    """
    cached: dict[str, Any] | None = session.info.get(_CACHE)
    if cached is None:
        cached = session.info[_CACHE] = {str(row[0]): row[1] for row in session.execute(
            select(col(StoreSetting.key), col(StoreSetting.value)))}
    return cached


def forget(session: Session) -> None:
    """Drop the settings this transaction read: the next read goes to the store (after a setting changed)."""
    session.info.pop(_CACHE, None)


def get_all(*, session: Session) -> dict[str, Any]:
    """Every setting's value (stored or default), by key; a secret's is always its empty default.

    Secrets (SMTP password, SMS gateway headers) are read with ``secret`` where they are used.
    """
    stored = _stored(session)
    return {key: d.default if d.secret else stored.get(key, d.default) for key, d in definitions().items()}


def get(*, session: Session, key: str) -> Any:
    """One setting's value (stored or default); a secret's is always its empty default."""
    definition = _definition(key)
    if definition.secret:
        return definition.default
    return _stored(session).get(key, definition.default)


def secret_hint(key: str) -> str:
    """Where a secret setting is given: the environment variable or the owner-only secrets file."""
    return (f"Set {secret_env_name(key)} in the environment, or {key} in {secrets_file()} "
            "(readable by you only: chmod 600).")


def secret(*, session: Session, key: str) -> Any:
    """A secret setting's value: from the environment or the secrets file, else a value an older shoptui
    stored (used until it is cleared), else the empty default. InvalidInput for a secrets file others may read."""
    definition = _definition(key)
    raw = secret_value(key)
    if raw is None:
        row = session.get(StoreSetting, key)
        return definition.default if row is None else row.value
    if isinstance(raw, dict):
        import json

        raw = json.dumps(raw)
    try:
        return definition.parse(str(raw))
    except InvalidInput as exc:
        raise InvalidInput(f"The {key} given outside the store is not valid: {exc}") from None


def secret_status(*, session: Session, key: str) -> str:
    """How a secret stands, never its value: "set", "not set", or what is wrong with where it is kept."""
    try:
        if secret_value(key) is not None:
            return "set"
    except InvalidInput as exc:
        return f"not set ({exc})"
    if session.get(StoreSetting, key) is not None:
        return (f"set, but kept in the store by an older shoptui: move it out ({secret_env_name(key)}) and clear "
                f"it with: shoptui settings set {key} ''")
    return "not set"


def shown(key: str, value: Any) -> Any:
    """A setting's value as it may be shown or audited: credentials in URLs masked."""
    return mask_url(value) if isinstance(value, str) else value


def _refuse_currency_change(session: Session, key: str, value: Any, before: Any) -> None:
    if key in MONEY_KEYS and value != before and _has_prices(session):
        raise Conflict(
            f"The store already holds prices in {get(session=session, key='currency')}; "
            f"changing {key} would change every amount. Start a new store for another currency."
        )


def set_value(*, session: Session, actor: Actor, key: str, raw: str) -> Any:
    """Validate ``raw`` for ``key``, store it and audit the change; returns the new value."""
    definition = _definition(key)
    if definition.secret:
        return _clear_secret(session=session, actor=actor, key=key, raw=raw)
    if key in media.FILE_SETTINGS:  # a file given for the logo is checked and copied into the media folder
        raw = media.setting_file(session, raw)
    value = definition.parse(raw)
    # the row is locked while it changes (FOR UPDATE on PostgreSQL); a first set inserts it ON CONFLICT DO
    # NOTHING, so two terminals setting a new key at once take turns instead of one failing
    row = session.get(StoreSetting, key, with_for_update=True)
    before = definition.default if row is None else row.value
    _refuse_currency_change(session, key, value, before)
    if row is None and not unique.insert_ignore(session, table_of(StoreSetting),
                                                {"key": key, "value": value, "updated_at": clock.now()}):
        row = session.get(StoreSetting, key, with_for_update=True, populate_existing=True)  # set meanwhile
        assert row is not None
        before = row.value
        _refuse_currency_change(session, key, value, before)
    if row is not None:
        row.value = value
        row.updated_at = clock.now()
        session.add(row)
    forget(session)  # read again from here on
    audit.record(session=session, actor=actor, action="settings.set", entity="setting", entity_id=key,
                 summary=f"{key} set", before={"value": shown(key, before)}, after={"value": shown(key, value)})
    session.flush()
    return value


def _clear_secret(*, session: Session, actor: Actor, key: str, raw: str) -> Any:
    """Secrets are never kept in the store: a value is refused; an empty one clears what an older shoptui kept."""
    if raw.strip() not in ("", "{}"):
        raise NotAllowed(f"{key} is a secret and is not kept in the store. {secret_hint(key)}")
    row = session.get(StoreSetting, key)
    if row is not None:
        session.delete(row)
        forget(session)
        audit.record(session=session, actor=actor, action="settings.set", entity="setting", entity_id=key,
                     summary=f"{key} removed from the store", before={"value": "set"}, after={"value": "not set"})
        session.flush()
    return _definition(key).default


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

    def parse(self, text: str, *, field: str = "amount", allow_negative: bool = False, name: str | None = None) -> int:
        """``"12.50"`` -> 1250; a refusal marks the input ``name``."""
        from shoptui.money import parse_money

        return parse_money(text, self.digits, field=field, allow_negative=allow_negative, name=name)


def currency(*, session: Session) -> Currency:
    """The store's currency."""
    values = get_all(session=session)
    return Currency(code=values["currency"], digits=int(values["currency_digits"]))


def timezone(*, session: Session) -> ZoneInfo:
    """The store's time zone."""
    return ZoneInfo(get(session=session, key="timezone"))


def store_region(session: Session) -> str:
    """The store's country (two letters): the region a phone typed without ``+`` belongs to."""
    return str(get(session=session, key="country")).upper()
