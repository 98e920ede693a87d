"""Members at size: 1,000,000 members with 1,000,000 paid orders over two years (cached in bench/.data).

Figures: member lookup by phone (the counter's lookup), the member list's first page, the
dashboard figures, one points redemption, and the recalculation of every member's tier.
"""

from __future__ import annotations

import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta

from bench._data import insert as _insert
from bench._data import stamp as _stamp
from bench._engine import execute, store_url
from bench._report import DATA, figure, percentile, time_calls

MEMBERS = 1_000_000
ORDERS = 1_000_000
STORE = DATA / "members-1m.db"
NOW = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
SPAN = timedelta(days=730)


def phone(n: int) -> str:
    """The E.164 phone of bench member ``n``."""
    return f"+86138{n:08d}"


def _build() -> None:
    from shoptui import db

    tmp = STORE.with_suffix(".building")
    for path in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        path.unlink(missing_ok=True)
    DATA.mkdir(exist_ok=True)
    db.upgrade(str(tmp), backup=False)
    db.dispose_all()
    started = time.perf_counter()
    rnd = random.Random(11)
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    joined = _stamp(NOW - timedelta(days=400))
    _insert(con, "customer", {"id": 0, "name": "", "phone": None, "email": None, "created_at": joined,
                              "updated_at": joined},
            ({"id": n, "name": f"Member {n:07d}", "phone": phone(n),
              "email": f"m{n}@example.com" if n % 3 == 0 else None} for n in range(1, MEMBERS + 1)))
    _insert(con, "member", {"customer_id": 0, "source": "phone", "tier_code": "normal", "tier_since": joined,
                            "joined_at": joined, "updated_at": joined, "email_consent": 0, "sms_consent": 0,
                            "points_balance": 0},
            ({"customer_id": n, "email_consent": int(n % 30 == 0), "sms_consent": int(n % 50 == 0),
              "points_balance": 0,
              "joined_at": _stamp(NOW - timedelta(minutes=n))} for n in range(1, MEMBERS + 1)))
    seconds = int(SPAN.total_seconds())

    def orders():  # type: ignore[no-untyped-def]
        for n in range(1, ORDERS + 1):
            customer = int(rnd.paretovariate(1.2) * 1000) % MEMBERS + 1  # a few buy a lot
            total = rnd.randrange(2_000, 120_000, 100)
            refunded = total if n % 40 == 0 else 0
            at = _stamp(NOW - timedelta(seconds=rnd.randrange(seconds)))
            yield {"id": n, "number": f"B{n:07d}", "customer_id": customer, "total_minor": total,
                   "subtotal_minor": total, "paid_minor": total, "refunded_minor": refunded,
                   "payment_status": "refunded" if refunded else "paid", "status": "completed",
                   "fulfilment_status": "delivered", "created_at": at, "updated_at": at, "paid_at": at}

    _insert(con, "sales_order", {"id": 0, "number": "", "channel": "counter", "stock_mode": "none",
                                 "currency": "CNY", "customer_id": None, "paid_at": None}, orders())
    con.commit()
    con.close()
    tmp.rename(STORE)
    print(f"   built {STORE.name} in {time.perf_counter() - started:.0f} s")


def run() -> None:
    """Print every figure beside its target."""
    from shoptui import clock, db
    from shoptui.config import Actor
    from shoptui.services import members as members_api

    if not STORE.exists():
        _build()
    url = store_url(STORE)
    actor = Actor(name="bench", source="bench")
    clock.freeze(NOW)
    try:
        execute(url, "UPDATE member SET tier_code = 'normal' WHERE tier_code <> 'normal'",  # a fresh start: every
                "DELETE FROM member_tier_change",  # member back at the entry tier
                "DELETE FROM outbox_message WHERE template = 'member.tier_up'")
        rnd = random.Random(3)
        with db.read_session(url) as session:
            members_api.find_member(session=session, phone=phone(1))  # warm the engine and settings
            samples = time_calls(lambda: members_api.find_member(session=session, phone=phone(rnd.randrange(1, MEMBERS))),
                                 2000)
            cpu = []
            for _ in range(2000):  # CPU time beside wall time: on a busy machine wall time also counts waiting
                wanted = phone(rnd.randrange(1, MEMBERS))
                started = time.process_time()
                members_api.find_member(session=session, phone=wanted)
                cpu.append((time.process_time() - started) * 1000)
            figure("member lookup by phone, 1M members (p50)", percentile(samples, 50), 2)
            figure("member lookup by phone, 1M members (p95)", percentile(samples, 95), 2)
            figure("member lookup by phone, 1M members (p99)", percentile(samples, 99), 2)
            figure("  the same, CPU time (p50)", percentile(cpu, 50), 2)
            figure("  the same, CPU time (p95)", percentile(cpu, 95), 2)
            figure("  the same, CPU time (p99)", percentile(cpu, 99), 2)
            typed = time_calls(lambda: members_api.find_member(session=session,
                                                           phone=f"138 {rnd.randrange(0, 9999):04d} 5678"), 500)
            figure("member lookup by phone as typed (p50)", percentile(typed, 50), 2)
            page = time_calls(lambda: members_api.list_members(session=session, limit=50), 20)
            figure("member list first page (p50)", percentile(page, 50), 50)
            dash = time_calls(lambda: members_api.dashboard_figures(session=session), 5)
            figure("members dashboard figures (p50)", percentile(dash, 50), 50)
        started = time.perf_counter()
        with db.transaction(url) as session:
            result = members_api.recalc_tiers(session=session, actor=actor)
        elapsed = time.perf_counter() - started
        figure("tier recalculation, 1M members", elapsed, 60, "s",
               note=f"{result.up:,} up, {result.down:,} down, {result.notified:,} messages")
        started = time.perf_counter()
        with db.transaction(url) as session:
            again = members_api.recalc_tiers(session=session, actor=actor)
        figure("tier recalculation again (nothing changes)", time.perf_counter() - started, 60, "s",
               note=f"{again.changed} changed")
        with db.transaction(url) as session:
            members_api.adjust_points(session=session, actor=actor, ref=phone(42), points=1_000_000, reason="bench")
        ids = iter(range(10**6))

        def redeem() -> None:
            with db.transaction(url) as session:
                members_api.redeem_points(session=session, actor=actor, customer_id=42, points=10, ref_kind="bench",
                                      ref_id=str(next(ids)))

        samples = time_calls(redeem, 200)
        figure("redeem points, one transaction (p50)", percentile(samples, 50), 10)
    finally:
        clock.freeze(None)
        db.dispose_all()
