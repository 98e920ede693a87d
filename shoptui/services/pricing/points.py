"""What points are worth and how many an order may take: the one rule, pure (numbers in, numbers out).

Members (the ledger, the member card, the points liability) and pricing (the counter, orders) both
ask here, so the price a till shows and the redeem check members make can never disagree::

    worth(points)          = points * value_per_100 // 100            rounded down: never more than promised
    most(balance, payable) = min(balance, (payable * max_share_bp // 100%) * 100 // value_per_100)

It imports nothing of the store or of any other domain (members imports pricing, never the reverse).
"""

from __future__ import annotations

from shoptui.services.pricing.rounding import BP_ONE


def points_worth(points: int, value_per_100: int) -> int:
    """What ``points`` are worth at checkout, in minor units (rounded down: never more than promised)."""
    return points * value_per_100 // 100


def points_for_value(value_minor: int, value_per_100: int) -> int:
    """The points whose face value is ``value_minor`` (``value * 100 / value_per_100`` rounded down), so their
    worth never passes it; 0 when points are worth nothing."""
    if value_per_100 <= 0 or value_minor <= 0:
        return 0
    return value_minor * 100 // value_per_100


def max_redeemable(*, balance: int, payable_minor: int, value_per_100: int, max_share_bp: int) -> int:
    """The most points a member holding ``balance`` may use on an order with ``payable_minor`` to pay.

    Capped by the balance and by the share of the order points may pay (``max_share_bp``); never
    below zero (a member in debt, an order with nothing to pay, points worth nothing: 0).
    """
    if balance <= 0 or payable_minor <= 0:
        return 0
    cap_minor = payable_minor * max_share_bp // BP_ONE
    return max(0, min(balance, points_for_value(cap_minor, value_per_100)))
