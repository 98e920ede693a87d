"""Several processes redeem the same single-use code at the same moment: exactly one succeeds.

The moment is a handshake, not a clock: each process prints ``ready`` once it has seen the code unused, and
waits on its stdin; the test sends ``go`` to all of them only when every one is ready.
"""

from __future__ import annotations

import textwrap

from sqlmodel import select

from shoptui import db
from shoptui.models.marketing import CouponCode, CouponRedemption
from shoptui.services.marketing import coupons as mc
from shoptui.services.shop import checks
from tests.races import race
from tests.services.orders_helpers import CLERK, add_product

WORKER = textwrap.dedent("""
    import json, sys
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.errors import ShopError
    from shoptui.services.orders import drafts, placing
    from shoptui.services.pricing import engine as pricing
    from shoptui.services.pricing import terms as pricing_terms

    url, name, code = sys.argv[1], sys.argv[2], sys.argv[3]
    actor = Actor(name=name, source="test")
    try:
        with db.read_session(url) as s:  # every terminal sees the code unused before it sells
            pricing_terms.price(session=s, cart=pricing.Cart(items=(pricing.CartItem(quantity=1, sku="TEE-01"),)),
                          coupon_codes=[code])
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            sys.exit(3)
        with db.transaction(url) as s:
            order = placing.create_order(session=s, actor=actor, draft=drafts.OrderDraft(
                channel="counter", lines=[drafts.DraftLine(sku="TEE-01", quantity=1)], coupon_codes=[code]))
        print(json.dumps({"used": 1, "total": order.total_minor}))
    except ShopError as exc:
        print(json.dumps({"used": 0, "refused": str(exc)}))
    except Exception as exc:  # anything else escaping (such as 'database is locked') is a failure
        print(json.dumps({"escaped": f"{type(exc).__name__}: {exc}"}))
        sys.exit(2)
""")


def test_a_single_use_code_is_redeemed_once_by_racing_processes(store: str) -> None:
    with db.transaction(store) as s:
        add_product(s, "TEE-01", 9900, 20)
        coupon = mc.add_coupon(session=s, actor=CLERK, data=mc.CouponInput(name="five", kind="amount",
                                                                            amount_minor=500))
        code = mc.issue_coupon(session=s, actor=CLERK, ref=coupon.id, count=1).codes[0]
    # the barrier: every terminal has read the code before any of them sells
    results = race(WORKER, [[store, f"till{i}", code] for i in range(5)])
    assert sum(r["used"] for r in results) == 1
    assert [r["total"] for r in results if r["used"]] == [9400]
    assert all("already been used" in r["refused"] for r in results if not r["used"])
    with db.read_session(store) as s:
        assert s.exec(select(CouponCode.used_count).where(CouponCode.code == code)).one() == 1
        assert len(s.exec(select(CouponRedemption)).all()) == 1
        assert [p for r in checks.run_checks(session=s) for p in r.problems] == []
