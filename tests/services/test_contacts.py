"""Phones, emails and countries: one normaliser (shop.contacts) for members, customers, orders, settings, imports."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from shoptui.errors import InvalidInput
from shoptui.models.customers import Customer
from shoptui.services.members import customers
from shoptui.services.members import profiles as members
from shoptui.services.shop import settings
from shoptui.services.shop.contacts import country_code, normalise_email, normalise_phone, phone_candidates
from tests.services.orders_helpers import CLERK

SAME_PERSON = ("137 0000 0000", "+86 137-0000-0000", "13700000000")


@pytest.mark.parametrize(("raw", "country", "e164"), [
    ("13800138000", "CN", "+8613800138000"),
    ("138 0013 8000", "CN", "+8613800138000"),
    ("138-0013-8000", "CN", "+8613800138000"),
    ("+86 138 0013 8000", "CN", "+8613800138000"),
    ("0086 13800138000", "CN", "+8613800138000"),
    ("8613800138000", "CN", "+8613800138000"),
    ("１３８００１３８０００", "CN", "+8613800138000"),
    ("010 6552 9988", "CN", "+861065529988"),
    ("+1 (415) 555-2671", "CN", "+14155552671"),
    ("415-555-2671", "US", "+14155552671"),
    ("(415) 555-2671", "US", "+14155552671"),
    ("'+14155552671", "CN", "+14155552671"),  # as a spreadsheet (or a Shopify export) keeps it text
    ("020 7946 0958", "GB", "+442079460958"),
    ("+44 20 7946 0958", "US", "+442079460958"),
    ("+852 9123 4567", "CN", "+85291234567"),
    *((raw, "CN", "+8613700000000") for raw in SAME_PERSON),
])
def test_phones_are_normalised_to_e164(raw: str, country: str, e164: str) -> None:
    assert normalise_phone(raw, country) == e164


@pytest.mark.parametrize("raw", ["abc", "12345", "1380013800", "23800138000", "+86 238 0013 8000",
                                 "138001380001234567", "+", "++8613800138000", "13800l38000", "+1 015 555 2671"])
def test_bad_phones_are_refused_with_one_sentence_naming_the_field(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalise_phone(raw, "CN", field="address phone")
    message = str(refused.value)
    assert message.startswith(f"The address phone {raw!r} is not a phone number;") and "\n" not in message


def test_an_empty_phone_is_asked_for() -> None:
    with pytest.raises(InvalidInput, match="Give a phone number"):
        normalise_phone("  ", "CN")


@pytest.mark.parametrize("raw", ["a@", "@b.cn", "a b@c.cn", "ana@example", "ana@@example.com", "ana@ex..com",
                                 "a@b.cn\nBcc: all@x.cn"])
def test_bad_emails_are_refused_with_one_sentence(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalise_email(raw)
    message = str(refused.value)
    assert message.startswith(f"The email {raw.strip()!r} is not an email address (") and "\n" not in message


def test_emails_are_lower_cased_and_never_looked_up_in_dns() -> None:
    assert normalise_email("  Bo@Example.COM ") == "bo@example.com"
    assert normalise_email("ana@no-such-domain-for-shoptui.example") == "ana@no-such-domain-for-shoptui.example"


@pytest.mark.parametrize(("raw", "code"), [("cn", "CN"), ("CHN", "CN"), ("China", "CN"), ("germany", "DE")])
def test_countries_by_code_or_name(raw: str, code: str) -> None:
    assert country_code(raw) == code


def test_unknown_country_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"^The country 'Atlantis' is not a country code; use two letters"):
        country_code("Atlantis")


def test_lookup_forms_are_the_e164_form_or_the_typed_digits() -> None:
    assert phone_candidates("137 0000 0000", "CN") == ["+8613700000000"]  # stored phones are E.164 (0011)
    assert phone_candidates("0086 137-0000-0000", "CN") == ["+8613700000000"]
    assert phone_candidates("+44 20 7946 0958", "CN") == ["+442079460958"]
    assert phone_candidates("138", "CN") == ["138", "+86138"]  # the start of a number, for searches
    assert phone_candidates("call me", "CN") == []


def test_one_person_is_one_phone_for_members_and_customers(session: Session) -> None:
    settings.set_value(session=session, actor=CLERK, key="country", raw="CN")
    first, *others = SAME_PERSON
    member = members.add_member(session=session, actor=CLERK, data=members.MemberCreate(name="Ana", phone=first))
    assert member.phone == "+8613700000000"
    for raw in others:
        assert members.get_member(session=session, ref=raw).id == member.id
        assert members.find_member(session=session, phone=raw).id == member.id  # type: ignore[union-attr]
        assert customers.get_customer(session=session, ref=raw).id == member.id
        with pytest.raises(Exception, match="already belongs to"):
            customers.add_customer(session=session, actor=CLERK, data=customers.CustomerCreate(name="Ana 2", phone=raw))
    bo = customers.add_customer(session=session, actor=CLERK, data=customers.CustomerCreate(name="Bo", phone="139 0000 0000"))
    assert bo.phone == "+8613900000000"
    assert customers.find_or_add(session=session, actor=CLERK,
                                 data=customers.CustomerCreate(name="Bo", phone="+86 139-0000-0000")).id == bo.id


def test_a_phone_stored_before_e164_is_found_once_the_store_is_upgraded(store: str) -> None:
    from sqlalchemy import text

    from shoptui import db

    with db.transaction(store) as session:
        settings.set_value(session=session, actor=CLERK, key="country", raw="CN")
        old = customers.add_customer(session=session, actor=CLERK, data=customers.CustomerCreate(name="Old"))
        row = session.exec(select(Customer).where(Customer.id == old.id)).one()
        row.phone = "13700000000"  # how customers stored a number before (compact, no country code)
        session.add(row)
        session.execute(text("UPDATE alembic_version SET version_num = '0011_gift_lines'"))
    db.dispose_all()
    db.upgrade(store, backup=False)  # 0011 rewrites it in E.164; lookups read only that form
    with db.transaction(store) as session:
        for raw in SAME_PERSON:
            assert customers.get_customer(session=session, ref=raw).id == old.id
        with pytest.raises(Exception, match="already belongs to"):
            customers.add_customer(session=session, actor=CLERK,
                                   data=customers.CustomerCreate(name="New", phone="+86 137 0000 0000"))


def test_bad_contacts_are_refused_by_customers_with_the_field_named(session: Session) -> None:
    with pytest.raises(InvalidInput, match=r"^The phone '12ab' is not a phone number;"):
        customers.add_customer(session=session, actor=CLERK, data=customers.CustomerCreate(name="X", phone="12ab"))
    with pytest.raises(InvalidInput, match=r"^The email 'zhao@' is not an email address"):
        customers.add_customer(session=session, actor=CLERK, data=customers.CustomerCreate(name="X", email="zhao@"))
    address = customers.AddressInput(country="Atlantis", city="X")
    with pytest.raises(InvalidInput, match=r"^The address country 'Atlantis' is not a country code"):
        customers.add_customer(session=session, actor=CLERK, data=customers.CustomerCreate(name="X", address=address))
