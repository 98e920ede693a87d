"""Inventory tables: locations, stock levels, the stock ledger, policies, suppliers, POs, stocktakes.

The ledger (``stock_movement``) is append-only. ``quantity`` is the signed change of *on hand*,
``committed_change`` the signed change of *committed* (held for orders not yet shipped); the level
row of the same variant and location is kept in step in the same transaction, so
``stock_level.on_hand == SUM(quantity)`` and ``stock_level.committed == SUM(committed_change)``
for every variant and location (``shoptui db check`` proves it).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name are registered with it (tests/test_model_foreign_keys.py)
from shoptui.models import catalog as _catalog  # noqa: F401
from shoptui.models._types import UTCDateTime, utcnow

MOVEMENT_KINDS = (
    "receive",  # goods in (restock, purchase order receipt)
    "sale",  # goods out to a customer (counter sale, or an order shipped: committed goes down too)
    "return",  # a customer's return put back on the shelf
    "write_off",  # a returned item that is damaged, written off
    "adjustment",  # a correction by hand: damaged, lost, found, correction, other
    "stocktake",  # the difference a posted stocktake found
    "transfer_out",
    "transfer_in",
    "reserve",  # committed up for an order
    "release",  # committed down again (order cancelled or edited)
)
ADJUST_REASONS = ("damaged", "lost", "found", "correction", "other")
PO_STATUSES = ("draft", "ordered", "partial", "received", "cancelled")
STOCKTAKE_STATUSES = ("counting", "posted", "cancelled")
OUT_OF_STOCK = "on_hand - committed <= 0"  # the condition of the partial index ix_stock_level_out


class StockLocation(SQLModel, table=True):
    """A place stock is kept: the shop floor, a back room, a second branch."""

    __tablename__ = "stock_location"
    __table_args__ = (UniqueConstraint("code", name="uq_stock_location_code"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20)
    name: str = Field(max_length=100)
    is_default: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StockLevel(SQLModel, table=True):
    """How much of one variant is at one location; kept in step with the ledger."""

    __tablename__ = "stock_level"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="ck_stock_level_on_hand"),
        CheckConstraint("committed >= 0", name="ck_stock_level_committed"),
        CheckConstraint("incoming >= 0", name="ck_stock_level_incoming"),
        Index("ix_stock_level_location", "location_id", "variant_id"),
        # only the levels with nothing available: the "out of stock" filter and count read these few
        # rows instead of every level (a query must say "on_hand - committed <= 0" literally to use it)
        Index("ix_stock_level_out", "location_id", "variant_id", sqlite_where=text(OUT_OF_STOCK),
              postgresql_where=text(OUT_OF_STOCK)),
    )
    variant_id: int = Field(foreign_key="variant.id", primary_key=True)
    location_id: int = Field(foreign_key="stock_location.id", primary_key=True)
    on_hand: int = 0
    committed: int = 0
    incoming: int = 0  # on open purchase orders for this location
    alerted: bool = False  # a low-stock alert was sent and stock has not been above the point since
    # an out-of-stock alert was sent and nothing has been available since (a level that goes from
    # low to none alerts again, once; see services.inventory.alerts.alert_step)
    alerted_out: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StockMovement(SQLModel, table=True):
    """One change of stock: never edited or deleted; a mistake is corrected by a new movement."""

    __tablename__ = "stock_movement"
    __table_args__ = (
        # covers db check's GROUP BY (one scan of this index, no table lookups)
        Index("ix_stock_movement_ledger", "variant_id", "location_id", "quantity", "committed_change"),
        Index("ix_stock_movement_variant_at", "variant_id", "at", "id"),
        Index("ix_stock_movement_kind_at", "kind", "at"),
        Index("ix_stock_movement_ref", "ref_kind", "ref_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    variant_id: int = Field(foreign_key="variant.id")
    location_id: int = Field(foreign_key="stock_location.id")
    kind: str = Field(max_length=20)
    quantity: int = 0  # signed change of on hand
    committed_change: int = 0  # signed change of committed
    unit_cost_minor: int | None = None
    reason: str | None = Field(default=None, max_length=20)
    note: str = Field(default="", max_length=500)
    actor: str = Field(max_length=100)
    source: str = Field(default="", max_length=20)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ref_kind: str | None = Field(default=None, max_length=20)  # po, order, stocktake, transfer
    ref_id: str | None = Field(default=None, max_length=100)


class StockMoveRollup(SQLModel, table=True):
    """The ledger's change of on hand summed per UTC day and per UTC month (``span`` 'day' or 'month', ``day`` the
    first day of the span), variant and location: the stock report's stock on a past day without reading every
    movement since. Written by the ledger's one writer (services.inventory.ledger) with each movement, the day and
    the month row in one statement; proven equal to the ledger by ``db check``. UTC spans, so a change of the
    store's time zone leaves it right (a report cuts a local midnight from the raw movements of one UTC day)."""

    __tablename__ = "stock_move_rollup"
    span: str = Field(primary_key=True, max_length=5)
    day: date = Field(primary_key=True)
    variant_id: int = Field(primary_key=True)
    location_id: int = Field(primary_key=True)
    quantity: int = 0


class StockPolicy(SQLModel, table=True):
    """Per variant: safety stock, reorder point and the usual supplier."""

    __tablename__ = "stock_policy"
    __table_args__ = (
        CheckConstraint("safety_stock >= 0", name="ck_stock_policy_safety"),
        CheckConstraint("reorder_point IS NULL OR reorder_point >= 0", name="ck_stock_policy_reorder"),
    )
    variant_id: int = Field(foreign_key="variant.id", primary_key=True)
    safety_stock: int = 0
    reorder_point: int | None = None  # None: no low-stock alert for this variant
    supplier_id: int | None = Field(default=None, foreign_key="supplier.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Supplier(SQLModel, table=True):
    """Someone the shop buys from."""

    __tablename__ = "supplier"
    __table_args__ = (
        UniqueConstraint("name", name="uq_supplier_name"),
        CheckConstraint("lead_time_days >= 0", name="ck_supplier_lead_time"),
    )
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    contact: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
    lead_time_days: int = 7
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PurchaseOrder(SQLModel, table=True):
    """An order to a supplier: draft -> ordered -> partial -> received, or cancelled."""

    __tablename__ = "purchase_order"
    __table_args__ = (
        CheckConstraint("status in ('draft','ordered','partial','received','cancelled')", name="ck_po_status"),
        Index("ix_purchase_order_status", "status", "id"),
        Index("ix_purchase_order_supplier", "supplier_id", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id")
    location_id: int = Field(foreign_key="stock_location.id")
    status: str = Field(default="draft", max_length=10)
    note: str = Field(default="", max_length=500)
    created_by: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ordered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PurchaseOrderLine(SQLModel, table=True):
    """One variant on a purchase order: how many ordered, how many received so far, at what cost."""

    __tablename__ = "purchase_order_line"
    __table_args__ = (
        UniqueConstraint("po_id", "variant_id", name="uq_po_line_variant"),
        CheckConstraint("quantity_ordered > 0", name="ck_po_line_ordered"),
        CheckConstraint("quantity_received >= 0", name="ck_po_line_received"),
        CheckConstraint("unit_cost_minor >= 0", name="ck_po_line_cost"),
        Index("ix_po_line_variant", "variant_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    po_id: int = Field(foreign_key="purchase_order.id", ondelete="CASCADE")
    variant_id: int = Field(foreign_key="variant.id")
    quantity_ordered: int
    quantity_received: int = 0
    unit_cost_minor: int = 0


class Stocktake(SQLModel, table=True):
    """A count of one location (all stock or a category subtree); expected quantities frozen at start."""

    __tablename__ = "stocktake"
    __table_args__ = (
        CheckConstraint("status in ('counting','posted','cancelled')", name="ck_stocktake_status"),
        Index("ix_stocktake_status", "status", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key="stock_location.id")
    category_id: int | None = Field(default=None, foreign_key="category.id")
    status: str = Field(default="counting", max_length=10)
    note: str = Field(default="", max_length=500)
    frozen_movement_id: int = 0  # the last ledger id when the expected quantities were frozen
    uncounted: str | None = Field(default=None, max_length=10)  # "zero" or "keep", chosen at posting
    accuracy_bp: int | None = None  # share of counted lines without variance, in basis points
    started_by: str = Field(default="", max_length=100)
    posted_by: str | None = Field(default=None, max_length=100)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StocktakeLine(SQLModel, table=True):
    """One variant of a stocktake: expected (frozen), counted, and after posting the variance."""

    __tablename__ = "stocktake_line"
    __table_args__ = (CheckConstraint("counted IS NULL OR counted >= 0", name="ck_stocktake_line_counted"),)
    stocktake_id: int = Field(foreign_key="stocktake.id", primary_key=True, ondelete="CASCADE")
    variant_id: int = Field(foreign_key="variant.id", primary_key=True)
    expected: int = 0
    counted: int | None = None
    unit_cost_minor: int = 0
    reason: str | None = Field(default=None, max_length=500)
    variance: int | None = None  # set when posted: the adjustment booked
    counted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
