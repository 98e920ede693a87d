"""What the pricing needs from the store, loaded once per call: lines, member terms, promotions, coupons.

``price`` is the store-reading entry of the offers engine: this module reads (a handful of indexed
queries, plain columns rather than ORM rows) and the pure functions in ``services.pricing.engine``
decide. It reads the members' tables (tier terms, points balance) but calls no members service, so
members, marketing and orders may all use pricing without a circle.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, cast, func, or_, select
from sqlmodel import Session, col

from shoptui import clock
from shoptui.errors import InvalidInput, NotFound
from shoptui.models._types import UTCDateTime
from shoptui.models.catalog import Category, Product, Variant
from shoptui.models.customers import Customer
from shoptui.models.marketing import Coupon, CouponCode, CouponRedemption, Promotion, PromotionUse
from shoptui.services import shop
from shoptui.services.pricing import engine as pricing
from shoptui.services.pricing import points as points_rule
from shoptui.store import stamps
from shoptui.store.rows import tuples
from shoptui.wording import plural

MAX_POINTS = 10**12


# statements built once per process (hot path: every priced cart); values are bound per call
_TERMS: Any = None
_LINES: dict[str, Any] = {}
_STATEMENTS: dict[str, Any] = {}


def customer_terms(session: Session, customer_id: int | None) -> tuple[bool, pricing.MemberTerms | None]:
    """(new customer?, tier terms) in one query: what pricing needs to know about the customer.

    Reads the members' tables directly (the same columns ``members.member_benefits`` reads) because
    it runs on every priced cart; NotFound for an unknown customer.
    """
    if customer_id is None:
        return False, None
    from shoptui.models.members import Member, MemberTier

    global _TERMS
    if _TERMS is None:
        _TERMS = (select(col(Customer.order_count), col(Member.tier_code), col(Member.points_balance), col(MemberTier.discount_bp),
                         col(MemberTier.free_shipping_over_minor), col(MemberTier.points_multiplier_bp), col(Member.merged_into),
                         col(MemberTier.name))
                  .select_from(Customer)
                  .outerjoin(Member, col(Member.customer_id) == col(Customer.id))
                  .outerjoin(MemberTier, col(MemberTier.code) == col(Member.tier_code))
                  .where(col(Customer.id) == bindparam("customer_id")))
    row = session.connection().execute(_TERMS, {"customer_id": customer_id}).first()
    if row is None:
        raise NotFound(f"There is no customer #{customer_id}.")
    new = row[0] == 0
    if row[1] is None or row[6] is not None:
        return new, None
    return new, pricing.MemberTerms(customer_id=customer_id, tier=row[1], points_balance=row[2],
                                    discount_bp=row[3] or 0, free_shipping_over_minor=row[4],
                                    points_multiplier_bp=row[5] if row[5] is not None else 10_000,
                                    tier_name=row[7] or row[1])


# ---------------------------------------------------------------- lines


def offer_lines(session: Session, items: Iterable[pricing.CartItem]) -> tuple[pricing.OfferLine, ...]:
    """The cart's items with product, category path, title and price, in one query."""
    items = list(items)
    if not items:
        raise InvalidInput("The cart is empty; add at least one item.")
    codes = {i.sku.strip() for i in items if i.variant_id is None and i.sku and i.sku.strip()}
    ids = {i.variant_id for i in items if i.variant_id is not None}
    by_code: dict[str, tuple[Any, ...]] = {}
    by_id: dict[int, tuple[Any, ...]] = {}
    if not _LINES:
        query = (select(col(Variant.id), col(Variant.sku), col(Variant.barcode), col(Variant.price_minor), col(Product.id), col(Product.title),
                        col(Category.path), col(Variant.option1), col(Variant.option2), col(Variant.option3))
                 .join(Product, col(Product.id) == col(Variant.product_id))
                 .outerjoin(Category, col(Category.id) == col(Product.category_id)))
        _LINES["ids"] = query.where(col(Variant.id).in_(bindparam("ids", expanding=True)))
        _LINES["codes"] = query.where(col(Variant.sku).in_(bindparam("codes", expanding=True)))
        _LINES["both"] = query.where(or_(col(Variant.id).in_(bindparam("ids", expanding=True)),
                                         col(Variant.sku).in_(bindparam("codes", expanding=True))))
        _LINES["barcodes"] = query.where(col(Variant.barcode).in_(bindparam("codes", expanding=True)))
    steps: list[tuple[Any, dict[str, Any]]] = []
    if ids and codes:
        steps.append((_LINES["both"], {"ids": sorted(ids), "codes": sorted(codes)}))
    elif ids:
        steps.append((_LINES["ids"], {"ids": sorted(ids)}))
    elif codes:
        steps.append((_LINES["codes"], {"codes": sorted(codes)}))
    steps.append((None, {}))
    for statement, params in steps:
        if statement is None:  # codes that are no SKU may be barcodes (one more query, only then)
            rest = sorted(c for c in codes if c not in by_code)
            if not rest:
                break
            statement, params = _LINES["barcodes"], {"codes": rest}
        for found in session.connection().execute(statement, params):
            by_id[found[0]] = tuple(found)
            by_code[found[1]] = tuple(found)
            if found[2]:
                by_code.setdefault(found[2], tuple(found))
    out = []
    make_line = pricing.make_offer_line  # fields in order: key, quantity, unit price, line discount, variant, product,
    # category path, title, gift of
    for item in items:
        if isinstance(item.quantity, bool) or not isinstance(item.quantity, int) or item.quantity <= 0:
            raise InvalidInput(f"The quantity of {item.sku or item.variant_id} must be a whole number above zero.")
        row = by_id.get(item.variant_id) if item.variant_id is not None else by_code.get((item.sku or "").strip())
        if row is None:
            what = f"variant id {item.variant_id}" if item.variant_id is not None else repr(item.sku)
            raise NotFound(f"There is no SKU or barcode {what}. Look it up with 'shoptui product list'.")
        options = [o for o in row[7:10] if o]
        title = f"{row[5]} / {' / '.join(options)}" if options else row[5]
        unit = row[3] if item.unit_price_minor is None else item.unit_price_minor
        if unit < 0 or item.line_discount_minor < 0 or item.line_discount_minor > unit * item.quantity:
            raise InvalidInput(f"The price or discount of {row[1]} is out of range.")
        out.append(make_line(row[1], item.quantity, unit, item.line_discount_minor, row[0], row[4], row[6] or "",
                             title, None))
    return tuple(out)


# ---------------------------------------------------------------- promotions


_PROMO_COLUMNS = tuple(col(c) for c in (Promotion.id, Promotion.name, Promotion.kind, Promotion.priority, Promotion.exclusive,
                  Promotion.usage_limit, Promotion.per_member_limit, Promotion.used_count, Promotion.tiers,
                  Promotion.new_customers, Promotion.channels, Promotion.scope_kind, Promotion.scope_ids,
                  Promotion.steps, Promotion.every_minor, Promotion.every_off_minor, Promotion.cap_minor,
                  Promotion.percent_bp, Promotion.amount_minor, Promotion.min_spend_minor, Promotion.buy_qty,
                  Promotion.get_qty, Promotion.get_percent_bp, Promotion.gift_variant_id, Promotion.gift_qty))


def category_paths(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Category id -> path, in one query."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    statement = _STATEMENTS.get("paths")
    if statement is None:
        statement = _STATEMENTS["paths"] = select(col(Category.id), col(Category.path)).where(
            col(Category.id).in_(bindparam("ids", expanding=True)))
    return dict(session.connection().execute(statement, {"ids": wanted}).all())


def make_scope(kind: str, ids: list[int] | None, paths: dict[int, str]) -> pricing.Scope:
    """A pricing scope from a stored scope (category ids become subtree paths)."""
    ids = list(ids or [])
    if kind == "products":
        return pricing.Scope("products", product_ids=frozenset(ids))
    if kind == "categories":
        return pricing.Scope("categories", category_paths=tuple(paths[i] for i in ids if i in paths))
    return pricing.Scope()


# (store url, promotion id) -> (updated_at as text, the row's columns, its rule): a promotion's terms
# change only with updated_at (every service that edits one sets it), so the running set is read
# with three narrow columns and only new or changed promotions are read whole and parsed again.
# What can change without it (category paths, a gift's stock, usage counts) is read on every call.
_ROWS: dict[tuple[str, int], tuple[str, tuple[Any, ...], pricing.PromotionRule]] = {}
_ROWS_LIMIT = 20_000
# (rule, its category paths, its gift's stock) -> the rule with them filled in
_DYNAMIC: dict[tuple[Any, ...], tuple[pricing.PromotionRule, pricing.PromotionRule]] = {}


def _rule(r: tuple[Any, ...]) -> pricing.PromotionRule:
    return pricing.PromotionRule(
        id=r[0], name=r[1], kind=r[2], priority=r[3], exclusive=r[4], scope=make_scope(r[11], r[12], {}),
        steps=tuple((int(a), int(b)) for a, b in (r[13] or [])), every_minor=r[14], every_off_minor=r[15],
        cap_minor=r[16], percent_bp=r[17], amount_minor=r[18], min_spend_minor=r[19], buy_qty=r[20] or 0,
        get_qty=r[21] or 0, get_percent_bp=10_000 if r[22] is None else r[22])


# The running set is cached per store behind a stamp: ``pricing_stamp`` (a row of ``store_setting``,
# not a setting anyone edits) gets a fresh value in the same transaction as every promotion or coupon
# change (the store does it: ``shoptui.store.stamps``), and pricing reads it in the query that reads its settings. While the stamp
# is the one loaded, the active promotions (with their windows) come from memory; only what changes
# without an edit is read again: usage counts of limited promotions here, per-member uses, category
# paths and gifts' stock in ``_finish_rules``.
STAMP_KEY = stamps.STAMP_KEY


@dataclass
class _ActiveSet:
    """The active promotions of one store as of one stamp, and the running subset for a time span."""

    stamp: Any
    loaded_at: datetime  # promotions that had ended by then were left out: valid for ``at >= loaded_at``
    # (starts_at, ends_at, row, used count when loaded, rule), ordered by id
    active: list[tuple[datetime, datetime | None, tuple[Any, ...], int, pricing.PromotionRule]]
    span: tuple[datetime, datetime | None] | None = None  # [from, until) in which ``running`` holds
    running: _RunningList | None = None
    limited: list[int] | None = None  # ids of running promotions with a usage limit


_ACTIVE: dict[str, _ActiveSet] = {}


class _RunningList(list[tuple[tuple[Any, ...], int, pricing.PromotionRule]]):
    """The running promotions as ``_running`` gives them, with what ``_finish_rules`` remembers about them.

    ``memo`` lives as long as this running set (a new stamp or time span starts a new one): who may
    have which promotions, and the rules with their category paths and gifts filled in, by what they
    depend on (so a change of usage counts, paths or stock is a new key, never a stale answer).
    """

    memo: dict[Any, Any]
    per_member: bool  # any promotion limited per member
    limited: bool  # any promotion with a total usage limit


def _running_list(items: list[tuple[tuple[Any, ...], int, pricing.PromotionRule]], memo: dict[Any, Any] | None = None) -> _RunningList:
    found = _RunningList(items)
    found.memo = {} if memo is None else memo
    found.per_member = any(row[6] is not None for row, _, _ in items)
    found.limited = any(row[5] is not None for row, _, _ in items)
    return found


def _load_active(session: Session, store: str, stamp: Any, at: datetime) -> _ActiveSet:
    statement = _STATEMENTS.get("active")
    if statement is None:
        moment = bindparam("at", type_=UTCDateTime())
        statement = _STATEMENTS["active"] = (
            select(col(Promotion.id), cast(col(Promotion.updated_at), String), col(Promotion.used_count), col(Promotion.starts_at),
                   col(Promotion.ends_at))
            .where(col(Promotion.status) == "active", or_(col(Promotion.ends_at).is_(None), col(Promotion.ends_at) > moment))
            .order_by(col(Promotion.id)))
    rows = tuples(session.connection().execute(statement, {"at": at})).all()
    whole = isinstance(stamp, str) and stamp.startswith(stamps.RELOAD_MARK)  # changed without updated_at
    stale = [pid for pid, updated, *_ in rows if whole or _ROWS.get((store, pid), ("",))[0] != updated]
    if stale:
        if len(_ROWS) > _ROWS_LIMIT:
            _ROWS.clear()
        for start in range(0, len(stale), 900):
            for row in tuples(session.connection().execute(select(cast(col(Promotion.updated_at), String), *_PROMO_COLUMNS)
                                                    .where(col(Promotion.id).in_(stale[start:start + 900])))):
                columns = tuple(row[1:])
                _ROWS[(store, row[1])] = (row[0], columns, _rule(columns))
    active = []
    for pid, _, used, starts, ends in rows:
        _, row, rule = _ROWS[(store, pid)]
        active.append((starts, ends, row, used, rule))
    found = _ActiveSet(stamp=stamp, loaded_at=at, active=active)
    if len(_ACTIVE) > 64:
        _ACTIVE.clear()
    _ACTIVE[store] = found
    return found


def _running(session: Session, at: datetime,
             stamp: Any = None) -> list[tuple[tuple[Any, ...], int, pricing.PromotionRule]]:
    """(row, used count now, parsed rule) of every promotion running at ``at``.

    ``stamp`` is the store's pricing stamp as just read (``pricing_settings``); without it, it is read here.
    """
    if stamp is None:
        stamp = _read_stamp(session) or ""
    store = str(session.get_bind().engine.url)
    found = _ACTIVE.get(store)
    if found is None or found.stamp != stamp or at < found.loaded_at:
        found = _load_active(session, store, stamp, at)
    span = found.span
    if span is None or not (span[0] <= at and (span[1] is None or at < span[1])):
        now_running: list[tuple[tuple[Any, ...], int, pricing.PromotionRule]] = []
        start, until = found.loaded_at, None
        for starts, ends, row, used, rule in found.active:
            if starts <= at and (ends is None or at < ends):
                now_running.append((row, used, rule))
                start = max(start, starts)
                until = ends if until is None or (ends is not None and ends < until) else until
            else:
                if starts > at:
                    until = starts if until is None or starts < until else until
                elif ends is not None:
                    start = max(start, ends)
        found.span, found.running = (start, until), _running_list(now_running)
        found.limited = [row[0] for row, _, _ in now_running if row[5] is not None]
    running = found.running
    assert running is not None  # set with the span just above
    if found.limited:  # usage counts move with every order: read the limited ones now
        statement = _STATEMENTS.get("used")
        if statement is None:
            statement = _STATEMENTS["used"] = select(col(Promotion.id), col(Promotion.used_count)).where(
                col(Promotion.id).in_(bindparam("ids", expanding=True)))
        used_now = dict(session.connection().execute(statement, {"ids": found.limited}).all())
        running = _running_list([(row, used_now.get(row[0], used), rule) for row, used, rule in running],
                                running.memo)
    return running


def _read_stamp(session: Session) -> Any:
    from shoptui.models.store import StoreSetting

    statement = _STATEMENTS.get("stamp")
    if statement is None:
        statement = _STATEMENTS["stamp"] = select(col(StoreSetting.value)).where(col(StoreSetting.key) == STAMP_KEY)
    return session.execute(statement).scalar()


def _eligible(running: list[tuple[tuple[Any, ...], int, pricing.PromotionRule]], *, channel: str,
              customer_id: int | None, tier: str | None, new_customer: bool,
              used_by_customer: dict[int, int]) -> list[tuple[tuple[Any, ...], pricing.PromotionRule]]:
    """The running promotions this customer may have (limits, per-member use, tiers, new customers, channel)."""
    kept = []
    for r, used, rule in running:
        if r[5] is not None and used >= r[5]:
            continue  # used up
        if r[6] is not None and (customer_id is None or used_by_customer.get(r[0], 0) >= r[6]):
            continue  # per member: a guest cannot be counted, so it is for members only
        if r[8] and (tier is None or tier not in r[8]):
            continue
        if r[9] and not new_customer:
            continue
        if r[10] and channel not in r[10]:
            continue
        kept.append((r, rule))
    return kept


def _finish_rules(session: Session, running: list[tuple[tuple[Any, ...], int, pricing.PromotionRule]], *,
                  channel: str, customer_id: int | None, tier: str | None,
                  new_customer: bool) -> list[pricing.PromotionRule]:
    """The eligible ones of ``running``, with category paths and gifts' stock filled in."""
    if not running:
        return []
    if not isinstance(running, _RunningList):
        running = _running_list(running)
    memo = running.memo
    if len(memo) > 512:
        memo.clear()
    used_by_customer: dict[int, int] = {}
    if customer_id is not None and running.per_member:
        used_by_customer = dict(session.connection().execute(
            select(col(PromotionUse.promotion_id), func.count()).where(col(PromotionUse.customer_id) == customer_id)
            .group_by(col(PromotionUse.promotion_id))).all())
    key = (channel, customer_id is None, tier, new_customer,
           tuple(sorted(used_by_customer.items())) if running.per_member else (),
           tuple(used for r, used, _ in running if r[5] is not None) if running.limited else ())
    found = memo.get(key)
    if found is None:
        kept = _eligible(running, channel=channel, customer_id=customer_id, tier=tier, new_customer=new_customer,
                         used_by_customer=used_by_customer)
        found = memo[key] = (kept, sorted({i for r, _ in kept if r[11] == "categories" for i in (r[12] or [])}),
                             sorted({r[23] for r, _ in kept if r[2] == "gift" and r[23] is not None}))
    kept, category_ids, gift_ids = found
    paths = category_paths(session, category_ids)
    gifts: dict[int, tuple[Any, ...]] = {}
    if gift_ids:
        from shoptui.models.inventory import StockLevel

        statement = _STATEMENTS.get("gifts")
        if statement is None:
            statement = _STATEMENTS["gifts"] = (
                select(col(Variant.id), col(Variant.sku), col(Product.title), col(Variant.price_minor), col(Variant.track_stock),
                       func.coalesce(func.sum(col(StockLevel.on_hand) - col(StockLevel.committed)), 0))
                .join(Product, col(Product.id) == col(Variant.product_id))
                .outerjoin(StockLevel, col(StockLevel.variant_id) == col(Variant.id))
                .where(col(Variant.id).in_(bindparam("ids", expanding=True)))
                .group_by(col(Variant.id), col(Product.title)))
        for row in session.connection().execute(statement, {"ids": gift_ids}):
            gifts[row[0]] = (row[1], row[2], row[3], int(row[5]) if row[4] else 10**9)
    filled_key = ("filled", key, tuple(paths.items()), tuple(gifts.items()))
    rules = memo.get(filled_key)
    if rules is None:
        rules = memo[filled_key] = _filled(kept, paths, gifts)
    return rules


def _filled(kept: list[tuple[tuple[Any, ...], pricing.PromotionRule]], paths: dict[int, str],
            gifts: dict[int, tuple[Any, ...]]) -> list[pricing.PromotionRule]:
    """The kept rules with their category paths and gifts (a gift out of the catalogue drops its promotion)."""
    rules = []
    for r, rule in kept:
        if r[11] != "categories" and r[2] != "gift":
            rules.append(rule)
            continue
        info = gifts.get(r[23]) if r[2] == "gift" else None
        if r[2] == "gift" and info is None:
            continue
        key = (id(rule), tuple(paths.get(i, "") for i in (r[12] or [])) if r[11] == "categories" else (), info)
        cached = _DYNAMIC.get(key)
        found = cached[1] if cached is not None and cached[0] is rule else None
        if found is None:
            if len(_DYNAMIC) > _ROWS_LIMIT:
                _DYNAMIC.clear()
            found = rule
            if r[11] == "categories":
                found = replace(found, scope=make_scope(r[11], r[12], paths))
            if info is not None:
                found = replace(found, gift=pricing.GiftItem(variant_id=r[23], sku=info[0], title=info[1],
                                                             unit_price_minor=info[2], quantity=r[24],
                                                             available=info[3]))
            _DYNAMIC[key] = (rule, found)
        rules.append(found)
    return rules


# ---------------------------------------------------------------- coupons


def normalise_code(raw: str) -> str:
    """A code as typed (any case, full-width, spaces or dashes) -> the stored form."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", raw or "").upper() if ch.isalnum())


@dataclass(frozen=True)
class _CodeRow:
    id: int
    expires_at: datetime | None
    customer_id: int | None
    max_uses: int | None
    used_count: int


@dataclass(frozen=True)
class _CouponRow:
    id: int
    name: str
    kind: str
    status: str
    valid_from: datetime | None
    valid_until: datetime | None
    total_limit: int | None
    used_count: int
    per_member_limit: int | None
    amount_minor: int | None
    percent_bp: int | None
    cap_minor: int | None
    min_spend_minor: int
    scope_kind: str
    scope_ids: list[int] | None
    combinable: bool


def coupon_rule(session: Session, raw_code: str, *, customer_id: int | None, at: datetime,
                digits: int = 2) -> pricing.CouponRule:
    """A code that may be used now by this customer, or the reason it may not (NotFound, InvalidInput)."""
    code = normalise_code(raw_code)
    if not code:
        raise InvalidInput("Give a coupon code.")
    statement = _STATEMENTS.get("coupon")
    if statement is None:
        # plain columns, not ORM rows: read on every priced cart with a code
        statement = _STATEMENTS["coupon"] = (
            select(col(CouponCode.id), col(CouponCode.expires_at), col(CouponCode.customer_id), col(CouponCode.max_uses),
                   col(CouponCode.used_count), col(Coupon.id), col(Coupon.name), col(Coupon.kind), col(Coupon.status), col(Coupon.valid_from),
                   col(Coupon.valid_until), col(Coupon.total_limit), col(Coupon.used_count), col(Coupon.per_member_limit),
                   col(Coupon.amount_minor), col(Coupon.percent_bp), col(Coupon.cap_minor), col(Coupon.min_spend_minor),
                   col(Coupon.scope_kind), col(Coupon.scope_ids), col(Coupon.combinable))
            .join(Coupon, col(Coupon.id) == col(CouponCode.coupon_id))
            .where(col(CouponCode.code) == bindparam("code")))
    _flush_pending(session)
    row = session.connection().execute(statement, {"code": code}).first()
    if row is None:
        raise NotFound(f"There is no coupon code {raw_code.strip()!r}. Check the spelling (codes have no 0, O, 1, I "
                       "or L).")
    code_row = _CodeRow(*row[:5])
    coupon = _CouponRow(*row[5:])
    if coupon.status != "active":
        raise InvalidInput(f"The coupon {code} ({coupon.name}) is {coupon.status} and cannot be used.")
    if coupon.valid_from is not None and at < coupon.valid_from:
        from shoptui import wording

        tz = shop.timezone(session=session)
        raise InvalidInput(f"The coupon {code} is valid from {wording.when(coupon.valid_from, tz)}, not yet.")
    expires = code_row.expires_at or coupon.valid_until
    if expires is not None and at >= expires:
        from shoptui import wording

        tz = shop.timezone(session=session)
        raise InvalidInput(f"The coupon {code} has expired; it was valid until {wording.until(expires, tz)}.")
    if code_row.customer_id is not None and code_row.customer_id != customer_id:
        raise InvalidInput(f"The coupon {code} was issued to another customer; attach that customer to use it.")
    if code_row.max_uses is not None and code_row.used_count >= code_row.max_uses:
        raise InvalidInput(f"The coupon {code} has already been used.")
    if coupon.total_limit is not None and coupon.used_count >= coupon.total_limit:
        raise InvalidInput(f"The coupon {coupon.name} has reached its limit of {plural(coupon.total_limit, 'use')}.")
    if coupon.per_member_limit is not None:
        if customer_id is None:
            raise InvalidInput(f"The coupon {code} is limited per member; attach the customer to use it.")
        statement = _STATEMENTS.get("coupon_uses")
        if statement is None:
            statement = _STATEMENTS["coupon_uses"] = select(func.count()).select_from(CouponRedemption).where(
                col(CouponRedemption.coupon_id) == bindparam("coupon_id"),
                col(CouponRedemption.customer_id) == bindparam("customer_id"))
        used: int = session.execute(statement, {"coupon_id": coupon.id, "customer_id": customer_id}).scalar_one()
        if used >= coupon.per_member_limit:
            raise InvalidInput(f"This customer has used the coupon {coupon.name} {plural(used, 'time')} already, its limit "
                               "per member.")
    paths = category_paths(session, coupon.scope_ids or []) if coupon.scope_kind == "categories" else {}
    return pricing.CouponRule(
        coupon_id=coupon.id or 0, code_id=code_row.id or 0, code=code, name=coupon.name, kind=coupon.kind,
        amount_minor=coupon.amount_minor, percent_bp=coupon.percent_bp, cap_minor=coupon.cap_minor,
        min_spend_minor=coupon.min_spend_minor, scope=make_scope(coupon.scope_kind, coupon.scope_ids, paths),
        combinable=coupon.combinable)


# ---------------------------------------------------------------- the whole price


@dataclass(frozen=True)
class OfferContext:
    """What applies to one customer's cart, loaded once: promotions, tier terms, valid coupons, points terms.

    ``price_with`` prices any lines with it without touching the store, so a basket re-priced on
    every change reads the store only when the customer, the codes or the items' facts change.
    ``guest_promotions`` are the promotions a guest would get (for taking the customer off again).
    """

    at: datetime
    channel: str
    customer_id: int | None
    member: pricing.MemberTerms | None
    promotions: tuple[pricing.PromotionRule, ...]
    guest_promotions: tuple[pricing.PromotionRule, ...]
    coupons: tuple[pricing.CouponRule, ...]
    digits: int
    tax_rate_bp: int
    points_value_per_100: int  # members settings: what 100 points are worth, in minor units
    points_max_share_bp: int  # members settings: the most of an order points may pay

    def as_guest(self) -> OfferContext:
        """The same context for a guest: no member, no tier or member-only promotions, no points."""
        return replace(self, customer_id=None, member=None, promotions=self.guest_promotions)


_SETTING_KEYS = ("currency_digits", "tax_rate_bp", "member_points_value_per_100", "member_points_max_share_bp")
_SETTING_DEFAULTS: dict[str, Any] = {}


def _flush_pending(session: Session) -> None:
    """Flush what the session holds unwritten, as ``session.execute`` would, before reading on the connection."""
    if session.autoflush and (session.new or session.deleted or session.dirty):
        session.flush()


def pricing_settings(session: Session) -> dict[str, Any]:
    """The settings pricing reads (stored value, else the default), as ``settings.get_all`` gives them."""
    statement = _STATEMENTS.get("settings")
    if statement is None:
        from shoptui.models.store import StoreSetting

        statement = _STATEMENTS["settings"] = select(col(StoreSetting.key), col(StoreSetting.value)).where(
            col(StoreSetting.key).in_((*_SETTING_KEYS, STAMP_KEY)))
    _flush_pending(session)  # then straight on the connection (the ORM layer costs more than the query)
    stored = dict(session.connection().execute(statement).all())
    if len(stored) < len(_SETTING_KEYS) and not _SETTING_DEFAULTS:
        known = shop.definitions()
        _SETTING_DEFAULTS.update({key: known[key].default for key in _SETTING_KEYS if key in known})
    values = {key: stored[key] if key in stored else _SETTING_DEFAULTS[key] for key in _SETTING_KEYS
              if key in stored or key in _SETTING_DEFAULTS}
    values[STAMP_KEY] = stored.get(STAMP_KEY)
    return values


def load_offers(session: Session, *, customer_id: int | None, coupon_codes: list[str] | tuple[str, ...] = (),
                channel: str = "counter", at: datetime | None = None) -> OfferContext:
    """Read what applies (a handful of indexed queries). NotFound/InvalidInput for a bad code or customer."""
    at = clock.now() if at is None else clock.ensure_utc(at)
    values = pricing_settings(session)
    digits = int(values["currency_digits"])
    new_customer, member = customer_terms(session, customer_id)
    running = _running(session, at, values[STAMP_KEY] or "")
    rules = _finish_rules(session, running, channel=channel, customer_id=customer_id,
                          tier=member.tier if member else None, new_customer=new_customer)
    guest = rules
    if customer_id is not None and running:
        memo = running.memo if isinstance(running, _RunningList) else {}
        key = ("guest", channel, id(rules))
        found = memo.get(key)
        if found is None or found[0] is not rules:
            ids = {r[0] for r, _ in _eligible(running, channel=channel, customer_id=None, tier=None,
                                              new_customer=False, used_by_customer={})}
            found = memo[key] = (rules, [rule for rule in rules if rule.id in ids])
        guest = found[1]
    coupons = tuple(coupon_rule(session, code, customer_id=customer_id, at=at, digits=digits)
                    for code in coupon_codes if code and code.strip())
    return OfferContext(at=at, channel=channel, customer_id=customer_id, member=member, promotions=tuple(rules),
                        guest_promotions=tuple(guest), coupons=coupons, digits=digits,
                        tax_rate_bp=int(values.get("tax_rate_bp", 0) or 0),
                        points_value_per_100=int(values.get("member_points_value_per_100", 0) or 0),
                        points_max_share_bp=int(values.get("member_points_max_share_bp", 0) or 0))


def offer_points_worth(context: OfferContext, points: int) -> int:
    """What ``points`` are worth at checkout (``pricing.points``: the rule members use too)."""
    return points_rule.points_worth(points, context.points_value_per_100)


def points_allowed(context: OfferContext, payable_minor: int) -> int:
    """The most points the member may use on ``payable_minor``: the share cap and the balance (``pricing.points``)."""
    if context.member is None:
        return 0
    return points_rule.max_redeemable(balance=context.member.points_balance, payable_minor=payable_minor,
                                      value_per_100=context.points_value_per_100,
                                      max_share_bp=context.points_max_share_bp)


def payable_after_offers(offers: pricing.OfferResult) -> int:
    """What the goods still cost after promotions, the tier discount and coupons (points come off this)."""
    return sum(offers.run.current[i] for i, line in enumerate(offers.lines[:len(offers.run.current)])
               if line.gift_of is None)


def price_with(context: OfferContext, lines: tuple[pricing.OfferLine, ...], *, points_to_use: int = 0,
               shipping_minor: int = 0) -> pricing.PricedCart:
    """Price lines with a loaded context. Pure: InvalidInput for a coupon that does not fit or too many points."""
    _check_points(points_to_use)
    offers = pricing.apply_offers(lines, promotions=list(context.promotions), member=context.member,
                                  coupons=list(context.coupons), digits=context.digits)
    value = 0
    if points_to_use:
        member = context.member
        if context.customer_id is None or member is None:
            raise InvalidInput("Points can only be used by a member; attach the member first.")
        if points_to_use > member.points_balance:
            raise InvalidInput(f"The member holds {member.points_balance} points, so {points_to_use} cannot be used.")
        allowed = points_allowed(context, payable_after_offers(offers))
        if points_to_use > allowed:
            raise InvalidInput(f"At most {allowed} points can be used on this order, not {points_to_use}.")
        value = offer_points_worth(context, points_to_use)
    return pricing.finish(offers, shipping_minor=shipping_minor, tax_rate_bp=context.tax_rate_bp,
                          points=points_to_use, points_value_minor=value, digits=context.digits)


def _check_points(points_to_use: int) -> None:
    if isinstance(points_to_use, bool) or not isinstance(points_to_use, int) or points_to_use < 0:
        raise InvalidInput(f"The points to use must be a whole number of 0 or more, not {points_to_use!r}.")
    if points_to_use > MAX_POINTS:
        raise InvalidInput(f"{points_to_use} points is more than anyone holds.")


def price(*, session: Session, cart: pricing.Cart, customer_id: int | None = None,
          coupon_codes: list[str] | tuple[str, ...] = (), points_to_use: int = 0, channel: str = "counter",
          at: datetime | None = None, lines: tuple[pricing.OfferLine, ...] | None = None) -> pricing.PricedCart:
    """Price a cart for a customer: promotions, tier discount, coupons, points, shipping, tax, total.

    Loads what applies and lets the pure engine decide. Reads only (nothing is redeemed: orders
    record usage in their own transaction). Raises NotFound (SKU, customer, coupon code) and
    InvalidInput (an expired coupon, one below its threshold or over its limit, more points than
    held or allowed) with a sentence to act on.
    """
    _check_points(points_to_use)
    if lines is None:
        lines = offer_lines(session, cart.items)
    context = load_offers(session, customer_id=customer_id, coupon_codes=list(coupon_codes), channel=channel, at=at)
    return price_with(context, lines, points_to_use=points_to_use, shipping_minor=cart.shipping_minor)


# ---------------------------------------------------------------- the one assembler


@dataclass(frozen=True)
class Priced:
    """A cart priced whole: its lines (with the gifts the offers add), every adjustment and every total.

    ``offers`` is the offers engine's own account (explanations, applied promotions and coupons,
    points, notices), None when the cart was priced without offers. ``offers_minor[i]`` is line i's
    share of the offers and points (``lines`` indexes), ``points_to_use`` the points asked for (lowered
    to what is allowed when not strict), ``context`` the offers that applied (a code that no longer
    fits taken off when not strict), ``notices`` what was left out and why.
    """

    lines: tuple[pricing.OfferLine, ...]
    adjustments: tuple[pricing.PriceAdjustment, ...]
    order: pricing.PricedOrder
    offers: pricing.PricedCart | None
    offers_minor: tuple[int, ...]
    gifts: tuple[pricing.OfferLine, ...]
    points_to_use: int
    context: OfferContext | None
    notices: tuple[str, ...]

    @property
    def total_minor(self) -> int:
        """What the customer pays, shipping included."""
        return self.order.total_minor


_priced = pricing.record_maker(Priced)  # fields in order: lines, adjustments, order, offers, offers_minor, gifts,
# points_to_use, context, notices


def _fit(context: OfferContext, lines: tuple[pricing.OfferLine, ...], points: int,
         notes: list[str]) -> tuple[OfferContext, int]:
    """Not strict (an item changed under a code or points): take off a code that no longer fits and lower the points
    to what is allowed, each with a notice."""
    keep = []
    for coupon in context.coupons:
        refusal = pricing.coupon_refusal(coupon, lines, context.digits)
        if refusal is None:
            keep.append(coupon)
        else:
            notes.append(f"{refusal} It was taken off.")
    if len(keep) != len(context.coupons):
        context = replace(context, coupons=tuple(keep))
    if points:
        offers = pricing.apply_offers(lines, promotions=list(context.promotions), member=context.member,
                                      coupons=list(context.coupons), digits=context.digits)
        allowed = min(points_allowed(context, payable_after_offers(offers)),
                      context.member.points_balance if context.member else 0)
        if points > allowed:
            notes.append(f"Points lowered from {points} to {allowed}: at most {allowed} can be used on this sale.")
            points = allowed
    return context, points


def assemble(context: OfferContext | None, lines: tuple[pricing.OfferLine, ...], *, tax_rate_bp: int,
             points_to_use: int = 0, shipping_minor: int = 0,
             adjustments: list[pricing.PriceAdjustment] | tuple[pricing.PriceAdjustment, ...] = (),
             strict: bool = True, new_gifts: bool = True, free_shipping: bool = True) -> Priced:
    """Price a cart whole: the offers that apply (``context``; None: none), the operator's adjustments, the totals.

    The one assembler of prices: the counter basket, order creation, an order's repricing on edit and
    the order import all call it, so the same cart costs the same everywhere. Pure (the context is
    read before). ``lines`` are the cart as it stands; a line with ``gift_of`` set is a gift given
    before (kept, no offer applies to it). The offers' adjustments (promotions, tier, coupons,
    points) come first, then ``adjustments`` (discounts, surcharges, cash rounding), and the engine's
    ``price_order`` splits them all and sums the totals. ``strict`` False takes off a code that no
    longer fits and lowers the points (with notices) instead of refusing; ``new_gifts`` False adds no
    gift lines (an edited order keeps the gifts it has); ``free_shipping`` False leaves the
    shipping fee as given (an edit keeps the fee the order has).
    """
    goods = [i for i, line in enumerate(lines) if line.gift_of is None] if context is not None else []
    notes: list[str] = []
    offers: pricing.PricedCart | None = None
    points = points_to_use
    offer_adjustments: list[pricing.PriceAdjustment] = []
    gifts: tuple[pricing.OfferLine, ...] = ()
    shares = [0] * len(lines)
    if context is not None and goods:
        cart = lines if len(goods) == len(lines) else tuple(lines[i] for i in goods)
        if not strict:
            context, points = _fit(context, cart, points, notes)
        offers = price_with(context, cart, points_to_use=points, shipping_minor=shipping_minor if free_shipping else 0)
        if free_shipping:
            shipping_minor = offers.shipping_minor
        for adj in offers.adjustments:  # scopes index the goods: map them onto the cart's lines
            if len(goods) == len(lines):
                offer_adjustments.append(adj)
                continue
            scope = tuple(goods[i] for i in adj.scope) if adj.scope is not None else tuple(goods)
            offer_adjustments.append(pricing.PriceAdjustment(kind=adj.kind, amount_minor=adj.amount_minor,
                                                             label=adj.label, ref=adj.ref, scope=scope,
                                                             weights=adj.weights))
        for j, i in enumerate(goods):
            shares[i] = offers.order.lines[j].adjustment_minor
        if new_gifts:
            gifts = tuple(line for line in offers.lines if line.gift_of is not None)
            shares += [0] * len(gifts)
        notes += offers.notices
    every = (*lines, *gifts)
    everything = (*offer_adjustments, *adjustments)
    order = pricing.price_order(every, everything, shipping_minor, tax_rate_bp)  # OfferLines are PriceLines to it
    return _priced(every, everything, order, offers, tuple(shares), gifts, points, context, tuple(notes))


def price_cart(*, session: Session, lines: tuple[pricing.OfferLine, ...] | None = None,
               items: Iterable[pricing.CartItem] = (), customer_id: int | None, channel: str,
               coupon_codes: list[str] | tuple[str, ...] = (), points_to_use: int = 0, shipping_minor: int = 0,
               adjustments: list[pricing.PriceAdjustment] | tuple[pricing.PriceAdjustment, ...] = (),
               tax_rate_bp: int | None = None, offers: bool = True, new_gifts: bool = True,
               free_shipping: bool = True, at: datetime | None = None) -> Priced:
    """``assemble`` with what applies read from the store now (orders: create and reprice).

    ``lines`` the cart's lines as they are (with product and category), else ``items`` read from the
    catalogue; ``offers`` False prices without offers; ``tax_rate_bp`` None is the store's rate.
    NotFound/InvalidInput as ``price`` raises them.
    """
    _check_points(points_to_use)
    if lines is None:
        lines = offer_lines(session, items)
    context = None
    if offers:
        context = load_offers(session, customer_id=customer_id, coupon_codes=list(coupon_codes), channel=channel,
                              at=at)
    if tax_rate_bp is None:
        tax_rate_bp = context.tax_rate_bp if context is not None else int(pricing_settings(session)["tax_rate_bp"])
    return assemble(context, lines, tax_rate_bp=tax_rate_bp, points_to_use=points_to_use,
                    shipping_minor=shipping_minor, adjustments=adjustments, new_gifts=new_gifts,
                    free_shipping=free_shipping)
