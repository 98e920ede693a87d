"""The variant a stock action names: by SKU or barcode (the catalogue's lookup) or by id,
as the few fields stock work needs (:class:`VariantRef`)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import bindparam, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session

from shoptui.errors import NotFound
from shoptui.models._types import table_of
from shoptui.models.catalog import Product, Variant
from shoptui.store.prepared import Prepared
from shoptui.typed import ascii_digits


@dataclass(frozen=True)
class VariantRef:
    """The few variant fields stock work needs."""

    id: int
    sku: str
    title: str
    track_stock: bool
    cost_minor: int | None


_VARIANT = table_of(Variant)
_PRODUCT = table_of(Product)

_VARIANT_COLUMNS = (_VARIANT.c.id, _VARIANT.c.sku, _PRODUCT.c.title, _VARIANT.c.track_stock, _VARIANT.c.cost_minor)
_FIND_VARIANT = Prepared(
    sa_select(*_VARIANT_COLUMNS).join(_PRODUCT, _PRODUCT.c.id == _VARIANT.c.product_id)
    .where(or_(_VARIANT.c.sku == bindparam("code"), _VARIANT.c.barcode == bindparam("code")))
    .order_by((_VARIANT.c.sku == bindparam("code")).desc()).limit(1)
)
_VARIANT_BY_ID = Prepared(
    sa_select(*_VARIANT_COLUMNS).join(_PRODUCT, _PRODUCT.c.id == _VARIANT.c.product_id)
    .where(_VARIANT.c.id == bindparam("vid"))
)


def find_variant(session: Session, code: str) -> VariantRef:
    """A variant by SKU or barcode (the catalogue's lookup); NotFound names the code.

    The lookup is the catalogue's (SKU first, then barcode) as one prebuilt statement; a code that
    finds nothing goes to ``catalog.find_variant`` so the refusal is the catalogue's own sentence.
    """
    raw = ascii_digits(unicodedata.normalize("NFC", code or "").strip()) if isinstance(code, str) else ""
    if raw:
        row = _FIND_VARIANT.first(session, {"code": raw})
        if row is not None:
            return VariantRef(row[0], row[1], row[2], bool(row[3]), row[4])
    from shoptui.services.catalog import variants as catalog_variants

    found = catalog_variants.find_variant(session=session, code=code)
    return VariantRef(id=found.id, sku=found.sku, title=found.product_title, track_stock=found.track_stock,
                      cost_minor=found.cost_minor)


def variant_by_id(session: Session, variant_id: int) -> VariantRef:
    """A variant by id; NotFound names the id."""
    row = _VARIANT_BY_ID.first(session, {"vid": variant_id})
    if row is None:
        raise NotFound(f"There is no variant with id {variant_id}.")
    return VariantRef(row[0], row[1], row[2], bool(row[3]), row[4])
