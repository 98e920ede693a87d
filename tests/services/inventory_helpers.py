"""Small helpers for inventory tests: catalogue rows made directly with the models."""

from __future__ import annotations

from sqlmodel import Session

from shoptui.config import Actor
from shoptui.models.catalog import Category, Product, Variant

CLERK = Actor(name="clerk", source="test")


def make_category(session: Session, name: str, parent: Category | None = None) -> Category:
    """A category with its path set like the catalogue does (``/1/5/``)."""
    row = Category(name=name, slug=name.lower().replace(" ", "-"), parent_id=parent.id if parent else None)
    session.add(row)
    session.flush()
    row.path = f"{parent.path if parent else '/'}{row.id}/"
    session.add(row)
    session.flush()
    return row


def make_variant(session: Session, sku: str, *, barcode: str | None = None, track: bool = True,
                 cost: int | None = None, price: int = 1000, category: Category | None = None,
                 title: str | None = None) -> int:
    """A product with one variant; returns the variant id."""
    product = Product(title=title or f"Product {sku}", status="active", category_id=category.id if category else None)
    session.add(product)
    session.flush()
    variant = Variant(product_id=product.id, sku=sku, barcode=barcode, track_stock=track, cost_minor=cost,
                      price_minor=price)
    session.add(variant)
    session.flush()
    return variant.id  # type: ignore[return-value]
