"""The product search indexes, one implementation per engine: SQLite's FTS5 tables (a trigram index
over the search text and codes, a 1-2 character gram index over the text) and PostgreSQL's pg_trgm GIN
indexes over ``product_search``.

``services.catalog`` builds the search lines (``search.search_rows``) and calls ``insert_lines`` and ``ids_query``;
nothing outside this module knows which engine serves a search.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Integer,
    String,
    bindparam,
    column,
    false,
    func,
    or_,
    select,
    table,
    union,
)
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col

from shoptui.models._types import table_of
from shoptui.models.catalog import (
    ProductSearch,
    Variant,
)
from shoptui.store.bulk import insert_rows

SearchRow = tuple[int, str, str, str]  # product_id, text, codes, grams: a row of product_search


_FTS_TABLES = ("product_search_fts", "product_search_grams")


FTS_BIG_FEED = 10_000  # new lines from which the FTS indexes buffer more before writing a segment


_FTS_BIG_HASH = 32 * 1024 * 1024  # bytes of pending index data FTS5 keeps in memory during a big feed


_FTS_DEFAULT_HASH = 1024 * 1024  # FTS5's own default


def insert_lines(*, session: Session, lines: list[SearchRow]) -> None:
    """Insert new search rows (from ``search_rows``) and index them.

    The one place lines are inserted. On SQLite the FTS5 index is fed by one INSERT ... SELECT
    per chunk (updates and deletes are followed by triggers); PostgreSQL's GIN index needs nothing.
    A big feed lets FTS5 buffer 32 MiB of index data instead of 1 MiB before it writes a segment
    (fewer, larger segments: a third less work for the trigram index), and puts the default back
    afterwards, all inside the caller's transaction.
    """
    if not lines:
        return
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    insert_rows(conn, table_of(ProductSearch), ("product_id", "text", "codes", "grams"),
                lines if sqlite else [(product_id, text_value, codes, "") for product_id, text_value, codes, _ in lines])
    if not sqlite:
        return
    ids = sorted(line[0] for line in lines)
    feeds = ("INSERT INTO product_search_fts(rowid, text, codes) SELECT product_id, text, codes FROM product_search ",
             "INSERT INTO product_search_grams(rowid, grams) SELECT product_id, grams FROM product_search ")
    big = len(ids) >= FTS_BIG_FEED and _fts_hash_size(conn, _FTS_BIG_HASH)
    if ids[-1] - ids[0] + 1 == len(ids):
        for feed in feeds:
            conn.exec_driver_sql(feed + "WHERE product_id BETWEEN ? AND ?", (ids[0], ids[-1]))
    else:
        for start in range(0, len(ids), 500):
            marks = ",".join(str(int(i)) for i in ids[start:start + 500])
            for feed in feeds:
                conn.exec_driver_sql(feed + f"WHERE product_id IN ({marks})")
    if big:
        _fts_hash_size(conn, _FTS_DEFAULT_HASH)


def _fts_hash_size(conn: Any, size: int) -> bool:
    """Set FTS5's ``hashsize`` of both search indexes; False when this SQLite does not know it."""
    for name in _FTS_TABLES:
        try:
            conn.exec_driver_sql(f"INSERT INTO {name}({name}, rank) VALUES ('hashsize', ?)", (size,))
        except DBAPIError:  # an SQLite without the option: the statement alone is undone
            return False
    return True


_FTS = table("product_search_fts", column("rowid", Integer), column("product_search_fts"))  # SQLite only


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


_GRAMS = table("product_search_grams", column("rowid", Integer), column("product_search_grams"))  # SQLite only


def _gram_query(word: str) -> str:
    """The gram-index query for a word of 1-2 characters (see ``search_grams``)."""
    return _fts_phrase(word) + ("*" if len(word) == 1 else "")


_SEARCH_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def ids_query(session: Session, text_value: str, *, bounded: bool = False) -> tuple[Any, dict[str, Any]]:
    """A SELECT of product ids whose search row contains every word of ``text_value``, and its values.

    On SQLite every word is served by an index: words of 3+ characters by the trigram index over
    titles, brands, tags, SKUs and barcodes, words of 1-2 characters by the gram index over
    titles, brands and tags (a lone short word also finds SKUs and barcodes that start with it, by
    their own indexes). On PostgreSQL pg_trgm serves 3+ characters; shorter words scan ``text``.
    The statement depends only on the shape of the words (how many, which are short), so it is
    built once per shape and the words go in as bound values.
    """
    words = [w for w in text_value.casefold().split() if w][:8]
    dialect = session.get_bind().dialect.name
    long_words = [w for w in words if len(w) >= 3]
    short_words = [w for w in words if len(w) < 3]
    sqlite = dialect == "sqlite"
    lone_short = len(words) == 1 and not long_words
    params: dict[str, Any] = {}
    if not words:
        shape: tuple[Any, ...] = ("none",)
    elif sqlite and long_words:
        shape = ("trigram", len(short_words))
        params["long_match"] = " AND ".join(_fts_phrase(w) for w in long_words)
        params.update({f"w{i}": w for i, w in enumerate(short_words)})
    elif sqlite:
        shape = ("grams", lone_short, bounded)
        params["gram_match"] = " AND ".join(_gram_query(w) for w in words)
    else:
        shape = ("like", len(words), lone_short, bounded)
        for i, word in enumerate(words):
            params[f"w{i}"] = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if lone_short:
        raw = text_value.strip()
        params.update(code_lo=raw, code_hi=raw + "\U0010ffff", code_upper_lo=raw.upper(),
                      code_upper_hi=raw.upper() + "\U0010ffff")
    statement = _SEARCH_STATEMENTS.get(shape)
    if statement is None:
        statement = _SEARCH_STATEMENTS[shape] = _build_search_ids(shape)
    return statement, params


def _build_search_ids(shape: tuple[Any, ...]) -> Any:
    kind = shape[0]
    if kind == "none":
        return select(col(ProductSearch.product_id)).where(false())
    if kind == "trigram":
        match = bindparam("long_match", type_=String)
        query = select(_FTS.c.rowid.label("product_id")).where(_FTS.c.product_search_fts.op("MATCH")(match))
        if shape[1]:  # short words are checked on the rows the trigram index found (titles, tags and codes)
            query = query.join(ProductSearch, col(ProductSearch.product_id) == _FTS.c.rowid)
            for i in range(shape[1]):
                word = bindparam(f"w{i}", type_=String)
                query = query.where(or_(func.instr(ProductSearch.text, word) > 0, func.instr(ProductSearch.codes, word) > 0))
        return query
    if kind == "grams":
        _, lone_short, bounded = shape
        match = bindparam("gram_match", type_=String)
        query = select(_GRAMS.c.rowid.label("product_id")).where(_GRAMS.c.product_search_grams.op("MATCH")(match))
    else:  # PostgreSQL: pg_trgm's GIN indexes serve LIKE on 3+ characters
        _, count, lone_short, bounded = shape
        query = select(col(ProductSearch.product_id))
        for i in range(count):
            pattern = bindparam(f"w{i}", type_=String)
            query = query.where(or_(col(ProductSearch.text).like(pattern, escape="\\"),
                                    col(ProductSearch.codes).like(pattern, escape="\\")))
    if not lone_short:
        return query
    by_code = [select(col(Variant.product_id)).where(column >= bindparam(f"code{case}_lo", type_=String),
                                                column < bindparam(f"code{case}_hi", type_=String))
               for case in ("", "_upper") for column in (col(Variant.sku), col(Variant.barcode))]
    if not bounded:
        return union(query, *by_code)
    # a search box needs only the first hits: each part stops early
    parts = [q.limit(200).subquery() for q in (query, *by_code)]
    return union(*(select(part.c.product_id) for part in parts))
