"""The catalogue's ``db check``: every product has variants, kept-in-step columns and search lines
match, category paths are sound.
"""

from __future__ import annotations

from sqlalchemy import (
    exists,
    func,
    or_,
    select,
)
from sqlmodel import Session

from shoptui.models.catalog import (
    Category,
    Product,
    ProductSearch,
    Variant,
)


def check_catalog(*, session: Session) -> list[str]:
    """Catalogue: every product has variants, kept-in-step columns and search lines match, tree paths are sound."""
    problems: list[str] = []
    stats = select(Variant.product_id, func.count().label("n"), func.min(Variant.price_minor).label("lo"),
                   func.max(Variant.price_minor).label("hi")).group_by(Variant.product_id).subquery()
    rows = session.execute(
        select(Product.id, Product.title, Product.variant_count, Product.min_price_minor, Product.max_price_minor,
               stats.c.n, stats.c.lo, stats.c.hi).outerjoin(stats, stats.c.product_id == Product.id)
        .where(or_(stats.c.n.is_(None), Product.variant_count != stats.c.n, Product.min_price_minor != stats.c.lo,
                   Product.max_price_minor != stats.c.hi)).limit(100)).all()
    for r in rows:
        if r.n is None:
            problems.append(f"product {r.id} ({r.title}) has no variants")
        else:
            problems.append(f"product {r.id} ({r.title}) says {r.variant_count} variants {r.min_price_minor}-"
                            f"{r.max_price_minor}, its variants say {r.n} {r.lo}-{r.hi}")
    missing = session.execute(select(func.count()).select_from(Product).where(
        ~exists().where(ProductSearch.product_id == Product.id))).scalar_one()
    if missing:
        problems.append(f"{missing} products have no search line (run a product edit or re-import to rebuild)")
    categories = {c.id: c for c in session.execute(select(Category)).scalars()}
    for c in categories.values():
        parent = categories.get(c.parent_id) if c.parent_id is not None else None
        expected = f"{parent.path if parent else '/'}{c.id}/"
        if c.path != expected:
            problems.append(f"category {c.id} ({c.name}) has path {c.path}, expected {expected}")
    return problems
