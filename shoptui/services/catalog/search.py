"""Product search: the search line kept for every product, and finding products by title, SKU,
barcode, tag or brand (the global-search provider of the catalogue).

The engine-specific indexes (SQLite FTS5, PostgreSQL pg_trgm) are behind ``shoptui.store.search``.
"""

from __future__ import annotations

import operator
from array import array
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    bindparam,
    or_,
    select,
)
from sqlmodel import Session, col

from shoptui.models.catalog import (
    Product,
    Variant,
)
from shoptui.services.catalog.fields import clean_text
from shoptui.services.shop.paging import clamp_limit
from shoptui.services.shop.search import SearchHit
from shoptui.store.search import SearchRow, ids_query


def search_line(product_id: int, title: str, brand: str | None, tags: Iterable[str], skus: Iterable[str],
                barcodes: Iterable[str | None]) -> dict[str, Any]:
    """The lower-cased search row of one product: words in ``text``, SKUs and barcodes in ``codes``,
    and the character pairs of ``text`` in ``grams`` (see ``search_grams``)."""
    words = _search_text(title, brand, tags)
    codes = " ".join([*skus, *(b for b in barcodes if b)]).casefold()
    return {"product_id": product_id, "text": words, "codes": codes, "grams": search_grams(words)}


def search_rows(products: Iterable[tuple[int, str, str | None, Iterable[str], Iterable[str], Iterable[str | None]]]
                ) -> list[SearchRow]:
    """``search_line`` for many products (id, title, brand, tags, SKUs, barcodes) at once, as
    ``(product_id, text, codes, grams)``; the grams of all texts are built in one pass."""
    ids: list[int] = []
    texts: list[str] = []
    codes: list[str] = []
    for product_id, title, brand, tags, skus, barcodes in products:
        ids.append(product_id)
        texts.append(_search_text(title, brand, tags))
        codes.append(" ".join([*skus, *filter(None, barcodes)]).casefold())
    return list(zip(ids, texts, codes, _search_grams_many(texts), strict=True))


def _search_text(title: str, brand: str | None, tags: Iterable[str]) -> str:
    return " ".join(f"{title} {brand or ''} {' '.join(tags)}".split()).casefold()


def search_grams(words: str) -> str:
    """What the 1-2 character index holds for a search text: every character with the one after it.

    ``"ab cd"`` gives ``"ab b   c cd d "``: the index splits on spaces only, so the tokens are the
    pairs ``ab`` and ``cd`` and the single characters before a space or the end (``b``, ``c``, ``d``).
    Every character thus starts a token: a 1-character term is a prefix query, a 2-character term
    an exact token, and neither needs a scan.
    """
    return " ".join(map(operator.add, words, words[1:] + " "))


def _search_grams_many(texts: list[str]) -> list[str]:
    """``search_grams`` of every text (none holds a line break: ``_search_text`` splits on all
    whitespace), built in one pass over all of them instead of one string per character.

    The texts are joined by line breaks into one string ``b``; every character of ``b`` gives a
    triple (the character, the one after it with a line break read as a space, a space), laid
    out by strided copies over code units (UTF-16 when every character fits in two bytes, as
    CJK does, else UTF-32). Splitting the result at the line breaks gives
    each text's grams plus a trailing space, and for every text after the first the two
    characters of the separator's own triple in front.
    """
    if len(texts) < 64:
        return [search_grams(t) for t in texts]
    joined = "\n".join(texts)
    following = joined[1:].replace("\n", " ") + " "
    try:
        units = joined.encode("utf-16-le")
        # two bytes a character when every one is in the Basic Multilingual Plane (CJK included), else four
        codec, kind = ("utf-16-le", "H") if len(units) == 2 * len(joined) else ("utf-32-le", "I")
        first = array(kind, units if kind == "H" else joined.encode(codec))
        second = array(kind, following.encode(codec))
    except UnicodeEncodeError:  # a lone surrogate: one text at a time
        return [search_grams(t) for t in texts]
    out = array(kind, " ".encode(codec)) * (3 * len(first))
    out[0::3] = first
    out[1::3] = second
    pieces = out.tobytes().decode(codec).split("\n")
    return [pieces[0][:-1], *(piece[2:-1] for piece in pieces[1:])]


_SEARCH_LIMITED: dict[Any, Any] = {}  # the same statements with a bound LIMIT, for search_products


_EXACT_CODE = (
    select(col(Variant.sku), col(Variant.barcode), col(Variant.product_id), col(Product.title), col(Variant.option1),
           col(Variant.option2), col(Variant.option3), col(Variant.price_minor))
    .join(Product, col(Product.id) == col(Variant.product_id))
    .where(or_(col(Variant.sku) == bindparam("raw", type_=String), col(Variant.barcode) == bindparam("raw", type_=String),
               col(Variant.sku) == bindparam("upper", type_=String))).limit(3)
)


_HIT_ROWS = (
    select(col(Product.id), col(Product.title), col(Product.status), col(Product.variant_count),
           select(col(Variant.sku)).where(col(Variant.product_id) == col(Product.id))
           .order_by(col(Variant.position), col(Variant.id)).limit(1).scalar_subquery().label("sku"))
    .where(col(Product.id).in_(bindparam("ids", expanding=True)))
)


def search_products(*, session: Session, text: str, limit: int = 8) -> list[SearchHit]:
    """Products by title, SKU, barcode, tag or brand (substrings, CJK included); an exact SKU or
    barcode comes first as a variant hit with ``exact=True`` so the screen can open it directly,
    followed by its product (a scanned code looks no further)."""
    raw = clean_text(text)
    if not raw:
        return []
    limit = clamp_limit(limit, maximum=200)
    if session.new or session.dirty or session.deleted:
        session.flush()  # Core execution below does not autoflush
    conn = session.connection()
    hits: list[SearchHit] = []
    exact = conn.execute(_EXACT_CODE, {"raw": raw, "upper": raw.upper()}).all()
    for row in exact:
        options = " / ".join(v for v in (row.option1, row.option2, row.option3) if v)
        hits.append(SearchHit(kind="variant", key=row.sku, title=f"{row.title}{' / ' + options if options else ''}",
                              detail=f"{row.sku}{' · ' + row.barcode if row.barcode else ''}", mode="products",
                              exact=True))
    if exact and len(raw.split()) == 1:
        ids = list(dict.fromkeys(row.product_id for row in exact))
    else:
        statement, params = ids_query(session, raw, bounded=True)
        limited = _SEARCH_LIMITED.get(statement)
        if limited is None:
            limited = _SEARCH_LIMITED[statement] = statement.limit(bindparam("hit_limit", type_=Integer))
        ids = list(conn.execute(limited, {**params, "hit_limit": limit}).scalars())
    if ids:
        rows = {r.id: r for r in conn.execute(_HIT_ROWS, {"ids": ids})}
        for pid in ids:
            r = rows.get(pid)
            if r is None:
                continue
            detail = r.sku if r.variant_count == 1 else f"{r.variant_count} variants"
            hits.append(SearchHit(kind="product", key=str(r.id), title=r.title, detail=f"{detail} · {r.status}",
                                  mode="products"))
    return hits[: limit + len(exact)]


def search(session: Session, text: str, limit: int = 8) -> list[SearchHit]:
    """The global-search provider registered by the catalogue module."""
    return search_products(session=session, text=text, limit=limit)
