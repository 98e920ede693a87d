"""Many new products at once (an order import's unknown SKUs, issue 13): the checks of ``create_product``,
rows written in bulk as the catalogue import writes them (``store.bulk``), and the same rows, search
lines and audit lines as products created one at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import insert
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import ShopError
from shoptui.models._types import table_of
from shoptui.models.catalog import Category, Product, ProductImage, ProductTag, Variant
from shoptui.services import shop
from shoptui.services.catalog.categories import category_row
from shoptui.services.catalog.fields import barcode_pattern
from shoptui.services.catalog.products import (
    NewProduct,
    ProductCreate,
    check_codes_free,
    check_new_product,
    creation_audit,
)
from shoptui.services.catalog.search import search_rows
from shoptui.store import ids as id_pool
from shoptui.store.search import insert_lines

_PER_QUERY = 5_000  # category ids per IN (...)


@contextmanager
def in_item(index: int) -> Iterator[None]:
    """Inside it, a refusal's field names the product of the batch (``items.3.title``, ``items.3.variants.0.sku``)."""
    try:
        yield
    except ShopError as exc:
        exc.field = f"items.{index}.{exc.field}" if exc.field else f"items.{index}"
        raise


def create_products(*, session: Session, actor: Actor, items: Sequence[ProductCreate]) -> list[int]:
    """New products (with their variants, tags and images), all checked first and then written in bulk;
    returns their ids in the order of ``items``. Raises InvalidInput, Conflict, NotFound as ``create_product``
    does, the field naming the item (``items.<n>.<field>``); nothing is written when one is refused.

    Each product gets the rows ``create_product`` gives it (same values, counters and price range), its
    search line and its own ``product.create`` audit line, at a few thousand products a second.
    """
    if not items:
        return []
    pattern = barcode_pattern(session)
    checked: list[NewProduct] = []
    for index, data in enumerate(items):
        with in_item(index):
            new = check_new_product(data, pattern)
            new = replace(new, images=shop.keep_files(session, new.images))  # local files copied into media
            checked.append(new)
    _check_categories(session, checked)
    check_codes_free(session, [row for new in checked for row in new.variants])
    now = clock.now()
    conn = session.connection()
    ids = list(id_pool.allocate(conn, table_of(Product), len(checked)))
    product_rows: list[dict[str, Any]] = []
    variant_rows: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    image_rows: list[dict[str, Any]] = []
    # the row the ORM inserts for ``Product(...)``: its defaults (one instance built to read them), the
    # product's values, and the counters and price range ``refresh_products`` sets after ``create_product``
    template = Product(title="", created_at=now, updated_at=now)
    defaults = {column.name: getattr(template, column.name) for column in table_of(Product).columns}
    snapshots: list[Any] = []
    for product_id, new in zip(ids, checked, strict=True):
        prices = [row["price_minor"] for row in new.variants]
        row = defaults | new.values | {"id": product_id, "variant_count": len(new.variants),
                                       "min_price_minor": min(prices), "max_price_minor": max(prices)}
        product_rows.append(row)
        snapshots.append(SimpleNamespace(**row))  # what the audit snapshot reads, without an ORM object each
        variant_rows += [dict(row, product_id=product_id, position=i, created_at=now, updated_at=now)
                         for i, row in enumerate(new.variants)]
        tag_rows += [{"product_id": product_id, "tag": tag} for tag in new.tags]
        image_rows += [{"product_id": product_id, "position": i, "location": loc} for i, loc in enumerate(new.images)]
    # through the models' inserts (their defaults apply), a few statements for the whole batch
    session.execute(insert(Product), product_rows)
    session.execute(insert(Variant), variant_rows)
    if tag_rows:
        session.execute(insert(ProductTag), tag_rows)
    if image_rows:
        session.execute(insert(ProductImage), image_rows)
    insert_lines(session=session, lines=search_rows(
        (product_id, new.values["title"], new.values["brand"], sorted(new.tags), [r["sku"] for r in new.variants],
         [r.get("barcode") for r in new.variants]) for product_id, new in zip(ids, checked, strict=True)))
    entries: list[tuple[str | int | None, str, dict[str, Any] | None, dict[str, Any] | None]] = []
    for product_id, product, new in zip(ids, snapshots, checked, strict=True):
        summary, after = creation_audit(cast(Product, product), new)  # reads the product's fields only
        entries.append((product_id, summary, None, after))
    shop.record_many(session=session, actor=actor, action="product.create", entity="product", entries=entries)
    return ids


def _check_categories(session: Session, checked: list[NewProduct]) -> None:
    """NotFound for the first product naming a category that does not exist (one query per few thousand ids)."""
    wanted = sorted({new.values["category_id"] for new in checked if new.values["category_id"] is not None})
    found: set[int] = set()
    for start in range(0, len(wanted), _PER_QUERY):
        found.update(session.execute(select(col(Category.id))
                                     .where(col(Category.id).in_(wanted[start:start + _PER_QUERY]))).scalars())
    for index, new in enumerate(checked):
        category_id = new.values["category_id"]
        if category_id is not None and category_id not in found:
            with in_item(index):
                category_row(session, category_id, name="category_id")  # raises NotFound, in its words
