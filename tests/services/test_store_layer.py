"""shoptui/store: id allocation, the collector pause, engine-aware text matching, prepared statements."""

from __future__ import annotations

import gc

import pytest
from sqlalchemy import select
from sqlmodel import Session

from shoptui import clock
from shoptui.models.catalog import Product
from shoptui.models.customers import Customer
from shoptui.store import bulk, ids, matching, tuning
from shoptui.store.prepared import Prepared

PRODUCT = Product.__table__  # type: ignore[attr-defined]
CUSTOMER = Customer.__table__  # type: ignore[attr-defined]


def _bulk_customers(session: Session, names: list[str]) -> list[int]:
    conn = session.connection()
    given = list(ids.allocate(conn, CUSTOMER, len(names)))
    now = clock.now()
    bulk.insert_dicts(conn, CUSTOMER, [{"id": cid, "name": name, "note": "", "order_count": 0, "spent_minor": 0,
                                        "created_at": now, "updated_at": now} for cid, name in zip(given, names, strict=True)])
    return given


def test_allocated_ids_are_fresh_and_a_later_orm_insert_never_collides(session: Session) -> None:
    """Rows bulk-inserted with allocated ids, then an ORM insert of the same table: it gets an id of its
    own (issue 13: after an order import every later sale failed with a duplicate key on PostgreSQL)."""
    session.add(Customer(name="Before"))
    session.flush()
    first = _bulk_customers(session, ["A", "B", "C"])
    assert len(set(first)) == 3 and first == sorted(first)
    existing = set(session.execute(select(Customer.id).where(Customer.name == "Before")).scalars())
    assert not existing & set(first)
    later = Customer(name="Later")
    session.add(later)
    session.flush()  # a duplicate key would raise here
    second = _bulk_customers(session, ["D", "E"])
    assert later.id not in first and later.id not in second and not set(first) & set(second)
    assert sorted(session.execute(select(Customer.name)).scalars()) == ["A", "B", "Before", "C", "D", "E", "Later"]


def test_allocating_nothing_reads_nothing(session: Session) -> None:
    assert list(ids.allocate(session.connection(), PRODUCT, 0)) == []


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_paused_inside_and_restored_after_even_on_error(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        with pytest.raises(RuntimeError), tuning.gc_paused():
            assert not gc.isenabled()
            raise RuntimeError("boom")
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_contains_ignoring_case_takes_wildcards_literally(session: Session) -> None:
    for title in ("Blue MUG", "100% cotton", "100 cotton", "a_b", "axb", "back\\slash"):
        session.add(Product(title=title, status="active"))
    session.flush()

    def found(text: str) -> list[str]:
        where = matching.contains_ignoring_case(session.connection(), Product.title, text)
        return sorted(session.execute(select(Product.title).where(where)).scalars())

    assert found("mug") == ["Blue MUG"]
    assert found("0%") == ["100% cotton"]
    assert found("a_") == ["a_b"]
    assert found("k\\s") == ["back\\slash"]


def test_prepared_statement_runs_with_bind_processors(session: Session) -> None:
    """A Prepared statement is compiled once per dialect and its parameters go through the column types."""
    from sqlalchemy import bindparam
    from sqlalchemy import select as core_select

    session.add(Product(title="Mug", status="active"))
    session.flush()
    statement = Prepared(core_select(PRODUCT.c.title).where(PRODUCT.c.title == bindparam("t")))
    assert statement.first(session, {"t": "Mug"})[0] == "Mug"
    assert statement.first(session, {"t": "Tee"}) is None
