"""Promotions: add, edit, list, show, pause, resume, end.

A promotion is what the shop gives without a code: spend-and-save (满减, thresholds or "every 100
off 10" with a cap), a percentage or fixed discount on a scope, buy X get Y (买一送一 and its
variants: Y free or at a percentage off, the cheapest items discounted), or a gift with purchase.
The pricing service (``services.pricing.terms.price``) decides which apply to a cart.

Editing (``update_promotion``): name, note, window, priority, stacking, limits and eligibility
change in place at any time. What a promotion gives and to what (kind, terms, scope) changes in
place only until an order has used it; after that its orders, receipts and report must keep
meaning what they meant, so the change is refused unless asked for as a new version: the
promotion ends now (history and report stay with it) and a new one with the new terms starts.
Every change renews the pricing stamp in the same transaction: the store does it (``shoptui.store.stamps``).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.catalog import Category, Product, Variant
from shoptui.models.marketing import PROMOTION_KINDS, SCOPE_KINDS, Promotion
from shoptui.models.orders import CHANNELS
from shoptui.services import shop
from shoptui.services.shop import Page, clamp_limit
from shoptui.text import check_text
from shoptui.wording import plural

MAX_MINOR = 10**13
MAX_STEPS = 20
MAX_SCOPE = 1000
_Read = TypeVar("_Read", bound=Any)  # PromotionRead or CouponRead: what label_scopes names


class PromotionInput(BaseModel):
    """Input for add_promotion. Money in minor units, percentages in basis points."""

    name: str
    kind: str  # spend_save, discount, bxgy, gift
    starts_at: datetime
    ends_at: datetime | None = None
    status: str = "active"  # draft or active
    priority: int = 0
    exclusive: bool = False
    usage_limit: int | None = None
    per_member_limit: int | None = None
    tiers: list[str] = []
    new_customers: bool = False
    channels: list[str] = []
    categories: list[str] = []  # slugs or ids; their subtrees are included
    products: list[str] = []  # SKUs (their products) or product ids as "#12"
    steps: list[tuple[int, int]] = []  # spend_save: (threshold, off)
    every_minor: int | None = None
    every_off_minor: int | None = None
    cap_minor: int | None = None
    percent_bp: int | None = None
    amount_minor: int | None = None
    min_spend_minor: int = 0
    buy_qty: int | None = None
    get_qty: int | None = None
    get_percent_bp: int | None = None  # bxgy: the discount on the Y items (10000 = free)
    gift_sku: str | None = None
    gift_qty: int = 1
    description: str = ""


class PromotionRead(BaseModel):
    """A promotion as it leaves the service."""

    id: int
    name: str
    kind: str
    status: str
    starts_at: datetime
    ends_at: datetime | None
    priority: int
    exclusive: bool
    usage_limit: int | None
    per_member_limit: int | None
    used_count: int
    tiers: list[str] | None
    new_customers: bool
    channels: list[str] | None
    scope_kind: str
    scope_ids: list[int] | None
    steps: list[list[int]] | None
    every_minor: int | None
    every_off_minor: int | None
    cap_minor: int | None
    percent_bp: int | None
    amount_minor: int | None
    min_spend_minor: int
    buy_qty: int | None
    get_qty: int | None
    get_percent_bp: int | None
    gift_variant_id: int | None
    gift_qty: int
    description: str
    created_at: datetime
    updated_at: datetime
    running: bool = False  # active and inside its time window now
    state: str = ""  # what a person reads: draft, scheduled, active (running now), paused or ended
    scope_text: str = ""  # the scope as people read it: category names, product titles (see label_scopes)
    gift_label: str = ""  # the gift's SKU and title (see label_scopes)
    summary: str = ""


def check_count(value: int | None, what: str, *, low: int = 1, high: int = 10**9, field: str | None = None) -> int | None:
    """``value`` when it is None or a whole number from ``low`` to ``high``; InvalidInput naming ``what`` otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"The {what} must be a whole number from {low} to {high:,}, not {value!r}.", field=field)
    return value


def check_money(value: int | None, what: str, *, positive: bool = True, field: str | None = None) -> int | None:
    """``value`` when it is None or an amount in minor units (above zero when ``positive``); InvalidInput otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value >= MAX_MINOR:
        raise InvalidInput(f"The {what} must be an amount of 0 or more, not {value!r}.", field=field)
    if positive and value == 0:
        raise InvalidInput(f"The {what} must be more than zero.", field=field)
    return value


def check_percent(value: int | None, what: str, *, field: str | None = None) -> int | None:
    """``value`` when it is None or basis points above 0% and at most 100%; InvalidInput naming ``what`` otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
        raise InvalidInput(f"The {what} must be more than 0% and at most 100%, not {value / 100:g}%."
                           if isinstance(value, int) else f"The {what} must be a percentage.", field=field)
    return value


def resolve_scope(session: Session, categories: list[str], products: list[str]) -> tuple[str, list[int] | None]:
    """(scope kind, ids) from category slugs/ids and SKUs/#product ids; NotFound names what is unknown."""
    if categories and products:
        raise InvalidInput("Give categories or products for the scope, not both.", field="products")
    if len(categories) + len(products) > MAX_SCOPE:
        raise InvalidInput(f"A scope takes at most {MAX_SCOPE} categories or products.",
                           field="categories" if categories else "products")
    if categories:
        ids = []
        for raw in categories:
            ref = unicodedata.normalize("NFKC", raw).strip()
            query = select(Category.id)
            if ref.lstrip("#").isdigit():
                found = session.exec(query.where(Category.id == int(ref.lstrip("#")))).first()
            else:
                found = session.exec(query.where(Category.slug == ref.lower())).first()
                if found is None:
                    found = session.exec(query.where(Category.name == ref)).first()
            if found is None:
                raise NotFound(f"There is no category {raw!r}. 'shoptui category list' shows them.",
                               field="categories")
            ids.append(found)
        return "categories", sorted(set(ids))
    if products:
        ids = []
        for raw in products:
            ref = unicodedata.normalize("NFKC", raw).strip()
            if ref.startswith("#") and ref[1:].isdigit():
                found = session.exec(select(Product.id).where(Product.id == int(ref[1:]))).first()
            else:
                found = session.exec(select(Variant.product_id).where(
                    (Variant.sku == ref) | (Variant.barcode == ref))).first()
            if found is None:
                raise NotFound(f"There is no product with SKU or barcode {raw!r}.", field="products")
            ids.append(found)
        return "products", sorted(set(ids))
    return "all", None


def _tiers(session: Session, tiers: list[str]) -> list[str] | None:
    if not tiers:
        return None
    from shoptui.models.members import MemberTier

    known = set(session.exec(select(MemberTier.code)).all())
    cleaned = []
    for raw in tiers:
        code = raw.strip().lower()
        if code not in known:
            raise NotFound(f"There is no tier {raw!r}. Known tiers: {', '.join(sorted(known)) or 'none'}.",
                           field="tiers")
        cleaned.append(code)
    return sorted(set(cleaned))


def _channels(channels: list[str]) -> list[str] | None:
    if not channels:
        return None
    cleaned = []
    for raw in channels:
        value = raw.strip().lower()
        if value not in CHANNELS:
            raise InvalidInput(f"The channel {raw!r} is not one of {', '.join(CHANNELS)}.", field="channels")
        cleaned.append(value)
    return sorted(set(cleaned))


def describe_promotion(row: Promotion | PromotionRead, digits: int = 2) -> str:
    """One line saying what the promotion gives."""
    from shoptui.money import format_money

    def m(v: int | None) -> str:
        return format_money(v or 0, digits)

    if row.kind == "spend_save":
        if row.every_minor:
            text = f"{m(row.every_off_minor)} off every {m(row.every_minor)}"
        else:
            text = ", ".join(f"{m(off)} off over {m(t)}" for t, off in (row.steps or []))
        return text + (f" (at most {m(row.cap_minor)})" if row.cap_minor is not None else "")
    if row.kind == "discount":
        what = f"{(row.percent_bp or 0) / 100:g}% off" if row.percent_bp is not None else f"{m(row.amount_minor)} off"
        return what + (f" over {m(row.min_spend_minor)}" if row.min_spend_minor else "")
    if row.kind == "bxgy":
        off = "free" if (row.get_percent_bp or 10_000) >= 10_000 else f"{(row.get_percent_bp or 0) / 100:g}% off"
        return f"buy {row.buy_qty} get {row.get_qty} {off}"
    gift = getattr(row, "gift_label", "") or f"variant #{row.gift_variant_id}"
    return f"{plural(row.gift_qty, 'gift')} of {gift}" + (
        f" over {m(row.min_spend_minor)}" if row.min_spend_minor else " with the products in scope")


def promotion_state(status: str, starts_at: datetime, ends_at: datetime | None, now: datetime) -> str:
    """The state people read: an *active* promotion is ``scheduled`` before its window, ``active`` inside
    it and ``ended`` after it; draft, paused and ended stay as they are."""
    if status != "active":
        return status
    if clock.ensure_utc(starts_at) > now:
        return "scheduled"
    if ends_at is not None and clock.ensure_utc(ends_at) <= now:
        return "ended"
    return "active"


def _refuse_past_end(session: Session, name: str, ends: datetime | None, now: datetime) -> None:
    """A window that has already ended would never run: refused with the day it ended (shop time)."""
    if ends is None or ends > now:
        return
    from shoptui import wording

    tz = shop.timezone(session=session)
    raise InvalidInput(f"The promotion {name!r} would end {wording.until(ends, tz)}, which has already passed, so "
                       "it would never run. Give a later end, or none.", field="ends_at")


def _read(row: Promotion, now: datetime | None = None) -> PromotionRead:
    now = now or clock.now()
    read = PromotionRead.model_validate(row, from_attributes=True)
    read.running = row.status == "active" and row.starts_at <= now and (row.ends_at is None or now < row.ends_at)
    read.state = promotion_state(row.status, row.starts_at, row.ends_at, now)
    read.summary = describe_promotion(row)
    return read


def _columns(session: Session, data: PromotionInput) -> dict[str, Any]:
    """Every column a promotion's input decides, checked rule by rule (add and edit share this)."""
    name = unicodedata.normalize("NFC", data.name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("A promotion needs a name of 1 to 200 characters.", field="name")
    check_text(name, "promotion name", 200, name="name")
    kind = (data.kind or "").strip().lower().replace("-", "_")
    aliases = {"spend": "spend_save", "manjian": "spend_save", "percent": "discount", "fixed": "discount",
               "bogo": "bxgy", "buy_x_get_y": "bxgy", "gift_with_purchase": "gift"}
    kind = aliases.get(kind, kind)
    if kind not in PROMOTION_KINDS:
        raise InvalidInput(f"The promotion kind {data.kind!r} is not one of {', '.join(PROMOTION_KINDS)}.",
                           field="kind")
    status = data.status.strip().lower()
    if status not in ("draft", "active"):
        raise InvalidInput(f"A new promotion is draft or active, not {data.status!r}.", field="status")
    starts = clock.ensure_utc(data.starts_at)
    ends = clock.ensure_utc(data.ends_at) if data.ends_at is not None else None
    if ends is not None and ends <= starts:
        from shoptui import wording

        tz = shop.timezone(session=session)
        raise InvalidInput(f"The promotion would end ({wording.when(ends, tz)}) before it starts "
                           f"({wording.when(starts, tz)}). Give an end after the start.", field="ends_at")
    if isinstance(data.priority, bool) or not -1000 <= data.priority <= 1000:
        raise InvalidInput(f"The priority must be a whole number from -1000 to 1000, not {data.priority}.",
                           field="priority")
    values: dict[str, Any] = {
        "usage_limit": check_count(data.usage_limit, "usage limit", field="usage_limit"),
        "per_member_limit": check_count(data.per_member_limit, "limit per member", field="per_member_limit"),
        "cap_minor": check_money(data.cap_minor, "cap", field="cap_minor"),
        "min_spend_minor": check_money(data.min_spend_minor, "minimum spend", positive=False,
                                       field="min_spend_minor") or 0,
    }
    if kind == "spend_save":
        if data.every_minor is not None or data.every_off_minor is not None:
            every = check_money(data.every_minor, "'every' amount", field="every_minor")
            off = check_money(data.every_off_minor, "amount off each time", field="every_off_minor")
            if every is None or off is None:
                raise InvalidInput("A repeating spend-and-save needs both the step and the amount off, like every "
                                   "100.00 off 10.00.", field="every_minor")
            if off > every:
                raise InvalidInput(f"The amount off ({off}) cannot be more than the step it is for ({every}).",
                                   field="every_off_minor")
            if data.steps:
                raise InvalidInput("Give thresholds or a repeating step, not both.", field="steps")
            values.update(every_minor=every, every_off_minor=off)
        else:
            if not data.steps:
                raise InvalidInput("A spend-and-save needs at least one threshold like 200:20 (spend 200, 20 off).",
                                   field="steps")
            if len(data.steps) > MAX_STEPS:
                raise InvalidInput(f"A spend-and-save takes at most {MAX_STEPS} thresholds.", field="steps")
            steps = []
            for threshold, off in data.steps:
                check_money(threshold, "threshold", field="steps")
                check_money(off, "amount off", field="steps")
                if off > threshold:
                    raise InvalidInput(f"The amount off ({off}) cannot be more than its threshold ({threshold}).",
                                       field="steps")
                steps.append([threshold, off])
            steps.sort()
            if len({t for t, _ in steps}) != len(steps):
                raise InvalidInput("Two thresholds are the same; give each threshold once.", field="steps")
            values["steps"] = steps
    elif kind == "discount":
        if (data.percent_bp is None) == (data.amount_minor is None):
            raise InvalidInput("A discount needs either a percentage or an amount off (one of the two).",
                               field="percent_bp")
        values.update(percent_bp=check_percent(data.percent_bp, "percentage", field="percent_bp"),
                      amount_minor=check_money(data.amount_minor, "amount off", field="amount_minor"))
    elif kind == "bxgy":
        buy = check_count(data.buy_qty, "number to buy", high=1000, field="buy_qty")
        get = check_count(data.get_qty, "number discounted", high=1000, field="get_qty")
        if buy is None or get is None:
            raise InvalidInput("Buy X get Y needs both quantities, each at least 1 (like buy 1 get 1).",
                               field="buy_qty" if buy is None else "get_qty")
        values.update(buy_qty=buy, get_qty=get,
                      get_percent_bp=check_percent(10_000 if data.get_percent_bp is None else data.get_percent_bp,
                                              "discount on the Y items", field="get_percent_bp"))
    elif kind == "gift":
        if not data.gift_sku or not data.gift_sku.strip():
            raise InvalidInput("A gift with purchase needs the gift's SKU.", field="gift_sku")
        gift = session.exec(select(Variant.id).where((Variant.sku == data.gift_sku.strip())
                                                     | (Variant.barcode == data.gift_sku.strip()))).first()
        if gift is None:
            raise NotFound(f"There is no SKU or barcode {data.gift_sku!r} to give.", field="gift_sku")
        values.update(gift_variant_id=gift, gift_qty=check_count(data.gift_qty, "number of gifts", high=1000,
                                                                       field="gift_qty"))
    for field, kinds in (("percent_bp", ("discount",)), ("amount_minor", ("discount",)),
                         ("buy_qty", ("bxgy",)), ("get_qty", ("bxgy",)), ("gift_sku", ("gift",))):
        if getattr(data, field) is not None and kind not in kinds:
            raise InvalidInput(f"{field.removesuffix('_minor').removesuffix('_bp').replace('_', ' ')} does not apply "
                               f"to a {kind.replace('_', ' ')} promotion.", field=field)
    scope_kind, scope_ids = resolve_scope(session, data.categories, data.products)
    assert scope_kind in SCOPE_KINDS
    if kind == "gift" and scope_kind == "all" and not values["min_spend_minor"]:
        raise InvalidInput("A gift with purchase needs a minimum spend or products/categories that trigger it.",
                           field="min_spend_minor")
    description = unicodedata.normalize("NFC", data.description or "").strip()
    if len(description) > 500:
        raise InvalidInput("The description takes at most 500 characters.", field="description")
    check_text(description, "description", 500, required=False, multiline=True, name="description")
    return {"name": name, "kind": kind, "status": status, "starts_at": starts, "ends_at": ends,
            "priority": data.priority, "exclusive": bool(data.exclusive), "tiers": _tiers(session, data.tiers),
            "new_customers": bool(data.new_customers), "channels": _channels(data.channels),
            "scope_kind": scope_kind, "scope_ids": scope_ids, "description": description, **values}


def add_promotion(*, session: Session, actor: Actor, data: PromotionInput) -> PromotionRead:
    """A new promotion, checked rule by rule. Raises InvalidInput (names the bad value), NotFound."""
    columns = _columns(session, data)
    now = clock.now()
    _refuse_past_end(session, columns["name"], columns["ends_at"], now)
    row = Promotion(created_by=actor.name[:100], created_at=now, updated_at=now, **columns)
    session.add(row)
    session.flush()
    kind, status = columns["kind"], columns["status"]
    shop.record(session=session, actor=actor, action="promotion.add", entity="promotion", entity_id=row.id,
                 summary=f"promotion {row.name!r} ({kind}) added, {status}",
                 after={"kind": kind, "status": status, "summary": describe_promotion(row)})
    return _read(row, now)


def promotion_row(session: Session, ref: int | str) -> Promotion:
    """A promotion by id (``12`` or ``#12``) or exact name."""
    text_ref = str(ref).strip()
    row = None
    if text_ref.lstrip("#").isdigit():
        row = session.get(Promotion, int(text_ref.lstrip("#")))
    if row is None and text_ref:
        row = session.exec(select(Promotion).where(Promotion.name == text_ref).order_by(col(Promotion.id))).first()
    if row is None:
        raise NotFound(f"There is no promotion {ref!r}. 'shoptui promo list' shows them.")
    return row


def get_promotion(*, session: Session, ref: int | str) -> PromotionRead:
    """One promotion."""
    return label_scopes(session, [_read(promotion_row(session, ref))])[0]


def label_scopes(session: Session, reads: list[_Read]) -> list[_Read]:
    """Name what promotions and coupons point at, for people: ``scope_text`` gets category names and product
    titles (with a SKU), a gift's ``variant #id`` in ``summary`` becomes its SKU and title. One query per kind
    of thing for the whole list, never one per row. Returns ``reads`` (changed in place)."""
    categories = {i for r in reads if r.scope_kind == "categories" for i in (r.scope_ids or [])}
    products = {i for r in reads if r.scope_kind == "products" for i in (r.scope_ids or [])}
    gifts = {r.gift_variant_id for r in reads if getattr(r, "gift_variant_id", None)}
    category_names: dict[int | None, str] = {}
    product_names: dict[int | None, str] = {}
    gift_names: dict[int | None, str] = {}
    if categories:
        category_names = {i: n for i, n in session.exec(
            select(col(Category.id), col(Category.name)).where(col(Category.id).in_(categories)))}
    if products:
        for pid, title, sku in session.exec(
                select(Product.id, Product.title, func.min(Variant.sku))
                .outerjoin(Variant, col(Variant.product_id) == col(Product.id))
                .where(col(Product.id).in_(products)).group_by(col(Product.id), col(Product.title))):
            product_names[pid] = f"{sku} {title}" if sku else title
    if gifts:
        gift_names = {vid: f"{sku} {title}" for vid, sku, title in session.exec(
            select(col(Variant.id), col(Variant.sku), col(Product.title)).join(Product, col(Product.id) == col(Variant.product_id))
            .where(col(Variant.id).in_(gifts)))}
    for r in reads:
        if r.scope_kind == "categories" and r.scope_ids:
            r.scope_text = "categories: " + ", ".join(category_names.get(i, f"#{i}") for i in r.scope_ids)
        elif r.scope_kind == "products" and r.scope_ids:
            r.scope_text = "products: " + ", ".join(product_names.get(i, f"#{i}") for i in r.scope_ids)
        else:
            r.scope_text = "everything" if r.scope_kind == "all" else r.scope_kind
        vid = getattr(r, "gift_variant_id", None)
        if vid in gift_names:
            r.gift_label = gift_names[vid]
            r.summary = r.summary.replace(f"variant #{vid}", gift_names[vid])
    return reads


def list_promotions(*, session: Session, status: str | None = None, running: bool = False,
                    after: str | None = None, limit: int = 50) -> Page[PromotionRead]:
    """Promotions, newest first (keyset by id), optionally by status or only those running now."""
    limit = clamp_limit(limit)
    query = select(Promotion).order_by(col(Promotion.id).desc())
    if status:
        if status not in ("draft", "active", "paused", "ended"):
            raise InvalidInput(f"The status {status!r} is not one of draft, active, paused, ended.", field="status")
        query = query.where(Promotion.status == status)
    now = clock.now()
    if running:
        query = query.where(Promotion.status == "active", col(Promotion.starts_at) <= now,
                            (col(Promotion.ends_at).is_(None)) | (col(Promotion.ends_at) > now))
    if after:
        if not after.isdigit():
            raise InvalidInput(f"{after!r} is not a page cursor.")
        query = query.where(col(Promotion.id) < int(after))
    rows = list(session.exec(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=label_scopes(session, [_read(r, now) for r in rows]),
                next_after=str(rows[-1].id) if more and rows else None)


_MOVES = {"pause": ({"active"}, "paused"), "resume": ({"paused", "draft"}, "active"),
          "activate": ({"paused", "draft"}, "active"), "end": ({"draft", "active", "paused"}, "ended")}


def set_status(*, session: Session, actor: Actor, ref: int | str, action: str) -> PromotionRead:
    """pause, resume (or activate a draft), end. Ended is final. Raises Conflict for a move not allowed."""
    if action not in _MOVES:
        raise InvalidInput(f"{action!r} is not one of {', '.join(_MOVES)}.")
    row = promotion_row(session, ref)
    allowed, target = _MOVES[action]
    if row.status not in allowed:
        raise Conflict(f"The promotion {row.name!r} is {row.status}, so it cannot be {target} now.")
    before = row.status
    row.status = target
    row.updated_at = clock.now()
    if target == "ended" and (row.ends_at is None or row.ends_at > row.updated_at):
        row.ends_at = max(row.updated_at, row.starts_at)
    session.add(row)
    session.flush()
    shop.record(session=session, actor=actor, action=f"promotion.{action}", entity="promotion", entity_id=row.id,
                 summary=f"promotion {row.name!r} {target}", before={"status": before}, after={"status": target})
    return _read(row)


# ---------------------------------------------------------------- edit


class PromotionUpdate(BaseModel):
    """Input for update_promotion: every field optional, unset means unchanged (``None`` clears an optional one).

    Giving one of a pair replaces the other: a percentage clears the amount off (and the reverse),
    thresholds clear a repeating step (and the reverse), categories clear products (and the reverse).
    Changing the kind starts its terms afresh from what is given.
    """

    name: str | None = None
    kind: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    priority: int | None = None
    exclusive: bool | None = None
    usage_limit: int | None = None
    per_member_limit: int | None = None
    tiers: list[str] | None = None
    new_customers: bool | None = None
    channels: list[str] | None = None
    categories: list[str] | None = None
    products: list[str] | None = None
    steps: list[tuple[int, int]] | None = None
    every_minor: int | None = None
    every_off_minor: int | None = None
    cap_minor: int | None = None
    percent_bp: int | None = None
    amount_minor: int | None = None
    min_spend_minor: int | None = None
    buy_qty: int | None = None
    get_qty: int | None = None
    get_percent_bp: int | None = None
    gift_sku: str | None = None
    gift_qty: int | None = None
    description: str | None = None


class PromotionEdited(BaseModel):
    """What update_promotion did: the promotion as it is now, and what changed.

    ``ended`` is the promotion edited when its reward changed after it had been used: it ended
    now and ``promotion`` is its new version (see ``update_promotion``).
    """

    promotion: PromotionRead
    changed: list[str]
    ended: PromotionRead | None = None


# what a promotion gives and to what: fixed once an order has used it (orders and reports point at it)
REWARD_COLUMNS = ("kind", "scope_kind", "scope_ids", "steps", "every_minor", "every_off_minor", "cap_minor",
                  "percent_bp", "amount_minor", "min_spend_minor", "buy_qty", "get_qty", "get_percent_bp",
                  "gift_variant_id", "gift_qty")
_UNSET_TERMS: dict[str, Any] = {"steps": None, "every_minor": None, "every_off_minor": None, "cap_minor": None,
                                "percent_bp": None, "amount_minor": None, "min_spend_minor": 0, "buy_qty": None,
                                "get_qty": None, "get_percent_bp": None, "gift_variant_id": None, "gift_qty": 1}
_PAIRS = (("percent_bp", "amount_minor"), ("steps", "every_minor"), ("steps", "every_off_minor"),
          ("categories", "products"))
_APPLIES = {"steps": ("spend_save",), "every_minor": ("spend_save",), "every_off_minor": ("spend_save",),
            "percent_bp": ("discount",), "amount_minor": ("discount",), "buy_qty": ("bxgy",), "get_qty": ("bxgy",),
            "get_percent_bp": ("bxgy",), "gift_sku": ("gift",), "gift_qty": ("gift",)}
_NULLABLE = {"ends_at", "usage_limit", "per_member_limit", "cap_minor", "percent_bp", "amount_minor",
             "every_minor", "every_off_minor", "buy_qty", "get_qty", "get_percent_bp", "gift_sku"}


def _as_input(session: Session, row: Promotion) -> dict[str, Any]:
    """A stored promotion as the input that would make it again."""
    gift_sku = None
    if row.gift_variant_id is not None:
        gift_sku = session.exec(select(Variant.sku).where(Variant.id == row.gift_variant_id)).first()
    refs = [f"#{i}" for i in (row.scope_ids or [])]
    return {
        "name": row.name, "kind": row.kind, "starts_at": row.starts_at, "ends_at": row.ends_at,
        "status": "draft" if row.status == "draft" else "active", "priority": row.priority,
        "exclusive": row.exclusive, "usage_limit": row.usage_limit, "per_member_limit": row.per_member_limit,
        "tiers": list(row.tiers or []), "new_customers": row.new_customers, "channels": list(row.channels or []),
        "categories": refs if row.scope_kind == "categories" else [],
        "products": refs if row.scope_kind == "products" else [],
        "steps": [(int(t), int(o)) for t, o in (row.steps or [])], "every_minor": row.every_minor,
        "every_off_minor": row.every_off_minor, "cap_minor": row.cap_minor, "percent_bp": row.percent_bp,
        "amount_minor": row.amount_minor, "min_spend_minor": row.min_spend_minor, "buy_qty": row.buy_qty,
        "get_qty": row.get_qty, "get_percent_bp": row.get_percent_bp, "gift_sku": gift_sku,
        "gift_qty": row.gift_qty, "description": row.description,
    }


def _times_used(session: Session, row: Promotion) -> int:
    from sqlalchemy import func

    from shoptui.models.marketing import PromotionUse

    recorded = session.exec(select(func.count()).select_from(PromotionUse)
                            .where(PromotionUse.promotion_id == row.id)).one()
    return max(int(recorded), row.used_count or 0)


def update_promotion(*, session: Session, actor: Actor, ref: int | str, changes: PromotionUpdate,
                     new_version: bool = False) -> PromotionEdited:
    """Change a promotion, checked like a new one, in one step; audited with before and after.

    Name, note, window, priority, stacking, limits and who may have it change in place at any
    time. What it gives and to what (kind, terms, scope) changes in place only while no order
    has used it: after that, orders and the report name it, so a change of reward is refused
    (Conflict) unless ``new_version``: then this promotion ends now, keeping its history and
    report, and a new promotion with the new terms starts now (or at its start, if later).
    An ended promotion cannot change. Raises InvalidInput, NotFound, Conflict.
    """
    row = promotion_row(session, ref)
    if row.status == "ended":
        raise Conflict(f"The promotion {row.name!r} has ended and cannot change; add a new promotion instead.")
    given = changes.model_dump(exclude_unset=True)
    for key, value in list(given.items()):
        if value is None and key not in _NULLABLE:
            raise InvalidInput(f"The {key.removesuffix('_minor').removesuffix('_bp').replace('_', ' ')} cannot be "
                               "emptied; give a value.", field=key)
    if not given:
        raise InvalidInput("Nothing to change: give at least one field to change.")
    merged = _as_input(session, row)
    target = str(given.get("kind") or row.kind).strip().lower()
    for key, kinds in _APPLIES.items():
        if given.get(key) not in (None, []) and target not in kinds:
            raise InvalidInput(f"{key.removesuffix('_minor').removesuffix('_bp').replace('_', ' ')} does not apply "
                               f"to a {target.replace('_', ' ')} promotion.", field=key)
    if "kind" in given and str(given["kind"] or "").strip().lower() != row.kind:
        for key in ("steps", "every_minor", "every_off_minor", "cap_minor", "percent_bp", "amount_minor",
                    "min_spend_minor", "buy_qty", "get_qty", "get_percent_bp", "gift_sku", "gift_qty"):
            merged[key] = [] if key == "steps" else 0 if key == "min_spend_minor" else 1 if key == "gift_qty" else None
    for a, b in _PAIRS:
        if a in given and b not in given:
            merged[b] = [] if b in ("steps", "categories", "products") else None
        elif b in given and a not in given:
            merged[a] = [] if a in ("steps", "categories", "products") else None
    for key, value in given.items():
        merged[key] = [] if value is None and key in ("steps",) else value
    columns = {**_UNSET_TERMS, **_columns(session, PromotionInput(**merged))}
    columns["status"] = row.status
    changed = [key for key, value in columns.items() if getattr(row, key) != value]
    if not changed:
        return PromotionEdited(promotion=_read(row), changed=[])
    limit = columns["usage_limit"]
    if limit is not None and limit < row.used_count:
        raise InvalidInput(f"The promotion {row.name!r} has been used {plural(row.used_count, 'time')} already, so its usage "
                           f"limit cannot be {limit}; give {row.used_count} or more.", field="usage_limit")
    before = {key: getattr(row, key) for key in changed}
    after = {key: columns[key] for key in changed}
    reward = [key for key in changed if key in REWARD_COLUMNS]
    now = clock.now()
    if "ends_at" in changed:
        _refuse_past_end(session, columns["name"], columns["ends_at"], now)
    used = _times_used(session, row) if reward else 0
    if reward and used:
        if not new_version:
            raise Conflict(f"The promotion {row.name!r} has been used on {plural(used, 'order')}, so what it gives stays as "
                           "those orders had it. Save the new terms as a new version (the original ends now, its "
                           "report stays): 'shoptui promo edit ... --new-version'.")
        old_status = row.status
        row.status = "ended"
        row.updated_at = now
        if row.ends_at is None or row.ends_at > now:
            row.ends_at = max(now, row.starts_at)
        session.add(row)
        session.flush()
        columns["status"] = "draft" if old_status == "draft" else "active" if old_status == "active" else "paused"
        columns["starts_at"] = max(columns["starts_at"], now)
        if columns["ends_at"] is not None and columns["ends_at"] <= columns["starts_at"]:
            from shoptui import wording

            tz = shop.timezone(session=session)
            raise InvalidInput(f"The new version would start now and end before it starts "
                               f"({wording.when(columns['ends_at'], tz)}). Give a later end.", field="ends_at")
        added = Promotion(created_by=actor.name[:100], created_at=now, updated_at=now, **columns)
        session.add(added)
        session.flush()
        shop.record(session=session, actor=actor, action="promotion.end", entity="promotion", entity_id=row.id,
                     summary=f"promotion {row.name!r} ended: replaced by #{added.id} with new terms",
                     before={"status": old_status}, after={"status": "ended", "replaced_by": added.id})
        shop.record(session=session, actor=actor, action="promotion.edit", entity="promotion", entity_id=added.id,
                     summary=f"promotion {added.name!r} #{added.id}: new version of #{row.id} ({', '.join(changed)})",
                     before={**before, "version_of": row.id}, after=after)
        return PromotionEdited(promotion=_read(added, now), changed=changed, ended=_read(row, now))
    for key in changed:
        setattr(row, key, columns[key])
    row.updated_at = now
    session.add(row)
    session.flush()
    shop.record(session=session, actor=actor, action="promotion.edit", entity="promotion", entity_id=row.id,
                 summary=f"promotion {row.name!r} changed: {', '.join(changed)}", before=before, after=after)
    return PromotionEdited(promotion=_read(row, now), changed=changed)
