"""Points: earning (rate x tier x events), redeeming within the cap, FIFO expiry, refunds, gifts, tiers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from shoptui import clock, db
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.members import PointsMovement
from shoptui.services.catalog import categories, products
from shoptui.services.inventory.changes import restock
from shoptui.services.members import points as members_points
from shoptui.services.members import profiles as members
from shoptui.services.members import tiers as members_tiers
from shoptui.services.orders import closing, payments, placing
from shoptui.services.shop import checks, settings
from tests.services.orders_helpers import CLERK, draft, seed


def _clean(session: Session) -> None:
    problems = [p for r in checks.run_checks(session=session) if "points" in r.name or "credit" in r.name
                for p in r.problems]
    assert problems == []


def _member(session: Session, phone: str = "13800138000") -> int:
    return members.add_member(session=session, actor=CLERK, data=members.MemberCreate(name="Ana", phone=phone)).id


def _balance(session: Session, member_id: int) -> int:
    return members.get_member(session=session, ref=member_id).points_balance


def test_fifo_expiry_takes_the_oldest_points_first(session: Session, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    settings.set_value(session=session, actor=CLERK, key="member_points_expiry_months", raw="12")
    ana = _member(session)
    start = frozen_clock
    members.adjust_points(session=session, actor=CLERK, ref=ana, points=100, reason="lot A")  # expires start+12m
    with clock.frozen(start + timedelta(days=100)):
        members.adjust_points(session=session, actor=CLERK, ref=ana, points=50, reason="lot B")
    with clock.frozen(start + timedelta(days=200)):
        out = members.redeem_points(session=session, actor=CLERK, customer_id=ana, points=120, ref_kind="order",
                                    ref_id="SO-1")
        assert out.balance == 30  # all of A (100) and 20 of B are gone; 30 of B remain
    with clock.frozen(start + timedelta(days=366)):  # A has expired, but nothing is left of it
        assert members.expire_points(session=session, actor=CLERK) == (0, 0)
        assert _balance(session, ana) == 30
    with clock.frozen(start + timedelta(days=470)):  # B expires: its 30 go
        assert members.expire_points(session=session, actor=CLERK) == (1, 30)
        assert members.expire_points(session=session, actor=CLERK) == (0, 0)  # cron-safe
    assert _balance(session, ana) == 0
    kinds = [(m.kind, m.points) for m in members_points.history(session=session, customer_id=ana).items]
    assert kinds == [("expire", -30), ("redeem", -120), ("adjust", 50), ("adjust", 100)]
    _clean(session)


def test_redeeming_is_capped_by_balance_and_share(session: Session) -> None:
    ana = _member(session)
    members.adjust_points(session=session, actor=CLERK, ref=ana, points=10_000, reason="gift")
    # 50% of 60.00 = 30.00 = 3000 points at 100 points per 1.00
    assert members.max_redeemable_points(session=session, customer_id=ana, payable_minor=6000) == 3000
    assert members.max_redeemable_points(session=session, customer_id=ana, payable_minor=10**9) == 10_000
    with pytest.raises(InvalidInput, match="At most 3000 points"):
        members.redeem_points(session=session, actor=CLERK, customer_id=ana, points=3001, ref_kind="order",
                              ref_id="SO-9", payable_minor=6000)
    out = members.redeem_points(session=session, actor=CLERK, customer_id=ana, points=1234, ref_kind="order",
                                ref_id="SO-9", payable_minor=6000)
    assert (out.balance, out.value_minor) == (8766, 1234)
    with pytest.raises(Conflict, match="holds 8766 points, so 9000 cannot be redeemed"):
        members.redeem_points(session=session, actor=CLERK, customer_id=ana, points=9000, ref_kind="order", ref_id="x")
    for bad in (0, -5):
        with pytest.raises(InvalidInput):
            members.redeem_points(session=session, actor=CLERK, customer_id=ana, points=bad, ref_kind="order",
                                  ref_id="x")
    with pytest.raises(Conflict, match="cannot be taken away"):
        members.adjust_points(session=session, actor=CLERK, ref=ana, points=-9000, reason="oops")
    with pytest.raises(InvalidInput, match="reason"):
        members.adjust_points(session=session, actor=CLERK, ref=ana, points=5, reason=" ")
    with pytest.raises(NotFound):
        members.redeem_points(session=session, actor=CLERK, customer_id=999, points=1, ref_kind="order", ref_id="x")
    _clean(session)


def test_events_and_tier_multiply_points(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    with db.transaction(store) as s:
        seed(s)
        category = categories.create_category(session=s, actor=CLERK, name="Tea")
        products.create_product(session=s, actor=CLERK, data=products.ProductCreate(
            title="Longjing", category_id=category.id, variants=[products.VariantInput(sku="TEA-01", price_minor=5000)]))
        restock(session=s, actor=CLERK, code="TEA-01", quantity=10)
        ana = _member(s)
        s.exec(select(PointsMovement)).all()
        members_tiers.edit_tier(session=s, actor=CLERK, code="normal",
                                patch=members_tiers.TierUpdate(points_multiplier_bp=15000))
        members_points.add_event(session=s, actor=CLERK, name="Tea week", multiplier_bp=30000,
                                 starts_at=frozen_clock - timedelta(hours=1), ends_at=frozen_clock + timedelta(days=7),
                                 category_ids=[category.id])
        members_points.add_event(session=s, actor=CLERK, name="Gold only", multiplier_bp=50000,
                                 starts_at=frozen_clock - timedelta(hours=1), ends_at=frozen_clock + timedelta(days=7),
                                 tier_codes=["gold"])
        order = placing.create_order(session=s, actor=CLERK, draft=draft(("TEA-01", 1), ("MUG-01", 1), customer=ana))
        payments.pay(session=s, actor=CLERK, number=order.number, method="card")
    with db.read_session(store) as s:
        earned = members_points.history(session=s, customer_id=ana).items[0]
        # (50.00 x3 + 35.50 x1) x1.5 = 278.25 -> 278 points
        assert (earned.kind, earned.points, earned.base_minor) == ("earn", 278, 8550)
        assert "Tea week" in earned.reason and "Gold only" not in earned.reason
    with pytest.raises(InvalidInput, match="ends before it starts"), db.transaction(store) as s:
        members_points.add_event(session=s, actor=CLERK, name="x", multiplier_bp=20000, starts_at=frozen_clock,
                                 ends_at=frozen_clock)
    with pytest.raises(InvalidInput, match="more than x1"), db.transaction(store) as s:
        members_points.add_event(session=s, actor=CLERK, name="x", multiplier_bp=5000, starts_at=frozen_clock,
                                 ends_at=frozen_clock + timedelta(days=1))


def test_refund_after_points_were_spent_leaves_a_debt_paid_by_the_next_order(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    from shoptui.services.orders import returns as orders_returns

    with db.transaction(store) as s:
        seed(s)
        ana = _member(s)
        first = placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 1), customer=ana))
        payments.pay(session=s, actor=CLERK, number=first.number, method="card")  # 99 points
        members.redeem_points(session=s, actor=CLERK, customer_id=ana, points=90, ref_kind="order", ref_id="SO-X")
        orders_returns.refund(session=s, actor=CLERK, number=first.number, reason="changed mind")
        assert _balance(s, ana) == 9 - 99
        _clean(s)
        second = placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 2), customer=ana))
        payments.pay(session=s, actor=CLERK, number=second.number, method="card")  # 198 points, 90 pay the debt
        assert _balance(s, ana) == 108
        _clean(s)


def test_cancelled_order_gives_back_redeemed_points(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    with db.transaction(store) as s:
        seed(s)
        ana = _member(s)
        members.adjust_points(session=s, actor=CLERK, ref=ana, points=500, reason="start")
        order = placing.create_order(session=s, actor=CLERK, draft=draft(("MUG-01", 1), customer=ana))
        members.redeem_points(session=s, actor=CLERK, customer_id=ana, points=300, ref_kind="order",
                              ref_id=order.number)
        closing.cancel_order(session=s, actor=CLERK, number=order.number, reason="customer left")
        assert _balance(s, ana) == 500
        _clean(s)


def test_gifts_take_points_count_and_stock(store: str) -> None:
    with db.transaction(store) as s:
        seed(s)
        ana = _member(s)
        members.adjust_points(session=s, actor=CLERK, ref=ana, points=1000, reason="start")
        members_points.add_gift(session=s, actor=CLERK, code="cap", name="Free cap", points_cost=400, quantity=1,
                                sku="CAP-01")
        with pytest.raises(Conflict, match="already used"):
            members_points.add_gift(session=s, actor=CLERK, code="CAP", name="x", points_cost=1)
        out = members.redeem_gift(session=s, actor=CLERK, ref=ana, code="cap")
        assert (out.points, out.balance) == (400, 600)
        with pytest.raises(Conflict, match="Only 0 of gift CAP are left"):
            members.redeem_gift(session=s, actor=CLERK, ref=ana, code="CAP")
        members_points.add_gift(session=s, actor=CLERK, code="BIG", name="Teapot", points_cost=700)
        with pytest.raises(Conflict, match="holds 600 points"):
            members.redeem_gift(session=s, actor=CLERK, ref=ana, code="BIG")
        with pytest.raises(NotFound, match="no gift"):
            members.redeem_gift(session=s, actor=CLERK, ref=ana, code="NOPE")
        from tests.services.orders_helpers import level

        assert level(s, "CAP-01")[0] == 0
        _clean(s)


def test_recalc_tiers_by_orders_is_set_based_and_cron_safe(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    with db.transaction(store) as s:
        seed(s)
        settings.set_value(session=s, actor=CLERK, key="member_tier_basis", raw="orders")
        members_tiers.edit_tier(session=s, actor=CLERK, code="silver", patch=members_tiers.TierUpdate(min_orders=2))
        members_tiers.edit_tier(session=s, actor=CLERK, code="gold", patch=members_tiers.TierUpdate(min_orders=3))
        ana, bo = _member(s), _member(s, "13900139000")
        for _ in range(3):
            order = placing.create_order(session=s, actor=CLERK, draft=draft(("MUG-01", 1), customer=ana))
            payments.pay(session=s, actor=CLERK, number=order.number, method="card")
        assert members.get_member(session=s, ref=ana).tier_code == "gold"
        with pytest.raises(InvalidInput, match="cannot be lower"):
            members_tiers.edit_tier(session=s, actor=CLERK, code="gold", patch=members_tiers.TierUpdate(min_orders=1))
        with pytest.raises(InvalidInput, match="Nothing to change"):
            members_tiers.edit_tier(session=s, actor=CLERK, code="gold", patch=members_tiers.TierUpdate())
    # a year later the orders fall out of the window: the nightly run moves Ana down, once
    with clock.frozen(frozen_clock + timedelta(days=400)), db.transaction(store) as s:
        result = members.recalc_tiers(session=s, actor=CLERK)
        assert (result.changed, result.up, result.down) == (1, 0, 1)
        assert members.recalc_tiers(session=s, actor=CLERK).changed == 0
        assert members.get_member(session=s, ref=ana).tier_code == "normal"
        assert members.get_member(session=s, ref=bo).tier_code == "normal"
        reasons = [h.reason for h in members_tiers.history(session=s, customer_id=ana)]
        assert reasons[0] == "recalculated" and reasons[-1] == "joined"
