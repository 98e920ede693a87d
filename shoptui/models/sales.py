"""Counter sales: till shifts, and the references imported order history keyed its customers by.

A counter sale itself is an ordinary order (channel ``counter``) with its payments; a shift is
the window of time between opening the till with a cash float and closing it with counted
cash. At most one shift is open at a time (a partial unique index says so). The shift report
sums the payments and refunds made inside the window.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name are registered with it (tests/test_model_foreign_keys.py)
from shoptui.models import customers as _customers  # noqa: F401
from shoptui.models._types import UTCDateTime, utcnow


class Shift(SQLModel, table=True):
    """A till shift: opened with a cash float, closed with counted cash and the difference kept."""

    __tablename__ = "till_shift"
    __table_args__ = (
        CheckConstraint("status in ('open','closed')", name="ck_till_shift_status"),
        CheckConstraint("float_minor >= 0", name="ck_till_shift_float"),
        Index("ix_till_shift_opened", "opened_at", "id"),
        Index("uq_till_shift_open", "status", unique=True, sqlite_where=text("status = 'open'"),
              postgresql_where=text("status = 'open'")),
    )
    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default="open", max_length=10)
    float_minor: int = 0
    opened_by: str = Field(default="", max_length=100)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    note: str = Field(default="", max_length=500)
    closed_by: str | None = Field(default=None, max_length=100)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    counted_minor: int | None = None  # cash counted in the drawer at close
    expected_minor: int | None = None  # float + cash taken - cash refunded, fixed at close
    difference_minor: int | None = None  # counted - expected (negative: cash missing)
    close_note: str = Field(default="", max_length=500)


class CustomerImportRef(SQLModel, table=True):
    """A customer's reference in another system (order history import), so a re-import finds them."""

    __tablename__ = "customer_import_ref"
    ref: str = Field(primary_key=True, max_length=100)
    customer_id: int = Field(foreign_key="customer.id", index=True)
