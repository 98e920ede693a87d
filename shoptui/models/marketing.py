"""Marketing tables: promotions and their uses, coupon definitions, codes and redemptions.

Names other modules rely on: ``promotion.id``, ``coupon.id``, ``coupon_code.code``,
``promotion_use.order_id``, ``coupon_redemption.order_id``.

Counters are kept in step with their usage rows in the same transaction, and a single-use code
is taken with a conditional ``UPDATE ... WHERE used_count < max_uses`` so two terminals can
never both redeem it (``shoptui db check`` proves ``used_count == count(redemptions)``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name are registered with it (tests/test_model_foreign_keys.py)
from shoptui.models import catalog as _catalog  # noqa: F401
from shoptui.models import customers as _customers  # noqa: F401
from shoptui.models import orders as _orders  # noqa: F401
from shoptui.models._types import UTCDateTime, utcnow

PROMOTION_KINDS = ("spend_save", "discount", "bxgy", "gift")
PROMOTION_STATUSES = ("draft", "active", "paused", "ended")
COUPON_KINDS = ("amount", "percent")
COUPON_STATUSES = ("active", "paused", "ended")
SCOPE_KINDS = ("all", "categories", "products")


class Promotion(SQLModel, table=True):
    """A promotion: what it gives (by ``kind``), to whom, on what, when, and how often.

    ``spend_save`` uses ``steps`` ([[threshold, off], ...]) or repeats ``every_off_minor`` for every
    ``every_minor`` spent, up to ``cap_minor``; ``discount`` takes ``percent_bp`` or ``amount_minor``
    off the scope once it reaches ``min_spend_minor``; ``bxgy`` discounts the cheapest ``get_qty`` of
    every ``buy_qty + get_qty`` items by ``get_percent_bp`` (10000 = free); ``gift`` adds
    ``gift_qty`` of ``gift_variant_id`` at zero price when the scope reaches ``min_spend_minor``.
    """

    __tablename__ = "promotion"
    __table_args__ = (
        CheckConstraint("kind in ('spend_save','discount','bxgy','gift')", name="ck_promotion_kind"),
        CheckConstraint("status in ('draft','active','paused','ended')", name="ck_promotion_status"),
        CheckConstraint("scope_kind in ('all','categories','products')", name="ck_promotion_scope"),
        CheckConstraint("used_count >= 0", name="ck_promotion_used"),
        Index("ix_promotion_status", "status", "starts_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=12)
    status: str = Field(default="draft", max_length=10)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    priority: int = 0
    exclusive: bool = False
    usage_limit: int | None = None
    per_member_limit: int | None = None
    used_count: int = 0
    tiers: Any = Field(default=None, sa_column=Column(JSON, nullable=True))  # tier names, None: everyone
    new_customers: bool = False
    channels: Any = Field(default=None, sa_column=Column(JSON, nullable=True))  # order channels, None: all
    scope_kind: str = Field(default="all", max_length=12)
    scope_ids: Any = Field(default=None, sa_column=Column(JSON, nullable=True))  # category or product ids
    steps: Any = Field(default=None, sa_column=Column(JSON, nullable=True))  # [[threshold_minor, off_minor], ...]
    every_minor: int | None = None
    every_off_minor: int | None = None
    cap_minor: int | None = None
    percent_bp: int | None = None
    amount_minor: int | None = None
    min_spend_minor: int = 0
    buy_qty: int | None = None
    get_qty: int | None = None
    get_percent_bp: int | None = None
    gift_variant_id: int | None = Field(default=None, foreign_key="variant.id")
    gift_qty: int = 1
    description: str = Field(default="", max_length=500)
    created_by: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PromotionUse(SQLModel, table=True):
    """One order that a promotion applied to, and what it gave."""

    __tablename__ = "promotion_use"
    __table_args__ = (
        Index("ix_promotion_use_promotion", "promotion_id", "customer_id"),
        Index("ix_promotion_use_customer", "customer_id", "promotion_id"),
        Index("ix_promotion_use_order", "order_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    promotion_id: int = Field(foreign_key="promotion.id")
    order_id: int = Field(foreign_key="sales_order.id")
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    discount_minor: int = 0
    gift_minor: int = 0  # catalogue value of gift lines
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Coupon(SQLModel, table=True):
    """A coupon definition: what a code is worth, on what, from when to when, how often."""

    __tablename__ = "coupon"
    __table_args__ = (
        CheckConstraint("kind in ('amount','percent')", name="ck_coupon_kind"),
        CheckConstraint("status in ('active','paused','ended')", name="ck_coupon_status"),
        CheckConstraint("scope_kind in ('all','categories','products')", name="ck_coupon_scope"),
        CheckConstraint("used_count >= 0", name="ck_coupon_used"),
        Index("ix_coupon_name", "name", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=10)
    amount_minor: int | None = None
    percent_bp: int | None = None
    cap_minor: int | None = None  # the most a percentage coupon takes off
    min_spend_minor: int = 0
    scope_kind: str = Field(default="all", max_length=12)
    scope_ids: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    valid_from: datetime | None = Field(default=None, sa_type=UTCDateTime)
    valid_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    valid_days: int | None = None  # codes expire this many days after they were issued
    per_member_limit: int | None = None
    total_limit: int | None = None
    used_count: int = 0
    issued_count: int = 0
    combinable: bool = True  # may be used together with promotions
    status: str = Field(default="active", max_length=10)
    share_text: str = Field(default="", max_length=500)
    created_by: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CouponCode(SQLModel, table=True):
    """A code of a coupon: shared (``max_uses`` None) or unique and single-use, maybe issued to a customer."""

    __tablename__ = "coupon_code"
    __table_args__ = (
        UniqueConstraint("code", name="uq_coupon_code_code"),
        CheckConstraint("used_count >= 0 AND (max_uses IS NULL OR used_count <= max_uses)", name="ck_coupon_code_used"),
        Index("ix_coupon_code_coupon", "coupon_id", "id"),
        Index("ix_coupon_code_customer", "customer_id", "coupon_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    coupon_id: int = Field(foreign_key="coupon.id")
    code: str = Field(max_length=40)
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    max_uses: int | None = 1
    used_count: int = 0
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CouponRedemption(SQLModel, table=True):
    """One use of a code on an order, and what it took off."""

    __tablename__ = "coupon_redemption"
    __table_args__ = (
        Index("ix_coupon_redemption_coupon", "coupon_id", "customer_id"),
        Index("ix_coupon_redemption_code", "code_id"),
        Index("ix_coupon_redemption_order", "order_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    coupon_id: int = Field(foreign_key="coupon.id")
    code_id: int = Field(foreign_key="coupon_code.id")
    order_id: int = Field(foreign_key="sales_order.id")
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    discount_minor: int = 0
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
