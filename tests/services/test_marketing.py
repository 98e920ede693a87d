"""Promotions, coupons and the pricing that applies them, on a real store."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from shoptui import clock
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.catalog import Variant
from shoptui.models.marketing import Coupon, CouponCode, PromotionUse
from shoptui.models.members import Member
from shoptui.models.messaging import OutboxMessage
from shoptui.services.catalog import categories, products
from shoptui.services.marketing import coupons as mc
from shoptui.services.marketing import promotions as mp
from shoptui.services.marketing import reports as marketing
from shoptui.services.members import profiles as members
from shoptui.services.orders import closing, editing, placing
from shoptui.services.pricing import engine as pricing
from shoptui.services.pricing import terms as pricing_terms
from tests.services.orders_helpers import CLERK, add_product, draft, level, seed


def promo(session: Session, **kwargs) -> mp.PromotionRead:  # type: ignore[no-untyped-def]
    kwargs.setdefault("name", "promo")
    kwargs.setdefault("starts_at", clock.now() - timedelta(days=1))
    return mp.add_promotion(session=session, actor=CLERK, data=mp.PromotionInput(**kwargs))


def coupon(session: Session, **kwargs) -> mc.CouponRead:  # type: ignore[no-untyped-def]
    kwargs.setdefault("name", "coupon")
    kwargs.setdefault("kind", "amount")
    return mc.add_coupon(session=session, actor=CLERK, data=mc.CouponInput(**kwargs))


def cart(*items: tuple[str, int], shipping: int = 0) -> pricing.Cart:
    return pricing.Cart(items=tuple(pricing.CartItem(quantity=q, sku=s) for s, q in items), shipping_minor=shipping)


def price(session: Session, *items: tuple[str, int], **kwargs) -> pricing.PricedCart:  # type: ignore[no-untyped-def]
    shipping = kwargs.pop("shipping", 0)
    return pricing_terms.price(session=session, cart=cart(*items, shipping=shipping), **kwargs)


def member(session: Session, phone: str, *, tier: str = "normal", points: int = 0, sms: bool = True,
           email: str | None = None) -> int:
    found = members.add_member(session=session, actor=CLERK, data=members.MemberCreate(
        name=f"M {phone}", phone=phone, email=email, sms_consent=sms, email_consent=sms))
    row = session.get(Member, found.id)
    assert row is not None
    row.tier_code = tier
    session.add(row)
    session.flush()
    if points:
        members.adjust_points(session=session, actor=CLERK, ref=found.id, points=points, reason="test")
    return found.id


@pytest.fixture
def shop(session: Session, frozen_clock: datetime) -> Session:
    seed(session)  # TEE-01 99.00 x10, MUG-01 35.50 x5, CAP-01 10.00 x1
    return session


# ---------------------------------------------------------------- promotions


def test_spend_and_save_takes_the_highest_threshold_reached(shop: Session) -> None:
    promo(shop, kind="spend_save", steps=[(20000, 2000), (50000, 6000)])
    assert price(shop, ("TEE-01", 2)).discount_minor == 0  # 198.00 < 200
    priced = price(shop, ("TEE-01", 2), ("CAP-01", 1))  # 208.00
    assert priced.discount_minor == 2000
    assert priced.total_minor == 20800 - 2000
    assert price(shop, ("TEE-01", 6)).discount_minor == 6000


def test_repeating_spend_and_save_is_capped(shop: Session) -> None:
    promo(shop, kind="spend_save", every_minor=10000, every_off_minor=1000, cap_minor=2500)
    assert price(shop, ("TEE-01", 2)).discount_minor == 1000  # 198: once
    assert price(shop, ("TEE-01", 10)).discount_minor == 2500  # 990: 9 times, capped


def test_percentage_on_a_category_includes_its_subtree(shop: Session) -> None:
    root = categories.create_category(session=shop, actor=CLERK, name="Clothes")
    child = categories.create_category(session=shop, actor=CLERK, name="Shirts", parent_id=root.id)
    product_id = shop.exec(select(Variant.product_id).where(Variant.sku == "TEE-01")).one()
    products.update_product(session=shop, actor=CLERK, product_id=product_id,
                           patch=products.ProductUpdate(category_id=child.id))
    promo(shop, kind="discount", percent_bp=1000, categories=[root.slug])
    priced = price(shop, ("TEE-01", 1), ("MUG-01", 1))
    assert priced.discount_minor == 990
    tee, mug = priced.order.lines
    assert (tee.adjustment_minor, mug.adjustment_minor) == (-990, 0)
    assert priced.explanations[0].lines == ("TEE-01",)


def test_buy_one_get_one_discounts_the_cheapest_items(shop: Session) -> None:
    promo(shop, kind="bxgy", buy_qty=1, get_qty=1, products=["TEE-01", "MUG-01"])
    priced = price(shop, ("TEE-01", 1), ("MUG-01", 1))
    assert priced.discount_minor == 3550  # the mug is free
    assert priced.order.lines[1].net_minor == 0
    half = promo(shop, name="second half", kind="bxgy", buy_qty=2, get_qty=1, get_percent_bp=5000, exclusive=True)
    assert half.get_percent_bp == 5000
    assert price(shop, ("MUG-01", 3)).discount_minor == 3550  # bogo (1 free) beats half off one


def test_gift_with_purchase_adds_a_zero_price_line_or_a_notice(shop: Session) -> None:
    promo(shop, kind="gift", min_spend_minor=10000, gift_sku="CAP-01")
    priced = price(shop, ("TEE-01", 2))
    gift = priced.order.lines[-1]
    assert (gift.key, gift.quantity, gift.net_minor) == ("CAP-01", 1, 0)
    assert priced.total_minor == 19800
    order = placing.create_order(session=shop, actor=CLERK, draft=draft(("TEE-01", 2)))
    assert [line.sku for line in order.lines] == ["TEE-01", "CAP-01"]
    assert level(shop, "CAP-01") == (1, 1)  # the gift is reserved
    again = price(shop, ("TEE-01", 2))
    assert [line.key for line in again.order.lines] == ["TEE-01"]
    assert "out of stock" in again.notices[0]


def test_exclusive_against_combinable_picks_the_most_for_the_customer(shop: Session) -> None:
    a = promo(shop, name="ten off", kind="discount", amount_minor=1000)
    b = promo(shop, name="five off", kind="discount", amount_minor=500)
    c = promo(shop, name="twelve exclusive", kind="discount", amount_minor=1200, exclusive=True)
    priced = price(shop, ("TEE-01", 1))
    assert priced.discount_minor == 1500
    assert [p.promotion_id for p in priced.promotions] == [a.id, b.id]
    mp.set_status(session=shop, actor=CLERK, ref=b.id, action="pause")
    priced = price(shop, ("TEE-01", 1))
    assert [p.promotion_id for p in priced.promotions] == [c.id]


def test_ties_go_to_priority_then_the_older_promotion(shop: Session) -> None:
    first = promo(shop, name="a", kind="discount", amount_minor=1000, exclusive=True)
    second = promo(shop, name="b", kind="discount", amount_minor=1000, exclusive=True)
    assert [p.promotion_id for p in price(shop, ("TEE-01", 1)).promotions] == [first.id]
    third = promo(shop, name="c", kind="discount", amount_minor=1000, exclusive=True, priority=5)
    assert [p.promotion_id for p in price(shop, ("TEE-01", 1)).promotions] == [third.id]
    assert second.id


def test_eligibility_window_channel_tier_new_customers(shop: Session) -> None:
    now = clock.now()
    promo(shop, name="later", kind="discount", amount_minor=100, starts_at=now + timedelta(days=1))
    promo(shop, name="web only", kind="discount", amount_minor=200, channels=["web"])
    promo(shop, name="gold only", kind="discount", amount_minor=400, tiers=["gold"])
    promo(shop, name="welcome", kind="discount", amount_minor=800, new_customers=True)
    assert price(shop, ("TEE-01", 1)).discount_minor == 0
    assert price(shop, ("TEE-01", 1), channel="web").discount_minor == 200
    gold = member(shop, "13800138000", tier="gold")
    priced = price(shop, ("TEE-01", 1), customer_id=gold)
    assert {p.name for p in priced.promotions} == {"gold only", "welcome"}
    placing.create_order(session=shop, actor=CLERK, draft=draft(("MUG-01", 1), customer=gold))
    assert {p.name for p in price(shop, ("TEE-01", 1), customer_id=gold).promotions} == {"gold only"}


def test_usage_limits_total_and_per_member(shop: Session) -> None:
    once = promo(shop, name="once", kind="discount", amount_minor=100, usage_limit=1)
    promo(shop, name="per member", kind="discount", amount_minor=200, per_member_limit=1)
    buyer = member(shop, "13800138001")
    first = placing.create_order(session=shop, actor=CLERK, draft=draft(("TEE-01", 1), customer=buyer))
    assert first.adjustments_minor == -300
    second = placing.create_order(session=shop, actor=CLERK, draft=draft(("TEE-01", 1), customer=buyer))
    assert second.adjustments_minor == -800 + 800  # both used up for this member
    assert mp.get_promotion(session=shop, ref=once.id).used_count == 1
    assert marketing.check_usage_counts(session=shop) == []


def test_member_tier_discount_and_free_shipping(shop: Session) -> None:
    silver = member(shop, "13800138002", tier="silver")
    priced = price(shop, ("TEE-01", 3), customer_id=silver, shipping=1500)
    assert priced.discount_minor == 1485  # 5% of 297.00
    assert priced.shipping_minor == 0  # over 199.00
    assert priced.total_minor == 29700 - 1485
    small = price(shop, ("MUG-01", 1), customer_id=silver, shipping=1500)
    assert small.shipping_minor == 1500


# ---------------------------------------------------------------- bad promotions


@pytest.mark.parametrize(("kwargs", "message", "field"), [
    ({"kind": "discount", "percent_bp": 10_001}, "at most 100%", "percent_bp"),
    ({"kind": "discount", "percent_bp": 0}, "more than 0%", "percent_bp"),
    ({"kind": "discount"}, "either a percentage or an amount", "percent_bp"),
    ({"kind": "bxgy", "buy_qty": 0, "get_qty": 1}, "number to buy", "buy_qty"),
    ({"kind": "bxgy", "buy_qty": 1, "get_qty": 0}, "number discounted", "get_qty"),
    ({"kind": "spend_save"}, "at least one threshold", "steps"),
    ({"kind": "spend_save", "steps": [(1000, 2000)]}, "cannot be more than its threshold", "steps"),
    ({"kind": "gift", "gift_sku": "NOPE"}, "no SKU", "gift_sku"),
    ({"kind": "gift", "gift_sku": "CAP-01"}, "minimum spend or products", "min_spend_minor"),
    ({"kind": "nonsense"}, "not one of", "kind"),
    ({"kind": "discount", "amount_minor": 100, "tiers": ["platinum"]}, "no tier", "tiers"),
    ({"kind": "discount", "amount_minor": 100, "channels": ["moon"]}, "not one of", "channels"),
    ({"kind": "discount", "amount_minor": 100, "products": ["NOPE"]}, "no product", "products"),
    ({"kind": "discount", "amount_minor": 100, "name": "  "}, "needs a name", "name"),
    ({"kind": "discount", "amount_minor": 100, "usage_limit": 0}, "usage limit", "usage_limit"),
])
def test_bad_promotions_are_refused(shop: Session, kwargs: dict, message: str, field: str) -> None:
    with pytest.raises((InvalidInput, NotFound), match=message) as refused:
        promo(shop, **kwargs)
    assert refused.value.field == field  # the input a form marks


def test_a_promotion_ending_before_it_starts_is_refused(shop: Session) -> None:
    now = clock.now()
    with pytest.raises(InvalidInput, match="before it starts") as refused:
        promo(shop, kind="discount", amount_minor=100, starts_at=now, ends_at=now - timedelta(hours=1))
    assert refused.value.field == "ends_at"


def test_status_moves(shop: Session) -> None:
    p = promo(shop, kind="discount", amount_minor=100)
    assert mp.set_status(session=shop, actor=CLERK, ref=p.id, action="pause").status == "paused"
    with pytest.raises(Conflict):
        mp.set_status(session=shop, actor=CLERK, ref=p.id, action="pause")
    assert mp.set_status(session=shop, actor=CLERK, ref=p.id, action="end").status == "ended"
    with pytest.raises(Conflict):
        mp.set_status(session=shop, actor=CLERK, ref=p.id, action="resume")
    assert mp.list_promotions(session=shop, running=True).items == []


# ---------------------------------------------------------------- coupons


def test_shared_coupon_on_an_order_is_counted_and_reported(shop: Session) -> None:
    coupon(shop, amount_minor=1000, min_spend_minor=5000, code="save-10")
    order = placing.create_order(session=shop, actor=CLERK, draft=draft(("TEE-01", 1), coupon_codes=["SAVE10"]))
    assert order.total_minor == 8900
    assert [a.ref for a in order.adjustments] == ["coupon:SAVE10"]
    report = marketing.usage_report(session=shop, kind="coupon")[0]
    assert (report.times_used, report.discount_minor, report.revenue_minor) == (1, 1000, 8900)
    assert marketing.check_usage_counts(session=shop) == []


def test_coupon_refusals(shop: Session) -> None:
    coupon(shop, amount_minor=1000, min_spend_minor=5000, code="SAVE10", total_limit=1)
    with pytest.raises(InvalidInput, match="needs a spend of 50.00"):
        price(shop, ("MUG-01", 1), coupon_codes=["SAVE10"])
    with pytest.raises(NotFound, match="no coupon code"):
        price(shop, ("TEE-01", 1), coupon_codes=["NOPE"])
    placing.create_order(session=shop, actor=CLERK, draft=draft(("TEE-01", 1), coupon_codes=["SAVE10"]))
    with pytest.raises(InvalidInput, match="limit of 1 use"):
        price(shop, ("TEE-01", 1), coupon_codes=["SAVE10"])
    coupon(shop, name="old", amount_minor=100, code="OLD1", valid_until=clock.now() - timedelta(days=1),
           valid_from=clock.now() - timedelta(days=9))
    with pytest.raises(InvalidInput, match="expired"):
        price(shop, ("TEE-01", 1), coupon_codes=["OLD1"])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"amount_minor": None}, "needs an amount"),
    ({"kind": "percent", "percent_bp": 12_000}, "at most 100%"),
    ({"kind": "percent", "percent_bp": 1000, "amount_minor": 5}, "no amount"),
    ({"amount_minor": 100, "cap_minor": 50}, "only applies to a percentage"),
    ({"amount_minor": 100, "valid_days": 10, "valid_until": datetime(2027, 1, 1).astimezone()}, "not both"),
    ({"amount_minor": 100, "code": "a!"}, "4 to 40 letters"),
])
def test_bad_coupons_are_refused(shop: Session, kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        coupon(shop, **kwargs)


def test_percentage_coupon_cap_and_not_combinable(shop: Session) -> None:
    promo(shop, kind="discount", amount_minor=500)
    coupon(shop, kind="percent", percent_bp=5000, cap_minor=3000, code="HALF", combinable=False)
    priced = price(shop, ("TEE-01", 1), coupon_codes=["HALF"])
    assert priced.discount_minor == 3000 and not priced.promotions  # 30.00 (capped) beats 5.00
    small = price(shop, ("CAP-01", 1), coupon_codes=["HALF"])
    assert small.discount_minor == 500 and small.coupons == ()  # 5.00 promotion beats 5.00? tie: promotions kept
    assert "not used" in small.notices[0]


def test_unique_codes_issued_to_a_segment_sent_with_consent_and_exported(shop: Session) -> None:
    yes = member(shop, "13800138010", tier="gold", sms=True)
    no = member(shop, "13800138011", tier="gold", sms=False)
    member(shop, "13800138012", tier="normal")
    c = coupon(shop, amount_minor=500, valid_days=30, share_text="Use $code for $value")
    result = mc.issue_coupon(session=shop, actor=CLERK, ref=c.id, segment=mc.Segment(tiers=["gold"]))
    assert result.issued == 2
    assert all(len(code) == 10 and not set(code) & set("0O1IL") for code in result.codes)
    again = mc.issue_coupon(session=shop, actor=CLERK, ref=c.id, segment=mc.Segment(tiers=["gold"]))
    assert (again.issued, again.already_held) == (0, 2)
    sent = mc.send_coupon(session=shop, actor=CLERK, ref=c.id, channel="sms")
    assert (sent.queued, sent.no_consent) == (1, 1)
    messages = shop.exec(select(OutboxMessage).where(OutboxMessage.template == "coupon")).all()
    codes = {row.customer_id: row.code for row in shop.exec(select(CouponCode).where(CouponCode.coupon_id == c.id))}
    assert len(messages) == 1 and codes[yes] in messages[0].body and codes[no] not in messages[0].body
    rows = list(csv.DictReader(io.StringIO(mc.export_codes(session=shop, ref=c.id))))
    assert {r["code"] for r in rows} == set(codes.values())
    assert rows[0]["share_text"].startswith(f"Use {rows[0]['code']} for 5.00 off")
    with pytest.raises(InvalidInput, match="issued to another customer"):
        price(shop, ("TEE-01", 1), coupon_codes=[codes[yes]], customer_id=no)
    order = placing.create_order(session=shop, actor=CLERK, draft=draft(("TEE-01", 1), customer=yes,
                                                                        coupon_codes=[codes[yes].lower()]))
    assert order.total_minor == 9900 - 990 - 500  # gold: 10% off, then the code
    with pytest.raises(InvalidInput, match="already been used"):
        price(shop, ("TEE-01", 1), coupon_codes=[codes[yes]], customer_id=yes)


def test_loose_batch_codes_and_segment_filters(shop: Session) -> None:
    c = coupon(shop, amount_minor=500)
    batch = mc.issue_coupon(session=shop, actor=CLERK, ref=c.id, count=50)
    assert len(set(batch.codes)) == 50
    with pytest.raises(InvalidInput, match="No member"):
        mc.issue_coupon(session=shop, actor=CLERK, ref=c.id, segment=mc.Segment(tag="nobody"))
    with pytest.raises(InvalidInput, match="number of codes"):
        mc.issue_coupon(session=shop, actor=CLERK, ref=c.id, count=0)


def test_redemption_is_atomic_even_if_the_check_passed(shop: Session) -> None:
    c = coupon(shop, amount_minor=500)
    code = mc.issue_coupon(session=shop, actor=CLERK, ref=c.id, count=1).codes[0]
    priced = price(shop, ("TEE-01", 1), coupon_codes=[code])
    order = placing.create_order(session=shop, actor=CLERK, draft=draft(("TEE-01", 1), coupon_codes=[code]))
    with pytest.raises(Conflict, match="already been used"):  # a second terminal with a stale price
        marketing.record_usage(session=shop, actor=CLERK, order_id=order.id, order_number=order.number,
                               customer_id=None, priced=priced)


def test_points_are_redeemed_with_the_order(shop: Session) -> None:
    buyer = member(shop, "13800138020", points=1000)
    allowed = members.max_redeemable_points(session=shop, customer_id=buyer, payable_minor=9900)
    assert 0 < allowed
    if allowed < 1000:
        with pytest.raises(InvalidInput, match="At most"):
            price(shop, ("TEE-01", 1), customer_id=buyer, points_to_use=allowed + 1)
    use = min(allowed, 100)
    value = members.points_value_minor(session=shop, points=use)
    order = placing.create_order(session=shop, actor=CLERK, draft=draft(("TEE-01", 1), customer=buyer,
                                                                        points_to_use=use))
    assert order.total_minor == 9900 - value
    assert members.member_benefits(session=shop, customer_id=buyer).points_balance == 1000 - use
    with pytest.raises(InvalidInput, match="holds"):
        price(shop, ("TEE-01", 1), customer_id=buyer, points_to_use=5000)


def test_imported_orders_get_no_offers(shop: Session) -> None:
    promo(shop, kind="discount", amount_minor=1000)
    order = placing.create_order(session=shop, actor=CLERK, draft=draft(("TEE-01", 1), channel="imported",
                                                                        stock_mode="none"))
    assert order.total_minor == 9900
    assert shop.exec(select(PromotionUse)).all() == []


def test_report_and_dashboard(shop: Session) -> None:
    p = promo(shop, kind="discount", amount_minor=1000)
    placing.create_order(session=shop, actor=CLERK, draft=draft(("TEE-01", 1)))
    report = marketing.usage_report(session=shop, kind="promotion", ref_id=p.id)[0]
    assert (report.times_used, report.discount_minor, report.revenue_minor) == (1, 1000, 8900)
    from shoptui.services.marketing import figures as marketing_figures

    figure = marketing_figures.dashboard_figures(session=shop)[0]
    assert figure.value == "1"


def test_check_finds_a_broken_counter(shop: Session) -> None:
    coupon(shop, amount_minor=100, code="SAVE10")
    row = shop.exec(select(Coupon)).one()
    row.used_count = 3
    shop.add(row)
    shop.flush()
    assert any("counts 3 uses" in p for p in marketing.check_usage_counts(session=shop))


def test_pricing_the_same_cart_twice_is_the_same(shop: Session) -> None:
    promo(shop, kind="bxgy", buy_qty=2, get_qty=1)
    promo(shop, kind="spend_save", steps=[(10000, 1000)])
    add_product(shop, "SOCK-01", 1299, 50)
    first = price(shop, ("TEE-01", 2), ("MUG-01", 3), ("SOCK-01", 4), shipping=800)
    assert first == price(shop, ("TEE-01", 2), ("MUG-01", 3), ("SOCK-01", 4), shipping=800)
    assert sum(line.net_minor for line in first.order.lines) + first.shipping_minor == first.total_minor


def test_cancelling_an_order_gives_the_code_back(shop: Session) -> None:
    c = coupon(shop, amount_minor=500)
    code = mc.issue_coupon(session=shop, actor=CLERK, ref=c.id, count=1).codes[0]
    order = placing.create_order(session=shop, actor=CLERK, draft=draft(("TEE-01", 1), coupon_codes=[code]))
    closing.cancel_order(session=shop, actor=CLERK, number=order.number, reason="changed mind")
    assert price(shop, ("TEE-01", 1), coupon_codes=[code]).discount_minor == 500
    assert marketing.check_usage_counts(session=shop) == []


def test_editing_an_order_prices_the_offers_again(shop: Session) -> None:
    promo(shop, kind="spend_save", steps=[(20000, 2000)], products=["TEE-01"])
    coupon(shop, amount_minor=500, code="FIVE5")
    order = placing.create_order(session=shop, actor=CLERK, draft=draft(("TEE-01", 1), ("MUG-01", 1),
                                                                        coupon_codes=["FIVE5"]))
    assert order.total_minor == 9900 + 3550 - 500
    edited = editing.edit_order(session=shop, actor=CLERK, number=order.number,
                               edit=editing.OrderEdit(lines=[editing.LineChange(sku="TEE-01", quantity=3)]))
    assert edited.total_minor == 29700 + 3550 - 2000 - 500
    tee, mug = edited.lines
    assert mug.adjustment_minor == round(-500 * 3550 / (27700 + 3550))  # the 满减 stays on the tees
    assert sorted(a.kind for a in edited.adjustments) == ["coupon", "promotion"]
    assert marketing.check_usage_counts(session=shop) == []
    assert [r.times_used for r in marketing.usage_report(session=shop)] == [1, 1]


def test_counter_hand_over_opts_in_to_offers(shop: Session) -> None:
    promo(shop, kind="discount", amount_minor=1000)
    plain = placing.create_order(session=shop, actor=CLERK, draft=draft(("TEE-01", 1), channel="counter",
                                                                        stock_mode="deferred"))
    assert plain.total_minor == 9900  # the basket priced it; no second pricing behind its back
    offered = placing.create_order(session=shop, actor=CLERK, draft=draft(("TEE-01", 1), channel="counter",
                                                                          stock_mode="deferred", apply_offers=True))
    assert offered.total_minor == 8900


def test_share_text_names_the_last_valid_day() -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    coupon = Coupon(name="Welcome", share_text="$code valid until $expires$until")
    # valid through 2026-12-31 shop time: the code stops working at midnight that night
    expires = datetime(2027, 1, 1, tzinfo=tz)
    assert mc.share_line(coupon, "ABC234", expires, tz) == "ABC234 valid until 2026-12-31 until 2026-12-31"
    assert mc.share_line(coupon, "ABC234", None, tz) == "ABC234 valid until "


# ---------------------------------------------------------------- editing a promotion


def test_edit_changes_a_promotion_in_place_and_audits_it(shop: Session) -> None:
    from shoptui.models.store import AuditEntry

    made = promo(shop, name="tenth", kind="discount", percent_bp=1000)
    edited = mp.update_promotion(session=shop, actor=CLERK, ref=made.id,
                                 changes=mp.PromotionUpdate(name="fifth", amount_minor=2000, priority=5))
    assert edited.ended is None and edited.promotion.id == made.id
    assert sorted(edited.changed) == ["amount_minor", "name", "percent_bp", "priority"]
    assert (edited.promotion.percent_bp, edited.promotion.amount_minor) == (None, 2000)  # the amount replaced the %
    assert price(shop, ("TEE-01", 1)).discount_minor == 2000
    entry = shop.exec(select(AuditEntry).where(AuditEntry.action == "promotion.edit")).one()
    assert entry.before["name"] == "tenth" and entry.after["name"] == "fifth"
    assert entry.before["percent_bp"] == 1000 and entry.after["amount_minor"] == 2000


def test_edit_of_a_used_promotion_keeps_what_orders_had(shop: Session) -> None:
    made = promo(shop, name="tenth", kind="discount", percent_bp=1000)
    for _ in range(2):
        placing.create_order(session=shop, actor=CLERK, draft=draft(("TEE-01", 1)))
    # name, window, limits: in place
    edited = mp.update_promotion(session=shop, actor=CLERK, ref=made.id,
                                 changes=mp.PromotionUpdate(name="ten percent", usage_limit=5))
    assert edited.ended is None and edited.promotion.name == "ten percent"
    # the reward: refused unless as a new version
    with pytest.raises(Conflict, match="has been used on 2 order"):
        mp.update_promotion(session=shop, actor=CLERK, ref=made.id, changes=mp.PromotionUpdate(percent_bp=2000))
    assert mp.get_promotion(session=shop, ref=made.id).percent_bp == 1000
    with pytest.raises(InvalidInput, match="used 2 times already"):
        mp.update_promotion(session=shop, actor=CLERK, ref=made.id, changes=mp.PromotionUpdate(usage_limit=1))
    version = mp.update_promotion(session=shop, actor=CLERK, ref=made.id, new_version=True,
                                  changes=mp.PromotionUpdate(percent_bp=2000))
    assert version.ended is not None and version.ended.status == "ended" and version.ended.used_count == 2
    assert version.promotion.id != made.id and version.promotion.percent_bp == 2000
    assert version.promotion.name == "ten percent" and version.promotion.used_count == 0
    assert price(shop, ("TEE-01", 1)).discount_minor == 1980  # only the new version runs
    report = {r.id: r for r in marketing.usage_report(session=shop, kind="promotion")}
    assert report[made.id].times_used == 2


@pytest.mark.parametrize(("changes", "message"), [
    ({"percent_bp": 10_001}, "at most 100%"),
    ({"ends_at": datetime(2020, 1, 1, tzinfo=clock.UTC)}, "end .* before it starts"),
    ({"name": ""}, "name of 1 to 200"),
    ({"name": None}, "cannot be emptied"),
    ({"priority": 5000}, "priority"),
    ({"kind": "bxgy"}, "both quantities"),
    ({"products": ["NOPE-1"]}, "no product"),
    ({}, "Nothing to change"),
])
def test_bad_edits_are_refused_and_change_nothing(shop: Session, changes: dict, message: str) -> None:
    made = promo(shop, name="tenth", kind="discount", percent_bp=1000)
    with pytest.raises((InvalidInput, NotFound), match=message):
        mp.update_promotion(session=shop, actor=CLERK, ref=made.id, changes=mp.PromotionUpdate(**changes))
    again = mp.get_promotion(session=shop, ref=made.id)
    assert (again.name, again.percent_bp, again.kind, again.updated_at) == ("tenth", 1000, "discount", made.updated_at)


def test_an_ended_promotion_cannot_be_edited(shop: Session) -> None:
    made = promo(shop, kind="discount", percent_bp=1000)
    mp.set_status(session=shop, actor=CLERK, ref=made.id, action="end")
    with pytest.raises(Conflict, match="has ended"):
        mp.update_promotion(session=shop, actor=CLERK, ref=made.id, changes=mp.PromotionUpdate(name="x"))
