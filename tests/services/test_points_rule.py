"""Points are worth one thing and an order may take one number of them, wherever it is asked.

The rule lives in ``services/pricing/points.py``; members (the redeem check, the member's worth) and
pricing (the counter, orders) both call it. For random settings, balances and totals the three agree.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from shoptui.errors import Conflict, InvalidInput
from shoptui.services.members import profiles as members
from shoptui.services.pricing import terms
from shoptui.services.pricing.points import max_redeemable, points_for_value, points_worth
from shoptui.services.sales import counter as sales
from shoptui.services.shop import settings as store_settings
from tests.services.orders_helpers import CLERK, seed


@given(points=st.integers(0, 10**9), value_per_100=st.integers(0, 1_000_000), value=st.integers(0, 10**9))
def test_worth_is_rounded_down_and_points_for_value_is_its_inverse(points: int, value_per_100: int,
                                                                      value: int) -> None:
    worth = points_worth(points, value_per_100)
    assert worth * 100 <= points * value_per_100 < (worth + 1) * 100
    most = points_for_value(value, value_per_100)
    if value_per_100:
        assert most * value_per_100 <= value * 100 < (most + 1) * value_per_100  # their face value, rounded down
        assert points_worth(most, value_per_100) <= value
    else:
        assert most == 0  # points worth nothing pay nothing


@given(balance=st.integers(-500, 10**7), payable=st.integers(-10, 10**8), value_per_100=st.integers(0, 100_000),
       share_bp=st.integers(0, 10_000))
def test_the_most_points_never_pass_the_balance_nor_the_share(balance: int, payable: int, value_per_100: int,
                                                                share_bp: int) -> None:
    most = max_redeemable(balance=balance, payable_minor=payable, value_per_100=value_per_100, max_share_bp=share_bp)
    assert 0 <= most <= max(balance, 0)
    assert points_worth(most, value_per_100) * 10_000 <= max(payable, 0) * share_bp
    if most < balance and value_per_100 and payable > 0:  # the share stopped it: one point more passes it
        assert (most + 1) * value_per_100 > (payable * share_bp // 10_000) * 100


_counter = {"n": 0}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value_per_100=st.integers(0, 2_000), share_bp=st.integers(0, 10_000), balance=st.integers(0, 50_000),
       tees=st.integers(0, 3), mugs=st.integers(1, 4), payable=st.integers(0, 200_000))
def test_counter_members_and_pricing_agree(session: Session, value_per_100: int, share_bp: int, balance: int,
                                           tees: int, mugs: int, payable: int) -> None:
    if not _counter["n"]:
        seed(session)  # TEE-01 99.00, MUG-01 35.50 (the store lives as long as the test, not the example)
    _counter["n"] += 1
    savepoint = session.begin_nested()
    try:
        store_settings.set_value(session=session, actor=CLERK, key="member_points_value_per_100", raw=str(value_per_100))
        store_settings.set_value(session=session, actor=CLERK, key="member_points_max_share_bp", raw=str(share_bp))
        phone = f"1390013{_counter['n']:04d}"
        customer = members.add_member(session=session, actor=CLERK,
                                      data=members.MemberCreate(name="Points", phone=phone)).id
        if balance:
            members.adjust_points(session=session, actor=CLERK, ref=customer, points=balance, reason="test")

        rule = max_redeemable(balance=balance, payable_minor=payable, value_per_100=value_per_100,
                              max_share_bp=share_bp)
        context = terms.load_offers(session, customer_id=customer)
        assert members.max_redeemable_points(session=session, customer_id=customer, payable_minor=payable) == rule
        assert terms.points_allowed(context, payable) == rule
        for points in {0, rule, balance}:
            worth = points_worth(points, value_per_100)
            assert members.points_value_minor(session=session, points=points) == worth
            assert terms.offer_points_worth(context, points) == worth

        b = sales.new_basket(session=session)
        for code, quantity in (("TEE-01", tees), ("MUG-01", mugs)):
            if quantity:
                b = sales.scan(session=session, basket=b, code=code, quantity=quantity)
        b = sales.attach_customer(session=session, basket=b, phone=phone)
        assert b.member is not None
        allowed = b.member.max_redeemable_points
        assert allowed == members.max_redeemable_points(session=session, customer_id=customer,
                                                        payable_minor=b.total_minor)
        assert b.member.points_value_minor == points_worth(balance, value_per_100)
        if allowed:
            used = sales.set_points(session=session, basket=b, points=allowed)
            assert used.points_minor == members.points_value_minor(session=session, points=allowed)
            assert used.total_minor == b.total_minor - used.points_minor
        try:
            sales.set_points(session=session, basket=b, points=allowed + 1)
            raise AssertionError(f"the counter let {allowed + 1} points through where members allow {allowed}")
        except InvalidInput:
            pass
        try:
            members.redeem_points(session=session, actor=CLERK, customer_id=customer, points=allowed + 1,
                                  ref_kind="test", ref_id="x", payable_minor=b.total_minor)
            raise AssertionError(f"members redeemed {allowed + 1} points where the counter allows {allowed}")
        except (InvalidInput, Conflict):  # over the share, or over the balance (the atomic take)
            pass
        if allowed:
            members.redeem_points(session=session, actor=CLERK, customer_id=customer, points=allowed,
                                  ref_kind="test", ref_id="x", payable_minor=b.total_minor)
    finally:
        savepoint.rollback()
