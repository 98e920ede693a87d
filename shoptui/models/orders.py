"""Order tables: orders, their lines, adjustments, payments, refunds, shipments, returns and timeline.

Orders are never deleted and history is never rewritten: payments, refunds, shipments and
returns add rows, and every step adds an ``order_event``. Money is integer minor units.

Amounts on a line (all for the whole line, tax included)::

    gross_minor      = quantity * unit_price_minor
    line_total_minor = gross_minor - line_discount_minor            (the line's own price)
    net_minor        = line_total_minor + adjustment_minor          (what the customer pays for it)

``adjustment_minor`` is the line's share of the order-level adjustments (negative for a
discount), split by largest remainder in ``shoptui.services.pricing.engine``. On the order::

    subtotal_minor    = sum(line_total_minor)
    adjustments_minor = sum(order_adjustment.amount_minor) = sum(line adjustment_minor)
    total_minor       = subtotal_minor + adjustments_minor + shipping_minor
    paid_minor        = sum(order_payment.amount_minor)
    refunded_minor    = sum(order_refund.amount_minor)

``shoptui db check`` proves each of these sums. ``order_stat`` keeps a count of orders per
combination of the three statuses in the same transaction as every change, so dashboards and
list tabs never count the whole table.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name (customer, variant, stock_location) are registered with it, so a
# flush that sorts the tables never meets a key to a table no command happened to import
# (tests/test_model_foreign_keys.py)
from shoptui.models import catalog as _catalog  # noqa: F401
from shoptui.models import customers as _customers  # noqa: F401
from shoptui.models import inventory as _inventory  # noqa: F401
from shoptui.models._types import UTCDateTime, utcnow

ORDER_STATUSES = ("open", "completed", "cancelled")
PAYMENT_STATUSES = ("unpaid", "partially_paid", "paid", "partially_refunded", "refunded")
FULFILMENT_STATUSES = ("unfulfilled", "partially_shipped", "shipped", "delivered", "partially_returned", "returned")
CHANNELS = ("counter", "phone", "chat", "web", "marketplace", "imported")
PAYMENT_METHODS = ("cash", "card", "mobile", "bank_transfer", "store_credit", "exchange")
RETURN_STATUSES = ("requested", "approved", "rejected", "received", "refunded")


class OrderSequence(SQLModel, table=True):
    """The next number of a named sequence (order numbers); bumped under the write lock."""

    __tablename__ = "order_sequence"
    name: str = Field(primary_key=True, max_length=40)
    next_value: int = 1


# what the sales report reads of an order in sales (whether it counts, and the figures it sums): the tail of the
# covering indexes that answer a breakdown from the index alone
SALES_FIGURES = (
    "status",
    "payment_status",
    "item_count",
    "gross_minor",
    "subtotal_minor",
    "adjustments_minor",
    "cost_minor",
)


class Order(SQLModel, table=True):
    """An order: who, what, how much, and where it stands in its three state machines."""

    __tablename__ = "sales_order"
    __table_args__ = (
        UniqueConstraint("number", name="uq_sales_order_number"),
        CheckConstraint("status in ('open','completed','cancelled')", name="ck_sales_order_status"),
        CheckConstraint("payment_status in ('unpaid','partially_paid','paid','partially_refunded','refunded')",
                        name="ck_sales_order_payment_status"),
        CheckConstraint("fulfilment_status in ('unfulfilled','partially_shipped','shipped','delivered',"
                        "'partially_returned','returned')", name="ck_sales_order_fulfilment_status"),
        CheckConstraint("total_minor >= 0", name="ck_sales_order_total"),
        CheckConstraint("shipping_minor >= 0", name="ck_sales_order_shipping"),
        CheckConstraint("paid_minor >= 0 AND refunded_minor >= 0 AND refunded_minor <= paid_minor",
                        name="ck_sales_order_paid"),
        Index("ix_sales_order_created", "created_at", "id"),
        Index("ix_sales_order_status", "status", "created_at", "id"),
        Index("ix_sales_order_payment", "payment_status", "created_at", "id"),
        Index("ix_sales_order_fulfilment", "fulfilment_status", "created_at", "id"),
        Index("ix_sales_order_channel", "channel", "created_at", "id"),
        # a customer's orders newest first; the rest makes it cover the sales report by customer and member tier
        Index("ix_sales_order_customer_sales", "customer_id", "created_at", "id", "placed_day", *SALES_FIGURES),
        Index("ix_sales_order_phone", "customer_phone"),
        Index("ix_sales_order_name", "customer_name"),
        Index("ix_sales_order_external", "external_ref", "channel"),
        # the sales report by staff, source and city: a day's orders in key order, with what the report sums, so a
        # year is read from the index alone and grouped day by day without sorting (services/analytics/sales.py)
        Index("ix_sales_order_day_staff", "placed_day", "created_by", *SALES_FIGURES),
        Index("ix_sales_order_day_source", "placed_day", "source", *SALES_FIGURES),
        Index("ix_sales_order_day_city", "placed_day", "ship_city", *SALES_FIGURES),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=40)
    channel: str = Field(default="phone", max_length=12)
    external_ref: str | None = Field(default=None, max_length=100)  # web shop / marketplace order id
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    # contact as at the time of the order (guests have no customer row)
    customer_name: str = Field(default="", max_length=100)
    customer_phone: str | None = Field(default=None, max_length=40)
    customer_email: str | None = Field(default=None, max_length=200)
    ship_recipient: str = Field(default="", max_length=100)
    ship_phone: str = Field(default="", max_length=40)
    ship_country: str = Field(default="", max_length=2)
    ship_province: str = Field(default="", max_length=100)  # state / province of the shipping address
    ship_city: str = Field(default="", max_length=100)
    ship_district: str = Field(default="", max_length=100)
    ship_street: str = Field(default="", max_length=300)
    ship_postal_code: str = Field(default="", max_length=20)
    sales_region: str = Field(default="", max_length=100)  # the shop's sales region ("South", 华东), if the order names one
    # where the customer came from: a source word set by hand or by the importer, and the UTM tags the order's
    # document carried (``order create --json-file``), for traffic attribution
    source: str = Field(default="", max_length=40)
    utm_source: str = Field(default="", max_length=100)
    utm_medium: str = Field(default="", max_length=100)
    utm_campaign: str = Field(default="", max_length=100)
    # the member tier code the customer had when the order was placed ('' for guests and non-members): what
    # ``report sales --by member-tier`` groups by, so a sale stays under the tier of its day
    member_tier: str = Field(default="", max_length=20)
    location_id: int | None = Field(default=None, foreign_key="stock_location.id")  # None: the default location
    # reserve: committed when created, deducted when shipped; deferred: deducted when handed over
    # (a counter sale, in the same transaction); none: never moves stock (history imports)
    stock_mode: str = Field(default="reserve", max_length=10)
    status: str = Field(default="open", max_length=10)
    payment_status: str = Field(default="unpaid", max_length=20)
    fulfilment_status: str = Field(default="unfulfilled", max_length=20)
    currency: str = Field(default="CNY", max_length=3)
    subtotal_minor: int = 0
    adjustments_minor: int = 0
    shipping_minor: int = 0
    total_minor: int = 0
    tax_minor: int = 0
    tax_rate_bp: int = 0
    paid_minor: int = 0
    refunded_minor: int = 0
    shipping_refunded_minor: int = 0
    item_count: int = 0
    shipment_count: int = 0
    note: str = Field(default="", max_length=2000)
    reminder_count: int = 0
    last_reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    shipped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 1
    # what the sales reports read without the lines (services/analytics; `db check` proves them): the store-local
    # day the order was placed, its lines at list price and the cost of its units when sold
    placed_day: date | None = None
    gross_minor: int = 0
    cost_minor: int = 0


class SalesDay(SQLModel, table=True):
    """The sales reports' rollup of orders in sales (not cancelled, not open and unpaid) per placed day, channel,
    sales region, province and country. Kept in the order-writing transactions (services.orders.rollups) and
    proven equal to the orders by ``db check``."""

    __tablename__ = "sales_day"
    placed_day: date = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=12)
    sales_region: str = Field(primary_key=True, max_length=100)
    ship_province: str = Field(primary_key=True, max_length=100)
    ship_country: str = Field(primary_key=True, max_length=2)
    orders: int = 0
    units: int = 0
    gross_minor: int = 0
    net_minor: int = 0  # lines after every discount (subtotal + adjustments), before returns
    cost_minor: int = 0
    shipping_minor: int = 0
    tax_minor: int = 0


class SalesDayVariant(SQLModel, table=True):
    """The same rollup per placed day, variant (0: a line without a variant) and the order's stock location (0: the
    order names none, so the default location), from the order lines. ``cost_minor`` is the units at the cost kept
    on each line (always kept: 0 when the variant had none), which is what analytics.basis.unit_cost gives."""

    __tablename__ = "sales_day_variant"
    # a period by variant read variant by variant (a skip-scan over the days), without a sort of every day's rows;
    # the last day a variant sold (the products report's dead stock). The same index as migration 0019 makes.
    __table_args__ = (
        Index(
            "ix_sales_day_variant_variant", "variant_id", "placed_day", "orders", "units", "gross_minor", "net_minor",
            "cost_minor",
        ),
    )
    placed_day: date = Field(primary_key=True)
    variant_id: int = Field(primary_key=True)
    location_id: int = Field(default=0, primary_key=True)
    orders: int = 0  # orders with a line of the variant that day
    units: int = 0
    gross_minor: int = 0
    net_minor: int = 0
    cost_minor: int = 0


class SalesVariantMonth(SQLModel, table=True):
    """``sales_day_variant`` summed per store-local month (its first day), variant and location: what the products
    and stock reports read for the whole months of a period (the days at its edges come from the day rollup). Kept
    with it (services.orders.rollups) and proven equal to the orders by ``db check``."""

    __tablename__ = "sales_variant_month"
    month: date = Field(primary_key=True)
    variant_id: int = Field(primary_key=True)
    location_id: int = Field(primary_key=True)
    orders: int = 0
    units: int = 0
    gross_minor: int = 0
    net_minor: int = 0
    cost_minor: int = 0


class SalesCustomerMonth(SQLModel, table=True):
    """The customers report's rollup of orders in sales per store-local month (its first day) and customer (0: the
    guests' orders): how many, their net (lines after discounts, before returns), and the first and last placed
    day among them. Kept with ``sales_day`` (services.orders.rollups) and proven equal to the orders by ``db check``.
    No foreign key on purpose: a member merge folds the merged customer's rows into the kept one's."""

    __tablename__ = "sales_customer_month"
    __table_args__ = (
        Index("ix_sales_customer_month_customer", "customer_id", "month"),
        # covers the customers report's read of a period's months (no table lookups)
        Index("ix_sales_customer_month_cover", "month", "customer_id", "orders", "net_minor", "last_day"),
    )
    month: date = Field(primary_key=True)
    customer_id: int = Field(primary_key=True)
    orders: int = 0
    net_minor: int = 0
    first_day: date | None = None
    last_day: date | None = None


class SalesCustomerFirst(SQLModel, table=True):
    """Per customer (guests not): the first placed day among their orders in sales, ever; the least first day of
    their ``sales_customer_month`` rows, kept with them (services.orders.rollups, members merge) and proven by ``db
    check``. The customers report tells new from returning customers and finds its cohorts through the day index
    instead of reading every customer's history."""

    __tablename__ = "sales_customer_first"
    __table_args__ = (Index("ix_sales_customer_first_day", "first_day", "customer_id"),)
    customer_id: int = Field(primary_key=True)
    first_day: date | None = None


class OrderLine(SQLModel, table=True):
    """One variant on an order, with the title and SKU as sold and the amounts of the whole line."""

    __tablename__ = "order_line"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="ck_order_line_quantity"),
        CheckConstraint("unit_price_minor >= 0", name="ck_order_line_price"),
        CheckConstraint("quantity_shipped >= 0 AND quantity_shipped <= quantity", name="ck_order_line_shipped"),
        CheckConstraint("quantity_returned >= 0 AND quantity_returned <= quantity_shipped",
                        name="ck_order_line_returned"),
        CheckConstraint("refunded_minor >= 0 AND refunded_minor <= net_minor", name="ck_order_line_refunded"),
        Index("ix_order_line_order", "order_id", "position"),
        Index("ix_order_line_variant", "variant_id", "order_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id")
    position: int = 0
    variant_id: int | None = Field(default=None, foreign_key="variant.id")
    sku: str = Field(max_length=64)
    title: str = Field(max_length=300)
    quantity: int
    unit_price_minor: int
    gross_minor: int = 0
    line_discount_minor: int = 0
    line_total_minor: int = 0
    adjustment_minor: int = 0
    net_minor: int = 0
    tax_minor: int = 0
    quantity_shipped: int = 0
    quantity_returned: int = 0
    quantity_refunded: int = 0
    refunded_minor: int = 0
    # a promotion's gift (added free by the offers; ``title`` is the plain product title)
    is_gift: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # the variant's cost per unit when the line was created (None until priced: orders.placing.store_prices)
    unit_cost_minor: int | None = Field(default=None, sa_column_kwargs={"server_default": "0"}, nullable=False)


class OrderAdjustment(SQLModel, table=True):
    """An order-level change of the total: a discount (negative), surcharge, cash rounding, coupon ..."""

    __tablename__ = "order_adjustment"
    # an order's adjustments of a kind, largest discount first, with what the sales report keys them by
    __table_args__ = (Index("ix_order_adjustment_kind", "order_id", "kind", "amount_minor", "id", "ref", "label"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id")
    kind: str = Field(max_length=20)  # discount, surcharge, rounding, promotion, coupon, points, member
    label: str = Field(default="", max_length=200)
    amount_minor: int  # signed: negative lowers the total
    ref: str | None = Field(default=None, max_length=100)  # promotion id, coupon code ...


class OrderPayment(SQLModel, table=True):
    """Money received for an order: method, amount applied, cash tendered and change given."""

    __tablename__ = "order_payment"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="ck_order_payment_amount"),
        CheckConstraint("refunded_minor >= 0 AND refunded_minor <= amount_minor", name="ck_order_payment_refunded"),
        # an order's payments largest first (then oldest), with the method: the sales report's "largest payment"
        # is the first entry, read from the index alone without a sort per order
        Index("ix_order_payment_amount", "order_id", text("amount_minor DESC"), "id", "method"),
        Index("ix_order_payment_at", "at", "method"),
    )
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id")
    method: str = Field(max_length=20)
    amount_minor: int
    tendered_minor: int | None = None  # cash handed over
    change_minor: int = 0
    refunded_minor: int = 0  # refunded back to this payment so far
    reference: str = Field(default="", max_length=200)
    actor: str = Field(default="", max_length=100)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OrderRefund(SQLModel, table=True):
    """Money paid back: to one original payment's method (``payment_id``) or as store credit."""

    __tablename__ = "order_refund"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="ck_order_refund_amount"),
        Index("ix_order_refund_order", "order_id", "id"),
        Index("ix_order_refund_at", "at", "method"),
    )
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id")
    payment_id: int | None = Field(default=None, foreign_key="order_payment.id")
    return_id: int | None = Field(default=None, foreign_key="order_return.id")
    batch: int = 0  # refunds made in one step share a batch number (the first refund id)
    method: str = Field(max_length=20)
    amount_minor: int
    shipping_minor: int = 0  # the part of amount_minor that is shipping
    reason: str = Field(default="", max_length=500)
    actor: str = Field(default="", max_length=100)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OrderRefundLine(SQLModel, table=True):
    """How much of one refund batch went to one order line."""

    __tablename__ = "order_refund_line"
    __table_args__ = (Index("ix_order_refund_line_line", "line_id"), Index("ix_order_refund_line_order", "order_id", "batch"))
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id")
    batch: int
    line_id: int = Field(foreign_key="order_line.id")
    quantity: int = 0
    amount_minor: int = 0


class Shipment(SQLModel, table=True):
    """A parcel: carrier, tracking number, when it left and arrived."""

    __tablename__ = "order_shipment"
    __table_args__ = (
        Index("ix_order_shipment_order", "order_id", "id"),
        Index("ix_order_shipment_tracking", "tracking"),
    )
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id")
    carrier_code: str = Field(default="", max_length=20)
    carrier_name: str = Field(default="", max_length=100)
    tracking: str = Field(default="", max_length=100)
    tracking_url: str = Field(default="", max_length=500)
    estimated_delivery_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    shipped_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    actor: str = Field(default="", max_length=100)


class ShipmentLine(SQLModel, table=True):
    """How many of one order line went in one shipment."""

    __tablename__ = "order_shipment_line"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_order_shipment_line_quantity"),)
    shipment_id: int = Field(foreign_key="order_shipment.id", primary_key=True)
    line_id: int = Field(foreign_key="order_line.id", primary_key=True)
    quantity: int


class OrderReturn(SQLModel, table=True):
    """A return: requested -> approved or rejected -> received -> refunded (exchanges go straight to received)."""

    __tablename__ = "order_return"
    __table_args__ = (
        CheckConstraint("status in ('requested','approved','rejected','received','refunded')",
                        name="ck_order_return_status"),
        Index("ix_order_return_order", "order_id", "id"),
        Index("ix_order_return_status", "status", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id")
    status: str = Field(default="requested", max_length=10)
    reason: str = Field(default="", max_length=500)
    photos: Any = Field(default=None, sa_column=Column(JSON, nullable=True))  # list of file paths
    decision_note: str = Field(default="", max_length=500)
    exchange_order_id: int | None = Field(default=None, foreign_key="sales_order.id")
    refund_minor: int = 0
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    refunded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReturnLine(SQLModel, table=True):
    """One order line on a return: how many, and on receipt whether restocked or written off."""

    __tablename__ = "order_return_line"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_order_return_line_quantity"),)
    return_id: int = Field(foreign_key="order_return.id", primary_key=True)
    line_id: int = Field(foreign_key="order_line.id", primary_key=True)
    quantity: int
    condition: str | None = Field(default=None, max_length=20)  # resellable, damaged (set on receipt)


class OrderEvent(SQLModel, table=True):
    """One entry of an order's timeline: created, paid, reminder sent, shipped, refunded ..."""

    __tablename__ = "order_event"
    __table_args__ = (Index("ix_order_event_order", "order_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    kind: str = Field(max_length=30)
    message: str = Field(default="", max_length=1000)
    actor: str = Field(default="", max_length=100)
    data: Any = Field(default=None, sa_column=Column(JSON, nullable=True))


class OrderStat(SQLModel, table=True):
    """How many orders are in each combination of statuses: kept in step with every change."""

    __tablename__ = "order_stat"
    status: str = Field(primary_key=True, max_length=10)
    payment_status: str = Field(primary_key=True, max_length=20)
    fulfilment_status: str = Field(primary_key=True, max_length=20)
    orders: int = 0
