"""What an order change accepts: quantities, amounts and notes, ``SKU:QTY@PRICE`` item specs, the
draft of a new order (``OrderDraft``) and the draft read from a JSON order document (``order create
--json-file``, web orders).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from shoptui.errors import InvalidInput, invalid_from_validation
from shoptui.models.orders import (
    PAYMENT_METHODS,
)
from shoptui.services import shop
from shoptui.services.members import AddressInput, CustomerCreate
from shoptui.text import check_text

MAX_QUANTITY = 100_000


MAX_LINES = 500


MAX_MINOR = 10**13


USER_METHODS = tuple(m for m in PAYMENT_METHODS if m != "exchange")


STOCK_MODES = ("reserve", "deferred", "none")


class DraftLine(BaseModel):
    """A line of a new order: a variant by SKU/barcode or id, a quantity, optionally its own price."""

    sku: str | None = None
    variant_id: int | None = None
    quantity: int
    unit_price_minor: int | None = None  # None: the catalogue price
    line_discount_minor: int = 0


class DraftAdjustment(BaseModel):
    """An order-level adjustment; negative lowers the total."""

    kind: str = "discount"
    label: str = ""
    amount_minor: int
    ref: str | None = None


class DraftPayment(BaseModel):
    """A payment taken together with the order (web orders come in paid)."""

    method: str
    amount_minor: int | None = None  # None: everything due
    reference: str = ""
    tendered_minor: int | None = None


class OrderDraft(BaseModel):
    """Everything a new order needs; ``customer`` is an id/phone/email or a new customer's details."""

    channel: str = "phone"
    customer: str | int | CustomerCreate | None = None
    guest_name: str = ""
    guest_phone: str | None = None
    guest_email: str | None = None
    ship_to: AddressInput | None = None
    lines: list[DraftLine]
    adjustments: list[DraftAdjustment] = []
    shipping_minor: int = 0
    note: str = ""
    external_ref: str | None = None
    location: str | None = None
    stock_mode: Literal["reserve", "deferred", "none"] = "reserve"
    payments: list[DraftPayment] = []
    created_at: datetime | None = None  # for history imports only (channel 'imported')
    # offers (services.orders.offers): promotions, tier discount, coupons and points; never on imported orders.
    # None: yes, except a counter hand-over (stock_mode 'deferred'), whose basket prices itself and opts in
    # with True (passing its coupon codes and points) once it shows the same offers
    apply_offers: bool | None = None
    coupon_codes: list[str] = []
    points_to_use: int = 0
    # what the reports read (services/analytics): the shop's sales region (empty: placed by the province through
    # the sales_regions setting), where the customer came from (a word such as weibo, search, ads) and UTM tags
    sales_region: str = ""
    source: str = ""
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""


def parse_item_spec(spec: str, currency: shop.Currency | None = None, *,
                    field: str | None = None) -> tuple[str, int, int | None]:
    """``SKU``, ``SKU:QTY``, ``SKUxQTY`` or ``SKU:QTY@PRICE`` -> (code, quantity, price in minor units or None).

    ``field`` is the input the spec came from (named by a refusal)."""
    raw = unicodedata.normalize("NFKC", spec).strip()
    price: int | None = None
    if "@" in raw:
        raw, _, price_text = raw.rpartition("@")
        if currency is None:
            raise InvalidInput(f"A price is not allowed in {spec!r}.", field=field)
        price = currency.parse(price_text, field=f"price in {spec!r}", name=field)
    match = re.fullmatch(r"(?P<code>[^:\s]+?)(?:(?::|x)(?P<qty>-?\d+))?", raw)
    if not match:
        raise InvalidInput(f"{spec!r} is not an item; write it like TEE-01:2 (SKU, colon, quantity).", field=field)
    quantity = int(match["qty"]) if match["qty"] is not None else 1
    if quantity <= 0:
        raise InvalidInput(f"The quantity in {spec!r} must be more than zero.", field=field)
    if quantity > MAX_QUANTITY:
        raise InvalidInput(f"The quantity in {spec!r} is too large (at most {MAX_QUANTITY:,}).", field=field)
    return match["code"], quantity, price


def check_quantity(quantity: int, what: str, *, field: str | None = None) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput(f"The quantity of {what} must be a whole number.", field=field)
    if quantity <= 0:
        raise InvalidInput(f"The quantity of {what} must be more than zero, not {quantity}.", field=field)
    if quantity > MAX_QUANTITY:
        raise InvalidInput(f"The quantity of {what} is too large ({quantity}; at most {MAX_QUANTITY:,}).", field=field)
    return quantity


def check_money(amount: int, what: str, *, allow_negative: bool = False, field: str | None = None) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput(f"The {what} must be an amount.", field=field)
    if amount < 0 and not allow_negative:
        raise InvalidInput(f"The {what} cannot be negative.", field=field)
    if abs(amount) >= MAX_MINOR:
        raise InvalidInput(f"The {what} is too large.", field=field)
    return amount


def clean_text(value: str | None, what: str, limit: int, *, field: str | None = None) -> str:
    cleaned = unicodedata.normalize("NFC", value or "").strip()
    if len(cleaned) > limit:
        raise InvalidInput(f"The {what} is too long ({len(cleaned)} characters; at most {limit}).", field=field)
    return check_text(cleaned, what, limit, required=False, multiline=what == "note", name=field) or ""


def source_word(value: str | None) -> str:
    """An order's source as stored: one word, lower case (weibo, search, ads), at most 40 characters; '' for none."""
    source = clean_text(value, "source", 40, field="source").lower()
    if source and not re.fullmatch(r"[\w.\-]+", source):
        raise InvalidInput(f"The source {value!r} must be one word, like weibo, search or ads.", field="source")
    return source


def draft_from_document(doc: Any, currency: shop.Currency) -> OrderDraft:
    """An OrderDraft from a JSON document with decimal amounts (``order create --json-file``).

    Money is written as decimal strings or numbers in the store currency ("12.50"); InvalidInput
    names the field that is wrong.
    """
    if not isinstance(doc, dict):
        raise InvalidInput("The order document must be a JSON object with at least a 'lines' list.")
    known = {"channel", "customer", "guest_name", "guest_phone", "guest_email", "ship_to", "lines", "adjustments",
             "shipping", "note", "external_ref", "location", "payments", "discount", "coupons", "points",
             *ATTRIBUTION}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise InvalidInput(f"The order document has unknown fields: {', '.join(unknown)}. Known: {', '.join(sorted(known))}.")

    def money(value: Any, field: str, allow_negative: bool = False) -> int:
        if isinstance(value, float):
            value = repr(value)
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise InvalidInput(f"The {field} must be an amount like \"12.50\".")
        return currency.parse(str(value), field=field, allow_negative=allow_negative)

    def objects(key: str, example: str) -> list[Any]:
        value = doc.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise InvalidInput(f"The {key} of the order document must be a list like [{example}], not {value!r:.40}.")
        return value

    def known_fields(item: dict[str, Any], allowed: set[str], what: str) -> None:
        extra = sorted(str(k) for k in set(item) - allowed)
        if extra:
            raise InvalidInput(f"{what} has unknown fields: {', '.join(extra)}. Known: {', '.join(sorted(allowed))}.")

    lines_doc = doc.get("lines")
    if not isinstance(lines_doc, list) or not lines_doc:
        raise InvalidInput("The order document needs a non-empty 'lines' list.")
    lines = []
    for index, item in enumerate(lines_doc, start=1):
        if not isinstance(item, dict):
            raise InvalidInput(f"Line {index} must be an object like {{\"sku\": \"TEE-01\", \"quantity\": 2}}.")
        known_fields(item, {"sku", "variant_id", "quantity", "unit_price", "discount"}, f"Line {index}")
        quantity = item.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise InvalidInput(f"The quantity of line {index} must be a whole number.")
        sku = item.get("sku")
        if sku is not None and not isinstance(sku, str):
            raise InvalidInput(f"The sku of line {index} must be text.")
        lines.append(DraftLine(
            sku=sku, variant_id=item.get("variant_id") if isinstance(item.get("variant_id"), int) else None,
            quantity=quantity,
            unit_price_minor=None if item.get("unit_price") is None else money(item["unit_price"], f"unit_price of line {index}"),
            line_discount_minor=0 if item.get("discount") is None else money(item["discount"], f"discount of line {index}"),
        ))
    adjustments = []
    for index, item in enumerate(objects("adjustments", '{"label": "gift wrap", "amount": "5.00"}'), start=1):
        if not isinstance(item, dict) or "amount" not in item:
            raise InvalidInput(f"Adjustment {index} must be an object with an amount (negative for a discount).")
        known_fields(item, {"kind", "label", "amount", "ref"}, f"Adjustment {index}")
        for name in ("kind", "label", "ref"):
            if item.get(name) is not None and not isinstance(item[name], str):
                raise InvalidInput(f"The {name} of adjustment {index} must be text, not {item[name]!r:.40}.")
        adjustments.append(DraftAdjustment(kind=str(item.get("kind", "discount")), label=str(item.get("label", "")),
                                           amount_minor=money(item["amount"], f"amount of adjustment {index}", True),
                                           ref=item.get("ref")))
    if doc.get("discount") is not None:
        adjustments.append(DraftAdjustment(kind="discount", label="discount",
                                           amount_minor=-money(doc["discount"], "discount")))
    payments = []
    for index, item in enumerate(objects("payments", '{"method": "card"}'), start=1):
        if not isinstance(item, dict) or not isinstance(item.get("method"), str):
            raise InvalidInput(f"Payment {index} must be an object with a method (and an amount).")
        known_fields(item, {"method", "amount", "reference"}, f"Payment {index}")
        payments.append(DraftPayment(method=item["method"], reference=str(item.get("reference", "")),
                                     amount_minor=None if item.get("amount") is None
                                     else money(item["amount"], f"amount of payment {index}")))
    customer = doc.get("customer")
    if isinstance(customer, dict):
        try:
            customer = CustomerCreate.model_validate(customer)
        except ValidationError as exc:
            found = invalid_from_validation(exc)
            raise InvalidInput(f"The customer in the document is not valid: {found}.", field="customer") from None
    elif customer is not None and not isinstance(customer, str | int):
        raise InvalidInput("The customer must be an id, phone or email, or an object with name, phone and email.")
    try:
        return OrderDraft(
            channel=str(doc.get("channel", "web")), customer=customer, guest_name=str(doc.get("guest_name") or ""),
            guest_phone=doc.get("guest_phone"), guest_email=doc.get("guest_email"),
            ship_to=AddressInput.model_validate(doc["ship_to"]) if doc.get("ship_to") else None,
            lines=lines, adjustments=adjustments,
            shipping_minor=0 if doc.get("shipping") is None else money(doc["shipping"], "shipping"),
            note=str(doc.get("note") or ""), external_ref=doc.get("external_ref"), location=doc.get("location"),
            payments=payments, coupon_codes=_document_coupons(doc), points_to_use=_document_points(doc),
            **_document_attribution(doc),
        )
    except ValidationError as exc:
        found = invalid_from_validation(exc)
        raise InvalidInput(f"The order document is not valid: {found}.", field=found.field) from None


ATTRIBUTION = ("sales_region", "source", "utm_source", "utm_medium", "utm_campaign")


def _document_attribution(doc: dict[str, Any]) -> dict[str, str]:
    """``"source"``, ``"utm_source"``, ``"utm_medium"``, ``"utm_campaign"`` and ``"sales_region"`` of an order
    document (text; checked and trimmed when the order is created)."""
    out: dict[str, str] = {}
    for key in ATTRIBUTION:
        value = doc.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise InvalidInput(f"The {key} of the order document must be text, not {value!r:.40}.", field=key)
        out[key] = value
    return out


def _document_coupons(doc: dict[str, Any]) -> list[str]:
    """``"coupons": ["SAVE10"]`` (or one code as text) of an order document."""
    value = doc.get("coupons") or []
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise InvalidInput("The coupons must be a list of codes, like [\"SAVE10\"].")
    return value


def _document_points(doc: dict[str, Any]) -> int:
    """``"points": 500`` of an order document: the points the member uses."""
    value = doc.get("points") or 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput("The points must be a whole number of 0 or more.")
    return value


