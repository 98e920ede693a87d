"""Dashboard figures: every module adds its own through the registry.

The dashboard is the first thing the app fills in, so figure providers are light: they read with
SQL through the session and import no table classes or services (building every SQLModel class
alone costs ~200 ms of start-up). :func:`store_values` reads settings the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, bindparam, column, text
from sqlmodel import Session

from shoptui.models._types import UTCDateTime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figure:
    """One KPI card: a title, its value as text, a line of detail, and a severity for colour."""

    key: str
    title: str
    value: str
    detail: str = ""
    severity: str = "normal"  # normal, good, warning, error
    order: int = 100
    mode: str | None = None  # the screen that explains the figure


def all_figures(*, session: Session) -> list[Figure]:
    """Figures from every module, in order."""
    from shoptui import modules

    figures: list[Figure] = []
    for reference in modules.references("dashboard"):
        figures.extend(modules.load(reference)(session=session))
    return sorted(figures, key=lambda f: (f.order, f.key))


def store_values(session: Session, *keys: str) -> dict[str, Any]:
    """Settings by key (stored, else their default), read without the settings table class."""
    from shoptui.services.shop.setting_defs import definitions

    known = definitions()
    query = (text("SELECT key, value FROM store_setting WHERE key IN :keys")
             .bindparams(bindparam("keys", expanding=True)).columns(column("key", String), column("value", JSON)))
    stored = {key: value for key, value in session.execute(query, {"keys": list(keys)})}
    return {key: stored[key] if key in stored else known[key].default for key in keys}


def money_text(minor: int, values: dict[str, Any]) -> str:
    """An amount in the store's currency digits (``values`` from :func:`store_values` with currency_digits)."""
    from shoptui.money import format_money

    return format_money(minor, int(values["currency_digits"]))


def count(session: Session, sql: str, **params: Any) -> int:
    statement = text(sql)
    for name, value in params.items():
        if isinstance(value, datetime):
            statement = statement.bindparams(bindparam(name, type_=UTCDateTime))
        elif isinstance(value, tuple):
            statement = statement.bindparams(bindparam(name, expanding=True))
    return int(session.execute(statement, {k: list(v) if isinstance(v, tuple) else v
                                           for k, v in params.items()}).scalar_one() or 0)


def unread_notifications(*, session: Session, role: str | None = None) -> int:
    """How many notifications are unread (the bell's count and the Alerts card); ``role`` as in list_notifications."""
    if role is not None and role != "owner":
        return count(session, "SELECT count(*) FROM notification WHERE read_at IS NULL AND audience = ''")
    return count(session, "SELECT count(*) FROM notification WHERE read_at IS NULL")


def latest_notification_id(*, session: Session) -> int:
    """The newest notification id (0 when there are none): the app's cheap probe for live refresh."""
    return count(session, "SELECT max(id) FROM notification")


def changes_since(*, session: Session, after_id: int | None, seen: frozenset[int] = frozenset(),
                  window: int = 200) -> tuple[int, frozenset[int], set[str]]:
    """What other terminals changed: ``(newest audit id, ids seen lately, entities changed)``.

    ``after_id`` None: only the newest id is read (start-up). Ids of a sequence may commit out of
    order on PostgreSQL, so the last ``window`` ids are read again and those already in ``seen``
    are skipped: a late commit of a lower id is not missed.
    """
    start = after_id is None
    if after_id is None:
        after_id = count(session, "SELECT max(id) FROM audit_entry")
    rows: list[tuple[int, str]] = [(row[0], str(row[1])) for row in session.execute(
        text("SELECT id, entity FROM audit_entry WHERE id > :low"), {"low": max(0, after_id - window)})]
    entities = set() if start else {entity for id_, entity in rows if id_ not in seen}
    newest = max([after_id, *(id_ for id_, _ in rows)])
    recent = frozenset(id_ for id_, _ in rows if id_ > newest - window)
    return newest, recent, entities


def notification_figures(*, session: Session) -> list[Figure]:
    """The unread notifications card."""
    unread = unread_notifications(session=session)
    return [Figure(key="alerts", title="Alerts", value=str(unread), detail="unread notifications",
                   severity="warning" if unread else "good", order=90)]
