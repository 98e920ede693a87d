"""Variants: find one by SKU or barcode, list them, add, change and delete them, and generate
the combinations of a product's options (with SKUs made from the product's stem).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, insert, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotAllowed, NotFound
from shoptui.models._types import id_of
from shoptui.models.catalog import (
    Product,
    Variant,
)
from shoptui.services import shop
from shoptui.services.catalog.fields import (
    MAX_VARIANTS,
    barcode_pattern,
    check_minor,
    check_option_names,
    check_sku,
    clean_text,
    required_text,
)
from shoptui.services.catalog.products import (
    ProductRead,
    VariantInput,
    VariantRead,
    VariantUpdate,
    check_codes_free,
    check_combinations,
    check_variant_input,
    check_version,
    decode_cursor,
    encode_cursor,
    get_product,
    product_row,
    refresh_products,
    touch_product,
    variant_read,
    variant_snapshot,
    variants_with_history,
)
from shoptui.services.shop import Page, clamp_limit
from shoptui.store.rows import tuples
from shoptui.typed import ascii_digits


class OptionInput(BaseModel):
    """An option and the values to offer, for generate_variants."""

    name: str
    values: list[str]


class GenerateResult(BaseModel):
    """What generate_variants did."""

    product: ProductRead
    created: list[str]  # SKUs
    removed: list[str]
    kept_with_history: list[str]


def find_variant(*, session: Session, code: str) -> VariantRead:
    """A variant by SKU or barcode (what a scanner or a person types). Raises NotFound."""
    raw = ascii_digits(clean_text(code))
    if not raw:
        raise InvalidInput("Give a SKU or a barcode.", field="code")
    row = session.exec(
        select(Variant, Product.title).join(Product, col(Product.id) == col(Variant.product_id))
        .where(or_(col(Variant.sku) == raw, col(Variant.barcode) == raw)).order_by((col(Variant.sku) == raw).desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"No variant has the SKU or barcode {raw!r}. Check the code or search with 'shoptui product search'.", field="code")
    return variant_read(row[0], row[1])


def get_variant_by_sku(*, session: Session, sku: str) -> VariantRead:
    """A variant by its exact SKU. Raises NotFound."""
    raw = clean_text(sku)
    row = session.exec(
        select(Variant, Product.title).join(Product, col(Product.id) == col(Variant.product_id)).where(Variant.sku == raw)
    ).first()
    if row is None:
        raise NotFound(f"There is no variant with the SKU {raw!r}. See 'shoptui variant list'.")
    return variant_read(row[0], row[1])


def get_variants(*, session: Session, variant_ids: Sequence[int]) -> dict[int, VariantRead]:
    """Many variants by id in one query (for other modules' lists)."""
    if not variant_ids:
        return {}
    rows = session.exec(select(Variant, Product.title).join(Product, col(Product.id) == col(Variant.product_id))
                        .where(col(Variant.id).in_(list(variant_ids)))).all()
    return {id_of(v): variant_read(v, title) for v, title in rows}


def list_variants(*, session: Session, product_id: int | None = None, after: str | None = None,
                  limit: int = 100) -> Page[VariantRead]:
    """Variants by SKU (of one product, when given), keyset-paged."""
    limit = clamp_limit(limit)
    query = select(Variant, Product.title).join(Product, col(Product.id) == col(Variant.product_id))
    if product_id is not None:
        product_row(session, product_id)
        query = query.where(Variant.product_id == product_id)
    if after:
        (last,) = decode_cursor(after, 1)
        query = query.where(col(Variant.sku) > str(last))
    rows = session.exec(query.order_by(col(Variant.sku)).limit(limit + 1)).all()
    items = [variant_read(v, title) for v, title in rows[:limit]]
    return Page(items=items, next_after=encode_cursor([items[-1].sku]) if len(rows) > limit else None)


def tracked_variant_ids(*, session: Session, product_ids: Sequence[int]) -> dict[int, list[int]]:
    """The ids of the stock-tracked variants of each product, in one query (for stock columns of lists)."""
    ids = list(dict.fromkeys(product_ids))
    if not ids:
        return {}
    found: dict[int, list[int]] = {}
    for product_id, variant_id in tuples(session.execute(
            sa_select(col(Variant.product_id), col(Variant.id)).where(col(Variant.product_id).in_(ids),
                                                                      col(Variant.track_stock).is_(True))
            .order_by(col(Variant.product_id), col(Variant.position), col(Variant.id)))):
        found.setdefault(product_id, []).append(variant_id)
    return found


def _variant_by_sku(session: Session, sku: str) -> Variant:
    raw = clean_text(sku)
    row = session.exec(select(Variant).where(Variant.sku == raw)).first()
    if row is None:
        raise NotFound(f"There is no variant with the SKU {raw!r}. See 'shoptui variant list'.")
    return row


def add_variant(*, session: Session, actor: Actor, product_id: int, data: VariantInput,
                expect_version: int | None = None) -> VariantRead:
    """Add a variant to a product that has options (a product without options has one)."""
    product = product_row(session, product_id, for_update=True)
    check_version(product, expect_version)
    names = [n for n in (product.option1_name, product.option2_name, product.option3_name) if n]
    if not names:
        raise InvalidInput(f"The product {product.title!r} has no options, so it has exactly one variant. "
                           "Give it options first: shoptui variant generate.")
    row = check_variant_input(data, len(names), barcode_pattern(session))
    existing = [variant_snapshot(v) for v in session.exec(select(Variant).where(Variant.product_id == product_id))]
    if len(existing) >= MAX_VARIANTS:
        raise InvalidInput(f"A product can have at most {MAX_VARIANTS} variants.")
    check_combinations(existing + [row], len(names))
    check_codes_free(session, [row])
    now = clock.now()
    position = (session.exec(select(func.max(Variant.position)).where(Variant.product_id == product_id)).one() or 0) + 1
    variant = Variant(**row, product_id=product_id, position=position, created_at=now, updated_at=now)
    session.add(variant)
    touch_product(product)
    session.flush()
    refresh_products(session=session, product_ids=[product_id])
    shop.record(session=session, actor=actor, action="variant.create", entity="variant", entity_id=variant.sku,
                 summary=f"added variant {variant.sku} to {product.title}", after=variant_snapshot(variant))
    return get_variant_by_sku(session=session, sku=row["sku"])


def update_variant(*, session: Session, actor: Actor, sku: str, patch: VariantUpdate,
                   expect_version: int | None = None) -> VariantRead:
    """Change one variant (keyed by SKU); ``expect_version`` is its product's version."""
    row = _variant_by_sku(session, sku)
    product = product_row(session, row.product_id, for_update=True)
    check_version(product, expect_version)
    before = variant_snapshot(row)
    merged = VariantInput(**{**before, **patch.model_dump(exclude_unset=True)})
    names = [n for n in (product.option1_name, product.option2_name, product.option3_name) if n]
    cleaned = check_variant_input(merged, len(names), barcode_pattern(session), kept_barcode=before["barcode"])
    if cleaned == before:
        return get_variant_by_sku(session=session, sku=row.sku)
    others = [variant_snapshot(v) for v in session.exec(
        select(Variant).where(Variant.product_id == row.product_id, Variant.id != row.id))]
    if names:
        check_combinations(others + [cleaned], len(names))
    check_codes_free(session, [cleaned], exclude_ids=[id_of(row)])
    for key, value in cleaned.items():
        setattr(row, key, value)
    row.updated_at = clock.now()
    touch_product(product)
    session.flush()
    refresh_products(session=session, product_ids=[row.product_id])
    shop.record(session=session, actor=actor, action="variant.update", entity="variant", entity_id=cleaned["sku"],
                 summary=f"edited variant {before['sku']}", before=before, after=cleaned)
    return get_variant_by_sku(session=session, sku=cleaned["sku"])


def delete_variant(*, session: Session, actor: Actor, sku: str, expect_version: int | None = None) -> str:
    """Delete a variant without history; never the last one of its product."""
    shop.require(session=session, actor=actor, permission="delete")  # refused before anything is looked up
    row = _variant_by_sku(session, sku)
    product = product_row(session, row.product_id, for_update=True)
    check_version(product, expect_version)
    if variants_with_history(session=session, variant_ids=[id_of(row)]):
        raise NotAllowed(f"The variant {row.sku} has stock movements or orders, so it cannot be deleted; "
                         "archive its product instead.")
    if product.variant_count <= 1:
        raise NotAllowed(f"{row.sku} is the only variant of {product.title!r}; delete the product instead.")
    before = variant_snapshot(row)
    session.delete(row)
    touch_product(product)
    session.flush()
    refresh_products(session=session, product_ids=[id_of(product)])
    shop.record(session=session, actor=actor, action="variant.delete", entity="variant", entity_id=before["sku"],
                 summary=f"deleted variant {before['sku']} of {product.title}", before=before, after=None)
    return f"Deleted variant {before['sku']} of {product.title}."


def sku_part(value: str) -> str:
    """How an option value shows in a generated SKU: ``Navy blue`` -> ``NAVYBLUE``."""
    part = re.sub(r"[^\w]+", "", unicodedata.normalize("NFKC", value)).upper()
    return part[:12] or "X"


def sku_stem(variants: Sequence[tuple[str, Sequence[str | None]]], fallback: str) -> str:
    """The product's SKU stem: what its generated SKUs start with, the same on every run.

    ``variants`` are (SKU, values of the options the product has now) in position order. A variant
    named after its options (``AH-RED-M`` for Red/M) gives its SKU minus those segments (``AH``);
    a variant that kept the product's plain SKU (``TEE-01``, made before the product had options)
    is the stem itself. Used by generate_variants and by the TUI's product form.
    """
    for sku, values in variants:
        if not values or not all(values):
            continue
        suffix = "-" + "-".join(sku_part(v) for v in values if v)
        if sku.upper().endswith(suffix) and len(sku) > len(suffix):
            return sku[:-len(suffix)]
    return variants[0][0] if variants and variants[0][0] else fallback


def combination_variants(*, sku_prefix: str, options: Sequence[OptionInput], template: VariantInput) -> tuple[
        list[str], list[VariantInput]]:
    """Option names and one variant per combination (``PREFIX-RED-M``...) for a new product.

    Every variant copies ``template``'s price, cost and so on; only the first keeps its barcode.
    """
    names = check_option_names([o.name for o in options])
    value_lists = [[required_text(v, f"value of {o.name}", 60) for o in [option] for v in option.values]
                   for option in options]
    if any(not values for values in value_lists):
        raise InvalidInput("Every option needs at least one value, e.g. 'Size=S,M,L'.")
    combos = list(itertools.product(*value_lists))
    if len(combos) > MAX_VARIANTS:
        raise InvalidInput(f"{len(combos)} combinations; at most {MAX_VARIANTS} variants are allowed.")
    prefix = check_sku(sku_prefix)
    variants = []
    for index, combo in enumerate(combos):
        values = (list(combo) + [None, None, None])[:3]
        variants.append(template.model_copy(update={
            "sku": "-".join([prefix, *(sku_part(v) for v in combo)]), "barcode": template.barcode if index == 0 else None,
            "option1": values[0], "option2": values[1], "option3": values[2]}))
    return names, variants


def generate_variants(*, session: Session, actor: Actor, product_id: int, options: Sequence[OptionInput],
                      price_minor: int | None = None, sku_prefix: str | None = None, prune: bool = False,
                      expect_version: int | None = None) -> GenerateResult:
    """Create a variant for every missing combination of option values.

    Existing variants keep their SKUs and prices. With ``prune``, variants whose values are no
    longer offered are deleted — except those with history, which are kept and reported.
    """
    product = product_row(session, product_id, for_update=True)
    check_version(product, expect_version)
    names = check_option_names([o.name for o in options])
    if not names:
        raise InvalidInput("Give at least one option with values, e.g. --option 'Size=S,M,L'.", field="options")
    value_lists: list[list[str]] = []
    for option, name in zip(options, names, strict=True):
        values: list[str] = []
        for value in option.values:
            cleaned = required_text(value, f"value of {name}", 60, name="options")
            if cleaned.lower() not in (v.lower() for v in values):
                values.append(cleaned)
        if not values:
            raise InvalidInput(f"The option {name} needs at least one value.", field="options")
        value_lists.append(values)
    combos = list(itertools.product(*value_lists))
    if len(combos) > MAX_VARIANTS:
        raise InvalidInput(f"{' x '.join(str(len(v)) for v in value_lists)} = {len(combos)} combinations; "
                           f"at most {MAX_VARIANTS} variants are allowed.", field="options")
    current = [n for n in (product.option1_name, product.option2_name, product.option3_name) if n]
    variants = list(session.exec(select(Variant).where(Variant.product_id == product_id)
                                 .order_by(col(Variant.position), col(Variant.id))))
    if current and [n.lower() for n in current] != [n.lower() for n in names[:len(current)]]:
        raise InvalidInput(f"The product's options are {', '.join(current)}; keep them in that order and add new "
                           "ones after them.", field="options")
    added_options = len(names) - len(current)
    if added_options < 0:
        raise InvalidInput(f"The product has the options {', '.join(current)}; give values for all of them.", field="options")
    # the stem is read before the loop below gives the variants values of the new options
    stem = sku_stem([(v.sku, [getattr(v, f"option{i + 1}") for i in range(len(current))]) for v in variants],
                    f"P{product_id}")
    # variants made before an option existed take its first value
    for variant in variants:
        for index in range(len(current), len(names)):
            setattr(variant, f"option{index + 1}", value_lists[index][0])
    existing = {tuple((getattr(v, f"option{i + 1}") or "").lower() for i in range(len(names))): v for v in variants}
    if len(existing) != len(variants):
        raise Conflict("Two variants of this product would have the same options; edit them first.")
    default_price = price_minor if price_minor is not None else (variants[0].price_minor if variants else 0)
    check_minor(default_price, "price", required=True)
    base = check_sku(sku_prefix) if sku_prefix else stem
    now = clock.now()
    new_rows: list[dict[str, Any]] = []
    position = max((v.position for v in variants), default=-1) + 1
    for combo in combos:
        key = tuple(v.lower() for v in combo)
        if key in existing:
            continue
        sku = check_sku("-".join([base, *(sku_part(v) for v in combo)]))
        new_rows.append({"sku": sku, "barcode": None, "option1": combo[0], "option2": combo[1] if len(combo) > 1 else None,
                         "option3": combo[2] if len(combo) > 2 else None, "price_minor": default_price,
                         "compare_at_minor": None, "cost_minor": variants[0].cost_minor if variants else None,
                         "weight_g": variants[0].weight_g if variants else None,
                         "track_stock": variants[0].track_stock if variants else True})
    check_codes_free(session, new_rows)
    product.option1_name, product.option2_name, product.option3_name = (names + [None, None, None])[:3]
    removed: list[str] = []
    kept: list[str] = []
    if prune:
        offered = {tuple(v.lower() for v in combo) for combo in combos}
        stale = [v for key, v in existing.items() if key not in offered]
        used = variants_with_history(session=session, variant_ids=[id_of(v) for v in stale])
        if any(variant.id not in used for variant in stale):  # pruning deletes variants: the delete permission
            shop.require(session=session, actor=actor, permission="delete")
        for variant in stale:
            if variant.id in used:
                kept.append(variant.sku)
            else:
                removed.append(variant.sku)
                session.delete(variant)
    session.flush()
    if new_rows:
        session.execute(insert(Variant), [dict(r, product_id=product_id, position=position + i, created_at=now,
                                                updated_at=now) for i, r in enumerate(new_rows)])
    touch_product(product)
    session.flush()
    refresh_products(session=session, product_ids=[product_id])
    shop.record(session=session, actor=actor, action="variant.generate", entity="product", entity_id=product_id,
                 summary=f"generated {len(new_rows)} variants for {product.title}",
                 before={"option_names": current, "removed": removed},
                 after={"option_names": names, "created": [r["sku"] for r in new_rows]})
    return GenerateResult(product=get_product(session=session, product_id=product_id),
                          created=[r["sku"] for r in new_rows], removed=removed, kept_with_history=kept)
