"""Search hits come in the same order on both engines: titles that start with the words, then titles that
contain them, then the rest (found by tag, brand or code), each rank by title ignoring case (issue 13)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from shoptui.services.catalog import products, search
from tests.conftest import CLERK


def _add(session: Session, n: int, title: str, tags: tuple[str, ...] = ()) -> None:
    products.create_product(session=session, actor=CLERK, data=products.ProductCreate(
        title=title, status="active", tags=list(tags), variants=[products.VariantInput(sku=f"SO-{n:02d}", price_minor=100)]))


def titles(session: Session, text: str, limit: int = 8) -> list[str]:
    return [h.title for h in search.search_products(session=session, text=text, limit=limit) if h.kind == "product"]


def test_hits_rank_then_title(session: Session) -> None:
    # created in an order unlike the expected one, so neither id nor insertion order can pass for it
    for n, (title, tags) in enumerate([("Mug", ("tea",)), ("Green tea", ()), ("teapot stand", ()), ("Black TEA", ()),
                                       ("Tea cup", ()), ("tea pot", ())]):
        _add(session, n, title, tags)
    assert titles(session, "tea") == ["Tea cup", "tea pot", "teapot stand", "Black TEA", "Green tea", "Mug"]
    assert titles(session, "tea", limit=2) == ["Tea cup", "tea pot"]  # the first of the ranked hits, not any two


def test_short_cjk_hits_rank_then_title(session: Session) -> None:
    for n, title in enumerate(["小米手机壳 14", "手机支架", "华为手机壳 Mate 60", "耳机"]):
        _add(session, n, title)
    assert titles(session, "手机") == ["手机支架", "华为手机壳 Mate 60", "小米手机壳 14"]
    assert titles(session, "机") == ["华为手机壳 Mate 60", "小米手机壳 14", "手机支架", "耳机"]
    assert titles(session, "手 壳") == ["华为手机壳 Mate 60", "小米手机壳 14"]


@pytest.mark.postgresql_only(reason="PostgreSQL's query plan (EXPLAIN)")
def test_short_words_use_the_character_index_on_postgresql(session: Session) -> None:
    from shoptui.store.search import ids_query

    _add(session, 1, "华为手机壳 Mate 60")
    statement, params = ids_query(session, "手机")
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    connection.exec_driver_sql("SET enable_seqscan = off")  # a one-row table: ask whether the index can serve
    try:
        plan = " | ".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}", params))
    finally:
        connection.exec_driver_sql("RESET enable_seqscan")
    assert "ix_product_search_chars" in plan, plan
