"""What a catalogue field may hold: titles, SKUs, barcodes (GTIN check digits, UPC-E), prices,
weights, statuses, tags, descriptions, images and option names; and the limits that go with them.

The lowest module of the catalogue package: it imports none of its siblings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from sqlmodel import Session

from shoptui.errors import InvalidInput, ShopError
from shoptui.models.catalog import (
    MAX_OPTIONS,
    PRODUCT_STATUSES,
)
from shoptui.services import shop
from shoptui.text import check_text, unsafe_characters
from shoptui.typed import ascii_digits, folded

MAX_TAGS = 30


MAX_IMAGES = 20


MAX_VARIANTS = 250


MAX_MINOR = 10**13


@contextmanager
def in_variant(index: int) -> Iterator[None]:
    """Inside it, a refusal naming a variant field (``price_minor``) names that variant of the product's list
    (``variants.2.price_minor``: the index in ``ProductCreate.variants``, from 0). The one index-aware form."""
    try:
        yield
    except ShopError as exc:
        if exc.field is not None and not exc.field.startswith("variants."):
            exc.field = f"variants.{index}.{exc.field}"
        raise


def clean_text(text_value: str | None) -> str:
    return unicodedata.normalize("NFC", (text_value or "")).strip()


def required_text(value: str | None, field: str, max_length: int, *, name: str | None = None) -> str:
    """A one-line text as stored: NFC, trimmed, at most ``max_length`` characters. InvalidInput names ``field``."""
    cleaned = clean_text(value)
    if cleaned and len(cleaned) <= max_length and cleaned.isprintable():
        return cleaned
    if not cleaned:
        raise InvalidInput(f"The {field} cannot be empty.", field=name)
    if len(cleaned) > max_length:
        raise InvalidInput(f"The {field} {cleaned[:40]!r}... is {len(cleaned)} characters long; at most {max_length} are allowed.", field=name)
    if unsafe_characters(cleaned):
        raise InvalidInput(f"The {field} {cleaned!r} contains control or text-direction characters; "
                           "type it on one line.", field=name)
    return cleaned


def optional_text(value: str | None, field: str, max_length: int, *, name: str | None = None) -> str | None:
    """``required_text`` for a text that may be left empty (None then)."""
    cleaned = clean_text(value)
    return required_text(cleaned, field, max_length, name=name) if cleaned else None


def check_sku(sku: str | None) -> str:
    """A SKU as stored: trimmed, 1-64 characters, no spaces, digits of any script as ASCII. Raises InvalidInput."""
    cleaned = ascii_digits(clean_text(sku))
    if 0 < len(cleaned) <= 64 and cleaned.isprintable() and " " not in cleaned and "\u3000" not in cleaned:
        return cleaned
    if not cleaned:
        raise InvalidInput("Every variant needs a SKU; it cannot be empty.", field="sku")
    if len(cleaned) > 64:
        raise InvalidInput(f"The SKU {cleaned[:30]!r}... is {len(cleaned)} characters long; at most 64 are allowed.", field="sku")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise InvalidInput(f"The SKU {cleaned!r} contains spaces or control characters; use letters, digits and - _ . /", field="sku")
    return cleaned


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit for the digits before it (EAN-13, UPC-A, EAN-8 all use this)."""
    digits = [int(d) for d in reversed(body)]
    total = 3 * sum(digits[0::2]) + sum(digits[1::2])
    return (10 - total % 10) % 10


def with_check_digit(body: str) -> str:
    """``body`` followed by its GS1 check digit: 12 digits in, a valid EAN-13 out."""
    return body + str(gtin_check_digit(body))


DEFAULT_BARCODE_PATTERN = r"[A-Z][A-Z0-9-]{2,31}"  # in-store codes (Code 128/39): SHOP-0042, a letter first


_GTIN_SHAPES = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}


def upc_e_to_upc_a(code: str) -> str:
    """The UPC-A (12 digits) that an 8-digit UPC-E (number system 0 or 1, six digits, check digit) stands for."""
    d = code[1:7]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    return code[0] + body + code[7]


def barcode_pattern(session: Session) -> str:
    """The store's pattern for in-store codes that are not GS1 numbers (setting ``barcode_pattern``)."""
    return str(shop.get(session=session, key="barcode_pattern") or DEFAULT_BARCODE_PATTERN)


def check_barcode(barcode: str | None, pattern: str | None = None) -> str | None:
    """A barcode as stored, or None. Raises InvalidInput.

    A barcode is either all digits of a GS1 symbology with a right check digit (EAN-8, UPC-E,
    UPC-A, EAN-13 incl. in-store 20-29 codes, GTIN-14), or an in-store code matching ``pattern``
    (the ``barcode_pattern`` setting). Digits of any script are read as ASCII (one rule with money).
    """
    cleaned = folded(clean_text(barcode))
    if not cleaned:
        return None
    if len(cleaned) > 32 or any(ch.isspace() for ch in cleaned):
        raise InvalidInput(f"The barcode {cleaned[:40]!r} must be at most 32 characters without spaces.", field="barcode")
    if cleaned.isascii() and cleaned.isdigit():
        shape = _GTIN_SHAPES.get(len(cleaned))
        if shape is None:
            raise InvalidInput(
                f"The barcode {cleaned} has {len(cleaned)} digits, so it is not an EAN-8, UPC-E, UPC-A, EAN-13 "
                "or GTIN-14 (8, 12, 13 or 14 digits with a check digit); check for a missing or extra digit.",
                field="barcode",
            )
        expected = gtin_check_digit(cleaned[:-1])
        if int(cleaned[-1]) == expected:
            return cleaned
        if len(cleaned) == 8 and cleaned[0] in "01":
            upc_a = upc_e_to_upc_a(cleaned)
            if gtin_check_digit(upc_a[:-1]) == int(cleaned[-1]):
                return cleaned
        raise InvalidInput(
            f"The barcode {cleaned} looks like an {shape} but its check digit is {cleaned[-1]}, "
            f"not {expected}; check for a typo.",
            field="barcode",
        )
    wanted = pattern or DEFAULT_BARCODE_PATTERN
    if re.fullmatch(wanted, cleaned) is None:
        raise InvalidInput(
            f"The barcode {cleaned!r} is neither a product number (EAN-8/13, UPC-A/E, GTIN-14: digits only) nor "
            f"an in-store code of the pattern {wanted} (setting barcode_pattern).",
            field="barcode",
        )
    return cleaned


def storable_barcode(barcode: str | None) -> str | None:
    """A barcode as ``check_barcode`` would store it, without its rules (check digit, pattern): trimmed,
    digits as ASCII, at most 32 characters, no spaces; None when it cannot be stored even so.
    For imports that keep another system's codes as they are (listed, not refused)."""
    cleaned = folded(clean_text(barcode))
    if not cleaned or len(cleaned) > 32 or any(ch.isspace() for ch in cleaned) or not cleaned.isprintable():
        return None
    return cleaned


def check_minor(value: int | None, field: str, *, required: bool = False, name: str | None = None) -> int | None:
    if value is None:
        if required:
            raise InvalidInput(f"The {field} is required.", field=name)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"The {field} must be a whole number of minor units, not {value!r}.", field=name)
    if value < 0:
        raise InvalidInput(f"The {field} cannot be negative ({value}).", field=name)
    if value >= MAX_MINOR:
        raise InvalidInput(f"The {field} {value} is too large.", field=name)
    return value


def check_weight(value: int | None) -> int | None:
    if value is None:
        return None
    if value < 0 or value > 10_000_000:
        raise InvalidInput(f"The weight must be between 0 and 10,000,000 grams, not {value}.", field="weight_g")
    return value


def check_status(status: str | None) -> str:
    """A product status as stored (draft, active or archived); InvalidInput for any other word."""
    value = clean_text(status).lower()
    if value not in PRODUCT_STATUSES:
        raise InvalidInput(f"The status {status!r} is not one of {', '.join(PRODUCT_STATUSES)}.", field="status")
    return value


def check_tag(tag: str) -> str:
    """A tag as stored: trimmed, lower-case, 1-50 characters, no commas."""
    cleaned = " ".join(clean_text(tag).lower().split())
    if not cleaned:
        raise InvalidInput("A tag cannot be empty.", field="tags")
    if "," in cleaned or len(cleaned) > 50:
        raise InvalidInput(f"The tag {cleaned[:50]!r} must be at most 50 characters and contain no comma.", field="tags")
    return check_text(cleaned, "tag", 50, name="tags") or ""


def clean_description(value: str | None) -> str:
    """A description as stored: several lines allowed, no control or text-direction characters."""
    text = (value or "").strip("\n")
    bad = unsafe_characters(text, multiline=True)
    if bad:
        check_text(text, "description", max(len(text), 1), multiline=True, name="description")
    return text


def check_tags(tags: Iterable[str]) -> list[str]:
    """Tags as stored (see ``check_tag``), repeats dropped, at most MAX_TAGS of them."""
    seen: dict[str, None] = {}
    for tag in tags:
        seen.setdefault(check_tag(tag), None)
    if len(seen) > MAX_TAGS:
        raise InvalidInput(f"A product can have at most {MAX_TAGS} tags, not {len(seen)}.", field="tags")
    return list(seen)


_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
)


def image_kind(head: bytes) -> str | None:
    """PNG, JPEG, GIF or WebP by the file's first bytes, else None."""
    for magic, kind in _IMAGE_MAGIC:
        if head.startswith(magic):
            return kind
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    return None


def check_image(location: str, *, base: Path | None = None) -> str:
    """An image location as checked: an http(s) URL, a name in the store's media folder, or the absolute path
    of a local image file (which the writer copies into the media folder: ``shop.keep_files``)."""
    cleaned = clean_text(location)
    if not cleaned:
        raise InvalidInput("An image location cannot be empty.", field="images")
    if len(cleaned) > 1000:
        raise InvalidInput("An image location can be at most 1000 characters long.", field="images")
    if shop.is_media_name(cleaned):  # already in the store's media folder
        return cleaned
    if "://" in cleaned:
        parsed = urlparse(cleaned)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise InvalidInput(f"The image {cleaned!r} is not an http(s) URL or a local file.", field="images")
        return cleaned
    path = Path(cleaned).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    path = path.resolve()
    if not path.is_file():
        raise InvalidInput(f"The image file {path} does not exist.", field="images")
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise InvalidInput(f"The image file {path} cannot be read ({exc.strerror}).", field="images") from exc
    if image_kind(head) is None:
        raise InvalidInput(f"The file {path} is not an image (PNG, JPEG, GIF or WebP by its content).", field="images")
    return str(path)


def check_images(images: Iterable[str]) -> list[str]:
    checked: list[str] = []
    for image in images:
        value = check_image(image)
        if value not in checked:
            checked.append(value)
    if len(checked) > MAX_IMAGES:
        raise InvalidInput(f"A product can have at most {MAX_IMAGES} images, not {len(checked)}.", field="images")
    return checked


def check_option_names(names: Sequence[str]) -> list[str]:
    """Option names as stored: each one line of at most 40 characters, at most MAX_OPTIONS, no repeats."""
    cleaned = [required_text(n, "option name", 40, name="option_names") for n in names]
    if len(cleaned) > MAX_OPTIONS:
        raise InvalidInput(f"A product can have at most {MAX_OPTIONS} options, not {len(cleaned)}.", field="option_names")
    lowered = [n.lower() for n in cleaned]
    if len(set(lowered)) != len(lowered):
        raise InvalidInput(f"The option names {', '.join(cleaned)} repeat a name; each option needs its own.", field="option_names")
    return cleaned


def slugify(name: str) -> str:
    """``T-Shirts & Tops`` -> ``t-shirts-tops``; CJK characters are kept."""
    lowered = unicodedata.normalize("NFKC", name).lower()
    slug = re.sub(r"[^\w]+", "-", lowered).strip("-_")
    return slug[:100] or "category"
