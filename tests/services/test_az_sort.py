"""A–Z is case-insensitive in every list sorted by name (iPhone before Zip hoodie), paged and indexed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session

from shoptui.services.catalog import products
from shoptui.services.members import customers
from shoptui.services.members import profiles as members
from shoptui.services.members import views as members_views
from tests.conftest import CLERK

NAMES = ["Zip hoodie", "iPhone case", "apple juice", "Banana bread", "éclair", "Éclair tin", "ZEBRA mug", "mango"]
"""Mixed case on purpose; 'éclair'/'Éclair' only need to stay together and in a stable order."""


def walk(page_of: Callable[[str | None], Any]) -> list[str]:
    """Every row of a keyset-paged list, two at a time."""
    seen: list[str] = []
    after = None
    while True:
        page = page_of(after)
        seen.extend(page.items)
        if page.next_after is None:
            return seen
        after = page.next_after


def plans(session: Session, call: Callable[[], object]) -> list[str]:
    """EXPLAIN QUERY PLAN of every SELECT ``call`` runs, one string per statement."""
    captured: list[tuple[str, Any]] = []
    connection = session.connection()

    def grab(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", grab)
    try:
        call()
    finally:
        event.remove(connection, "before_cursor_execute", grab)
    out = []
    for statement, parameters in captured:
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        out.append(" | ".join(str(row[-1]) for row in rows))
    return out


def ascii_order(names: list[str]) -> list[str]:
    """The order the lists must show: case-insensitive (as SQLite's lower(): ASCII letters), ties by creation."""
    return sorted(names, key=lambda n: "".join(c.lower() if c.isascii() else c for c in n))


# ---------------------------------------------------------------- products


def make_products(session: Session) -> None:
    for n, title in enumerate(NAMES):
        products.create_product(session=session, actor=CLERK, data=products.ProductCreate(
            title=title, status="active", variants=[products.VariantInput(sku=f"AZ-{n:02d}", price_minor=100 + n)]))


def test_products_sort_a_to_z_ignoring_case_across_pages(session: Session) -> None:
    make_products(session)

    def titles(sort: str) -> list[str]:
        def page_of(after: str | None) -> Any:
            page = products.list_products(session=session, sort=sort, after=after, limit=2)
            return type(page)(items=[p.title for p in page.items], next_after=page.next_after)
        return walk(page_of)

    expected = ascii_order(NAMES)
    assert expected[:4] == ["apple juice", "Banana bread", "iPhone case", "mango"]
    assert titles("title") == expected
    assert titles("-title") == expected[::-1]
    active = [p.title for p in products.list_products(session=session, status="active", sort="title", limit=50).items]
    assert active == expected


@pytest.mark.sqlite_only(reason="SQLite's query plan (EXPLAIN QUERY PLAN)")
@pytest.mark.parametrize(("filters", "index"), [
    ({}, "ix_product_title"),
    ({"status": "active"}, "ix_product_status_title"),
])
@pytest.mark.parametrize("sort", ["title", "-title"])
def test_the_product_title_pages_seek_an_index(session: Session, filters: dict[str, str], index: str,
                                               sort: str) -> None:
    make_products(session)
    first = products.list_products(session=session, sort=sort, limit=2, **filters)
    assert first.next_after is not None
    [plan] = plans(session, lambda: products.list_products(session=session, sort=sort, limit=2,
                                                          after=first.next_after, **filters))
    # a seek into the expression index past the cursor: no sort, no walk over the earlier pages
    assert f"SEARCH product USING INDEX {index} (" in plan and "<expr>" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


# ---------------------------------------------------------------- customers and members


def test_customers_sort_a_to_z_ignoring_case_across_pages(session: Session) -> None:
    for name in NAMES:
        customers.add_customer(session=session, actor=CLERK, data=customers.CustomerCreate(name=name))

    def page_of(after: str | None) -> Any:
        page = customers.list_customers(session=session, after=after, limit=2)
        return type(page)(items=[c.name for c in page.items], next_after=page.next_after)

    assert walk(page_of) == ascii_order(NAMES)
    [plan] = plans(session, lambda: customers.list_customers(session=session, after="mango|1", limit=2))
    assert "SEARCH customer USING INDEX ix_customer_name_lower (<expr>>?)" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("service", [members, members_views], ids=["members", "members_views"])
def test_members_sort_a_to_z_ignoring_case_and_find_names_in_any_case(session: Session, service: Any) -> None:
    for n, name in enumerate(NAMES):
        members.add_member(session=session, actor=CLERK, data=members.MemberCreate(name=name, phone=f"1380013{n:04d}"))

    def page_of(after: str | None) -> Any:
        page = service.list_members(session=session, after=after, limit=2)
        return type(page)(items=[m.name for m in page.items], next_after=page.next_after)

    assert walk(page_of) == ascii_order(NAMES)
    assert [m.name for m in service.list_members(session=session, search="z").items] == ["ZEBRA mug", "Zip hoodie"]
    assert [m.name for m in service.list_members(session=session, search="IPH").items] == ["iPhone case"]
    for call in (lambda: service.list_members(session=session, search="ma", limit=2),
                 lambda: service.list_members(session=session, after="mango|1", limit=2)):
        plan = next(p for p in plans(session, call) if "customer" in p)
        assert "SEARCH customer USING INDEX ix_customer_name_lower (<expr>>?" in plan, plan
        assert "TEMP B-TREE" not in plan, plan

