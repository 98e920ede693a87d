"""Coupons: definitions, codes (one shared or a batch of unique ones), issue to a segment, send, export.

Codes come from ``secrets`` over an alphabet without look-alikes (no 0/O, 1/I/L), so a code
read aloud or typed from a poster goes in right. A unique code is single-use; a shared code is
limited by the coupon's total and per-member limits. Using a code is done by the orders'
transaction (``services.marketing.reports.record_usage``) with a conditional UPDATE, never twice.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from shoptui import clock, wording
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.customers import Customer
from shoptui.models.marketing import Coupon, CouponCode
from shoptui.services import messaging as messaging_api
from shoptui.services import shop
from shoptui.services.marketing.promotions import check_count, check_money, check_percent, label_scopes, resolve_scope
from shoptui.services.pricing import normalise_code
from shoptui.services.shop import Page, clamp_limit
from shoptui.store.rows import tuples
from shoptui.text import check_text

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0 O 1 I L
MAX_BATCH = 100_000
CODE_LENGTH = 10


class CouponInput(BaseModel):
    """Input for add_coupon. ``code`` makes one shared code; issue or generate unique codes later."""

    name: str
    kind: str  # amount, percent
    amount_minor: int | None = None
    percent_bp: int | None = None
    cap_minor: int | None = None
    min_spend_minor: int = 0
    categories: list[str] = []
    products: list[str] = []
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: int | None = None
    per_member_limit: int | None = None
    total_limit: int | None = None
    combinable: bool = True
    share_text: str = ""
    code: str | None = None


class CouponRead(BaseModel):
    """A coupon definition as it leaves the service."""

    id: int
    name: str
    kind: str
    amount_minor: int | None
    percent_bp: int | None
    cap_minor: int | None
    min_spend_minor: int
    scope_kind: str
    scope_ids: list[int] | None
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    per_member_limit: int | None
    total_limit: int | None
    used_count: int
    issued_count: int
    combinable: bool
    status: str
    share_text: str
    created_at: datetime
    shared_code: str | None = None
    summary: str = ""
    scope_text: str = ""  # category names / product titles (label_scopes)


class CodeRead(BaseModel):
    """A code of a coupon."""

    id: int
    code: str
    customer_id: int | None
    max_uses: int | None
    used_count: int
    issued_at: datetime
    expires_at: datetime | None
    sent_at: datetime | None


class Segment(BaseModel):
    """Which members get a coupon; every criterion given must hold."""

    tiers: list[str] = []
    tag: str | None = None
    region: str | None = None
    last_purchase_before: datetime | None = None
    last_purchase_after: datetime | None = None
    min_spent_minor: int | None = None
    max_spent_minor: int | None = None
    # only these customers: an audience worked out elsewhere, such as an RFM segment of the customers report
    # (`coupon issue --segment Champions`: the face asks analytics.rfm_customers, so marketing needs no analytics)
    customer_ids: list[int] | None = None


class IssueResult(BaseModel):
    """What issue_coupon did."""

    coupon_id: int
    issued: int
    already_held: int
    codes: list[str] = []


class SendResult(BaseModel):
    """What send_coupon queued."""

    coupon_id: int
    channel: str
    queued: int
    no_consent: int
    no_address: int


def describe_coupon(row: Coupon | CouponRead, digits: int = 2) -> str:
    """One line: what it is worth and from what spend."""
    from shoptui.money import format_money

    if row.kind == "percent":
        text = f"{(row.percent_bp or 0) / 100:g}% off"
        if row.cap_minor is not None:
            text += f" (at most {format_money(row.cap_minor, digits)})"
    else:
        text = f"{format_money(row.amount_minor or 0, digits)} off"
    if row.min_spend_minor:
        text += f" over {format_money(row.min_spend_minor, digits)}"
    return text


def _read(session: Session, row: Coupon) -> CouponRead:
    read = CouponRead.model_validate(row, from_attributes=True)
    read.shared_code = session.exec(select(CouponCode.code).where(CouponCode.coupon_id == row.id,
                                                                  col(CouponCode.max_uses).is_(None))
                                    .order_by(col(CouponCode.id))).first()
    read.summary = describe_coupon(row)
    return read


def new_code(length: int = CODE_LENGTH) -> str:
    """An unguessable code from ``secrets`` over the unambiguous alphabet."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def _unique_codes(session: Session, count: int, length: int = CODE_LENGTH) -> list[str]:
    """``count`` new codes that no coupon uses yet."""
    found: set[str] = set()
    while len(found) < count:
        batch = {new_code(length) for _ in range(count - len(found))} - found
        taken: set[str] = set()
        wanted = sorted(batch)
        for start in range(0, len(wanted), 900):
            taken |= set(session.exec(select(CouponCode.code).where(col(CouponCode.code).in_(wanted[start:start + 900]))))
        found |= batch - taken
    return sorted(found)


def _check_shared_code(raw: str) -> str:
    code = normalise_code(raw)
    if not re.fullmatch(r"[A-Z0-9]{4,40}", code):
        raise InvalidInput(f"The code {raw!r} must be 4 to 40 letters or digits (like SPRING20).", field="code")
    return code


def add_coupon(*, session: Session, actor: Actor, data: CouponInput) -> CouponRead:
    """A new coupon definition (and its shared code when one is given). Raises InvalidInput, NotFound, Conflict."""
    name = unicodedata.normalize("NFC", data.name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("A coupon needs a name of 1 to 200 characters.", field="name")
    check_text(name, "coupon name", 200, name="name")
    kind = (data.kind or "").strip().lower()
    if kind not in ("amount", "percent"):
        raise InvalidInput(f"The coupon kind {data.kind!r} is not amount or percent.", field="kind")
    if kind == "amount":
        if data.amount_minor is None or data.percent_bp is not None:
            raise InvalidInput("An amount coupon needs an amount off (and no percentage).", field="amount_minor")
        amount, percent = check_money(data.amount_minor, "amount off", field="amount_minor"), None
    else:
        if data.percent_bp is None or data.amount_minor is not None:
            raise InvalidInput("A percentage coupon needs a percentage (and no amount off).", field="percent_bp")
        amount, percent = None, check_percent(data.percent_bp, "percentage", field="percent_bp")
    cap = check_money(data.cap_minor, "cap", field="cap_minor")
    if cap is not None and kind == "amount":
        raise InvalidInput("A cap only applies to a percentage coupon.", field="cap_minor")
    min_spend = check_money(data.min_spend_minor, "minimum spend", positive=False, field="min_spend_minor") or 0
    valid_from = clock.ensure_utc(data.valid_from) if data.valid_from else None
    valid_until = clock.ensure_utc(data.valid_until) if data.valid_until else None
    if valid_from and valid_until and valid_until <= valid_from:

        tz = shop.timezone(session=session)
        raise InvalidInput(f"The coupon would expire ({wording.when(valid_until, tz)}) before it becomes valid "
                           f"({wording.when(valid_from, tz)}).", field="valid_until")
    days = check_count(data.valid_days, "days of validity", high=3650, field="valid_days")
    if days is not None and valid_until is not None:
        raise InvalidInput("Give either an end date or a number of days after issue, not both.", field="valid_days")
    share = unicodedata.normalize("NFC", data.share_text or "").strip()
    if len(share) > 500:
        raise InvalidInput("The share text takes at most 500 characters.", field="share_text")
    check_text(share, "share text", 500, required=False, multiline=True, name="share_text")
    scope_kind, scope_ids = resolve_scope(session, data.categories, data.products)
    now = clock.now()
    row = Coupon(name=name, kind=kind, amount_minor=amount, percent_bp=percent, cap_minor=cap,
                 min_spend_minor=min_spend, scope_kind=scope_kind, scope_ids=scope_ids, valid_from=valid_from,
                 valid_until=valid_until, valid_days=days,
                 per_member_limit=check_count(data.per_member_limit, "limit per member", field="per_member_limit"),
                 total_limit=check_count(data.total_limit, "total limit", field="total_limit"), combinable=bool(data.combinable),
                 share_text=share, created_by=actor.name[:100], created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    if data.code is not None:
        code = _check_shared_code(data.code)
        if session.exec(select(CouponCode.id).where(CouponCode.code == code)).first() is not None:
            raise Conflict(f"The code {code} is already used by another coupon. Pick another code.", field="code")
        # shared: limited by the coupon's limits, not per code (NULL max_uses; a Core insert keeps it NULL)
        session.execute(insert(CouponCode).values(
            coupon_id=row.id, code=code, max_uses=None, used_count=0, issued_at=now,
            expires_at=valid_until or (now + timedelta(days=days) if days else None)))
        session.flush()
    shop.record(session=session, actor=actor, action="coupon.add", entity="coupon", entity_id=row.id,
                 summary=f"coupon {name!r} added: {describe_coupon(row)}", after={"kind": kind, "code": data.code})
    return _read(session, row)


def coupon_row(session: Session, ref: int | str) -> Coupon:
    """A coupon by id (``12``/``#12``), exact name or one of its codes."""
    text_ref = str(ref).strip()
    row = None
    if text_ref.lstrip("#").isdigit():
        row = session.get(Coupon, int(text_ref.lstrip("#")))
    if row is None and text_ref:
        row = session.exec(select(Coupon).where(Coupon.name == text_ref).order_by(col(Coupon.id))).first()
    if row is None and text_ref:
        coupon_id = session.exec(select(CouponCode.coupon_id).where(CouponCode.code == normalise_code(text_ref))).first()
        row = session.get(Coupon, coupon_id) if coupon_id else None
    if row is None:
        raise NotFound(f"There is no coupon {ref!r}. 'shoptui coupon list' shows them.")
    return row


def get_coupon(*, session: Session, ref: int | str) -> CouponRead:
    """One coupon definition."""
    return label_scopes(session, [_read(session, coupon_row(session, ref))])[0]


def list_coupons(*, session: Session, after: str | None = None, limit: int = 50) -> Page[CouponRead]:
    """Coupons, newest first (keyset by id)."""
    limit = clamp_limit(limit)
    query = select(Coupon).order_by(col(Coupon.id).desc())
    if after:
        if not after.isdigit():
            raise InvalidInput(f"{after!r} is not a page cursor.")
        query = query.where(col(Coupon.id) < int(after))
    rows = list(session.exec(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=label_scopes(session, [_read(session, r) for r in rows]),
                next_after=str(rows[-1].id) if more and rows else None)


def list_codes(*, session: Session, ref: int | str, after: int | None = None, limit: int = 100) -> Page[CodeRead]:
    """The codes of a coupon (keyset by id)."""
    coupon = coupon_row(session, ref)
    limit = clamp_limit(limit, maximum=MAX_BATCH)
    query = select(CouponCode).where(CouponCode.coupon_id == coupon.id).order_by(col(CouponCode.id))
    if after is not None:
        query = query.where(col(CouponCode.id) > after)
    rows = list(session.exec(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=[CodeRead.model_validate(r, from_attributes=True) for r in rows],
                next_after=str(rows[-1].id) if more and rows else None)


def _expiry(coupon: Coupon, issued: datetime) -> datetime | None:
    if coupon.valid_days:
        end = issued + timedelta(days=coupon.valid_days)
        return min(end, coupon.valid_until) if coupon.valid_until else end
    return coupon.valid_until


def _usable(session: Session, coupon: Coupon) -> None:
    if coupon.status != "active":
        raise Conflict(f"The coupon {coupon.name!r} is {coupon.status}; no more codes can be made.")
    if coupon.valid_until is not None and coupon.valid_until <= clock.now():

        last = wording.until(coupon.valid_until, shop.timezone(session=session))
        raise Conflict(f"The coupon {coupon.name!r} has expired (it was valid until {last}); no more codes.")


def segment_members(session: Session, segment: Segment) -> list[int]:
    """Customer ids of the members in a segment (one query), lowest id first."""
    from shoptui.models.members import Member, MemberTag

    query = (select(Member.customer_id).join(Customer, col(Customer.id) == col(Member.customer_id))
             .where(col(Member.merged_into).is_(None)).order_by(col(Member.customer_id)))
    if segment.tiers:
        query = query.where(col(Member.tier_code).in_([t.strip().lower() for t in segment.tiers]))
    if segment.tag:
        tag = segment.tag.strip().lower()
        query = query.where(col(Member.customer_id).in_(select(MemberTag.customer_id).where(MemberTag.tag == tag)))
    if segment.region:
        query = query.where(func.lower(Member.region) == segment.region.strip().lower())
    if segment.last_purchase_before is not None:
        query = query.where(col(Customer.last_order_at) < clock.ensure_utc(segment.last_purchase_before))
    if segment.last_purchase_after is not None:
        query = query.where(col(Customer.last_order_at) >= clock.ensure_utc(segment.last_purchase_after))
    if segment.min_spent_minor is not None:
        query = query.where(col(Customer.spent_minor) >= segment.min_spent_minor)
    if segment.max_spent_minor is not None:
        query = query.where(col(Customer.spent_minor) <= segment.max_spent_minor)
    if (segment.min_spent_minor is not None and segment.max_spent_minor is not None
            and segment.min_spent_minor > segment.max_spent_minor):
        raise InvalidInput("The spend range is empty: the minimum is above the maximum.", field="min_spent_minor")
    members = list(session.exec(query).all())
    if segment.customer_ids is not None:
        audience = set(segment.customer_ids)
        members = [cid for cid in members if cid in audience]
    return members


def issue_coupon(*, session: Session, actor: Actor, ref: int | str, segment: Segment | None = None,
                 count: int | None = None) -> IssueResult:
    """Unique single-use codes: one per member of ``segment`` (skipping those who hold one), or ``count`` loose ones."""
    coupon = coupon_row(session, ref)
    _usable(session, coupon)
    if (segment is None) == (count is None):
        raise InvalidInput("Issue either to a segment of members or a number of loose codes, one of the two.")
    held = 0
    if segment is not None:
        wanted = segment_members(session, segment)
        holders = set(session.exec(select(CouponCode.customer_id).where(CouponCode.coupon_id == coupon.id,
                                                                        col(CouponCode.customer_id).is_not(None))))
        customers: list[int | None] = [c for c in wanted if c not in holders]
        held = len(wanted) - len(customers)
        if not wanted:
            raise InvalidInput("No member is in that segment; nothing was issued.")
    else:
        check_count(count, "number of codes", high=MAX_BATCH, field="count")
        customers = [None] * (count or 0)
    if coupon.total_limit is not None and coupon.issued_count + len(customers) > coupon.total_limit * 10:
        raise InvalidInput(f"That would make {coupon.issued_count + len(customers)} codes for a coupon limited to "
                           f"{coupon.total_limit} uses.", field="count")
    now = clock.now()
    codes = _unique_codes(session, len(customers))
    expires = _expiry(coupon, now)
    if customers:
        session.execute(insert(CouponCode), [
            {"coupon_id": coupon.id, "code": code, "customer_id": customer, "max_uses": 1, "used_count": 0,
             "issued_at": now, "expires_at": expires} for code, customer in zip(codes, customers, strict=True)])
    coupon.issued_count += len(customers)
    coupon.updated_at = now
    session.add(coupon)
    session.flush()
    shop.record(session=session, actor=actor, action="coupon.issue", entity="coupon", entity_id=coupon.id,
                 summary=f"{wording.plural(len(customers), 'code')} of {coupon.name!r} issued"
                         + (f" ({wording.plural(held, 'member')} already held one)" if held else ""),
                 after={"issued": len(customers), "segment": segment.model_dump(mode="json") if segment else None})
    return IssueResult(coupon_id=coupon.id or 0, issued=len(customers), already_held=held,
                       codes=codes if len(codes) <= 1000 else codes[:1000])


def share_line(coupon: Coupon, code: str, expires: datetime | None, tz: Any, digits: int = 2) -> str:
    """The share text with $code, $name, $value and $expires filled in."""
    from string import Template

    template = coupon.share_text or "$name: $value with code $code$until"
    # ``expires`` is the first moment the code no longer works; people are told the last valid day
    last_day = wording.last_day(expires, tz)
    until = f" until {last_day}" if expires else ""
    return Template(template).safe_substitute(code=code, name=coupon.name, value=describe_coupon(coupon, digits),
                                              expires=last_day, until=until)


def send_coupon(*, session: Session, actor: Actor, ref: int | str, channel: str, resend: bool = False) -> SendResult:
    """Queue each issued, unsent, unused code to its member by email or SMS, only with their consent."""
    from shoptui.services import members as members_api  # consent is the members' rule

    channel = channel.strip().lower()
    if channel not in ("email", "sms"):
        raise InvalidInput(f"The channel {channel!r} is not email or sms.", field="channel")
    coupon = coupon_row(session, ref)
    _usable(session, coupon)
    values = shop.get_all(session=session)
    digits = int(values["currency_digits"])
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(values["timezone"])
    query = (sa_select(col(CouponCode.id), col(CouponCode.code), col(CouponCode.expires_at), col(Customer.id), col(Customer.name),
                    col(Customer.email), col(Customer.phone))
             .join(Customer, col(Customer.id) == col(CouponCode.customer_id))
             .where(col(CouponCode.coupon_id) == coupon.id, col(CouponCode.used_count) == 0)
             .order_by(col(CouponCode.id)))
    if not resend:
        query = query.where(col(CouponCode.sent_at).is_(None))
    rows = tuples(session.execute(query)).all()
    if not rows:
        raise InvalidInput(f"No issued code of {coupon.name!r} is waiting to be sent; issue codes to members first.")
    queued, no_consent, no_address = 0, 0, 0
    sent_ids = []
    now = clock.now()
    for code_id, code, expires, customer_id, name, email, phone in rows:
        recipient = email if channel == "email" else phone
        if not recipient:
            no_address += 1
            continue
        if not members_api.can_message(session=session, customer_id=customer_id, channel=channel):
            no_consent += 1
            continue
        try:
            messaging_api.queue(session=session, channel=channel, recipient=recipient, template="coupon",
                            subject=values["coupon_subject"], body=values["coupon_body"],
                            context={"name": name or "customer", "code": code, "shop": values.get("name", ""),
                                     "offer": share_line(coupon, code, expires, tz, digits), "coupon": coupon.name,
                                     "expires": wording.last_day(expires, tz, none="no end")},
                            ref_kind="coupon", ref_id=code)
        except InvalidInput:
            no_address += 1
            continue
        queued += 1
        sent_ids.append(code_id)
    for start in range(0, len(sent_ids), 900):
        session.execute(update(CouponCode).where(col(CouponCode.id).in_(sent_ids[start:start + 900]))
                        .values(sent_at=now).execution_options(synchronize_session=False))
    session.flush()
    shop.record(session=session, actor=actor, action="coupon.send", entity="coupon", entity_id=coupon.id,
                 summary=f"{wording.plural(queued, channel + ' message')} of {coupon.name!r} queued ({no_consent} without consent, "
                         f"{no_address} without an address)")
    return SendResult(coupon_id=coupon.id or 0, channel=channel, queued=queued, no_consent=no_consent,
                      no_address=no_address)


def export_codes(*, session: Session, ref: int | str, unused_only: bool = True) -> str:
    """CSV of the codes with a share text for social posts: code, customer, expires, uses left, share text."""
    from zoneinfo import ZoneInfo


    coupon = coupon_row(session, ref)
    values = shop.get_all(session=session)
    tz = ZoneInfo(values["timezone"])
    digits = int(values["currency_digits"])
    query = (sa_select(col(CouponCode.code), col(CouponCode.customer_id), col(CouponCode.expires_at), col(CouponCode.max_uses),
                    col(CouponCode.used_count))
             .where(col(CouponCode.coupon_id) == coupon.id).order_by(col(CouponCode.id)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(shop.row(["code", "customer_id", "valid_until", "uses_left", "share_text"]))
    for code, customer_id, expires, max_uses, used in tuples(session.execute(query)):
        if unused_only and max_uses is not None and used >= max_uses:
            continue
        left = "" if max_uses is None else max_uses - used
        writer.writerow(shop.row([code, customer_id or "", wording.last_day(expires, tz),
                                         left, share_line(coupon, code, expires, tz, digits)]))
    return out.getvalue()


def set_coupon_status(*, session: Session, actor: Actor, ref: int | str, status: str) -> CouponRead:
    """Pause, resume or end a coupon (ended is final)."""
    coupon = coupon_row(session, ref)
    if status not in ("active", "paused", "ended"):
        raise InvalidInput(f"{status!r} is not active, paused or ended.", field="status")
    if coupon.status == "ended":
        raise Conflict(f"The coupon {coupon.name!r} has ended and cannot change.")
    before = coupon.status
    coupon.status = status
    coupon.updated_at = clock.now()
    session.add(coupon)
    session.flush()
    shop.record(session=session, actor=actor, action="coupon.status", entity="coupon", entity_id=coupon.id,
                 summary=f"coupon {coupon.name!r} {status}", before={"status": before}, after={"status": status})
    return _read(session, coupon)
