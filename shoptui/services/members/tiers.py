"""Tiers: list and edit them, and recalculate every member's tier from their rolling orders.

A member's tier is the highest-ranked tier whose threshold their last N months reach: spend
(money paid minus refunded) or the number of paid orders, as the ``member_tier_basis`` setting
says. Orders count when paid or partially refunded and created inside the window.

``recalculate`` is set-based SQL (one aggregate over the orders, one temporary table of the
members whose tier changes, then one INSERT for the history and one UPDATE), so it handles a
million members in seconds and is safe to run from cron: a second run changes nothing. It also
runs for one member on every paid or refunded order. Moving up queues a message to the member
on the channels they agreed to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import bindparam, text
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models._types import UTCDateTime
from shoptui.models.members import MemberTier, MemberTierChange
from shoptui.services import messaging as messaging_api
from shoptui.services import shop
from shoptui.services.members.core import MemberSettings, add_months, member_settings
from shoptui.store.rows import tuples
from shoptui.text import check_text

MAX_BP = 10_000
COUNTED_PAYMENT = ("paid", "partially_refunded")


class TierRead(BaseModel):
    """A tier as it leaves the service."""

    code: str
    name: str
    rank: int
    min_spend_minor: int
    min_orders: int
    discount_bp: int
    points_multiplier_bp: int
    free_shipping_over_minor: int | None


class TierUpdate(BaseModel):
    """Input for edit_tier: unset fields stay as they are."""

    name: str | None = None
    min_spend_minor: int | None = None
    min_orders: int | None = None
    discount_bp: int | None = None
    points_multiplier_bp: int | None = None
    free_shipping_over_minor: int | None = None  # -1 removes free shipping


class TierChangeRead(BaseModel):
    """One entry of a member's tier history."""

    id: int
    customer_id: int
    from_code: str | None
    to_code: str
    reason: str
    spend_minor: int
    orders: int
    at: datetime


@dataclass(frozen=True)
class RecalcResult:
    """What a recalculation did."""

    changed: int
    up: int
    down: int
    notified: int


def _read(row: MemberTier) -> TierRead:
    return TierRead.model_validate(row, from_attributes=True)


def list_tiers(*, session: Session) -> list[TierRead]:
    """Every tier, lowest first."""
    return [_read(r) for r in session.exec(select(MemberTier).order_by(col(MemberTier.rank), col(MemberTier.code)))]


def tier_row(session: Session, code: str) -> MemberTier:
    """A tier by code (case-insensitive); NotFound lists the codes."""
    value = (code or "").strip().lower()
    row = session.get(MemberTier, value)
    if row is None:
        codes = ", ".join(t.code for t in list_tiers(session=session))
        raise NotFound(f"There is no tier {code!r}; the tiers are {codes}.")
    return row


def member_tiers_of(session: Session, customer_ids: Iterable[int]) -> dict[int, str]:
    """The tier code each of these customers has now, for those who are members (others are left out): what an
    order placed now keeps as ``member_tier`` (an order placed, at the counter, or imported)."""
    from shoptui.models.members import Member

    wanted = sorted(set(customer_ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), _IDS_AT_ONCE):
        found.update((int(cid), str(code)) for cid, code in tuples(session.execute(
            select(col(Member.customer_id), col(Member.tier_code))
            .where(col(Member.customer_id).in_(wanted[start:start + _IDS_AT_ONCE])))))
    return found


_IDS_AT_ONCE = 5_000


def entry_tier(session: Session) -> str:
    """The code of the lowest tier (where new members start)."""
    code = session.exec(select(MemberTier.code).order_by(col(MemberTier.rank), col(MemberTier.code)).limit(1)).first()
    if code is None:
        raise Conflict("There are no tiers; add one with 'shoptui tier add'.")
    return code


def _check_order(session: Session, changed: MemberTier) -> None:
    """Thresholds rise with the rank, and the entry tier needs nothing."""
    tiers = sorted([t if t.code != changed.code else changed for t in session.exec(select(MemberTier)).all()],
                   key=lambda t: t.rank)
    if tiers and (tiers[0].min_spend_minor or tiers[0].min_orders):
        raise InvalidInput(f"The lowest tier {tiers[0].code} is where every member starts, so its thresholds "
                           "must be 0.", field="min_spend_minor")
    for lower, higher in zip(tiers, tiers[1:], strict=False):
        if higher.min_spend_minor < lower.min_spend_minor or higher.min_orders < lower.min_orders:
            raise InvalidInput(f"Tier {higher.code} ranks above {lower.code}, so its thresholds cannot be lower "
                               f"than those of {lower.code}.", field="min_spend_minor")


def _validate(row: MemberTier) -> None:
    if not row.name.strip() or len(row.name) > 60:
        raise InvalidInput("A tier name must be 1 to 60 characters long.", field="name")
    check_text(row.name, "tier name", 60, name="name")
    if not 0 <= row.discount_bp <= MAX_BP:
        raise InvalidInput(f"The discount must be between 0 and 100%, not {row.discount_bp / 100:g}%.", field="discount_bp")
    if not 0 <= row.points_multiplier_bp <= 100 * MAX_BP:
        raise InvalidInput(f"The points multiplier must be between x0 and x100, not x{row.points_multiplier_bp / MAX_BP:g}.",
                           field="points_multiplier_bp")
    if row.min_spend_minor < 0 or row.min_orders < 0:
        raise InvalidInput("Tier thresholds cannot be negative.",
                           field="min_spend_minor" if row.min_spend_minor < 0 else "min_orders")
    if row.min_spend_minor >= 10**13 or row.min_orders > 10**7:
        raise InvalidInput("That tier threshold is too large.",
                           field="min_spend_minor" if row.min_spend_minor >= 10**13 else "min_orders")
    if row.free_shipping_over_minor is not None and not 0 <= row.free_shipping_over_minor < 10**13:
        raise InvalidInput("Free shipping needs an amount of 0 or more (or none).", field="free_shipping_over_minor")


def _snapshot(row: MemberTier) -> dict[str, Any]:
    return _read(row).model_dump()


def edit_tier(*, session: Session, actor: Actor, code: str, patch: TierUpdate) -> TierRead:
    """Change a tier's name, thresholds or benefits; members move at the next recalculation."""
    row = tier_row(session, code)
    before = _snapshot(row)
    given = patch.model_dump(exclude_unset=True)
    given = {k: v for k, v in given.items() if v is not None}
    if not given:
        raise InvalidInput(f"Nothing to change for tier {row.code}: give at least one new value.")
    if given.get("free_shipping_over_minor") == -1:
        given["free_shipping_over_minor"] = None
    for key, value in given.items():
        setattr(row, key, value.strip() if isinstance(value, str) else value)
    _validate(row)
    _check_order(session, row)
    if _snapshot(row) == before:
        raise InvalidInput(f"Nothing to change for tier {row.code}: those are its values already.")
    row.updated_at = clock.now()
    session.add(row)
    session.flush()
    shop.record(session=session, actor=actor, action="tier.edit", entity="tier", entity_id=row.code,
                 summary=f"tier {row.code} edited", before=before, after=_snapshot(row))
    return _read(row)


def add_tier(*, session: Session, actor: Actor, code: str, name: str, rank: int, data: TierUpdate | None = None
             ) -> TierRead:
    """A new tier above or between the others (ranks are unique)."""
    value = (code or "").strip().lower()
    if not value or len(value) > 20 or not value.replace("_", "").replace("-", "").isalnum() or not value.isascii():
        raise InvalidInput(f"The tier code {code!r} must be 1 to 20 letters, digits, - or _.")
    if session.get(MemberTier, value) is not None:
        raise Conflict(f"There is already a tier {value}.")
    if isinstance(rank, bool) or not 0 <= rank <= 1000:
        raise InvalidInput(f"The rank must be between 0 and 1000, not {rank}.")
    if session.exec(select(MemberTier.code).where(MemberTier.rank == rank)).first() is not None:
        raise Conflict(f"Another tier already has rank {rank}; ranks order the tiers, so pick another.")
    row = MemberTier(code=value, name=(name or value).strip(), rank=rank, updated_at=clock.now())
    for key, item in (data.model_dump(exclude_unset=True) if data else {}).items():
        if item is not None:
            setattr(row, key, None if key == "free_shipping_over_minor" and item == -1 else item)
    _validate(row)
    session.add(row)
    session.flush()
    _check_order(session, row)
    shop.record(session=session, actor=actor, action="tier.add", entity="tier", entity_id=row.code,
                 summary=f"tier {row.code} added", after=_snapshot(row))
    return _read(row)


def tier_history(*, session: Session, customer_id: int, limit: int = 100) -> list[TierChangeRead]:
    """The member's tier changes, newest first."""
    rows = session.exec(select(MemberTierChange).where(MemberTierChange.customer_id == customer_id)
                        .order_by(col(MemberTierChange.id).desc()).limit(limit)).all()
    return [TierChangeRead.model_validate(r, from_attributes=True) for r in rows]


# ---------------------------------------------------------------- recalculation


def _tier_case(tiers: list[MemberTier], basis: str) -> tuple[str, dict[str, Any]]:
    """``CASE WHEN metric >= :t0 THEN :c0 ... ELSE :entry END`` over the tiers, highest first."""
    metric = "COALESCE(s.spend, 0)" if basis == "spend" else "COALESCE(s.n, 0)"
    ordered = sorted(tiers, key=lambda t: t.rank, reverse=True)
    params: dict[str, Any] = {}
    parts = []
    for i, tier in enumerate(ordered[:-1]):
        params[f"t{i}"] = tier.min_spend_minor if basis == "spend" else tier.min_orders
        params[f"c{i}"] = tier.code
        parts.append(f"WHEN {metric} >= :t{i} THEN :c{i}")
    params["entry"] = ordered[-1].code
    return (f"CASE {' '.join(parts)} ELSE :entry END" if parts else ":entry"), params


def recalculate(*, session: Session, actor: Actor, customer_id: int | None = None, reason: str = "recalculated"
                ) -> RecalcResult:
    """Move every member (or one) to the tier their rolling orders reach; keep history; tell those who rose."""
    cfg = member_settings(session)
    tiers = list(session.exec(select(MemberTier)).all())
    if not tiers:
        return RecalcResult(0, 0, 0, 0)
    session.flush()  # the orders' latest numbers must be visible to the SQL below
    now = clock.now()
    cutoff = add_months(now, -cfg.window_months)
    case, params = _tier_case(tiers, cfg.tier_basis)
    one = customer_id is not None
    params.update(cutoff=cutoff, now=now, reason=reason[:200], cid=customer_id or 0)
    counted = ", ".join(f"'{status}'" for status in COUNTED_PAYMENT)
    session.execute(text("DROP TABLE IF EXISTS member_recalc"))
    session.execute(text("CREATE TEMPORARY TABLE member_recalc (customer_id INTEGER PRIMARY KEY, "
                         "from_code VARCHAR(20), to_code VARCHAR(20), spend BIGINT, n INTEGER)"))
    fill = text(f"""
        INSERT INTO member_recalc (customer_id, from_code, to_code, spend, n)
        SELECT customer_id, from_code, to_code, spend, n FROM (
            SELECT m.customer_id AS customer_id, m.tier_code AS from_code, {case} AS to_code,
                   COALESCE(s.spend, 0) AS spend, COALESCE(s.n, 0) AS n
            FROM member m
            LEFT JOIN (
                SELECT customer_id, SUM(paid_minor - refunded_minor) AS spend, COUNT(*) AS n
                FROM sales_order
                WHERE customer_id IS NOT NULL AND payment_status IN ({counted}) AND status <> 'cancelled'
                  AND created_at >= :cutoff {"AND customer_id = :cid" if one else ""}
                GROUP BY customer_id
            ) s ON s.customer_id = m.customer_id
            WHERE m.merged_into IS NULL {"AND m.customer_id = :cid" if one else ""}
        ) x WHERE x.to_code <> x.from_code
    """).bindparams(bindparam("cutoff", type_=UTCDateTime()))
    session.execute(fill, params)
    rank_sql = text("""
        SELECT COALESCE(SUM(CASE WHEN tt.rank > tf.rank THEN 1 ELSE 0 END), 0),
               COALESCE(SUM(CASE WHEN tt.rank < tf.rank THEN 1 ELSE 0 END), 0)
        FROM member_recalc r JOIN member_tier tf ON tf.code = r.from_code JOIN member_tier tt ON tt.code = r.to_code
    """)
    up, down = (int(v) for v in session.execute(rank_sql).one())
    notified = 0
    if up or down:
        stamp = {"now": now, "reason": reason[:200]}
        session.execute(text("""
            INSERT INTO member_tier_change (customer_id, from_code, to_code, reason, spend_minor, orders, at)
            SELECT customer_id, from_code, to_code, :reason, spend, n, :now FROM member_recalc
        """).bindparams(bindparam("now", type_=UTCDateTime())), stamp)
        session.execute(text("""
            UPDATE member SET tier_code = (SELECT r.to_code FROM member_recalc r WHERE r.customer_id = member.customer_id),
                              tier_since = :now, updated_at = :now
            WHERE customer_id IN (SELECT customer_id FROM member_recalc)
        """).bindparams(bindparam("now", type_=UTCDateTime())), {"now": now})
        if up:
            notified = _notify_up(session, cfg)
        if not one:
            shop.record(session=session, actor=actor, action="tier.recalculate", entity="member",
                         summary=f"tiers recalculated: {up} up, {down} down",
                         after={"up": up, "down": down})
        else:
            shop.record(session=session, actor=actor, action="member.tier.recalculate", entity="member",
                         entity_id=customer_id, summary=f"tier of member #{customer_id} recalculated ({reason})",
                         after={"up": up, "down": down})
    session.execute(text("DROP TABLE member_recalc"))
    _expire_members(session)
    return RecalcResult(changed=up + down, up=up, down=down, notified=notified)


def _expire_members(session: Session) -> None:
    """Members loaded in this session reload their tier (it changed behind the ORM's back)."""
    from shoptui.models.members import Member

    for obj in list(session.identity_map.values()):
        if isinstance(obj, Member):
            session.expire(obj, ["tier_code", "tier_since", "updated_at"])


def _notify_up(session: Session, cfg: MemberSettings) -> int:
    """Queue 'you moved up' to the members who rose and agreed to hear from the shop (in bulk)."""
    rows = tuples(session.execute(text("""
        SELECT r.customer_id, c.name, c.email, c.phone, m.email_consent, m.sms_consent, tt.name
        FROM member_recalc r
        JOIN member_tier tf ON tf.code = r.from_code JOIN member_tier tt ON tt.code = r.to_code
        JOIN member m ON m.customer_id = r.customer_id JOIN customer c ON c.id = r.customer_id
        WHERE tt.rank > tf.rank AND ((m.email_consent AND c.email IS NOT NULL) OR (m.sms_consent AND c.phone IS NOT NULL))
    """))).all()
    drafts = [
        messaging_api.MessageDraft(channel=channel, recipient=recipient, template="member.tier_up",
                               subject=cfg.tier_up_subject, body=cfg.tier_up_body,
                               context={"name": name, "tier": tier_name, "shop": cfg.shop},
                               ref_kind="member", ref_id=customer_id)
        for customer_id, name, email, phone, email_ok, sms_ok, tier_name in rows
        for channel, recipient, ok in (("email", email, email_ok), ("sms", phone, sms_ok))
        if ok and recipient
    ]
    return messaging_api.queue_many(session=session, drafts=drafts, skip_bad_recipients=True)
