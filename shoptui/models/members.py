"""Member tables: the membership of a customer, tiers, the points and store-credit ledgers, gifts.

A member *extends* a customer (``member.customer_id`` is the customer's id, so the member id and
the customer id are the same number); the customer row keeps name, phone and email.

Ledgers, not counters you overwrite::

    member.points_balance       == sum(member_points_movement.points)      (db check)
    member.credit_balance_minor == sum(member_credit_movement.amount_minor) (db check)
    sum(lot remaining)          == max(member.points_balance, 0)            (db check)

Points expire oldest first. Every positive points movement is a *lot* with ``remaining`` and
``expires_at``; every negative movement (redeem, reversal, negative adjustment) consumes the
lots oldest-expiry-first; the expiry sweep turns what is left of expired lots into an ``expire``
movement. A refund may take back more than is left (the points were already spent): the balance
then goes below zero and the next points earned pay that debt first.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name are registered with it (tests/test_model_foreign_keys.py)
from shoptui.models import catalog as _catalog  # noqa: F401
from shoptui.models import customers as _customers  # noqa: F401
from shoptui.models._types import UTCDateTime, utcnow

GENDERS = ("", "female", "male", "other")
POINTS_KINDS = ("earn", "reverse", "redeem", "gift", "adjust", "expire", "event")
CREDIT_KINDS = ("topup", "adjust", "payment", "refund")
CHANNELS = ("email", "sms")


class MemberTier(SQLModel, table=True):
    """A tier (normal, silver, gold ...): what reaches it and what it gives."""

    __tablename__ = "member_tier"
    __table_args__ = (
        CheckConstraint("discount_bp >= 0 AND discount_bp <= 10000", name="ck_member_tier_discount"),
        CheckConstraint("points_multiplier_bp >= 0", name="ck_member_tier_multiplier"),
        CheckConstraint("min_spend_minor >= 0 AND min_orders >= 0", name="ck_member_tier_thresholds"),
    )
    code: str = Field(primary_key=True, max_length=20)
    name: str = Field(max_length=60)
    rank: int = 0  # 0 is the entry tier; higher ranks need more
    min_spend_minor: int = 0  # rolling 12-month spend that reaches it (basis "spend")
    min_orders: int = 0  # rolling 12-month paid orders that reach it (basis "orders")
    discount_bp: int = 0
    points_multiplier_bp: int = 10_000  # 10000 = x1
    free_shipping_over_minor: int | None = None  # None: no free shipping
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Member(SQLModel, table=True):
    """The membership of one customer: profile, consent, tier and the two balances."""

    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint("credit_balance_minor >= 0", name="ck_member_credit"),
        Index("ix_member_joined", "joined_at", "customer_id"),
        Index("ix_member_tier", "tier_code", "customer_id"),
        Index("ix_member_points", "points_balance"),  # the points liability sums an index range
    )
    customer_id: int = Field(primary_key=True, foreign_key="customer.id")
    source: str = Field(default="phone", max_length=20)  # phone, email, account, counter ...
    gender: str = Field(default="", max_length=10)
    birthday: date | None = None
    region: str = Field(default="", max_length=100)
    tier_code: str = Field(default="normal", max_length=20, foreign_key="member_tier.code")
    tier_since: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    points_balance: int = 0
    credit_balance_minor: int = 0
    email_consent: bool = False
    email_consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sms_consent: bool = False
    sms_consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    merged_into: int | None = Field(default=None, foreign_key="customer.id")
    joined_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MemberTag(SQLModel, table=True):
    """A tag on a member (lower-cased), for segments."""

    __tablename__ = "member_tag"
    __table_args__ = (Index("ix_member_tag_tag", "tag", "customer_id"),)
    customer_id: int = Field(primary_key=True, foreign_key="member.customer_id")
    tag: str = Field(primary_key=True, max_length=40)


class MemberAccount(SQLModel, table=True):
    """A third-party account a member signs in with (wechat, alipay, google ...)."""

    __tablename__ = "member_account"
    __table_args__ = (UniqueConstraint("provider", "external_id", name="uq_member_account"),
                      Index("ix_member_account_customer", "customer_id"))
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="member.customer_id")
    provider: str = Field(max_length=20)
    external_id: str = Field(max_length=200)
    linked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MemberTierChange(SQLModel, table=True):
    """One change of a member's tier, kept forever."""

    __tablename__ = "member_tier_change"
    __table_args__ = (Index("ix_member_tier_change_customer", "customer_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="member.customer_id")
    from_code: str | None = Field(default=None, max_length=20)
    to_code: str = Field(max_length=20)
    reason: str = Field(default="", max_length=200)
    spend_minor: int = 0
    orders: int = 0
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PointsMovement(SQLModel, table=True):
    """One line of the points ledger; positive lines are lots that expire oldest first."""

    __tablename__ = "member_points_movement"
    __table_args__ = (
        CheckConstraint("remaining >= 0", name="ck_member_points_remaining"),
        Index("ix_member_points_customer", "customer_id", "id"),
        Index("ix_member_points_lots", "customer_id", "expires_at", "id"),
        Index("ix_member_points_expiry", "expires_at"),
        Index("ix_member_points_ref", "ref_kind", "ref_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="member.customer_id")
    kind: str = Field(max_length=10)  # one of POINTS_KINDS
    points: int  # signed
    remaining: int = 0  # what is left of a positive lot
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    base_minor: int | None = None  # earn: the amount that earned; reverse: the amount refunded
    ref_kind: str | None = Field(default=None, max_length=20)
    ref_id: str | None = Field(default=None, max_length=100)
    reason: str = Field(default="", max_length=300)
    actor: str = Field(default="", max_length=100)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CreditMovement(SQLModel, table=True):
    """One line of the store-credit ledger (money, signed minor units)."""

    __tablename__ = "member_credit_movement"
    __table_args__ = (
        Index("ix_member_credit_customer", "customer_id", "id"),
        Index("ix_member_credit_ref", "ref_kind", "ref_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="member.customer_id")
    kind: str = Field(max_length=10)  # one of CREDIT_KINDS
    amount_minor: int
    ref_kind: str | None = Field(default=None, max_length=20)
    ref_id: str | None = Field(default=None, max_length=100)
    reason: str = Field(default="", max_length=300)
    actor: str = Field(default="", max_length=100)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PointsEvent(SQLModel, table=True):
    """Double (or xN) points in a time window, optionally only for some categories or tiers."""

    __tablename__ = "member_points_event"
    __table_args__ = (
        CheckConstraint("multiplier_bp >= 10000", name="ck_member_points_event_multiplier"),
        CheckConstraint("ends_at > starts_at", name="ck_member_points_event_window"),
        Index("ix_member_points_event_window", "starts_at", "ends_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    multiplier_bp: int = 20_000
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    category_ids: Any = Field(default=None, sa_column=Column(JSON, nullable=True))  # None: every category
    tier_codes: Any = Field(default=None, sa_column=Column(JSON, nullable=True))  # None: every tier
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PointsGift(SQLModel, table=True):
    """A gift in the points catalogue: what it costs in points and how many are left."""

    __tablename__ = "member_gift"
    __table_args__ = (
        UniqueConstraint("code", name="uq_member_gift_code"),
        CheckConstraint("points_cost > 0", name="ck_member_gift_cost"),
        CheckConstraint("quantity IS NULL OR quantity >= 0", name="ck_member_gift_quantity"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    points_cost: int
    quantity: int | None = None  # None: unlimited
    variant_id: int | None = Field(default=None, foreign_key="variant.id")  # takes stock when set
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class GiftRedemption(SQLModel, table=True):
    """A gift a member took for points."""

    __tablename__ = "member_gift_redemption"
    __table_args__ = (Index("ix_member_gift_redemption_customer", "customer_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="member.customer_id")
    gift_id: int = Field(foreign_key="member_gift.id")
    quantity: int = 1
    points: int
    actor: str = Field(default="", max_length=100)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
