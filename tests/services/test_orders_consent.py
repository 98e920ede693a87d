"""Order notices and the members' consent model: every order notice is a service message.

Reminders, shipping notices, cancellations and refunds go to guests, to customers who are no
members and to members who never answered; never on a channel a member unsubscribed from.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from shoptui import clock, db
from shoptui.errors import Conflict
from shoptui.models.messaging import OutboxMessage
from shoptui.services.members import customers
from shoptui.services.members import profiles as members
from shoptui.services.orders import notices, payments, placing, reading, unpaid
from shoptui.services.orders import shipping as orders_shipping
from shoptui.services.orders import views as orders_views
from tests.services.orders_helpers import CLERK, draft, seed

FANG = "13800138000"
"""Wang Fang's phone (she also has an email)."""


@pytest.fixture
def seeded(store: str, frozen_clock) -> str:  # type: ignore[no-untyped-def]
    """Products, and Wang Fang (phone and email) as a customer who is no member yet."""
    with db.transaction(store) as s:
        seed(s)
        customers.add_customer(session=s, actor=CLERK, data=customers.CustomerCreate(
            name="Wang Fang", phone="+86 138-0013-8000", email="fang@example.com",
            address=customers.AddressInput(city="Hangzhou", street="1 West Lake Rd", country="CN")))
    return store


def _member(s: Session, *, email: bool | None, sms: bool | None) -> None:
    members.add_member(session=s, actor=CLERK, data=members.MemberCreate(customer=FANG, email_consent=email,
                                                                          sms_consent=sms))


def _sent(s: Session, template: str) -> list[str]:
    return sorted(m.channel for m in s.exec(select(OutboxMessage).where(OutboxMessage.template == template)))


def _unpaid_order(store: str) -> str:
    with db.transaction(store) as s:
        return placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 1), customer=FANG)).number


def test_the_consent_model_decides_service_notices(seeded: str) -> None:
    with db.transaction(seeded) as s:
        fang = customers.find_customer_row(s, FANG).id
        # no member: service notices may go, marketing may not
        assert notices.may_message(s, fang, "email") and notices.may_message(s, None, "sms")
        assert not members.can_message(session=s, customer_id=fang, channel="email")
        _member(s, email=True, sms=None)
        members.set_consent(session=s, actor=CLERK, ref=FANG, channel="email", granted=False)
        assert not notices.may_message(s, fang, "email")
        assert notices.may_message(s, fang, "sms") == members.can_message(session=s, customer_id=fang, channel="sms",
                                                                         purpose="service")


def test_reminders_skip_the_channel_a_member_unsubscribed_from(seeded: str) -> None:
    number = _unpaid_order(seeded)
    with db.transaction(seeded) as s:
        _member(s, email=True, sms=True)
        members.set_consent(session=s, actor=CLERK, ref=FANG, channel="email", granted=False)
    with clock.frozen(clock.now() + timedelta(hours=3)), db.transaction(seeded) as s:
        assert unpaid.remind_unpaid(session=s, actor=CLERK).done == [number]
        assert _sent(s, "order.reminder") == ["sms"]
        assert "by sms" in reading.get_order(session=s, number=number).events[-1].message


def test_a_member_unsubscribed_everywhere_gets_no_reminder(seeded: str) -> None:
    number = _unpaid_order(seeded)
    with db.transaction(seeded) as s:
        _member(s, email=True, sms=True)
        for channel in ("email", "sms"):
            members.set_consent(session=s, actor=CLERK, ref=FANG, channel=channel, granted=False)
    with clock.frozen(clock.now() + timedelta(hours=3)), db.transaction(seeded) as s:
        result = unpaid.remind_unpaid(session=s, actor=CLERK)
        assert result.done == [] and result.skipped == [number]
        with pytest.raises(Conflict, match="unsubscribed from email and sms"):
            orders_views.remind_order(session=s, actor=CLERK, number=number)
        assert _sent(s, "order.reminder") == []
        assert reading.get_order(session=s, number=number).reminder_count == 0


def test_customers_who_never_answered_still_get_reminders(seeded: str) -> None:
    number = _unpaid_order(seeded)
    with db.transaction(seeded) as s:
        _member(s, email=False, sms=None)  # never answered: the store's default, no unsubscribe recorded
    with clock.frozen(clock.now() + timedelta(hours=3)), db.transaction(seeded) as s:
        fang = customers.find_customer_row(s, FANG).id
        expected = sorted(c for c in ("email", "sms") if notices.may_message(s, fang, c))
        assert "sms" in expected  # no sms answer recorded
        assert unpaid.remind_unpaid(session=s, actor=CLERK).done == [number]
        assert _sent(s, "order.reminder") == expected


def test_shipping_notice_honours_an_unsubscribe_and_says_so_on_the_timeline(seeded: str) -> None:
    number = _unpaid_order(seeded)
    with db.transaction(seeded) as s:
        _member(s, email=True, sms=True)
        members.set_consent(session=s, actor=CLERK, ref=FANG, channel="sms", granted=False)
        payments.pay(session=s, actor=CLERK, number=number, method="card")
        result = orders_shipping.ship(session=s, actor=CLERK, number=number, carrier="SF", tracking="SF1234567890")
        assert result.notified == ["email"]
        assert _sent(s, "order.shipped") == ["email"]
        kinds = [(e.kind, e.message) for e in reading.get_order(session=s, number=number).events]
        assert ("not notified", "No shipping notice by sms: the customer unsubscribed from it.") in kinds


def test_a_guest_still_gets_the_shipping_notice(seeded: str) -> None:
    with db.transaction(seeded) as s:
        number = placing.create_order(session=s, actor=CLERK, draft=draft(
            ("MUG-01", 1), guest_name="Walk-in", guest_phone="13700137000")).number
        payments.pay(session=s, actor=CLERK, number=number, method="cash")
        result = orders_shipping.ship(session=s, actor=CLERK, number=number, carrier="SF", tracking="SF1234567890")
        assert result.notified == ["sms"]
        assert not [e for e in reading.get_order(session=s, number=number).events if e.kind == "not notified"]
