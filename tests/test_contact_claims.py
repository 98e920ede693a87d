"""A phone or email is one customer's across the customer row and the further contacts a merge keeps (issue 13).

The store's triggers keep ``contact_claim`` (migration 0020) on both engines; these tests prove the claims
follow every change, that a write the services did not check is still refused by the store, that db check
compares the claims with a recount, and that a merge racing a new customer with the same phone ends with
the phone held once (on PostgreSQL the two really race).
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from shoptui import db
from shoptui.config import Actor
from shoptui.errors import Conflict
from shoptui.models.customers import ContactClaim, Customer, CustomerContact
from shoptui.services.members import customers, profiles
from shoptui.store.unique import violated
from tests.races import race

ACTOR = Actor(name="owner", source="test")
FANG, LI, ZHAO = "+8613800138000", "+8613900139000", "+8613700137000"


def _claims(store: str) -> dict[tuple[str, str], tuple[int, int]]:
    with db.read_session(store) as s:
        return {(c.kind, c.value): (c.customer_id, c.refs) for c in s.exec(select(ContactClaim))}


def _problems(store: str) -> list[str]:
    with db.read_session(store) as s:
        return profiles.check_contact_claims(session=s)


def _two_members(store: str) -> tuple[int, int]:
    with db.transaction(store) as s:
        fang = profiles.add_member(session=s, actor=ACTOR, data=profiles.MemberCreate(
            name="Wang Fang", phone=FANG, email="fang@example.com")).id
        li = profiles.add_member(session=s, actor=ACTOR, data=profiles.MemberCreate(
            name="Li Lei", phone=LI, email="li@example.com")).id
    return fang, li


def test_claims_follow_adds_edits_merges_and_deletes(store: str) -> None:
    fang, li = _two_members(store)
    assert _claims(store) == {("phone", FANG): (fang, 1), ("email", "fang@example.com"): (fang, 1),
                              ("phone", LI): (li, 1), ("email", "li@example.com"): (li, 1)}
    with db.transaction(store) as s:
        profiles.merge_members(session=s, actor=ACTOR, keep=fang, other=li)
    # the kept member keeps Li's phone and email as further contacts: the claims move, nothing is lost
    assert _claims(store) == {("phone", FANG): (fang, 1), ("email", "fang@example.com"): (fang, 1),
                              ("phone", LI): (fang, 1), ("email", "li@example.com"): (fang, 1)}
    with db.transaction(store) as s:
        row = s.get(Customer, fang)
        assert row is not None
        row.phone = ZHAO
        s.add(row)
    claims = _claims(store)
    assert claims[("phone", ZHAO)] == (fang, 1) and ("phone", FANG) not in claims
    with db.transaction(store) as s:
        s.execute(text("DELETE FROM customer_contact WHERE value = :v"), {"v": LI})
    assert ("phone", LI) not in _claims(store)
    assert _problems(store) == []


def test_the_store_refuses_a_further_contact_another_customer_holds(store: str) -> None:
    """Even a write that skips the services' check (a bulk path, a script) cannot give one phone to two."""
    fang, li = _two_members(store)
    with pytest.raises(IntegrityError) as caught, db.transaction(store) as s:
        s.add(CustomerContact(customer_id=li, kind="phone", value=FANG))
        s.flush()
    assert violated(caught.value, CustomerContact.__table__) == "uq_customer_contact"  # type: ignore[attr-defined]
    with pytest.raises(IntegrityError) as caught, db.transaction(store) as s:
        s.add(CustomerContact(customer_id=li, kind="phone", value=ZHAO))
        s.flush()
        s.add(Customer(name="Zhao", phone=ZHAO))
        s.flush()
    assert violated(caught.value, Customer.__table__) == "uq_customer_phone"  # type: ignore[attr-defined]
    assert _problems(store) == [] and ("phone", ZHAO) not in _claims(store)


def test_adding_a_further_contact_is_refused_in_words_and_a_repeat_is_a_no_op(store: str) -> None:
    fang, li = _two_members(store)
    with pytest.raises(Conflict, match=rf"The phone \{LI} already belongs to customer #{li} Li Lei"), \
            db.transaction(store) as s:
        customers.add_contact(s, fang, "phone", LI)
    with db.transaction(store) as s:
        assert customers.add_contact(s, fang, "phone", ZHAO) is True
        assert customers.add_contact(s, fang, "phone", ZHAO) is False
    assert _claims(store)[("phone", ZHAO)] == (fang, 1)


def test_db_check_names_a_claim_that_does_not_match(store: str) -> None:
    fang, li = _two_members(store)
    with db.transaction(store) as s:
        s.execute(text("UPDATE contact_claim SET customer_id = :li WHERE value = :v"), {"li": li, "v": FANG})
        s.execute(text("DELETE FROM contact_claim WHERE value = 'li@example.com'"))
    problems = _problems(store)
    assert f"the phone {FANG} of customer #{fang} is not claimed as held (1x)" in problems
    assert f"the phone {FANG} is claimed for customer #{li} (1x), which does not hold it so" in problems
    assert f"the email li@example.com of customer #{li} is not claimed as held (1x)" in problems
    assert len(problems) == 3


WORKER = textwrap.dedent("""
    import json, sys
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.errors import ShopError
    from shoptui.services.members import customers, profiles

    url, role, keep, other, phone = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    actor = Actor(name=role, source="test")
    try:
        with db.read_session(url) as s:
            customers.list_customers(session=s, limit=1)
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            sys.exit(3)
        with db.transaction(url) as s:
            if role == "merge":
                result = profiles.merge_members(session=s, actor=actor, keep=keep, other=other).kept.id
            else:
                result = customers.add_customer(session=s, actor=actor, data=customers.CustomerCreate(
                    name=role, phone=phone)).id
        print(json.dumps({"ok": result}))
    except ShopError as exc:
        print(json.dumps({"refused": str(exc), "kind": type(exc).__name__}))
    except Exception as exc:
        print(json.dumps({"escaped": f"{type(exc).__name__}: {exc}"}))
        sys.exit(2)
""")


def test_a_merge_racing_a_new_customer_with_the_merged_phone_keeps_it_once(store: str) -> None:
    fang, li = _two_members(store)
    results: list[dict[str, Any]] = race(WORKER, [[store, "merge", str(fang), str(li), LI]]
                                         + [[store, f"adder{n}", str(fang), str(li), LI] for n in range(2)])
    assert results[0] == {"ok": fang}, results
    for adder in results[1:]:  # before the merge Li holds it, after it Fang does: refused either way, in words
        assert adder.get("kind") == "Conflict" and f"The phone {LI} already belongs to " in adder["refused"], results
    with db.read_session(store) as s:
        holders = {c.id for c in s.exec(select(Customer).where(Customer.phone == LI))}
        holders |= {c.customer_id for c in s.exec(select(CustomerContact).where(CustomerContact.value == LI))}
    assert holders == {fang}
    assert _claims(store)[("phone", LI)] == (fang, 1)
    assert _problems(store) == []
