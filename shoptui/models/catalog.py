"""Catalogue tables: categories (a tree), products, their tags, images, options and variants (SKUs).

Names other modules rely on: ``variant.id``, ``variant.sku``, ``variant.barcode``,
``variant.track_stock``, ``variant.cost_minor``, ``variant.product_id``, ``product.category_id``,
``category.path``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from shoptui.models._types import UTCDateTime, utcnow
from shoptui.store.matching import folded

PRODUCT_STATUSES = ("draft", "active", "archived")
MAX_OPTIONS = 3


class Category(SQLModel, table=True):
    """A node of the category tree. ``path`` is ``/1/5/9/`` (ids from the root) for subtree queries."""

    __tablename__ = "category"
    __table_args__ = (
        UniqueConstraint("slug", name="uq_category_slug"),
        Index("ix_category_parent", "parent_id", "position"),
        Index("ix_category_path", "path"),
    )
    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="category.id")
    name: str = Field(max_length=100)
    slug: str = Field(max_length=120)
    position: int = 0
    path: str = Field(default="/", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Product(SQLModel, table=True):
    """A product as the customer sees it; what is sold and stocked are its variants.

    ``variant_count``, ``min_price_minor`` and ``max_price_minor`` are kept in step with the
    variants by the catalogue service, so the list can show and sort by them without a join.
    """

    __tablename__ = "product"
    __table_args__ = (
        CheckConstraint("status in ('draft','active','archived')", name="ck_product_status"),
        # A-Z is case-insensitive (iPhone before Zip hoodie): the title sorts by lower(title), so do its indexes
        Index("ix_product_title", folded(text("title")), "id"),
        Index("ix_product_status_title", "status", folded(text("title")), "id"),
        Index("ix_product_category", "category_id", folded(text("title")), "id"),
        Index("ix_product_updated", "updated_at", "id"),
        Index("ix_product_price", "min_price_minor", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    description: str = ""
    status: str = Field(default="draft", max_length=10)
    category_id: int | None = Field(default=None, foreign_key="category.id")
    brand: str | None = Field(default=None, max_length=100)
    option1_name: str | None = Field(default=None, max_length=40)
    option2_name: str | None = Field(default=None, max_length=40)
    option3_name: str | None = Field(default=None, max_length=40)
    variant_count: int = 0
    min_price_minor: int | None = None
    max_price_minor: int | None = None
    version: int = 1  # optimistic concurrency: bumped on every save
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProductTag(SQLModel, table=True):
    """A tag on a product, stored lower-cased (tags match case-insensitively)."""

    __tablename__ = "product_tag"
    __table_args__ = (Index("ix_product_tag_tag", "tag", "product_id"), {"sqlite_with_rowid": False})
    product_id: int = Field(foreign_key="product.id", primary_key=True, ondelete="CASCADE")
    tag: str = Field(primary_key=True, max_length=50)


class ProductImage(SQLModel, table=True):
    """An image of a product: a local file path or an http(s) URL; position 0 is the cover."""

    __tablename__ = "product_image"
    product_id: int = Field(foreign_key="product.id", primary_key=True, ondelete="CASCADE")
    position: int = Field(primary_key=True)
    location: str = Field(max_length=1000)


class ProductSearch(SQLModel, table=True):
    """Lower-cased search lines per product: ``text`` (title, brand, tags) and ``codes`` (SKUs, barcodes).

    Kept in step by the catalogue service. On SQLite an FTS5 trigram index over ``text`` and
    ``codes`` (``product_search_fts``) serves terms of 3+ characters, and an FTS5 index over
    ``grams`` (``product_search_grams``: the neighbouring character pairs of ``text``) serves
    terms of 1-2 characters; both are created by the migration. On PostgreSQL pg_trgm GIN indexes
    cover ``text`` and ``codes``, and a GIN index over the characters of ``text`` the short terms.
    """

    __tablename__ = "product_search"
    product_id: int = Field(foreign_key="product.id", primary_key=True, ondelete="CASCADE")
    text: str = ""
    codes: str = Field(default="", sa_column_kwargs={"server_default": ""})
    grams: str = Field(default="", sa_column_kwargs={"server_default": ""})


class Variant(SQLModel, table=True):
    """A sellable, stockable combination of a product's options, keyed by SKU."""

    __tablename__ = "variant"
    __table_args__ = (
        UniqueConstraint("sku", name="uq_variant_sku"),
        Index("uq_variant_barcode", "barcode", unique=True),
        Index("ix_variant_product", "product_id", "position"),
        CheckConstraint("price_minor >= 0", name="ck_variant_price"),
        CheckConstraint("compare_at_minor IS NULL OR compare_at_minor >= 0", name="ck_variant_compare_at"),
        CheckConstraint("cost_minor IS NULL OR cost_minor >= 0", name="ck_variant_cost"),
        CheckConstraint("weight_g IS NULL OR weight_g >= 0", name="ck_variant_weight"),
    )
    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id")
    sku: str = Field(max_length=64)
    barcode: str | None = Field(default=None, max_length=32)
    option1: str | None = Field(default=None, max_length=60)
    option2: str | None = Field(default=None, max_length=60)
    option3: str | None = Field(default=None, max_length=60)
    position: int = 0
    price_minor: int = 0
    compare_at_minor: int | None = None
    cost_minor: int | None = None
    weight_g: int | None = None
    track_stock: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
