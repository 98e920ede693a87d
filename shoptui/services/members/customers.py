"""Customers: add, edit, find by id/phone/email, list and search. The members module extends these.

Phone numbers are stored in E.164 (``138-0013-8000`` -> ``+8613800138000``) and emails lower-cased
(both by ``shop.contacts``), so a lookup is one index hit over the few forms a number may be stored
in. One person is one customer: a second customer with the same phone or email is refused.
"""

from __future__ import annotations

import re
import unicodedata
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from pydantic import BaseModel, field_validator
from sqlalchemy import literal, or_
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models._types import table_of
from shoptui.models.customers import Customer, CustomerAddress, CustomerContact
from shoptui.services import shop
from shoptui.services.shop import (
    Page,
    SearchHit,
    after_key,
    clamp_limit,
    country_code,
    optional_email,
    optional_phone,
    phone_candidates,
    store_region,
)
from shoptui.store import matching, unique
from shoptui.text import check_text


class AddressInput(BaseModel):
    """An address as a person types it; every part optional."""

    recipient: str = ""
    phone: str = ""
    country: str = ""
    region: str = ""
    city: str = ""
    district: str = ""
    street: str = ""
    postal_code: str = ""


class AddressRead(AddressInput):
    """An address of a customer."""

    id: int
    is_default: bool

    def one_line(self) -> str:
        """``street, district, city, region postal, country``"""
        parts = [self.street, self.district, self.city, " ".join(p for p in (self.region, self.postal_code) if p),
                 self.country]
        return ", ".join(p for p in parts if p)


class CustomerCreate(BaseModel):
    """Input for add_customer."""

    name: str
    phone: str | None = None
    email: str | None = None
    note: str = ""
    address: AddressInput | None = None


class CustomerUpdate(BaseModel):
    """Input for update_customer: unset fields stay as they are; an empty phone/email clears it."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    note: str | None = None
    address: AddressInput | None = None  # replaces the default address


class CustomerRead(BaseModel):
    """A customer as it leaves the service."""

    id: int
    name: str
    phone: str | None
    email: str | None
    note: str
    order_count: int
    spent_minor: int
    last_order_at: datetime | None
    created_at: datetime
    tags: list[str] = []  # lower-case; stored comma-separated
    prior_order_count: int = 0  # orders in the shop's previous system (moving in)
    prior_spent_minor: int = 0
    addresses: list[AddressRead] = []
    other_contacts: list[str] = []  # further phones and emails (e.g. kept by a merge)

    @field_validator("tags", mode="before")
    @classmethod
    def _split_tags(cls, value: object) -> object:
        return split_tags(value) if isinstance(value, str) else value

    @property
    def default_address(self) -> AddressRead | None:
        """The default address, or the first one."""
        return next((a for a in self.addresses if a.is_default), self.addresses[0] if self.addresses else None)


def split_tags(stored: str) -> list[str]:
    """A customer's stored tags (``"vip,wholesale"``) as a list."""
    return [t for t in stored.split(",") if t]


# ---------------------------------------------------------------- checks


def phone_variants(session: Session, raw: str) -> list[str]:
    """The forms a typed number may be stored in, read in the store's region (``contacts.phone_candidates``)."""
    return phone_candidates(raw, store_region(session))


def customer_by_contact(session: Session, *, kind: str, values: list[str], exclude: int | None = None) -> Customer | None:
    """The customer whose phone or email (``kind``) is one of ``values``: the primary one on the
    customer row first, then the further contacts kept in ``customer_contact`` (e.g. by a merge)."""
    if not values:
        return None
    column = col(Customer.phone) if kind == "phone" else col(Customer.email)
    query = select(Customer).where(column.in_(values))
    further = (select(Customer).join(CustomerContact, col(CustomerContact.customer_id) == col(Customer.id))
               .where(CustomerContact.kind == kind, col(CustomerContact.value).in_(values)))
    if exclude is not None:
        query, further = query.where(Customer.id != exclude), further.where(Customer.id != exclude)
    return (session.exec(query.order_by(col(Customer.id))).first()
            or session.exec(further.order_by(col(Customer.id))).first())


def has_email(email: str) -> Any:
    """A condition on ``Customer``: this email is its primary one or one of its further contacts."""
    further = select(CustomerContact.customer_id).where(CustomerContact.kind == "email", CustomerContact.value == email)
    return or_(col(Customer.email) == email, col(Customer.id).in_(further))


def further_contact_holders(session: Session, kind: str, values: list[str]) -> dict[str, int]:
    """value -> customer id for the values that are someone's further phone or email (in bulk, by chunks)."""
    found: dict[str, int] = {}
    for start in range(0, len(values), 500):
        found.update(session.exec(select(CustomerContact.value, CustomerContact.customer_id).where(
            CustomerContact.kind == kind, col(CustomerContact.value).in_(values[start:start + 500]))).all())
    return found


def add_contact(session: Session, customer_id: int, kind: str, value: str, note: str = "") -> bool:
    """Keep a further phone or email for a customer (no-op if it is already theirs); True if added."""

    def holder() -> Customer | None:
        return customer_by_contact(session, kind=kind, values=phone_variants(session, value) if kind == "phone"
                                   else [value])

    def taken(owner: Customer | None) -> Conflict | None:
        if owner is None or owner.id == customer_id:
            return None
        return Conflict(f"The {kind} {value} already belongs to customer #{owner.id} {owner.name}.")

    owner = holder()
    refusal = taken(owner)
    if refusal is not None:
        raise refusal
    if owner is not None:
        return False  # theirs already
    # the claim's key decides a race with another terminal saving the same value (contact_claim, 0020)
    with unique.refused_as(session, table_of(CustomerContact), {"uq_customer_contact": lambda: taken(holder())}):
        session.add(CustomerContact(customer_id=customer_id, kind=kind, value=value, note=note[:200]))
    return True


def further_contacts(session: Session, customer_id: int) -> list[tuple[str, str]]:
    """A customer's further phones and emails as (kind, value), oldest first."""
    return [(kind, value) for kind, value in session.exec(
        select(CustomerContact.kind, CustomerContact.value).where(CustomerContact.customer_id == customer_id)
        .order_by(col(CustomerContact.id)))]


def _name(raw: str) -> str:
    value = unicodedata.normalize("NFC", raw or "").strip()
    if not value:
        raise InvalidInput("A customer needs a name.", field="name")
    return check_text(value, "name", 100, name="name") or ""


def _note(raw: str) -> str:
    return check_text(raw, "note", 1000, required=False, multiline=True, name="note") or ""


def clean_address(address: AddressInput, region: str) -> AddressInput:
    """An address with trimmed parts, an ISO country code and a phone in E.164 (``region`` reads one without +)."""
    data = {k: unicodedata.normalize("NFC", v).strip() for k, v in address.model_dump().items()}
    limits = {"recipient": 100, "phone": 40, "region": 100, "city": 100, "district": 100, "street": 300,
              "postal_code": 20}
    for key, limit in limits.items():
        data[key] = check_text(data[key], f"address {key.replace('_', ' ')}", limit, required=False,
                               name=None if key == "phone" else key) or ""  # the address's phone is not the customer's
    if data["country"]:
        data["country"] = country_code(data["country"], field="address country", name="country")
    if data["phone"]:
        data["phone"] = optional_phone(data["phone"], data["country"] or region, field="address phone") or ""
    return AddressInput(**data)


def _check_unique(session: Session, phone: str | None, email: str | None, exclude: int | None = None) -> None:
    """Conflict when the phone or email belongs to another customer (the primary or a further one)."""
    for field, value in (("phone", phone), ("email", email)):
        if value is None:
            continue
        values = phone_variants(session, value) if field == "phone" else [value]
        found = customer_by_contact(session, kind=field, values=values, exclude=exclude)
        if found is not None:
            raise Conflict(f"The {field} {value} already belongs to customer #{found.id} {found.name}. "
                           "Use that customer, or change their record.", field=field)


def unique_contacts(session: Session, phone: str | None, email: str | None,
                    exclude: int | None = None) -> AbstractContextManager[None]:
    """Save a customer row's phone and email inside this block: a unique index that another terminal's
    write of the same phone or email broke (PostgreSQL: both checked before either saved) becomes the
    Conflict ``_check_unique`` words, as SQLite's single writer gives it."""

    def refuse() -> None:
        _check_unique(session, phone, email, exclude)

    return unique.refused_as(session, table_of(Customer),
                             {"uq_customer_phone": refuse, "uq_customer_email": refuse})


# ---------------------------------------------------------------- reads


def _read(session: Session, row: Customer) -> CustomerRead:
    addresses = session.exec(
        select(CustomerAddress).where(CustomerAddress.customer_id == row.id).order_by(col(CustomerAddress.id))
    ).all()
    read = CustomerRead.model_validate(row, from_attributes=True)
    read.addresses = [AddressRead.model_validate(a, from_attributes=True) for a in addresses]
    read.other_contacts = [value for _, value in further_contacts(session, row.id or 0)]
    return read


def find_customer_row(session: Session, ref: str | int) -> Customer:
    """A customer row by id (``12`` or ``#12``), phone or email; NotFound names the reference."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        row = session.get(Customer, ref)
        if row is None:
            raise NotFound(f"There is no customer #{ref}.")
        return row
    text_ref = unicodedata.normalize("NFKC", str(ref)).strip()
    if not text_ref:
        raise InvalidInput("Name a customer by id, phone or email.")
    row = None
    if re.fullmatch(r"#?[0-9]{1,9}", text_ref):
        row = session.get(Customer, int(text_ref.lstrip("#")))
    if row is None and "@" in text_ref:
        row = customer_by_contact(session, kind="email", values=[text_ref.lower()])
    if row is None and "@" not in text_ref:
        candidates = phone_variants(session, text_ref)
        if candidates:
            row = customer_by_contact(session, kind="phone", values=candidates)
    if row is None:
        raise NotFound(f"There is no customer {text_ref!r} (looked up by id, phone and email). "
                       "Add one with 'shoptui customer add'.", field="customer")
    return row


def get_customer(*, session: Session, ref: str | int) -> CustomerRead:
    """One customer with addresses, by id, phone or email."""
    return _read(session, find_customer_row(session, ref))


def list_customers(*, session: Session, search: str = "", after: str | None = None, limit: int = 50) -> Page[CustomerRead]:
    """Customers by name (keyset-paged); ``search`` matches name, phone or email."""
    limit = clamp_limit(limit)
    query = select(Customer).order_by(matching.folded(Customer.name), col(Customer.id)).limit(limit + 1)
    text_search = unicodedata.normalize("NFKC", search).strip()
    if len(text_search) > 200:
        raise InvalidInput("Search for at most 200 characters.")
    if text_search:
        bind = session.get_bind()
        compact = re.sub(r"[\s\-().]", "", text_search)
        conditions = [matching.contains_ignoring_case(bind, col(Customer.name), text_search),
                      matching.contains_ignoring_case(bind, col(Customer.email), text_search.lower())]
        if compact.lstrip("+").isdigit():
            conditions.append(col(Customer.phone).like(f"%{compact}%"))
        query = query.where(or_(*conditions))
    if after:
        name, _, ident = after.rpartition("|")
        if not ident.isdigit():
            raise InvalidInput(f"The cursor {after!r} is not one this list gave out.")
        query = query.where(after_key(matching.folded(Customer.name), col(Customer.id), matching.folded(literal(name)),
                                      int(ident)))
    rows = session.exec(query).all()
    items = [CustomerRead.model_validate(r, from_attributes=True) for r in rows[:limit]]
    return Page(items=items, next_after=f"{items[-1].name}|{items[-1].id}" if len(rows) > limit else None)


# ---------------------------------------------------------------- writes


def _snapshot(row: Customer) -> dict[str, object]:
    return {"name": row.name, "phone": row.phone, "email": row.email, "note": row.note}


def _set_address(session: Session, customer_id: int, address: AddressInput) -> None:
    clean = clean_address(address, store_region(session))
    for existing in session.exec(select(CustomerAddress).where(CustomerAddress.customer_id == customer_id,
                                                               col(CustomerAddress.is_default).is_(True))):
        existing.is_default = False
        session.add(existing)
    session.add(CustomerAddress(customer_id=customer_id, is_default=True, created_at=clock.now(), **clean.model_dump()))


def add_customer(*, session: Session, actor: Actor, data: CustomerCreate) -> CustomerRead:
    """A new customer; Conflict when the phone or email already belongs to someone."""
    phone, email = optional_phone(data.phone, store_region(session), name="phone"), optional_email(data.email, name="email")
    _check_unique(session, phone, email)
    now = clock.now()
    row = Customer(name=_name(data.name), phone=phone, email=email, note=_note(data.note), created_at=now,
                   updated_at=now)
    with unique_contacts(session, phone, email):
        session.add(row)
    assert row.id is not None
    if data.address is not None:
        _set_address(session, row.id, data.address)
    shop.record(session=session, actor=actor, action="customer.add", entity="customer", entity_id=row.id,
                 summary=f"customer {row.name} added", after=_snapshot(row))
    session.flush()
    return _read(session, row)


def update_customer(*, session: Session, actor: Actor, ref: str | int, patch: CustomerUpdate) -> CustomerRead:
    """Change a customer's fields (only those given); Conflict for a phone/email someone else has."""
    row = find_customer_row(session, ref)
    before = _snapshot(row)
    given = patch.model_dump(exclude_unset=True)
    if "name" in given and patch.name is not None:
        row.name = _name(patch.name)
    phone = optional_phone(patch.phone, store_region(session), name="phone") if "phone" in given else row.phone
    email = optional_email(patch.email, name="email") if "email" in given else row.email
    if "note" in given and patch.note is not None:
        row.note = _note(patch.note)
    _check_unique(session, phone, email, exclude=row.id)
    with unique_contacts(session, phone, email, exclude=row.id):
        row.phone, row.email = phone, email
    if patch.address is not None:
        assert row.id is not None
        _set_address(session, row.id, patch.address)
    after = _snapshot(row)
    if after == before and patch.address is None:
        raise InvalidInput(f"Nothing to change for customer #{row.id}: give at least one new value.")
    row.updated_at = clock.now()
    session.add(row)
    shop.record(session=session, actor=actor, action="customer.edit", entity="customer", entity_id=row.id,
                 summary=f"customer {row.name} edited", before=before, after=after)
    session.flush()
    return _read(session, row)


def find_or_add(*, session: Session, actor: Actor, data: CustomerCreate) -> CustomerRead:
    """The customer with this phone or email, or a new one (for orders fed in by scripts)."""
    phone, email = optional_phone(data.phone, store_region(session), name="phone"), optional_email(data.email, name="email")
    for field, value in (("phone", phone), ("email", email)):
        if value is not None:
            row = customer_by_contact(session, kind=field,
                                      values=phone_variants(session, value) if field == "phone" else [value])
            if row is not None:
                return _read(session, row)
    return add_customer(session=session, actor=actor, data=data)


def search_customers(*, session: Session, text: str, limit: int = 8) -> list[SearchHit]:
    """Global search: customers by name, phone or email."""
    page = list_customers(session=session, search=text, limit=limit)
    compact = re.sub(r"[\s\-().]", "", text.strip()).lower()
    exact = set(phone_variants(session, compact)) or {compact}
    return [
        SearchHit(kind="customer", key=str(c.id), title=c.name,
                  detail=" · ".join(p for p in (c.phone, c.email) if p), mode="customers",
                  exact=bool(exact & {c.phone, c.email}))
        for c in page.items
    ]
