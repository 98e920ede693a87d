"""Several processes redeeming points (and store credit) from one member at once: never overspent."""

from __future__ import annotations

import multiprocessing

from shoptui import db
from shoptui.services.members import profiles as members
from shoptui.services.shop import checks

PROCESSES = 3
TRIES = 30
POINTS = 1000
STEP = 37  # 1000 // 37 = 27 redemptions fit; the rest must be refused


def _redeemer(url: str, member_id: int, tries: int, worker: int) -> dict[str, object]:
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.errors import Conflict
    from shoptui.services.members import profiles as members

    actor = Actor(name=f"till-{worker}", source="test")
    done = refused = 0
    other: list[str] = []
    for attempt in range(tries):
        try:
            with db.transaction(url) as session:
                members.redeem_points(session=session, actor=actor, customer_id=member_id, points=STEP,
                                      ref_kind="order", ref_id=f"T{worker}-{attempt}")
                members.store_credit_pay(session=session, actor=actor, customer_id=member_id, amount_minor=STEP,
                                         order_number=f"T{worker}-{attempt}")
            done += 1
        except Conflict as exc:
            if "cannot be" in str(exc):
                refused += 1
            else:
                other.append(str(exc))
        except Exception as exc:  # "database is locked" or anything else fails the test
            other.append(f"{type(exc).__name__}: {exc}")
    return {"done": done, "refused": refused, "other": other}


def test_two_terminals_never_overspend_points_or_credit(store: str) -> None:
    from shoptui.config import Actor

    actor = Actor(name="clerk", source="test")
    with db.transaction(store) as session:
        member = members.add_member(session=session, actor=actor, data=members.MemberCreate(phone="13800138000"))
        members.adjust_points(session=session, actor=actor, ref=member.id, points=POINTS, reason="start")
        members.credit_change(session=session, actor=actor, ref=member.id, amount_minor=POINTS, reason="start")
    db.dispose_all()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(PROCESSES) as pool:
        results = pool.starmap(_redeemer, [(store, member.id, TRIES, i) for i in range(PROCESSES)])
    assert [r["other"] for r in results] == [[]] * PROCESSES
    done = sum(r["done"] for r in results)  # type: ignore[misc]
    assert done == POINTS // STEP
    assert sum(r["refused"] for r in results) == PROCESSES * TRIES - done  # type: ignore[misc]
    with db.read_session(store) as session:
        after = members.get_member(session=session, ref=member.id)
        assert after.points_balance == POINTS - done * STEP
        assert after.credit_balance_minor == POINTS - done * STEP
        problems = [p for r in checks.run_checks(session=session) if "Member" in r.name for p in r.problems]
        assert problems == []
