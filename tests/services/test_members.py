"""Members: registration, phone numbers, profile, consent, merge, tiers, store credit, the order hook."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from shoptui import clock, db
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models.members import Member, MemberTierChange
from shoptui.models.messaging import OutboxMessage
from shoptui.services.members import customers
from shoptui.services.members import profiles as members
from shoptui.services.orders import payments, placing, reading
from shoptui.services.orders import returns as orders_returns
from shoptui.services.shop import checks, settings
from tests.services.orders_helpers import CLERK, draft, seed


def _clean(session: Session) -> None:
    names = ("points", "store-credit", "phone or email")
    problems = [p for r in checks.run_checks(session=session) if any(n in r.name for n in names) for p in r.problems]
    assert problems == []


def _add(session: Session, **kwargs) -> members.MemberRead:  # type: ignore[no-untyped-def]
    return members.add_member(session=session, actor=CLERK, data=members.MemberCreate(**kwargs))


def test_register_by_phone_email_and_account(session: Session, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    ana = _add(session, name="Ana", phone="138 0013 8000", tags=["VIP", "tea"], gender="f",
               birthday=date(1990, 5, 1), region="Shanghai", sms_consent=True)
    assert (ana.phone, ana.tier_code, ana.tags, ana.gender) == ("+8613800138000", "normal", ["tea", "vip"], "female")
    assert ana.sms_consent and ana.sms_consent_at == frozen_clock and not ana.email_consent
    bo = _add(session, email="Bo@Example.COM")
    assert bo.email == "bo@example.com" and bo.name == "bo@example.com"
    wx = _add(session, name="Chen", account="wechat:o6_abc")
    assert wx.accounts == ["wechat:o6_abc"]
    for ref in ("13800138000", "+86 138 0013 8000", "0086-138-0013-8000", str(ana.id), f"#{ana.id}"):
        assert members.get_member(session=session, ref=ref).id == ana.id
    assert members.get_member(session=session, ref="BO@example.com").id == bo.id
    assert members.get_member(session=session, ref="wechat:o6_abc").id == wx.id
    assert members.find_member(session=session, phone="13800138000").id == ana.id  # type: ignore[union-attr]
    history = session.exec(select(MemberTierChange).where(MemberTierChange.customer_id == ana.id)).all()
    assert [(h.from_code, h.to_code, h.reason) for h in history] == [(None, "normal", "joined")]
    _clean(session)


def test_one_person_is_one_member(session: Session) -> None:
    ana = _add(session, name="Ana", phone="13800138000", email="ana@example.com", account="alipay:2088")
    with pytest.raises(Conflict, match=f"already belongs to member #{ana.id}"):
        _add(session, phone="+86 138 0013 8000")
    with pytest.raises(Conflict, match="already belongs to member"):
        _add(session, email="ANA@example.com")
    with pytest.raises(Conflict, match="alipay account 2088 already belongs"):
        _add(session, name="x", account="alipay:2088")
    with pytest.raises(Conflict, match="already belongs"):
        _add(session, customer=str(ana.id))
    with pytest.raises(InvalidInput, match="phone number, an email"):
        _add(session, name="Nobody")
    with pytest.raises(InvalidInput, match="provider"):
        _add(session, account="myspace:1")
    with pytest.raises(InvalidInput):
        _add(session, phone="12")
    with pytest.raises(InvalidInput, match="gender"):
        _add(session, phone="13900139000", gender="robot")
    with pytest.raises(InvalidInput, match="birthday"):
        _add(session, phone="13900139000", birthday=date(2999, 1, 1))


def test_an_existing_customer_becomes_the_member(session: Session) -> None:
    customer = customers.add_customer(session=session, actor=CLERK, data=customers.CustomerCreate(
        name="Old Li", phone="13900139000"))
    member = _add(session, phone="139 0013 9000", email="li@example.com")
    assert member.id == customer.id and member.name == "Old Li" and member.phone == "+8613900139000"
    other = customers.add_customer(session=session, actor=CLERK, data=customers.CustomerCreate(
        name="Zhou", email="zhou@example.com"))
    with pytest.raises(Conflict, match=f"belongs to customer #{other.id}"):
        _add(session, customer=str(customer.id), email="zhou@example.com")


def test_edit_profile_tags_and_consent(session: Session, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    ana = _add(session, name="Ana", phone="13800138000", tags=["tea"])
    _add(session, name="Bo", phone="13900139000")
    edited = members.update_member(session=session, actor=CLERK, ref=ana.id, patch=members.MemberUpdate(
        name="Ana Li", add_tags=["vip"], remove_tags=["tea"], region="Beijing", email="ana@example.com",
        add_account="google:123"))
    assert (edited.name, edited.tags, edited.region, edited.email, edited.accounts) == (
        "Ana Li", ["vip"], "Beijing", "ana@example.com", ["google:123"])
    with pytest.raises(Conflict, match="already belongs to member"):
        members.update_member(session=session, actor=CLERK, ref=ana.id, patch=members.MemberUpdate(phone="13900139000"))
    with pytest.raises(InvalidInput, match="Nothing to change"):
        members.update_member(session=session, actor=CLERK, ref=ana.id, patch=members.MemberUpdate(region="Beijing"))
    assert not members.can_message(session=session, customer_id=ana.id, channel="email")
    assert members.can_message(session=session, customer_id=ana.id, channel="email", purpose="service")
    members.set_consent(session=session, actor=CLERK, ref=ana.id, channel="email", granted=True)
    assert members.can_message(session=session, customer_id=ana.id, channel="email")
    later = frozen_clock + timedelta(days=3)
    with clock.frozen(later):
        out = members.set_consent(session=session, actor=CLERK, ref=ana.id, channel="email", granted=False)
    assert not out.email_consent and out.email_consent_at == later
    assert not members.can_message(session=session, customer_id=ana.id, channel="email")
    assert not members.can_message(session=session, customer_id=ana.id, channel="email", purpose="service")
    assert members.can_message(session=session, customer_id=None, channel="sms", purpose="service")
    assert not members.can_message(session=session, customer_id=None, channel="sms")
    with pytest.raises(InvalidInput, match="already unsubscribed"):
        members.set_consent(session=session, actor=CLERK, ref=ana.id, channel="email", granted=False)


def test_list_search_and_paging(session: Session) -> None:
    for i, name in enumerate(["Chen", "Ana", "Bo", "Ana B", "Dai"]):
        _add(session, name=name, phone=f"1380013800{i}", tags=["vip"] if i % 2 else [])
    first = members.list_members(session=session, limit=2)
    assert [m.name for m in first.items] == ["Ana", "Ana B"] and first.next_after
    second = members.list_members(session=session, limit=2, after=first.next_after)
    assert [m.name for m in second.items] == ["Bo", "Chen"]
    assert [m.name for m in members.list_members(session=session, search="Ana").items] == ["Ana", "Ana B"]
    assert [m.name for m in members.list_members(session=session, search="138 0013 8002").items] == ["Bo"]
    assert [m.name for m in members.list_members(session=session, tag="VIP").items] == ["Ana", "Ana B"]
    hits = members.search_members(session=session, text="13800138002")
    assert [(h.kind, h.title, h.exact) for h in hits] == [("member", "Bo", True)]
    with pytest.raises(InvalidInput, match="cursor"):
        members.list_members(session=session, after="nonsense")


def test_store_credit_ledger(session: Session) -> None:
    ana = _add(session, name="Ana", phone="13800138000")
    out = members.credit_change(session=session, actor=CLERK, ref=ana.id, amount_minor=5000, reason="counter")
    assert out.balance_minor == 5000 and out.movement.kind == "topup"
    with pytest.raises(InvalidInput, match="top-up must be more than zero"):
        members.credit_change(session=session, actor=CLERK, ref=ana.id, amount_minor=-100, reason="x")
    with pytest.raises(InvalidInput, match="reason"):
        members.credit_change(session=session, actor=CLERK, ref=ana.id, amount_minor=-100, reason="", adjust=True)
    with pytest.raises(Conflict, match="holds 50.00 of store credit"):
        members.credit_change(session=session, actor=CLERK, ref=ana.id, amount_minor=-6000, reason="x", adjust=True)
    members.credit_change(session=session, actor=CLERK, ref=ana.id, amount_minor=-1000, reason="typo", adjust=True)
    assert members.get_member(session=session, ref=ana.id).credit_balance_minor == 4000
    _clean(session)


def test_orders_earn_pay_with_credit_refund_and_tiers(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    with db.transaction(store) as s:
        seed(s)
        ana = _add(s, name="Ana", phone="13800138000", email="ana@example.com", email_consent=True)
        members.credit_change(session=s, actor=CLERK, ref=ana.id, amount_minor=10000, reason="top-up")
        members_tier = members.TierUpdate(min_spend_minor=15000)
        from shoptui.services.members import tiers as members_tiers

        members_tiers.edit_tier(session=s, actor=CLERK, code="silver", patch=members_tier)
        order = placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 2), customer=ana.id))
        payments.pay(session=s, actor=CLERK, number=order.number, method="store_credit", amount_minor=10000)
        payments.pay(session=s, actor=CLERK, number=order.number, method="card")
    with db.read_session(store) as s:
        profile = members.member_profile(session=s, ref=ana.id)
        me = profile.member
        # 198.00 paid: 198 points at 1 per unit (normal tier x1); then silver
        assert me.credit_balance_minor == 0 and me.points_balance == 198 and me.tier_code == "silver"
        assert [(p.kind, p.points) for p in profile.points] == [("earn", 198)]
        assert [(h.from_code, h.to_code) for h in profile.tier_history][:1] == [("normal", "silver")]
        assert [c.kind for c in profile.credit] == ["payment", "topup"]
        sent = s.exec(select(OutboxMessage).where(OutboxMessage.template == "member.tier_up")).all()
        assert [(m.channel, m.recipient) for m in sent] == [("email", "ana@example.com")]
        _clean(s)
    with pytest.raises(Conflict, match="holds 0.00 of store credit"), db.transaction(store) as s:
        second = placing.create_order(session=s, actor=CLERK, draft=draft(("MUG-01", 1), customer=ana.id))
        payments.pay(session=s, actor=CLERK, number=second.number, method="store_credit")
    with db.transaction(store) as s:  # half the goods back as store credit: half the points back, tier down
        orders_returns.refund(session=s, actor=CLERK, number=order.number, items=[("TEE-01", 1)], reason="size",
                              to="store_credit")
    with db.read_session(store) as s:
        me = members.get_member(session=s, ref=ana.id)
        assert (me.points_balance, me.credit_balance_minor, me.tier_code) == (99, 9900, "normal")
        _clean(s)
    with db.transaction(store) as s:
        orders_returns.refund(session=s, actor=CLERK, number=order.number, reason="all of it")
    with db.read_session(store) as s:
        me = members.get_member(session=s, ref=ana.id)
        assert me.points_balance == 0
        _clean(s)


def test_guests_cannot_pay_with_store_credit(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    with db.transaction(store) as s:
        seed(s)
        order = placing.create_order(session=s, actor=CLERK, draft=draft(("MUG-01", 1), guest_name="walk-in"))
    with pytest.raises(InvalidInput, match="only members hold store credit"), db.transaction(store) as s:
        payments.pay(session=s, actor=CLERK, number=order.number, method="store_credit")
    with db.read_session(store) as s:
        assert reading.get_order(session=s, number=order.number).paid_minor == 0


def test_merge_moves_orders_points_credit_and_history(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    with db.transaction(store) as s:
        seed(s)
        ana = _add(s, name="Ana", phone="13800138000", tags=["tea"])
        dup = _add(s, name="Ana (old card)", email="ana@example.com", tags=["vip"], sms_consent=True)
        members.adjust_points(session=s, actor=CLERK, ref=dup.id, points=300, reason="old card")
        members.credit_change(session=s, actor=CLERK, ref=dup.id, amount_minor=2500, reason="old card")
        members.adjust_points(session=s, actor=CLERK, ref=ana.id, points=50, reason="welcome")
        order = placing.create_order(session=s, actor=CLERK, draft=draft(("MUG-01", 1), customer=dup.id))
        payments.pay(session=s, actor=CLERK, number=order.number, method="cash", amount_minor=5000)
    with db.transaction(store) as s:
        result = members.merge_members(session=s, actor=CLERK, keep=ana.id, other="ana@example.com")
        assert (result.orders, result.points, result.credit_minor) == (1, 335, 2500)
        kept = result.kept
        assert kept.points_balance == 385 and kept.credit_balance_minor == 2500 and kept.tags == ["tea", "vip"]
        assert kept.email == "ana@example.com" and kept.sms_consent and kept.order_count == 1
        assert reading.get_order(session=s, number=order.number).customer_id == ana.id
        _clean(s)
    with db.read_session(store) as s:
        with pytest.raises(NotFound, match=f"merged into member #{ana.id}"):
            members.get_member(session=s, ref=dup.id)
        assert members.get_member(session=s, ref="ana@example.com").id == ana.id
        assert members.member_benefits(session=s, customer_id=dup.id) is None
    with pytest.raises(InvalidInput, match="into itself"), db.transaction(store) as s:
        members.merge_members(session=s, actor=CLERK, keep=ana.id, other=str(ana.id))


def test_merge_keeps_every_contact_of_both_and_the_merged_email_stays_taken(session: Session) -> None:
    """Issue 11 item 13: both members had a phone and an email; after the merge all four find the kept member."""
    ana = _add(session, name="Ana", phone="13800138000", email="ana@example.com")
    dup = _add(session, name="Ana (old card)", phone="13900139000", email="ana.old@example.com")
    customers.update_customer(session=session, actor=CLERK, ref=dup.id, patch=customers.CustomerUpdate(
        address=customers.AddressInput(recipient="Ana", city="Hangzhou", street="1 West Lake Rd")))
    kept = members.merge_members(session=session, actor=CLERK, keep=ana.id, other=dup.id).kept
    assert (kept.phone, kept.email) == ("+8613800138000", "ana@example.com")
    assert kept.other_contacts == ["+8613900139000", "ana.old@example.com"]
    for ref in ("ana.old@example.com", "ANA.OLD@example.com", "13900139000", "+86 139 0013 9000"):
        assert members.get_member(session=session, ref=ref).id == ana.id, ref
        assert customers.get_customer(session=session, ref=ref).id == ana.id, ref
    customer = customers.get_customer(session=session, ref=ana.id)
    assert [a.city for a in customer.addresses] == ["Hangzhou"]
    assert customer.other_contacts == ["+8613900139000", "ana.old@example.com"]
    with pytest.raises(Conflict, match=f"email ana.old@example.com already belongs to member #{ana.id} Ana"):
        _add(session, name="Ana again", email="ana.old@example.com")
    with pytest.raises(Conflict, match=f"already belongs to member #{ana.id} Ana"):
        _add(session, name="Ana again", phone="139 0013 9000")
    with pytest.raises(Conflict, match=f"already belongs to customer #{ana.id} Ana"):
        customers.add_customer(session=session, actor=CLERK, data=customers.CustomerCreate(
            name="Ana again", email="ana.old@example.com"))
    assert members.find_member(session=session, phone="13900139000").id == ana.id  # type: ignore[union-attr]
    assert [m.id for m in members.list_members(session=session, search="ana.old@example.com").items] == [ana.id]


def test_benefits_for_pricing(session: Session) -> None:
    ana = _add(session, name="Ana", phone="13800138000")
    session.exec(select(Member)).first()
    benefits = members.member_benefits(session=session, customer_id=ana.id)
    assert benefits is not None and (benefits.tier_code, benefits.discount_bp, benefits.points_multiplier_bp) == (
        "normal", 0, 10000)
    assert members.member_benefits(session=session, customer_id=None) is None
    assert members.member_benefits(session=session, customer_id=9999) is None
    settings.set_value(session=session, actor=CLERK, key="member_points_value_per_100", raw="50")
    assert members.points_value_minor(session=session, points=250) == 125


def test_dashboard_figures(session: Session, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    ana = _add(session, name="Ana", phone="13800138000")
    members.adjust_points(session=session, actor=CLERK, ref=ana.id, points=1234, reason="x")
    from shoptui.services.members import figures as members_figures

    figures = {f.key: f for f in members_figures.dashboard_figures(session=session)}
    assert figures["members.new"].value == "1"
    assert figures["members.points"].value == "CNY 12.34"


def test_tier_messages_queued_in_bulk_look_like_ones_queued_one_by_one(session: Session, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    from shoptui.services.members import tiers as members_tiers
    from shoptui.services.members.core import member_settings
    from shoptui.services.messaging import outbox as messaging

    seed(session)
    ana = _add(session, name="Ana", phone="138 0013 8000", email="Ana@Example.com", email_consent=True, sms_consent=True)
    members_tiers.edit_tier(session=session, actor=CLERK, code="silver", patch=members.TierUpdate(min_spend_minor=15000))
    order = placing.create_order(session=session, actor=CLERK, draft=draft(("TEE-01", 2), customer=ana.id))
    payments.pay(session=session, actor=CLERK, number=order.number, method="card")  # Ana rises to silver: bulk notice
    bulk = session.exec(select(OutboxMessage).where(OutboxMessage.template == "member.tier_up")
                        .order_by(OutboxMessage.id)).all()
    assert [(m.channel, m.recipient) for m in bulk] == [("email", "ana@example.com"), ("sms", "+8613800138000")]
    cfg = member_settings(session)
    for row in bulk:
        one = messaging.queue(session=session, channel=row.channel, recipient=row.recipient, template="member.tier_up",
                              subject=cfg.tier_up_subject, body=cfg.tier_up_body, ref_kind="member", ref_id=ana.id,
                              context={"name": "Ana", "tier": "Silver", "shop": cfg.shop})
        by_one = session.get(OutboxMessage, one.id)
        assert by_one is not None and "Silver" in by_one.body
        assert row.model_dump(exclude={"id"}) == by_one.model_dump(exclude={"id"})


def test_queue_many_checks_like_queue(session: Session) -> None:
    from shoptui.services.messaging import outbox as messaging

    good = messaging.MessageDraft(channel="email", recipient="a@example.com", template="t", subject="Hi $name",
                                  body="Hello $name", context={"name": "A"})
    bad = messaging.MessageDraft(channel="sms", recipient="call me", template="t", subject="", body="Hi")
    with pytest.raises(InvalidInput, match="is not a phone number"):
        messaging.queue_many(session=session, drafts=[good, bad])
    with pytest.raises(InvalidInput, match="needs a value for 'name'"):
        messaging.queue_many(session=session, drafts=[messaging.MessageDraft(
            channel="email", recipient="a@example.com", template="t", subject="", body="Hello $name")])
    assert messaging.queue_many(session=session, drafts=[good, bad], skip_bad_recipients=True) == 1
    assert [(m.recipient, m.subject, m.body) for m in session.exec(select(OutboxMessage)).all()] == [
        ("a@example.com", "Hi A", "Hello A")]
