"""Products: create, read, list, edit, archive and delete products with their tags, images and
variants; the kept-in-step columns (variant count, price range) and search lines.

Faces call one function per user action inside one transaction they open; nothing here commits.
Read models (``*Read``, ``ProductRow``) leave, never table rows. Variants on their own are in
``variants``, categories in ``categories``, bulk changes in ``bulk``, import/export in ``transfer``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import (
    Integer,
    String,
    bindparam,
    delete,
    exists,
    func,
    insert,
    inspect,
    or_,
    text,
    tuple_,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotAllowed, NotFound
from shoptui.models._types import id_of, ids_of
from shoptui.models.catalog import (
    Category,
    Product,
    ProductImage,
    ProductSearch,
    ProductTag,
    Variant,
)
from shoptui.services import shop
from shoptui.services.catalog.categories import category_paths, category_row
from shoptui.services.catalog.fields import (
    MAX_VARIANTS,
    barcode_pattern,
    check_barcode,
    check_images,
    check_minor,
    check_option_names,
    check_sku,
    check_status,
    check_tag,
    check_tags,
    check_weight,
    clean_description,
    clean_text,
    in_variant,
    optional_text,
    required_text,
)
from shoptui.services.catalog.search import search_rows
from shoptui.services.shop import Page, after_key, clamp_limit
from shoptui.store import matching
from shoptui.store.search import ids_query, insert_lines
from shoptui.typed import ascii_digits

SORTS = ("title", "-title", "price", "-price", "updated", "-updated", "created", "-created")


Sort = Literal["title", "-title", "price", "-price", "updated", "-updated", "created", "-created"]


class VariantRead(BaseModel):
    """One variant (SKU) with the title of its product."""

    id: int
    product_id: int
    product_title: str = ""
    sku: str
    barcode: str | None
    option1: str | None
    option2: str | None
    option3: str | None
    position: int
    price_minor: int
    compare_at_minor: int | None
    cost_minor: int | None
    weight_g: int | None
    track_stock: bool

    @property
    def options(self) -> list[str]:
        """The option values that are set, in order."""
        return [v for v in (self.option1, self.option2, self.option3) if v is not None]

    @property
    def label(self) -> str:
        """``Title / Red / M`` — how a person names this variant."""
        return " / ".join([self.product_title, *self.options]) if self.product_title else " / ".join(self.options)


class OptionRead(BaseModel):
    """A product option (e.g. Size) and the values its variants use, in variant order."""

    name: str
    values: list[str]


class ProductRow(BaseModel):
    """One line of the product list: what the table shows, nothing more."""

    id: int
    title: str
    status: str
    category_id: int | None
    category: str | None  # the category's name
    brand: str | None
    sku: str | None  # the SKU when the product has exactly one variant
    variant_count: int
    min_price_minor: int | None
    max_price_minor: int | None
    version: int
    updated_at: datetime


class ProductRead(BaseModel):
    """A product with everything the detail view and the form need."""

    id: int
    title: str
    description: str
    status: str
    category_id: int | None
    category: str | None  # full name, "Clothing > T-shirts"
    brand: str | None
    tags: list[str]
    images: list[str]  # the first is the cover
    options: list[OptionRead]
    variants: list[VariantRead]
    variant_count: int
    min_price_minor: int | None
    max_price_minor: int | None
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def cover(self) -> str | None:
        """The cover image (the first one), if any."""
        return self.images[0] if self.images else None


class VariantInput(BaseModel):
    """A variant as typed in: SKU is required; option values match the product's option names."""

    sku: str
    barcode: str | None = None
    option1: str | None = None
    option2: str | None = None
    option3: str | None = None
    price_minor: int = 0
    compare_at_minor: int | None = None
    cost_minor: int | None = None
    weight_g: int | None = None
    track_stock: bool = True


class VariantUpdate(BaseModel):
    """Changes to one variant: every field optional, unset means unchanged."""

    sku: str | None = None
    barcode: str | None = None
    option1: str | None = None
    option2: str | None = None
    option3: str | None = None
    price_minor: int | None = None
    compare_at_minor: int | None = None
    cost_minor: int | None = None
    weight_g: int | None = None
    track_stock: bool | None = None


class ProductCreate(BaseModel):
    """Input for create_product. Without option names, give exactly one (default) variant."""

    title: str
    description: str = ""
    status: str = "draft"
    category_id: int | None = None
    brand: str | None = None
    tags: list[str] = Field(default_factory=list)
    images: list[str] = Field(default_factory=list)
    option_names: list[str] = Field(default_factory=list)
    variants: list[VariantInput] = Field(default_factory=list)


class ProductUpdate(BaseModel):
    """Input for update_product: every field optional, unset means unchanged.

    ``category_id`` set to ``None`` explicitly takes the product out of its category. ``tags`` and
    ``images`` replace the whole list; ``add_tags``/``remove_tags`` change it.
    """

    title: str | None = None
    description: str | None = None
    status: str | None = None
    category_id: int | None = None
    brand: str | None = None
    tags: list[str] | None = None
    add_tags: list[str] = Field(default_factory=list)
    remove_tags: list[str] = Field(default_factory=list)
    images: list[str] | None = None
    option_names: list[str] | None = None


def product_row(session: Session, product_id: int, *, for_update: bool = False) -> Product:
    query = select(Product).where(Product.id == product_id)
    if for_update:
        query = query.with_for_update()
    row = session.exec(query).first()
    if row is None:
        raise NotFound(f"There is no product with id {product_id}. See 'shoptui product list'.")
    return row


def resolve_product(*, session: Session, ref: str | int) -> int:
    """A product id from an id, or from one of its SKUs or barcodes. Raises NotFound."""
    if isinstance(ref, int):
        return id_of(product_row(session, ref))
    raw = ascii_digits(clean_text(ref))
    if not raw:
        raise InvalidInput("Name a product by its id, a SKU or a barcode.")
    found = session.exec(select(Variant.product_id).where(or_(col(Variant.sku) == raw, col(Variant.barcode) == raw))).first()
    if found is not None:
        return found
    if raw.lstrip("#").isdigit() and session.get(Product, int(raw.lstrip("#"))) is not None:
        return int(raw.lstrip("#"))
    raise NotFound(f"There is no product with the id, SKU or barcode {raw!r}. Try 'shoptui product search {raw}'.")


def variant_read(row: Variant, title: str = "") -> VariantRead:
    data = {name: getattr(row, name) for name in VariantRead.model_fields if name != "product_title"}
    return VariantRead(product_title=title, **data)


def get_product(*, session: Session, product_id: int) -> ProductRead:
    """One product with category, tags, images, options and variants (four small queries)."""
    row = product_row(session, product_id)
    tags, images = tags_and_images(session, product_id)
    variants = [variant_read(v, row.title) for v in session.exec(
        select(Variant).where(Variant.product_id == product_id).order_by(col(Variant.position), col(Variant.id)))]
    names = [n for n in (row.option1_name, row.option2_name, row.option3_name) if n]
    options = []
    for index, name in enumerate(names):
        values: dict[str, None] = {}
        for variant in variants:
            value = (variant.option1, variant.option2, variant.option3)[index]
            if value is not None:
                values.setdefault(value, None)
        options.append(OptionRead(name=name, values=list(values)))
    category = category_paths(session=session).get(row.category_id) if row.category_id is not None else None
    assert row.id is not None
    return ProductRead(
        id=row.id, title=row.title, description=row.description, status=row.status, category_id=row.category_id,
        category=category, brand=row.brand, tags=tags, images=images, options=options, variants=variants,
        variant_count=row.variant_count, min_price_minor=row.min_price_minor, max_price_minor=row.max_price_minor,
        version=row.version, created_at=row.created_at, updated_at=row.updated_at,
    )


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != size:
        raise InvalidInput(f"The cursor {cursor[:40]!r} is not one this list gave out; start again without --after.")
    return values


_LIST_COLUMNS: dict[str, Any] = {"title": matching.folded(col(Product.title)), "price": col(Product.min_price_minor),
                                 "updated": col(Product.updated_at), "created": None}
"""The sort column of each key; A-Z is case-insensitive (``matching.folded(title)``, as its indexes in the model)."""


_LIST_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def _list_statement(key: str, descending: bool, *, status: bool, category: bool, tag: bool, after: bool) -> Any:
    """The product-list SELECT for one shape of filters and sort, built once and reused.

    Values arrive as bound parameters (``status``, ``category_path``, ``tag``, ``after_value``,
    ``after_id``, ``page_limit``), so a page costs one cached compile lookup, not a statement build.
    """
    shape = (key, descending, status, category, tag, after)
    statement = _LIST_STATEMENTS.get(shape)
    if statement is not None:
        return statement
    column = _LIST_COLUMNS[key]
    conditions: list[Any] = []
    if status:
        conditions.append(col(Product.status) == bindparam("status", type_=String))
    if category:
        conditions.append(col(Product.category_id).in_(
            sa_select(col(Category.id)).where(col(Category.path).startswith(bindparam("category_path", type_=String)))))
    if tag:
        conditions.append(exists().where(col(ProductTag.product_id) == col(Product.id),
                                         col(ProductTag.tag) == bindparam("tag", type_=String)))
    if after:
        last_id = bindparam("after_id", type_=Integer)
        if column is None:
            conditions.append(col(Product.id) < last_id if descending else col(Product.id) > last_id)
        else:
            after_value = bindparam("after_value", type_=String if key == "title" else column.type)
            if key == "title":  # the cursor holds the title; the database lowers both sides alike
                conditions.append(after_key(column, col(Product.id), matching.folded(after_value), last_id,
                                            descending=descending))
            else:
                pair, bound = tuple_(column, col(Product.id)), tuple_(after_value, last_id)
                conditions.append(pair < bound if descending else pair > bound)
    order = [col(Product.id).desc() if descending else col(Product.id).asc()]
    if column is not None:
        order.insert(0, column.desc() if descending else column.asc())
    first_sku = (sa_select(col(Variant.sku)).where(col(Variant.product_id) == col(Product.id))
                 .order_by(col(Variant.position), col(Variant.id)).limit(1).scalar_subquery())
    statement = (
        sa_select(col(Product.id), col(Product.title), col(Product.status), col(Product.category_id),
                  col(Category.name).label("category"), col(Product.brand), col(Product.variant_count),
                  col(Product.min_price_minor), col(Product.max_price_minor), col(Product.version),
                  col(Product.updated_at), first_sku.label("sku"))
        .select_from(Product).outerjoin(Category, col(Category.id) == col(Product.category_id))
        .where(*conditions).order_by(*order).limit(bindparam("page_limit", type_=Integer))
    )
    _LIST_STATEMENTS[shape] = statement
    return statement


def list_products(
    *,
    session: Session,
    status: str | None = None,
    category_id: int | None = None,
    tag: str | None = None,
    text: str | None = None,
    sort: str = "title",
    after: str | None = None,
    limit: int = 50,
) -> Page[ProductRow]:
    """One keyset page of products: filter by status, category subtree, tag and text; sort.

    ``sort`` is one of title, price, updated, created, each optionally with ``-`` for descending.
    ``after`` is the ``next_after`` of the previous page.
    """
    limit = clamp_limit(limit)
    if sort not in SORTS:
        raise InvalidInput(f"The sort {sort!r} is not one of {', '.join(SORTS)}.")
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    params: dict[str, Any] = {"page_limit": limit + 1}
    if status:
        params["status"] = check_status(status)
    if category_id is not None:
        params["category_path"] = category_row(session, category_id).path
    if tag:
        params["tag"] = check_tag(tag)
    if after:
        if key == "created":
            (params["after_id"],) = decode_cursor(after, 1)
        else:
            params["after_value"], params["after_id"] = decode_cursor(after, 2)
            if key == "updated":
                try:
                    params["after_value"] = clock.ensure_utc(datetime.fromisoformat(params["after_value"]))
                except (TypeError, ValueError):
                    raise InvalidInput("The cursor is not one this list gave out; start again without --after.") from None
        if not isinstance(params["after_id"], int) or isinstance(params["after_id"], bool):
            raise InvalidInput(f"The cursor {after[:40]!r} is not one this list gave out; start again without --after.")
    query = _list_statement(key, descending, status=bool(status), category=category_id is not None, tag=bool(tag),
                            after=bool(after))
    if text and text.strip():  # every word must match (see ids_query)
        ids, search_params = ids_query(session, text)
        query = query.where(col(Product.id).in_(ids))
        params.update(search_params)
    if session.new or session.dirty or session.deleted:
        session.flush()  # Core execution below does not autoflush
    rows = session.connection().execute(query, params).all()
    items = [ProductRow(id=r.id, title=r.title, status=r.status, category_id=r.category_id, category=r.category,
                        brand=r.brand, sku=r.sku if r.variant_count == 1 else None, variant_count=r.variant_count,
                        min_price_minor=r.min_price_minor, max_price_minor=r.max_price_minor, version=r.version,
                        updated_at=r.updated_at) for r in rows[:limit]]
    next_after = None
    if len(rows) > limit:
        last = items[-1]
        if key == "created":
            next_after = encode_cursor([last.id])
        elif key == "updated":
            next_after = encode_cursor([last.updated_at.isoformat(), last.id])
        else:
            next_after = encode_cursor([getattr(last, "min_price_minor" if key == "price" else key), last.id])
    return Page(items=items, next_after=next_after)


def count_products(*, session: Session, status: str | None = None) -> int:
    """How many products (of one status, when given)."""
    query = select(func.count()).select_from(Product)
    if status:
        query = query.where(Product.status == check_status(status))
    return session.exec(query).one()


def history_sources() -> list[str]:
    """Where variant history lives: ``table.column`` or ``pkg.mod:fn`` from every module's
    ``extra["variant_history"]`` (a fn takes ``session=, variant_ids=`` and returns the ids with history)."""
    from shoptui import modules

    sources: list[str] = []
    for spec in modules.all_modules():
        for source in spec.extra.get("variant_history", ()):
            if source not in sources:
                sources.append(source)
    return sources


def variants_with_history(*, session: Session, variant_ids: Sequence[int]) -> set[int]:
    """The variants among ``variant_ids`` that have stock movements, order lines or other history."""
    from shoptui import modules

    ids = [i for i in variant_ids if i is not None]
    if not ids:
        return set()
    found: set[int] = set()
    connection = session.connection()
    for source in history_sources():
        if ":" in source:
            found |= set(modules.load(source)(session=session, variant_ids=ids))
            continue
        table, _, column = source.partition(".")
        if not inspect(connection).has_table(table):
            continue
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join(str(int(i)) for i in chunk)
            found |= set(session.execute(text(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IN ({marks})')).scalars())
    return found


def product_snapshot(row: Product, tags: list[str], images: list[str]) -> dict[str, Any]:
    """The product's fields as the audit log records them before and after a change."""
    return {"title": row.title, "description": row.description, "status": row.status, "category_id": row.category_id,
            "brand": row.brand, "option_names": [n for n in (row.option1_name, row.option2_name, row.option3_name) if n],
            "tags": tags, "images": images}


def variant_snapshot(row: Variant) -> dict[str, Any]:
    return {name: getattr(row, name) for name in ("sku", "barcode", "option1", "option2", "option3", "price_minor",
                                                  "compare_at_minor", "cost_minor", "weight_g", "track_stock")}


def check_variant_input(data: VariantInput, option_count: int, pattern: str,
                         kept_barcode: str | None = None) -> dict[str, Any]:
    """The variant as stored; a barcode it already had (``kept_barcode``) is kept as it is."""
    values = [data.option1, data.option2, data.option3]
    cleaned_options: list[str | None] = []
    for index, value in enumerate(values):
        if index < option_count:
            cleaned_options.append(required_text(value, f"value of option {index + 1} for SKU {data.sku}", 60,
                                                  name=f"option{index + 1}"))
        else:
            if clean_text(value):
                raise InvalidInput(f"The SKU {data.sku} has a value for option {index + 1}, but the product has "
                                   f"only {option_count} options.", field=f"option{index + 1}")
            cleaned_options.append(None)
    sku = check_sku(data.sku)
    return {
        "sku": sku,
        "barcode": kept_barcode if kept_barcode and data.barcode == kept_barcode else check_barcode(data.barcode, pattern),
        "option1": cleaned_options[0], "option2": cleaned_options[1], "option3": cleaned_options[2],
        "price_minor": check_minor(data.price_minor, f"price of {sku}", required=True, name="price_minor"),
        "compare_at_minor": check_minor(data.compare_at_minor, f"compare-at price of {sku}", name="compare_at_minor"),
        "cost_minor": check_minor(data.cost_minor, f"cost of {sku}", name="cost_minor"),
        "weight_g": check_weight(data.weight_g), "track_stock": bool(data.track_stock),
    }


def check_codes_free(session: Session, rows: list[dict[str, Any]], exclude_ids: Sequence[int] = (),
                     *, indexed: bool = False) -> None:
    """Refuse SKUs and barcodes used twice in ``rows`` or already used by other variants.

    The refusal names ``sku`` or ``barcode``; with ``indexed``, of the row (``variants.2.sku``, see in_variant)."""
    seen_sku: set[str] = set()
    seen_barcode: set[str] = set()
    for index, row in enumerate(rows):
        with in_variant(index) if indexed else nullcontext():
            if row["sku"] in seen_sku:
                raise Conflict(f"The SKU {row['sku']} is given twice; every variant needs its own SKU.", field="sku")
            seen_sku.add(row["sku"])
            if row.get("barcode"):
                if row["barcode"] in seen_barcode:
                    raise Conflict(f"The barcode {row['barcode']} is given twice; every variant needs its own barcode.",
                                   field="barcode")
                seen_barcode.add(row["barcode"])
    skus, barcodes = sorted(seen_sku), sorted(seen_barcode)
    for start in range(0, max(len(skus), len(barcodes)), _CODES_PER_QUERY):  # many new products: a few queries
        clauses = []
        if skus[start:start + _CODES_PER_QUERY]:
            clauses.append(col(Variant.sku).in_(skus[start:start + _CODES_PER_QUERY]))
        if barcodes[start:start + _CODES_PER_QUERY]:
            clauses.append(col(Variant.barcode).in_(barcodes[start:start + _CODES_PER_QUERY]))
        query = (sa_select(col(Variant.id), col(Variant.sku), col(Variant.barcode), col(Product.title))
                 .join(Product, col(Product.id) == col(Variant.product_id)).where(or_(*clauses)))
        if exclude_ids:
            query = query.where(col(Variant.id).not_in(list(exclude_ids)))
        hit = session.execute(query.limit(1)).first()
        if hit is not None:
            _refuse_used_code(rows, hit, seen_sku, indexed=indexed)


_CODES_PER_QUERY = 5_000  # values per IN (...): well under SQLite's and PostgreSQL's limits of bound values


def _refuse_used_code(rows: list[dict[str, Any]], hit: Any, seen_sku: set[str], *, indexed: bool) -> None:
    """The Conflict naming a code of ``rows`` that another variant (``hit``) already has."""
    if hit.sku in seen_sku:
        index = next(i for i, row in enumerate(rows) if row["sku"] == hit.sku)
        with in_variant(index) if indexed else nullcontext():
            raise Conflict(f"The SKU {hit.sku} is already used by {hit.title!r}. Pick another SKU.", field="sku")
    index = next(i for i, row in enumerate(rows) if row.get("barcode") == hit.barcode)
    with in_variant(index) if indexed else nullcontext():
        raise Conflict(f"The barcode {hit.barcode} is already used by {hit.sku} ({hit.title!r}). Check the barcode.",
                       field="barcode")


def check_combinations(rows: list[dict[str, Any]], option_count: int, *, indexed: bool = False) -> None:
    """One variant per combination of option values; the refusal names ``option1`` of the repeating row
    (with ``indexed``, ``variants.2.option1``), or ``option_names`` when a product without options has several."""
    if option_count == 0:
        if len(rows) != 1:
            raise InvalidInput(f"A product without options has exactly one variant, not {len(rows)}; "
                               "name the options (e.g. Size) to have several.", field="option_names")
        return
    seen: dict[tuple[Any, ...], str] = {}
    for index, row in enumerate(rows):
        combo = tuple((row[f"option{i}"] or "").lower() for i in (1, 2, 3))
        if combo in seen:
            values = " / ".join(v for v in (row["option1"], row["option2"], row["option3"]) if v)
            with in_variant(index) if indexed else nullcontext():
                raise Conflict(f"The SKUs {seen[combo]} and {row['sku']} have the same options ({values}); "
                               "each combination needs one variant.", field="option1")
        seen[combo] = row["sku"]


def refresh_products(*, session: Session, product_ids: Iterable[int]) -> None:
    """Recompute the kept-in-step columns (variant count, price range) and search lines."""
    ids = sorted(set(product_ids))
    for start in range(0, len(ids), 500):
        _refresh_chunk(session, ids[start:start + 500])


def _refresh_chunk(session: Session, ids: list[int]) -> None:
    stats = {r.product_id: r for r in session.execute(
        sa_select(col(Variant.product_id), func.count().label("n"), func.min(col(Variant.price_minor)).label("lo"),
                  func.max(col(Variant.price_minor)).label("hi"))
        .where(col(Variant.product_id).in_(ids)).group_by(col(Variant.product_id)))}
    codes: dict[int, tuple[list[str], list[str | None]]] = {}
    for pid, sku, barcode in session.exec(select(Variant.product_id, Variant.sku, Variant.barcode)
                                          .where(col(Variant.product_id).in_(ids))
                                          .order_by(col(Variant.position), col(Variant.id))):
        entry = codes.setdefault(pid, ([], []))
        entry[0].append(sku)
        entry[1].append(barcode)
    tags: dict[int, list[str]] = {}
    for pid, tag in session.exec(select(ProductTag.product_id, ProductTag.tag).where(col(ProductTag.product_id).in_(ids))
                                 .order_by(col(ProductTag.tag))):
        tags.setdefault(pid, []).append(tag)
    products = session.execute(sa_select(col(Product.id), col(Product.title), col(Product.brand))
                               .where(col(Product.id).in_(ids))).all()
    session.flush()
    session.execute(delete(ProductSearch).where(col(ProductSearch.product_id).in_(ids)))
    if products:
        insert_lines(session=session, lines=search_rows(
            (p.id, p.title, p.brand, tags.get(p.id, []), *codes.get(p.id, ([], []))) for p in products))
    for p in products:
        stat = stats.get(p.id)
        session.execute(update(Product).where(col(Product.id) == p.id).values(
            variant_count=stat.n if stat else 0, min_price_minor=stat.lo if stat else None,
            max_price_minor=stat.hi if stat else None).execution_options(synchronize_session=False))
    session.expire_all()


def set_tags(session: Session, product_id: int, tags: list[str]) -> None:
    """Replace the product's tags with ``tags`` (already checked)."""
    session.execute(delete(ProductTag).where(col(ProductTag.product_id) == product_id))
    if tags:
        session.execute(insert(ProductTag), [{"product_id": product_id, "tag": t} for t in tags])


def set_images(session: Session, product_id: int, images: list[str]) -> None:
    """Replace the product's images with ``images`` (already checked), in that order."""
    session.execute(delete(ProductImage).where(col(ProductImage.product_id) == product_id))
    if images:
        session.execute(insert(ProductImage), [{"product_id": product_id, "position": i, "location": loc}
                                               for i, loc in enumerate(images)])


def tags_and_images(session: Session, product_id: int) -> tuple[list[str], list[str]]:
    """The product's tags (sorted) and image locations (in order), as stored."""
    tags = list(session.exec(select(ProductTag.tag).where(ProductTag.product_id == product_id)
                             .order_by(col(ProductTag.tag))))
    images = list(session.exec(select(ProductImage.location).where(ProductImage.product_id == product_id)
                               .order_by(col(ProductImage.position))))
    return tags, images


@dataclass(frozen=True)
class NewProduct:
    """A ``ProductCreate`` checked (``check_new_product``): the product row's values, its tags, images and variant rows."""

    values: dict[str, Any]  # the product row's own fields (title ... option3_name), without id and times
    tags: list[str]
    images: list[str]
    variants: list[dict[str, Any]]  # as ``check_variant_input`` gives them, in order


def check_new_product(data: ProductCreate, pattern: str) -> NewProduct:
    """Every check of a new product that needs no query (``create_product``'s and ``create_products``'):
    the category's existence and the codes' freedom are checked by the caller."""
    title = required_text(data.title, "title", 200, name="title")
    status = check_status(data.status)
    names = check_option_names(data.option_names)
    tags = check_tags(data.tags)
    images = check_images(data.images)
    if not data.variants:
        raise InvalidInput(f"The product {title!r} needs at least one variant with a SKU.", field="variants")
    if len(data.variants) > MAX_VARIANTS:
        raise InvalidInput(f"A product can have at most {MAX_VARIANTS} variants, not {len(data.variants)}.", field="variants")
    rows = []
    for index, variant in enumerate(data.variants):
        with in_variant(index):
            rows.append(check_variant_input(variant, len(names), pattern))
    check_combinations(rows, len(names), indexed=True)
    values = {"title": title, "description": clean_description(data.description), "status": status,
              "category_id": data.category_id, "brand": optional_text(data.brand, "brand", 100, name="brand"),
              "option1_name": names[0] if len(names) > 0 else None, "option2_name": names[1] if len(names) > 1 else None,
              "option3_name": names[2] if len(names) > 2 else None}
    return NewProduct(values=values, tags=tags, images=images, variants=rows)


def creation_audit(product: Product, new: NewProduct) -> tuple[str, dict[str, Any]]:
    """The summary and ``after`` of a created product's audit line (one at a time or many at once)."""
    after = product_snapshot(product, new.tags, new.images)
    after["variants"] = [r["sku"] for r in new.variants]
    return f"created product {product.title} ({', '.join(r['sku'] for r in new.variants[:5])})", after


def create_product(*, session: Session, actor: Actor, data: ProductCreate) -> ProductRead:
    """A new product with its variants, tags and images. Raises InvalidInput, Conflict, NotFound."""
    new = check_new_product(data, barcode_pattern(session))
    new = replace(new, images=shop.keep_files(session, new.images))  # local files copied into the media folder
    if data.category_id is not None:
        category_row(session, data.category_id, name="category_id")
    rows = new.variants
    check_codes_free(session, rows, indexed=True)
    now = clock.now()
    product = Product(**new.values, created_at=now, updated_at=now)
    session.add(product)
    session.flush()
    assert product.id is not None
    session.execute(insert(Variant), [dict(row, product_id=product.id, position=i, created_at=now, updated_at=now)
                                      for i, row in enumerate(rows)])
    set_tags(session, product.id, new.tags)
    set_images(session, product.id, new.images)
    refresh_products(session=session, product_ids=[product.id])
    summary, after = creation_audit(product, new)
    shop.record(session=session, actor=actor, action="product.create", entity="product", entity_id=product.id,
                 summary=summary, after=after)
    return get_product(session=session, product_id=product.id)


def check_version(row: Product, expect_version: int | None) -> None:
    if expect_version is not None and row.version != expect_version:
        raise Conflict(
            f"The product {row.title!r} was changed by someone else since you opened it (it is now at version "
            f"{row.version}, you had {expect_version}). Reload it and make your change again.",
            field="expect_version",
        )


def touch_product(row: Product) -> None:
    row.version += 1
    row.updated_at = clock.now()


def update_product(*, session: Session, actor: Actor, product_id: int, patch: ProductUpdate,
                   expect_version: int | None = None) -> ProductRead:
    """Change a product's fields; refused with Conflict when it changed since ``expect_version``."""
    row = product_row(session, product_id, for_update=True)
    check_version(row, expect_version)
    tags, images = tags_and_images(session, product_id)
    before = product_snapshot(row, tags, images)
    fields = patch.model_fields_set
    if "title" in fields:
        row.title = required_text(patch.title, "title", 200, name="title")
    if "description" in fields:
        row.description = clean_description(patch.description)
    if "status" in fields:
        row.status = check_status(patch.status)
    if "category_id" in fields:
        if patch.category_id is not None:
            category_row(session, patch.category_id, name="category_id")
        row.category_id = patch.category_id
    if "brand" in fields:
        row.brand = optional_text(patch.brand, "brand", 100, name="brand")
    if "option_names" in fields and patch.option_names is not None:
        names = check_option_names(patch.option_names)
        current = [n for n in (row.option1_name, row.option2_name, row.option3_name) if n]
        if len(names) != len(current):
            raise InvalidInput(f"The product has {len(current)} options; renaming keeps their number. Use "
                               "'shoptui variant generate' to add options.", field="option_names")
        row.option1_name, row.option2_name, row.option3_name = (names + [None, None, None])[:3]
    new_tags = tags
    if "tags" in fields and patch.tags is not None:
        new_tags = check_tags(patch.tags)
    if patch.add_tags or patch.remove_tags:
        removing = set(check_tags(patch.remove_tags))
        new_tags = check_tags([t for t in new_tags if t not in removing] + patch.add_tags)
    new_tags = sorted(new_tags)
    new_images = images
    if "images" in fields and patch.images is not None:
        new_images = shop.keep_files(session, check_images(patch.images))
    after = product_snapshot(row, new_tags, new_images)
    if after == before:
        return get_product(session=session, product_id=product_id)
    if new_tags != tags:
        set_tags(session, product_id, new_tags)
    if new_images != images:
        set_images(session, product_id, new_images)
    touch_product(row)
    session.flush()
    refresh_products(session=session, product_ids=[product_id])
    shop.record(session=session, actor=actor, action="product.update", entity="product", entity_id=product_id,
                 summary=f"edited product {after['title']}", before=before, after=after)
    return get_product(session=session, product_id=product_id)


def set_status(*, session: Session, actor: Actor, product_id: int, status: str,
               expect_version: int | None = None) -> ProductRead:
    """Publish, draft or archive a product."""
    return update_product(session=session, actor=actor, product_id=product_id,
                          patch=ProductUpdate(status=status), expect_version=expect_version)


def archive_product(*, session: Session, actor: Actor, product_id: int, expect_version: int | None = None) -> ProductRead:
    """Archive a product (always allowed; its history stays)."""
    return set_status(session=session, actor=actor, product_id=product_id, status="archived",
                      expect_version=expect_version)


def delete_product(*, session: Session, actor: Actor, product_id: int, expect_version: int | None = None) -> str:
    """Delete a product without history; one with history is refused (archive it instead)."""
    shop.require(session=session, actor=actor, permission="delete")  # refused before anything is looked up
    row = product_row(session, product_id, for_update=True)
    check_version(row, expect_version)
    variant_ids = ids_of(session.exec(select(col(Variant.id)).where(Variant.product_id == product_id)))
    used = variants_with_history(session=session, variant_ids=variant_ids)
    if used:
        skus = ", ".join(session.exec(select(Variant.sku).where(col(Variant.id).in_(used)).order_by(col(Variant.sku))))
        raise NotAllowed(f"The product {row.title!r} has history (stock movements or orders for {skus}), so it cannot "
                         f"be deleted. Archive it instead: shoptui product archive {product_id}")
    tags, images = tags_and_images(session, product_id)
    before = product_snapshot(row, tags, images)
    before["variants"] = list(session.exec(select(Variant.sku).where(Variant.product_id == product_id)))
    title = row.title
    try:
        with session.begin_nested():
            session.execute(delete(Variant).where(col(Variant.product_id) == product_id))
            session.execute(delete(ProductSearch).where(col(ProductSearch.product_id) == product_id))
            session.execute(delete(ProductTag).where(col(ProductTag.product_id) == product_id))
            session.execute(delete(ProductImage).where(col(ProductImage.product_id) == product_id))
            session.execute(delete(Product).where(col(Product.id) == product_id))
    except IntegrityError:
        raise NotAllowed(f"The product {title!r} is still referenced elsewhere (stock, orders or purchases), so it "
                         f"cannot be deleted. Archive it instead: shoptui product archive {product_id}") from None
    session.expire_all()
    shop.record(session=session, actor=actor, action="product.delete", entity="product", entity_id=product_id,
                 summary=f"deleted product {title}", before=before, after=None)
    return f"Deleted product {title} (id {product_id}) and its {len(before['variants'])} variants."
