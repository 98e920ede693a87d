"""What the orders, returns and customers screens share: the store view and the carriers,
status words that read without colour, and item lists typed as ``SKU:QTY``.

:func:`read_meta` runs inside a worker (it opens a read session); the screens keep the
:class:`OrdersMeta` it returns and hand it to their dialogs, so a dialog never queries to fill a
select box. Amounts and moments are shown through ``meta.store`` (the shell's :class:`StoreView`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shoptui.tui.store_view import StoreView, current

CHANNEL_CHOICES = ("phone", "chat", "web", "marketplace", "counter")
"""Channels of an order typed in by hand (imported orders come from the CLI)."""
METHOD_LABELS = {"cash": "cash", "card": "card", "mobile": "mobile pay", "bank_transfer": "bank transfer",
                 "store_credit": "store credit", "exchange": "exchange credit"}
USER_METHODS = ("cash", "card", "mobile", "bank_transfer", "store_credit")

PAYMENT_WORDS = {"unpaid": "unpaid", "partially_paid": "part paid", "paid": "paid",
                 "partially_refunded": "part refd", "refunded": "refunded"}
FULFIL_WORDS = {"unfulfilled": "unshipped", "partially_shipped": "part shpd", "shipped": "shipped",
                "delivered": "delivered", "partially_returned": "part retd", "returned": "returned"}
STATUS_CHOICES = (
    ("any status", ""), ("open", "open"), ("completed", "completed"), ("cancelled", "cancelled"),
    ("unpaid", "unpaid"), ("partially paid", "partially_paid"), ("paid", "paid"),
    ("partially refunded", "partially_refunded"), ("refunded", "refunded"), ("unfulfilled", "unfulfilled"),
    ("partially shipped", "partially_shipped"), ("shipped", "shipped"), ("delivered", "delivered"),
    ("partially returned", "partially_returned"), ("returned", "returned"),
)


@dataclass(frozen=True)
class CarrierChoice:
    """A carrier from the settings, as a select box and the tracking field's help show it."""

    code: str
    name: str
    pattern: str = ""
    typical_days: int = 3


@dataclass(frozen=True)
class OrdersMeta:
    """The store view (currency, time zone: the shell's) and the carriers."""

    store: StoreView = StoreView()
    carriers: tuple[CarrierChoice, ...] = ()

    def carrier_options(self) -> list[tuple[str, str]]:
        """(label, code) pairs for a Select."""
        return [(f"{c.code} · {c.name}", c.code) for c in self.carriers]

    def carrier(self, code: str | None) -> CarrierChoice | None:
        """A carrier by code."""
        return next((c for c in self.carriers if c.code == code), None)

    def pattern_help(self, code: str | None) -> str:
        """The line under a tracking field: what numbers of this carrier look like."""
        carrier = self.carrier(code)
        if carrier is None:
            return "Pick a carrier first."
        if not carrier.pattern:
            return f"{carrier.name}: any tracking number; usually {carrier.typical_days} days on the way."
        return f"{carrier.name} numbers match {carrier.pattern}; usually {carrier.typical_days} days on the way."


def read_meta(db_url: str | None, app: object = None) -> OrdersMeta:
    """Read the carriers; the store view is ``app``'s once the shell has read it (call in a worker thread)."""
    from shoptui import db
    from shoptui.services import orders

    with db.read_session(db_url) as session:
        store = current(app, session)
        cfg = orders.order_settings(session)
    carriers = tuple(CarrierChoice(c.code, c.name, c.pattern, c.typical_days) for c in cfg.carriers)
    return OrdersMeta(store=store, carriers=carriers)


def payment_word(status: str) -> str:
    """``partially_paid`` -> ``part paid`` (short, for a table cell)."""
    return PAYMENT_WORDS.get(status, status.replace("_", " "))


def fulfil_word(status: str) -> str:
    """``unfulfilled`` -> ``unshipped`` (short, for a table cell)."""
    return FULFIL_WORDS.get(status, status.replace("_", " "))


def words(status: str) -> str:
    """``partially_shipped`` -> ``partially shipped``."""
    return status.replace("_", " ")


def parse_items(text: str, field: str | None = None) -> list[tuple[str, int]]:
    """``TEE-01:2 MUG-01 6901234567892x3`` -> [(code, quantity)]; the orders service's sentence when one is bad
    (naming the form ``field``)."""
    from shoptui.services import orders

    found: list[tuple[str, int]] = []
    for spec in re.split(r"[\s,;]+", text.strip()):
        if spec:
            code, quantity, _ = orders.parse_item_spec(spec, field=field)
            found.append((code, quantity))
    return found
