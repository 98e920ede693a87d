"""Marketing: what promotions and coupons did (usage recorded with the order), reports, checks, figures.

Promotions live in ``marketing_promotions``, coupons in ``marketing_coupons``, and what the
pricing loads in ``marketing_pricing``. This module records, inside the order's transaction,
which promotions and codes an order used: a code is taken with a conditional UPDATE, so a
single-use code can never be used twice, even by two terminals at the same moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, update
from sqlmodel import Session, col

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict
from shoptui.models._types import table_of
from shoptui.models.marketing import Coupon, CouponCode, CouponRedemption, Promotion, PromotionUse
from shoptui.models.orders import Order
from shoptui.services import pricing as pricing_api
from shoptui.services import shop
from shoptui.store.rows import tuples

# ---------------------------------------------------------------- usage, in the order's transaction


def record_usage(*, session: Session, actor: Actor, order_id: int, order_number: str, customer_id: int | None,
                 priced: pricing_api.PricedCart) -> None:
    """Count the promotions and take the codes an order used. Raises Conflict when one ran out meanwhile.

    The promotions are counted by one conditional UPDATE and their uses written by one INSERT of many rows,
    whatever their number: a counter sale under twenty running promotions is not forty round trips more.
    """
    now = clock.now()
    if priced.promotions:
        ids = sorted({applied.promotion_id for applied in priced.promotions})
        counted: Any = session.execute(
            update(Promotion).where(col(Promotion.id).in_(ids),
                                    (col(Promotion.usage_limit).is_(None))
                                    | (col(Promotion.used_count) < col(Promotion.usage_limit)))
            .values(used_count=col(Promotion.used_count) + 1).execution_options(synchronize_session=False))
        if counted.rowcount != len(ids):  # one reached its limit meanwhile: the caller's transaction is rolled back
            full: set[int] = set(session.execute(select(col(Promotion.id)).where(
                col(Promotion.id).in_(ids), col(Promotion.usage_limit).is_not(None),
                col(Promotion.used_count) >= col(Promotion.usage_limit))).scalars())
            name = next((p.name for p in priced.promotions if p.promotion_id in full), priced.promotions[0].name)
            raise Conflict(f"The promotion {name!r} has just reached its limit; price the order again.")
        session.execute(insert(table_of(PromotionUse)), [
            {"promotion_id": applied.promotion_id, "order_id": order_id, "customer_id": customer_id,
             "discount_minor": applied.discount_minor, "gift_minor": applied.gift_minor, "at": now}
            for applied in priced.promotions])
    for coupon in priced.coupons:
        taken = session.exec(
            update(CouponCode).where(col(CouponCode.id) == coupon.code_id,
                                     (col(CouponCode.max_uses).is_(None))
                                     | (col(CouponCode.used_count) < col(CouponCode.max_uses)))
            .values(used_count=col(CouponCode.used_count) + 1).execution_options(synchronize_session=False)).rowcount
        if taken != 1:
            raise Conflict(f"The coupon {coupon.code} has already been used.")
        taken = session.exec(
            update(Coupon).where(col(Coupon.id) == coupon.coupon_id,
                                 (col(Coupon.total_limit).is_(None)) | (col(Coupon.used_count) < col(Coupon.total_limit)))
            .values(used_count=col(Coupon.used_count) + 1).execution_options(synchronize_session=False)).rowcount
        if taken != 1:
            raise Conflict(f"The coupon of code {coupon.code} has just reached its limit of uses.")
    if priced.coupons:
        session.execute(insert(table_of(CouponRedemption)), [
            {"coupon_id": coupon.coupon_id, "code_id": coupon.code_id, "order_id": order_id,
             "customer_id": customer_id, "discount_minor": coupon.discount_minor, "at": now}
            for coupon in priced.coupons])
    if priced.promotions or priced.coupons:
        shop.record(session=session, actor=actor, action="marketing.use", entity="order", entity_id=order_number,
                     summary="; ".join([f"promotion {p.name!r}" for p in priced.promotions]
                                       + [f"coupon {c.code}" for c in priced.coupons])[:500])


def release_usage(*, session: Session, order_id: int) -> list[str]:
    """Give back what an order used (it is re-priced or cancelled); returns the codes freed."""
    uses: Sequence[int] = session.execute(select(col(PromotionUse.promotion_id)).where(col(PromotionUse.order_id) == order_id)).scalars().all()
    for promotion_id in uses:
        session.execute(update(Promotion).where(col(Promotion.id) == promotion_id, col(Promotion.used_count) > 0)
                        .values(used_count=Promotion.used_count - 1).execution_options(synchronize_session=False))
    redemptions = session.execute(select(col(CouponRedemption.coupon_id), col(CouponRedemption.code_id))
                                  .where(col(CouponRedemption.order_id) == order_id)).all()
    for coupon_id, code_id in redemptions:
        session.execute(update(CouponCode).where(col(CouponCode.id) == code_id, col(CouponCode.used_count) > 0)
                        .values(used_count=col(CouponCode.used_count) - 1).execution_options(synchronize_session=False))
        session.execute(update(Coupon).where(col(Coupon.id) == coupon_id, col(Coupon.used_count) > 0)
                        .values(used_count=col(Coupon.used_count) - 1).execution_options(synchronize_session=False))
    codes: list[str] = list(session.execute(select(col(CouponCode.code)).where(
        col(CouponCode.id).in_([r[1] for r in redemptions]))).scalars()) if redemptions else []
    session.execute(delete(PromotionUse).where(col(PromotionUse.order_id) == order_id))
    session.execute(delete(CouponRedemption).where(col(CouponRedemption.order_id) == order_id))
    session.flush()
    return codes


def on_order_event(*, session: Session, actor: Actor, order: Order, kind: str, data: dict[str, Any]) -> None:
    """Orders call this for every timeline event: a cancelled order gives its codes and promotion uses back."""
    if kind != "cancelled" or order.id is None:
        return
    codes = release_usage(session=session, order_id=order.id)
    if codes:
        shop.record(session=session, actor=actor, action="marketing.release", entity="order", entity_id=order.number,
                     summary=f"cancelled order {order.number} gave back coupon codes {', '.join(codes)}")


def order_coupon_codes(*, session: Session, order_id: int) -> list[str]:
    """The codes an order used, in the order they were taken."""
    return list(session.execute(
        select(col(CouponCode.code)).join(CouponRedemption, col(CouponRedemption.code_id) == col(CouponCode.id))
        .where(col(CouponRedemption.order_id) == order_id).order_by(col(CouponRedemption.id))).scalars())


# ---------------------------------------------------------------- reports


@dataclass(frozen=True)
class UsageReport:
    """What one promotion or coupon did: times used, discount given, revenue of the orders that used it."""

    kind: str  # promotion, coupon
    id: int
    name: str
    status: str
    times_used: int
    discount_minor: int
    gift_minor: int
    revenue_minor: int  # totals of those orders (not cancelled), less refunds


def usage_report(*, session: Session, kind: str | None = None, ref_id: int | None = None) -> list[UsageReport]:
    """Per promotion and coupon: times used, discount given, revenue of orders using it (grouped queries)."""
    revenue = func.sum(Order.total_minor - Order.refunded_minor)
    out: list[UsageReport] = []
    if kind in (None, "promotion"):
        query = (select(col(Promotion.id), col(Promotion.name), col(Promotion.status), func.count(col(PromotionUse.id)),
                        func.coalesce(func.sum(col(PromotionUse.discount_minor)), 0),
                        func.coalesce(func.sum(col(PromotionUse.gift_minor)), 0),
                        func.coalesce(revenue, 0))
                 .outerjoin(PromotionUse, col(PromotionUse.promotion_id) == col(Promotion.id))
                 .outerjoin(Order, (col(Order.id) == col(PromotionUse.order_id)) & (col(Order.status) != "cancelled"))
                 .group_by(col(Promotion.id)).order_by(col(Promotion.id)))
        if ref_id is not None:
            query = query.where(col(Promotion.id) == ref_id)
        out += [UsageReport("promotion", *row) for row in tuples(session.execute(query))]
    if kind in (None, "coupon"):
        query = (select(col(Coupon.id), col(Coupon.name), col(Coupon.status), func.count(col(CouponRedemption.id)),
                        func.coalesce(func.sum(col(CouponRedemption.discount_minor)), 0), literal(0),
                        func.coalesce(revenue, 0))
                 .outerjoin(CouponRedemption, col(CouponRedemption.coupon_id) == col(Coupon.id))
                 .outerjoin(Order, (col(Order.id) == col(CouponRedemption.order_id)) & (col(Order.status) != "cancelled"))
                 .group_by(col(Coupon.id)).order_by(col(Coupon.id)))
        if ref_id is not None:
            query = query.where(col(Coupon.id) == ref_id)
        out += [UsageReport("coupon", *row) for row in tuples(session.execute(query))]
    return out


# ---------------------------------------------------------------- db check and dashboard


def check_usage_counts(*, session: Session) -> list[str]:
    """Promotion and coupon usage counters equal their usage rows."""
    problems = []
    for pid, name, kept, counted in session.execute(
            select(col(Promotion.id), col(Promotion.name), col(Promotion.used_count), func.count(col(PromotionUse.id)))
            .outerjoin(PromotionUse, col(PromotionUse.promotion_id) == col(Promotion.id)).group_by(col(Promotion.id))):
        if kept != counted:
            problems.append(f"promotion #{pid} {name!r} counts {kept} uses but {counted} orders used it")
    for cid, name, kept, counted in session.execute(
            select(col(Coupon.id), col(Coupon.name), col(Coupon.used_count), func.count(col(CouponRedemption.id)))
            .outerjoin(CouponRedemption, col(CouponRedemption.coupon_id) == col(Coupon.id)).group_by(col(Coupon.id))):
        if kept != counted:
            problems.append(f"coupon #{cid} {name!r} counts {kept} uses but has {counted} redemptions")
    redeemed = (select(col(CouponRedemption.code_id), func.count().label("n")).group_by(col(CouponRedemption.code_id))
                .subquery())
    for code, kept, counted, max_uses in session.execute(
            select(col(CouponCode.code), col(CouponCode.used_count), func.coalesce(redeemed.c.n, 0), col(CouponCode.max_uses))
            .outerjoin(redeemed, redeemed.c.code_id == col(CouponCode.id))
            .where((col(CouponCode.used_count) != func.coalesce(redeemed.c.n, 0))
                   | ((col(CouponCode.max_uses).is_not(None)) & (col(CouponCode.used_count) > col(CouponCode.max_uses))))):
        problems.append(f"coupon code {code} counts {kept} uses but has {counted} redemptions (at most {max_uses})")
    return problems
