"""RFM segments: the scores, the named segments and their rules (standard library only, so help can show them).

Every customer who bought in the period gets three scores of 1 to 5, by quintile: a score is
1 + floor(5 x k / n), where n is the number of customers scored and k how many of them did strictly
worse, so equal figures always get the same score. Recency: days from the last order to the period's
last day (fewer is better); frequency: orders in the period; monetary: net sales in the period. The
first rule of :data:`RFM_RULES` whose score ranges hold names the customer's segment.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from shoptui.errors import NotFound


@dataclass(frozen=True)
class RfmRule:
    """A named segment: the least and most each score may be (R, F, M)."""

    name: str
    recency: tuple[int, int] = (1, 5)
    frequency: tuple[int, int] = (1, 5)
    monetary: tuple[int, int] = (1, 5)
    meaning: str = ""

    def holds(self, r: int, f: int, m: int) -> bool:
        return (
            self.recency[0] <= r <= self.recency[1]
            and self.frequency[0] <= f <= self.frequency[1]
            and self.monetary[0] <= m <= self.monetary[1]
        )

    def rule_text(self) -> str:
        parts = []
        for letter, (low, high) in (("R", self.recency), ("F", self.frequency), ("M", self.monetary)):
            if (low, high) == (1, 5):
                continue
            parts.append(
                f"{letter}={low}"
                if low == high
                else f"{letter}>={low}"
                if high == 5
                else f"{letter}<={high}"
                if low == 1
                else f"{letter} {low}-{high}"
            )
        return " and ".join(parts) or "any scores"


# checked in this order; the last rule catches everything, so every scored customer has exactly one segment
RFM_RULES: tuple[RfmRule, ...] = (
    RfmRule(
        "Champions", recency=(4, 5), frequency=(4, 5), monetary=(4, 5), meaning="bought lately, often and for the most"
    ),
    RfmRule("Loyal", recency=(3, 5), frequency=(4, 5), meaning="buy often"),
    RfmRule("New", recency=(4, 5), frequency=(1, 1), meaning="bought lately, once"),
    RfmRule("Promising", recency=(4, 5), frequency=(2, 3), meaning="bought lately, a few times"),
    RfmRule("Needs attention", recency=(3, 3), frequency=(1, 3), meaning="neither lately nor often"),
    RfmRule("At risk", recency=(1, 2), frequency=(3, 5), meaning="used to buy often, not lately"),
    RfmRule("Hibernating", recency=(1, 2), frequency=(1, 2), meaning="bought long ago, seldom"),
)


def rfm_help() -> str:
    """The RFM rules as text (``shoptui report customers --help`` shows it)."""
    lines = [
        "RFM: every customer who bought in the period scores 1-5 on recency (days since the last order, fewer "
        "is better), frequency (orders) and monetary (net sales), by quintile: score = 1 + floor(5 x k / n), "
        "n customers scored, k of them strictly worse (ties share a score). Segments, the first that holds:"
    ]
    lines += [f"  {rule.name}: {rule.rule_text()} ({rule.meaning})" for rule in RFM_RULES]
    return "\n".join(lines)


def quintile_scores(values: Sequence[int], *, higher_is_better: bool = True) -> list[int]:
    """A score of 1 to 5 per value: 1 + floor(5 x k / n), k = how many values are strictly worse."""
    n = len(values)
    keys = values if higher_is_better else [-v for v in values]
    counts = Counter(keys)
    ordered = sorted(counts)
    # how many values lie strictly below each (accumulate yields one more total than there are values)
    below = dict(zip(ordered, accumulate(map(counts.__getitem__, ordered), initial=0), strict=False))
    return [1 + (5 * below[key]) // n for key in keys]


def rule_named(name: str) -> RfmRule:
    """The RFM segment called ``name`` (any case; spaces, - and _ alike). NotFound lists the names."""
    wanted = _fold(name)
    for rule in RFM_RULES:
        if _fold(rule.name) == wanted:
            return rule
    names = ", ".join(rule.name for rule in RFM_RULES)
    raise NotFound(f"There is no customer segment {name!r}. The segments are: {names}.", field="segment")


def _fold(text: str) -> str:
    clean = unicodedata.normalize("NFKC", text or "").strip().casefold()
    return " ".join(clean.replace("-", " ").replace("_", " ").split())


def segment_of(r: int, f: int, m: int) -> str:
    """The name of the first rule that holds."""
    for rule in RFM_RULES:
        if rule.holds(r, f, m):
            return rule.name
    return RFM_RULES[-1].name  # not reached: the rules cover every score (tests check it)


# every (R, F, M) to its segment: a lookup per customer instead of the rules in turn
SEGMENT_OF: dict[tuple[int, int, int], str] = {
    (r, f, m): segment_of(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)
}
