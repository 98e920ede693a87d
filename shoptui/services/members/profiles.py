"""Members: registration, profile and consent, tiers, points, store credit, merging, and the order hook.

A member extends a customer (the one customer entity of ``services.members.customers``): the member id
**is** the customer id. One person is one member: a phone (stored E.164), an email or a
third-party account (``provider:external_id``) can belong to one member only.

The interface other modules use (pricing, marketing, orders)::

    member_benefits(*, session, customer_id) -> MemberBenefits | None
        tier, discount_bp, points_multiplier_bp, free_shipping_over_minor,
        points balance (and its value), store credit balance; None for a customer who is no member
    points_value_minor(*, session, points) -> int
        what points are worth as a cash deduction (setting member_points_value_per_100)
    max_redeemable_points(*, session, customer_id, payable_minor) -> int
        the most points usable on an order of payable_minor: min(balance, share cap); the
        cashier may use any amount up to it
    redeem_points(*, session, actor, customer_id, points, ref_kind, ref_id, payable_minor=None) -> PointsResult
        atomic (conditional UPDATE): two terminals can never overspend; Conflict with a sentence
    earn_for_order(*, session, actor, order_id) -> PointsResult | None
    reverse_for_refund(*, session, actor, order_id, refunded_minor) -> PointsResult | None
        refunded_minor is the goods part of one refund; reversal is proportional and cumulative
    store_credit_pay(*, session, actor, customer_id, amount_minor, order_number) -> CreditResult
    can_message(*, session, customer_id, channel, purpose="marketing") -> bool

Orders call ``on_order_event`` for every timeline event (registered in the module descriptor
as ``extra["order_events"]``): a store-credit payment debits the credit ledger, a paid order
earns points, a refund takes points back in proportion and pays store-credit refunds into the
ledger, a cancelled order gives back the points redeemed on it, and the member's tier is
recalculated whenever their paid orders change.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Date, and_, case, delete, func, literal, or_, text, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models._types import table_of
from shoptui.models.customers import Customer, CustomerContact
from shoptui.models.members import (
    CHANNELS,
    GENDERS,
    CreditMovement,
    Member,
    MemberAccount,
    MemberTag,
    MemberTier,
    MemberTierChange,
    PointsMovement,
)
from shoptui.models.orders import Order, SalesCustomerFirst, SalesCustomerMonth
from shoptui.services import pricing, shop
from shoptui.services.members import credit as members_credit
from shoptui.services.members import customers
from shoptui.services.members import points as members_points
from shoptui.services.members import tiers as members_tiers
from shoptui.services.members.core import (
    customer_of,
    find_member_row,
    member_by_phone,
    member_settings,
)
from shoptui.services.members.credit import CreditMovementRead, CreditResult
from shoptui.services.members.points import (
    GiftRead,
    GiftRedemptionRead,
    PointsEventRead,
    PointsMovementRead,
    PointsResult,
)
from shoptui.services.members.tiers import RecalcResult, TierChangeRead, TierRead, TierUpdate
from shoptui.services.shop import Page, SearchHit, after_key, clamp_limit, optional_email, optional_phone
from shoptui.store import matching, unique
from shoptui.store.rows import tuples
from shoptui.text import check_text

__all__ = [
    "CreditMovementRead", "CreditResult", "GiftRead", "GiftRedemptionRead", "MemberBenefits",
    "MemberCreate", "MemberProfile", "MemberRead", "MemberUpdate", "MergeResult", "PointsEventRead",
    "PointsMovementRead", "PointsResult", "RecalcResult", "TierChangeRead", "TierRead", "TierUpdate",
    "add_member", "can_message", "earn_for_order", "find_member", "get_member",
    "list_members", "max_redeemable_points", "member_benefits", "merge_members", "on_order_event",
    "points_value_minor", "redeem_points", "reverse_for_refund", "set_consent", "store_credit_pay",
    "update_member",
]

PROVIDERS = ("wechat", "alipay", "google", "apple", "facebook", "line", "weibo", "taobao", "douyin")
MAX_TAGS = 30


# ---------------------------------------------------------------- read models


class MemberRead(BaseModel):
    """A member as it leaves the service (the customer's contact plus the membership)."""

    id: int  # the customer id
    name: str
    phone: str | None
    email: str | None
    source: str
    gender: str
    birthday: date | None
    region: str
    tags: list[str] = []
    accounts: list[str] = []  # provider:external_id
    other_contacts: list[str] = []  # further phones and emails (e.g. kept by a merge)
    tier_code: str
    tier_name: str
    tier_since: datetime
    points_balance: int
    points_value_minor: int = 0
    credit_balance_minor: int
    email_consent: bool
    email_consent_at: datetime | None
    sms_consent: bool
    sms_consent_at: datetime | None
    order_count: int = 0
    spent_minor: int = 0
    last_order_at: datetime | None = None
    joined_at: datetime
    merged_into: int | None = None


class MemberOrderRead(BaseModel):
    """One of a member's orders, for the profile."""

    number: str
    created_at: datetime
    status: str
    payment_status: str
    total_minor: int


class MemberProfile(BaseModel):
    """Everything about one member: the member, recent orders, points, tier history, store credit."""

    member: MemberRead
    orders: list[MemberOrderRead]
    points: list[PointsMovementRead]
    tier_history: list[TierChangeRead]
    credit: list[CreditMovementRead]
    points_expiring_soon: int  # within 30 days


class MemberBenefits(BaseModel):
    """What a member gets at checkout (for pricing and marketing)."""

    member_id: int  # the customer id
    tier_code: str
    tier_name: str
    discount_bp: int
    points_multiplier_bp: int
    free_shipping_over_minor: int | None
    points_balance: int
    points_value_minor: int
    credit_balance_minor: int
    email_consent: bool
    sms_consent: bool


class MemberCreate(BaseModel):
    """Input for add_member: at least a phone, an email or an account."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    account: str | None = None  # provider:external_id, e.g. wechat:o6_bmjrPTlm6_2sgVt7hMZOPfL2M
    customer: str | None = None  # enrol an existing customer (id, phone or email)
    gender: str = ""
    birthday: date | None = None
    region: str = ""
    tags: list[str] = []
    email_consent: bool | None = None  # None: the store's default
    sms_consent: bool | None = None
    source: str | None = None


class MemberUpdate(BaseModel):
    """Input for update_member: unset fields stay as they are."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    gender: str | None = None
    birthday: date | None = None
    clear_birthday: bool = False
    region: str | None = None
    tags: list[str] | None = None  # replaces every tag
    add_tags: list[str] = []
    remove_tags: list[str] = []
    add_account: str | None = None
    email_consent: bool | None = None
    sms_consent: bool | None = None


class MergeResult(BaseModel):
    """What a merge moved from the other member into the kept one."""

    kept: MemberRead
    merged_id: int
    orders: int
    points: int
    credit_minor: int
    rows_moved: int


# ---------------------------------------------------------------- reading


def _tier_names(session: Session) -> dict[str, str]:
    return {t.code: t.name for t in session.exec(select(MemberTier))}


def member_reads(session: Session, pairs: list[tuple[Member, Customer]]) -> list[MemberRead]:
    """Read models for (member, customer) rows: tags and accounts in one query each."""
    if not pairs:
        return []
    cfg = member_settings(session)
    ids = [m.customer_id for m, _ in pairs]
    tags: dict[int, list[str]] = {}
    for customer_id, tag in session.exec(select(MemberTag.customer_id, MemberTag.tag)
                                         .where(col(MemberTag.customer_id).in_(ids)).order_by(col(MemberTag.tag))):
        tags.setdefault(customer_id, []).append(tag)
    accounts: dict[int, list[str]] = {}
    for customer_id, provider, external in session.exec(
            select(MemberAccount.customer_id, MemberAccount.provider, MemberAccount.external_id)
            .where(col(MemberAccount.customer_id).in_(ids)).order_by(col(MemberAccount.id))):
        accounts.setdefault(customer_id, []).append(f"{provider}:{external}")
    contacts: dict[int, list[str]] = {}
    for customer_id, value in session.exec(select(CustomerContact.customer_id, CustomerContact.value)
                                           .where(col(CustomerContact.customer_id).in_(ids))
                                           .order_by(col(CustomerContact.id))):
        contacts.setdefault(customer_id, []).append(value)
    names = _tier_names(session)
    out = []
    for member, customer in pairs:
        out.append(MemberRead(
            id=member.customer_id, name=customer.name, phone=customer.phone, email=customer.email,
            source=member.source, gender=member.gender, birthday=member.birthday, region=member.region,
            tags=tags.get(member.customer_id, []), accounts=accounts.get(member.customer_id, []),
            other_contacts=contacts.get(member.customer_id, []), tier_code=member.tier_code, tier_name=names.get(member.tier_code, member.tier_code),
            tier_since=member.tier_since, points_balance=member.points_balance,
            points_value_minor=members_points.value_of(cfg, max(member.points_balance, 0)),
            credit_balance_minor=member.credit_balance_minor, email_consent=member.email_consent,
            email_consent_at=member.email_consent_at, sms_consent=member.sms_consent,
            sms_consent_at=member.sms_consent_at, order_count=customer.order_count, spent_minor=customer.spent_minor,
            last_order_at=customer.last_order_at, joined_at=member.joined_at, merged_into=member.merged_into,
        ))
    return out


def _read(session: Session, member: Member) -> MemberRead:
    session.refresh(member)
    return member_reads(session, [(member, customer_of(session, member.customer_id))])[0]


def get_member(*, session: Session, ref: str | int) -> MemberRead:
    """One member by id, phone (any common form), email or ``provider:external_id``."""
    return _read(session, find_member_row(session, ref))


# the till's phone lookup: one statement built once; the store's country kept per store and checked
# by the lookup itself (the statement reads it back), so a changed country is never used stale
_FIND: dict[str, Any] = {}
_COUNTRY: dict[str, str] = {}
_FIND_MEMBER_FIELDS = ("source", "gender", "birthday", "region", "tier_code", "tier_since", "points_balance",
                       "credit_balance_minor", "email_consent", "email_consent_at", "sms_consent", "sms_consent_at",
                       "joined_at", "merged_into")


def _find_statement() -> Any:
    statement = _FIND.get("phone")
    if statement is None:
        from sqlalchemy import String, bindparam, exists, literal_column
        from sqlalchemy import select as sa_select

        from shoptui.models.store import StoreSetting

        members, customers, tiers = table_of(Member), table_of(Customer), table_of(MemberTier)
        m, c, t, s = members.c, customers.c, tiers.c, table_of(StoreSetting).c

        def setting(key: str) -> Any:
            return select(s.value).where(s.key == key).scalar_subquery()

        statement = _FIND["phone"] = (
            sa_select(m.customer_id, c.name, c.phone, c.email, c.order_count, c.spent_minor, c.last_order_at, t.name,
                   *(m[f] for f in _FIND_MEMBER_FIELDS),
                   exists().where(table_of(MemberTag).c.customer_id == m.customer_id),
                   exists().where(table_of(MemberAccount).c.customer_id == m.customer_id),
                   setting("country").label("country"), setting("member_points_value_per_100"),
                   literal_column("1"))
            .join_from(members, customers, c.id == m.customer_id)
            .join(tiers, t.code == m.tier_code, isouter=True)
            .where(c.phone.in_([bindparam(p, type_=String()) for p in ("p1", "p2", "p3")]), m.merged_into.is_(None))
            .limit(1))
    return statement


def _store_country(session: Session) -> str:
    from shoptui.models.store import StoreSetting

    stored = session.execute(select(StoreSetting.value).where(StoreSetting.key == "country")).scalar()
    return str(stored if stored is not None else shop.definitions()["country"].default)


def find_member(*, session: Session, phone: str) -> MemberRead | None:
    """The member with this phone number (the counter's lookup), or None.

    The hot path at the till: the number normalised (E.164, the form every phone is stored in; the
    typed digits too when they are not a whole number), then one indexed point query on ``customer.phone`` that also brings the tier name,
    the two settings it needs and whether tags or accounts exist (read only then). No ORM rows.
    """
    from shoptui.services.shop import phone_candidates

    store = str(session.get_bind().engine.url)
    country = _COUNTRY.get(store)
    if country is None:
        country = _COUNTRY[store] = _store_country(session)
    candidates = phone_candidates(phone, country)
    row = None
    if candidates:
        p1, p2, p3 = (candidates * 3)[:3]
        row = session.connection().execute(_find_statement(), {"p1": p1, "p2": p2, "p3": p3}).first()
    defs = shop.definitions()
    now_country = (row[-3] if row[-3] is not None else defs["country"].default) if row is not None \
        else _store_country(session)
    if str(now_country) != country:  # the store's country changed since: normalise again with it
        _COUNTRY[store] = str(now_country)
        return find_member(session=session, phone=phone)
    if row is None:  # a further phone (e.g. kept by a merge): rare, so off the hot statement
        holder = customers.customer_by_contact(session, kind="phone", values=candidates) if candidates else None
        member = session.get(Member, holder.id) if holder is not None else None
        return _read(session, member) if member is not None and member.merged_into is None else None
    member_id = row[0]
    tags: list[str] = []
    accounts: list[str] = []
    if row[-5]:
        tags = list(session.execute(select(MemberTag.tag).where(MemberTag.customer_id == member_id)
                                    .order_by(col(MemberTag.tag))).scalars())
    if row[-4]:
        accounts = [f"{p}:{e}" for p, e in session.execute(
            select(MemberAccount.provider, MemberAccount.external_id).where(MemberAccount.customer_id == member_id)
            .order_by(col(MemberAccount.id)))]
    value = row[-2]
    value_per_100 = int(value if value is not None else defs["member_points_value_per_100"].default)
    fields = dict(zip(_FIND_MEMBER_FIELDS, row[8:8 + len(_FIND_MEMBER_FIELDS)], strict=True))
    return MemberRead.model_construct(  # read straight from typed columns: nothing to validate
        id=member_id, name=row[1], phone=row[2], email=row[3], order_count=row[4], spent_minor=row[5],
        last_order_at=row[6], tier_name=row[7] or fields["tier_code"], tags=tags, accounts=accounts,
        points_value_minor=pricing.points_worth(max(fields["points_balance"], 0), value_per_100),
        **{**fields, "email_consent": bool(fields["email_consent"]), "sms_consent": bool(fields["sms_consent"])})


def member_profile(*, session: Session, ref: str | int, limit: int = 20) -> MemberProfile:
    """A member with recent orders, points ledger, tier history and store-credit ledger."""
    row = find_member_row(session, ref)
    member = _read(session, row)
    orders = session.exec(select(Order).where(Order.customer_id == row.customer_id)
                          .order_by(col(Order.created_at).desc(), col(Order.id).desc()).limit(limit)).all()
    return MemberProfile(
        member=member,
        orders=[MemberOrderRead.model_validate(o, from_attributes=True) for o in orders],
        points=members_points.points_history(session=session, customer_id=row.customer_id, limit=limit).items,
        tier_history=members_tiers.tier_history(session=session, customer_id=row.customer_id, limit=limit),
        credit=members_credit.credit_history(session=session, customer_id=row.customer_id, limit=limit).items,
        points_expiring_soon=members_points.expiring(session, row.customer_id, clock.now() + timedelta(days=30)),
    )


def member_list_query(session: Session, *, search: str, after: str | None, limit: int) -> Any:
    """Members with their customer, by name (cursor ``name|id``), one row more than ``limit``.

    ``search`` finds a phone (any common form) or an email exactly, otherwise names starting with it
    in any case (the A-Z index). Both member lists build on this and add their own filters.
    """
    query = (select(Member, Customer).join(Customer, col(Customer.id) == col(Member.customer_id))
             .where(col(Member.merged_into).is_(None))
             .order_by(matching.folded(Customer.name), col(Customer.id)).limit(limit + 1))
    text = unicodedata.normalize("NFKC", search or "").strip()
    if len(text) > 200:
        raise InvalidInput("Search for at most 200 characters.")
    if text:
        compact = re.sub(r"[\s\-().]", "", text)
        if "@" in text:
            query = query.where(customers.has_email(text.lower()))
        elif re.fullmatch(r"\+?[0-9]{5,20}", compact):
            found = member_by_phone(session, text)
            query = query.where(Member.customer_id == (found.customer_id if found else -1))
        else:
            start = matching.folded(literal(text))
            query = query.where(matching.folded(Customer.name) >= start, matching.folded(Customer.name) < start.concat("\U0010ffff"))
    if after:
        name, _, ident = after.rpartition("|")
        if not ident.isdigit():
            raise InvalidInput(f"The cursor {after!r} is not one this list gave out.")
        query = query.where(after_key(matching.folded(Customer.name), col(Customer.id), matching.folded(literal(name)),
                                      int(ident)))
    return query


def member_page(session: Session, query: Any, limit: int) -> Page[MemberRead]:
    """The page of members ``query`` (from :func:`member_list_query`) finds, with the next cursor."""
    rows = session.exec(query).all()
    items = member_reads(session, [(m, c) for m, c in rows[:limit]])
    return Page(items=items, next_after=f"{items[-1].name}|{items[-1].id}" if len(rows) > limit else None)


def list_members(*, session: Session, search: str = "", tier: str | None = None, tag: str | None = None,
                 after: str | None = None, limit: int = 50) -> Page[MemberRead]:
    """Members by name (keyset-paged, cursor ``name|id``); ``search`` as :func:`member_list_query` reads it."""
    limit = clamp_limit(limit)
    query = member_list_query(session, search=search, after=after, limit=limit)
    if tier:
        query = query.where(Member.tier_code == members_tiers.tier_row(session, tier).code)
    if tag:
        query = query.where(col(Member.customer_id).in_(select(MemberTag.customer_id)
                                                         .where(MemberTag.tag == check_member_tag(tag))))
    return member_page(session, query, limit)


def search_members(*, session: Session, text: str, limit: int = 8) -> list[SearchHit]:
    """Global search: members by name (prefix), phone or email (exact)."""
    try:
        page = list_members(session=session, search=text, limit=limit)
    except InvalidInput:
        return []
    needle = text.strip().lower()
    return [SearchHit(kind="member", key=str(m.id), title=m.name,
                      detail=" · ".join(p for p in (m.tier_name, m.phone, m.email, f"{m.points_balance} pts") if p),
                      mode="members", exact=needle in {(m.email or ""), m.name.lower()} or "@" not in needle
                      and any(ch.isdigit() for ch in needle) and len(page.items) == 1)
            for m in page.items]


# ---------------------------------------------------------------- checking input


def check_member_tag(raw: str) -> str:
    """A member tag as stored: NFKC, trimmed, lower-case, 1-40 characters, no commas."""
    value = unicodedata.normalize("NFKC", raw or "").strip().lower()
    if not value or len(value) > 40 or "," in value:
        raise InvalidInput(f"The tag {raw!r} must be 1 to 40 characters without commas.", field="tags")
    return check_text(value, "tag", 40, name="tags") or ""


def _tags(raw: list[str]) -> list[str]:
    tags = sorted({check_member_tag(t) for t in raw})
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"A member can have at most {MAX_TAGS} tags, not {len(tags)}.", field="tags")
    return tags


def _gender(raw: str) -> str:
    value = (raw or "").strip().lower()
    value = {"f": "female", "m": "male", "o": "other", "女": "female", "男": "male"}.get(value, value)
    if value not in GENDERS:
        raise InvalidInput(f"The gender {raw!r} is not one of female, male, other (or empty).", field="gender")
    return value


def _birthday(value: date | None) -> date | None:
    if value is None:
        return None
    today = clock.now().date()
    if value > today or value.year < today.year - 130:
        raise InvalidInput(f"The birthday {value.isoformat()} is not a plausible date of birth.", field="birthday")
    return value


def _region(raw: str) -> str:
    return check_text(raw, "region", 100, required=False, name="region") or ""


def parse_account(raw: str, *, name: str = "account") -> tuple[str, str]:
    """``provider:external_id`` -> (provider, external id); InvalidInput names the problem (and the input field ``name``)."""
    value = unicodedata.normalize("NFKC", raw or "").strip()
    provider, sep, external = value.partition(":")
    provider = provider.strip().lower()
    external = external.strip()
    if not sep or not external:
        raise InvalidInput(f"{raw!r} is not an account; write it as provider:id, e.g. wechat:o6_bmjrPTlm6.", field=name)
    if provider not in PROVIDERS:
        raise InvalidInput(f"The account provider {provider!r} is not one of {', '.join(PROVIDERS)}.", field=name)
    if len(external) > 200 or any(ch.isspace() for ch in external):
        raise InvalidInput(f"The {provider} account id {external!r} must be at most 200 characters without spaces.",
                           field=name)
    return provider, external


def _holder_of_phone(session: Session, phone: str) -> Customer | None:
    return customers.customer_by_contact(session, kind="phone", values=customers.phone_variants(session, phone))


def _holder_of_email(session: Session, email: str) -> Customer | None:
    return customers.customer_by_contact(session, kind="email", values=[email])


def _refuse_member_contacts(session: Session, phone: str | None, email: str | None) -> None:
    """The Conflict naming the member who holds ``phone`` or ``email`` (read again after a unique violation)."""
    for what, value, finder in (("phone", phone, _holder_of_phone), ("email", email, _holder_of_email)):
        found = finder(session, value) if value is not None else None
        if found is not None:
            raise _duplicate(session, found, f"{what} {value}", what)


def _refuse_linked_account(session: Session, account: tuple[str, str], field: str = "account") -> None:
    """The Conflict naming the member a third-party account already belongs to (one account, one member)."""
    linked = session.exec(select(MemberAccount).where(MemberAccount.provider == account[0],
                                                      MemberAccount.external_id == account[1])).first()
    if linked is not None:
        raise Conflict(f"The {account[0]} account {account[1]} already belongs to member #{linked.customer_id}.",
                       field=field)


def _member_refusals(session: Session, phone: str | None, email: str | None) -> dict[str, Callable[[], None]]:
    """For ``unique.refused_as``: a phone or email another terminal saved meanwhile, worded as the check words it."""

    def refuse() -> None:
        _refuse_member_contacts(session, phone, email)

    return {"uq_customer_phone": refuse, "uq_customer_email": refuse}


def _duplicate(session: Session, customer: Customer, what: str, field: str | None = None) -> Conflict:
    member = session.get(Member, customer.id)
    if member is not None and member.merged_into is None:
        return Conflict(f"The {what} already belongs to member #{customer.id} {customer.name}. "
                        "Use that member, or merge the two with 'shoptui member merge'.", field=field)
    return Conflict(f"The {what} already belongs to customer #{customer.id} {customer.name}.", field=field)


# ---------------------------------------------------------------- registering and editing


def _snapshot(member: Member, customer: Customer) -> dict[str, Any]:
    return {"name": customer.name, "phone": customer.phone, "email": customer.email, "gender": member.gender,
            "birthday": member.birthday, "region": member.region, "email_consent": member.email_consent,
            "sms_consent": member.sms_consent}


def add_member(*, session: Session, actor: Actor, data: MemberCreate) -> MemberRead:
    """Register a member by phone, email or third-party account (or enrol an existing customer).

    One person is one member: a phone, email or account that already belongs to a member is
    refused (Conflict naming the member); a customer with that phone or email becomes the member.
    """
    cfg = member_settings(session)
    phone = optional_phone(data.phone, cfg.country, name="phone")
    email = optional_email(data.email, name="email")
    account = parse_account(data.account) if data.account and data.account.strip() else None
    gender, birthday, region = _gender(data.gender), _birthday(data.birthday), _region(data.region)
    tags = _tags(data.tags)
    holder: Customer | None = None
    if data.customer:
        holder = customers.find_customer_row(session, data.customer)
    if phone is None and email is None and account is None and holder is None:
        raise InvalidInput("Register a member with a phone number, an email address or an account (provider:id).",
                           field="phone")
    if account is not None:
        _refuse_linked_account(session, account)
    for what, value, finder in (("phone", phone, _holder_of_phone), ("email", email, _holder_of_email)):
        if value is None:
            continue
        found = finder(session, value)
        if found is None:
            continue
        found_member = session.get(Member, found.id)
        if found_member is not None and found_member.merged_into is None:
            raise _duplicate(session, found, f"{what} {value}", what)
        if holder is not None and holder.id != found.id:
            raise Conflict(f"The {what} {value} belongs to customer #{found.id} {found.name}, not to "
                           f"#{holder.id} {holder.name}; merge them first with 'shoptui member merge'.", field=what)
        holder = found
    if holder is not None:
        existing = session.get(Member, holder.id)
        if existing is not None and existing.merged_into is None:
            raise _duplicate(session, holder, f"customer #{holder.id}")
        if existing is not None:
            raise Conflict(f"Customer #{holder.id} was merged into member #{existing.merged_into}; use that member.")
    now = clock.now()
    if holder is None:
        name = check_text(data.name, "member's name", 100, required=False, name="name") \
            or phone or email or (f"{account[0]} {account[1]}" if account is not None else "")
        try:
            created = customers.add_customer(session=session, actor=actor, data=customers.CustomerCreate(
                name=name, phone=phone, email=email))
        except Conflict:  # another terminal registered this phone or email meanwhile (PostgreSQL)
            _refuse_member_contacts(session, phone, email)
            raise
        holder = customer_of(session, created.id)
    else:
        if data.name and data.name.strip():
            holder.name = check_text(data.name, "member's name", 100, name="name") or holder.name
        holder.updated_at = now
        with unique.refused_as(session, table_of(Customer), _member_refusals(session, phone, email)):
            if phone is not None:
                holder.phone = phone  # stored E.164 from now on
            if email is not None:
                holder.email = email
            session.add(holder)
    assert holder.id is not None
    email_ok = cfg.consent_email if data.email_consent is None else data.email_consent
    sms_ok = cfg.consent_sms if data.sms_consent is None else data.sms_consent
    source = data.source or ("phone" if phone else "email" if email else "account" if account else "customer")
    tier = members_tiers.entry_tier(session)
    member = Member(customer_id=holder.id, source=source[:20], gender=gender, birthday=birthday, region=region,
                    tier_code=tier, tier_since=now, email_consent=email_ok, email_consent_at=now if email_ok else None,
                    sms_consent=sms_ok, sms_consent_at=now if sms_ok else None, joined_at=now, updated_at=now)
    session.add(member)
    session.flush()
    for tag in tags:
        session.add(MemberTag(customer_id=holder.id, tag=tag))
    if account is not None:
        def account_taken() -> None:  # another terminal linked it meanwhile (PostgreSQL): the check's sentence
            _refuse_linked_account(session, account)

        with unique.refused_as(session, table_of(MemberAccount), {"uq_member_account": account_taken}):
            session.add(MemberAccount(customer_id=holder.id, provider=account[0], external_id=account[1],
                                      linked_at=now))
    session.add(MemberTierChange(customer_id=holder.id, from_code=None, to_code=tier, reason="joined", at=now))
    session.flush()
    shop.record(session=session, actor=actor, action="member.add", entity="member", entity_id=holder.id,
                 summary=f"member #{holder.id} {holder.name} registered ({source})",
                 after={**_snapshot(member, holder), "tags": tags, "account": ":".join(account) if account else None})
    members_tiers.recalculate(session=session, actor=actor, customer_id=holder.id, reason="joined")
    return _read(session, member)


def update_member(*, session: Session, actor: Actor, ref: str | int, patch: MemberUpdate) -> MemberRead:
    """Change a member's profile, contact, tags, accounts or consent (only what is given)."""
    cfg = member_settings(session)
    member = find_member_row(session, ref)
    customer = customer_of(session, member.customer_id)
    before = _snapshot(member, customer)
    email_at_before, sms_at_before = member.email_consent_at, member.sms_consent_at
    tags_before = sorted(session.exec(select(MemberTag.tag).where(MemberTag.customer_id == member.customer_id)).all())
    given = patch.model_dump(exclude_unset=True)
    now = clock.now()
    if given.get("name") is not None:
        customer.name = check_text(patch.name, "member's name", 100, name="name") or ""
    if "phone" in given:
        phone = optional_phone(patch.phone, cfg.country, name="phone")
        if phone is not None:
            found = _holder_of_phone(session, phone)
            if found is not None and found.id != customer.id:
                raise _duplicate(session, found, f"phone {phone}", "phone")
        with unique.refused_as(session, table_of(Customer), _member_refusals(session, phone, None)):
            customer.phone = phone
    if "email" in given:
        email = optional_email(patch.email, name="email")
        if email is not None:
            found = _holder_of_email(session, email)
            if found is not None and found.id != customer.id:
                raise _duplicate(session, found, f"email {email}", "email")
        with unique.refused_as(session, table_of(Customer), _member_refusals(session, None, email)):
            customer.email = email
    if patch.gender is not None:
        member.gender = _gender(patch.gender)
    if patch.clear_birthday:
        member.birthday = None
    elif patch.birthday is not None:
        member.birthday = _birthday(patch.birthday)
    if patch.region is not None:
        member.region = _region(patch.region)
    for channel in CHANNELS:
        wanted = getattr(patch, f"{channel}_consent")
        explicit_no = wanted is False and getattr(member, f"{channel}_consent_at") is None  # never asked: a "no" counts
        if wanted is not None and (wanted != getattr(member, f"{channel}_consent") or explicit_no):
            setattr(member, f"{channel}_consent", wanted)
            setattr(member, f"{channel}_consent_at", now)
    tags = set(tags_before) if patch.tags is None else set(_tags(patch.tags))
    tags |= set(_tags(patch.add_tags))
    tags -= {check_member_tag(t) for t in patch.remove_tags}
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"A member can have at most {MAX_TAGS} tags, not {len(tags)}.", field="tags")
    account = parse_account(patch.add_account, name="add_account") if patch.add_account else None
    if account is not None:
        _refuse_linked_account(session, account, "add_account")
    after = {**_snapshot(member, customer), "email_consent_at": member.email_consent_at,
             "sms_consent_at": member.sms_consent_at}
    before = {**before, "email_consent_at": email_at_before, "sms_consent_at": sms_at_before}
    if after == before and sorted(tags) == tags_before and account is None:
        raise InvalidInput(f"Nothing to change for member #{member.customer_id}: give at least one new value.")
    if sorted(tags) != tags_before:
        session.execute(delete(MemberTag).where(col(MemberTag.customer_id) == member.customer_id))
        for tag in sorted(tags):
            session.add(MemberTag(customer_id=member.customer_id, tag=tag))
    if account is not None:
        def account_taken() -> None:  # another terminal linked it meanwhile (PostgreSQL): the check's sentence
            _refuse_linked_account(session, account, "add_account")

        with unique.refused_as(session, table_of(MemberAccount), {"uq_member_account": account_taken}):
            session.add(MemberAccount(customer_id=member.customer_id, provider=account[0], external_id=account[1],
                                      linked_at=now))
    member.updated_at = now
    customer.updated_at = now
    session.add(member)
    session.add(customer)
    session.flush()
    shop.record(session=session, actor=actor, action="member.edit", entity="member", entity_id=member.customer_id,
                 summary=f"member #{member.customer_id} {customer.name} edited",
                 before={**before, "tags": tags_before}, after={**after, "tags": sorted(tags),
                                                                "account": ":".join(account) if account else None})
    return _read(session, member)


def set_consent(*, session: Session, actor: Actor, ref: str | int, channel: str, granted: bool) -> MemberRead:
    """Record a member's yes or no (unsubscribe) to marketing on one channel, with the time."""
    if channel not in CHANNELS:
        raise InvalidInput(f"The channel {channel!r} is not one of {', '.join(CHANNELS)}.")
    member = find_member_row(session, ref)
    if getattr(member, f"{channel}_consent") == granted:
        state = "agreed to" if granted else "unsubscribed from"
        raise InvalidInput(f"Member #{member.customer_id} has already {state} {channel}.")
    return update_member(session=session, actor=actor, ref=member.customer_id,
                         patch=MemberUpdate(**{f"{channel}_consent": granted}))


def can_message(*, session: Session, customer_id: int | None, channel: str, purpose: str = "marketing") -> bool:
    """Whether the shop may send to this customer on ``channel`` (email or sms).

    ``marketing`` (coupons, campaigns, tier news) needs the member's recorded consent.
    ``service`` (order notices) is allowed unless the person is a member who unsubscribed from
    that channel. Every sending path asks this before queueing.
    """
    if channel not in CHANNELS:
        raise InvalidInput(f"The channel {channel!r} is not one of {', '.join(CHANNELS)}.")
    if customer_id is None:
        return purpose == "service"
    row = session.exec(select(getattr(Member, f"{channel}_consent"), getattr(Member, f"{channel}_consent_at"))
                       .where(Member.customer_id == customer_id)).first()
    if row is None:
        return purpose == "service"
    consent, consent_at = row
    if purpose == "marketing":
        return bool(consent)
    return bool(consent) or consent_at is None


# ---------------------------------------------------------------- merging


def _merge_sales_months(session: Session, gone: int, kept: int) -> None:
    """The reports' month x customer rollup (orders.rollups) follows the orders the merge moved: each month row of
    ``gone`` folds into ``kept``'s (counts added, first and last placed day widened). The table has no foreign
    key, so the generic move above leaves it to this."""
    table = table_of(SalesCustomerMonth)
    rows = tuples(
        session.execute(
            sa_select(table.c.month, table.c.orders, table.c.net_minor, table.c.first_day, table.c.last_day).where(
                table.c.customer_id == gone
            )
        )
    ).all()
    session.execute(delete(table).where(table.c.customer_id == gone))
    first, last = table.c.first_day, table.c.last_day
    for month, orders, net, first_day, last_day in rows:
        if first_day is None or last_day is None:
            continue  # an emptied row: nothing to carry
        unique.insert_ignore(session, table, {"month": month, "customer_id": kept, "orders": 0, "net_minor": 0})
        low, high = literal(first_day, Date), literal(last_day, Date)
        session.execute(
            update(table)
            .where(table.c.month == month, table.c.customer_id == kept)
            .values(
                orders=table.c.orders + orders,
                net_minor=table.c.net_minor + net,
                first_day=case((or_(first.is_(None), first > low), low), else_=first),
                last_day=case((or_(last.is_(None), last < high), high), else_=last),
            )
            .execution_options(synchronize_session=False)
        )
    # and the kept customer's first placed day ever is the least of both (sales_customer_first)
    first_of = table_of(SalesCustomerFirst)
    session.execute(delete(first_of).where(first_of.c.customer_id == gone))
    unique.insert_ignore(session, first_of, {"customer_id": kept})
    least = select(func.min(table.c.first_day)).where(table.c.customer_id == kept, table.c.orders > 0)
    session.execute(
        update(first_of)
        .where(first_of.c.customer_id == kept)
        .values(first_day=least.scalar_subquery())
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(first_of).where(first_of.c.customer_id == kept, first_of.c.first_day.is_(None)))


def _references_to_customer() -> list[tuple[Any, Any]]:
    """Every (table, column) holding a customer id, except the member row's own key."""
    from shoptui.models import load_all

    load_all()

    found = []
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            target = fk.column
            if (target.table.name, target.name) in (("customer", "id"), ("member", "customer_id")):
                if table.name == "member" and fk.parent.name == "customer_id":
                    continue
                if table.name == "member_tag":
                    continue  # merged by hand (composite key)
                found.append((table, fk.parent))
    return found


def merge_members(*, session: Session, actor: Actor, keep: str | int, other: str | int) -> MergeResult:
    """Merge ``other`` into ``keep``: orders, points, store credit, tags, accounts and history move.

    ``other`` may be a member or a plain customer. Its ledgers keep their dates (lots keep their
    expiry), balances add up, and the other member row stays as ``merged_into`` so old
    references still lead somewhere. One transaction, audited.
    """
    kept = find_member_row(session, keep)
    gone_member: Member | None
    try:
        gone_member = find_member_row(session, other)
        gone_id = gone_member.customer_id
    except NotFound:
        gone_member = None
        gone_id = customers.find_customer_row(session, other).id or 0
    if gone_id == kept.customer_id:
        raise InvalidInput(f"Member #{gone_id} cannot be merged into itself; name two different members.")
    keep_customer = customer_of(session, kept.customer_id)
    gone_customer = customer_of(session, gone_id)
    session.flush()
    orders = session.exec(select(func.count()).select_from(Order).where(Order.customer_id == gone_id)).one()
    points = gone_member.points_balance if gone_member else 0
    credit = gone_member.credit_balance_minor if gone_member else 0
    # tags: the union, on the kept member
    gone_tags = set(session.exec(select(MemberTag.tag).where(MemberTag.customer_id == gone_id)).all())
    kept_tags = set(session.exec(select(MemberTag.tag).where(MemberTag.customer_id == kept.customer_id)).all())
    session.execute(delete(MemberTag).where(col(MemberTag.customer_id) == gone_id))
    for tag in sorted(gone_tags - kept_tags):
        session.add(MemberTag(customer_id=kept.customer_id, tag=tag))
    moved = 0
    try:
        for table, column in _references_to_customer():
            moved += session.exec(update(table).where(column == gone_id).values({column.name: kept.customer_id})
                                  .execution_options(synchronize_session=False)).rowcount
    except IntegrityError as exc:
        raise Conflict(f"Member #{gone_id} cannot be merged into #{kept.customer_id}: both hold a record that may "
                       f"exist only once per member ({str(exc.orig).splitlines()[0]}).") from exc
    _merge_sales_months(session, gone_id, kept.customer_id)
    now = clock.now()
    session.execute(update(Member).where(col(Member.customer_id) == kept.customer_id).values(
        points_balance=col(Member.points_balance) + points,
        credit_balance_minor=col(Member.credit_balance_minor) + credit, updated_at=now))
    if gone_member is not None:
        # consent: the kept member takes the other's answer on a channel it was never asked about
        if not kept.email_consent_at and gone_member.email_consent_at:
            kept.email_consent, kept.email_consent_at = gone_member.email_consent, gone_member.email_consent_at
        if not kept.sms_consent_at and gone_member.sms_consent_at:
            kept.sms_consent, kept.sms_consent_at = gone_member.sms_consent, gone_member.sms_consent_at
        session.execute(update(Member).where(col(Member.customer_id) == gone_id).values(
            points_balance=0, credit_balance_minor=0, merged_into=kept.customer_id, email_consent=False,
            sms_consent=False, updated_at=now))
    # the kept member's lots must cover exactly what it holds (a debt on one side eats the other's lots)
    session.flush()
    _settle_lots(session, kept.customer_id)
    # contacts: the kept customer takes what it lacks as its primary phone/email and keeps every other one as a
    # further contact (lookups and duplicate checks find those); the other keeps its name and a note
    gone_contacts = (("phone", gone_customer.phone), ("email", gone_customer.email))
    gone_customer.phone = None
    gone_customer.email = None
    session.add(gone_customer)
    session.flush()
    kept_contacts: list[str] = []
    for kind, value in gone_contacts:
        if not value:
            continue
        if getattr(keep_customer, kind) is None:
            setattr(keep_customer, kind, value)
            kept_contacts.append(value)
        elif customers.add_contact(session, kept.customer_id, kind, value, note=f"merged from #{gone_id}"):
            kept_contacts.append(value)
    keep_customer.order_count += gone_customer.order_count
    keep_customer.spent_minor += gone_customer.spent_minor
    if gone_customer.last_order_at and (keep_customer.last_order_at is None
                                        or gone_customer.last_order_at > keep_customer.last_order_at):
        keep_customer.last_order_at = gone_customer.last_order_at
    gone_customer.order_count = 0
    gone_customer.spent_minor = 0
    gone_customer.note = (f"Merged into #{kept.customer_id}. " + gone_customer.note)[:1000]
    keep_customer.updated_at = gone_customer.updated_at = now
    session.add_all([keep_customer, gone_customer, kept])
    session.add(MemberTierChange(customer_id=kept.customer_id, from_code=kept.tier_code, to_code=kept.tier_code,
                                 reason=f"merged #{gone_id}", at=now))
    session.flush()
    shop.record(session=session, actor=actor, action="member.merge", entity="member", entity_id=kept.customer_id,
                 summary=f"#{gone_id} {gone_customer.name} merged into #{kept.customer_id} {keep_customer.name}",
                 after={"merged": gone_id, "orders": orders, "points": points, "credit_minor": credit,
                        "rows_moved": moved, "contacts_kept": kept_contacts})
    members_tiers.recalculate(session=session, actor=actor, customer_id=kept.customer_id, reason=f"merged #{gone_id}")
    session.expire_all()
    return MergeResult(kept=get_member(session=session, ref=kept.customer_id), merged_id=gone_id, orders=orders,
                       points=points, credit_minor=credit, rows_moved=moved)


def _settle_lots(session: Session, customer_id: int) -> None:
    """Make the lots hold exactly ``max(balance, 0)``: any excess is consumed oldest first."""
    balance = session.exec(select(Member.points_balance).where(Member.customer_id == customer_id)).one()
    remaining = int(session.exec(select(func.coalesce(func.sum(PointsMovement.remaining), 0))
                                 .where(PointsMovement.customer_id == customer_id)).one())
    excess = remaining - max(balance, 0)
    if excess > 0:
        members_points.consume_lots(session, customer_id, excess)
        session.flush()


# ---------------------------------------------------------------- the interface for pricing and orders


def _member(session: Session, customer_id: int) -> Member:
    member = session.get(Member, customer_id)
    if member is None:
        raise NotFound(f"Customer #{customer_id} is not a member. Register them with 'shoptui member add'.")
    if member.merged_into is not None:
        raise NotFound(f"Member #{customer_id} was merged into member #{member.merged_into}; use that one.")
    return member


def member_benefits(*, session: Session, customer_id: int | None) -> MemberBenefits | None:
    """What the customer gets as a member at checkout; None when they are not a member."""
    if customer_id is None:
        return None
    member = session.get(Member, customer_id)
    if member is None or member.merged_into is not None:
        return None
    tier = session.get(MemberTier, member.tier_code)
    cfg = member_settings(session)
    return MemberBenefits(
        member_id=member.customer_id, tier_code=member.tier_code, tier_name=tier.name if tier else member.tier_code,
        discount_bp=tier.discount_bp if tier else 0,
        points_multiplier_bp=tier.points_multiplier_bp if tier else 10_000,
        free_shipping_over_minor=tier.free_shipping_over_minor if tier else None,
        points_balance=member.points_balance,
        points_value_minor=members_points.value_of(cfg, max(member.points_balance, 0)),
        credit_balance_minor=member.credit_balance_minor, email_consent=member.email_consent,
        sms_consent=member.sms_consent,
    )


def points_value_minor(*, session: Session, points: int) -> int:
    """What ``points`` are worth as a cash deduction at checkout, in minor units."""
    return members_points.points_value_minor(session=session, points=points)


def max_redeemable_points(*, session: Session, customer_id: int, payable_minor: int) -> int:
    """The most points usable on an order of ``payable_minor``: the share cap and the balance."""
    return members_points.max_redeemable(session, customer_id, payable_minor)


def redeem_points(*, session: Session, actor: Actor, customer_id: int, points: int, ref_kind: str, ref_id: str,
                  payable_minor: int | None = None) -> PointsResult:
    """Use points as a cash deduction; atomic, never more than held (nor than the share cap when given)."""
    _member(session, customer_id)
    return members_points.redeem(session=session, actor=actor, customer_id=customer_id, points=points,
                                 ref_kind=ref_kind, ref_id=str(ref_id), payable_minor=payable_minor)


def earn_for_order(*, session: Session, actor: Actor, order_id: int) -> PointsResult | None:
    """Points for a paid order (once); None when the customer is not a member."""
    return members_points.earn_for_order(session=session, actor=actor, order_id=order_id)


def points_of_order(*, session: Session, number: str) -> tuple[int, int] | None:
    """``(points earned, balance after the sale)`` of a member's order (its receipt); None: not a member's order."""
    return members_points.points_of_order(session=session, number=number)


def reverse_for_refund(*, session: Session, actor: Actor, order_id: int, refunded_minor: int) -> PointsResult | None:
    """Take back points in proportion to ``refunded_minor`` of goods refunded (one refund step)."""
    return members_points.reverse_for_refund(session=session, actor=actor, order_id=order_id,
                                             refunded_minor=refunded_minor)


def store_credit_pay(*, session: Session, actor: Actor, customer_id: int, amount_minor: int, order_number: str
                     ) -> CreditResult:
    """Pay part of an order from the member's store credit (Conflict when it holds too little)."""
    _member(session, customer_id)
    return members_credit.pay(session=session, actor=actor, customer_id=customer_id, amount_minor=amount_minor,
                              order_number=order_number)


def credit_change(*, session: Session, actor: Actor, ref: str | int, amount_minor: int, reason: str,
                  adjust: bool = False, reference: str = "") -> CreditResult:
    """A counter top-up (more than zero) or, with ``adjust``, a correction up or down with a reason."""
    member = find_member_row(session, ref)
    if adjust:
        return members_credit.adjust(session=session, actor=actor, customer_id=member.customer_id,
                                     amount_minor=amount_minor, reason=reason)
    return members_credit.top_up(session=session, actor=actor, customer_id=member.customer_id,
                                 amount_minor=amount_minor, reason=reason, reference=reference)


def adjust_points(*, session: Session, actor: Actor, ref: str | int, points: int, reason: str) -> PointsResult:
    """A manual points change with a reason."""
    member = find_member_row(session, ref)
    return members_points.adjust(session=session, actor=actor, customer_id=member.customer_id, points=points,
                                 reason=reason)


def redeem_gift(*, session: Session, actor: Actor, ref: str | int, code: str, quantity: int = 1) -> GiftRedemptionRead:
    """A gift from the points catalogue for a member's points."""
    member = find_member_row(session, ref)
    return members_points.redeem_gift(session=session, actor=actor, customer_id=member.customer_id, code=code,
                                      quantity=quantity)


def recalc_tiers(*, session: Session, actor: Actor) -> RecalcResult:
    """Recalculate every member's tier (cron-safe)."""
    return members_tiers.recalculate(session=session, actor=actor)


def expire_points(*, session: Session, actor: Actor) -> tuple[int, int]:
    """Book every expired points lot; returns (members, points)."""
    return members_points.expire_due(session=session, actor=actor)


# ---------------------------------------------------------------- the order hook


def _enrol_for_credit(session: Session, actor: Actor, order: Order) -> int:
    """The member holding the order's store credit; a customer who is no member yet becomes one."""
    if order.customer_id is None:
        raise InvalidInput(f"Order {order.number} has no customer, so nothing can go to or come from store credit; "
                           "use another payment method.")
    member = session.get(Member, order.customer_id)
    if member is not None and member.merged_into is not None:
        return member.merged_into
    if member is None:
        add_member(session=session, actor=actor, data=MemberCreate(customer=str(order.customer_id), source="credit"))
    return order.customer_id


def on_order_event(*, session: Session, actor: Actor, order: Order, kind: str, data: dict[str, Any]) -> None:
    """Called by the orders service for every timeline event of an order (same transaction).

    - ``paid`` by store credit: the member's store credit pays it (Conflict when too little);
    - ``status`` to paid: points earned; to cancelled: redeemed points given back; tier recalculated;
    - ``refunded``: store-credit refunds paid into the ledger, earned points taken back in
      proportion to the goods refunded, redeemed points given back in the same proportion, tier
      recalculated.
    """
    if kind == "paid" and data.get("method") == "store_credit":
        customer_id = order.customer_id
        if customer_id is None or session.get(Member, customer_id) is None:
            raise InvalidInput(f"Order {order.number} is not a member's, and only members hold store credit; "
                               "use another payment method.")
        member = session.get(Member, customer_id)
        assert member is not None  # found just above
        target = member.merged_into or customer_id
        members_credit.pay(session=session, actor=actor, customer_id=target,
                           amount_minor=int(data.get("amount_minor") or 0), order_number=order.number)
        return
    if order.customer_id is None:
        return
    if kind == "refunded":
        methods = data.get("methods") or {}
        credit = int(methods.get("store_credit", 0))
        if credit > 0:
            members_credit.refund(session=session, actor=actor, customer_id=_enrol_for_credit(session, actor, order),
                                  amount_minor=credit, order_number=order.number)
        if session.get(Member, order.customer_id) is None:
            return
        session.flush()
        goods = int(data.get("amount_minor") or 0) - int(data.get("shipping_minor") or 0)
        if goods > 0:
            members_points.reverse_for_refund(session=session, actor=actor, order_id=order.id or 0,
                                              refunded_minor=goods)
        members_tiers.recalculate(session=session, actor=actor, customer_id=order.customer_id,
                                  reason=f"refund on {order.number}")
        return
    if kind != "status" or session.get(Member, order.customer_id) is None:
        return
    session.flush()
    if order.status == "cancelled":
        members_points.restore_for_cancel(session=session, actor=actor, order_id=order.id or 0)
        members_tiers.recalculate(session=session, actor=actor, customer_id=order.customer_id,
                                  reason=f"order {order.number} cancelled")
    elif order.payment_status == "paid":
        members_points.earn_for_order(session=session, actor=actor, order_id=order.id or 0)  # once per order
        members_tiers.recalculate(session=session, actor=actor, customer_id=order.customer_id,
                                  reason=f"order {order.number} paid")


# ---------------------------------------------------------------- dashboard and checks


def check_points_ledger(*, session: Session) -> list[str]:
    """Member points balances equal their ledgers, and the open lots hold exactly the balance."""
    sums = (select(col(PointsMovement.customer_id).label("cid"), func.sum(PointsMovement.points).label("points"),
                   func.sum(PointsMovement.remaining).label("remaining"))
            .group_by(col(PointsMovement.customer_id)).subquery())
    rows = session.execute(
        select(col(Member.customer_id), col(Member.points_balance), sums.c.points, sums.c.remaining)
        .join(sums, sums.c.cid == col(Member.customer_id), isouter=True)
        .where(or_(col(Member.points_balance) != func.coalesce(sums.c.points, 0),
                   func.coalesce(sums.c.remaining, 0) != case((col(Member.points_balance) > 0, col(Member.points_balance)),
                                                              else_=0)))
        .limit(1000)).all()
    problems = []
    for customer_id, balance, total, remaining in rows:
        if balance != (total or 0):
            problems.append(f"member #{customer_id}: points balance {balance} but the ledger sums to {total or 0}")
        else:
            problems.append(f"member #{customer_id}: open points lots hold {remaining or 0} but the balance is {balance}")
    return problems


def check_credit_ledger(*, session: Session) -> list[str]:
    """Member store-credit balances equal their ledgers."""
    sums = (select(col(CreditMovement.customer_id).label("cid"), func.sum(CreditMovement.amount_minor).label("amount"))
            .group_by(col(CreditMovement.customer_id)).subquery())
    rows = tuples(session.execute(
        select(Member.customer_id, Member.credit_balance_minor, sums.c.amount)
        .join(sums, sums.c.cid == Member.customer_id, isouter=True)
        .where(Member.credit_balance_minor != func.coalesce(sums.c.amount, 0)).limit(1000))).all()
    currency = shop.currency(session=session)
    return [f"member #{cid}: store credit {currency.format(balance)} but the ledger sums to "
            f"{currency.format(total or 0)}" for cid, balance, total in rows]


def check_member_contacts(*, session: Session) -> list[str]:
    """No phone or email belongs to two members."""
    problems = []
    for field in (Customer.phone, Customer.email):
        rows = session.execute(
            select(field, func.count()).join(Member, and_(col(Member.customer_id) == col(Customer.id),
                                                          col(Member.merged_into).is_(None)))
            .where(col(field).is_not(None)).group_by(field).having(func.count() > 1).limit(100)).all()
        problems += [f"{value} belongs to {count} members" for value, count in rows]
    return problems


_HELD = ("SELECT kind, value, customer_id, count(*) AS refs FROM ("
         " SELECT 'phone' AS kind, phone AS value, id AS customer_id FROM customer WHERE phone IS NOT NULL"
         " UNION ALL SELECT 'email', email, id FROM customer WHERE email IS NOT NULL"
         " UNION ALL SELECT kind, value, customer_id FROM customer_contact) held GROUP BY kind, value, customer_id")
_SHARED = text(f"SELECT kind, value, count(*) FROM ({_HELD}) h GROUP BY kind, value HAVING count(*) > 1 "
               "ORDER BY kind, value LIMIT 100")
_UNCLAIMED = text(f"SELECT kind, value, customer_id, refs FROM ({_HELD}) h "
                  "EXCEPT SELECT kind, value, customer_id, refs FROM contact_claim ORDER BY 1, 2 LIMIT 100")
_STALE = text(f"SELECT kind, value, customer_id, refs FROM contact_claim "
              f"EXCEPT SELECT kind, value, customer_id, refs FROM ({_HELD}) h ORDER BY 1, 2 LIMIT 100")


def check_contact_claims(*, session: Session) -> list[str]:
    """Each phone and email is claimed by the one customer holding it (row or further contact), as often as
    it holds it: the claims the store's triggers keep equal a recount from the customers and their contacts."""
    shared = session.execute(_SHARED).all()
    problems = [f"the {kind} {value} is held by {count} customers" for kind, value, count in shared]
    twice = {(kind, value) for kind, value, _ in shared}
    problems += [f"the {kind} {value} of customer #{cid} is not claimed as held ({refs}x)"
                 for kind, value, cid, refs in session.execute(_UNCLAIMED) if (kind, value) not in twice]
    problems += [f"the {kind} {value} is claimed for customer #{cid} ({refs}x), which does not hold it so"
                 for kind, value, cid, refs in session.execute(_STALE) if (kind, value) not in twice]
    return problems[:100]
