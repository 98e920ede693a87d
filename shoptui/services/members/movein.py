"""Moving in: customers from a Shopify or WooCommerce customers export (``shoptui customer import --from``).

Formats (the columns are found by name; any other column is listed as dropped):

- **Shopify** customers export: ``Customer ID`` (newer exports), ``First Name``, ``Last Name``, ``Email``,
  ``Accepts Email Marketing``, ``Default Address Company / Address1 / Address2 / City / Province Code /
  Country Code / Zip / Phone``, ``Phone``, ``Accepts SMS Marketing``, ``Total Spent``, ``Total Orders``,
  ``Note``, ``Tax Exempt``, ``Tags``; older exports name the address ``Company``, ``Address1`` ... ``Province``,
  ``Country`` and the email consent ``Accepts Marketing``.
- **WooCommerce** customers CSV: ``id``, ``email``, ``first_name``, ``last_name``, ``billing_*`` and
  ``shipping_*`` (first_name, last_name, company, address_1, address_2, city, state, postcode, country,
  email, phone), ``date_created``, ``orders_count``, ``total_spent``.

Rules:

- Phones become E.164 and emails lower-case (``shop.contacts``); a phone or email that is not one is
  dropped from that customer and listed, the customer is still imported. Country names become ISO codes.
- The default address is the export's default address (Shopify) or the shipping address, else the
  billing one (WooCommerce). Tags are kept lower-case on the customer; total spent and the order count
  are kept as the customer's history from the previous system (``prior_*``), apart from the orders of
  this store.
- A customer is recognised by the export's id (kept as ``customer_import_ref``, ``shopify:ID`` or
  ``woocommerce:ID``), then by email, then by phone. A recognised customer is only completed (a missing
  phone, email, note or address; tags added; history set): nothing the store already holds is
  overwritten, so importing the same file again changes nothing. A row with neither id, email nor phone
  cannot be recognised on a second import and is skipped, with that reason.
- ``as_members`` enrols every imported customer who is no member yet through the members' own
  registration (``profiles.add_member``), with marketing consent only where the export says it was
  given; a customer who is already a member stays as they are. Without it, consent has nowhere to go
  (it is a member's) and the summary says so.
- All or nothing: every problem (an unknown country, a bad amount, the same email on two rows, an email
  and a phone of two different customers ...) is listed with its line and nothing is written.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Literal

from pydantic import BaseModel
from sqlmodel import Session, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import InvalidInput, ShopError
from shoptui.models.customers import Customer, CustomerAddress
from shoptui.models.members import Member
from shoptui.models.sales import CustomerImportRef
from shoptui.money import parse_money
from shoptui.services import shop
from shoptui.services.members import customers, profiles
from shoptui.services.members.customers import AddressInput, CustomerCreate, CustomerUpdate, split_tags
from shoptui.services.shop import currency, optional_email, optional_phone, store_region, uncell
from shoptui.text import check_text
from shoptui.wording import plural

FORMATS = ("shopify", "woocommerce")
Action = Literal["create", "update", "unchanged", "skip"]
MAX_REPORTED = 50
MAX_TAGS_TEXT = 400
_YES = {"yes", "true", "1", "subscribed", "y"}


class CustomerImportRefused(InvalidInput):
    """The file has bad rows; nothing was written. ``problems`` lists them with their lines."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        if len(problems) == 1:
            super().__init__(f"{source} {problems[0]} Nothing was imported.")
            return
        shown = "\n".join(f"  {p}" for p in problems[:MAX_REPORTED])
        more = f"\n  ... and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
        super().__init__(f"{source}: {len(problems)} problems, nothing was imported. Fix them and import "
                         f"again:\n{shown}{more}")


class CustomerImportItem(BaseModel):
    """What the import does (or would do) with one row of the file."""

    line: int
    name: str
    action: Action
    reason: str  # what is created or completed, or why it is skipped
    customer_id: int | None = None  # None: a customer still to be created (dry run) or a skipped row
    member: str = ""  # "join", "already a member", or "" (not asked)


class CustomerImportReport(BaseModel):
    """What a customer import did (or, with dry_run, would do)."""

    source: str
    format: str
    rows: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    members_joined: int
    members_already: int
    converted: list[str]
    dropped: list[str]
    items: list[CustomerImportItem]
    dry_run: bool

    @property
    def summary(self) -> str:
        """One paragraph for people."""
        verb = "Would import" if self.dry_run else "Imported"
        head = (f"{verb} {plural(self.rows, 'row')} of {self.source} ({self.format}): {self.created} created, "
                f"{self.updated} updated, {self.unchanged} unchanged, {self.skipped} skipped")
        parts = [head]
        if self.members_joined or self.members_already:
            joined = "would join" if self.dry_run else "joined"
            parts.append(f"{plural(self.members_joined, 'member')} {joined}, {self.members_already} already members")
        text = "; ".join(parts) + "."
        if self.converted:
            text += " Converted: " + "; ".join(self.converted) + "."
        if self.dropped:
            text += " Dropped: " + "; ".join(self.dropped) + "."
        return text


# ---------------------------------------------------------------- reading the file


@dataclass
class _Row:
    line: int
    ref: str | None
    name: str
    email: str | None
    phone: str | None
    address: AddressInput | None
    tags: list[str]
    orders: int
    spent_minor: int
    note: str
    email_ok: bool
    sms_ok: bool
    created_at: datetime | None = None
    customer: Customer | None = None
    linked: bool = False  # the ref is already recorded for this customer


@dataclass
class _Reading:
    source: str
    region: str
    digits: int
    tz: tzinfo
    problems: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def bad(self, line: int, reason: str) -> None:
        self.problems.append(f"line {line}: {reason}")

    def count(self, what: str, by: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + by


def _rows(content: bytes, source: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and each data row as column -> cell (cells trimmed, spreadsheet quotes removed)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{source} is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8 and try "
                           "again.") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [unicodedata.normalize("NFC", h).strip() for h in next(reader)]
        rows = []
        for cells in reader:
            if not "".join(cells).strip():
                continue
            if len(cells) > len(header):
                raise InvalidInput(f"{source} line {reader.line_num} has {len(cells)} cells but the header names "
                                   f"{len(header)} columns; check the quoting of that line.")
            values = {h: uncell(unicodedata.normalize("NFC", c).strip()) for h, c in zip(header, cells, strict=False)}
            rows.append((reader.line_num, values))
    except StopIteration:
        raise InvalidInput(f"{source} is empty; it needs a header row and at least one customer.") from None
    except csv.Error as exc:
        raise InvalidInput(f"{source} line {reader.line_num} is not readable CSV ({exc}).") from None
    if not rows:
        raise InvalidInput(f"{source} has a header but no customers.")
    return header, rows


# the columns of each format that the import reads (anything else in the file is listed as dropped)
_SHOPIFY_ADDRESS = {
    "company": ("Default Address Company", "Company"),
    "address1": ("Default Address Address1", "Address1"),
    "address2": ("Default Address Address2", "Address2"),
    "city": ("Default Address City", "City"),
    "region": ("Default Address Province Code", "Province Code", "Province"),
    "country": ("Default Address Country Code", "Country Code", "Country"),
    "postal_code": ("Default Address Zip", "Zip"),
    "phone": ("Default Address Phone",),
}
_SHOPIFY_USED = {"Customer ID", "First Name", "Last Name", "Email", "Accepts Email Marketing", "Accepts Marketing",
                 "Accepts SMS Marketing", "Phone", "Total Spent", "Total Orders", "Note", "Tags", "Tax Exempt",
                 *(c for names in _SHOPIFY_ADDRESS.values() for c in names)}
_WOO_PARTS = ("first_name", "last_name", "company", "address_1", "address_2", "city", "state", "postcode", "country",
              "email", "phone")
_WOO_USED = {"id", "email", "first_name", "last_name", "date_created", "orders_count", "total_spent",
             *(f"{kind}_{part}" for kind in ("billing", "shipping") for part in _WOO_PARTS)}
_REQUIRED = {"shopify": ("First Name", "Last Name", "Email"), "woocommerce": ("id", "email", "first_name", "last_name")}


def _first(values: dict[str, str], names: tuple[str, ...]) -> str:
    return next((values[n] for n in names if values.get(n)), "")


def _contact(reading: _Reading, line: int, kind: str, raw: str) -> str | None:
    """A phone in E.164 or an email lower-cased; None (dropped and listed) when it is not one."""
    if not raw:
        return None
    try:
        value = (optional_phone(raw, reading.region, field="phone") if kind == "phone"
                 else optional_email(raw, field="email"))
    except InvalidInput:
        reading.dropped.append(f"line {line}: the {kind} {raw!r} is not a{'n' if kind == 'email' else ''} {kind} "
                               "(imported without it)")
        return None
    if value is not None and value != raw and kind == "phone":
        reading.count("phones")
    return value


def _address(reading: _Reading, line: int, recipient: str, parts: dict[str, str], phone: str | None) -> AddressInput | None:
    """The default address from its parts (``phone`` already in E.164), or None when the export has none."""
    street = ", ".join(p for p in (parts.get("address1", ""), parts.get("address2", "")) if p)
    wanted = {"street": street, "city": parts.get("city", ""), "region": parts.get("region", ""),
              "country": parts.get("country", ""), "postal_code": parts.get("postal_code", "")}
    if not any(wanted.values()):
        return None
    phone = phone or ""
    try:
        clean = customers.clean_address(AddressInput(recipient=recipient, phone=phone, **wanted), reading.region)
    except InvalidInput as exc:
        reading.bad(line, _lower_first(str(exc)))
        return None
    if clean.country and clean.country != wanted["country"].upper():
        reading.count("countries")
    if parts.get("company"):
        reading.count("companies")
    return clean


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _amount(reading: _Reading, line: int, raw: str, what: str) -> int:
    if not raw:
        return 0
    try:
        return parse_money(raw, reading.digits, field=what)
    except InvalidInput as exc:
        reading.bad(line, _lower_first(str(exc)))
        return 0


def _count(reading: _Reading, line: int, raw: str, what: str) -> int:
    if not raw:
        return 0
    text = raw.replace(",", "")
    if not text.isdigit() or len(text) > 9:
        reading.bad(line, f"the {what} {raw!r} is not a whole number of orders.")
        return 0
    return int(text)


def _tags(reading: _Reading, line: int, raw: str) -> list[str]:
    tags: set[str] = set()
    for part in raw.split(","):
        if part.strip():
            try:
                tags.add(profiles.check_member_tag(part))
            except InvalidInput as exc:
                reading.bad(line, _lower_first(str(exc)))
    if len(",".join(sorted(tags))) > MAX_TAGS_TEXT:
        reading.bad(line, f"the tags take more than {MAX_TAGS_TEXT} characters; keep the ones that matter.")
    return sorted(tags)


def _text(reading: _Reading, line: int, raw: str, what: str, limit: int, multiline: bool = False) -> str:
    try:
        return check_text(raw, what, limit, required=False, multiline=multiline) or ""
    except InvalidInput as exc:
        reading.bad(line, _lower_first(str(exc)))
        return ""


def _person(reading: _Reading, line: int, first: str, last: str, fallback: str) -> str:
    return _text(reading, line, " ".join(p for p in (first, last) if p) or fallback, "name", 100)


def _read_shopify(reading: _Reading, line: int, values: dict[str, str]) -> _Row:
    parts = {key: _first(values, names) for key, names in _SHOPIFY_ADDRESS.items()}
    email_raw, phone_raw = values.get("Email", ""), values.get("Phone", "")
    name = _person(reading, line, values.get("First Name", ""), values.get("Last Name", ""),
                   parts["company"] or email_raw or phone_raw)
    email = _contact(reading, line, "email", email_raw)
    phone = _contact(reading, line, "phone", phone_raw)
    ident = values.get("Customer ID", "")
    if values.get("Tax Exempt", "").lower() in _YES:
        reading.count("tax exempt")
    return _Row(line=line, ref=f"shopify:{ident}" if ident else None, name=name, email=email, phone=phone,
                address=_address(reading, line, name, parts, _contact(reading, line, "phone", parts["phone"])),
                tags=_tags(reading, line, values.get("Tags", "")),
                orders=_count(reading, line, values.get("Total Orders", ""), "Total Orders"),
                spent_minor=_amount(reading, line, values.get("Total Spent", ""), "Total Spent"),
                note=_text(reading, line, values.get("Note", ""), "note", 1000, multiline=True),
                email_ok=_first(values, ("Accepts Email Marketing", "Accepts Marketing")).lower() in _YES,
                sms_ok=values.get("Accepts SMS Marketing", "").lower() in _YES)


def _read_woocommerce(reading: _Reading, line: int, values: dict[str, str]) -> _Row:
    def part(kind: str, name: str) -> str:
        return values.get(f"{kind}_{name}", "")

    kind = "shipping" if any(part("shipping", p) for p in ("address_1", "city", "postcode", "country")) else "billing"
    parts = {"company": part(kind, "company"), "address1": part(kind, "address_1"), "address2": part(kind, "address_2"),
             "city": part(kind, "city"), "region": part(kind, "state"), "country": part(kind, "country"),
             "postal_code": part(kind, "postcode")}
    first = values.get("first_name", "") or part("billing", "first_name")
    last = values.get("last_name", "") or part("billing", "last_name")
    email_raw = values.get("email", "") or part("billing", "email")
    phone_raw = part("billing", "phone")
    name = _person(reading, line, first, last, part("billing", "company") or email_raw or phone_raw)
    recipient = " ".join(p for p in (part(kind, "first_name"), part(kind, "last_name")) if p) or name
    created = None
    if values.get("date_created"):
        try:
            moment = datetime.fromisoformat(values["date_created"])
            created = clock.ensure_utc(moment if moment.tzinfo else moment.replace(tzinfo=reading.tz))
        except ValueError:
            reading.bad(line, f"the date_created {values['date_created']!r} is not a date like 2024-03-01T10:00:00.")
    ident = values.get("id", "")
    phone = _contact(reading, line, "phone", phone_raw)
    address_phone = _contact(reading, line, "phone", part("shipping", "phone")) if kind == "shipping" else phone
    return _Row(line=line, ref=f"woocommerce:{ident}" if ident else None, name=name,
                email=_contact(reading, line, "email", email_raw), phone=phone,
                address=_address(reading, line, _text(reading, line, recipient, "recipient", 100), parts, address_phone),
                tags=[],
                orders=_count(reading, line, values.get("orders_count", ""), "orders_count"),
                spent_minor=_amount(reading, line, values.get("total_spent", ""), "total_spent"),
                note="", email_ok=False, sms_ok=False, created_at=created)


# ---------------------------------------------------------------- planning


def _check_format(fmt: str) -> str:
    value = (fmt or "").strip().lower()
    if value not in FORMATS:
        raise InvalidInput(f"The format {fmt!r} is not one of {', '.join(FORMATS)}.", field="format")
    return value


def _existing(session: Session, row: _Row, reading: _Reading) -> Customer | None:
    """The customer this row is: by the export's id, then email, then phone; a problem when they disagree."""
    by_ref = None
    if row.ref is not None:
        found = session.get(CustomerImportRef, row.ref)
        if found is not None:
            by_ref = session.get(Customer, found.customer_id)
            row.linked = by_ref is not None
    by_email = customers.customer_by_contact(session, kind="email", values=[row.email]) if row.email else None
    by_phone = (customers.customer_by_contact(session, kind="phone", values=customers.phone_variants(session, row.phone))
                if row.phone else None)
    found_ids = {c.id: c for c in (by_ref, by_email, by_phone) if c is not None}
    if len(found_ids) > 1:
        who = ", ".join(f"#{c.id} {c.name}" for c in found_ids.values())
        reading.bad(row.line, f"{row.name} is more than one customer here ({who}: by id, email or phone); merge "
                    "them first with 'shoptui member merge', or fix the file.")
        return None
    return next(iter(found_ids.values()), None)


def _completion(session: Session, row: _Row, customer: Customer) -> tuple[CustomerUpdate, list[str], list[str]]:
    """What a recognised customer gets from the row (nothing it already holds): the patch, the tags after,
    and the words saying what changes."""
    patch = CustomerUpdate()
    words: list[str] = []
    if row.phone and not customer.phone:
        patch.phone = row.phone
        words.append("phone")
    if row.email and not customer.email:
        patch.email = row.email
        words.append("email")
    if row.note and not customer.note:
        patch.note = row.note
        words.append("note")
    if row.address is not None and session.exec(select(CustomerAddress.id).where(
            CustomerAddress.customer_id == customer.id)).first() is None:
        patch.address = row.address
        words.append("address")
    tags = sorted(set(split_tags(customer.tags)) | set(row.tags))
    if tags != split_tags(customer.tags):
        words.append("tags")
    if (row.orders, row.spent_minor) != (customer.prior_order_count, customer.prior_spent_minor):
        words.append("order history")
    if row.ref is not None and not row.linked:
        words.append(f"linked to {row.ref}")
    return patch, tags, words


def _member_state(session: Session, customer: Customer | None) -> str:
    if customer is None:
        return "join"
    member = session.get(Member, customer.id)
    if member is None:
        return "join"
    return "already a member" if member.merged_into is None else f"merged into member #{member.merged_into}"


def import_customers(*, session: Session, actor: Actor, content: bytes, fmt: str, source: str = "file",
                     as_members: bool = False, dry_run: bool = False) -> CustomerImportReport:
    """Import a Shopify or WooCommerce customers export; all or nothing.

    Raises CustomerImportRefused listing every bad line (nothing written), InvalidInput for a file that is
    not the format at all. ``dry_run`` plans and reports without writing.
    """
    shop.require(session=session, actor=actor, permission="data.import")  # refused before any work
    fmt = _check_format(fmt)
    money = currency(session=session)
    reading = _Reading(source=source, region=store_region(session), digits=money.digits,
                       tz=shop.timezone(session=session))
    header, raw_rows = _rows(content, source)
    missing = [c for c in _REQUIRED[fmt] if c not in header]
    if missing:
        raise InvalidInput(f"{source} is not a {fmt} customers export: it has no {', '.join(missing)} column. Its "
                           f"columns are: {', '.join(header[:12])}{' ...' if len(header) > 12 else ''}.")
    reader: Callable[[_Reading, int, dict[str, str]], _Row] = _read_shopify if fmt == "shopify" else _read_woocommerce
    used = _SHOPIFY_USED if fmt == "shopify" else _WOO_USED
    rows = [reader(reading, line, values) for line, values in raw_rows]

    items: list[CustomerImportItem] = []
    seen: dict[tuple[str, str], int] = {}
    planned: list[tuple[_Row, Action, CustomerUpdate, list[str], str]] = []
    for row in rows:
        keys = [(k, v) for k, v in (("id", row.ref), ("email", row.email), ("phone", row.phone)) if v]
        if not row.name:
            items.append(CustomerImportItem(line=row.line, name="", action="skip", reason="no name, email or phone"))
            continue
        if not keys:
            items.append(CustomerImportItem(line=row.line, name=row.name, action="skip",
                                            reason="no id, email or phone to recognise them by on a later import"))
            continue
        twice = next(((k, v) for k, v in keys if (k, v) in seen), None)
        if twice is not None:
            reading.bad(row.line, f"the {twice[0]} {twice[1]} is also on line {seen[twice]}; one person is one "
                        "customer, so keep one of the two rows.")
            continue
        seen.update({key: row.line for key in keys})
        customer = _existing(session, row, reading)
        row.customer = customer
        member = _member_state(session, customer) if as_members else ""
        if customer is None:
            action: Action = "create"
            patch, tags, words = CustomerUpdate(), row.tags, ["new customer"]
        else:
            patch, tags, words = _completion(session, row, customer)
            action = "update" if words else "unchanged"
        reason = ", ".join(words) if action != "unchanged" else "already imported: nothing differs"
        items.append(CustomerImportItem(line=row.line, name=row.name, action=action, reason=reason,
                                        customer_id=None if customer is None else customer.id, member=member))
        planned.append((row, action, patch, tags, member))
    if reading.problems:
        raise CustomerImportRefused(source, reading.problems)

    if not dry_run:
        _write(session, actor, planned, items, fmt, source)
    report = _report(reading, fmt, header, used, rows, items, as_members, dry_run)
    return report


# ---------------------------------------------------------------- writing


def _write(session: Session, actor: Actor, planned: list[tuple[_Row, Action, CustomerUpdate, list[str], str]],
           items: list[CustomerImportItem], fmt: str, source: str) -> None:
    by_line = {item.line: item for item in items}
    for row, action, patch, tags, member in planned:
        item = by_line[row.line]
        try:
            if action == "create":
                created = customers.add_customer(session=session, actor=actor, data=CustomerCreate(
                    name=row.name, phone=row.phone, email=row.email, note=row.note, address=row.address))
                customer = session.get(Customer, created.id)
                assert customer is not None
            else:
                customer = row.customer
                assert customer is not None
                if patch.model_dump(exclude_unset=True, exclude_none=True):
                    customers.update_customer(session=session, actor=actor, ref=customer.id or 0, patch=patch)
            item.customer_id = customer.id
            before = {"tags": customer.tags, "prior_order_count": customer.prior_order_count,
                      "prior_spent_minor": customer.prior_spent_minor}
            tags_text = ",".join(tags)
            after = {"tags": tags_text, "prior_order_count": row.orders, "prior_spent_minor": row.spent_minor}
            if action == "create" or after != before or (row.ref is not None and not row.linked):
                customer.tags, customer.prior_order_count = tags_text, row.orders
                customer.prior_spent_minor = row.spent_minor
                if action == "create" and row.created_at is not None:
                    customer.created_at = row.created_at
                customer.updated_at = clock.now()
                session.add(customer)
                if row.ref is not None and not row.linked:
                    session.add(CustomerImportRef(ref=row.ref, customer_id=customer.id or 0))
                session.flush()
                shop.record(session=session, actor=actor, action="customer.import", entity="customer",
                            entity_id=customer.id, summary=f"customer {customer.name} {item.reason} from {source} "
                            f"({fmt})", before=before, after=after)
            if member == "join":
                profiles.add_member(session=session, actor=actor, data=profiles.MemberCreate(
                    customer=f"#{customer.id}", tags=tags, email_consent=row.email_ok, sms_consent=row.sms_ok,
                    source="import"))
        except ShopError as exc:  # a rule the plan could not see (e.g. another terminal took this phone meanwhile)
            raise CustomerImportRefused(source, [f"line {row.line}: {_lower_first(str(exc))}"]) from None


def _report(reading: _Reading, fmt: str, header: list[str], used: set[str], rows: list[_Row],
            items: list[CustomerImportItem], as_members: bool, dry_run: bool) -> CustomerImportReport:
    actions = [item.action for item in items]
    converted: list[str] = []
    if reading.counts.get("phones"):
        converted.append(f"{plural(reading.counts['phones'], 'phone')} to E.164")
    if reading.counts.get("countries"):
        converted.append(f"{plural(reading.counts['countries'], 'country name')} to ISO codes")
    with_history = sum(1 for r in rows if r.orders or r.spent_minor)
    if with_history:
        converted.append(f"total spent and order count of {plural(with_history, 'customer')} kept as their history")
    dropped = list(reading.dropped)
    if reading.counts.get("companies"):
        dropped.append(f"the company of {plural(reading.counts['companies'], 'address', 'addresses')} (an address "
                       "has no company)")
    if reading.counts.get("tax exempt"):
        dropped.append(f"tax exemption of {plural(reading.counts['tax exempt'], 'customer')} (set prices instead)")
    consenting = sum(1 for r in rows if r.email_ok or r.sms_ok)
    if consenting and not as_members:
        dropped.append(f"marketing consent of {plural(consenting, 'customer')} (consent is a member's: import "
                       "with --as-members to keep it)")
    unread = [h for h in header if h and h not in used]
    if unread:
        dropped.append("the columns " + ", ".join(unread))
    return CustomerImportReport(
        source=reading.source, format=fmt, rows=len(rows), created=actions.count("create"),
        updated=actions.count("update"), unchanged=actions.count("unchanged"), skipped=actions.count("skip"),
        members_joined=sum(1 for i in items if i.member == "join"),
        members_already=sum(1 for i in items if i.member == "already a member"),
        converted=converted, dropped=dropped, items=items, dry_run=dry_run)


