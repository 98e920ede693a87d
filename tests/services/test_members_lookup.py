"""The till's member lookup by phone: the same member as get_member, by an index, never a stale country."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text

from shoptui import db
from shoptui.services.members import profiles as members
from shoptui.services.shop import settings
from tests.conftest import CLERK


def _add(session, **kwargs) -> members.MemberRead:  # type: ignore[no-untyped-def]
    kwargs.setdefault("name", "M")
    return members.add_member(session=session, actor=CLERK, data=members.MemberCreate(**kwargs))


def test_lookup_gives_what_get_member_gives(store: str, frozen_clock: datetime) -> None:
    with db.transaction(store) as session:
        settings.set_value(session=session, actor=CLERK, key="member_points_value_per_100", raw="50")
        ana = _add(session, name="Ana", phone="138 0013 8000", tags=["VIP", "tea"], account="wechat:o6_abc",
                   sms_consent=True)
        members.adjust_points(session=session, actor=CLERK, ref=ana.id, points=300, reason="welcome")
        plain = _add(session, name="Bo", phone="139 1234 5678")
    with db.read_session(store) as session:
        for phone, who in (("13800138000", ana.id), ("+86 138-0013-8000", ana.id), ("0086 139 1234 5678", plain.id)):
            found = members.find_member(session=session, phone=phone)
            assert found is not None
            expected = members.get_member(session=session, ref=who)
            assert found.model_dump() == expected.model_dump()
        found = members.find_member(session=session, phone="13800138000")
        assert found is not None and found.tags == ["tea", "vip"] and found.accounts == ["wechat:o6_abc"]
        assert found.points_value_minor == 150 and found.tier_name
        assert members.find_member(session=session, phone="13700000000") is None
        assert members.find_member(session=session, phone="not a phone") is None


def test_a_changed_country_is_used_at_once(store: str, frozen_clock: datetime) -> None:
    with db.transaction(store) as session:
        us = _add(session, name="Sam", phone="+1 415 555 0100")
    with db.read_session(store) as session:  # the store is in China: a national US number is not found
        assert members.find_member(session=session, phone="415 555 0100") is None
    with db.transaction(store) as session:  # another terminal moves the store
        settings.set_value(session=session, actor=CLERK, key="country", raw="US")
    with db.read_session(store) as session:
        found = members.find_member(session=session, phone="(415) 555-0100")
        assert found is not None and found.id == us.id


@pytest.mark.sqlite_only(reason="SQLite's query plan (EXPLAIN QUERY PLAN)")
def test_lookup_is_an_index_point_query(store: str) -> None:
    with db.read_session(store) as session:
        statement = members._find_statement().params(p1="+8613800138000", p2="13800138000", p3="013800138000")
        compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = " ".join(str(r[-1]) for r in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "customer USING INDEX uq_customer_phone (phone=?)" in plan, plan
    assert "SCAN customer" not in plan and "SCAN member " not in plan, plan
