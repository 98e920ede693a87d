"""Moving in: customers from Shopify and WooCommerce exports (every field), as members, again, and refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from shoptui import db
from shoptui.errors import InvalidInput
from shoptui.models.customers import Customer, CustomerAddress
from shoptui.models.members import Member, MemberTag
from shoptui.models.sales import CustomerImportRef
from shoptui.services import members
from shoptui.services.shop import settings
from tests.cli.conftest import store_digest
from tests.conftest import CLERK

DATA = Path(__file__).parent.parent / "data"
SHOPIFY = (DATA / "shopify_customers.csv").read_bytes()
WOO = (DATA / "woocommerce_customers.csv").read_bytes()


def us_store(session: Session) -> None:
    """The store sells in US dollars from New York."""
    for key, raw in (("country", "US"), ("currency", "USD"), ("timezone", "America/New_York")):
        settings.set_value(session=session, actor=CLERK, key=key, raw=raw)


@pytest.fixture
def us(store: str) -> str:
    with db.transaction(store) as session:
        us_store(session)
    return store


def _run(store: str, content: bytes, fmt: str, **kwargs):  # type: ignore[no-untyped-def]
    with db.transaction(store) as session:
        return members.import_customers(session=session, actor=CLERK, content=content, fmt=fmt,
                                        source="export.csv", **kwargs)


def _customers(store: str) -> dict[str, tuple[Customer, list[CustomerAddress]]]:
    with db.read_session(store) as session:
        rows = session.exec(select(Customer).order_by(col(Customer.id))).all()
        found = {c.name: (c, list(session.exec(select(CustomerAddress).where(CustomerAddress.customer_id == c.id))))
                 for c in rows}
        session.expunge_all()  # plain objects for the asserts, loaded as they are
        return found


def _address(found: list[CustomerAddress]) -> tuple[str, ...]:
    assert len(found) == 1 and found[0].is_default
    a = found[0]
    return (a.recipient, a.phone, a.street, a.city, a.region, a.postal_code, a.country)


def test_shopify_export_every_field(us: str) -> None:
    report = _run(us, SHOPIFY, "shopify")
    assert (report.rows, report.created, report.updated, report.unchanged, report.skipped) == (4, 4, 0, 0, 0)
    got = _customers(us)
    assert list(got) == ["Zoë Müller", "娜 李", "José García", "Olivia Brown"]
    zoe, zoe_addr = got["Zoë Müller"]
    assert (zoe.email, zoe.phone, zoe.note, zoe.tags, zoe.prior_order_count, zoe.prior_spent_minor) == (
        "zoe.mueller@example.com", "+15035550142", "Prefers morning delivery", "newsletter,vip", 3, 24550)
    assert (zoe.order_count, zoe.spent_minor) == (0, 0)  # this store's own orders: none yet
    assert _address(zoe_addr) == ("Zoë Müller", "+15035550142", "12 Elm Street, Apt 4", "Portland", "OR", "97201", "US")
    li, li_addr = got["娜 李"]
    assert (li.email, li.phone, li.tags, li.prior_order_count, li.prior_spent_minor) == (
        "li.na@example.cn", "+8613800138000", "", 0, 0)
    assert _address(li_addr) == ("娜 李", "", "88 Nanjing Road", "Shanghai", "SH", "200001", "CN")
    jose, jose_addr = got["José García"]
    assert (jose.email, jose.phone, jose.note, jose.tags, jose.prior_order_count, jose.prior_spent_minor) == (
        "jose@example.es", None, "Orders for the restaurant", "wholesale", 12, 120000)  # the bad phone dropped
    assert _address(jose_addr) == ("José García", "", "Calle Mayor 5", "Madrid", "M", "28013", "ES")
    olivia, olivia_addr = got["Olivia Brown"]
    assert (olivia.email, olivia.phone, olivia.prior_order_count, olivia.prior_spent_minor, olivia_addr) == (
        "olivia.brown@example.com", None, 1, 8999, [])
    with db.read_session(us) as session:
        refs = dict(session.exec(select(CustomerImportRef.ref, CustomerImportRef.customer_id)).all())
        assert not session.exec(select(Member)).all()  # not asked to make members
    assert refs == {"shopify:7001": zoe.id, "shopify:7002": li.id, "shopify:7003": jose.id, "shopify:7004": olivia.id}
    assert report.converted == ["2 phones to E.164", "1 country name to ISO codes",
                                "total spent and order count of 3 customers kept as their history"]
    assert report.dropped == [
        "line 4: the phone '12' is not a phone (imported without it)",
        "the company of 1 address (an address has no company)",
        "tax exemption of 1 customer (set prices instead)",
        "marketing consent of 3 customers (consent is a member's: import with --as-members to keep it)",
    ]
    assert [(i.line, i.action, i.reason) for i in report.items] == [(n, "create", "new customer") for n in (2, 3, 4, 5)]


def test_importing_the_same_file_again_changes_nothing(us: str) -> None:
    _run(us, SHOPIFY, "shopify", as_members=True)
    before = store_digest(us)
    again = _run(us, SHOPIFY, "shopify", as_members=True)
    assert (again.created, again.updated, again.unchanged, again.members_joined, again.members_already) == (0, 0, 4, 0, 4)
    assert {i.reason for i in again.items} == {"already imported: nothing differs"}
    assert store_digest(us) == before


def test_as_members_keeps_consent_only_where_given_and_dedupes_existing_members(us: str) -> None:
    with db.transaction(us) as session:  # Olivia is a member already, known by email
        existing = members.add_member(session=session, actor=CLERK, data=members.MemberCreate(
            name="Liv Brown", email="OLIVIA.BROWN@example.com", email_consent=True))
    report = _run(us, SHOPIFY, "shopify", as_members=True)
    assert (report.created, report.updated, report.members_joined, report.members_already) == (3, 1, 3, 1)
    assert "marketing consent" not in " ".join(report.dropped)
    with db.read_session(us) as session:
        rows = session.exec(select(Customer.name, Member.email_consent, Member.sms_consent, Member.source)
                            .join(Member, col(Member.customer_id) == col(Customer.id)).order_by(col(Customer.id))).all()
        tags = sorted(session.exec(select(MemberTag.tag)).all())
        olivia = session.get(Customer, existing.id)
        assert olivia is not None
        assert (olivia.name, olivia.prior_order_count, olivia.prior_spent_minor) == ("Liv Brown", 1, 8999)
        assert session.exec(select(CustomerImportRef.customer_id).where(
            CustomerImportRef.ref == "shopify:7004")).one() == existing.id
    assert [tuple(r) for r in rows] == [
        ("Liv Brown", True, False, "email"),  # the existing member is not touched: no second member, consent kept
        ("Zoë Müller", True, False, "import"),
        ("娜 李", False, True, "import"),
        ("José García", True, False, "import"),
    ]
    assert tags == ["newsletter", "vip", "wholesale"]


def test_a_known_customer_is_completed_never_overwritten(us: str) -> None:
    with db.transaction(us) as session:
        members.add_customer(session=session, actor=CLERK, data=members.CustomerCreate(
            name="Zoe M.", phone="+15035550142", note="Our own note"))
    report = _run(us, SHOPIFY, "shopify")
    zoe_item = report.items[0]
    assert (zoe_item.action, zoe_item.reason) == ("update", "email, address, tags, order history, linked to shopify:7001")
    zoe, addresses = _customers(us)["Zoe M."]
    assert (zoe.name, zoe.note, zoe.email, zoe.tags, zoe.prior_spent_minor) == (
        "Zoe M.", "Our own note", "zoe.mueller@example.com", "newsletter,vip", 24550)
    assert _address(addresses)[2] == "12 Elm Street, Apt 4"


def test_woocommerce_export_every_field(us: str) -> None:
    report = _run(us, WOO, "woocommerce")
    assert (report.created, report.skipped) == (3, 0)
    got = _customers(us)
    assert list(got) == ["Björn Ångström", "Amélie Poulain", "Sam Lee"]
    bjorn, bjorn_addr = got["Björn Ångström"]
    assert (bjorn.email, bjorn.phone, bjorn.prior_order_count, bjorn.prior_spent_minor, bjorn.tags) == (
        "bjorn@example.se", "+46701234567", 4, 31000, "")
    assert bjorn.created_at == datetime(2023, 5, 14, 13, 30, tzinfo=UTC)  # 09:30 in New York (EDT)
    assert _address(bjorn_addr) == ("Björn Ångström", "", "Drottninggatan 10", "Stockholm", "", "111 51", "SE")
    amelie, amelie_addr = got["Amélie Poulain"]
    assert (amelie.email, amelie.phone, amelie.prior_order_count, amelie.prior_spent_minor) == (
        "amelie@example.fr", None, 1, 4250)
    assert _address(amelie_addr) == ("Amélie Poulain", "", "15 Rue Lepic", "Paris", "", "75018", "FR")
    sam, sam_addr = got["Sam Lee"]
    assert (sam.email, sam.phone, sam.prior_order_count, sam.prior_spent_minor) == (
        "sam@example.com", "+12127365000", 0, 0)
    assert _address(sam_addr) == ("Sam Lee", "+12127365000", "350 Fifth Avenue, Suite 2", "New York", "NY", "10118",
                                  "US")
    assert report.converted == ["2 phones to E.164", "1 country name to ISO codes",
                                "total spent and order count of 2 customers kept as their history"]
    assert report.dropped == ["line 3: the phone 'not a phone' is not a phone (imported without it)",
                              "the company of 1 address (an address has no company)",
                              "the columns username, avatar_url"]


def test_an_older_shopify_export_and_rows_that_cannot_be_recognised(us: str) -> None:
    old = (b"First Name,Last Name,Email,Company,Address1,Address2,City,Province,Province Code,Country,Country Code,Zip,"
           b"Phone,Accepts Marketing,Total Spent,Total Orders,Tags,Note,Tax Exempt\n"
           b"Ana,Silva,ana@example.pt,,Rua Augusta 1,,Lisboa,Lisboa,,Portugal,PT,1100-048,,yes,10.00,1,,,no\n"
           b"Walk,In,,,,,,,,,,,,no,0.00,0,,,no\n"
           b",,,,,,,,,,,,,no,,,,,no\n")
    report = _run(us, old, "shopify", as_members=True)
    assert [(i.line, i.action, i.reason) for i in report.items] == [
        (2, "create", "new customer"),
        (3, "skip", "no id, email or phone to recognise them by on a later import"),
        (4, "skip", "no name, email or phone"),
    ]
    ana, addresses = _customers(us)["Ana Silva"]
    assert _address(addresses) == ("Ana Silva", "", "Rua Augusta 1", "Lisboa", "Lisboa", "1100-048", "PT")
    with db.read_session(us) as session:
        member = session.get(Member, ana.id)
        assert member is not None and member.email_consent and not member.sms_consent


def test_dry_run_plans_and_writes_nothing(us: str) -> None:
    before = store_digest(us)
    report = _run(us, SHOPIFY, "shopify", as_members=True, dry_run=True)
    assert report.dry_run and (report.created, report.members_joined) == (4, 4)
    assert report.summary.startswith("Would import 4 rows of export.csv (shopify): 4 created, 0 updated, 0 unchanged, "
                                     "0 skipped; 4 members would join, 0 already members.")
    assert store_digest(us) == before


@pytest.mark.parametrize(("content", "fmt", "message"), [
    (SHOPIFY.replace(b"li.na@example.cn", b"Zoe.Mueller@example.com"), "shopify",
     "line 3: the email zoe.mueller@example.com is also on line 2; one person is one customer"),
    (SHOPIFY.replace(b"245.50", b"-5"), "shopify", "line 2: the Total Spent '-5' cannot be negative."),
    (SHOPIFY.replace(b"1200.00", b"lots"), "shopify", "line 4: the Total Spent 'lots' is not an amount"),
    (SHOPIFY.replace(b",3,Prefers", b",three,Prefers"), "shopify",
     "line 2: the Total Orders 'three' is not a whole number of orders."),
    (SHOPIFY.replace(b"Spain", b"Narnia"), "shopify", "line 4: the address country 'Narnia' is not a country code"),
    (WOO.replace(b"Storgatan", b"Storgatan\x1b[31m"), "woocommerce", None),  # control characters in an unread part
    (WOO.replace(b",Sam,Lee,", b",Sam,Lee\x07,"), "woocommerce", "line 4:"),
    (SHOPIFY, "woocommerce", "export.csv is not a woocommerce customers export: it has no id, email, first_name, "
     "last_name column."),
    (SHOPIFY, "magento", "The format 'magento' is not one of shopify, woocommerce."),
    (b"", "shopify", "export.csv is empty"),
    (b"First Name,Last Name,Email\n", "shopify", "export.csv has a header but no customers."),
    (b"\xff\xfeF\x00", "shopify", "export.csv is not UTF-8 text"),
    (b'First Name,Last Name,Email\n"Ann,Lee,a@b.c\n', "shopify", "not readable CSV"),
])
def test_bad_files_are_refused_whole(us: str, content: bytes, fmt: str, message: str | None) -> None:
    before = store_digest(us)
    if message is None:  # billing street is not read when the shipping address is there: imports
        assert _run(us, content, fmt).created == 3
        return
    with pytest.raises(InvalidInput) as refused:
        _run(us, content, fmt)
    assert message in str(refused.value)
    assert store_digest(us) == before


def test_a_row_that_is_two_known_customers_is_refused(us: str) -> None:
    with db.transaction(us) as session:
        members.add_customer(session=session, actor=CLERK, data=members.CustomerCreate(name="A", phone="+15035550142"))
        members.add_customer(session=session, actor=CLERK, data=members.CustomerCreate(
            name="B", email="zoe.mueller@example.com"))
    before = store_digest(us)
    with pytest.raises(InvalidInput, match=r"line 2: Zoë Müller is more than one customer here \(#\d+ B, #\d+ A"):
        _run(us, SHOPIFY, "shopify")
    assert store_digest(us) == before
