"""Prices of a cart: the offers engine that picks the best promotions and coupon and explains them.

Pure functions on plain carts and rules: it reads no store and calls no other service (an import-linter
contract and ``tests/test_import_cycles.py`` check it). ``services.pricing.terms.price`` loads the rules,
the member's terms and the cart's lines from the store and calls it.
Rounding itself lives in ``services/pricing/rounding.py`` (re-exported here, where most callers look).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from shoptui.errors import InvalidInput
from shoptui.services.pricing.rounding import (
    BP_ONE,
    allocate,
    apply_bp,
    round_half_up,
    split_positive,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_R = TypeVar("_R", bound="DataclassInstance")


def _split(total: int, weights: list[int], weight_sum: int) -> list[int]:
    """``allocate`` for the offers' own calls: ``total`` > 0, weights >= 0 summing to ``weight_sum`` > 0."""
    if weight_sum <= 0:
        return allocate(total, weights)  # refuses as allocate does
    return split_positive(total, weights, weight_sum)


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
    # how the amount is split over ``scope`` (same length); None: in proportion to what the lines still cost
    weights: tuple[int, ...] | None = None


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
    lines: Sequence[PriceLine | OfferLine],
    adjustments: list[PriceAdjustment] | tuple[PriceAdjustment, ...] = (),
    shipping_minor: int = 0,
    tax_rate_bp: int = 0,
) -> PricedOrder:
    """Price an order or cart: line totals, adjustments spread over lines, shipping, total, tax.

    ``lines`` are PriceLines, or OfferLines (the same four fields: key, quantity, unit price, line discount).

    Every order-level adjustment is split over the lines it applies to in proportion to what
    they still cost (largest remainder), so refunding a line returns exactly what was paid for it.
    Raises InvalidInput for negative quantities or prices, a line discount above its line, or
    adjustments that would make the goods cost less than nothing.
    """
    if shipping_minor < 0:
        raise InvalidInput(f"The shipping fee {shipping_minor} cannot be negative.")
    totals: list[int] = []
    for index, line in enumerate(lines):
        quantity, unit, discount = line.quantity, line.unit_price_minor, line.line_discount_minor
        gross = quantity * unit
        if quantity < 0 or unit < 0 or discount < 0 or discount > gross:
            name = line.key or f"line {index + 1}"
            if quantity < 0:
                raise InvalidInput(f"The quantity of {name} cannot be negative ({quantity}).")
            if unit < 0:
                raise InvalidInput(f"The unit price of {name} cannot be negative.")
            raise InvalidInput(f"The discount on {name} must be between 0 and the line's price.")
        totals.append(gross - discount)
    if not adjustments:  # nothing to split: every line nets its own total
        return order_totals(lines, totals, adjustments, shipping_minor, tax_rate_bp)
    shares = [0] * len(totals)
    for adjustment in adjustments:
        asked = range(len(totals)) if adjustment.scope is None else adjustment.scope
        given = adjustment.weights if adjustment.weights is not None and len(adjustment.weights) == len(asked) else None
        if given is not None:
            given = tuple(w for i, w in zip(asked, given, strict=True) if 0 <= i < len(totals))
        scope = [i for i in asked if 0 <= i < len(totals)]
        current = [totals[i] + shares[i] for i in scope]
        if adjustment.amount_minor == 0:
            continue
        if not scope or sum(current) <= 0:
            if adjustment.amount_minor < 0:
                raise InvalidInput(f"The {adjustment.kind} {adjustment.label!r} has nothing left to take off.")
            weights = [1] * len(scope) if scope else []
        else:
            weights = current
            if given is not None and sum(given) > 0 and all(w >= 0 for w in given):
                weights = list(given)
        if not weights:
            raise InvalidInput(f"The {adjustment.kind} applies to no line of the order.")
        if adjustment.amount_minor < 0 and -adjustment.amount_minor > sum(current):
            raise InvalidInput(
                f"The {adjustment.kind} of {-adjustment.amount_minor} is more than the {sum(current)} it applies to."
            )
        for i, part in zip(scope, allocate(adjustment.amount_minor, weights), strict=True):
            shares[i] += part
    return order_totals(lines, [total + share for total, share in zip(totals, shares, strict=True)], adjustments,
                        shipping_minor, tax_rate_bp)


def order_totals(lines: Any, nets: list[int], adjustments: list[PriceAdjustment] | tuple[PriceAdjustment, ...],
                 shipping_minor: int, tax_rate_bp: int) -> PricedOrder:
    """Every total of an order from its lines and what each line nets after the adjustments.

    The one place order totals are summed: ``price_order`` (adjustments split here) and ``finish``
    (offers split as they were taken) both end here. ``lines`` are PriceLines or OfferLines (key,
    quantity, unit price, line discount); subtotal is their own prices, adjustments what the nets
    add to that, total adds shipping, tax is the tax part of every net and of shipping.
    """
    shipping_tax = tax_part(shipping_minor, tax_rate_bp)  # refuses a negative rate before any line
    priced = []
    subtotal = adjusted = tax = 0
    for line, net in zip(lines, nets, strict=True):
        quantity, unit, discount = line.quantity, line.unit_price_minor, line.line_discount_minor
        gross = quantity * unit
        total = gross - discount
        line_tax = tax_part(net, tax_rate_bp) if tax_rate_bp else 0  # the one tax rule
        priced.append(_priced_line(line.key, quantity, unit, gross, discount, total, net - total, net, line_tax))
        subtotal += total
        adjusted += net - total
        tax += line_tax
    return _priced_order(tuple(priced), tuple(adjustments), subtotal, adjusted, shipping_minor, shipping_tax,
                         subtotal + adjusted + shipping_minor, tax + shipping_tax, tax_rate_bp)


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


def record_maker(cls: type[_R]) -> Callable[..., _R]:
    """A positional constructor for a frozen dataclass, several times faster than its ``__init__``.

    The offers build hundreds of small frozen records per priced cart (and an order import one per
    line); frozen ``__init__`` sets each field through ``object.__setattr__``. This gives the object
    its ``__dict__`` whole, built by a dict display written for the class's fields (generated once,
    as ``dataclasses`` generates ``__init__``; twice as fast as filling it from ``zip``), which gives
    an equal object (same fields, equality and hash) as long as the class has no ``__post_init__``,
    slots or defaults computed at construction: checked here, and tests compare both ways. Every
    field is given, in order: too few or too many values raise ValueError.
    """
    import dataclasses

    fields = dataclasses.fields(cls)
    if not fields or hasattr(cls, "__post_init__") or "__slots__" in vars(cls) or any(
            f.default_factory is not dataclasses.MISSING for f in fields):
        return cls
    values = [f"v{i}" for i in range(len(fields))]
    display = ", ".join(f"{f.name!r}: {v}" for f, v in zip(fields, values, strict=True))
    source = (f"def make(*values):\n    {', '.join(values)}, = values\n    obj = new(cls)\n"
              f"    set_dict(obj, '__dict__', {{{display}}})\n    return obj\n")
    namespace: dict[str, Any] = {"__name__": __name__, "new": object.__new__, "cls": cls, "set_dict": object.__setattr__}
    exec(compile(source, f"<record maker of {cls.__qualname__}>", "exec"), namespace)  # the class's own field names only
    make: Callable[..., _R] = namespace["make"]
    make.__qualname__ = f"make_{cls.__name__}"
    return make


# ---------------------------------------------------------------- offers: promotions, member, coupons, points
#
# ``price(...)`` below is the one entry every face and order creation uses. It loads what applies
# (promotions, the member's terms, coupons) once, then the pure functions here decide: promotions
# (the best allowed combination), the member's tier discount, coupons, points, shipping, tax.
# Each step is an adjustment split over the lines it applies to by largest remainder, so every
# line carries exactly its share and refunding all lines refunds the total.


@dataclass(frozen=True)
class CartItem:
    """One item to price: a variant by SKU/barcode or id, a quantity, optionally its own price."""

    quantity: int
    sku: str | None = None
    variant_id: int | None = None
    unit_price_minor: int | None = None  # None: the catalogue price
    line_discount_minor: int = 0


@dataclass(frozen=True)
class Cart:
    """What the customer is buying, and the shipping fee before any free-shipping benefit."""

    items: tuple[CartItem, ...]
    shipping_minor: int = 0


@dataclass(frozen=True)
class OfferLine:
    """A cart line as the offers see it: what it is (product, category path) and what it costs."""

    key: str
    quantity: int
    unit_price_minor: int
    line_discount_minor: int = 0
    variant_id: int | None = None
    product_id: int | None = None
    category_path: str = ""
    title: str = ""
    gift_of: int | None = None  # the promotion that added this gift line

    @property
    def amount_minor(self) -> int:
        """The line's own price (gross less its line discount)."""
        return self.quantity * self.unit_price_minor - self.line_discount_minor


@dataclass(frozen=True)
class Scope:
    """What an offer applies to: every item, some products, or categories with their subtrees."""

    kind: str = "all"
    product_ids: frozenset[int] = frozenset()
    category_paths: tuple[str, ...] = ()  # "/1/5/" matches the category and everything under it

    def matches(self, line: OfferLine) -> bool:
        """True when the line is in scope (gift lines never are)."""
        if line.gift_of is not None:
            return False
        if self.kind == "all":
            return True
        if self.kind == "products":
            return line.product_id in self.product_ids
        return any(line.category_path.startswith(path) for path in self.category_paths)


@dataclass(frozen=True)
class GiftItem:
    """The gift of a gift-with-purchase promotion and how many are free to give."""

    variant_id: int
    sku: str
    title: str
    unit_price_minor: int
    quantity: int
    available: int


@dataclass(frozen=True)
class PromotionRule:
    """An active promotion the customer may have, as the pricing needs it."""

    id: int
    name: str
    kind: str  # spend_save, discount, bxgy, gift
    priority: int = 0
    exclusive: bool = False
    scope: Scope = Scope()
    steps: tuple[tuple[int, int], ...] = ()
    every_minor: int | None = None
    every_off_minor: int | None = None
    cap_minor: int | None = None
    percent_bp: int | None = None
    amount_minor: int | None = None
    min_spend_minor: int = 0
    buy_qty: int = 0
    get_qty: int = 0
    get_percent_bp: int = BP_ONE
    gift: GiftItem | None = None


@dataclass(frozen=True)
class CouponRule:
    """A coupon code that passed its checks (validity, limits), as the pricing needs it."""

    coupon_id: int
    code_id: int
    code: str
    name: str
    kind: str  # amount, percent
    amount_minor: int | None = None
    percent_bp: int | None = None
    cap_minor: int | None = None
    min_spend_minor: int = 0
    scope: Scope = Scope()
    combinable: bool = True


@dataclass(frozen=True)
class MemberTerms:
    """What the customer's tier gives."""

    customer_id: int
    tier: str
    discount_bp: int = 0
    free_shipping_over_minor: int | None = None
    points_multiplier_bp: int = BP_ONE
    points_balance: int = 0
    tier_name: str = ""  # the tier as the shop names it (empty: use ``tier``)


@dataclass(frozen=True)
class Explanation:
    """One adjustment as a person reads it: what, how much (signed), and on which lines."""

    kind: str  # promotion, member, coupon, points, gift, shipping
    name: str
    amount_minor: int
    ref: str | None = None
    lines: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class AppliedPromotion:
    """A promotion that applied: its id and what it gave (discount, and the gifts' value)."""

    promotion_id: int
    name: str
    discount_minor: int
    gift_minor: int = 0


@dataclass(frozen=True)
class AppliedCoupon:
    """A coupon code that applied and what it took off."""

    coupon_id: int
    code_id: int
    code: str
    discount_minor: int


@dataclass(frozen=True)
class PricedCart:
    """Everything the counter, an order or ``shoptui price`` shows about a cart.

    ``total == sum(line.net) + shipping`` exactly; ``discount_minor`` is every offer together
    (positive) and equals minus the sum of the lines' adjustments from offers.
    """

    order: PricedOrder
    lines: tuple[OfferLine, ...]
    explanations: tuple[Explanation, ...]
    notices: tuple[str, ...]
    promotions: tuple[AppliedPromotion, ...]
    coupons: tuple[AppliedCoupon, ...]
    member: MemberTerms | None
    points_used: int
    points_minor: int
    undiscounted_minor: int  # the lines at their own prices, before any offer
    discount_minor: int
    shipping_before_minor: int
    shipping_minor: int
    tax_minor: int
    total_minor: int
    earn_base_minor: int  # what earns points: the goods after every offer and points, no shipping

    @property
    def adjustments(self) -> tuple[PriceAdjustment, ...]:
        """The order-level adjustments to store with an order."""
        return self.order.adjustments


# fast positional constructors (field order) for the records built on every priced cart
_price_adjustment = record_maker(PriceAdjustment)
_priced_line = record_maker(PricedLine)
_priced_order = record_maker(PricedOrder)
_explanation = record_maker(Explanation)
_applied_promotion = record_maker(AppliedPromotion)
make_offer_line = record_maker(OfferLine)  # public: ``terms.offer_lines`` builds the cart's lines with it


@dataclass
class _Run:
    """Adjustments applied so far on top of the lines' own prices."""

    current: list[int]
    # (kind, signed amount, label, ref, scope, weights): made PriceAdjustments by ``finish`` for the kept run only
    adjustments: list[tuple[Any, ...]]
    # an Explanation, or (kind, name, signed amount, ref, scope, weights, detail) still to be named by ``finish``
    explanations: list[Explanation | tuple[Any, ...]]
    promotions: list[AppliedPromotion]
    gifts: list[OfferLine]
    benefit: int = 0

    def copy(self) -> _Run:
        return _Run(list(self.current), list(self.adjustments), list(self.explanations), list(self.promotions),
                    list(self.gifts), self.benefit)

    def take(self, *, kind: str, name: str, ref: str | None, scope: list[int], weights: list[int], amount: int,
             lines: tuple[OfferLine, ...], detail: str = "", weight_sum: int | None = None) -> None:
        """Take ``amount`` off the lines of ``scope`` split by ``weights`` (largest remainder)."""
        if amount <= 0:
            return
        current = self.current
        for i, part in zip(scope, _split(amount, weights, sum(weights) if weight_sum is None else weight_sum),
                           strict=True):
            current[i] -= part
        scope_t, weights_t = tuple(scope), tuple(weights)
        self.adjustments.append((kind, -amount, name[:200], ref, scope_t, weights_t))
        # made an Explanation (with its lines' names) by ``finish``, only for the run that is kept
        self.explanations.append((kind, name, -amount, ref, scope_t, weights_t, detail))
        self.benefit += amount


_MONEY: dict[tuple[int, int], str] = {}


def _money(minor: int, digits: int) -> str:
    found = _MONEY.get((minor, digits))
    if found is None:
        from shoptui.money import format_money

        if len(_MONEY) > 10_000:
            _MONEY.clear()
        found = _MONEY[(minor, digits)] = format_money(minor, digits)
    return found


class _ScopeIndex:
    """Which lines each scope covers, worked out once per cart (by product and by category path)."""

    def __init__(self, lines: tuple[OfferLine, ...]) -> None:
        self.lines = lines
        self.goods = [i for i, line in enumerate(lines) if line.gift_of is None]
        self.by_product: dict[int | None, list[int]] = {}
        self.by_path: dict[str, list[int]] = {}
        for i in self.goods:
            self.by_product.setdefault(lines[i].product_id, []).append(i)
            self.by_path.setdefault(lines[i].category_path, []).append(i)
        self.cache: dict[Scope, list[int]] = {}

    def __call__(self, scope: Scope) -> list[int]:
        found = self.cache.get(scope)
        if found is not None:
            return found
        if scope.kind == "all":
            found = self.goods
        elif scope.kind == "products":
            if len(scope.product_ids) < len(self.by_product):
                found = sorted(i for pid in scope.product_ids for i in self.by_product.get(pid, ()))
            else:
                found = sorted(i for pid, idx in self.by_product.items() if pid in scope.product_ids for i in idx)
        else:
            found = sorted(i for path, idx in self.by_path.items()
                           if any(path.startswith(p) for p in scope.category_paths) for i in idx)
        self.cache[scope] = found
        return found


def _in_scope(scope: Scope, lines: tuple[OfferLine, ...]) -> list[int]:
    return [i for i, line in enumerate(lines) if scope.matches(line)]


def _apply_promotion(run: _Run, rule: PromotionRule, lines: tuple[OfferLine, ...], original: list[int],
                     digits: int, notices: list[str] | None, index: _ScopeIndex | None = None,
                     scope: list[int] | None = None, spent: int | None = None, dry: bool = False) -> int:
    """Apply one promotion on what the lines still cost; thresholds look at the lines' own prices.

    Returns what it gives; with ``dry`` only that, leaving ``run`` as it was (to rank exclusive ones).
    """
    if scope is None:
        scope = index(rule.scope) if index is not None else _in_scope(rule.scope, lines)
    if not scope:
        return 0
    if spent is None:
        spent = sum(map(original.__getitem__, scope))
    if spent <= 0 or spent < rule.min_spend_minor:
        return 0
    current = run.current
    weights = list(map(current.__getitem__, scope))
    left = sum(weights)
    kind = rule.kind
    if kind == "spend_save" or kind == "discount":  # the common kinds, lean: words only for what applies
        best = None
        if kind == "discount":
            off = apply_bp(left, rule.percent_bp) if rule.percent_bp is not None else rule.amount_minor or 0
        elif rule.every_minor:
            off = spent // rule.every_minor * (rule.every_off_minor or 0)
        else:
            for step in rule.steps:  # the step giving the most (the first of equals)
                if spent >= step[0] and (best is None or step[1] > best[1]):
                    best = step
            off = best[1] if best is not None else 0
        if rule.cap_minor is not None and rule.cap_minor < off:
            off = rule.cap_minor
        amount = off if off < left else left
        if dry or amount <= 0:
            return amount if amount > 0 else 0
        if kind == "discount":
            detail = (f"{rule.percent_bp / 100:g}% off" if rule.percent_bp is not None
                      else f"{_money(rule.amount_minor or 0, digits)} off")
        elif rule.every_minor:
            detail = f"{_money(rule.every_off_minor or 0, digits)} off every {_money(rule.every_minor, digits)}"
        else:
            detail = f"{_money(best[1], digits)} off over {_money(best[0], digits)}" if best is not None else ""
        run.take(kind="promotion", name=rule.name, ref=f"promotion:{rule.id}", scope=scope, weights=weights,
                 amount=amount, lines=lines, detail=detail, weight_sum=left)
        run.promotions.append(_applied_promotion(rule.id, rule.name, amount, 0))
        return amount
    if dry:  # the other kinds on a scratch run (a gift counts the gifts already given)
        run = _Run(list(current), [], [], [], list(run.gifts), run.benefit)
        notices = None
    before_all = run.benefit
    ref = f"promotion:{rule.id}"
    if rule.kind == "bxgy":
        group = rule.buy_qty + rule.get_qty
        if group <= 0 or rule.get_qty <= 0 or spent < rule.min_spend_minor:
            return 0
        units = sum(lines[i].quantity for i in scope)
        cheap = units // group * rule.get_qty
        if cheap <= 0:
            return 0
        parts = [0] * len(scope)
        # the cheapest items get the discount; ties go to the earlier line
        for pos in sorted(range(len(scope)), key=lambda p: (lines[scope[p]].unit_price_minor, scope[p])):
            if cheap <= 0:
                break
            line = lines[scope[pos]]
            take = min(cheap, line.quantity)
            cheap -= take
            value = share_of_units(run.current[scope[pos]], line.quantity, 0, take)
            parts[pos] = min(apply_bp(value, rule.get_percent_bp), run.current[scope[pos]])
        amount = sum(parts)
        got = "free" if rule.get_percent_bp >= BP_ONE else f"{rule.get_percent_bp / 100:g}% off"
        before = run.benefit
        run.take(kind="promotion", name=rule.name, ref=ref, scope=scope, weights=parts, amount=amount, lines=lines,
                 detail=f"buy {rule.buy_qty} get {rule.get_qty} {got}")
        if run.benefit > before:
            run.promotions.append(_applied_promotion(rule.id, rule.name, amount, 0))
    elif rule.kind == "gift" and rule.gift is not None:
        if spent <= 0 or spent < rule.min_spend_minor:
            return 0
        gift = rule.gift
        taken = sum(g.quantity for g in run.gifts if g.variant_id == gift.variant_id)
        if gift.available - taken < gift.quantity:
            if notices is not None:
                notices.append(f"The gift {gift.sku} ({gift.title}) of '{rule.name}' is out of stock and was not added.")
            return 0
        value = gift.unit_price_minor * gift.quantity
        run.gifts.append(OfferLine(key=gift.sku, quantity=gift.quantity, unit_price_minor=0,
                                   variant_id=gift.variant_id, title=gift.title, gift_of=rule.id))
        run.explanations.append(Explanation(kind="gift", name=rule.name, amount_minor=0, ref=ref, lines=(gift.sku,),
                                            detail=f"{gift.quantity} x {gift.title} free "
                                                   f"(worth {_money(value, digits)})"))
        run.promotions.append(AppliedPromotion(rule.id, rule.name, 0, value))
        run.benefit += value
    return run.benefit - before_all


class _RuleIndex:
    """A rule set ordered as the promotions are tried, indexed by what each rule's scope names.

    Built once per rule set (``_rule_index`` keeps the last few), so a cart's lines meet only the
    rules that can apply to them: a product id finds its rules, a category path finds the rules
    on any of its prefixes, and storewide rules take every line.
    """

    def __init__(self, rules: list[PromotionRule]) -> None:
        self.rules = rules
        self.ordered = sorted(rules, key=lambda r: (-r.priority, r.id))
        self.everything: list[int] = []
        self.by_product: dict[int, list[int]] = {}
        self.by_path: dict[str, list[int]] = {}
        self.gifts = [pos for pos, r in enumerate(self.ordered) if r.kind == "gift"]
        for pos, rule in enumerate(self.ordered):
            scope = rule.scope
            if scope.kind == "all":
                self.everything.append(pos)
            elif scope.kind == "products":
                for pid in scope.product_ids:
                    self.by_product.setdefault(pid, []).append(pos)
            else:
                for path in dict.fromkeys(scope.category_paths):
                    self.by_path.setdefault(path, []).append(pos)

    def scopes(self, lines: tuple[OfferLine, ...]) -> dict[int, list[int]]:
        """Rule position -> the indexes of the lines it covers (ascending), for rules covering any."""
        found: dict[int, list[int]] = {}
        goods = [i for i, line in enumerate(lines) if line.gift_of is None]
        if not goods:
            return found
        for pos in self.everything:
            found[pos] = goods
        by_product, by_path = self.by_product, self.by_path
        path_rules: dict[str, list[int]] = {}
        for i in goods:
            line = lines[i]
            hits = by_product.get(line.product_id) if line.product_id is not None else None
            path = line.category_path
            on_path = path_rules.get(path)
            if on_path is None:
                on_path = path_rules[path] = sorted({pos for n in range(len(path) + 1)
                                                     for pos in by_path.get(path[:n], ())}) if by_path else []
            for group in (hits, on_path):
                if group:
                    for pos in group:
                        covered = found.get(pos)
                        if covered is None:
                            found[pos] = [i]
                        elif covered[-1] != i:
                            covered.append(i)
        return found


_RULE_INDEXES: list[_RuleIndex] = []


def _rule_index(rules: list[PromotionRule]) -> _RuleIndex:
    """The index of ``rules``, reused while the same rule objects come back (a loaded offer context)."""
    for index in _RULE_INDEXES:
        known = index.rules
        if len(known) == len(rules) and all(a is b for a, b in zip(known, rules, strict=True)):
            return index
    index = _RuleIndex(list(rules))
    _RULE_INDEXES.insert(0, index)
    del _RULE_INDEXES[8:]
    return index


def _promotion_runs(base: _Run, rules: list[PromotionRule], lines: tuple[OfferLine, ...], original: list[int],
                    digits: int, index: _ScopeIndex | None = None) -> tuple[_Run, list[str]]:
    """The best allowed combination: one exclusive promotion alone, or every combinable one together.

    The most for the customer wins; ties go to the higher priority, then the older promotion.
    A rule that covers no line of the cart gives nothing and is not tried.
    """
    rule_index = _rule_index(rules)
    ordered = rule_index.ordered
    scopes = rule_index.scopes(lines)
    spent_of: dict[int, int] = {}  # what each scope's lines cost at their own prices (storewide rules share one)

    def spent(scope: list[int]) -> int:
        found = spent_of.get(id(scope))
        if found is None:
            found = spent_of[id(scope)] = sum(map(original.__getitem__, scope))
        return found

    candidates: list[tuple[tuple[int, int, int], _Run | None, list[str], int]] = []
    combinable = [r for r in ordered if not r.exclusive]
    if combinable:
        run = base.copy()
        notes: list[str] = []
        for pos in sorted(scopes):
            rule = ordered[pos]
            if not rule.exclusive:
                scope = scopes[pos]
                _apply_promotion(run, rule, lines, original, digits, notes, scope=scope, spent=spent(scope))
        if run.benefit > 0:
            candidates.append(((run.benefit, combinable[0].priority, -combinable[0].id), run, notes, -1))
    for pos in sorted(scopes):
        rule = ordered[pos]
        if rule.exclusive:  # ranked by what it gives alone; only the winner is applied for real below
            scope = scopes[pos]
            gives = _apply_promotion(base, rule, lines, original, digits, None, scope=scope, spent=spent(scope),
                                     dry=True)
            if base.benefit + gives > 0:
                candidates.append(((base.benefit + gives, rule.priority, -rule.id), None, [], pos))
    if not candidates:
        notes = []
        for pos in rule_index.gifts:  # say why a gift is missing
            if pos in scopes:
                _apply_promotion(base.copy(), ordered[pos], lines, original, digits, notes, scope=scopes[pos])
        return base.copy(), notes
    best = max(candidates, key=lambda c: c[0])
    if best[1] is not None:
        return best[1], best[2]
    run, notes = base.copy(), []
    _apply_promotion(run, ordered[best[3]], lines, original, digits, notes, scope=scopes[best[3]])
    return run, notes


def coupon_refusal(coupon: CouponRule, lines: tuple[OfferLine, ...], digits: int = 2) -> str | None:
    """Why a valid code cannot be used on these lines (out of scope, below its threshold), or None."""
    scope = _in_scope(coupon.scope, lines)
    if not scope:
        return f"The coupon {coupon.code} ({coupon.name}) applies to none of the items in the cart."
    spent = sum(lines[i].amount_minor for i in scope)
    if spent < coupon.min_spend_minor:
        return (f"The coupon {coupon.code} needs a spend of {_money(coupon.min_spend_minor, digits)} on "
                f"the items it covers; the cart has {_money(spent, digits)}.")
    return None


def _apply_coupon(run: _Run, coupon: CouponRule, lines: tuple[OfferLine, ...], original: list[int],
                  digits: int) -> AppliedCoupon | None:
    refusal = coupon_refusal(coupon, lines, digits)
    if refusal is not None:
        raise InvalidInput(refusal)
    scope = _in_scope(coupon.scope, lines)
    left = sum(run.current[i] for i in scope)
    if coupon.kind == "percent":
        off = apply_bp(left, coupon.percent_bp or 0)
        detail = f"{(coupon.percent_bp or 0) / 100:g}% off"
    else:
        off = coupon.amount_minor or 0
        detail = f"{_money(off, digits)} off"
    if coupon.cap_minor is not None:
        off = min(off, coupon.cap_minor)
    amount = min(off, left)
    before = run.benefit
    run.take(kind="coupon", name=f"{coupon.name} ({coupon.code})", ref=f"coupon:{coupon.code}", scope=scope,
             weights=[run.current[i] for i in scope], amount=amount, lines=lines, detail=detail)
    return AppliedCoupon(coupon.coupon_id, coupon.code_id, coupon.code, run.benefit - before)


@dataclass
class OfferResult:
    """Promotions, member discount and coupons applied; points and totals still to come."""

    lines: tuple[OfferLine, ...]
    run: _Run
    coupons: list[AppliedCoupon]
    notices: list[str]
    member: MemberTerms | None


def apply_offers(lines: tuple[OfferLine, ...], *, promotions: list[PromotionRule], member: MemberTerms | None,
                 coupons: list[CouponRule], digits: int = 2) -> OfferResult:
    """Promotions (the best allowed combination), then the tier discount, then coupons. Pure.

    A coupon that is not combinable with promotions is used only when it alone (with the tier
    discount) gives more than the promotions; otherwise it stays unused and a notice says so.
    """
    original = [line.amount_minor for line in lines]
    for i, amount in enumerate(original):
        if amount < 0:
            raise InvalidInput(f"The discount on {lines[i].key} is more than the line's price.")
    index = _ScopeIndex(lines)
    seen: set[int] = set()
    for coupon in coupons:
        if coupon.coupon_id in seen:
            raise InvalidInput(f"Only one code of the coupon '{coupon.name}' can be used on one order.")
        seen.add(coupon.coupon_id)

    def scenario(with_promotions: bool, usable: list[CouponRule]) -> tuple[_Run, list[AppliedCoupon], list[str]]:
        run = _Run(list(original), [], [], [], [])
        notes: list[str] = []
        if with_promotions and promotions:
            run, notes = _promotion_runs(run, promotions, lines, original, digits, index)
        if member is not None and member.discount_bp > 0:
            scope = [i for i, line in enumerate(lines) if line.gift_of is None]
            left = sum(run.current[i] for i in scope)
            run.take(kind="member", name=f"{member.tier} member discount", ref=f"tier:{member.tier}", scope=scope,
                     weights=[run.current[i] for i in scope], amount=apply_bp(left, member.discount_bp), lines=lines,
                     detail=f"{member.discount_bp / 100:g}% off")
        applied = [a for a in (_apply_coupon(run, c, lines, original, digits) for c in usable) if a is not None]
        return run, applied, notes

    run, applied, notes = scenario(True, [c for c in coupons if c.combinable])
    dropped = [c for c in coupons if not c.combinable]
    if dropped and run.promotions:
        alone, alone_applied, alone_notes = scenario(False, coupons)
        if alone.benefit > run.benefit:
            notes = alone_notes + [f"The promotions were left out: coupon {c.code} cannot be combined with them and "
                                   "gives more." for c in dropped]
            run, applied = alone, alone_applied
        else:
            notes += [f"The coupon {c.code} was not used: it cannot be combined with promotions, which give more."
                      for c in dropped]
    elif dropped:
        run, applied, notes = scenario(False, coupons)
    return OfferResult(lines=lines + tuple(run.gifts), run=run, coupons=applied, notices=notes, member=member)


def _explanations(raw: list[Explanation | tuple[Any, ...]], lines: tuple[OfferLine, ...]) -> list[Explanation]:
    """The kept run's explanations, each naming the lines it took something off (those with a weight)."""
    keys = [line.key for line in lines]
    named: dict[tuple[int, ...], tuple[str, ...]] = {}
    out = []
    for e in raw:
        if isinstance(e, Explanation):
            out.append(e)
            continue
        kind, name, amount, ref, scope, weights, detail = e
        if min(weights, default=1) > 0:
            names = named.get(scope)
            if names is None:
                names = named[scope] = tuple(keys[i] for i in scope)
        else:
            names = tuple(keys[i] for i, w in zip(scope, weights, strict=True) if w > 0)
        out.append(_explanation(kind, name, amount, ref, names, detail))
    return out


def finish(offers: OfferResult, *, shipping_minor: int, tax_rate_bp: int, points: int = 0,
           points_value_minor: int = 0, digits: int = 2) -> PricedCart:
    """Points, shipping (free over the tier's amount), tax and totals on top of the offers. Pure."""
    run = offers.run.copy()
    lines = offers.lines
    run.current += [0] * (len(lines) - len(run.current))
    goods = [i for i, line in enumerate(lines) if line.gift_of is None]
    payable = sum(run.current[i] for i in goods)
    if shipping_minor < 0:
        raise InvalidInput(f"The shipping fee {_money(shipping_minor, digits)} cannot be negative.")
    points_minor = min(points_value_minor, payable) if points > 0 else 0
    if points_minor > 0:
        run.take(kind="points", name=f"{points} points", ref=f"points:{points}", scope=goods,
                 weights=[run.current[i] for i in goods], amount=points_minor, lines=lines)
    shipping = shipping_minor
    member = offers.member
    explanations = _explanations(run.explanations, lines)
    if (shipping > 0 and member is not None and member.free_shipping_over_minor is not None
            and payable >= member.free_shipping_over_minor):
        explanations.append(Explanation(kind="shipping", name=f"free shipping for {member.tier} members",
                                        amount_minor=-shipping, ref=f"tier:{member.tier}",
                                        detail=f"over {_money(member.free_shipping_over_minor, digits)}"))
        shipping = 0
    adjustments = [_price_adjustment(*raw) for raw in run.adjustments]  # (kind, amount, label, ref, scope, weights)
    # every adjustment was split over its scope exactly as ``price_order`` splits it (the property tests
    # compare both), so the lines' nets are final: only the totals are left
    order = order_totals(lines, run.current, adjustments, shipping, tax_rate_bp)
    offers_off = sum(-a.amount_minor for a in adjustments if a.kind != "points")
    return PricedCart(
        order=order, lines=lines, explanations=tuple(explanations), notices=tuple(offers.notices),
        promotions=tuple(run.promotions), coupons=tuple(offers.coupons), member=member,
        points_used=points if points_minor > 0 else 0, points_minor=points_minor,
        undiscounted_minor=sum(line.amount_minor for line in lines), discount_minor=offers_off,
        shipping_before_minor=shipping_minor, shipping_minor=shipping, tax_minor=order.tax_minor,
        total_minor=order.total_minor,
        earn_base_minor=sum(order.lines[i].net_minor for i in goods),
    )
