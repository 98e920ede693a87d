"""Issue 12's data changes: a gift is a flag on the order line (0010), stored phones are E.164 (0011)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session

from shoptui import clock, db
from shoptui.errors import InvalidInput
from shoptui.services.marketing import promotions as mp
from shoptui.services.members import customers
from shoptui.services.members import profiles as members
from shoptui.services.orders import documents, editing, listing, payments, placing, reading
from shoptui.services.orders import returns as orders_returns
from shoptui.services.orders import shipping as orders_shipping
from shoptui.services.orders.common import line_title
from shoptui.services.shop import checks
from tests.services.orders_helpers import CLERK, draft, level, seed


def _migrate(url: str, revision: str, *, down: bool = False) -> None:
    """Move the store to ``revision`` with Alembic, as ``db upgrade`` runs it."""
    from alembic import command

    db.dispose_all()
    engine = db.get_engine(url, check_schema=False)
    config = db._alembic_config(url)
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)
        conn.commit()
    db.dispose_all()


def _gift_promo(session: Session) -> None:
    mp.add_promotion(session=session, actor=CLERK, data=mp.PromotionInput(
        name="Cap over 100", kind="gift", min_spend_minor=10000, gift_sku="CAP-01",
        starts_at=clock.now() - timedelta(days=1)))


def _clean(session: Session) -> None:
    problems = [p for r in checks.run_checks(session=session) for p in r.problems]
    assert problems == []


# ---------------------------------------------------------------- gifts


def test_a_gift_promotions_line_is_flagged_with_its_plain_title(session: Session) -> None:
    seed(session)
    _gift_promo(session)
    order = placing.create_order(session=session, actor=CLERK, draft=draft(("TEE-01", 2)))
    tee, gift = order.lines
    assert (gift.sku, gift.title, gift.is_gift, gift.unit_price_minor, gift.net_minor) == ("CAP-01", "Cap", True, 0, 0)
    assert not tee.is_gift and tee.title == "Basic tee"
    assert line_title(gift) == "Cap (gift)" and line_title(tee) == "Basic tee"  # the faces' display text
    shop = documents.shop_info(session=session)
    receipt = documents.receipt(order, shop, width_mm=80)
    assert any("1 x Cap (gift)" in row and row.rstrip().endswith("free") for row in receipt.splitlines())
    assert "Cap (gift) (CAP-01)" in documents.invoice(order, shop)
    # an edit re-prices the order: the gift stays a gift, free, and is not counted again
    edited = editing.edit_order(session=session, actor=CLERK, number=order.number,
                               edit=editing.OrderEdit(lines=[editing.LineChange(sku="TEE-01", quantity=3)]))
    assert [(line.sku, line.is_gift, line.net_minor) for line in edited.lines] == [
        ("TEE-01", False, 29700), ("CAP-01", True, 0)]
    assert edited.total_minor == 29700
    _clean(session)


def test_a_returned_gift_comes_back_to_stock_and_refunds_nothing(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    with db.transaction(store) as s:
        seed(s)
        _gift_promo(s)
        number = placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 2))).number
        payments.pay(session=s, actor=CLERK, number=number, method="card")
        orders_shipping.ship(session=s, actor=CLERK, number=number, carrier="SF", tracking="SF1234567890")
        assert level(s, "CAP-01") == (0, 0)
        returnable = {line.sku: line for line in orders_returns.returnable_lines(session=s, number=number)}
        assert returnable["CAP-01"].title == "Cap (gift)" and returnable["CAP-01"].returnable == 1
        ret = orders_returns.request_return(session=s, actor=CLERK, number=number, items=[("CAP-01", 1)],
                                            reason="not wanted")
        orders_returns.decide_return(session=s, actor=CLERK, return_id=ret.id, approve=True)
        orders_returns.receive_return(session=s, actor=CLERK, return_id=ret.id)
        assert level(s, "CAP-01") == (1, 0)
        with pytest.raises(InvalidInput, match="more than zero"):  # the gift was free: nothing to pay back
            orders_returns.preview_refund(session=s, number=number, items=[("CAP-01", 1)], reason="gift back")
        done = orders_returns.refund(session=s, actor=CLERK, number=number, reason="all", to="original")
        order = reading.get_order(session=s, number=number)
        assert done.amount_minor == order.total_minor == order.refunded_minor == 19800
        gift = order.lines[1]
        assert (gift.is_gift, gift.quantity_returned, gift.refunded_minor) == (True, 1, 0)
        _clean(s)


def test_the_migration_flags_old_gift_lines_and_strips_the_suffix(store: str, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    with db.transaction(store) as s:
        seed(s)
        _gift_promo(s)
        number = placing.create_order(session=s, actor=CLERK, draft=draft(("TEE-01", 2), ("MUG-01", 1))).number
    _migrate(store, "0010_unique_contacts", down=True)  # the store as the app before 0011 wrote it
    engine = db.get_engine(store, check_schema=False)
    with engine.begin() as conn:
        assert "is_gift" not in {c["name"] for c in inspect(conn).get_columns("order_line")}
        titles = dict(conn.execute(text("SELECT sku, title FROM order_line")).all())
        assert titles["CAP-01"] == "Cap (gift)"
        # a priced line whose title happens to end in "(gift)" was never a gift
        conn.execute(text("UPDATE order_line SET title = 'Mug (gift)' WHERE sku = 'MUG-01'"))
    _migrate(store, "0011_gift_lines")
    with db.get_engine(store, check_schema=False).connect() as conn:
        rows = {r.sku: (r.title, bool(r.is_gift)) for r in conn.execute(text("SELECT sku, title, is_gift FROM order_line"))}
    assert rows == {"TEE-01": ("Basic tee", False), "MUG-01": ("Mug (gift)", False), "CAP-01": ("Cap", True)}
    db.upgrade(store, backup=False)
    with db.read_session(store) as s:
        gift = reading.get_order(session=s, number=number).lines[-1]
        assert (gift.title, gift.is_gift) == ("Cap", True)


# ---------------------------------------------------------------- phones


def test_an_old_store_with_national_phones_is_found_by_e164_after_the_upgrade(
        store: str, frozen_clock, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    with db.transaction(store) as s:
        seed(s)
        ana = members.add_member(session=s, actor=CLERK, data=members.MemberCreate(name="Ana", phone="13800138000"))
        bo = customers.add_customer(session=s, actor=CLERK, data=customers.CustomerCreate(
            name="Bo", phone="13900139000", address=customers.AddressInput(
                recipient="Bo", phone="13900139000", city="Shanghai", street="1 Road")))
        odd = customers.add_customer(session=s, actor=CLERK, data=customers.CustomerCreate(name="Odd"))
        number = placing.create_order(session=s, actor=CLERK, draft=draft(("MUG-01", 1), customer="13900139000")).number
        guest = placing.create_order(session=s, actor=CLERK, draft=draft(("MUG-01", 1), guest_name="Guest",
                                                                          guest_phone="13100131000")).number
    with db.get_engine(store).begin() as conn:  # the rows as shoptui wrote them before E.164
        conn.execute(text("UPDATE customer SET phone = '13800138000' WHERE id = :id"), {"id": ana.id})
        conn.execute(text("UPDATE customer SET phone = '139 0013 9000' WHERE id = :id"), {"id": bo.id})
        conn.execute(text("UPDATE customer SET phone = '12345' WHERE id = :id"), {"id": odd.id})  # not a number
        conn.execute(text("UPDATE customer_address SET phone = '13900139000'"))
        conn.execute(text("UPDATE sales_order SET customer_phone = '13900139000', ship_phone = '013900139000' "
                          "WHERE number = :n"), {"n": number})
        conn.execute(text("UPDATE sales_order SET customer_phone = '13100131000' WHERE number = :n"), {"n": guest})
        for who, value in ((ana.id, "13600136000"), (ana.id, "+8613700137000"), (ana.id, "013700137000"),
                           (bo.id, "13500135000"), (odd.id, "+8613500135000")):
            conn.execute(text("INSERT INTO customer_contact (customer_id, kind, value, note, added_at) "
                              "VALUES (:c, 'phone', :v, 'merged', '2026-01-01 00:00:00.000000')"), {"c": who, "v": value})
        conn.execute(text("UPDATE alembic_version SET version_num = '0011_gift_lines'"))
    db.dispose_all()
    with caplog.at_level(logging.INFO, logger="alembic.runtime.migration"):
        assert db.upgrade(store, backup=False).after == "0012_e164_phones"
    # rewritten: 2 customers, 1 address, 3 order columns, 1 further phone; dropped: ana's own number twice
    assert ("Phones in E.164 (read in CN): 7 rewritten, 1 left as they are (not a valid number), "
            "1 duplicate further phones dropped, 1 further phones left (another customer holds the number).") \
        in caplog.text
    with db.transaction(store) as s:
        stored = dict(s.execute(text("SELECT id, phone FROM customer")).all())
        assert (stored[ana.id], stored[bo.id], stored[odd.id]) == ("+8613800138000", "+8613900139000", "12345")
        contacts = s.execute(text("SELECT customer_id, value FROM customer_contact WHERE kind = 'phone'")).all()
        assert sorted(contacts) == sorted([(ana.id, "+8613600136000"), (ana.id, "+8613700137000"),
                                           (bo.id, "13500135000"), (odd.id, "+8613500135000")])
        assert s.execute(text("SELECT phone FROM customer_address")).scalar() == "+8613900139000"
        order = reading.get_order(session=s, number=number)
        assert (order.customer_phone, order.ship_phone) == ("+8613900139000", "+8613900139000")
        # found by E.164, and by what a clerk types (read into E.164)
        for typed in ("+8613800138000", "138 0013 8000", "+86 136 0013 6000"):
            found = members.find_member(session=s, phone=typed)
            assert found is not None and found.id == ana.id
        assert customers.get_customer(session=s, ref="+8613900139000").id == bo.id
        assert [o.number for o in listing.list_orders(session=s, filters=listing.OrderFilter(
            search="+8613100131000")).items] == [guest]
        _clean(s)


def test_the_migration_reads_phones_in_the_stores_country(store: str) -> None:
    with db.transaction(store) as s:
        s.execute(text("""UPDATE store_setting SET value = '"US"' WHERE key = 'country'"""))
        if not s.execute(text("SELECT 1 FROM store_setting WHERE key = 'country'")).first():
            s.execute(text("""INSERT INTO store_setting (key, value, updated_at) VALUES ('country', '"US"', '2026-01-01')"""))
        sam = customers.add_customer(session=s, actor=CLERK, data=customers.CustomerCreate(name="Sam"))
        s.execute(text("UPDATE customer SET phone = '415 555 0100' WHERE id = :id"), {"id": sam.id})
        s.execute(text("UPDATE alembic_version SET version_num = '0011_gift_lines'"))
    db.dispose_all()
    db.upgrade(store, backup=False)
    with db.read_session(store) as s:
        assert customers.get_customer(session=s, ref="+14155550100").id == sam.id
