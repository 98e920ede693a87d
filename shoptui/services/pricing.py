"""The one place amounts are rounded: percentages of prices, price changes, allocations.

Every computed amount that is not a whole number of minor units is rounded here, half away
from zero ("round half up" as shops and tax offices expect), in integers only — never a float.
"""

from __future__ import annotations

from dataclasses import dataclass

from shoptui.errors import InvalidInput

BP_ONE = 10_000  # 100% in basis points


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, halves away from zero."""
    if denominator == 0:
        raise ZeroDivisionError("round_half_up with a zero denominator")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return sign * quotient


def apply_bp(amount_minor: int, bp: int) -> int:
    """``bp`` basis points of ``amount_minor`` (1250 bp of 1999 -> 250), rounded half up."""
    return round_half_up(amount_minor * bp, BP_ONE)


def change_by_bp(amount_minor: int, bp: int) -> int:
    """``amount_minor`` raised (or, for negative ``bp``, lowered) by ``bp`` basis points."""
    return amount_minor + apply_bp(amount_minor, bp)


def adjust_price(amount_minor: int, *, delta_minor: int = 0, delta_bp: int = 0, field: str = "price") -> int:
    """A price changed by an amount and/or a percentage; refuses a result below zero."""
    result = change_by_bp(amount_minor, delta_bp) + delta_minor
    if result < 0:
        raise InvalidInput(f"The change would make the {field} {amount_minor} negative ({result}); pick a smaller cut.")
    return result


def allocate(total_minor: int, weights: list[int]) -> list[int]:
    """Split ``total_minor`` in proportion to ``weights`` so the parts add up exactly.

    Largest remainders get the leftover minor units (ties go to the earlier part).
    """
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum <= 0 or any(w < 0 for w in weights):
        raise InvalidInput("Weights for splitting an amount must be zero or more and not all zero.")
    sign = -1 if total_minor < 0 else 1
    total = abs(total_minor)
    parts = [total * w // weight_sum for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i))
    for i in remainders[: total - sum(parts)]:
        parts[i] += 1
    return [sign * p for p in parts]


# ---------------------------------------------------------------- orders and carts


@dataclass(frozen=True)
class PriceLine:
    """One line to price: quantity, unit price (tax included) and a discount on the whole line."""

    quantity: int
    unit_price_minor: int
    line_discount_minor: int = 0
    key: str = ""  # the caller's name for the line (SKU, variant id); carried through untouched


@dataclass(frozen=True)
class PriceAdjustment:
    """An order-level change of the total, signed (negative lowers it), spread over lines.

    ``scope`` names the line indexes it applies to (a promotion on some products); ``None`` is
    every line. Adjustments are applied in order and never push the goods below zero.
    """

    kind: str  # discount, surcharge, rounding, promotion, coupon, points, member
    amount_minor: int
    label: str = ""
    ref: str | None = None
    scope: tuple[int, ...] | None = None


@dataclass(frozen=True)
class PricedLine:
    """A priced line: every amount is for the whole line, tax included."""

    key: str
    quantity: int
    unit_price_minor: int
    gross_minor: int  # quantity * unit price
    line_discount_minor: int
    line_total_minor: int  # gross - line discount
    adjustment_minor: int  # this line's share of the order-level adjustments (signed)
    net_minor: int  # what the customer pays for the line: line total + adjustment
    tax_minor: int  # the tax part of net


@dataclass(frozen=True)
class PricedOrder:
    """Every total of an order, computed from its lines, adjustments and shipping.

    ``total == subtotal + adjustments + shipping`` and ``sum(line.net) == subtotal + adjustments``
    exactly; ``tax`` is the tax part of the total (lines and shipping).
    """

    lines: tuple[PricedLine, ...]
    adjustments: tuple[PriceAdjustment, ...]
    subtotal_minor: int
    adjustments_minor: int
    shipping_minor: int
    shipping_tax_minor: int
    total_minor: int
    tax_minor: int
    tax_rate_bp: int


def tax_part(amount_minor: int, tax_rate_bp: int) -> int:
    """The tax inside a tax-inclusive amount: ``amount * rate / (1 + rate)``, rounded half up."""
    if tax_rate_bp < 0:
        raise InvalidInput(f"The tax rate {tax_rate_bp} bp cannot be negative.")
    return round_half_up(amount_minor * tax_rate_bp, BP_ONE + tax_rate_bp)


def price_order(
    lines: list[PriceLine] | tuple[PriceLine, ...],
    adjustments: list[PriceAdjustment] | tuple[PriceAdjustment, ...] = (),
    shipping_minor: int = 0,
    tax_rate_bp: int = 0,
) -> PricedOrder:
    """Price an order or cart: line totals, adjustments spread over lines, shipping, total, tax.

    Every order-level adjustment is split over the lines it applies to in proportion to what
    they still cost (largest remainder), so refunding a line returns exactly what was paid for it.
    Raises InvalidInput for negative quantities or prices, a line discount above its line, or
    adjustments that would make the goods cost less than nothing.
    """
    if shipping_minor < 0:
        raise InvalidInput(f"The shipping fee {shipping_minor} cannot be negative.")
    totals: list[int] = []
    for index, line in enumerate(lines):
        name = line.key or f"line {index + 1}"
        if line.quantity < 0:
            raise InvalidInput(f"The quantity of {name} cannot be negative ({line.quantity}).")
        if line.unit_price_minor < 0:
            raise InvalidInput(f"The unit price of {name} cannot be negative.")
        gross = line.quantity * line.unit_price_minor
        if line.line_discount_minor < 0 or line.line_discount_minor > gross:
            raise InvalidInput(f"The discount on {name} must be between 0 and the line's price.")
        totals.append(gross - line.line_discount_minor)
    shares = [0] * len(totals)
    for adjustment in adjustments:
        scope = range(len(totals)) if adjustment.scope is None else adjustment.scope
        scope = [i for i in scope if 0 <= i < len(totals)]
        current = [totals[i] + shares[i] for i in scope]
        if adjustment.amount_minor == 0:
            continue
        if not scope or sum(current) <= 0:
            if adjustment.amount_minor < 0:
                raise InvalidInput(f"The {adjustment.kind} {adjustment.label!r} has nothing left to take off.")
            weights = [1] * len(scope) if scope else []
        else:
            weights = current
        if not weights:
            raise InvalidInput(f"The {adjustment.kind} applies to no line of the order.")
        if adjustment.amount_minor < 0 and -adjustment.amount_minor > sum(current):
            raise InvalidInput(
                f"The {adjustment.kind} of {-adjustment.amount_minor} is more than the {sum(current)} it applies to."
            )
        for i, part in zip(scope, allocate(adjustment.amount_minor, weights), strict=True):
            shares[i] += part
    priced = []
    for index, line in enumerate(lines):
        net = totals[index] + shares[index]
        priced.append(PricedLine(
            key=line.key, quantity=line.quantity, unit_price_minor=line.unit_price_minor,
            gross_minor=line.quantity * line.unit_price_minor, line_discount_minor=line.line_discount_minor,
            line_total_minor=totals[index], adjustment_minor=shares[index], net_minor=net,
            tax_minor=tax_part(net, tax_rate_bp),
        ))
    subtotal = sum(totals)
    adjusted = sum(shares)
    shipping_tax = tax_part(shipping_minor, tax_rate_bp)
    return PricedOrder(
        lines=tuple(priced), adjustments=tuple(adjustments), subtotal_minor=subtotal, adjustments_minor=adjusted,
        shipping_minor=shipping_minor, shipping_tax_minor=shipping_tax,
        total_minor=subtotal + adjusted + shipping_minor,
        tax_minor=sum(p.tax_minor for p in priced) + shipping_tax, tax_rate_bp=tax_rate_bp,
    )


def share_of_units(net_minor: int, quantity: int, done_units: int, units: int) -> int:
    """What ``units`` more of a line's ``quantity`` are worth after ``done_units`` already counted.

    Cumulative, so the parts of a line always add up to its net exactly (3 units of 10.00 are
    worth 3.33, 3.33 and 3.34 one by one, and 10.00 together).
    """
    if quantity <= 0:
        return 0
    return round_half_up(net_minor * (done_units + units), quantity) - round_half_up(net_minor * done_units, quantity)


def cash_rounding(amount_minor: int, step_minor: int) -> int:
    """The signed adjustment that rounds ``amount_minor`` half up to a multiple of ``step_minor``."""
    if step_minor <= 0:
        raise InvalidInput(f"The cash rounding step {step_minor} must be more than zero.")
    return round_half_up(amount_minor, step_minor) * step_minor - amount_minor
