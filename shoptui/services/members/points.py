"""The points ledger: earn on paid orders, reverse on refunds, redeem, adjust, expire oldest first.

How expiry stays provably right (FIFO lots)::

    every positive movement is a lot:  remaining = what is left of it, expires_at = earned + N months
    every negative movement consumes lots in order (expires_at, id): the oldest points go first
    the expiry sweep books  -remaining  of every lot whose expires_at has passed, then zeroes it

    invariants (``shoptui db check``):  balance == sum(points)   and   sum(remaining) == max(balance, 0)

Taking points back on a refund may find them already spent: the balance then goes below zero
(a debt, with no lot left) and the next points earned pay the debt before they become a lot.
Redeeming, gifts and manual deductions never go below zero: they are a conditional ``UPDATE ...
WHERE points_balance >= n``, so two terminals redeeming at once can never overspend.

Points are whole numbers; fractions of a point earned are dropped (the shop never owes a part).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import and_, func, insert, literal, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models._types import table_of
from shoptui.models.catalog import Product, Variant
from shoptui.models.members import GiftRedemption, Member, PointsEvent, PointsGift, PointsMovement
from shoptui.models.orders import Order, OrderLine
from shoptui.services import pricing, shop
from shoptui.services.members.core import MemberSettings, add_months, member_settings
from shoptui.services.shop import Page, clamp_limit
from shoptui.text import check_text

MAX_POINTS = 10**12
BP_ONE = pricing.BP_ONE


class PointsMovementRead(BaseModel):
    """One line of a member's points ledger."""

    id: int
    customer_id: int
    kind: str
    points: int
    remaining: int
    expires_at: datetime | None
    base_minor: int | None
    ref_kind: str | None
    ref_id: str | None
    reason: str
    actor: str
    at: datetime


class PointsResult(BaseModel):
    """A points change: the movement (None when nothing was due) and the balance after it."""

    movement: PointsMovementRead | None
    balance: int
    value_minor: int = 0  # what the points moved are worth at checkout


class PointsEventRead(BaseModel):
    """A points event: xN points in a window, maybe only for some categories or tiers."""

    id: int
    name: str
    multiplier_bp: int
    starts_at: datetime
    ends_at: datetime
    category_ids: list[int] | None
    tier_codes: list[str] | None
    active: bool


class GiftRead(BaseModel):
    """A gift in the points catalogue."""

    id: int
    code: str
    name: str
    points_cost: int
    quantity: int | None
    variant_id: int | None
    active: bool


class GiftRedemptionRead(BaseModel):
    """A gift taken for points."""

    id: int
    customer_id: int
    gift_code: str
    gift_name: str
    quantity: int
    points: int
    balance: int


# ---------------------------------------------------------------- values


def value_of(cfg: MemberSettings, points: int) -> int:
    """What ``points`` are worth at checkout, in minor units (rounded down: never more than promised)."""
    return pricing.points_worth(points, cfg.value_per_100)


def points_value_minor(*, session: Session, points: int) -> int:
    """What ``points`` are worth as a cash deduction at checkout, in minor units."""
    if points < 0:
        raise InvalidInput(f"Points cannot be negative ({points}).")
    return value_of(member_settings(session), points)


def points_for_value(cfg: MemberSettings, value_minor: int) -> int:
    """The most points whose value does not exceed ``value_minor``."""
    return pricing.points_for_value(value_minor, cfg.value_per_100)


def max_redeemable(session: Session, customer_id: int, payable_minor: int) -> int:
    """The most points the member may use on an order of ``payable_minor``: by share and by balance."""
    if payable_minor < 0:
        raise InvalidInput(f"The amount payable cannot be negative ({payable_minor}).")
    cfg = member_settings(session)
    balance = session.exec(select(Member.points_balance).where(Member.customer_id == customer_id,
                                                               col(Member.merged_into).is_(None))).first()
    return pricing.max_redeemable(balance=balance or 0, payable_minor=payable_minor,
                                      value_per_100=cfg.value_per_100, max_share_bp=cfg.max_share_bp)


# ---------------------------------------------------------------- the ledger


def _balance(session: Session, customer_id: int) -> int:
    return session.exec(select(Member.points_balance).where(Member.customer_id == customer_id)).one()


def _check_points(points: int, what: str = "points", *, field: str | None = None) -> int:
    if isinstance(points, bool) or not isinstance(points, int):
        raise InvalidInput(f"The {what} must be a whole number.", field=field)
    if abs(points) >= MAX_POINTS:
        raise InvalidInput(f"{points} {what} is too many.", field=field)
    return points


def consume_lots(session: Session, customer_id: int, points: int, *, first_ref: tuple[str | None, str] | None = None) -> int:
    """Take ``points`` from the member's lots, oldest expiry first; returns what no lot covered.

    ``first_ref`` names a lot to take from before the others (a refund takes back the points of
    its own order first).
    """
    left = points
    lots_query = (select(PointsMovement).where(PointsMovement.customer_id == customer_id, PointsMovement.remaining > 0)
                  .order_by(col(PointsMovement.expires_at).is_(None), col(PointsMovement.expires_at),
                            col(PointsMovement.id)))
    lots = list(session.exec(lots_query).all())
    if first_ref is not None:
        lots.sort(key=lambda lot: (lot.ref_kind, lot.ref_id) != first_ref)  # stable: FIFO within each group
    for lot in lots:
        if left <= 0:
            break
        take = min(lot.remaining, left)
        lot.remaining -= take
        left -= take
        session.add(lot)
    return left


def _movement(session: Session, actor: Actor, customer_id: int, *, kind: str, points: int, cfg: MemberSettings,
              reason: str = "", ref_kind: str | None = None, ref_id: str | None = None,
              base_minor: int | None = None, balance_done: bool = False) -> PointsMovement:
    """Append a movement and keep the balance and the lots in step.

    No balance check here: deductions that must not overdraw call ``_take`` first (which moves
    the balance itself, hence ``balance_done``).
    """
    now = clock.now()
    remaining = 0
    expires_at = None
    if points > 0:
        before = _balance(session, customer_id)
        debt = max(0, -before)
        remaining = max(0, points - debt)
        if cfg.expiry_months > 0 and remaining:
            expires_at = add_months(now, cfg.expiry_months)
    elif points < 0:
        consume_lots(session, customer_id, -points, first_ref=(ref_kind, ref_id) if kind == "reverse" and ref_id else None)
    if not balance_done:
        session.execute(update(Member).where(col(Member.customer_id) == customer_id)
                        .values(points_balance=col(Member.points_balance) + points, updated_at=now))
    row = PointsMovement(customer_id=customer_id, kind=kind, points=points, remaining=remaining, expires_at=expires_at,
                         base_minor=base_minor, ref_kind=ref_kind,
                         ref_id=None if ref_id is None else str(ref_id)[:100], reason=reason[:300],
                         actor=actor.name[:100], at=now)
    session.add(row)
    session.flush()
    return row


def _result(session: Session, cfg: MemberSettings, customer_id: int, row: PointsMovement | None) -> PointsResult:
    return PointsResult(movement=None if row is None else PointsMovementRead.model_validate(row, from_attributes=True),
                        balance=_balance(session, customer_id),
                        value_minor=0 if row is None else value_of(cfg, abs(row.points)))


def _take(session: Session, customer_id: int, points: int, what: str, field: str = "points") -> None:
    """Lower the balance by ``points`` only if the member holds them (atomic); Conflict otherwise."""
    changed = session.exec(
        update(Member).where(col(Member.customer_id) == customer_id, col(Member.points_balance) >= points)
        .values(points_balance=col(Member.points_balance) - points)
    ).rowcount
    if not changed:
        held = session.exec(select(Member.points_balance).where(Member.customer_id == customer_id)).first()
        raise Conflict(f"Member #{customer_id} holds {max(held or 0, 0)} points, so {points} cannot be {what}.",
                       field=field)


def redeem(*, session: Session, actor: Actor, customer_id: int, points: int, ref_kind: str, ref_id: str,
           payable_minor: int | None = None, reason: str = "") -> PointsResult:
    """Use ``points`` as a cash deduction (``ref`` names the order). Atomic: never more than held.

    With ``payable_minor`` the share cap is checked too (InvalidInput naming the most allowed).
    """
    _check_points(points)
    if points <= 0:
        raise InvalidInput(f"Redeem at least 1 point, not {points}.")
    cfg = member_settings(session)
    if payable_minor is not None:
        allowed = max_redeemable(session, customer_id, payable_minor)
        if points > allowed and points <= _balance(session, customer_id):
            raise InvalidInput(f"At most {allowed} points can be used on {cfg.currency.format(payable_minor)} "
                               f"({cfg.max_share_bp / 100:g}% of it); {points} is too many.")
    _take(session, customer_id, points, "redeemed")
    row = _movement(session, actor, customer_id, kind="redeem", points=-points, cfg=cfg,
                    reason=reason or f"used at checkout ({ref_kind} {ref_id})", ref_kind=ref_kind, ref_id=ref_id,
                    balance_done=True)
    shop.record(session=session, actor=actor, action="member.points.redeem", entity="member", entity_id=customer_id,
                 summary=f"{points} points redeemed for {ref_kind} {ref_id}",
                 after={"points_balance": _balance(session, customer_id)})
    return _result(session, cfg, customer_id, row)


def adjust(*, session: Session, actor: Actor, customer_id: int, points: int, reason: str) -> PointsResult:
    """A manual change with a reason; a deduction never takes more than the member holds."""
    shop.require(session=session, actor=actor, permission="credit.adjust")  # refused before anything is looked up
    _check_points(points, field="points")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give a reason (--reason) so the ledger says why the points changed.", field="reason")
    if len(reason) > 300:
        raise InvalidInput("The reason is too long; use at most 300 characters.", field="reason")
    check_text(reason, "reason", 300, name="reason")
    if points == 0:
        raise InvalidInput("An adjustment of 0 points changes nothing.", field="points")
    cfg = member_settings(session)
    if points < 0:
        _take(session, customer_id, -points, "taken away")
    row = _movement(session, actor, customer_id, kind="adjust", points=points, cfg=cfg, reason=reason,
                    balance_done=points < 0)
    shop.record(session=session, actor=actor, action="member.points.adjust", entity="member", entity_id=customer_id,
                 summary=f"points {points:+d}: {reason}", after={"points_balance": _balance(session, customer_id)})
    return _result(session, cfg, customer_id, row)


# ---------------------------------------------------------------- orders


def _order(session: Session, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound(f"There is no order with id {order_id}.")
    return order


def active_events(session: Session, at: datetime) -> list[PointsEvent]:
    """Points events running at ``at``."""
    return list(session.exec(select(PointsEvent).where(col(PointsEvent.active).is_(True),
                                                       col(PointsEvent.starts_at) <= at,
                                                       col(PointsEvent.ends_at) > at)).all())


def earn_for_order(*, session: Session, actor: Actor, order_id: int) -> PointsResult | None:
    """Points for a paid order of a member: rate per currency unit x tier multiplier x best event.

    The base is what the customer pays for the goods (line nets, after every discount and the
    points deduction; shipping earns nothing). Earned once per order; None for non-members.
    """
    order = _order(session, order_id)
    if order.customer_id is None:
        return None
    member = session.get(Member, order.customer_id)
    if member is None or member.merged_into is not None:
        return None
    cfg = member_settings(session)
    done = session.exec(select(PointsMovement).where(PointsMovement.ref_kind == "order",
                                                     PointsMovement.ref_id == order.number,
                                                     PointsMovement.kind == "earn")).first()
    if done is not None:
        return _result(session, cfg, member.customer_id, done)
    from shoptui.models.members import MemberTier

    tier = session.get(MemberTier, member.tier_code)
    tier_bp = tier.points_multiplier_bp if tier is not None else BP_ONE
    rows = session.exec(select(OrderLine.net_minor, Product.category_id)
                        .join(Variant, col(Variant.id) == col(OrderLine.variant_id), isouter=True)
                        .join(Product, col(Product.id) == col(Variant.product_id), isouter=True)
                        .where(OrderLine.order_id == order.id)).all()
    now = clock.now()
    events = [e for e in active_events(session, now) if not e.tier_codes or member.tier_code in e.tier_codes]
    weighted = 0
    base = 0
    used: set[str] = set()
    for net, category_id in rows:
        if net <= 0:
            continue
        base += net
        best = BP_ONE
        for event in events:
            if event.category_ids and category_id not in event.category_ids:
                continue
            if event.multiplier_bp > best:
                best = event.multiplier_bp
                used.add(event.name)
        weighted += net * best
    scale = 10**cfg.currency.digits * BP_ONE * BP_ONE
    points = weighted * cfg.points_per_unit * tier_bp // scale  # whole points, fractions dropped
    if points <= 0:
        return _result(session, cfg, member.customer_id, None)
    reason = f"order {order.number}" + (f", tier {member.tier_code}" if tier_bp != BP_ONE else "")
    if used:
        reason += f", event {', '.join(sorted(used))}"
    row = _movement(session, actor, member.customer_id, kind="earn", points=points, cfg=cfg, reason=reason,
                    ref_kind="order", ref_id=order.number, base_minor=base)
    shop.record(session=session, actor=actor, action="member.points.earn", entity="member",
                 entity_id=member.customer_id, summary=f"{points} points for order {order.number}",
                 after={"points_balance": _balance(session, member.customer_id)})
    return _result(session, cfg, member.customer_id, row)


def points_of_order(*, session: Session, number: str) -> tuple[int, int] | None:
    """``(points earned, balance after the sale)`` of a member's order, for its receipt; None: not a member's order.

    The balance is the ledger's sum up to the order's own earn (or redeem) line, so a receipt
    printed again later shows the balance the sale left, not today's.
    """
    order = session.exec(select(Order).where(Order.number == number)).first()
    if order is None or order.customer_id is None:
        return None
    member = session.get(Member, order.customer_id)
    if member is None:
        return None
    moves = session.exec(select(PointsMovement).where(PointsMovement.ref_kind == "order",
                                                      PointsMovement.ref_id == number,
                                                      col(PointsMovement.kind).in_(("earn", "redeem")))
                         .order_by(col(PointsMovement.id))).all()
    earned = sum(m.points for m in moves if m.kind == "earn")
    if not moves:
        return earned, _balance(session, member.merged_into or member.customer_id)
    last = moves[-1]
    balance = session.exec(select(func.coalesce(func.sum(PointsMovement.points), 0))
                           .where(PointsMovement.customer_id == last.customer_id,
                                  col(PointsMovement.id) <= last.id)).one()
    return earned, int(balance)


def reverse_for_refund(*, session: Session, actor: Actor, order_id: int, refunded_minor: int) -> PointsResult | None:
    """Take back the points of ``refunded_minor`` refunded for goods, in proportion to what earned them.

    Cumulative, so refunding every unit of an order takes back exactly the points it earned. The
    points come from the order's own lot first, then the oldest; what is already spent becomes
    a debt (negative balance) paid by the next points earned. Also gives back, in the same
    proportion, points that were redeemed on the order.
    """
    if refunded_minor < 0:
        raise InvalidInput(f"A refund cannot be negative ({refunded_minor}).")
    order = _order(session, order_id)
    if order.customer_id is None or refunded_minor == 0:
        return None
    member = session.get(Member, order.customer_id)
    if member is None:
        return None
    cfg = member_settings(session)
    moves = session.exec(select(PointsMovement).where(PointsMovement.ref_kind == "order",
                                                      PointsMovement.ref_id == order.number)).all()
    customer_id = member.customer_id
    earned = next((m for m in moves if m.kind == "earn"), None)
    row = None
    if earned is not None and earned.base_minor:
        customer_id = earned.customer_id  # the ledger row may have moved in a merge
        base = earned.base_minor
        refunded_before = sum(m.base_minor or 0 for m in moves if m.kind == "reverse")
        reversed_before = -sum(m.points for m in moves if m.kind == "reverse")
        cumulative = min(refunded_before + refunded_minor, base)
        target = pricing.round_half_up(earned.points * cumulative, base)
        step = target - reversed_before
        if step > 0:
            row = _movement(session, actor, customer_id, kind="reverse", points=-step, cfg=cfg,
                            reason=f"refund on order {order.number}", ref_kind="order", ref_id=order.number,
                            base_minor=cumulative - refunded_before)
            shop.record(session=session, actor=actor, action="member.points.reverse", entity="member",
                         entity_id=customer_id, summary=f"{step} points taken back for a refund on {order.number}",
                         after={"points_balance": _balance(session, customer_id)})
    _restore_redeemed(session, actor, order, cfg, refunded_minor)
    return _result(session, cfg, customer_id, row)


def _goods_net(session: Session, order: Order) -> int:
    return int(session.exec(select(func.coalesce(func.sum(OrderLine.net_minor), 0))
                            .where(OrderLine.order_id == order.id)).one())


def _restore_redeemed(session: Session, actor: Actor, order: Order, cfg: MemberSettings, refunded_minor: int | None
                      ) -> None:
    """Give back points redeemed on ``order``: all of them (``None``) or in proportion to a refund."""
    moves = session.exec(select(PointsMovement).where(PointsMovement.ref_kind == "order",
                                                      PointsMovement.ref_id == order.number,
                                                      col(PointsMovement.kind).in_(("redeem", "restore")))).all()
    redeemed = -sum(m.points for m in moves if m.kind == "redeem")
    if redeemed <= 0:
        return
    restored = sum(m.points for m in moves if m.kind == "restore")
    owner = next(m.customer_id for m in moves if m.kind == "redeem")
    if refunded_minor is None:
        target = redeemed
        base_step = None
    else:
        net = _goods_net(session, order)
        before = sum(m.base_minor or 0 for m in moves if m.kind == "restore")
        cumulative = min(before + refunded_minor, net) if net > 0 else 0
        target = redeemed if net <= 0 else pricing.round_half_up(redeemed * cumulative, net)
        base_step = cumulative - before
    step = target - restored
    if step <= 0:
        return
    _movement(session, actor, owner, kind="restore", points=step, cfg=cfg,
              reason=f"points used on order {order.number} given back", ref_kind="order", ref_id=order.number,
              base_minor=base_step)
    shop.record(session=session, actor=actor, action="member.points.restore", entity="member", entity_id=owner,
                 summary=f"{step} points used on {order.number} given back",
                 after={"points_balance": _balance(session, owner)})


def restore_for_cancel(*, session: Session, actor: Actor, order_id: int) -> None:
    """A cancelled order gives back every point redeemed on it (and takes back any it earned)."""
    order = _order(session, order_id)
    earned = session.exec(select(PointsMovement).where(PointsMovement.ref_kind == "order",
                                                       PointsMovement.ref_id == order.number,
                                                       PointsMovement.kind == "earn")).first()
    if earned is not None and earned.base_minor:
        reversed_base = int(session.exec(select(func.coalesce(func.sum(col(PointsMovement.base_minor)), 0)).where(
            col(PointsMovement.ref_kind) == "order", col(PointsMovement.ref_id) == order.number,
            col(PointsMovement.kind) == "reverse")).one() or 0)
        if reversed_base < earned.base_minor:
            reverse_for_refund(session=session, actor=actor, order_id=order_id,
                               refunded_minor=earned.base_minor - reversed_base)
    _restore_redeemed(session, actor, order, member_settings(session), None)


# ---------------------------------------------------------------- expiry


def expire_due(*, session: Session, actor: Actor) -> tuple[int, int]:
    """Book the expiry of every lot whose time has come, set-based; returns (members, points).

    Cron-safe: a second run finds nothing more. Each expired lot gets one ``expire`` movement
    of ``-remaining`` (ref ``lot:<id>``), the balances drop by the same, the lots are zeroed.
    """
    now = clock.now()
    due = and_(col(PointsMovement.expires_at) <= now, col(PointsMovement.remaining) > 0)
    totals = session.exec(select(func.count(func.distinct(PointsMovement.customer_id)),
                                 func.coalesce(func.sum(PointsMovement.remaining), 0)).where(due)).one()
    members, points = int(totals[0]), int(totals[1])
    if not points:
        return 0, 0
    movements = table_of(PointsMovement)
    lot_id = func.cast(movements.c.id, movements.c.ref_id.type)
    session.execute(insert(PointsMovement).from_select(
        ["customer_id", "kind", "points", "remaining", "ref_kind", "ref_id", "reason", "actor", "at"],
        sa_select(col(PointsMovement.customer_id), literal("expire"), -col(PointsMovement.remaining), literal(0),
               literal("lot"), lot_id, literal("points expired"), literal(actor.name[:100]),
               literal(now, movements.c.at.type))
        .where(due)))
    per_member = (select(func.sum(PointsMovement.remaining)).where(due, PointsMovement.customer_id == Member.customer_id)
                  .scalar_subquery())
    session.execute(update(Member).where(col(Member.customer_id).in_(select(PointsMovement.customer_id).where(due)))
                    .values(points_balance=col(Member.points_balance) - per_member)
                    .execution_options(synchronize_session=False))
    session.execute(update(PointsMovement).where(due).values(remaining=0).execution_options(synchronize_session=False))
    shop.record(session=session, actor=actor, action="member.points.expire", entity="member",
                 summary=f"{points} points of {members} members expired", after={"points": points, "members": members})
    session.flush()
    for obj in list(session.identity_map.values()):  # balances and lots changed behind the ORM's back
        if isinstance(obj, Member | PointsMovement):
            session.expire(obj)
    return members, points


# ---------------------------------------------------------------- history


def points_history(*, session: Session, customer_id: int, after: int | None = None, limit: int = 50
            ) -> Page[PointsMovementRead]:
    """The member's points ledger, newest first (keyset-paged by id)."""
    limit = clamp_limit(limit)
    query = (select(PointsMovement).where(PointsMovement.customer_id == customer_id)
             .order_by(col(PointsMovement.id).desc()).limit(limit + 1))
    if after is not None:
        query = query.where(col(PointsMovement.id) < after)
    rows = session.exec(query).all()
    items = [PointsMovementRead.model_validate(r, from_attributes=True) for r in rows[:limit]]
    return Page(items=items, next_after=str(items[-1].id) if len(rows) > limit else None)


def expiring(session: Session, customer_id: int, before: datetime) -> int:
    """Points of the member that expire before ``before``."""
    return int(session.exec(select(func.coalesce(func.sum(PointsMovement.remaining), 0)).where(
        PointsMovement.customer_id == customer_id, col(PointsMovement.remaining) > 0,
        col(PointsMovement.expires_at) <= before)).one())


# ---------------------------------------------------------------- events


def _event_read(row: PointsEvent) -> PointsEventRead:
    return PointsEventRead.model_validate(row, from_attributes=True)


def add_event(*, session: Session, actor: Actor, name: str, multiplier_bp: int, starts_at: datetime,
              ends_at: datetime, category_ids: list[int] | None = None, tier_codes: list[str] | None = None
              ) -> PointsEventRead:
    """A points event (x2 = 20000 bp) from ``starts_at`` to ``ends_at``, maybe only for some categories/tiers."""
    from shoptui.models.catalog import Category
    from shoptui.models.members import MemberTier

    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("A points event needs a name of 1 to 100 characters.")
    check_text(name, "points event name", 100)
    if isinstance(multiplier_bp, bool) or multiplier_bp <= BP_ONE or multiplier_bp > 100 * BP_ONE:
        raise InvalidInput(f"The multiplier must be more than x1 and at most x100, not x{multiplier_bp / BP_ONE:g}.")
    starts_at, ends_at = clock.ensure_utc(starts_at), clock.ensure_utc(ends_at)
    if ends_at <= starts_at:
        raise InvalidInput("The event ends before it starts; give an end after the start.")
    if category_ids:
        known = set(session.exec(select(Category.id).where(col(Category.id).in_(category_ids))).all())
        missing = sorted(set(category_ids) - known)
        if missing:
            raise NotFound(f"There is no category {missing[0]}.")
    if tier_codes:
        known_tiers = set(session.exec(select(MemberTier.code).where(col(MemberTier.code).in_(tier_codes))).all())
        missing_tiers = sorted(set(tier_codes) - known_tiers)
        if missing_tiers:
            raise NotFound(f"There is no tier {missing_tiers[0]!r}; see 'shoptui tier list'.")
    row = PointsEvent(name=name, multiplier_bp=multiplier_bp, starts_at=starts_at, ends_at=ends_at,
                      category_ids=sorted(set(category_ids)) if category_ids else None,
                      tier_codes=sorted(set(tier_codes)) if tier_codes else None, created_at=clock.now())
    session.add(row)
    session.flush()
    shop.record(session=session, actor=actor, action="member.event.add", entity="points_event", entity_id=row.id,
                 summary=f"points event {name} x{multiplier_bp / BP_ONE:g}", after=_event_read(row).model_dump())
    return _event_read(row)


def end_event(*, session: Session, actor: Actor, event_id: int) -> PointsEventRead:
    """Stop a points event now."""
    row = session.get(PointsEvent, event_id)
    if row is None:
        raise NotFound(f"There is no points event #{event_id}.")
    if not row.active:
        raise Conflict(f"Points event #{event_id} has already ended.")
    row.active = False
    session.add(row)
    session.flush()
    shop.record(session=session, actor=actor, action="member.event.end", entity="points_event", entity_id=event_id,
                 summary=f"points event {row.name} ended", before={"active": True}, after={"active": False})
    return _event_read(row)


def list_events(*, session: Session, current_only: bool = False) -> list[PointsEventRead]:
    """Points events, newest first (only the running ones with ``current_only``)."""
    query = select(PointsEvent).order_by(col(PointsEvent.starts_at).desc(), col(PointsEvent.id).desc()).limit(500)
    if current_only:
        now = clock.now()
        query = query.where(col(PointsEvent.active).is_(True), col(PointsEvent.starts_at) <= now,
                            col(PointsEvent.ends_at) > now)
    return [_event_read(r) for r in session.exec(query).all()]


# ---------------------------------------------------------------- gifts


def _gift_read(row: PointsGift) -> GiftRead:
    return GiftRead.model_validate(row, from_attributes=True)


def add_gift(*, session: Session, actor: Actor, code: str, name: str, points_cost: int, quantity: int | None = None,
             sku: str | None = None) -> GiftRead:
    """A gift in the points catalogue; with ``sku`` taking it also takes that item from stock."""
    code = (code or "").strip().upper()
    if not code or len(code) > 32 or not code.replace("-", "").replace("_", "").isalnum():
        raise InvalidInput(f"The gift code {code!r} must be 1 to 32 letters, digits, - or _.")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("A gift needs a name of 1 to 200 characters.")
    check_text(name, "gift name", 200)
    _check_points(points_cost, "points cost")
    if points_cost <= 0:
        raise InvalidInput(f"A gift must cost at least 1 point, not {points_cost}.")
    if quantity is not None and (isinstance(quantity, bool) or quantity < 0 or quantity > 10**9):
        raise InvalidInput(f"The quantity {quantity} must be 0 or more.")
    if session.exec(select(PointsGift.id).where(PointsGift.code == code)).first() is not None:
        raise Conflict(f"The gift code {code} is already used. Pick another code.")
    variant_id = None
    if sku:
        from shoptui.services.inventory import find_variant

        variant_id = find_variant(session, sku).id
    row = PointsGift(code=code, name=name, points_cost=points_cost, quantity=quantity, variant_id=variant_id,
                     created_at=clock.now())
    session.add(row)
    session.flush()
    shop.record(session=session, actor=actor, action="member.gift.add", entity="gift", entity_id=code,
                 summary=f"gift {code} {name} for {points_cost} points", after=_gift_read(row).model_dump())
    return _gift_read(row)


def list_gifts(*, session: Session, include_inactive: bool = False) -> list[GiftRead]:
    """The points catalogue, cheapest first."""
    query = select(PointsGift).order_by(col(PointsGift.points_cost), col(PointsGift.code)).limit(1000)
    if not include_inactive:
        query = query.where(col(PointsGift.active).is_(True))
    return [_gift_read(r) for r in session.exec(query).all()]


def redeem_gift(*, session: Session, actor: Actor, customer_id: int, code: str, quantity: int = 1
                ) -> GiftRedemptionRead:
    """Take a gift for points: the points (atomic), the gift's count and, when linked, the stock."""
    if isinstance(quantity, bool) or quantity < 1 or quantity > 1000:
        raise InvalidInput(f"Take 1 to 1000 gifts at a time, not {quantity}.", field="quantity")
    gift = session.exec(select(PointsGift).where(PointsGift.code == (code or "").strip().upper())).first()
    if gift is None or not gift.active:
        raise NotFound(f"There is no gift {code!r} in the points catalogue; see 'shoptui member gift list'.",
                       field="code")
    cost = gift.points_cost * quantity
    if gift.quantity is not None:
        changed = session.exec(update(PointsGift).where(col(PointsGift.id) == gift.id,
                                                        col(PointsGift.quantity) >= quantity)
                               .values(quantity=col(PointsGift.quantity) - quantity)).rowcount
        if not changed:
            raise Conflict(f"Only {gift.quantity} of gift {gift.code} are left, not {quantity}.", field="quantity")
    cfg = member_settings(session)
    _take(session, customer_id, cost, f"spent on {quantity} x {gift.code}", "quantity")
    redemption = GiftRedemption(customer_id=customer_id, gift_id=gift.id or 0, quantity=quantity, points=cost,
                                actor=actor.name[:100], at=clock.now())
    session.add(redemption)
    session.flush()
    _movement(session, actor, customer_id, kind="gift", points=-cost, cfg=cfg,
              reason=f"{quantity} x {gift.name}", ref_kind="gift", ref_id=str(redemption.id), balance_done=True)
    if gift.variant_id is not None:
        from shoptui.services.inventory import sell

        sell(session=session, actor=actor, variant_id=gift.variant_id, quantity=quantity,
                       ref_kind="gift", ref_id=str(redemption.id))
    balance = _balance(session, customer_id)
    shop.record(session=session, actor=actor, action="member.points.gift", entity="member", entity_id=customer_id,
                 summary=f"{quantity} x gift {gift.code} for {cost} points", after={"points_balance": balance})
    return GiftRedemptionRead(id=redemption.id or 0, customer_id=customer_id, gift_code=gift.code,
                              gift_name=gift.name, quantity=quantity, points=cost, balance=balance)

