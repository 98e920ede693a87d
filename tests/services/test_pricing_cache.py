"""The promotions pricing keeps in memory between calls are never stale.

``marketing_pricing`` keeps each store's active promotions behind a stamp that every promotion and
coupon change renews in its own transaction; these tests change promotions from another process
(and move the clock across their windows) and check the very next ``price`` sees it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import datetime, timedelta

from shoptui import clock, db
from shoptui.services.marketing import promotions as mp
from shoptui.services.pricing import engine as pricing
from shoptui.services.pricing import terms as pricing_terms
from tests.services.orders_helpers import CLERK, seed

TEE = pricing.Cart(items=(pricing.CartItem(quantity=1, sku="TEE-01"),))  # 99.00


def _discount(store: str) -> int:
    with db.read_session(store) as session:
        return pricing_terms.price(session=session, cart=TEE).discount_minor


def _elsewhere(store: str, code: str) -> None:
    """Run ``code`` (with ``db``, ``mp``, ``actor``, ``session`` in scope) in another Python process."""
    script = textwrap.dedent("""
        import sys
        from shoptui import db
        from shoptui.config import Actor
        from shoptui.services.marketing import promotions as mp
        actor = Actor(name="other", source="test")
        with db.transaction(sys.argv[1]) as session:
    """) + textwrap.indent(textwrap.dedent(code), "    ")
    done = subprocess.run([sys.executable, "-c", script, store], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_a_change_from_another_process_is_seen_by_the_next_price(store: str, frozen_clock: datetime) -> None:
    with db.transaction(store) as session:
        seed(session)
        promo = mp.add_promotion(session=session, actor=CLERK, data=mp.PromotionInput(
            name="Tenth off", kind="discount", percent_bp=1000, starts_at=frozen_clock - timedelta(days=1)))
    assert _discount(store) == 990
    assert _discount(store) == 990  # served from memory now

    _elsewhere(store, f"mp.set_status(session=session, actor=actor, ref={promo.id}, action='pause')")
    assert _discount(store) == 0

    _elsewhere(store, f"mp.set_status(session=session, actor=actor, ref={promo.id}, action='resume')")
    assert _discount(store) == 990

    _elsewhere(store, f"mp.update_promotion(session=session, actor=actor, ref={promo.id}, "
                      "changes=mp.PromotionUpdate(percent_bp=2000))")
    assert _discount(store) == 1980

    _elsewhere(store, """
        from datetime import timedelta
        from shoptui import clock
        start = clock.now() - timedelta(days=400)
        mp.add_promotion(session=session, actor=actor, data=mp.PromotionInput(
            name="Fifty off", kind="discount", amount_minor=5000, exclusive=True, starts_at=start))
    """)
    assert _discount(store) == 5000  # the new exclusive one gives more than 20%


def test_a_change_in_the_same_transaction_is_seen(store: str, frozen_clock: datetime) -> None:
    with db.transaction(store) as session:
        seed(session)
        promo = mp.add_promotion(session=session, actor=CLERK, data=mp.PromotionInput(
            name="Tenth off", kind="discount", percent_bp=1000, starts_at=frozen_clock - timedelta(days=1)))
        assert pricing_terms.price(session=session, cart=TEE).discount_minor == 990
        mp.set_status(session=session, actor=CLERK, ref=promo.id, action="pause")
        assert pricing_terms.price(session=session, cart=TEE).discount_minor == 0


def test_windows_open_and_close_as_the_clock_moves(store: str, frozen_clock: datetime) -> None:
    with db.transaction(store) as session:
        seed(session)
        mp.add_promotion(session=session, actor=CLERK, data=mp.PromotionInput(
            name="Later", kind="discount", amount_minor=500, starts_at=frozen_clock + timedelta(hours=1),
            ends_at=frozen_clock + timedelta(hours=3)))
    assert _discount(store) == 0
    with clock.frozen(frozen_clock + timedelta(hours=1)):
        assert _discount(store) == 500  # it starts at this very moment
    with clock.frozen(frozen_clock + timedelta(hours=2, minutes=59)):
        assert _discount(store) == 500
    with clock.frozen(frozen_clock + timedelta(hours=3)):
        assert _discount(store) == 0  # the end is not included
    assert _discount(store) == 0  # and back before the start (a clock set back)


def test_usage_counts_are_read_on_every_call(store: str, frozen_clock: datetime) -> None:
    from shoptui.services.orders import placing
    from tests.services.orders_helpers import draft

    with db.transaction(store) as session:
        seed(session)
        mp.add_promotion(session=session, actor=CLERK, data=mp.PromotionInput(
            name="Once", kind="discount", amount_minor=500, usage_limit=1, starts_at=frozen_clock - timedelta(days=1)))
    assert _discount(store) == 500
    with db.transaction(store) as session:
        placing.create_order(session=session, actor=CLERK, draft=draft(("TEE-01", 1)))
    assert _discount(store) == 0  # used up by the order, no promotion edit involved


def _stamp(session) -> str:  # type: ignore[no-untyped-def]
    return pricing_terms.pricing_settings(session)[pricing_terms.STAMP_KEY]


def test_any_write_to_a_promotion_renews_the_stamp_without_a_call(store: str, frozen_clock: datetime) -> None:
    """ORM flush, session Core statement, Core bulk statement on the connection: the store renews the
    stamp itself, and the next price in the same transaction sees the change (no ``bump_stamp``)."""
    from sqlalchemy import insert, update

    from shoptui.models.marketing import Coupon, CouponCode, Promotion

    with db.transaction(store) as session:
        seed(session)
        made = mp.add_promotion(session=session, actor=CLERK, data=mp.PromotionInput(
            name="tee", kind="discount", percent_bp=1000, starts_at=clock.now() - timedelta(days=1)))
    with db.transaction(store) as session:
        assert pricing_terms.price(session=session, cart=TEE).discount_minor == 990  # cached from here on
        before = _stamp(session)
        # 1. an ORM change (no service, no call)
        row = session.get(Promotion, made.id)
        assert row is not None
        row.percent_bp = 2000
        session.add(row)
        session.flush()
        assert _stamp(session) != before
        assert pricing_terms.price(session=session, cart=TEE).discount_minor == 1980
        # 2. a Core bulk UPDATE on the connection that does not even move updated_at
        before = _stamp(session)
        session.connection().execute(update(Promotion).where(Promotion.id == made.id).values(percent_bp=3000))
        assert _stamp(session) != before
        assert pricing_terms.price(session=session, cart=TEE).discount_minor == 2970
        # 3. counting a use is no change of terms: the stamp (and the cache) stay
        before = _stamp(session)
        session.execute(update(Promotion).where(Promotion.id == made.id).values(used_count=Promotion.used_count + 1))
        assert _stamp(session) == before
    with db.transaction(store) as session:  # 4. bulk inserts into the coupon tables, in a later transaction
        before = _stamp(session)
        coupon = Coupon(name="bulk", kind="amount", amount_minor=100, created_by="test", created_at=clock.now(),
                        updated_at=clock.now())
        session.add(coupon)
        session.flush()
        assert _stamp(session) != before
        before = _stamp(session)
        session.execute(insert(CouponCode), [{"coupon_id": coupon.id, "code": f"BULK{n}", "used_count": 0,
                                              "issued_at": clock.now()} for n in range(3)])
        assert _stamp(session) != before
    assert _discount(store) == 2970  # committed: another session sees the last change too
