"""Listing and searching orders: filters, pages with a cursor, status counts and the global-search provider."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, or_, tuple_, union_all
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.errors import InvalidInput
from shoptui.models.customers import Customer
from shoptui.models.orders import (
    CHANNELS,
    Order,
    OrderStat,
    Shipment,
)
from shoptui.services import shop
from shoptui.services.members import find_customer_row
from shoptui.services.orders import status as machine
from shoptui.services.orders.reading import OrderSummary
from shoptui.services.shop import Page, SearchHit, clamp_limit, day_end, day_start


class OrderFilter(BaseModel):
    """Filters of the order list (all optional, combined with AND)."""

    status: str | None = None  # any status of the three machines
    channel: str | None = None
    customer: str | None = None  # id, phone or email
    date_from: date | None = None  # in the store's time zone, inclusive
    date_to: date | None = None  # inclusive
    min_total_minor: int | None = None
    max_total_minor: int | None = None
    has_tracking: bool | None = None
    search: str = ""


def _cursor(after: str) -> tuple[datetime, int]:
    stamp, _, ident = after.rpartition("|")
    try:
        return clock.ensure_utc(datetime.fromisoformat(stamp)), int(ident)
    except ValueError:
        raise InvalidInput(f"The cursor {after!r} is not one this list gave out.") from None


SEARCH_NARROW = 1000
"""A search matching at most this many orders is listed from their ids (see ``_search_condition``)."""


def _search_condition(session: Session, text_value: str) -> Any:
    """What a search matches: order number, tracking number, phone, name prefixes, a customer's email.

    Each is an index range of its own. A narrow search (at most ``SEARCH_NARROW`` orders, the usual case: a
    number, a phone) reads those ids first and the page is listed from them; a broad one (a prefix such as
    "SO-") keeps the OR of the ranges, which the newest-first walk fills a page from quickly. (The OR alone
    lets PostgreSQL walk the whole newest-first index testing every order when only one matches.)"""
    raw = unicodedata.normalize("NFKC", text_value).strip()
    if len(raw) > 200:
        raise InvalidInput("Search for at most 200 characters.")
    upper = raw.upper()
    ranges: list[Any] = [and_(col(Order.number) >= upper, col(Order.number) < upper + "\U0010ffff")]
    tracking_orders = select(col(Shipment.order_id)).where(col(Shipment.tracking) >= upper,
                                                           col(Shipment.tracking) < upper + "\U0010ffff")
    compact = re.sub(r"[\s\-().]", "", raw)
    if compact.lstrip("+").isdigit() and len(compact) >= 3:
        from shoptui.services.members import phone_variants

        for variant in phone_variants(session, compact):
            ranges.append(and_(col(Order.customer_phone) >= variant, col(Order.customer_phone) < variant + "~"))
    if not raw.isdigit():
        ranges.append(and_(col(Order.customer_name) >= raw, col(Order.customer_name) < raw + "\U0010ffff"))
        # index ranges only (name prefix, exact email): a search never scans the customers
        customer_ids = session.exec(select(Customer.id).where(or_(
            and_(col(Customer.name) >= raw, col(Customer.name) < raw + "\U0010ffff"),
            col(Customer.email) == raw.lower())).limit(200)).all()
        if customer_ids:
            ranges.append(col(Order.customer_id).in_(customer_ids))
    parts = union_all(*(select(col(Order.id)).where(r) for r in ranges), tracking_orders).subquery()
    found = {row[0] for row in session.execute(select(parts.c[0]).limit(SEARCH_NARROW + 1))}
    if len(found) <= SEARCH_NARROW:
        return col(Order.id).in_(sorted(found))
    return or_(*ranges, col(Order.id).in_(tracking_orders))


_SUMMARY_COLUMNS = tuple(getattr(Order, name) for name in OrderSummary.model_fields)


def list_orders(*, session: Session, filters: OrderFilter | None = None, after: str | None = None,
                limit: int = 50, unlimited: bool = False) -> Page[OrderSummary]:
    """Orders newest first, filtered, keyset-paged by (created_at, id): no page counts the table.

    ``unlimited`` returns every matching order (after ``after``) in one page, whatever ``limit`` says.
    """
    filters = filters or OrderFilter()
    limit = clamp_limit(limit)
    query = select(*_SUMMARY_COLUMNS)
    if filters.status:
        wanted = filters.status.strip().lower().replace(" ", "_").replace("-", "_")
        field = machine.ALL_STATUSES.get(wanted)
        if field is None:
            raise InvalidInput(f"{filters.status!r} is not a status; use one of {', '.join(machine.ALL_STATUSES)}.")
        query = query.where(getattr(Order, field) == wanted)
    if filters.channel:
        channel = filters.channel.strip().lower()
        if channel not in CHANNELS:
            raise InvalidInput(f"The channel {filters.channel!r} is not one of {', '.join(CHANNELS)}.")
        query = query.where(Order.channel == channel)
    if filters.customer:
        query = query.where(Order.customer_id == find_customer_row(session, filters.customer).id)
    if filters.date_from or filters.date_to:
        tz = shop.timezone(session=session)
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            raise InvalidInput(f"The date range {filters.date_from} to {filters.date_to} ends before it starts.", field="date_to")
        if filters.date_from:
            query = query.where(col(Order.created_at) >= day_start(filters.date_from, tz))
        if filters.date_to:
            query = query.where(col(Order.created_at) < day_end(filters.date_to, tz))
    if filters.min_total_minor is not None:
        query = query.where(col(Order.total_minor) >= filters.min_total_minor)
    if filters.max_total_minor is not None:
        query = query.where(col(Order.total_minor) <= filters.max_total_minor)
    if filters.has_tracking is not None:
        query = query.where(col(Order.shipment_count) > 0 if filters.has_tracking else col(Order.shipment_count) == 0)
    if filters.search.strip():
        query = query.where(_search_condition(session, filters.search))
    if after:
        stamp, ident = _cursor(after)
        query = query.where(tuple_(col(Order.created_at), col(Order.id)) < tuple_(stamp, ident))
    query = query.order_by(col(Order.created_at).desc(), col(Order.id).desc())
    rows = session.execute(query if unlimited else query.limit(limit + 1)).all()
    names = OrderSummary.model_fields
    if unlimited:
        limit = len(rows)
    items = [OrderSummary.model_validate(dict(zip(names, r, strict=True))) for r in rows[:limit]]
    next_after = f"{items[-1].created_at.isoformat()}|{items[-1].id}" if len(rows) > limit and items else None
    return Page(items=items, next_after=next_after)


def status_counts(*, session: Session) -> dict[str, int]:
    """Orders per status of every machine, from the kept counters (cheap at any size)."""
    counts: dict[str, int] = {}
    for row in session.exec(select(OrderStat)):
        for value in (row.status, row.payment_status, row.fulfilment_status):
            counts[value] = counts.get(value, 0) + row.orders
    return counts


def search_orders(*, session: Session, text: str, limit: int = 8) -> list[SearchHit]:
    """Global search: orders by number, customer name/phone or tracking number."""
    if not text.strip():
        return []
    cfg_currency = shop.currency(session=session)
    page = list_orders(session=session, filters=OrderFilter(search=text), limit=limit)
    wanted = text.strip().upper()
    return [
        SearchHit(kind="order", key=o.number, title=f"{o.number} {o.customer_name}".strip(),
                  detail=f"{cfg_currency.format(o.total_minor)} · {o.status} · {o.payment_status.replace('_', ' ')} · "
                  f"{o.fulfilment_status.replace('_', ' ')}", mode="orders", exact=o.number == wanted)
        for o in page.items
    ]
