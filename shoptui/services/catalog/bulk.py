"""Bulk actions on many products at once: preview the changes, then apply them in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, insert, update
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import InvalidInput, NotFound
from shoptui.models.catalog import (
    Product,
    ProductTag,
    Variant,
)
from shoptui.services.catalog.categories import category_paths, category_row
from shoptui.services.catalog.fields import MAX_TAGS, check_minor, check_status, check_tag
from shoptui.services.catalog.products import refresh_products
from shoptui.services.pricing import rounding
from shoptui.services.shop import audit


class BulkAction(BaseModel):
    """One change applied to many products (see bulk_preview / bulk_apply)."""

    kind: Literal["status", "category", "add_tag", "remove_tag", "price"]
    status: str | None = None
    category_id: int | None = None
    tag: str | None = None
    delta_minor: int = 0  # price: add this amount (may be negative)
    delta_bp: int = 0  # price: and/or change by this many basis points (may be negative)


class BulkChange(BaseModel):
    """One line of a bulk preview: what will change on which product or SKU."""

    product_id: int
    title: str
    sku: str | None = None
    field: str
    before: Any
    after: Any


class BulkResult(BaseModel):
    """A bulk preview or its application."""

    action: BulkAction
    products: int  # products selected
    changed_products: int
    changes: list[BulkChange]
    problems: list[str] = Field(default_factory=list)


def _plan_bulk(session: Session, product_ids: Sequence[int], action: BulkAction) -> tuple[BulkResult, list[Any]]:
    ids = sorted(set(product_ids))
    if not ids:
        raise InvalidInput("Select at least one product for a bulk change.")
    if len(ids) > 10_000:
        raise InvalidInput(f"A bulk change takes at most 10,000 products at once, not {len(ids)}.")
    products = {p.id: p for p in session.exec(select(Product).where(col(Product.id).in_(ids)))}
    missing = [i for i in ids if i not in products]
    if missing:
        raise NotFound(f"There is no product with id {', '.join(map(str, missing[:10]))}.")
    changes: list[BulkChange] = []
    ops: list[Any] = []
    if action.kind == "status":
        status = check_status(action.status)
        for pid in ids:
            if products[pid].status != status:
                changes.append(BulkChange(product_id=pid, title=products[pid].title, field="status",
                                          before=products[pid].status, after=status))
    elif action.kind == "category":
        names = category_paths(session=session)
        if action.category_id is not None:
            category_row(session, action.category_id)
        after = None if action.category_id is None else names.get(action.category_id)
        for pid in ids:
            before = products[pid].category_id
            if before != action.category_id:
                changes.append(BulkChange(product_id=pid, title=products[pid].title, field="category",
                                          before=None if before is None else names.get(before), after=after))
    elif action.kind in ("add_tag", "remove_tag"):
        tag = check_tag(action.tag or "")
        tagged = set(session.exec(select(ProductTag.product_id).where(ProductTag.tag == tag,
                                                                      col(ProductTag.product_id).in_(ids))))
        counts = dict(session.exec(select(ProductTag.product_id, func.count()).where(col(ProductTag.product_id).in_(ids))
                                   .group_by(col(ProductTag.product_id))).all())
        for pid in ids:
            if action.kind == "add_tag" and pid not in tagged:
                if counts.get(pid, 0) >= MAX_TAGS:
                    raise InvalidInput(f"The product {products[pid].title!r} already has {MAX_TAGS} tags.")
                changes.append(BulkChange(product_id=pid, title=products[pid].title, field="tags", before=None, after=tag))
            elif action.kind == "remove_tag" and pid in tagged:
                changes.append(BulkChange(product_id=pid, title=products[pid].title, field="tags", before=tag, after=None))
    else:
        if not action.delta_minor and not action.delta_bp:
            raise InvalidInput("Give a price change: an amount (e.g. -1.00) or a percentage (e.g. -10%).")
        if action.delta_bp <= -10_000 or action.delta_bp > 1_000_000:
            raise InvalidInput("A price change by percentage must be above -100% and at most +10000%.")
        for variant in session.exec(select(Variant).where(col(Variant.product_id).in_(ids))
                                    .order_by(col(Variant.product_id), col(Variant.position))):
            new = rounding.adjust_price(variant.price_minor, delta_minor=action.delta_minor, delta_bp=action.delta_bp,
                                       field=f"price of {variant.sku}")
            check_minor(new, f"price of {variant.sku}")
            if new != variant.price_minor:
                changes.append(BulkChange(product_id=variant.product_id, title=products[variant.product_id].title,
                                          sku=variant.sku, field="price_minor", before=variant.price_minor, after=new))
                ops.append((variant, new))
    result = BulkResult(action=action, products=len(ids), changed_products=len({c.product_id for c in changes}),
                        changes=changes)
    return result, ops


def bulk_preview(*, session: Session, product_ids: Sequence[int], action: BulkAction) -> BulkResult:
    """What a bulk change would do, line by line, without changing anything."""
    result, _ = _plan_bulk(session, product_ids, action)
    return result


def bulk_apply(*, session: Session, actor: Actor, product_ids: Sequence[int], action: BulkAction) -> BulkResult:
    """Apply a bulk change to the selected products (all in the caller's transaction), audited per product."""
    result, ops = _plan_bulk(session, product_ids, action)
    changed = sorted({c.product_id for c in result.changes})
    if not changed:
        return result
    now = clock.now()
    if action.kind == "status":
        session.execute(update(Product).where(col(Product.id).in_(changed)).values(status=check_status(action.status)))
    elif action.kind == "category":
        session.execute(update(Product).where(col(Product.id).in_(changed)).values(category_id=action.category_id))
    elif action.kind == "add_tag":
        session.execute(insert(ProductTag), [{"product_id": pid, "tag": check_tag(action.tag or "")} for pid in changed])
    elif action.kind == "remove_tag":
        session.execute(delete(ProductTag).where(col(ProductTag.tag) == check_tag(action.tag or ""),
                                                 col(ProductTag.product_id).in_(changed)))
    else:
        for variant, new in ops:
            variant.price_minor = new
            variant.updated_at = now
    session.execute(update(Product).where(col(Product.id).in_(changed))
                    .values(version=col(Product.version) + 1, updated_at=now).execution_options(synchronize_session=False))
    session.flush()
    refresh_products(session=session, product_ids=changed)
    by_product: dict[int, list[BulkChange]] = {}
    for change in result.changes:
        by_product.setdefault(change.product_id, []).append(change)
    for pid, lines in by_product.items():
        before = {(c.sku or c.field): c.before for c in lines}
        after = {(c.sku or c.field): c.after for c in lines}
        audit.record(session=session, actor=actor, action=f"product.bulk_{action.kind}", entity="product", entity_id=pid,
                     summary=f"bulk {action.kind.replace('_', ' ')} on {lines[0].title}", before=before, after=after)
    return result
