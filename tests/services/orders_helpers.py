"""Shared set-up for the orders tests: products with stock, and short-hands for drafts."""

from __future__ import annotations

from sqlmodel import Session

from shoptui.config import Actor
from shoptui.services.catalog import products
from shoptui.services.inventory.changes import restock
from shoptui.services.inventory.levels import levels_for
from shoptui.services.inventory.variants import find_variant
from shoptui.services.orders.drafts import DraftLine, OrderDraft

CLERK = Actor(name="clerk", source="test")


def add_product(session: Session, sku: str, price_minor: int, stock: int = 0, *, title: str | None = None,
                barcode: str | None = None, status: str = "active") -> int:
    """A product with one variant (and stock on hand at the default location); returns the variant id."""
    product = products.create_product(session=session, actor=CLERK, data=products.ProductCreate(
        title=title or f"Product {sku}", status=status,
        variants=[products.VariantInput(sku=sku, barcode=barcode, price_minor=price_minor)]))
    variant = product.variants[0]
    if stock:
        restock(session=session, actor=CLERK, code=sku, quantity=stock)
    return variant.id


def seed(session: Session) -> None:
    """TEE-01 at 99.00 (10 in stock), MUG-01 at 35.50 (5), CAP-01 at 10.00 (1)."""
    add_product(session, "TEE-01", 9900, 10, title="Basic tee", barcode="6901234567892")
    add_product(session, "MUG-01", 3550, 5, title="Mug")
    add_product(session, "CAP-01", 1000, 1, title="Cap")


def draft(*items: tuple[str, int], **kwargs) -> OrderDraft:  # type: ignore[no-untyped-def]
    """An OrderDraft from (SKU, quantity) pairs."""
    return OrderDraft(lines=[DraftLine(sku=sku, quantity=qty) for sku, qty in items], **kwargs)


def level(session: Session, sku: str) -> tuple[int, int]:
    """(on hand, committed) of a SKU summed over locations."""
    variant = find_variant(session, sku)
    found = levels_for(session, [variant.id])[variant.id]
    return found.on_hand, found.committed
