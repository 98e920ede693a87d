"""Properties of the pricing with offers (hypothesis), on the pure functions ``apply_offers`` + ``finish``."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shoptui.services.pricing import engine as pricing

SCOPES = [pricing.Scope(), pricing.Scope("products", product_ids=frozenset({1, 2})),
          pricing.Scope("categories", category_paths=("/1/",))]


@st.composite
def lines(draw: st.DrawFn) -> tuple[pricing.OfferLine, ...]:
    count = draw(st.integers(1, 8))
    out = []
    for i in range(count):
        quantity = draw(st.integers(1, 20))
        unit = draw(st.integers(0, 50_000))
        discount = draw(st.integers(0, quantity * unit))
        out.append(pricing.OfferLine(key=f"SKU-{i}", quantity=quantity, unit_price_minor=unit,
                                     line_discount_minor=discount, variant_id=i + 1,
                                     product_id=draw(st.integers(1, 4)),
                                     category_path=draw(st.sampled_from(["/1/", "/1/5/", "/2/", ""]))))
    return tuple(out)


@st.composite
def promotions(draw: st.DrawFn) -> list[pricing.PromotionRule]:
    rules = []
    for pid in range(1, draw(st.integers(0, 6)) + 1):
        kind = draw(st.sampled_from(["spend_save", "spend_every", "percent", "amount", "bxgy", "gift"]))
        common = {"id": pid, "name": f"p{pid}", "priority": draw(st.integers(-2, 2)),
                  "exclusive": draw(st.booleans()), "scope": draw(st.sampled_from(SCOPES)),
                  "cap_minor": draw(st.none() | st.integers(1, 100_000))}
        if kind == "spend_save":
            threshold = draw(st.integers(1, 200_000))
            rules.append(pricing.PromotionRule(kind="spend_save", steps=((threshold, draw(st.integers(1, threshold))),),
                                               **common))
        elif kind == "spend_every":
            every = draw(st.integers(1, 50_000))
            rules.append(pricing.PromotionRule(kind="spend_save", every_minor=every,
                                               every_off_minor=draw(st.integers(1, every)), **common))
        elif kind == "percent":
            rules.append(pricing.PromotionRule(kind="discount", percent_bp=draw(st.integers(1, 10_000)), **common))
        elif kind == "amount":
            rules.append(pricing.PromotionRule(kind="discount", amount_minor=draw(st.integers(1, 500_000)),
                                               min_spend_minor=draw(st.integers(0, 100_000)), **common))
        elif kind == "bxgy":
            rules.append(pricing.PromotionRule(kind="bxgy", buy_qty=draw(st.integers(1, 3)),
                                               get_qty=draw(st.integers(1, 2)),
                                               get_percent_bp=draw(st.integers(1, 10_000)), **common))
        else:
            gift = pricing.GiftItem(variant_id=99, sku="GIFT", title="gift", unit_price_minor=1000, quantity=1,
                                    available=draw(st.integers(0, 2)))
            rules.append(pricing.PromotionRule(kind="gift", min_spend_minor=draw(st.integers(1, 100_000)), gift=gift,
                                               **common))
    return rules


@st.composite
def coupons(draw: st.DrawFn) -> list[pricing.CouponRule]:
    out = []
    for cid in range(1, draw(st.integers(0, 2)) + 1):
        percent = draw(st.booleans())
        out.append(pricing.CouponRule(
            coupon_id=cid, code_id=cid, code=f"C{cid}", name=f"c{cid}", kind="percent" if percent else "amount",
            percent_bp=draw(st.integers(1, 10_000)) if percent else None,
            amount_minor=None if percent else draw(st.integers(1, 100_000)),
            cap_minor=draw(st.none() | st.integers(1, 50_000)), combinable=draw(st.booleans())))
    return out


members = st.none() | st.builds(pricing.MemberTerms, customer_id=st.just(1), tier=st.just("gold"),
                                discount_bp=st.integers(0, 3000),
                                free_shipping_over_minor=st.none() | st.integers(0, 100_000))


def priced(cart, rules, coupon_rules, member, shipping, points_value):  # type: ignore[no-untyped-def]
    offers = pricing.apply_offers(cart, promotions=rules, member=member, coupons=coupon_rules)
    return pricing.finish(offers, shipping_minor=shipping, tax_rate_bp=1300, points=1 if points_value else 0,
                          points_value_minor=points_value)


@settings(max_examples=300, deadline=None)
@given(lines(), promotions(), coupons(), members, st.integers(0, 5_000), st.integers(0, 100_000))
def test_pricing_properties(cart, rules, coupon_rules, member, shipping, points_value) -> None:  # type: ignore[no-untyped-def]
    result = priced(cart, rules, coupon_rules, member, shipping, points_value)
    order = result.order
    undiscounted = sum(line.amount_minor for line in cart)
    # never negative, never more than the undiscounted subtotal plus shipping
    assert 0 <= result.total_minor <= undiscounted + shipping
    assert all(line.net_minor >= 0 for line in order.lines)
    # line allocations sum exactly to the order's discount
    assert sum(line.adjustment_minor for line in order.lines) == order.adjustments_minor
    assert -order.adjustments_minor == result.discount_minor + result.points_minor
    assert sum(-e.amount_minor for e in result.explanations if e.kind not in ("shipping", "gift")) == \
        result.discount_minor + result.points_minor
    # the shares are exactly what price_order makes of the same lines and adjustments
    assert order == pricing.price_order(
        [pricing.PriceLine(quantity=line.quantity, unit_price_minor=line.unit_price_minor,
                           line_discount_minor=line.line_discount_minor, key=line.key) for line in result.lines],
        order.adjustments, result.shipping_minor, 1300)
    # the same cart twice gives the same result
    assert priced(cart, rules, coupon_rules, member, shipping, points_value) == result
    # refunding every line unit by unit (plus shipping) refunds the total exactly
    refunded = 0
    for line in order.lines:
        done = 0
        for _ in range(line.quantity):
            refunded += pricing.share_of_units(line.net_minor, line.quantity, done, 1)
            done += 1
    assert refunded + result.shipping_minor == result.total_minor
    # tax is inside the total, never more than it
    assert 0 <= result.tax_minor <= result.total_minor


@settings(max_examples=100, deadline=None)
@given(lines(), promotions())
def test_promotion_order_does_not_matter(cart, rules) -> None:  # type: ignore[no-untyped-def]
    forward = pricing.apply_offers(cart, promotions=rules, member=None, coupons=[])
    backward = pricing.apply_offers(cart, promotions=list(reversed(rules)), member=None, coupons=[])
    assert forward.run.adjustments == backward.run.adjustments
