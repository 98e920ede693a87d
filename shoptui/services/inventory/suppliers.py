"""Finding a supplier: the lookup stock (restock, stock policies) and purchasing both use.

Below ``stock`` and ``purchasing``; adding and editing suppliers stays with purchasing.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, select

from shoptui.errors import NotFound
from shoptui.models.inventory import Supplier


class SupplierRead(BaseModel):
    """A supplier as it leaves the service."""

    id: int
    name: str
    contact: str
    email: str
    phone: str
    lead_time_days: int
    note: str


def supplier_read(row: Supplier) -> SupplierRead:
    """The row as it leaves a service."""
    return SupplierRead.model_validate(row, from_attributes=True)


def find_supplier(session: Session, name_or_id: str | int, *, name: str = "supplier") -> SupplierRead:
    """A supplier by id or name (case-insensitive); NotFound names the input field ``name``."""
    key = str(name_or_id).strip()
    row = None
    if key.isdigit():
        row = session.get(Supplier, int(key))
    if row is None and key:
        row = session.exec(select(Supplier).where(func.lower(Supplier.name) == key.lower())).first()
    if row is None:
        raise NotFound(f"There is no supplier {key!r}. List them with 'shoptui supplier list' or add one.", field=name)
    return supplier_read(row)
