"""Global search: one box over every module that registers a search provider."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from shoptui.errors import InvalidInput


@dataclass(frozen=True)
class SearchHit:
    """One result: what kind of record, its key, what to show, and the screen that opens it."""

    kind: str  # "product", "variant", "order", ...
    key: str
    title: str
    detail: str = ""
    mode: str | None = None
    exact: bool = False  # a full barcode/SKU/number match: open it directly


def search_all(*, session: Session, text: str, limit: int = 8) -> list[SearchHit]:
    """Hits from every provider, exact matches first, then grouped by kind in registry order."""
    from shoptui import modules

    text = text.strip()
    if len(text) > 200:
        raise InvalidInput("Search for at most 200 characters.")
    if not text:
        return []
    hits: list[SearchHit] = []
    for reference in modules.references("search"):
        hits.extend(modules.load(reference)(session=session, text=text, limit=limit))
    return sorted(hits, key=lambda h: not h.exact)
