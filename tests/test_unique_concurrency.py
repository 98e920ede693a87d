"""Several processes write the same unique thing at the same moment, on either engine (issue 13).

On SQLite the single writer makes them take turns; on PostgreSQL they really race, and the unique
indexes decide. Either way: one wins, the others get the very Conflict sentence a later writer gets
(never an IntegrityError), a racing first set of a setting and a racing idempotent retry both land.

The moment is a handshake, not a clock: each process prints ``ready`` once it has read the store and
waits on its stdin; the test sends ``go`` to all of them only when every one is ready.
"""

from __future__ import annotations

import textwrap
from typing import Any

from sqlmodel import func, select

from shoptui import db
from shoptui.models.customers import Customer
from shoptui.models.members import Member
from shoptui.models.store import AuditEntry, IdempotencyRecord, StoreSetting
from shoptui.services.shop import checks
from tests.races import race

PROCESSES = 3

WORKER = textwrap.dedent("""
    import json, sys
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.errors import ShopError
    from shoptui.services.members import customers, profiles
    from shoptui.services.shop import idempotency, settings

    url, rule, worker = sys.argv[1], sys.argv[2], int(sys.argv[3])
    actor = Actor(name=f"till{worker}", source="test")

    def work(s):
        if rule == "member phone":
            return profiles.add_member(session=s, actor=actor, data=profiles.MemberCreate(
                phone="138 0013 8000", name=f"M{worker}")).id
        if rule == "member email":
            return profiles.add_member(session=s, actor=actor, data=profiles.MemberCreate(
                email="Fang@Example.com", name=f"M{worker}")).id
        if rule == "member account":
            return profiles.add_member(session=s, actor=actor, data=profiles.MemberCreate(
                account="wechat:o6_bmjrPTlm6", name=f"M{worker}")).id
        if rule == "customer phone":
            return customers.add_customer(session=s, actor=actor, data=customers.CustomerCreate(
                name=f"C{worker}", phone="13800138000")).id
        if rule == "customer email":
            return customers.add_customer(session=s, actor=actor, data=customers.CustomerCreate(
                name=f"C{worker}", email="fang@example.com")).id
        if rule == "setting":
            return settings.set_value(session=s, actor=actor, key="phone", raw=f"+86 10 1234 567{worker}")
        if rule == "idempotency key":
            def action():
                made = customers.add_customer(session=s, actor=actor, data=customers.CustomerCreate(name=f"C{worker}"))
                return idempotency.Outcome(message=f"added #{made.id}", data={"id": made.id})
            outcome = idempotency.run_once(session=s, key="retry-1", command="customer add", action=action,
                                           fingerprint=idempotency.fingerprint("customer add", {"name": "C"}))
            return {"data": outcome.data, "replayed": outcome.replayed}
        raise SystemExit(f"unknown rule {rule}")

    try:
        with db.read_session(url) as s:  # every process has read the store before any of them writes
            customers.list_customers(session=s, limit=1)
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            sys.exit(3)
        with db.transaction(url) as s:
            result = work(s)
        print(json.dumps({"ok": result}))
    except ShopError as exc:
        print(json.dumps({"refused": str(exc), "kind": type(exc).__name__}))
    except Exception as exc:  # anything else escaping (an IntegrityError, 'database is locked') is a failure
        print(json.dumps({"escaped": f"{type(exc).__name__}: {exc}"}))
        sys.exit(2)
""")


def _race(store: str, rule: str) -> list[dict[str, Any]]:
    return race(WORKER, [[store, rule, str(i)] for i in range(PROCESSES)])


def _one_wins(results: list[dict[str, Any]], sentence: str) -> int:
    winners = [r["ok"] for r in results if "ok" in r]
    assert len(winners) == 1, results
    refusals = [r for r in results if "refused" in r]
    assert len(refusals) == PROCESSES - 1, results
    assert all(r["kind"] == "Conflict" and sentence.format(id=winners[0]) in r["refused"] for r in refusals), results
    return int(winners[0])


def _clean(store: str) -> None:
    with db.read_session(store) as s:
        assert [p for r in checks.run_checks(session=s) for p in r.problems] == []


def test_racing_members_with_one_phone_make_one_member(store: str) -> None:
    winner = _one_wins(_race(store, "member phone"), "The phone +8613800138000 already belongs to member #{id} ")
    with db.read_session(store) as s:
        assert s.exec(select(Customer.id).where(Customer.phone == "+8613800138000")).all() == [winner]
        assert s.exec(select(func.count()).select_from(Member)).one() == 1
    _clean(store)


def test_racing_members_with_one_email_make_one_member(store: str) -> None:
    winner = _one_wins(_race(store, "member email"), "The email fang@example.com already belongs to member #{id} ")
    with db.read_session(store) as s:
        assert s.exec(select(Customer.id).where(Customer.email == "fang@example.com")).all() == [winner]
    _clean(store)


def test_racing_members_with_one_account_make_one_member(store: str) -> None:
    results = _race(store, "member account")
    winner = _one_wins(results, "already belongs to member #{id}")
    assert all("wechat account o6_bmjrPTlm6" in r["refused"] for r in results if "refused" in r), results
    with db.read_session(store) as s:
        assert s.exec(select(func.count()).select_from(Member)).one() == 1
        assert s.exec(select(Member.customer_id)).all() == [winner]
    _clean(store)


def test_racing_customers_with_one_phone_make_one_customer(store: str) -> None:
    winner = _one_wins(_race(store, "customer phone"), "The phone +8613800138000 already belongs to customer #{id} ")
    with db.read_session(store) as s:
        assert s.exec(select(Customer.id)).all() == [winner]


def test_racing_customers_with_one_email_make_one_customer(store: str) -> None:
    winner = _one_wins(_race(store, "customer email"), "The email fang@example.com already belongs to customer #{id} ")
    with db.read_session(store) as s:
        assert s.exec(select(Customer.id)).all() == [winner]


def test_racing_first_sets_of_a_setting_all_land_in_turn(store: str) -> None:
    results = _race(store, "setting")
    assert all("ok" in r for r in results), results
    with db.read_session(store) as s:
        rows = s.exec(select(StoreSetting).where(StoreSetting.key == "phone")).all()
        assert len(rows) == 1 and rows[0].value in {r["ok"] for r in results}
        kept = rows[0].value
        audited = s.exec(select(AuditEntry.before, AuditEntry.after).where(
            AuditEntry.action == "settings.set", AuditEntry.entity_id == "phone")).all()
    assert len(audited) == PROCESSES
    # the changes form one chain (in whatever order they committed): each writer saw
    # the value the one before it set, nobody overwrote blind, and the last one's value is the one kept
    step = {before["value"]: after["value"] for before, after in audited}
    assert len(step) == PROCESSES, audited
    value = next(iter(set(step) - set(step.values())))  # the value before any of them (the default)
    for _ in range(PROCESSES):
        value = step[value]
    assert value == kept


def test_racing_retries_of_one_idempotency_key_replay_the_first(store: str) -> None:
    results = _race(store, "idempotency key")
    assert all("ok" in r for r in results), results
    first = [r["ok"] for r in results if not r["ok"]["replayed"]]
    assert len(first) == 1, results
    assert all(r["ok"]["data"] == first[0]["data"] for r in results), results
    with db.read_session(store) as s:
        assert s.exec(select(Customer.id)).all() == [first[0]["data"]["id"]]
        record = s.get(IdempotencyRecord, "retry-1")
        assert record is not None and record.result == first[0]["data"]
