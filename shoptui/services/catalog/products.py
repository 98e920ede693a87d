"""The catalogue: categories (a tree), products, variants, tags and images; listing and search.

Every rule of the catalogue lives here. Faces call one function per user action inside one
transaction they open; nothing here commits. Read models (``*Read``, ``ProductRow``) leave,
never table rows. Import/export and the demo catalogue are in ``services.catalog.transfer``.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import operator
import re
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, Field
from sqlalchemy import (
    Integer,
    String,
    bindparam,
    column,
    delete,
    exists,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    table,
    text,
    tuple_,
    union,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotAllowed, NotFound
from shoptui.models.catalog import (
    MAX_OPTIONS,
    PRODUCT_STATUSES,
    Category,
    Product,
    ProductImage,
    ProductSearch,
    ProductTag,
    Variant,
)
from shoptui.services.pricing import rounding
from shoptui.services.shop import audit
from shoptui.services.shop.paging import Page, after_key, clamp_limit
from shoptui.services.shop.search import SearchHit
from shoptui.store.bulk import insert_rows
from shoptui.text import check_text, unsafe_characters
from shoptui.typed import ascii_digits, folded

CATEGORY_SEPARATOR = " > "
MAX_TAGS = 30
MAX_IMAGES = 20
MAX_VARIANTS = 250
MAX_MINOR = 10**13
SORTS = ("title", "-title", "price", "-price", "updated", "-updated", "created", "-created")
Sort = Literal["title", "-title", "price", "-price", "updated", "-updated", "created", "-created"]

# ---------------------------------------------------------------- read models


class CategoryRead(BaseModel):
    """A category as it leaves the service, with its place in the tree."""

    id: int
    parent_id: int | None
    name: str
    slug: str
    position: int
    path: str
    depth: int = 0
    full_name: str = ""  # "Clothing > T-shirts"
    product_count: int = 0  # products directly in this category


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


# ---------------------------------------------------------------- inputs


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


# ---------------------------------------------------------------- validation helpers


def _clean(text_value: str | None) -> str:
    return unicodedata.normalize("NFC", (text_value or "")).strip()


def required_text(value: str | None, field: str, max_length: int) -> str:
    """A one-line text as stored: NFC, trimmed, at most ``max_length`` characters. InvalidInput names ``field``."""
    cleaned = _clean(value)
    if cleaned and len(cleaned) <= max_length and cleaned.isprintable():
        return cleaned
    if not cleaned:
        raise InvalidInput(f"The {field} cannot be empty.")
    if len(cleaned) > max_length:
        raise InvalidInput(f"The {field} {cleaned[:40]!r}... is {len(cleaned)} characters long; at most {max_length} are allowed.")
    if unsafe_characters(cleaned):
        raise InvalidInput(f"The {field} {cleaned!r} contains control or text-direction characters; "
                           "type it on one line.")
    return cleaned


def optional_text(value: str | None, field: str, max_length: int) -> str | None:
    """``required_text`` for a text that may be left empty (None then)."""
    cleaned = _clean(value)
    return required_text(cleaned, field, max_length) if cleaned else None


def check_sku(sku: str | None) -> str:
    """A SKU as stored: trimmed, 1-64 characters, no spaces, digits of any script as ASCII. Raises InvalidInput."""
    cleaned = ascii_digits(_clean(sku))
    if 0 < len(cleaned) <= 64 and cleaned.isprintable() and " " not in cleaned and "\u3000" not in cleaned:
        return cleaned
    if not cleaned:
        raise InvalidInput("Every variant needs a SKU; it cannot be empty.")
    if len(cleaned) > 64:
        raise InvalidInput(f"The SKU {cleaned[:30]!r}... is {len(cleaned)} characters long; at most 64 are allowed.")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise InvalidInput(f"The SKU {cleaned!r} contains spaces or control characters; use letters, digits and - _ . /")
    return cleaned


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit for the digits before it (EAN-13, UPC-A, EAN-8 all use this)."""
    digits = [int(d) for d in reversed(body)]
    total = 3 * sum(digits[0::2]) + sum(digits[1::2])
    return (10 - total % 10) % 10


def with_check_digit(body: str) -> str:
    """``body`` followed by its GS1 check digit: 12 digits in, a valid EAN-13 out."""
    return body + str(gtin_check_digit(body))


DEFAULT_BARCODE_PATTERN = r"[A-Z][A-Z0-9-]{2,31}"  # in-store codes (Code 128/39): SHOP-0042, a letter first
_GTIN_SHAPES = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}


def upc_e_to_upc_a(code: str) -> str:
    """The UPC-A (12 digits) that an 8-digit UPC-E (number system 0 or 1, six digits, check digit) stands for."""
    d = code[1:7]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    return code[0] + body + code[7]


def barcode_pattern(session: Session) -> str:
    """The store's pattern for in-store codes that are not GS1 numbers (setting ``barcode_pattern``)."""
    from shoptui.services.shop import settings as store_settings

    return str(store_settings.get(session=session, key="barcode_pattern") or DEFAULT_BARCODE_PATTERN)


def check_barcode(barcode: str | None, pattern: str | None = None) -> str | None:
    """A barcode as stored, or None. Raises InvalidInput.

    A barcode is either all digits of a GS1 symbology with a right check digit (EAN-8, UPC-E,
    UPC-A, EAN-13 incl. in-store 20-29 codes, GTIN-14), or an in-store code matching ``pattern``
    (the ``barcode_pattern`` setting). Digits of any script are read as ASCII (one rule with money).
    """
    cleaned = folded(_clean(barcode))
    if not cleaned:
        return None
    if len(cleaned) > 32 or any(ch.isspace() for ch in cleaned):
        raise InvalidInput(f"The barcode {cleaned[:40]!r} must be at most 32 characters without spaces.")
    if cleaned.isascii() and cleaned.isdigit():
        shape = _GTIN_SHAPES.get(len(cleaned))
        if shape is None:
            raise InvalidInput(
                f"The barcode {cleaned} has {len(cleaned)} digits, so it is not an EAN-8, UPC-E, UPC-A, EAN-13 "
                "or GTIN-14 (8, 12, 13 or 14 digits with a check digit); check for a missing or extra digit."
            )
        expected = gtin_check_digit(cleaned[:-1])
        if int(cleaned[-1]) == expected:
            return cleaned
        if len(cleaned) == 8 and cleaned[0] in "01":
            upc_a = upc_e_to_upc_a(cleaned)
            if gtin_check_digit(upc_a[:-1]) == int(cleaned[-1]):
                return cleaned
        raise InvalidInput(
            f"The barcode {cleaned} looks like an {shape} but its check digit is {cleaned[-1]}, "
            f"not {expected}; check for a typo."
        )
    wanted = pattern or DEFAULT_BARCODE_PATTERN
    if re.fullmatch(wanted, cleaned) is None:
        raise InvalidInput(
            f"The barcode {cleaned!r} is neither a product number (EAN-8/13, UPC-A/E, GTIN-14: digits only) nor "
            f"an in-store code of the pattern {wanted} (setting barcode_pattern)."
        )
    return cleaned


def _check_minor(value: int | None, field: str, *, required: bool = False) -> int | None:
    if value is None:
        if required:
            raise InvalidInput(f"The {field} is required.")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"The {field} must be a whole number of minor units, not {value!r}.")
    if value < 0:
        raise InvalidInput(f"The {field} cannot be negative ({value}).")
    if value >= MAX_MINOR:
        raise InvalidInput(f"The {field} {value} is too large.")
    return value


def _check_weight(value: int | None) -> int | None:
    if value is None:
        return None
    if value < 0 or value > 10_000_000:
        raise InvalidInput(f"The weight must be between 0 and 10,000,000 grams, not {value}.")
    return value


def check_status(status: str | None) -> str:
    """A product status as stored (draft, active or archived); InvalidInput for any other word."""
    value = _clean(status).lower()
    if value not in PRODUCT_STATUSES:
        raise InvalidInput(f"The status {status!r} is not one of {', '.join(PRODUCT_STATUSES)}.")
    return value


def check_tag(tag: str) -> str:
    """A tag as stored: trimmed, lower-case, 1-50 characters, no commas."""
    cleaned = " ".join(_clean(tag).lower().split())
    if not cleaned:
        raise InvalidInput("A tag cannot be empty.")
    if "," in cleaned or len(cleaned) > 50:
        raise InvalidInput(f"The tag {cleaned[:50]!r} must be at most 50 characters and contain no comma.")
    return check_text(cleaned, "tag", 50) or ""


def clean_description(value: str | None) -> str:
    """A description as stored: several lines allowed, no control or text-direction characters."""
    text = (value or "").strip("\n")
    bad = unsafe_characters(text, multiline=True)
    if bad:
        check_text(text, "description", max(len(text), 1), multiline=True)
    return text


def check_tags(tags: Iterable[str]) -> list[str]:
    """Tags as stored (see ``check_tag``), repeats dropped, at most MAX_TAGS of them."""
    seen: dict[str, None] = {}
    for tag in tags:
        seen.setdefault(check_tag(tag), None)
    if len(seen) > MAX_TAGS:
        raise InvalidInput(f"A product can have at most {MAX_TAGS} tags, not {len(seen)}.")
    return list(seen)


_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
)


def image_kind(head: bytes) -> str | None:
    """PNG, JPEG, GIF or WebP by the file's first bytes, else None."""
    for magic, kind in _IMAGE_MAGIC:
        if head.startswith(magic):
            return kind
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    return None


def check_image(location: str, *, base: Path | None = None) -> str:
    """An image location as stored: an http(s) URL, or the absolute path of a local image file."""
    cleaned = _clean(location)
    if not cleaned:
        raise InvalidInput("An image location cannot be empty.")
    if len(cleaned) > 1000:
        raise InvalidInput("An image location can be at most 1000 characters long.")
    if "://" in cleaned:
        parsed = urlparse(cleaned)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise InvalidInput(f"The image {cleaned!r} is not an http(s) URL or a local file.")
        return cleaned
    path = Path(cleaned).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    path = path.resolve()
    if not path.is_file():
        raise InvalidInput(f"The image file {path} does not exist.")
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise InvalidInput(f"The image file {path} cannot be read ({exc.strerror}).") from exc
    if image_kind(head) is None:
        raise InvalidInput(f"The file {path} is not an image (PNG, JPEG, GIF or WebP by its content).")
    return str(path)


def _check_images(images: Iterable[str]) -> list[str]:
    checked: list[str] = []
    for image in images:
        value = check_image(image)
        if value not in checked:
            checked.append(value)
    if len(checked) > MAX_IMAGES:
        raise InvalidInput(f"A product can have at most {MAX_IMAGES} images, not {len(checked)}.")
    return checked


def check_option_names(names: Sequence[str]) -> list[str]:
    """Option names as stored: each one line of at most 40 characters, at most MAX_OPTIONS, no repeats."""
    cleaned = [required_text(n, "option name", 40) for n in names]
    if len(cleaned) > MAX_OPTIONS:
        raise InvalidInput(f"A product can have at most {MAX_OPTIONS} options, not {len(cleaned)}.")
    lowered = [n.lower() for n in cleaned]
    if len(set(lowered)) != len(lowered):
        raise InvalidInput(f"The option names {', '.join(cleaned)} repeat a name; each option needs its own.")
    return cleaned


def slugify(name: str) -> str:
    """``T-Shirts & Tops`` -> ``t-shirts-tops``; CJK characters are kept."""
    lowered = unicodedata.normalize("NFKC", name).lower()
    slug = re.sub(r"[^\w]+", "-", lowered).strip("-_")
    return slug[:100] or "category"


# ---------------------------------------------------------------- categories


def _category(session: Session, category_id: int) -> Category:
    row = session.get(Category, category_id)
    if row is None:
        raise NotFound(f"There is no category with id {category_id}. See 'shoptui category list'.")
    return row


def resolve_category(*, session: Session, ref: str | int) -> CategoryRead:
    """A category by id, slug, exact name, or full name (``Clothing > T-shirts``). Raises NotFound."""
    return _read_category(session, _resolve_category_row(session, ref))


def _resolve_category_row(session: Session, ref: str | int) -> Category:
    if isinstance(ref, int):
        return _category(session, ref)
    raw = _clean(ref)
    if not raw:
        raise InvalidInput("Name a category by its id, slug or name.")
    if raw.isdigit():
        row = session.get(Category, int(raw))
        if row is not None:
            return row
    row = session.execute(select(Category).where(Category.slug == raw.lower())).scalars().first()
    if row is not None:
        return row
    by_path = category_paths(session=session)
    matches = [cid for cid, full in by_path.items() if full.lower() == raw.lower()]
    if not matches:
        matches = [c.id for c in session.execute(select(Category).where(func.lower(Category.name) == raw.lower())).scalars()]
    if len(matches) == 1:
        return _category(session, matches[0])
    if len(matches) > 1:
        names = ", ".join(f"{by_path[m]} (id {m})" for m in matches[:5])
        raise InvalidInput(f"The category name {raw!r} is ambiguous: {names}. Use the full name or the id.")
    raise NotFound(f"There is no category {raw!r}. See 'shoptui category list' or create it with 'shoptui category add'.")


def category_paths(*, session: Session) -> dict[int, str]:
    """Every category's full name (``Clothing > T-shirts``) by id."""
    rows = session.execute(select(Category.id, Category.parent_id, Category.name)).all()
    by_id = {r.id: r for r in rows}
    cache: dict[int, str] = {}

    def full(cid: int) -> str:
        if cid not in cache:
            row = by_id[cid]
            cache[cid] = row.name if row.parent_id is None else full(row.parent_id) + CATEGORY_SEPARATOR + row.name
        return cache[cid]

    return {cid: full(cid) for cid in by_id}


def _read_category(session: Session, row: Category, full_name: str | None = None, count: int = 0) -> CategoryRead:
    assert row.id is not None
    if full_name is None:
        full_name = category_paths(session=session)[row.id]
    return CategoryRead(id=row.id, parent_id=row.parent_id, name=row.name, slug=row.slug, position=row.position,
                        path=row.path, depth=row.path.count("/") - 2, full_name=full_name, product_count=count)


def list_categories(*, session: Session) -> list[CategoryRead]:
    """The whole tree, depth first, siblings by position, with direct product counts."""
    rows = list(session.execute(select(Category)).scalars())
    counts = dict(session.execute(
        select(Product.category_id, func.count()).where(Product.category_id.is_not(None)).group_by(Product.category_id)
    ).all())
    names = category_paths(session=session)
    children: dict[int | None, list[Category]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    out: list[CategoryRead] = []

    def walk(parent: int | None) -> None:
        for child in sorted(children.get(parent, []), key=lambda c: (c.position, c.name, c.id or 0)):
            assert child.id is not None
            out.append(_read_category(session, child, names[child.id], counts.get(child.id, 0)))
            walk(child.id)

    walk(None)
    return out


def _check_category_name(session: Session, name: str, parent_id: int | None, exclude: int | None = None) -> str:
    cleaned = required_text(name, "category name", 100)
    if ">" in cleaned or "/" == cleaned:
        raise InvalidInput(f"The category name {cleaned!r} cannot contain '>' (it separates levels in full names).")
    query = select(Category.id).where(func.lower(Category.name) == cleaned.lower())
    query = query.where(Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id)
    if exclude is not None:
        query = query.where(Category.id != exclude)
    if session.execute(query).first() is not None:
        raise Conflict(f"There is already a category {cleaned!r} at that level; pick another name.")
    return cleaned


def _unique_slug(session: Session, wanted: str, exclude: int | None = None) -> str:
    base = slugify(wanted)
    slug, n = base, 1
    while True:
        query = select(Category.id).where(Category.slug == slug)
        if exclude is not None:
            query = query.where(Category.id != exclude)
        if session.execute(query).first() is None:
            return slug
        n += 1
        slug = f"{base}-{n}"


def create_category(*, session: Session, actor: Actor, name: str, parent_id: int | None = None,
                    slug: str | None = None, position: int | None = None) -> CategoryRead:
    """A new category at the top or under ``parent_id``; at the end of its siblings by default."""
    parent = _category(session, parent_id) if parent_id is not None else None
    cleaned = _check_category_name(session, name, parent_id)
    if slug is not None:
        wanted = slugify(slug)
        if session.execute(select(Category.id).where(Category.slug == wanted)).first() is not None:
            raise Conflict(f"The slug {wanted!r} is already used by another category; pick another.")
    else:
        wanted = _unique_slug(session, cleaned)
    siblings = _siblings(session, parent_id)
    if (parent.path.count("/") if parent else 1) > 30:
        raise InvalidInput("Categories can nest at most 30 levels deep.")
    row = Category(name=cleaned, slug=wanted, parent_id=parent_id, position=len(siblings), path="/")
    session.add(row)
    session.flush()
    row.path = f"{parent.path if parent else '/'}{row.id}/"
    if position is not None:
        _place(session, row, siblings, position)
    session.flush()
    audit.record(session=session, actor=actor, action="category.create", entity="category", entity_id=row.id,
                 summary=f"created category {cleaned}", after={"name": cleaned, "slug": wanted, "parent_id": parent_id})
    return _read_category(session, row)


def _siblings(session: Session, parent_id: int | None, exclude: int | None = None) -> list[Category]:
    query = select(Category).where(Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id)
    if exclude is not None:
        query = query.where(Category.id != exclude)
    return list(session.execute(query.order_by(Category.position, Category.name, Category.id)).scalars())


def _place(session: Session, row: Category, siblings: list[Category], position: int) -> None:
    if position < 0:
        raise InvalidInput(f"The position must be 0 or more, not {position}.")
    others = [s for s in siblings if s.id != row.id]
    others.insert(min(position, len(others)), row)
    for index, sibling in enumerate(others):
        sibling.position = index


def rename_category(*, session: Session, actor: Actor, category_id: int, name: str, slug: str | None = None) -> CategoryRead:
    """Give a category a new name (and slug when given)."""
    row = _category(session, category_id)
    before = {"name": row.name, "slug": row.slug}
    row.name = _check_category_name(session, name, row.parent_id, exclude=row.id)
    if slug is not None:
        wanted = slugify(slug)
        if session.execute(select(Category.id).where(Category.slug == wanted, Category.id != row.id)).first():
            raise Conflict(f"The slug {wanted!r} is already used by another category; pick another.")
        row.slug = wanted
    row.updated_at = clock.now()
    session.flush()
    audit.record(session=session, actor=actor, action="category.rename", entity="category", entity_id=row.id,
                 summary=f"renamed category {before['name']} to {row.name}", before=before,
                 after={"name": row.name, "slug": row.slug})
    return _read_category(session, row)


def move_category(*, session: Session, actor: Actor, category_id: int, parent_id: int | None,
                  position: int | None = None) -> CategoryRead:
    """Move a category (with everything under it) under another parent, or to the top with None."""
    row = _category(session, category_id)
    parent = _category(session, parent_id) if parent_id is not None else None
    if parent is not None and parent.path.startswith(row.path):
        where = "itself" if parent.id == row.id else f"its own subcategory {parent.name!r}"
        raise InvalidInput(f"The category {row.name!r} cannot move under {where}; pick a parent outside it.")
    _check_category_name(session, row.name, parent_id, exclude=row.id)
    before = {"parent_id": row.parent_id, "position": row.position, "path": row.path}
    old_path = row.path
    new_path = f"{parent.path if parent else '/'}{row.id}/"
    depth_after = max((p.count("/") for p in session.execute(
        select(Category.path).where(Category.path.startswith(old_path))).scalars()), default=0) - old_path.count("/") + new_path.count("/")
    if depth_after > 32:
        raise InvalidInput("Categories can nest at most 30 levels deep.")
    if row.parent_id != parent_id:
        old_siblings = _siblings(session, row.parent_id, exclude=row.id)
        for index, sibling in enumerate(old_siblings):
            sibling.position = index
        row.parent_id = parent_id
        session.flush()
        session.execute(
            update(Category).where(Category.path.startswith(old_path))
            .values(path=literal(new_path, String) + func.substr(Category.path, len(old_path) + 1, type_=String))
            .execution_options(synchronize_session=False)
        )
        session.expire_all()
        row = _category(session, category_id)
    siblings = _siblings(session, parent_id)
    _place(session, row, siblings, len(siblings) if position is None else position)
    row.updated_at = clock.now()
    session.flush()
    audit.record(session=session, actor=actor, action="category.move", entity="category", entity_id=row.id,
                 summary=f"moved category {row.name}", before=before,
                 after={"parent_id": row.parent_id, "position": row.position, "path": row.path})
    return _read_category(session, row)


def reorder_category(*, session: Session, actor: Actor, category_id: int, position: int) -> CategoryRead:
    """Put a category at ``position`` (0 = first) among its siblings."""
    row = _category(session, category_id)
    before = row.position
    _place(session, row, _siblings(session, row.parent_id), position)
    session.flush()
    audit.record(session=session, actor=actor, action="category.reorder", entity="category", entity_id=row.id,
                 summary=f"moved category {row.name} to position {row.position}",
                 before={"position": before}, after={"position": row.position})
    return _read_category(session, row)


def delete_category(*, session: Session, actor: Actor, category_id: int, move_to: int | None = None) -> str:
    """Delete an empty category, or move its products and children to ``move_to`` first.

    Returns a sentence saying what happened.
    """
    row = _category(session, category_id)
    children = _siblings(session, row.id)
    products = session.execute(select(func.count()).where(Product.category_id == row.id)).scalar_one()
    moved = ""
    if move_to is not None:
        target = _category(session, move_to)
        if target.path.startswith(row.path):
            raise InvalidInput(f"The products of {row.name!r} cannot move to {target.name!r}: it is the category "
                               "being deleted or inside it. Pick a category outside it.")
        now = clock.now()
        session.execute(update(Product).where(Product.category_id == row.id)
                        .values(category_id=target.id, updated_at=now, version=Product.version + 1)
                        .execution_options(synchronize_session=False))
        for child in children:
            assert child.id is not None
            move_category(session=session, actor=actor, category_id=child.id, parent_id=target.id)
        moved = f"; moved {products} products and {len(children)} subcategories to {target.name}"
    elif children or products:
        raise Conflict(
            f"The category {row.name!r} still holds {products} products and {len(children)} subcategories. "
            "Move them first, or delete with --move-to OTHER."
        )
    session.expire_all()
    row = _category(session, category_id)
    siblings = _siblings(session, row.parent_id, exclude=row.id)
    name = row.name
    session.delete(row)
    for index, sibling in enumerate(siblings):
        sibling.position = index
    session.flush()
    audit.record(session=session, actor=actor, action="category.delete", entity="category", entity_id=category_id,
                 summary=f"deleted category {name}{moved}",
                 before={"name": name, "parent_id": row.parent_id, "path": row.path}, after=None)
    return f"Deleted category {name}{moved}."


# ---------------------------------------------------------------- products: reading


def _product(session: Session, product_id: int, *, for_update: bool = False) -> Product:
    query = select(Product).where(Product.id == product_id)
    if for_update:
        query = query.with_for_update()
    row = session.execute(query).scalars().first()
    if row is None:
        raise NotFound(f"There is no product with id {product_id}. See 'shoptui product list'.")
    return row


def resolve_product(*, session: Session, ref: str | int) -> int:
    """A product id from an id, or from one of its SKUs or barcodes. Raises NotFound."""
    if isinstance(ref, int):
        return _product(session, ref).id  # type: ignore[return-value]
    raw = ascii_digits(_clean(ref))
    if not raw:
        raise InvalidInput("Name a product by its id, a SKU or a barcode.")
    found = session.execute(select(Variant.product_id).where(or_(Variant.sku == raw, Variant.barcode == raw))).scalar()
    if found is not None:
        return found
    if raw.lstrip("#").isdigit() and session.get(Product, int(raw.lstrip("#"))) is not None:
        return int(raw.lstrip("#"))
    raise NotFound(f"There is no product with the id, SKU or barcode {raw!r}. Try 'shoptui product search {raw}'.")


def _variant_read(row: Variant, title: str = "") -> VariantRead:
    data = {name: getattr(row, name) for name in VariantRead.model_fields if name != "product_title"}
    return VariantRead(product_title=title, **data)


def get_product(*, session: Session, product_id: int) -> ProductRead:
    """One product with category, tags, images, options and variants (four small queries)."""
    row = _product(session, product_id)
    tags = list(session.execute(select(ProductTag.tag).where(ProductTag.product_id == product_id)
                                .order_by(ProductTag.tag)).scalars())
    images = list(session.execute(select(ProductImage.location).where(ProductImage.product_id == product_id)
                                  .order_by(ProductImage.position)).scalars())
    variants = [_variant_read(v, row.title) for v in session.execute(
        select(Variant).where(Variant.product_id == product_id).order_by(Variant.position, Variant.id)).scalars()]
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


def _encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != size:
        raise InvalidInput(f"The cursor {cursor[:40]!r} is not one this list gave out; start again without --after.")
    return values




_LIST_COLUMNS: dict[str, Any] = {"title": func.lower(Product.title), "price": Product.min_price_minor,
                                 "updated": Product.updated_at, "created": None}
"""The sort column of each key; A-Z is case-insensitive (``lower(title)``, as its indexes in the model)."""
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
        conditions.append(Product.status == bindparam("status", type_=String))
    if category:
        conditions.append(Product.category_id.in_(
            select(Category.id).where(Category.path.startswith(bindparam("category_path", type_=String)))))
    if tag:
        conditions.append(exists().where(ProductTag.product_id == Product.id, ProductTag.tag == bindparam("tag", type_=String)))
    if after:
        last_id = bindparam("after_id", type_=Integer)
        if column is None:
            conditions.append(Product.id < last_id if descending else Product.id > last_id)
        else:
            after_value = bindparam("after_value", type_=String if key == "title" else column.type)
            if key == "title":  # the cursor holds the title; the database lowers both sides alike
                conditions.append(after_key(column, Product.id, func.lower(after_value), last_id,
                                            descending=descending))
            else:
                pair, bound = tuple_(column, Product.id), tuple_(after_value, last_id)
                conditions.append(pair < bound if descending else pair > bound)
    order = [Product.id.desc() if descending else Product.id.asc()]
    if column is not None:
        order.insert(0, column.desc() if descending else column.asc())
    first_sku = (select(Variant.sku).where(Variant.product_id == Product.id).order_by(Variant.position, Variant.id)
                 .limit(1).scalar_subquery())
    statement = (
        select(Product.id, Product.title, Product.status, Product.category_id, Category.name.label("category"),
               Product.brand, Product.variant_count, Product.min_price_minor, Product.max_price_minor,
               Product.version, Product.updated_at, first_sku.label("sku"))
        .select_from(Product).outerjoin(Category, Category.id == Product.category_id)
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
        params["category_path"] = _category(session, category_id).path
    if tag:
        params["tag"] = check_tag(tag)
    if after:
        if key == "created":
            (params["after_id"],) = _decode_cursor(after, 1)
        else:
            params["after_value"], params["after_id"] = _decode_cursor(after, 2)
            if key == "updated":
                try:
                    params["after_value"] = clock.ensure_utc(datetime.fromisoformat(params["after_value"]))
                except (TypeError, ValueError):
                    raise InvalidInput("The cursor is not one this list gave out; start again without --after.") from None
        if not isinstance(params["after_id"], int) or isinstance(params["after_id"], bool):
            raise InvalidInput(f"The cursor {after[:40]!r} is not one this list gave out; start again without --after.")
    query = _list_statement(key, descending, status=bool(status), category=category_id is not None, tag=bool(tag),
                            after=bool(after))
    if text and text.strip():  # every word must match (see _search_ids_query)
        ids, search_params = _search_ids_query(session, text)
        query = query.where(Product.id.in_(ids))
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
            next_after = _encode_cursor([last.id])
        elif key == "updated":
            next_after = _encode_cursor([last.updated_at.isoformat(), last.id])
        else:
            next_after = _encode_cursor([getattr(last, "min_price_minor" if key == "price" else key), last.id])
    return Page(items=items, next_after=next_after)


def count_products(*, session: Session, status: str | None = None) -> int:
    """How many products (of one status, when given)."""
    query = select(func.count()).select_from(Product)
    if status:
        query = query.where(Product.status == check_status(status))
    return session.execute(query).scalar_one()


# ---------------------------------------------------------------- variants: reading


def find_variant(*, session: Session, code: str) -> VariantRead:
    """A variant by SKU or barcode (what a scanner or a person types). Raises NotFound."""
    raw = ascii_digits(_clean(code))
    if not raw:
        raise InvalidInput("Give a SKU or a barcode.")
    row = session.execute(
        select(Variant, Product.title).join(Product, Product.id == Variant.product_id)
        .where(or_(Variant.sku == raw, Variant.barcode == raw)).order_by((Variant.sku == raw).desc()).limit(1)
    ).first()
    if row is None:
        raise NotFound(f"No variant has the SKU or barcode {raw!r}. Check the code or search with 'shoptui product search'.")
    return _variant_read(row[0], row[1])


def get_variant_by_sku(*, session: Session, sku: str) -> VariantRead:
    """A variant by its exact SKU. Raises NotFound."""
    raw = _clean(sku)
    row = session.execute(
        select(Variant, Product.title).join(Product, Product.id == Variant.product_id).where(Variant.sku == raw)
    ).first()
    if row is None:
        raise NotFound(f"There is no variant with the SKU {raw!r}. See 'shoptui variant list'.")
    return _variant_read(row[0], row[1])


def get_variants(*, session: Session, variant_ids: Sequence[int]) -> dict[int, VariantRead]:
    """Many variants by id in one query (for other modules' lists)."""
    if not variant_ids:
        return {}
    rows = session.execute(select(Variant, Product.title).join(Product, Product.id == Variant.product_id)
                           .where(Variant.id.in_(list(variant_ids)))).all()
    return {v.id: _variant_read(v, title) for v, title in rows}


def list_variants(*, session: Session, product_id: int | None = None, after: str | None = None,
                  limit: int = 100) -> Page[VariantRead]:
    """Variants by SKU (of one product, when given), keyset-paged."""
    limit = clamp_limit(limit)
    query = select(Variant, Product.title).join(Product, Product.id == Variant.product_id)
    if product_id is not None:
        _product(session, product_id)
        query = query.where(Variant.product_id == product_id)
    if after:
        (last,) = _decode_cursor(after, 1)
        query = query.where(Variant.sku > str(last))
    rows = session.execute(query.order_by(Variant.sku).limit(limit + 1)).all()
    items = [_variant_read(v, title) for v, title in rows[:limit]]
    return Page(items=items, next_after=_encode_cursor([items[-1].sku]) if len(rows) > limit else None)


def tracked_variant_ids(*, session: Session, product_ids: Sequence[int]) -> dict[int, list[int]]:
    """The ids of the stock-tracked variants of each product, in one query (for stock columns of lists)."""
    ids = list(dict.fromkeys(product_ids))
    if not ids:
        return {}
    found: dict[int, list[int]] = {}
    for product_id, variant_id in session.execute(
            select(Variant.product_id, Variant.id).where(Variant.product_id.in_(ids), Variant.track_stock.is_(True))
            .order_by(Variant.product_id, Variant.position, Variant.id)):
        found.setdefault(product_id, []).append(variant_id)
    return found


# ---------------------------------------------------------------- history (from other modules)


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


# ---------------------------------------------------------------- products: writing


def product_snapshot(row: Product, tags: list[str], images: list[str]) -> dict[str, Any]:
    """The product's fields as the audit log records them before and after a change."""
    return {"title": row.title, "description": row.description, "status": row.status, "category_id": row.category_id,
            "brand": row.brand, "option_names": [n for n in (row.option1_name, row.option2_name, row.option3_name) if n],
            "tags": tags, "images": images}


def _variant_snapshot(row: Variant) -> dict[str, Any]:
    return {name: getattr(row, name) for name in ("sku", "barcode", "option1", "option2", "option3", "price_minor",
                                                  "compare_at_minor", "cost_minor", "weight_g", "track_stock")}


def _check_variant_input(data: VariantInput, option_count: int, pattern: str,
                         kept_barcode: str | None = None) -> dict[str, Any]:
    """The variant as stored; a barcode it already had (``kept_barcode``) is kept as it is."""
    values = [data.option1, data.option2, data.option3]
    cleaned_options: list[str | None] = []
    for index, value in enumerate(values):
        if index < option_count:
            cleaned_options.append(required_text(value, f"value of option {index + 1} for SKU {data.sku}", 60))
        else:
            if _clean(value):
                raise InvalidInput(f"The SKU {data.sku} has a value for option {index + 1}, but the product has "
                                   f"only {option_count} options.")
            cleaned_options.append(None)
    sku = check_sku(data.sku)
    return {
        "sku": sku,
        "barcode": kept_barcode if kept_barcode and data.barcode == kept_barcode else check_barcode(data.barcode, pattern),
        "option1": cleaned_options[0], "option2": cleaned_options[1], "option3": cleaned_options[2],
        "price_minor": _check_minor(data.price_minor, f"price of {sku}", required=True),
        "compare_at_minor": _check_minor(data.compare_at_minor, f"compare-at price of {sku}"),
        "cost_minor": _check_minor(data.cost_minor, f"cost of {sku}"),
        "weight_g": _check_weight(data.weight_g), "track_stock": bool(data.track_stock),
    }


def _check_codes_free(session: Session, rows: list[dict[str, Any]], exclude_ids: Sequence[int] = ()) -> None:
    """Refuse SKUs and barcodes used twice in ``rows`` or already used by other variants."""
    seen_sku: set[str] = set()
    seen_barcode: set[str] = set()
    for row in rows:
        if row["sku"] in seen_sku:
            raise Conflict(f"The SKU {row['sku']} is given twice; every variant needs its own SKU.")
        seen_sku.add(row["sku"])
        if row.get("barcode"):
            if row["barcode"] in seen_barcode:
                raise Conflict(f"The barcode {row['barcode']} is given twice; every variant needs its own barcode.")
            seen_barcode.add(row["barcode"])
    clauses = []
    if seen_sku:
        clauses.append(Variant.sku.in_(seen_sku))
    if seen_barcode:
        clauses.append(Variant.barcode.in_(seen_barcode))
    if not clauses:
        return
    query = select(Variant.id, Variant.sku, Variant.barcode, Product.title).join(Product, Product.id == Variant.product_id).where(or_(*clauses))
    if exclude_ids:
        query = query.where(Variant.id.not_in(list(exclude_ids)))
    for hit in session.execute(query.limit(1)):
        if hit.sku in seen_sku:
            raise Conflict(f"The SKU {hit.sku} is already used by {hit.title!r}. Pick another SKU.")
        raise Conflict(f"The barcode {hit.barcode} is already used by {hit.sku} ({hit.title!r}). Check the barcode.")


def _check_combinations(rows: list[dict[str, Any]], option_count: int) -> None:
    if option_count == 0:
        if len(rows) != 1:
            raise InvalidInput(f"A product without options has exactly one variant, not {len(rows)}; "
                               "name the options (e.g. Size) to have several.")
        return
    seen: dict[tuple[Any, ...], str] = {}
    for row in rows:
        combo = tuple((row[f"option{i}"] or "").lower() for i in (1, 2, 3))
        if combo in seen:
            values = " / ".join(v for v in (row["option1"], row["option2"], row["option3"]) if v)
            raise Conflict(f"The SKUs {seen[combo]} and {row['sku']} have the same options ({values}); "
                           "each combination needs one variant.")
        seen[combo] = row["sku"]


def search_line(product_id: int, title: str, brand: str | None, tags: Iterable[str], skus: Iterable[str],
                barcodes: Iterable[str | None]) -> dict[str, Any]:
    """The lower-cased search row of one product: words in ``text``, SKUs and barcodes in ``codes``,
    and the character pairs of ``text`` in ``grams`` (see ``search_grams``)."""
    words = _search_text(title, brand, tags)
    codes = " ".join([*skus, *(b for b in barcodes if b)]).casefold()
    return {"product_id": product_id, "text": words, "codes": codes, "grams": search_grams(words)}


SearchRow = tuple[int, str, str, str]  # product_id, text, codes, grams: a row of product_search


def search_rows(products: Iterable[tuple[int, str, str | None, Iterable[str], Iterable[str], Iterable[str | None]]]
                ) -> list[SearchRow]:
    """``search_line`` for many products (id, title, brand, tags, SKUs, barcodes) at once, as
    ``(product_id, text, codes, grams)``; the grams of all texts are built in one pass."""
    ids: list[int] = []
    texts: list[str] = []
    codes: list[str] = []
    for product_id, title, brand, tags, skus, barcodes in products:
        ids.append(product_id)
        texts.append(_search_text(title, brand, tags))
        codes.append(" ".join([*skus, *filter(None, barcodes)]).casefold())
    return list(zip(ids, texts, codes, _search_grams_many(texts), strict=True))


def _search_text(title: str, brand: str | None, tags: Iterable[str]) -> str:
    return " ".join(f"{title} {brand or ''} {' '.join(tags)}".split()).casefold()


def search_grams(words: str) -> str:
    """What the 1-2 character index holds for a search text: every character with the one after it.

    ``"ab cd"`` gives ``"ab b   c cd d "``: the index splits on spaces only, so the tokens are the
    pairs ``ab`` and ``cd`` and the single characters before a space or the end (``b``, ``c``, ``d``).
    Every character thus starts a token: a 1-character term is a prefix query, a 2-character term
    an exact token, and neither needs a scan.
    """
    return " ".join(map(operator.add, words, words[1:] + " "))


def _search_grams_many(texts: list[str]) -> list[str]:
    """``search_grams`` of every text (none holds a line break: ``_search_text`` splits on all
    whitespace), built in one pass over all of them instead of one string per character.

    The texts are joined by line breaks into one string ``b``; every character of ``b`` gives a
    triple (the character, the one after it with a line break read as a space, a space), laid
    out by strided copies over code units (UTF-16 when every character fits in two bytes, as
    CJK does, else UTF-32). Splitting the result at the line breaks gives
    each text's grams plus a trailing space, and for every text after the first the two
    characters of the separator's own triple in front.
    """
    if len(texts) < 64:
        return [search_grams(t) for t in texts]
    joined = "\n".join(texts)
    following = joined[1:].replace("\n", " ") + " "
    try:
        units = joined.encode("utf-16-le")
        # two bytes a character when every one is in the Basic Multilingual Plane (CJK included), else four
        codec, kind = ("utf-16-le", "H") if len(units) == 2 * len(joined) else ("utf-32-le", "I")
        first = array(kind, units if kind == "H" else joined.encode(codec))
        second = array(kind, following.encode(codec))
    except UnicodeEncodeError:  # a lone surrogate: one text at a time
        return [search_grams(t) for t in texts]
    out = array(kind, " ".encode(codec)) * (3 * len(first))
    out[0::3] = first
    out[1::3] = second
    pieces = out.tobytes().decode(codec).split("\n")
    return [pieces[0][:-1], *(piece[2:-1] for piece in pieces[1:])]


_FTS_TABLES = ("product_search_fts", "product_search_grams")
FTS_BIG_FEED = 10_000  # new lines from which the FTS indexes buffer more before writing a segment
_FTS_BIG_HASH = 32 * 1024 * 1024  # bytes of pending index data FTS5 keeps in memory during a big feed
_FTS_DEFAULT_HASH = 1024 * 1024  # FTS5's own default


def insert_search_lines(*, session: Session, lines: list[SearchRow]) -> None:
    """Insert new search rows (from ``search_rows``) and index them.

    The one place lines are inserted. On SQLite the FTS5 index is fed by one INSERT ... SELECT
    per chunk (updates and deletes are followed by triggers); PostgreSQL's GIN index needs nothing.
    A big feed lets FTS5 buffer 32 MiB of index data instead of 1 MiB before it writes a segment
    (fewer, larger segments: a third less work for the trigram index), and puts the default back
    afterwards, all inside the caller's transaction.
    """
    if not lines:
        return
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    insert_rows(conn, ProductSearch.__table__, ("product_id", "text", "codes", "grams"),  # type: ignore[attr-defined]
                lines if sqlite else [(product_id, text_value, codes, "") for product_id, text_value, codes, _ in lines])
    if not sqlite:
        return
    ids = sorted(line[0] for line in lines)
    feeds = ("INSERT INTO product_search_fts(rowid, text, codes) SELECT product_id, text, codes FROM product_search ",
             "INSERT INTO product_search_grams(rowid, grams) SELECT product_id, grams FROM product_search ")
    big = len(ids) >= FTS_BIG_FEED and _fts_hash_size(conn, _FTS_BIG_HASH)
    if ids[-1] - ids[0] + 1 == len(ids):
        for feed in feeds:
            conn.exec_driver_sql(feed + "WHERE product_id BETWEEN ? AND ?", (ids[0], ids[-1]))
    else:
        for start in range(0, len(ids), 500):
            marks = ",".join(str(int(i)) for i in ids[start:start + 500])
            for feed in feeds:
                conn.exec_driver_sql(feed + f"WHERE product_id IN ({marks})")
    if big:
        _fts_hash_size(conn, _FTS_DEFAULT_HASH)


def _fts_hash_size(conn: Any, size: int) -> bool:
    """Set FTS5's ``hashsize`` of both search indexes; False when this SQLite does not know it."""
    for name in _FTS_TABLES:
        try:
            conn.exec_driver_sql(f"INSERT INTO {name}({name}, rank) VALUES ('hashsize', ?)", (size,))
        except DBAPIError:  # an SQLite without the option: the statement alone is undone
            return False
    return True


def refresh_products(*, session: Session, product_ids: Iterable[int]) -> None:
    """Recompute the kept-in-step columns (variant count, price range) and search lines."""
    ids = sorted(set(product_ids))
    for start in range(0, len(ids), 500):
        _refresh_chunk(session, ids[start:start + 500])


def _refresh_chunk(session: Session, ids: list[int]) -> None:
    stats = {r.product_id: r for r in session.execute(
        select(Variant.product_id, func.count().label("n"), func.min(Variant.price_minor).label("lo"),
               func.max(Variant.price_minor).label("hi")).where(Variant.product_id.in_(ids)).group_by(Variant.product_id))}
    codes: dict[int, tuple[list[str], list[str | None]]] = {}
    for pid, sku, barcode in session.execute(select(Variant.product_id, Variant.sku, Variant.barcode)
                                             .where(Variant.product_id.in_(ids)).order_by(Variant.position, Variant.id)):
        entry = codes.setdefault(pid, ([], []))
        entry[0].append(sku)
        entry[1].append(barcode)
    tags: dict[int, list[str]] = {}
    for pid, tag in session.execute(select(ProductTag.product_id, ProductTag.tag).where(ProductTag.product_id.in_(ids))
                                    .order_by(ProductTag.tag)):
        tags.setdefault(pid, []).append(tag)
    products = session.execute(select(Product.id, Product.title, Product.brand).where(Product.id.in_(ids))).all()
    session.flush()
    session.execute(delete(ProductSearch).where(ProductSearch.product_id.in_(ids)))
    if products:
        insert_search_lines(session=session, lines=search_rows(
            (p.id, p.title, p.brand, tags.get(p.id, []), *codes.get(p.id, ([], []))) for p in products))
    for p in products:
        stat = stats.get(p.id)
        session.execute(update(Product).where(Product.id == p.id).values(
            variant_count=stat.n if stat else 0, min_price_minor=stat.lo if stat else None,
            max_price_minor=stat.hi if stat else None).execution_options(synchronize_session=False))
    session.expire_all()


def set_tags(session: Session, product_id: int, tags: list[str]) -> None:
    """Replace the product's tags with ``tags`` (already checked)."""
    session.execute(delete(ProductTag).where(ProductTag.product_id == product_id))
    if tags:
        session.execute(insert(ProductTag), [{"product_id": product_id, "tag": t} for t in tags])


def set_images(session: Session, product_id: int, images: list[str]) -> None:
    """Replace the product's images with ``images`` (already checked), in that order."""
    session.execute(delete(ProductImage).where(ProductImage.product_id == product_id))
    if images:
        session.execute(insert(ProductImage), [{"product_id": product_id, "position": i, "location": loc}
                                               for i, loc in enumerate(images)])


def tags_and_images(session: Session, product_id: int) -> tuple[list[str], list[str]]:
    """The product's tags (sorted) and image locations (in order), as stored."""
    tags = list(session.execute(select(ProductTag.tag).where(ProductTag.product_id == product_id).order_by(ProductTag.tag)).scalars())
    images = list(session.execute(select(ProductImage.location).where(ProductImage.product_id == product_id)
                                  .order_by(ProductImage.position)).scalars())
    return tags, images


def create_product(*, session: Session, actor: Actor, data: ProductCreate) -> ProductRead:
    """A new product with its variants, tags and images. Raises InvalidInput, Conflict, NotFound."""
    title = required_text(data.title, "title", 200)
    status = check_status(data.status)
    if data.category_id is not None:
        _category(session, data.category_id)
    names = check_option_names(data.option_names)
    tags = check_tags(data.tags)
    images = _check_images(data.images)
    if not data.variants:
        raise InvalidInput(f"The product {title!r} needs at least one variant with a SKU.")
    if len(data.variants) > MAX_VARIANTS:
        raise InvalidInput(f"A product can have at most {MAX_VARIANTS} variants, not {len(data.variants)}.")
    pattern = barcode_pattern(session)
    rows = [_check_variant_input(v, len(names), pattern) for v in data.variants]
    _check_combinations(rows, len(names))
    _check_codes_free(session, rows)
    now = clock.now()
    product = Product(title=title, description=clean_description(data.description), status=status,
                      category_id=data.category_id, brand=optional_text(data.brand, "brand", 100),
                      option1_name=names[0] if len(names) > 0 else None, option2_name=names[1] if len(names) > 1 else None,
                      option3_name=names[2] if len(names) > 2 else None, created_at=now, updated_at=now)
    session.add(product)
    session.flush()
    assert product.id is not None
    session.execute(insert(Variant), [dict(row, product_id=product.id, position=i, created_at=now, updated_at=now)
                                      for i, row in enumerate(rows)])
    set_tags(session, product.id, tags)
    set_images(session, product.id, images)
    refresh_products(session=session, product_ids=[product.id])
    after = product_snapshot(product, tags, images)
    after["variants"] = [r["sku"] for r in rows]
    audit.record(session=session, actor=actor, action="product.create", entity="product", entity_id=product.id,
                 summary=f"created product {title} ({', '.join(r['sku'] for r in rows[:5])})", after=after)
    return get_product(session=session, product_id=product.id)


def _check_version(row: Product, expect_version: int | None) -> None:
    if expect_version is not None and row.version != expect_version:
        raise Conflict(
            f"The product {row.title!r} was changed by someone else since you opened it (it is now at version "
            f"{row.version}, you had {expect_version}). Reload it and make your change again."
        )


def _touch(row: Product) -> None:
    row.version += 1
    row.updated_at = clock.now()


def update_product(*, session: Session, actor: Actor, product_id: int, patch: ProductUpdate,
                   expect_version: int | None = None) -> ProductRead:
    """Change a product's fields; refused with Conflict when it changed since ``expect_version``."""
    row = _product(session, product_id, for_update=True)
    _check_version(row, expect_version)
    tags, images = tags_and_images(session, product_id)
    before = product_snapshot(row, tags, images)
    fields = patch.model_fields_set
    if "title" in fields:
        row.title = required_text(patch.title, "title", 200)
    if "description" in fields:
        row.description = clean_description(patch.description)
    if "status" in fields:
        row.status = check_status(patch.status)
    if "category_id" in fields:
        if patch.category_id is not None:
            _category(session, patch.category_id)
        row.category_id = patch.category_id
    if "brand" in fields:
        row.brand = optional_text(patch.brand, "brand", 100)
    if "option_names" in fields and patch.option_names is not None:
        names = check_option_names(patch.option_names)
        current = [n for n in (row.option1_name, row.option2_name, row.option3_name) if n]
        if len(names) != len(current):
            raise InvalidInput(f"The product has {len(current)} options; renaming keeps their number. Use "
                               "'shoptui variant generate' to add options.")
        row.option1_name, row.option2_name, row.option3_name = (names + [None, None, None])[:3]  # type: ignore[assignment]
    new_tags = tags
    if "tags" in fields and patch.tags is not None:
        new_tags = check_tags(patch.tags)
    if patch.add_tags or patch.remove_tags:
        removing = set(check_tags(patch.remove_tags))
        new_tags = check_tags([t for t in new_tags if t not in removing] + patch.add_tags)
    new_tags = sorted(new_tags)
    new_images = images
    if "images" in fields and patch.images is not None:
        new_images = _check_images(patch.images)
    after = product_snapshot(row, new_tags, new_images)
    if after == before:
        return get_product(session=session, product_id=product_id)
    if new_tags != tags:
        set_tags(session, product_id, new_tags)
    if new_images != images:
        set_images(session, product_id, new_images)
    _touch(row)
    session.flush()
    refresh_products(session=session, product_ids=[product_id])
    audit.record(session=session, actor=actor, action="product.update", entity="product", entity_id=product_id,
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
    row = _product(session, product_id, for_update=True)
    _check_version(row, expect_version)
    variant_ids = list(session.execute(select(Variant.id).where(Variant.product_id == product_id)).scalars())
    used = variants_with_history(session=session, variant_ids=variant_ids)
    if used:
        skus = ", ".join(session.execute(select(Variant.sku).where(Variant.id.in_(used)).order_by(Variant.sku)).scalars())
        raise NotAllowed(f"The product {row.title!r} has history (stock movements or orders for {skus}), so it cannot "
                         f"be deleted. Archive it instead: shoptui product archive {product_id}")
    tags, images = tags_and_images(session, product_id)
    before = product_snapshot(row, tags, images)
    before["variants"] = list(session.execute(select(Variant.sku).where(Variant.product_id == product_id)).scalars())
    title = row.title
    try:
        with session.begin_nested():
            session.execute(delete(Variant).where(Variant.product_id == product_id))
            session.execute(delete(ProductSearch).where(ProductSearch.product_id == product_id))
            session.execute(delete(ProductTag).where(ProductTag.product_id == product_id))
            session.execute(delete(ProductImage).where(ProductImage.product_id == product_id))
            session.execute(delete(Product).where(Product.id == product_id))
    except IntegrityError:
        raise NotAllowed(f"The product {title!r} is still referenced elsewhere (stock, orders or purchases), so it "
                         f"cannot be deleted. Archive it instead: shoptui product archive {product_id}") from None
    session.expire_all()
    audit.record(session=session, actor=actor, action="product.delete", entity="product", entity_id=product_id,
                 summary=f"deleted product {title}", before=before, after=None)
    return f"Deleted product {title} (id {product_id}) and its {len(before['variants'])} variants."


# ---------------------------------------------------------------- variants: writing


def _variant_by_sku(session: Session, sku: str) -> Variant:
    raw = _clean(sku)
    row = session.execute(select(Variant).where(Variant.sku == raw)).scalars().first()
    if row is None:
        raise NotFound(f"There is no variant with the SKU {raw!r}. See 'shoptui variant list'.")
    return row


def add_variant(*, session: Session, actor: Actor, product_id: int, data: VariantInput,
                expect_version: int | None = None) -> VariantRead:
    """Add a variant to a product that has options (a product without options has one)."""
    product = _product(session, product_id, for_update=True)
    _check_version(product, expect_version)
    names = [n for n in (product.option1_name, product.option2_name, product.option3_name) if n]
    if not names:
        raise InvalidInput(f"The product {product.title!r} has no options, so it has exactly one variant. "
                           "Give it options first: shoptui variant generate.")
    row = _check_variant_input(data, len(names), barcode_pattern(session))
    existing = [_variant_snapshot(v) for v in session.execute(select(Variant).where(Variant.product_id == product_id)).scalars()]
    if len(existing) >= MAX_VARIANTS:
        raise InvalidInput(f"A product can have at most {MAX_VARIANTS} variants.")
    _check_combinations(existing + [row], len(names))
    _check_codes_free(session, [row])
    now = clock.now()
    position = (session.execute(select(func.max(Variant.position)).where(Variant.product_id == product_id)).scalar() or 0) + 1
    variant = Variant(**row, product_id=product_id, position=position, created_at=now, updated_at=now)
    session.add(variant)
    _touch(product)
    session.flush()
    refresh_products(session=session, product_ids=[product_id])
    audit.record(session=session, actor=actor, action="variant.create", entity="variant", entity_id=variant.sku,
                 summary=f"added variant {variant.sku} to {product.title}", after=_variant_snapshot(variant))
    return get_variant_by_sku(session=session, sku=row["sku"])


def update_variant(*, session: Session, actor: Actor, sku: str, patch: VariantUpdate,
                   expect_version: int | None = None) -> VariantRead:
    """Change one variant (keyed by SKU); ``expect_version`` is its product's version."""
    row = _variant_by_sku(session, sku)
    product = _product(session, row.product_id, for_update=True)
    _check_version(product, expect_version)
    before = _variant_snapshot(row)
    merged = VariantInput(**{**before, **patch.model_dump(exclude_unset=True)})
    names = [n for n in (product.option1_name, product.option2_name, product.option3_name) if n]
    cleaned = _check_variant_input(merged, len(names), barcode_pattern(session), kept_barcode=before["barcode"])
    if cleaned == before:
        return get_variant_by_sku(session=session, sku=row.sku)
    others = [_variant_snapshot(v) for v in session.execute(
        select(Variant).where(Variant.product_id == row.product_id, Variant.id != row.id)).scalars()]
    if names:
        _check_combinations(others + [cleaned], len(names))
    _check_codes_free(session, [cleaned], exclude_ids=[row.id])  # type: ignore[list-item]
    for key, value in cleaned.items():
        setattr(row, key, value)
    row.updated_at = clock.now()
    _touch(product)
    session.flush()
    refresh_products(session=session, product_ids=[row.product_id])
    audit.record(session=session, actor=actor, action="variant.update", entity="variant", entity_id=cleaned["sku"],
                 summary=f"edited variant {before['sku']}", before=before, after=cleaned)
    return get_variant_by_sku(session=session, sku=cleaned["sku"])


def delete_variant(*, session: Session, actor: Actor, sku: str, expect_version: int | None = None) -> str:
    """Delete a variant without history; never the last one of its product."""
    row = _variant_by_sku(session, sku)
    product = _product(session, row.product_id, for_update=True)
    _check_version(product, expect_version)
    if variants_with_history(session=session, variant_ids=[row.id]):  # type: ignore[list-item]
        raise NotAllowed(f"The variant {row.sku} has stock movements or orders, so it cannot be deleted; "
                         "archive its product instead.")
    if product.variant_count <= 1:
        raise NotAllowed(f"{row.sku} is the only variant of {product.title!r}; delete the product instead.")
    before = _variant_snapshot(row)
    session.delete(row)
    _touch(product)
    session.flush()
    refresh_products(session=session, product_ids=[product.id])  # type: ignore[list-item]
    audit.record(session=session, actor=actor, action="variant.delete", entity="variant", entity_id=before["sku"],
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
    product = _product(session, product_id, for_update=True)
    _check_version(product, expect_version)
    names = check_option_names([o.name for o in options])
    if not names:
        raise InvalidInput("Give at least one option with values, e.g. --option 'Size=S,M,L'.")
    value_lists: list[list[str]] = []
    for option, name in zip(options, names, strict=True):
        values: list[str] = []
        for value in option.values:
            cleaned = required_text(value, f"value of {name}", 60)
            if cleaned.lower() not in (v.lower() for v in values):
                values.append(cleaned)
        if not values:
            raise InvalidInput(f"The option {name} needs at least one value.")
        value_lists.append(values)
    combos = list(itertools.product(*value_lists))
    if len(combos) > MAX_VARIANTS:
        raise InvalidInput(f"{' x '.join(str(len(v)) for v in value_lists)} = {len(combos)} combinations; "
                           f"at most {MAX_VARIANTS} variants are allowed.")
    current = [n for n in (product.option1_name, product.option2_name, product.option3_name) if n]
    variants = list(session.execute(select(Variant).where(Variant.product_id == product_id)
                                    .order_by(Variant.position, Variant.id)).scalars())
    if current and [n.lower() for n in current] != [n.lower() for n in names[:len(current)]]:
        raise InvalidInput(f"The product's options are {', '.join(current)}; keep them in that order and add new "
                           "ones after them.")
    added_options = len(names) - len(current)
    if added_options < 0:
        raise InvalidInput(f"The product has the options {', '.join(current)}; give values for all of them.")
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
    _check_minor(default_price, "price", required=True)
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
    _check_codes_free(session, new_rows)
    product.option1_name, product.option2_name, product.option3_name = (names + [None, None, None])[:3]  # type: ignore[assignment]
    removed: list[str] = []
    kept: list[str] = []
    if prune:
        offered = {tuple(v.lower() for v in combo) for combo in combos}
        stale = [v for key, v in existing.items() if key not in offered]
        used = variants_with_history(session=session, variant_ids=[v.id for v in stale])  # type: ignore[misc]
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
    _touch(product)
    session.flush()
    refresh_products(session=session, product_ids=[product_id])
    audit.record(session=session, actor=actor, action="variant.generate", entity="product", entity_id=product_id,
                 summary=f"generated {len(new_rows)} variants for {product.title}",
                 before={"option_names": current, "removed": removed},
                 after={"option_names": names, "created": [r["sku"] for r in new_rows]})
    return GenerateResult(product=get_product(session=session, product_id=product_id),
                          created=[r["sku"] for r in new_rows], removed=removed, kept_with_history=kept)


# ---------------------------------------------------------------- bulk actions


def _plan_bulk(session: Session, product_ids: Sequence[int], action: BulkAction) -> tuple[BulkResult, list[Any]]:
    ids = sorted(set(product_ids))
    if not ids:
        raise InvalidInput("Select at least one product for a bulk change.")
    if len(ids) > 10_000:
        raise InvalidInput(f"A bulk change takes at most 10,000 products at once, not {len(ids)}.")
    products = {p.id: p for p in session.execute(select(Product).where(Product.id.in_(ids))).scalars()}
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
            _category(session, action.category_id)
        for pid in ids:
            if products[pid].category_id != action.category_id:
                changes.append(BulkChange(product_id=pid, title=products[pid].title, field="category",
                                          before=names.get(products[pid].category_id),  # type: ignore[arg-type]
                                          after=names.get(action.category_id)))  # type: ignore[arg-type]
    elif action.kind in ("add_tag", "remove_tag"):
        tag = check_tag(action.tag or "")
        tagged = set(session.execute(select(ProductTag.product_id).where(ProductTag.tag == tag,
                                                                         ProductTag.product_id.in_(ids))).scalars())
        counts = dict(session.execute(select(ProductTag.product_id, func.count()).where(ProductTag.product_id.in_(ids))
                                      .group_by(ProductTag.product_id)).all())
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
        for variant in session.execute(select(Variant).where(Variant.product_id.in_(ids))
                                       .order_by(Variant.product_id, Variant.position)).scalars():
            new = rounding.adjust_price(variant.price_minor, delta_minor=action.delta_minor, delta_bp=action.delta_bp,
                                       field=f"price of {variant.sku}")
            _check_minor(new, f"price of {variant.sku}")
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
        session.execute(update(Product).where(Product.id.in_(changed)).values(status=check_status(action.status)))
    elif action.kind == "category":
        session.execute(update(Product).where(Product.id.in_(changed)).values(category_id=action.category_id))
    elif action.kind == "add_tag":
        session.execute(insert(ProductTag), [{"product_id": pid, "tag": check_tag(action.tag or "")} for pid in changed])
    elif action.kind == "remove_tag":
        session.execute(delete(ProductTag).where(ProductTag.tag == check_tag(action.tag or ""),
                                                 ProductTag.product_id.in_(changed)))
    else:
        for variant, new in ops:
            variant.price_minor = new
            variant.updated_at = now
    session.execute(update(Product).where(Product.id.in_(changed))
                    .values(version=Product.version + 1, updated_at=now).execution_options(synchronize_session=False))
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


# ---------------------------------------------------------------- search


_FTS = table("product_search_fts", column("rowid", Integer), column("product_search_fts"))  # SQLite only


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


_GRAMS = table("product_search_grams", column("rowid", Integer), column("product_search_grams"))  # SQLite only


def _gram_query(word: str) -> str:
    """The gram-index query for a word of 1-2 characters (see ``search_grams``)."""
    return _fts_phrase(word) + ("*" if len(word) == 1 else "")


_SEARCH_STATEMENTS: dict[tuple[Any, ...], Any] = {}
_SEARCH_LIMITED: dict[Any, Any] = {}  # the same statements with a bound LIMIT, for search_products


def _search_ids_query(session: Session, text_value: str, *, bounded: bool = False) -> tuple[Any, dict[str, Any]]:
    """A SELECT of product ids whose search row contains every word of ``text_value``, and its values.

    On SQLite every word is served by an index: words of 3+ characters by the trigram index over
    titles, brands, tags, SKUs and barcodes, words of 1-2 characters by the gram index over
    titles, brands and tags (a lone short word also finds SKUs and barcodes that start with it, by
    their own indexes). On PostgreSQL pg_trgm serves 3+ characters; shorter words scan ``text``.
    The statement depends only on the shape of the words (how many, which are short), so it is
    built once per shape and the words go in as bound values.
    """
    words = [w for w in text_value.casefold().split() if w][:8]
    dialect = session.get_bind().dialect.name
    long_words = [w for w in words if len(w) >= 3]
    short_words = [w for w in words if len(w) < 3]
    sqlite = dialect == "sqlite"
    lone_short = len(words) == 1 and not long_words
    params: dict[str, Any] = {}
    if not words:
        shape: tuple[Any, ...] = ("none",)
    elif sqlite and long_words:
        shape = ("trigram", len(short_words))
        params["long_match"] = " AND ".join(_fts_phrase(w) for w in long_words)
        params.update({f"w{i}": w for i, w in enumerate(short_words)})
    elif sqlite:
        shape = ("grams", lone_short, bounded)
        params["gram_match"] = " AND ".join(_gram_query(w) for w in words)
    else:
        shape = ("like", len(words), lone_short, bounded)
        for i, word in enumerate(words):
            params[f"w{i}"] = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if lone_short:
        raw = text_value.strip()
        params.update(code_lo=raw, code_hi=raw + "\U0010ffff", code_upper_lo=raw.upper(),
                      code_upper_hi=raw.upper() + "\U0010ffff")
    statement = _SEARCH_STATEMENTS.get(shape)
    if statement is None:
        statement = _SEARCH_STATEMENTS[shape] = _build_search_ids(shape)
    return statement, params


def _build_search_ids(shape: tuple[Any, ...]) -> Any:
    kind = shape[0]
    if kind == "none":
        return select(ProductSearch.product_id).where(False)
    if kind == "trigram":
        match = bindparam("long_match", type_=String)
        query = select(_FTS.c.rowid.label("product_id")).where(_FTS.c.product_search_fts.op("MATCH")(match))
        if shape[1]:  # short words are checked on the rows the trigram index found (titles, tags and codes)
            query = query.join(ProductSearch, ProductSearch.product_id == _FTS.c.rowid)
            for i in range(shape[1]):
                word = bindparam(f"w{i}", type_=String)
                query = query.where(or_(func.instr(ProductSearch.text, word) > 0, func.instr(ProductSearch.codes, word) > 0))
        return query
    if kind == "grams":
        _, lone_short, bounded = shape
        match = bindparam("gram_match", type_=String)
        query = select(_GRAMS.c.rowid.label("product_id")).where(_GRAMS.c.product_search_grams.op("MATCH")(match))
    else:  # PostgreSQL: pg_trgm's GIN indexes serve LIKE on 3+ characters
        _, count, lone_short, bounded = shape
        query = select(ProductSearch.product_id)
        for i in range(count):
            pattern = bindparam(f"w{i}", type_=String)
            query = query.where(or_(ProductSearch.text.like(pattern, escape="\\"),
                                    ProductSearch.codes.like(pattern, escape="\\")))
    if not lone_short:
        return query
    by_code = [select(Variant.product_id).where(column >= bindparam(f"code{case}_lo", type_=String),
                                                column < bindparam(f"code{case}_hi", type_=String))
               for case in ("", "_upper") for column in (Variant.sku, Variant.barcode)]
    if not bounded:
        return union(query, *by_code)
    # a search box needs only the first hits: each part stops early
    parts = [q.limit(200).subquery() for q in (query, *by_code)]
    return union(*(select(part.c.product_id) for part in parts))


_EXACT_CODE = (
    select(Variant.sku, Variant.barcode, Variant.product_id, Product.title, Variant.option1, Variant.option2,
           Variant.option3, Variant.price_minor).join(Product, Product.id == Variant.product_id)
    .where(or_(Variant.sku == bindparam("raw", type_=String), Variant.barcode == bindparam("raw", type_=String),
               Variant.sku == bindparam("upper", type_=String))).limit(3)
)
_HIT_ROWS = (
    select(Product.id, Product.title, Product.status, Product.variant_count,
           select(Variant.sku).where(Variant.product_id == Product.id).order_by(Variant.position, Variant.id)
           .limit(1).scalar_subquery().label("sku"))
    .where(Product.id.in_(bindparam("ids", expanding=True)))
)


def search_products(*, session: Session, text: str, limit: int = 8) -> list[SearchHit]:
    """Products by title, SKU, barcode, tag or brand (substrings, CJK included); an exact SKU or
    barcode comes first as a variant hit with ``exact=True`` so the screen can open it directly,
    followed by its product (a scanned code looks no further)."""
    raw = _clean(text)
    if not raw:
        return []
    limit = clamp_limit(limit, maximum=200)
    if session.new or session.dirty or session.deleted:
        session.flush()  # Core execution below does not autoflush
    conn = session.connection()
    hits: list[SearchHit] = []
    exact = conn.execute(_EXACT_CODE, {"raw": raw, "upper": raw.upper()}).all()
    for row in exact:
        options = " / ".join(v for v in (row.option1, row.option2, row.option3) if v)
        hits.append(SearchHit(kind="variant", key=row.sku, title=f"{row.title}{' / ' + options if options else ''}",
                              detail=f"{row.sku}{' · ' + row.barcode if row.barcode else ''}", mode="products",
                              exact=True))
    if exact and len(raw.split()) == 1:
        ids = list(dict.fromkeys(row.product_id for row in exact))
    else:
        statement, params = _search_ids_query(session, raw, bounded=True)
        limited = _SEARCH_LIMITED.get(statement)
        if limited is None:
            limited = _SEARCH_LIMITED[statement] = statement.limit(bindparam("hit_limit", type_=Integer))
        ids = list(conn.execute(limited, {**params, "hit_limit": limit}).scalars())
    if ids:
        rows = {r.id: r for r in conn.execute(_HIT_ROWS, {"ids": ids})}
        for pid in ids:
            r = rows.get(pid)
            if r is None:
                continue
            detail = r.sku if r.variant_count == 1 else f"{r.variant_count} variants"
            hits.append(SearchHit(kind="product", key=str(r.id), title=r.title, detail=f"{detail} · {r.status}",
                                  mode="products"))
    return hits[: limit + len(exact)]


def search(session: Session, text: str, limit: int = 8) -> list[SearchHit]:
    """The global-search provider registered by the catalogue module."""
    return search_products(session=session, text=text, limit=limit)


# ---------------------------------------------------------------- dashboard and checks


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
