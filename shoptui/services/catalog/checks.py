"""The catalogue's ``db check``: every product has variants, kept-in-step columns and search lines
match, category paths are sound.
"""

from __future__ import annotations

from sqlalchemy import exists, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from shoptui.models.catalog import (
    Category,
    Product,
    ProductSearch,
    Variant,
)


def check_catalog(*, session: Session) -> list[str]:
    """Catalogue: every product has variants, kept-in-step columns and search lines match, tree paths are sound."""
    problems: list[str] = []
    stats = sa_select(col(Variant.product_id), func.count().label("n"), func.min(col(Variant.price_minor)).label("lo"),
                      func.max(col(Variant.price_minor)).label("hi")).group_by(col(Variant.product_id)).subquery()
    rows = session.execute(
        sa_select(col(Product.id), col(Product.title), col(Product.variant_count), col(Product.min_price_minor),
               col(Product.max_price_minor), stats.c.n, stats.c.lo, stats.c.hi)
        .outerjoin(stats, stats.c.product_id == col(Product.id))
        .where(or_(stats.c.n.is_(None), col(Product.variant_count) != stats.c.n,
                   col(Product.min_price_minor) != stats.c.lo, col(Product.max_price_minor) != stats.c.hi))
        .limit(100)).all()
    for r in rows:
        if r.n is None:
            problems.append(f"product {r.id} ({r.title}) has no variants")
        else:
            problems.append(f"product {r.id} ({r.title}) says {r.variant_count} variants {r.min_price_minor}-"
                            f"{r.max_price_minor}, its variants say {r.n} {r.lo}-{r.hi}")
    missing = session.exec(select(func.count()).select_from(Product).where(
        ~exists().where(col(ProductSearch.product_id) == col(Product.id)))).one()
    if missing:
        problems.append(f"{missing} products have no search line (run a product edit or re-import to rebuild)")
    categories = {c.id: c for c in session.exec(select(Category))}
    for c in categories.values():
        parent = categories.get(c.parent_id) if c.parent_id is not None else None
        expected = f"{parent.path if parent else '/'}{c.id}/"
        if c.path != expected:
            problems.append(f"category {c.id} ({c.name}) has path {c.path}, expected {expected}")
    return problems
