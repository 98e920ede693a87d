"""Pricing a 50-line cart with 200 active promotions and a coupon (target: at most 5 ms).

The store (bench/.data/pricing.db, rebuilt each run, small) holds 500 products in 20 categories,
a gold member, 200 running promotions of every kind (20 storewide, 40 on a category, 140 on 3 to
10 products, one in seven exclusive), and a coupon. The figure is the whole ``pricing.terms.price`` call in an
open read session: loading the promotions, the lines, the member and the coupon, and deciding.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from bench._engine import empty_url
from bench._report import DATA, figure, percentile, time_calls

STORE = DATA / "pricing.db"
NOW = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


def _build(url: str) -> tuple[list[str], int, str]:
    from sqlalchemy import insert

    from shoptui import clock, db
    from shoptui.config import Actor
    from shoptui.models.members import Member
    from shoptui.services import catalog, marketing, members
    from shoptui.services.inventory import restock

    actor = Actor(name="bench", source="bench")
    rng = random.Random(7)
    skus = []
    with clock.frozen(NOW), db.transaction(url) as s:
        categories = [catalog.create_category(session=s, actor=actor, name=f"Category {i}") for i in range(20)]
        for i in range(500):
            sku = f"SKU-{i:04d}"
            catalog.create_product(session=s, actor=actor, data=catalog.ProductCreate(
                title=f"Product {i}", status="active", category_id=categories[i % 20].id,
                variants=[catalog.VariantInput(sku=sku, price_minor=rng.randint(500, 50_000))]))
            skus.append(sku)
        restock(session=s, actor=actor, code=skus[0], quantity=1000)
        customer = members.add_customer(session=s, actor=actor, data=members.CustomerCreate(
            name="Gold member", phone="13800138000"))
        s.execute(insert(Member).values(customer_id=customer.id, tier_code="gold", points_balance=0,
                                        credit_balance_minor=0, joined_at=NOW, updated_at=NOW, tier_since=NOW))
        start = NOW - timedelta(days=1)
        for i in range(200):
            kind = i % 5
            # as a shop runs them: a few storewide, some per category, most on a handful of products
            scope: dict[str, list[str]] = {}
            if i % 20 in (1, 2, 3, 4):
                scope = {"categories": [categories[rng.randrange(20)].slug]}
            elif i % 20 not in (0, 5):
                scope = {"products": rng.sample(skus, rng.randint(3, 10))}
            common = {"name": f"promo {i}", "starts_at": start, "ends_at": NOW + timedelta(days=30),
                      "priority": rng.randint(0, 3), "exclusive": i % 7 == 0, **scope}
            if kind == 0:
                data = marketing.PromotionInput(kind="spend_save", steps=[(20_000, 2_000), (50_000, 6_000)], **common)
            elif kind == 1:
                data = marketing.PromotionInput(kind="spend_save", every_minor=10_000, every_off_minor=500,
                                         cap_minor=5_000, **common)
            elif kind == 2:
                data = marketing.PromotionInput(kind="discount", percent_bp=rng.choice([500, 1000, 1500]), **common)
            elif kind == 3:
                data = marketing.PromotionInput(kind="bxgy", buy_qty=2, get_qty=1, **common)
            else:
                data = marketing.PromotionInput(kind="gift", gift_sku=skus[0], min_spend_minor=30_000, **common)
            marketing.add_promotion(session=s, actor=actor, data=data)
        marketing.add_coupon(session=s, actor=actor, data=marketing.CouponInput(name="Ten off", kind="amount", amount_minor=1000,
                                                                  min_spend_minor=5000, code="SAVE10"))
    return skus, customer.id, "SAVE10"


def run() -> None:
    """Build the store and time ``pricing.terms.price`` on a 50-line cart."""
    from shoptui import clock, db
    from shoptui.services import pricing as pricing_api

    DATA.mkdir(exist_ok=True)
    url = empty_url(STORE)
    started = time.perf_counter()
    db.upgrade(url, backup=False)  # only db upgrade makes a store
    skus, customer_id, code = _build(url)
    print(f"   store built in {time.perf_counter() - started:.1f} s (500 products, 200 promotions, a coupon)")
    rng = random.Random(11)
    cart = pricing_api.Cart(items=tuple(pricing_api.CartItem(quantity=rng.randint(1, 4), sku=sku)
                                    for sku in rng.sample(skus, 50)), shipping_minor=1000)
    with clock.frozen(NOW), db.read_session(url) as session:
        result = pricing_api.price(session=session, cart=cart, customer_id=customer_id, coupon_codes=[code],
                               channel="counter")
        print(f"   {len(result.promotions)} promotions applied, {len(result.explanations)} adjustments, total "
              f"{result.total_minor / 100:.2f} of {result.undiscounted_minor / 100:.2f}")

        def once() -> object:
            return pricing_api.price(session=session, cart=cart, customer_id=customer_id, coupon_codes=[code],
                                 channel="counter")

        time_calls(once, 20)  # warm-up
        samples = time_calls(once, 1000)
        cpu = []
        for _ in range(1000):  # CPU time beside wall time: on a busy machine wall time also counts waiting
            started = time.process_time()
            once()
            cpu.append((time.process_time() - started) * 1000)
        # where the CPU time goes: the lines, the offers (queries), the pure pricing
        from shoptui.services import pricing as pricing_api

        lines = pricing_api.offer_lines(session, cart.items)
        context = pricing_api.load_offers(session, customer_id=customer_id, coupon_codes=[code], channel="counter")
        parts = {"lines": lambda: pricing_api.offer_lines(session, cart.items),
                 "offers loaded": lambda: pricing_api.load_offers(session, customer_id=customer_id, coupon_codes=[code],
                                                         channel="counter"),
                 "pure pricing": lambda: pricing_api.price_with(context, lines, shipping_minor=cart.shipping_minor)}
        split = {}
        for name, call in parts.items():
            spent = []
            for _ in range(200):
                started = time.process_time()
                call()
                spent.append((time.process_time() - started) * 1000)
            split[name] = percentile(spent, 50)
    figure("price 50 lines, 200 promotions, coupon (median)", percentile(samples, 50), 5)
    figure("price 50 lines, 200 promotions, coupon (p95)", percentile(samples, 95), 5)
    figure("price 50 lines, 200 promotions, coupon (p99)", percentile(samples, 99), 5)
    figure("  the same, CPU time (median)", percentile(cpu, 50), 5)
    figure("  the same, CPU time (p95)", percentile(cpu, 95), 5)
    figure("  the same, CPU time (p99)", percentile(cpu, 99), 5)
    print("   CPU split (median): " + ", ".join(f"{name} {ms:.2f} ms" for name, ms in split.items()))
    db.dispose_all()

