"""The members screens' reads at 1,000,000 members (the store of bench_members, read only).

Figures: the list's first and next page, a phone typed with and without the country code, an
email, a name prefix, the tier, tag and consent filters (each a first page, never a count), and
everything the profile of a member with many orders reads in one worker.
"""

from __future__ import annotations

import random

from bench._engine import store_url
from bench._report import figure, percentile, time_calls

PAGE = 48  # two screens of rows at 80x24, as the screen asks


def run() -> None:
    """Print every figure beside its target."""
    from bench.bench_members import MEMBERS, NOW, STORE, _build, phone
    from shoptui import clock, db
    from shoptui.services import members as members_api
    from shoptui.tui.screens.members.common import read_meta

    if not STORE.exists():
        _build()
    url = store_url(STORE)
    clock.freeze(NOW)
    rnd = random.Random(5)
    try:
        def page(**filters: object) -> list[float]:
            def call() -> None:
                with db.read_session(url) as session:
                    members_api.list_members(session=session, limit=PAGE, **filters)  # type: ignore[arg-type]
            call()
            return time_calls(call, 20)

        read_meta(url)
        figure("screen meta (tiers, gifts, settings)", percentile(time_calls(lambda: read_meta(url), 20), 50), 20)
        figure("list first page (p50)", percentile(page(), 50), 50)
        with db.read_session(url) as session:
            first = members_api.list_members(session=session, limit=PAGE)
        figure("list next page (p50)", percentile(page(after=first.next_after), 50), 50)
        samples = time_calls(lambda: _one(url, search=phone(rnd.randrange(1, MEMBERS))[3:]), 200)
        figure("search a phone without country code (p50)", percentile(samples, 50), 20)
        samples = time_calls(lambda: _one(url, search="+86 " + phone(rnd.randrange(1, MEMBERS))[3:]),
                             200)
        figure("search a phone with country code (p50)", percentile(samples, 50), 20)
        samples = time_calls(lambda: _one(url, search=f"m{rnd.randrange(1, MEMBERS // 3) * 3}"
                                                                          "@example.com"), 200)
        figure("search an email (p50)", percentile(samples, 50), 20)
        figure("search a name prefix 'Member 09' (p50)", percentile(page(search="Member 09"), 50), 50)
        for tier in ("normal", "silver", "gold"):
            figure(f"filter tier {tier}, first page (p50)", percentile(page(tier=tier), 50), 100)
        figure("filter tag (none has it), first page (p50)", percentile(page(tag="vip"), 50), 100)
        for consent in ("email", "sms", "none"):
            figure(f"filter consent {consent}, first page (p50)", percentile(page(consent=consent), 50), 100)
        busy = _busiest(url)
        samples = time_calls(lambda: _profile(url, busy), 10)
        figure(f"profile of the busiest member #{busy} (p50)", percentile(samples, 50), 100)
        samples = time_calls(lambda: _profile(url, rnd.randrange(1, MEMBERS)), 50)
        figure("profile of a random member (p50)", percentile(samples, 50), 100)
    finally:
        clock.freeze(None)
        db.dispose_all()


def _one(url: str, **filters: object) -> None:
    from shoptui import db
    from shoptui.services import members as members_api

    with db.read_session(url) as session:
        found = members_api.list_members(session=session, limit=PAGE, **filters)  # type: ignore[arg-type]
    assert len(found.items) <= 1


def _busiest(url: str) -> int:
    from sqlmodel import text

    from shoptui import db

    with db.read_session(url) as session:
        return int(session.execute(text("SELECT customer_id FROM sales_order WHERE customer_id IS NOT NULL "
                                        "GROUP BY customer_id ORDER BY COUNT(*) DESC LIMIT 1")).scalar_one())


def _profile(url: str, member_id: int) -> None:
    """What the profile's worker reads (see MemberProfileScreen.load)."""
    from datetime import timedelta

    from shoptui import clock, db
    from shoptui.services import members as members_api
    from shoptui.services.orders import OrderFilter, list_orders

    with db.read_session(url) as session:
        member = members_api.get_member(session=session, ref=member_id)
        members_api.get_customer(session=session, ref=member.id)
        members_api.tier_progress(session=session, customer_id=member.id)
        members_api.next_expiry(session=session, customer_id=member.id)
        members_api.expiring(session, member.id, clock.now() + timedelta(days=30))
        list_orders(session=session, filters=OrderFilter(customer=str(member.id)), limit=50)
        members_api.points_history(session=session, customer_id=member.id, limit=50)
        members_api.tier_history(session=session, customer_id=member.id, limit=200)
        members_api.credit_history(session=session, customer_id=member.id, limit=50)
