"""The one place amounts are rounded: percentages of prices, price changes, allocations.

Every computed amount that is not a whole number of minor units is rounded here, half away
from zero ("round half up" as shops and tax offices expect), in integers only — never a float.
The offers engine (``services/pricing/engine.py``) and every other service use these functions; this
module imports nothing heavy, so light readers (dashboard figures) can use it too.
"""

from __future__ import annotations

from shoptui.errors import InvalidInput

BP_ONE = 10_000  # 100% in basis points


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, halves away from zero."""
    if denominator > 0 and numerator >= 0:  # the usual case (prices, rates, tax): floor(n / d + 1/2)
        return (2 * numerator + denominator) // (2 * denominator)
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
    parts = split_positive(abs(total_minor), weights, weight_sum)
    return parts if total_minor >= 0 else [-p for p in parts]


def split_positive(total: int, weights: list[int], weight_sum: int) -> list[int]:
    """``allocate`` without its checks, for callers that know ``total`` >= 0 and the weights are
    >= 0 summing to ``weight_sum`` > 0 (the offers engine splits thousands of discounts a cart)."""
    if len(weights) == 1:
        return [total]
    parts = [total * w // weight_sum for w in weights]
    left = total - sum(parts)
    if left:
        # largest remainder first; the sort is stable, so ties keep the earlier part first
        remainders = [-(total * w % weight_sum) for w in weights]
        for i in sorted(range(len(weights)), key=remainders.__getitem__)[:left]:
            parts[i] += 1
    return parts
