"""The members screens' reads: the list's consent, tier and tag filters (both plans), tier progress,
the next points expiry and the merge preview."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from shoptui import clock
from shoptui.errors import InvalidInput, NotFound
from shoptui.services.catalog import products
from shoptui.services.members import customers
from shoptui.services.members import profiles as members
from shoptui.services.members import tiers as members_tiers
from shoptui.services.members import views as members_views
from shoptui.services.orders import drafts, payments, placing
from tests.conftest import CLERK


def _add(session: Session, **data: object) -> members.MemberRead:
    return members.add_member(session=session, actor=CLERK, data=members.MemberCreate(**data))  # type: ignore[arg-type]


@pytest.fixture
def four(session: Session, frozen_clock: object) -> Session:
    _add(session, name="Wang Fang", phone="13800138000", tags=["vip"], sms_consent=True)
    _add(session, name="Li Lei", phone="13912345678", email_consent=True, sms_consent=True)
    _add(session, name="Ana Souza", email="ana@example.com", email_consent=True, tags=["vip", "staff"])
    _add(session, name="Zhang Wei", account="wechat:o6_x")
    return session


def _names(session: Session, **filters: object) -> list[str]:
    return [m.name for m in members_views.list_members(session=session, **filters).items]  # type: ignore[arg-type]


def test_consent_filters(four: Session) -> None:
    assert _names(four, consent="email") == ["Ana Souza", "Li Lei"]
    assert _names(four, consent="SMS") == ["Li Lei", "Wang Fang"]
    assert _names(four, consent="any") == ["Ana Souza", "Li Lei", "Wang Fang"]
    assert _names(four, consent="none") == ["Zhang Wei"]
    with pytest.raises(InvalidInput, match="'post' is not one of email, sms, any, none"):
        _names(four, consent="post")


@pytest.mark.parametrize("big", [0, 10_000])
def test_tier_and_tag_filters_give_the_same_rows_with_either_plan(four: Session, big: int,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(members_views, "BIG_GROUP", big)
    assert _names(four, tag="VIP") == ["Ana Souza", "Wang Fang"]
    assert _names(four, tag="vip", consent="sms") == ["Wang Fang"]
    assert _names(four, tier="normal") == ["Ana Souza", "Li Lei", "Wang Fang", "Zhang Wei"]
    assert _names(four, tier="gold") == []
    page = members_views.list_members(session=four, tier="normal", limit=2)
    assert [m.name for m in page.items] == ["Ana Souza", "Li Lei"]
    rest = members_views.list_members(session=four, tier="normal", limit=2, after=page.next_after)
    assert [m.name for m in rest.items] == ["Wang Fang", "Zhang Wei"] and rest.next_after is None
    with pytest.raises(NotFound, match="There is no tier 'platinum'"):
        _names(four, tier="platinum")


@pytest.mark.parametrize("typed", ["13800138000", "+86 138 0013 8000", "0086 13800138000", "(+86) 138-0013-8000"])
def test_search_a_phone_with_or_without_the_country_code(four: Session, typed: str) -> None:
    assert _names(four, search=typed) == ["Wang Fang"]


def test_search_email_name_and_refusals(four: Session) -> None:
    assert _names(four, search="ANA@example.com") == ["Ana Souza"]
    assert _names(four, search="Zh") == ["Zhang Wei"]
    assert _names(four, search="13700000000") == []
    with pytest.raises(InvalidInput, match="at most 200 characters"):
        _names(four, search="x" * 201)
    with pytest.raises(InvalidInput, match="not one this list gave out"):
        _names(four, after="nonsense")


def test_tier_progress_by_spend_and_by_orders(four: Session) -> None:
    products.create_product(session=four, actor=CLERK, data=products.ProductCreate(
        title="Tee", status="active", variants=[products.VariantInput(sku="TEE-01", price_minor=50_000)]))
    for _ in range(2):
        order = placing.create_order(session=four, actor=CLERK, draft=drafts.OrderDraft(
            customer="1", lines=[drafts.DraftLine(sku="TEE-01", quantity=1)], stock_mode="none"))
        payments.pay(session=four, actor=CLERK, number=order.number, method="cash")
    placing.create_order(session=four, actor=CLERK, draft=drafts.OrderDraft(  # unpaid: does not count
        customer="1", lines=[drafts.DraftLine(sku="TEE-01", quantity=1)], stock_mode="none"))
    progress = members_views.tier_progress(session=four, customer_id=1)
    assert (progress.basis, progress.spend_minor, progress.orders) == ("spend", 100_000, 2)
    assert (progress.next_code, progress.next_threshold, progress.to_go) == ("silver", 200_000, 100_000)
    members_tiers.edit_tier(session=four, actor=CLERK, code="silver",
                            patch=members_tiers.TierUpdate(min_spend_minor=90_000))
    assert members_views.tier_progress(session=four, customer_id=1).to_go == 0  # reached; moves at recalculation
    from shoptui.services.shop import settings

    settings.set_value(session=four, actor=CLERK, key="member_tier_basis", raw="orders")
    by_orders = members_views.tier_progress(session=four, customer_id=1)
    assert (by_orders.reached, by_orders.next_threshold, by_orders.to_go) == (2, 5, 3)
    with clock.frozen(clock.now() + timedelta(days=400)):  # outside the 12-month window
        assert members_views.tier_progress(session=four, customer_id=1).orders == 0


def test_top_tier_has_no_next(four: Session) -> None:
    for code in ("silver", "gold"):
        members_tiers.edit_tier(session=four, actor=CLERK, code=code,
                                patch=members_tiers.TierUpdate(min_spend_minor=0, min_orders=0))
    members.recalc_tiers(session=four, actor=CLERK)
    progress = members_views.tier_progress(session=four, customer_id=2)
    assert progress.tier_code == "gold" and progress.next_code is None and progress.to_go is None


def test_next_expiry_is_the_oldest_open_lot(four: Session) -> None:
    assert members_views.next_expiry(session=four, customer_id=1) is None
    members.adjust_points(session=four, actor=CLERK, ref=1, points=100, reason="first")
    with clock.frozen(clock.now() + timedelta(days=40)):
        members.adjust_points(session=four, actor=CLERK, ref=1, points=50, reason="later")
    expiry = members_views.next_expiry(session=four, customer_id=1)
    assert expiry is not None and expiry.points == 100
    assert expiry.at.date() == (clock.now() + timedelta(days=731)).date() or expiry.at > clock.now()
    members.adjust_points(session=four, actor=CLERK, ref=1, points=-100, reason="spent")  # oldest go first
    later = members_views.next_expiry(session=four, customer_id=1)
    assert later is not None and later.points == 50 and later.at > expiry.at


def test_merge_preview_reads_what_would_move_and_writes_nothing(four: Session) -> None:
    members.adjust_points(session=four, actor=CLERK, ref=3, points=70, reason="old card")
    members.credit_change(session=four, actor=CLERK, ref=3, amount_minor=500, reason="cash")
    preview = members_views.merge_preview(session=four, keep=1, other="ana@example.com")
    assert (preview.other_id, preview.other_is_member, preview.points, preview.credit_minor) == (3, True, 70, 500)
    assert preview.tags == ["staff"] and preview.email == "ana@example.com" and preview.phone is None
    assert members.get_member(session=four, ref=3).points_balance == 70
    plain = customers.add_customer(session=four, actor=CLERK, data=customers.CustomerCreate(
        name="Walk-in", phone="13600001111"))
    preview = members_views.merge_preview(session=four, keep=1, other=str(plain.id))
    assert not preview.other_is_member and preview.orders == 0 and preview.points == 0
    assert preview.phone == "+8613600001111"  # E.164; member #1 has a phone: this one is kept as a further contact
    with pytest.raises(InvalidInput, match="cannot be merged into itself"):
        members_views.merge_preview(session=four, keep=1, other="13800138000")
    with pytest.raises(NotFound):
        members_views.merge_preview(session=four, keep=1, other="nobody@example.com")
