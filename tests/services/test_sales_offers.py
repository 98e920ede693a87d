"""Offers at the counter: promotions, the member's tier, coupon codes and points on the basket and the sale."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from shoptui import clock, db
from shoptui.errors import Conflict, InvalidInput, NotFound, ShopError
from shoptui.models.marketing import CouponCode, CouponRedemption, PromotionUse
from shoptui.models.members import Member, PointsMovement
from shoptui.models.orders import Order
from shoptui.services.marketing import coupons as mc
from shoptui.services.marketing import promotions as mp
from shoptui.services.marketing import reports as marketing
from shoptui.services.members import profiles as members
from shoptui.services.orders import checks
from shoptui.services.sales import counter as sales
from shoptui.services.shop import settings
from tests.services.orders_helpers import CLERK, add_product, level, seed


def promo(session: Session, **kwargs) -> mp.PromotionRead:  # type: ignore[no-untyped-def]
    kwargs.setdefault("name", "promo")
    kwargs.setdefault("starts_at", clock.now() - timedelta(days=1))
    return mp.add_promotion(session=session, actor=CLERK, data=mp.PromotionInput(**kwargs))


def coupon(session: Session, **kwargs) -> mc.CouponRead:  # type: ignore[no-untyped-def]
    kwargs.setdefault("name", "coupon")
    kwargs.setdefault("kind", "amount")
    return mc.add_coupon(session=session, actor=CLERK, data=mc.CouponInput(**kwargs))


def member(session: Session, phone: str, *, tier: str = "normal", points: int = 0) -> int:
    found = members.add_member(session=session, actor=CLERK, data=members.MemberCreate(name=f"M {phone}", phone=phone))
    row = session.get(Member, found.id)
    assert row is not None
    row.tier_code = tier
    session.add(row)
    session.flush()
    if points:
        members.adjust_points(session=session, actor=CLERK, ref=found.id, points=points, reason="test")
    return found.id


def basket(session: Session, *codes: str) -> sales.Basket:
    b = sales.new_basket(session=session)
    for code in codes:
        b = sales.scan(session=session, basket=b, code=code)
    return b


def count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def shop(session: Session, frozen_clock: datetime) -> Session:
    seed(session)  # TEE-01 99.00 x10, MUG-01 35.50 x5, CAP-01 10.00 x1
    return session


def test_promotions_price_the_basket_and_the_order_total_matches(shop: Session) -> None:
    promo(shop, name="Tee week", kind="discount", percent_bp=1000, products=["TEE-01"])
    promo(shop, name="满100减10", kind="spend_save", steps=[(10000, 1000)])
    b = basket(shop, "TEE-01", "MUG-01")
    names = [e.name for e in b.explanations]
    assert "Tee week" in names and "满100减10" in names
    assert b.offers_minor == 990 + 1000
    assert b.total_minor == 9900 + 3550 - 1990 == sum(line.net_minor for line in b.lines)
    assert all(e.detail for e in b.explanations)
    b = sales.set_quantity(basket=b, sku="MUG-01", quantity=0)  # no store at hand: the last reading is used
    assert b.total_minor == 9900 - 990 - 0  # 8910 is below the 100.00 threshold
    b = sales.scan(session=shop, basket=b, code="MUG-01")
    result = sales.complete_sale(session=shop, actor=CLERK, basket=b, tenders=[sales.Tender(method="cash")])
    assert result.order.total_minor == b.total_minor
    assert sorted(a.kind for a in result.order.adjustments) == ["promotion", "promotion"]
    assert "Tee week" in result.receipt and "You saved" in result.receipt
    assert count(shop, PromotionUse) == 2
    assert marketing.check_usage_counts(session=shop) == []


def test_member_tier_points_shown_and_used_partly(shop: Session) -> None:
    buyer = member(shop, "13800138000", tier="gold", points=5000)
    b = sales.attach_customer(session=shop, basket=basket(shop, "TEE-01"), phone="13800138000")
    assert b.member is not None and b.member.tier == "gold" and b.member.points_balance == 5000
    assert b.member.name == "M 13800138000" and b.member.tier_name
    tier = next(e for e in b.explanations if e.kind == "member")
    assert tier.amount_minor < 0 and "%" in tier.detail
    allowed = b.member.max_redeemable_points
    assert allowed == members.max_redeemable_points(session=shop, customer_id=buyer,
                                                    payable_minor=b.total_minor)
    assert 0 < allowed < 5000
    some = allowed // 2  # any amount, never all-or-nothing
    used = sales.set_points(basket=b, points=some)
    worth = members.points_value_minor(session=shop, points=some)
    assert used.points_to_use == some and used.points_minor == worth
    assert used.total_minor == b.total_minor - worth
    with pytest.raises(InvalidInput, match=f"At most {allowed} points"):
        sales.set_points(basket=b, points=allowed + 1)
    with pytest.raises(InvalidInput, match="holds 5000 points"):
        sales.set_points(basket=b, points=6000)
    with pytest.raises(InvalidInput, match="whole number"):
        sales.set_points(basket=b, points=-1)
    result = sales.complete_sale(session=shop, actor=CLERK, basket=used, tenders=[sales.Tender(method="card")])
    assert result.order.total_minor == used.total_minor
    assert any(a.kind == "points" for a in result.order.adjustments)
    balance = members.member_benefits(session=shop, customer_id=buyer).points_balance
    assert balance > 5000 - some - 1  # redeemed, then earned on the paid goods (the reward line earns none)
    assert shop.exec(select(PointsMovement).where(PointsMovement.kind == "redeem")).one().points == -some


def test_points_are_lowered_when_the_basket_shrinks_and_dropped_for_a_guest(shop: Session) -> None:
    member(shop, "13800138001", points=100_000)
    b = sales.attach_customer(session=shop, basket=basket(shop, "TEE-01", "MUG-01"), phone="13800138001")
    b = sales.set_points(basket=b, points=b.member.max_redeemable_points)  # type: ignore[union-attr]
    smaller = sales.remove_line(basket=b, sku="TEE-01")
    assert smaller.points_to_use < b.points_to_use
    assert any("Points lowered" in n for n in smaller.notices)
    guest = sales.detach_customer(basket=smaller)
    assert guest.points_to_use == 0 and guest.member is None and guest.total_minor == 3550


def test_coupons_add_remove_and_refusals_explained(shop: Session) -> None:
    coupon(shop, name="Ten off", amount_minor=1000, min_spend_minor=5000, code="SAVE10")
    coupon(shop, name="Old", amount_minor=500, code="OLD5", valid_until=clock.now() - timedelta(days=1))
    b = basket(shop, "TEE-01")
    b = sales.add_coupon(session=shop, basket=b, code="save-10")
    assert b.coupon_codes == ("SAVE10",) and b.total_minor == 8900
    assert [e.name for e in b.explanations] == ["Ten off (SAVE10)"]
    with pytest.raises(InvalidInput, match="already on this sale"):
        sales.add_coupon(session=shop, basket=b, code="SAVE10")
    with pytest.raises(InvalidInput, match="expired"):
        sales.add_coupon(session=shop, basket=b, code="OLD5")
    with pytest.raises(NotFound, match="no coupon code 'NOPE'"):
        sales.add_coupon(session=shop, basket=b, code="NOPE")
    with pytest.raises(InvalidInput, match="Type or scan"):
        sales.add_coupon(session=shop, basket=b, code="  ")
    with pytest.raises(InvalidInput, match="needs a spend of 50.00"):
        sales.add_coupon(session=shop, basket=basket(shop, "CAP-01"), code="SAVE10")
    # a line taken out below the threshold takes the code off, saying why
    small = sales.set_quantity(basket=sales.scan(session=shop, basket=b, code="CAP-01"), sku="TEE-01", quantity=0)
    assert small.coupon_codes == () and any("needs a spend" in n for n in small.notices)
    off = sales.remove_coupon(basket=b, code="SAVE10")
    assert off.coupon_codes == () and off.total_minor == 9900
    with pytest.raises(InvalidInput, match="not on this sale"):
        sales.remove_coupon(basket=off, code="SAVE10")


def test_a_used_up_coupon_is_refused_and_nothing_written(shop: Session) -> None:
    c = coupon(shop, amount_minor=500, total_limit=1)
    code = mc.issue_coupon(session=shop, actor=CLERK, ref=c.id, count=1).codes[0]
    first = sales.add_coupon(session=shop, basket=basket(shop, "TEE-01"), code=code)
    second = sales.add_coupon(session=shop, basket=basket(shop, "MUG-01"), code=code)  # another till, same code
    sales.complete_sale(session=shop, actor=CLERK, basket=first, tenders=[sales.Tender(method="cash")])
    before = (count(shop, Order), count(shop, CouponRedemption), level(shop, "MUG-01"))
    with pytest.raises(ShopError, match="already been used|limit"):
        sales.complete_sale(session=shop, actor=CLERK, basket=second, tenders=[sales.Tender(method="cash")])
    assert (count(shop, Order), count(shop, CouponRedemption), level(shop, "MUG-01")) == before
    with pytest.raises(InvalidInput, match="already been used|limit"):
        sales.add_coupon(session=shop, basket=basket(shop, "TEE-01"), code=code)


def test_gift_lines_take_stock_or_are_skipped_with_a_notice(shop: Session) -> None:
    add_product(shop, "GIFT-01", 1500, 1, title="Tote bag")
    promo(shop, name="Tote over 100", kind="gift", gift_sku="GIFT-01", min_spend_minor=10000)
    b = basket(shop, "TEE-01", "MUG-01")
    assert [(g.sku, g.quantity, g.promotion) for g in b.gifts] == [("GIFT-01", 1, "Tote over 100")]
    assert b.total_minor == 9900 + 3550
    assert any(e.kind == "gift" for e in b.explanations)
    result = sales.complete_sale(session=shop, actor=CLERK, basket=b, tenders=[sales.Tender(method="card")])
    assert [line.sku for line in result.order.lines][-1] == "GIFT-01"
    assert level(shop, "GIFT-01") == (0, 0)
    assert "Tote bag" in result.receipt
    again = basket(shop, "TEE-01", "MUG-01")
    assert again.gifts == () and any("out of stock" in n for n in again.notices)


def test_offers_changed_since_pricing_are_refused(shop: Session) -> None:
    p = promo(shop, kind="discount", amount_minor=1000)
    b = basket(shop, "TEE-01")
    assert b.total_minor == 8900
    mp.set_status(session=shop, actor=CLERK, ref=p.id, action="pause")
    with pytest.raises(Conflict, match="offers changed"):
        sales.complete_sale(session=shop, actor=CLERK, basket=b, tenders=[sales.Tender(method="cash")])
    assert count(shop, Order) == 0
    fresh = sales.refresh(session=shop, basket=b)
    assert fresh.total_minor == 9900 and fresh.explanations == ()


def test_sell_in_one_call_with_member_coupon_points(shop: Session) -> None:
    member(shop, "13800138002", points=2000)
    coupon(shop, amount_minor=300, code="THREE3")
    result = sales.sell(session=shop, actor=CLERK, items=[("TEE-01", 1)], customer="13800138002",
                        coupon_codes=["three3"], points=100, tenders=[sales.Tender(method="cash")])
    kinds = sorted(a.kind for a in result.order.adjustments)
    assert kinds == ["coupon", "points"]
    worth = members.points_value_minor(session=shop, points=100)
    assert result.order.total_minor == 9900 - 300 - worth
    assert shop.exec(select(CouponCode.used_count).where(CouponCode.code == "THREE3")).one() == 1


def test_single_use_code_at_two_tills_at_once(store: str) -> None:
    with db.transaction(store) as s:
        seed(s)
        c = coupon(s, amount_minor=500)
        code = mc.issue_coupon(session=s, actor=CLERK, ref=c.id, count=1).codes[0]
        settings.set_value(session=s, actor=CLERK, key="cash_rounding", raw="none")
    baskets = []
    with db.read_session(store) as s:
        for sku in ("TEE-01", "MUG-01"):
            baskets.append(sales.add_coupon(session=s, basket=basket(s, sku), code=code))
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def till(b: sales.Basket) -> None:
        start.wait()
        try:
            with db.transaction(store) as s:
                sales.complete_sale(session=s, actor=CLERK, basket=b, tenders=[sales.Tender(method="cash")])
            outcomes.append("sold")
        except ShopError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=till, args=(b,)) for b in baskets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[-1] == "sold" and outcomes.count("sold") == 1
    refused = next(o for o in outcomes if o != "sold")
    assert "already been used" in refused or "offers changed" in refused
    with db.read_session(store) as s:
        assert count(s, Order) == 1 and count(s, CouponRedemption) == 1
        assert marketing.check_usage_counts(session=s) == []
        assert checks.check_order_totals(session=s) == []
    db.dispose_all()


def test_a_promotion_started_after_a_plain_basket_was_priced_is_refused_and_rolled_back(store: str) -> None:
    with db.transaction(store) as s:
        seed(s)
    with db.read_session(store) as s:
        plain = basket(s, "TEE-01")
    assert plain.total_minor == 9900 and plain.explanations == ()
    with db.transaction(store) as s:
        promo(s, kind="discount", amount_minor=1000)
    with pytest.raises(Conflict, match="now totals 89.00, not 99.00"), db.transaction(store) as s:
        sales.complete_sale(session=s, actor=CLERK, basket=plain, tenders=[sales.Tender(method="cash")])
    with db.read_session(store) as s:
        assert count(s, Order) == 0 and count(s, PromotionUse) == 0 and level(s, "TEE-01") == (10, 0)
    db.dispose_all()
