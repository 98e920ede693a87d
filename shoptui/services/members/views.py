"""Reads the members screens need beyond ``services.members.profiles``: the list with a consent filter,
a member's progress to the next tier, the next points expiry, and what a merge would move.

Everything here only reads; the rules stay where they are (tiers in ``members_tiers``, the
ledgers in ``members_points`` and ``members_credit``) and are reused, not restated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.errors import InvalidInput, NotFound
from shoptui.models.members import Member, MemberTag, MemberTier, PointsMovement
from shoptui.models.orders import Order
from shoptui.services.members import customers
from shoptui.services.members import profiles as members
from shoptui.services.members import tiers as members_tiers
from shoptui.services.members.core import add_months, find_member_row, member_settings
from shoptui.services.shop import Page, clamp_limit
from shoptui.store.rows import tuples

CONSENT_FILTERS = ("email", "sms", "any", "none")
BIG_GROUP = 2000
"""A tier or tag with more members than this is listed by walking the name index (else: its own index, sorted)."""
"""``email``/``sms``: agreed to that channel; ``any``: to at least one; ``none``: to neither."""


class TierProgress(BaseModel):
    """Where a member stands: the rolling window's spend and orders against the next tier."""

    basis: str  # "spend" or "orders"
    window_months: int
    spend_minor: int
    orders: int
    tier_code: str
    tier_name: str
    next_code: str | None  # None: already in the top tier
    next_name: str | None
    next_threshold: int | None  # minor units (spend) or a number of orders
    to_go: int | None  # what is still missing (0: reached, moves at the next recalculation)

    @property
    def reached(self) -> int:
        """The figure of the basis (spend in minor units, or orders)."""
        return self.spend_minor if self.basis == "spend" else self.orders


class NextExpiry(BaseModel):
    """The member's points that expire first: when, and how many expire on that day."""

    at: datetime
    points: int


class MergePreview(BaseModel):
    """What merging ``other`` into ``kept`` would move (nothing is written)."""

    kept: members.MemberRead
    other_id: int
    other_name: str
    other_is_member: bool
    orders: int
    points: int
    credit_minor: int
    tags: list[str]
    accounts: list[str]
    phone: str | None  # the other's phone: the kept member's own when it has none, else a further contact
    email: str | None  # the same for the email
    other_contacts: list[str] = []  # the other's further phones and emails, kept too


def list_members(*, session: Session, search: str = "", tier: str | None = None, tag: str | None = None,
                 consent: str | None = None, after: str | None = None, limit: int = 50) -> Page[members.MemberRead]:
    """Members by name, keyset-paged (cursor ``name|id``), never counting the table.

    ``search`` is a phone (any common form, with or without the country code), an email
    (exact), or the start of a name; ``consent`` is one of :data:`CONSENT_FILTERS`.
    """
    limit = clamp_limit(limit)
    query = members.member_list_query(session, search=search, after=after, limit=limit)
    if tier:
        code = members_tiers.tier_row(session, tier).code
        if _big(session, select(Member.customer_id).where(Member.tier_code == code)):
            # most members: walk the names and check each one's tier (the tier's own index would sort them all)
            query = query.where(func.coalesce(Member.tier_code, "") == code)
        else:
            query = query.where(Member.tier_code == code)
    if tag:
        wanted_tag = members.check_member_tag(tag)
        tagged = select(MemberTag.customer_id).where(MemberTag.tag == wanted_tag)
        if _big(session, tagged):
            query = query.where(select(MemberTag.customer_id).where(
                MemberTag.customer_id == Member.customer_id, MemberTag.tag == wanted_tag).exists())
        else:
            query = query.where(col(Member.customer_id).in_(tagged))
    if consent:
        wanted = consent.strip().lower()
        if wanted not in CONSENT_FILTERS:
            raise InvalidInput(f"The consent filter {consent!r} is not one of {', '.join(CONSENT_FILTERS)}.")
        if wanted == "email":
            query = query.where(col(Member.email_consent).is_(True))
        elif wanted == "sms":
            query = query.where(col(Member.sms_consent).is_(True))
        elif wanted == "any":
            query = query.where(col(Member.email_consent).is_(True) | col(Member.sms_consent).is_(True))
        else:
            query = query.where(col(Member.email_consent).is_(False), col(Member.sms_consent).is_(False))
    return members.member_page(session, query, limit)


def _big(session: Session, members_of: Any) -> bool:
    """Whether more than BIG_GROUP rows match (reads at most that many index entries; never a count)."""
    return session.execute(members_of.limit(1).offset(BIG_GROUP)).first() is not None


def tier_progress(*, session: Session, customer_id: int) -> TierProgress:
    """The member's rolling spend and paid orders (counted as the recalculation counts them) and
    what the next tier above their current one needs."""
    member = session.get(Member, customer_id)
    if member is None:
        raise NotFound(f"There is no member #{customer_id}.")
    cfg = member_settings(session)
    cutoff = add_months(clock.now(), -cfg.window_months)
    spend, count = tuples(session.execute(
        select(func.coalesce(func.sum(col(Order.paid_minor) - col(Order.refunded_minor)), 0), func.count())
        .where(Order.customer_id == customer_id, col(Order.payment_status).in_(members_tiers.COUNTED_PAYMENT),
               Order.status != "cancelled", col(Order.created_at) >= cutoff))).one()
    tiers = list(session.exec(select(MemberTier).order_by(col(MemberTier.rank), col(MemberTier.code))).all())
    current = next((t for t in tiers if t.code == member.tier_code), None)
    rank = current.rank if current else -1
    above = [t for t in tiers if t.rank > rank]
    nxt = above[0] if above else None
    threshold = None if nxt is None else (nxt.min_spend_minor if cfg.tier_basis == "spend" else nxt.min_orders)
    reached = int(spend) if cfg.tier_basis == "spend" else int(count)
    return TierProgress(basis=cfg.tier_basis, window_months=cfg.window_months, spend_minor=int(spend),
                        orders=int(count), tier_code=member.tier_code,
                        tier_name=current.name if current else member.tier_code,
                        next_code=nxt.code if nxt else None, next_name=nxt.name if nxt else None,
                        next_threshold=threshold, to_go=None if threshold is None else max(0, threshold - reached))


def next_expiry(*, session: Session, customer_id: int) -> NextExpiry | None:
    """The earliest expiry among the member's open points lots and how many points it takes."""
    first = session.exec(select(PointsMovement.expires_at).where(
        PointsMovement.customer_id == customer_id, col(PointsMovement.remaining) > 0,
        col(PointsMovement.expires_at).is_not(None)).order_by(col(PointsMovement.expires_at)).limit(1)).first()
    if first is None:
        return None
    points = session.exec(select(func.coalesce(func.sum(PointsMovement.remaining), 0)).where(
        PointsMovement.customer_id == customer_id, col(PointsMovement.remaining) > 0,
        col(PointsMovement.expires_at) == first)).one()
    return NextExpiry(at=clock.ensure_utc(first), points=int(points))


def merge_preview(*, session: Session, keep: str | int, other: str | int) -> MergePreview:
    """What ``members.merge_members(keep=keep, other=other)`` would move; refuses what it would refuse."""
    kept_row = find_member_row(session, keep)
    try:
        other_row: Member | None = find_member_row(session, other)
    except NotFound:
        other_row = None
    if other_row is not None:
        found = members.get_member(session=session, ref=other_row.customer_id)
        other_id, name, is_member = found.id, found.name, True
        points, credit, tags, accounts = found.points_balance, found.credit_balance_minor, found.tags, found.accounts
        phone, email, further = found.phone, found.email, found.other_contacts
    else:
        customer = customers.find_customer_row(session, other)
        other_id, name, is_member = customer.id or 0, customer.name, False
        points, credit, tags, accounts = 0, 0, [], []
        phone, email = customer.phone, customer.email
        further = [value for _, value in customers.further_contacts(session, other_id)]
    if other_id == kept_row.customer_id:
        raise InvalidInput(f"Member #{other_id} cannot be merged into itself; name two different members.")
    kept = members.get_member(session=session, ref=kept_row.customer_id)
    orders = int(session.exec(select(func.count()).select_from(Order).where(Order.customer_id == other_id)).one())
    return MergePreview(kept=kept, other_id=other_id, other_name=name, other_is_member=is_member, orders=orders,
                        points=points, credit_minor=credit, tags=[t for t in tags if t not in kept.tags],
                        accounts=accounts, phone=phone if phone != kept.phone else None,
                        email=email if email != kept.email else None, other_contacts=further)
