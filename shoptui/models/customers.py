"""Customers: the one customer entity (the members module extends it, it does not copy it).

Names other modules rely on: ``customer.id``, ``customer.name``, ``customer.phone``,
``customer.email``, ``customer_address.customer_id``. ``phone`` is stored compact (no spaces or
dashes) and ``email`` lower-cased, so lookups are exact index hits. A customer's further phones
and emails (kept when two customers are merged) are in ``customer_contact``, stored the same way;
lookups and duplicate checks find them as they find the primary ones. A primary phone or email is
unique by index (``uq_customer_phone``, ``uq_customer_email``), so racing writers cannot both keep it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from shoptui.models._types import UTCDateTime, utcnow
from shoptui.store.matching import folded


class Customer(SQLModel, table=True):
    """A person who buys: name, phone, email, notes; addresses in ``customer_address``.

    ``order_count``, ``spent_minor`` and ``last_order_at`` are kept in step by the orders service
    (created, cancelled and refunded orders) so lists and profiles need no aggregate.
    """

    __tablename__ = "customer"
    __table_args__ = (
        Index("ix_customer_name", "name", "id"),  # name prefix searches
        Index("ix_customer_name_lower", folded(text("name")), "id"),  # the A-Z lists (case-insensitive)
        Index("uq_customer_phone", "phone", unique=True),  # one customer per phone (NULLs do not count)
        Index("uq_customer_email", "email", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    note: str = Field(default="", max_length=1000)
    order_count: int = 0
    spent_minor: int = 0
    last_order_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # moving in: tags (comma-separated, lower-case) and what the previous system said they bought
    # there; kept apart from order_count / spent_minor, which count this store's orders
    tags: str = Field(default="", max_length=400, sa_column_kwargs={"server_default": ""})
    prior_order_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    prior_spent_minor: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CustomerAddress(SQLModel, table=True):
    """A delivery address of a customer; one may be the default."""

    __tablename__ = "customer_address"
    __table_args__ = (Index("ix_customer_address_customer", "customer_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE")
    recipient: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=40)
    country: str = Field(default="", max_length=2)
    region: str = Field(default="", max_length=100)  # region / province / state
    city: str = Field(default="", max_length=100)
    district: str = Field(default="", max_length=100)
    street: str = Field(default="", max_length=300)
    postal_code: str = Field(default="", max_length=20)
    is_default: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


CONTACT_KINDS = ("phone", "email")


class CustomerContact(SQLModel, table=True):
    """A further phone or email of a customer (the primary ones are on the customer row)."""

    __tablename__ = "customer_contact"
    __table_args__ = (
        UniqueConstraint("kind", "value", name="uq_customer_contact"),
        Index("ix_customer_contact_customer", "customer_id", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE")
    kind: str = Field(max_length=10)  # one of CONTACT_KINDS
    value: str = Field(max_length=200)  # phone compact, email lower-cased, as on the customer row
    note: str = Field(default="", max_length=200)  # where it came from, e.g. "merged from #12"
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ContactClaim(SQLModel, table=True):
    """Who holds each phone and email, primary (on ``customer``) or further (``customer_contact``): one row
    per value, so the key makes a value one customer's across both tables, even for writers racing on a
    server database. Kept by the store's own triggers (migration ``0020_contact_claims``) on every insert,
    update and delete of either table, bulk paths included; no code writes it. ``refs`` counts how many
    of the holder's rows carry the value; ``db check`` compares the table with the two it mirrors."""

    __tablename__ = "contact_claim"
    kind: str = Field(primary_key=True, max_length=10)  # one of CONTACT_KINDS
    value: str = Field(primary_key=True, max_length=200)
    customer_id: int
    refs: int = Field(default=1)
