"""Counter sales (point of sale): a basket built from scans, paid in one or more parts, handed over.

The basket is a plain frozen value the face holds while the customer is at the counter; every
change returns a new basket, priced by ``services.pricing.engine``, and nothing is written until
``complete_sale``. That one call, inside the face's one transaction, creates a counter order,
takes the payments, hands every item over (stock deducted at once) and renders the receipt::

    basket = sales.new_basket(session=s)
    basket = sales.scan(session=s, basket=basket, code="6901234567892")     # again: quantity 2
    basket = sales.attach_customer(session=s, basket=basket, phone="13800138000")
    result = sales.complete_sale(session=s, actor=a, basket=basket,
                                 tenders=[sales.Tender(method="card", amount_minor=5000),
                                          sales.Tender(method="cash", amount_minor=20000)])
    result.order.number, result.change_minor, result.receipt

Payments: card, mobile pay, bank transfer and store credit may never be more than what is due;
cash may (the rest is change). With a cash rounding step (setting ``cash_rounding``: 0.1, 0.5
or 1) the cash part is rounded half up and the difference becomes an explicit ``rounding``
adjustment on the order, so the stored total still equals the sum of its parts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, PrivateAttr
from sqlmodel import Session

from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotAllowed, ShopError
from shoptui.services import orders
from shoptui.services import pricing as pricing_api
from shoptui.services import shop as shop_api
from shoptui.services.inventory import default_location, levels_for, variant_by_id
from shoptui.services.sales.settings import CASH_STEPS

MAX_BASKET_LINES = 200
METHOD_ALIASES = {"mobile_pay": "mobile", "wechat": "mobile", "alipay": "mobile", "transfer": "bank_transfer",
                  "bank": "bank_transfer", "credit": "store_credit"}




# ---------------------------------------------------------------- the basket


class BasketLine(BaseModel, frozen=True):
    """One variant in the basket, priced (amounts for the whole line, tax included)."""

    variant_id: int
    sku: str
    title: str
    unit_price_minor: int
    quantity: int
    available: int | None = None  # what the shelf had at the last scan; None: stock not tracked
    line_discount_minor: int = 0
    line_total_minor: int = 0
    net_minor: int = 0  # after the offers, points and the basket discount
    offers_minor: int = 0  # this line's share of the offers and points (negative lowers it)
    product_id: int | None = None  # what promotions and coupons look at
    category_path: str = ""


class BasketOffer(BaseModel, frozen=True):
    """One applied offer as the sale screen and receipt show it: what, how much (signed), why, on which lines."""

    kind: str  # promotion, member, coupon, points, gift
    name: str
    amount_minor: int
    detail: str = ""
    ref: str | None = None
    lines: tuple[str, ...] = ()


class BasketGift(BaseModel, frozen=True):
    """A gift a promotion adds: zero price, it takes stock when the sale completes."""

    variant_id: int
    sku: str
    title: str
    quantity: int
    promotion_id: int
    promotion: str = ""


class BasketMember(BaseModel, frozen=True):
    """The member on the sale: who, which tier, what the tier gives, and the points they may use now."""

    customer_id: int
    name: str
    tier: str
    tier_name: str
    discount_bp: int = 0
    points_balance: int = 0
    points_value_minor: int = 0  # what the whole balance is worth at checkout
    max_redeemable_points: int = 0  # the most points usable on this basket as it stands


class Basket(BaseModel, frozen=True):
    """The sale being rung up: lines, customer, offers and every total. Change it only through this module.

    Offers (promotions, the member's tier discount, coupon codes, points) are priced by
    ``services.pricing.engine`` on every change: ``explanations`` lists each applied one, ``gifts`` the
    gift lines, ``notices`` what was left out and why (a gift out of stock, a code taken off).
    """

    lines: tuple[BasketLine, ...] = ()
    customer_id: int | None = None
    customer_name: str = ""
    customer_phone: str | None = None
    discount_minor: int = 0  # an order discount typed at the counter (positive lowers the total)
    tax_rate_bp: int = 0
    subtotal_minor: int = 0
    adjustments_minor: int = 0
    total_minor: int = 0
    tax_minor: int = 0
    item_count: int = 0
    last_sku: str | None = None  # the line the last change touched (the face highlights it)
    coupon_codes: tuple[str, ...] = ()  # as stored (upper case, no separators)
    points_to_use: int = 0
    member: BasketMember | None = None
    explanations: tuple[BasketOffer, ...] = ()
    gifts: tuple[BasketGift, ...] = ()
    notices: tuple[str, ...] = ()
    offers_minor: int = 0  # every offer together, points excluded (positive: what the customer saves)
    points_minor: int = 0  # what the points used take off
    # what promotions, tier, coupons and points apply, as last read from the store (None: price without offers)
    _offers: pricing_api.OfferContext | None = PrivateAttr(default=None)

    @property
    def saved_minor(self) -> int:
        """Everything taken off: offers, points and the counter discount."""
        return self.offers_minor + self.points_minor + self.discount_minor

    @property
    def empty(self) -> bool:
        """True when nothing is scanned yet."""
        return not self.lines

    def line(self, sku: str) -> BasketLine | None:
        """The line of a SKU (case-insensitive), if it is in the basket."""
        wanted = sku.strip().upper()
        return next((line for line in self.lines if line.sku.upper() == wanted), None)


def _offer_lines(lines: tuple[BasketLine, ...]) -> tuple[pricing_api.OfferLine, ...]:
    return tuple(pricing_api.OfferLine(key=line.sku, quantity=line.quantity, unit_price_minor=line.unit_price_minor,
                                   line_discount_minor=line.line_discount_minor, variant_id=line.variant_id,
                                   product_id=line.product_id, category_path=line.category_path, title=line.title)
                 for line in lines)


def _priced(basket: Basket, session: Session | None = None, *, reload: bool = False, strict: bool = False,
            **changes: Any) -> Basket:
    """A new basket with ``changes`` applied and every amount priced again by ``pricing.terms.assemble``.

    With a ``session`` (and ``reload``) the offers are read from the store again; without one the
    basket re-prices with the offers it last read (the store is read again when the sale completes).
    Not ``strict`` (an item changed): a code that no longer fits is taken off and the points lowered.
    """
    draft = basket.model_copy(update=changes)
    if draft.discount_minor < 0:
        raise InvalidInput("A discount cannot be negative.")
    context = basket._offers
    notes: list[str] = []
    if session is not None and (reload or context is None):
        context = _load(session, draft, notes, strict=strict)
    elif context is not None and context.customer_id != draft.customer_id:
        context = context.as_guest()  # the customer was taken off without a store at hand
    manual = [pricing_api.PriceAdjustment(kind="discount", amount_minor=-draft.discount_minor, label="discount")
              ] if draft.discount_minor and draft.lines else []
    priced = pricing_api.assemble(context, _offer_lines(draft.lines), tax_rate_bp=draft.tax_rate_bp,
                                        points_to_use=draft.points_to_use, adjustments=manual, strict=strict)
    offers = priced.offers
    context = priced.context
    lines = tuple(line.model_copy(update={
        "line_total_minor": p.line_total_minor, "net_minor": p.net_minor, "offers_minor": priced.offers_minor[i]})
        for i, (line, p) in enumerate(zip(draft.lines, priced.order.lines, strict=False)))
    update: dict[str, Any] = {
        "lines": lines, "subtotal_minor": priced.order.subtotal_minor,
        "adjustments_minor": priced.order.adjustments_minor, "total_minor": priced.order.total_minor,
        "tax_minor": priced.order.tax_minor, "item_count": sum(line.quantity for line in lines),
        "points_to_use": priced.points_to_use,
        "coupon_codes": tuple(c.code for c in context.coupons) if context is not None else draft.coupon_codes,
        "member": _member(context, offers, draft.customer_name), "notices": tuple(notes) + priced.notices,
        "explanations": tuple(BasketOffer(kind=e.kind, name=e.name, amount_minor=e.amount_minor, detail=e.detail,
                                          ref=e.ref, lines=tuple(e.lines)) for e in offers.explanations)
        if offers else (),
        "gifts": tuple(BasketGift(variant_id=g.variant_id or 0, sku=g.key, title=g.title, quantity=g.quantity,
                                  promotion_id=g.gift_of or 0,
                                  promotion=next((p.name for p in offers.promotions if p.promotion_id == g.gift_of), ""))
                       for g in priced.gifts) if offers else (),
        "offers_minor": offers.discount_minor if offers else 0, "points_minor": offers.points_minor if offers else 0,
    }
    result = draft.model_copy(update=update)
    result._offers = context
    return result


def _load(session: Session, basket: Basket, notes: list[str], *, strict: bool) -> pricing_api.OfferContext:
    """The offers for the basket's customer and codes. Not strict: a code no longer valid is taken off, with a notice."""
    if strict or not basket.coupon_codes:
        return pricing_api.load_offers(session=session, customer_id=basket.customer_id,
                                             coupon_codes=basket.coupon_codes, channel="counter")
    context = pricing_api.load_offers(session=session, customer_id=basket.customer_id, channel="counter")
    coupons = []
    for code in basket.coupon_codes:
        try:
            coupons.append(pricing_api.coupon_rule(session, code, customer_id=basket.customer_id, at=context.at,
                                                         digits=context.digits))
        except ShopError as exc:
            notes.append(f"{exc} It was taken off.")
    return replace(context, coupons=tuple(coupons))


def _member(context: pricing_api.OfferContext | None, offers: pricing_api.PricedCart | None,
            name: str) -> BasketMember | None:
    if context is None or context.member is None:
        return None
    terms = context.member
    payable = 0
    if offers is not None:  # the goods after the offers, before points: what the points cap is a share of
        payable = sum(line.net_minor for line, offer in zip(offers.order.lines, offers.lines, strict=True)
                      if offer.gift_of is None) + offers.points_minor
    return BasketMember(customer_id=terms.customer_id, name=name, tier=terms.tier, tier_name=terms.tier_name or terms.tier,
                        discount_bp=terms.discount_bp, points_balance=terms.points_balance,
                        points_value_minor=pricing_api.offer_points_worth(context, terms.points_balance),
                        max_redeemable_points=pricing_api.points_allowed(context, payable))


def new_basket(*, session: Session) -> Basket:
    """An empty basket carrying the store's tax rate and the promotions running now."""
    return _priced(Basket(tax_rate_bp=int(shop_api.get(session=session, key="tax_rate_bp"))), session,
                   reload=True)


def parse_scan(entry: str) -> tuple[str, int]:
    """What was typed or scanned: ``CODE``, ``CODExQTY``, ``CODE:QTY`` or ``QTY*CODE`` -> (code, quantity)."""
    raw = unicodedata.normalize("NFKC", entry).strip()
    if not raw:
        raise InvalidInput("Scan a barcode or type a SKU.")
    match = re.fullmatch(r"(?P<qty>-?\d{1,6})\s*\*\s*(?P<code>\S+)", raw)
    if match:
        code, quantity = match["code"], int(match["qty"])
    else:
        code, quantity, _ = orders.parse_item_spec(raw)
        return code, quantity
    if quantity <= 0:
        raise InvalidInput(f"The quantity in {entry!r} must be more than zero.")
    if quantity > orders.MAX_QUANTITY:
        raise InvalidInput(f"The quantity in {entry!r} is too large (at most {orders.MAX_QUANTITY:,}).")
    return code, quantity


def _available(session: Session, variant_id: int) -> int | None:
    """What can still be sold of a variant at the counter's (default) location; None when not tracked."""
    variant = variant_by_id(session, variant_id)
    if not variant.track_stock:
        return None
    location = default_location(session)
    return levels_for(session, [variant_id], location_id=location.id)[variant_id].available


def _check_stock(line: BasketLine, quantity: int) -> None:
    if line.available is not None and quantity > line.available:
        raise Conflict(f"Only {max(line.available, 0)} of {line.sku} ({line.title}) available, so {quantity} cannot "
                       "be sold. Count the shelf or sell fewer.")


def scan(*, session: Session, basket: Basket, code: str, quantity: int = 1) -> Basket:
    """Add an item by barcode or SKU; scanning one already in the basket adds to its quantity.

    Raises NotFound for an unknown code, InvalidInput for an archived product or a bad quantity,
    Conflict when the shelf has fewer than the basket would hold.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidInput(f"The quantity to add must be a whole number above zero, not {quantity!r}.")
    code = unicodedata.normalize("NFKC", code).strip()
    if not code:
        raise InvalidInput("Scan a barcode or type a SKU.")
    sellable = orders.resolve_variants(session, [orders.DraftLine(sku=code, quantity=1)])[0]
    available = _available(session, sellable.id)
    lines = list(basket.lines)
    for index, line in enumerate(lines):
        if line.variant_id == sellable.id:
            wanted = line.quantity + quantity
            if wanted > orders.MAX_QUANTITY:
                raise InvalidInput(f"{line.sku} would be {wanted} in the basket; at most {orders.MAX_QUANTITY:,}.")
            fresh = line.model_copy(update={"available": available})
            _check_stock(fresh, wanted)
            lines[index] = fresh.model_copy(update={"quantity": wanted})
            return _priced(basket, session, reload=True, lines=tuple(lines), last_sku=line.sku)
    if len(lines) >= MAX_BASKET_LINES:
        raise InvalidInput(f"A basket takes at most {MAX_BASKET_LINES} different items; finish this sale first.")
    if quantity > orders.MAX_QUANTITY:
        raise InvalidInput(f"The quantity {quantity} is too large (at most {orders.MAX_QUANTITY:,}).")
    facts = pricing_api.offer_lines(session, [pricing_api.CartItem(quantity=1, variant_id=sellable.id)])[0]
    line = BasketLine(variant_id=sellable.id, sku=sellable.sku, title=sellable.title,
                      unit_price_minor=sellable.price_minor, quantity=quantity, available=available,
                      product_id=facts.product_id, category_path=facts.category_path)
    _check_stock(line, quantity)
    return _priced(basket, session, reload=True, lines=(*lines, line), last_sku=line.sku)


def _find(basket: Basket, sku: str) -> tuple[int, BasketLine]:
    wanted = unicodedata.normalize("NFKC", sku).strip().upper()
    for index, line in enumerate(basket.lines):
        if line.sku.upper() == wanted:
            return index, line
    raise InvalidInput(f"{sku} is not in the basket.")


def set_quantity(*, basket: Basket, sku: str, quantity: int, session: Session | None = None) -> Basket:
    """Set a line's quantity; 0 removes the line. Conflict when the shelf had fewer at the last scan.

    With a ``session`` the offers are read again; without one the basket's last reading is used.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput(f"The quantity of {sku} must be a whole number.")
    if quantity < 0:
        raise InvalidInput(f"The quantity of {sku} cannot be negative ({quantity}).")
    if quantity > orders.MAX_QUANTITY:
        raise InvalidInput(f"The quantity of {sku} is too large (at most {orders.MAX_QUANTITY:,}).")
    index, line = _find(basket, sku)
    if quantity == 0:
        return remove_line(basket=basket, sku=sku, session=session)
    _check_stock(line, quantity)
    lines = list(basket.lines)
    lines[index] = line.model_copy(update={"quantity": quantity})
    return _priced(basket, session, reload=session is not None, lines=tuple(lines), last_sku=line.sku)


def remove_line(*, basket: Basket, sku: str, session: Session | None = None) -> Basket:
    """Take a line out of the basket (a coupon that no longer fits comes off, with a notice)."""
    index, line = _find(basket, sku)
    lines = basket.lines[:index] + basket.lines[index + 1:]
    changes: dict[str, Any] = {"lines": lines, "last_sku": None}
    if not lines:
        changes["discount_minor"] = 0
    return _priced(basket, session, reload=session is not None, **changes)


def set_line_discount(*, basket: Basket, sku: str, discount_minor: int, session: Session | None = None) -> Basket:
    """A discount off one line's price (0 takes it away); never more than the line costs."""
    index, line = _find(basket, sku)
    if isinstance(discount_minor, bool) or not isinstance(discount_minor, int) or discount_minor < 0:
        raise InvalidInput(f"The discount on {line.sku} must be an amount of zero or more.", field="line_discount_minor")
    if discount_minor > line.quantity * line.unit_price_minor:
        raise InvalidInput(f"The discount on {line.sku} is more than the line costs.", field="line_discount_minor")
    lines = list(basket.lines)
    lines[index] = line.model_copy(update={"line_discount_minor": discount_minor})
    return _priced(basket, session, reload=session is not None, lines=tuple(lines), last_sku=line.sku)


def set_discount(*, basket: Basket, discount_minor: int, session: Session | None = None) -> Basket:
    """A discount off the whole basket (0 takes it away); never more than the goods cost."""
    if isinstance(discount_minor, bool) or not isinstance(discount_minor, int) or discount_minor < 0:
        raise InvalidInput("The discount must be an amount of zero or more.", field="discount_minor")
    if basket.empty and discount_minor:
        raise InvalidInput("The basket is empty; scan an item before giving a discount.", field="discount_minor")
    if discount_minor > basket.subtotal_minor:
        raise InvalidInput(f"The discount of {discount_minor} is more than the {basket.subtotal_minor} the goods cost.", field="discount_minor")
    return _priced(basket, session, reload=session is not None, discount_minor=discount_minor)


def attach_customer(*, session: Session, basket: Basket, phone: str) -> Basket:
    """Put the customer with this phone (or id, or email) on the sale and price their offers; NotFound when none.

    A member brings the tier discount, member promotions and points; points chosen for another
    customer are dropped.
    """
    from shoptui.services.members import find_customer_row

    customer = find_customer_row(session, phone)
    points = basket.points_to_use if basket.customer_id == customer.id else 0
    return _priced(basket, session, reload=True, customer_id=customer.id, customer_name=customer.name,
                   customer_phone=customer.phone, points_to_use=points)


def detach_customer(*, basket: Basket, session: Session | None = None) -> Basket:
    """Make the sale a guest sale again (no tier discount, member promotions or points)."""
    return _priced(basket, session, reload=session is not None, customer_id=None, customer_name="",
                   customer_phone=None, points_to_use=0)


def add_coupon(*, session: Session, basket: Basket, code: str) -> Basket:
    """Put a coupon code on the sale. NotFound for an unknown code; InvalidInput, saying why, for a code that
    cannot be used (expired, used up, below its threshold, for another customer, not for these items)."""
    wanted = pricing_api.normalise_code(code)
    if not wanted:
        raise InvalidInput("Type or scan a coupon code.")
    if wanted in basket.coupon_codes:
        raise InvalidInput(f"The coupon {wanted} is already on this sale.")
    if basket.empty:
        raise InvalidInput("The basket is empty; scan the items before the coupon.")
    result = _priced(basket, session, reload=True, strict=True, coupon_codes=(*basket.coupon_codes, wanted))
    applied = next((e for e in result.explanations if e.ref == f"coupon:{wanted}"), None)
    if applied is None:  # valid, but another offer won (a coupon not combinable with better promotions)
        reason = next((n for n in result.notices if wanted in n), f"The coupon {wanted} gives nothing on this sale.")
        raise InvalidInput(reason)
    return result


def remove_coupon(*, basket: Basket, code: str, session: Session | None = None) -> Basket:
    """Take a coupon code off the sale."""
    wanted = pricing_api.normalise_code(code)
    if wanted not in basket.coupon_codes:
        raise InvalidInput(f"The coupon {code.strip() or code!r} is not on this sale.")
    context = basket._offers
    result = basket
    if context is not None:
        result = basket.model_copy()
        result._offers = replace(context, coupons=tuple(c for c in context.coupons if c.code != wanted))
    return _priced(result, session, reload=session is not None,
                   coupon_codes=tuple(c for c in basket.coupon_codes if c != wanted))


def set_points(*, basket: Basket, points: int, session: Session | None = None) -> Basket:
    """Use ``points`` of the member's points on this sale (0: none); any amount up to what they hold and the
    sale allows (``basket.member.max_redeemable_points``). InvalidInput names the limit that was passed."""
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise InvalidInput(f"The points to use must be a whole number of 0 or more, not {points!r}.")
    if points and basket.customer_id is None:
        raise InvalidInput("Points can only be used by a member; attach the member first.")
    if points and basket.empty:
        raise InvalidInput("The basket is empty; scan the items before using points.")
    return _priced(basket, session, reload=session is not None, strict=True, points_to_use=points)


def refresh(*, session: Session, basket: Basket) -> Basket:
    """The basket priced again with the promotions, tier, codes and points as the store has them now."""
    return _priced(basket, session, reload=True)


# ---------------------------------------------------------------- payment


class Tender(BaseModel):
    """Money offered: a method and an amount (None: whatever is still due), with a slip/wallet reference."""

    method: str
    amount_minor: int | None = None
    reference: str = ""


class PlannedPayment(BaseModel):
    """One payment the sale will record: the amount applied and, for cash, what was handed over."""

    method: str
    amount_minor: int
    tendered_minor: int | None = None
    change_minor: int = 0
    reference: str = ""


class PaymentPlan(BaseModel):
    """How a basket will be paid: rounding, the payments in the order they are taken, change."""

    goods_minor: int  # the basket total before cash rounding
    rounding_minor: int  # signed cash rounding, an explicit order adjustment
    total_minor: int  # what the order will total
    payments: list[PlannedPayment]
    change_minor: int


def normalise_method(method: str) -> str:
    """``Mobile-Pay`` -> ``mobile``; InvalidInput for a method the shop does not take."""
    value = unicodedata.normalize("NFKC", method or "").strip().lower().replace("-", "_").replace(" ", "_")
    value = METHOD_ALIASES.get(value, value)
    if value not in orders.USER_METHODS:
        raise InvalidInput(f"The payment method {method!r} is not one of {', '.join(orders.USER_METHODS)}.")
    return value


def step_minor(raw: str, currency: shop_api.Currency) -> int:
    """``"0.5"`` -> 50 for a two-decimal currency; ``"none"`` -> 0. InvalidInput for other steps."""
    value = raw.strip().lower()
    if value in ("", "none", "0", "off", "no"):
        return 0
    if value not in CASH_STEPS:
        raise InvalidInput(f"Cash is rounded to 0.1, 0.5 or 1, not {raw!r}.")
    try:
        return currency.parse(value, field="cash rounding step")
    except InvalidInput:  # a step finer than the currency's minor unit is no rounding at all
        return 0


def plan_payment(basket: Basket, tenders: list[Tender], *, rounding_step_minor: int = 0,
                 money: shop_api.Currency | None = None) -> PaymentPlan:
    """Check the tenders against the basket and say what will be recorded; writes nothing.

    Non-cash tenders are applied first and may not add up to more than is due; the cash part
    is rounded (when a step is given) and may be more than due: the rest is change. Raises
    InvalidInput for an empty basket, an unknown method, a non-cash overpayment, or too little.
    """
    fmt = money.format if money else str
    if basket.empty:
        raise InvalidInput("The basket is empty; scan an item first.")
    total = basket.total_minor
    non_cash: list[PlannedPayment] = []
    cash_offered: int | None = None
    cash_open = False  # cash with no amount: exactly what is due
    cash_reference = ""
    covered = 0
    for tender in tenders:
        method = normalise_method(tender.method)
        amount = tender.amount_minor
        if amount is not None:
            if isinstance(amount, bool) or not isinstance(amount, int):
                raise InvalidInput(f"The {method.replace('_', ' ')} amount must be an amount.")
            if amount <= 0:
                raise InvalidInput(f"The {method.replace('_', ' ')} amount must be more than zero, not {fmt(amount)}.")
            if amount >= orders.MAX_MINOR:
                raise InvalidInput(f"The {method.replace('_', ' ')} amount is too large.")
        if method == "cash":
            if amount is None:
                cash_open = True
            else:
                cash_offered = (cash_offered or 0) + amount
            cash_reference = cash_reference or tender.reference
            continue
        left = total - covered
        if amount is None:
            amount = left
            if amount <= 0:
                raise InvalidInput(f"Nothing is left to pay by {method.replace('_', ' ')}; the sale is already covered.")
        elif amount > left:
            raise InvalidInput(f"{fmt(amount)} by {method.replace('_', ' ')} is more than the {fmt(max(left, 0))} due; "
                               "only cash may be more (change is given).")
        covered += amount
        non_cash.append(PlannedPayment(method=method, amount_minor=amount, reference=tender.reference))
    cash_due = total - covered
    rounding = 0
    has_cash = cash_open or cash_offered is not None
    if has_cash and rounding_step_minor > 0 and cash_due > 0:
        rounding = pricing_api.cash_rounding(cash_due, rounding_step_minor)
        cash_due += rounding
    payments = list(non_cash)
    change = 0
    if has_cash and cash_due > 0:
        if cash_offered is None:
            tendered = cash_due
        else:
            tendered = max(cash_offered, cash_due) if cash_open else cash_offered
        if tendered < cash_due:
            raise InvalidInput(f"{fmt(tendered)} in cash is {fmt(cash_due - tendered)} short of the {fmt(cash_due)} "
                               "due. Take more cash or add another payment.")
        change = tendered - cash_due
        payments.append(PlannedPayment(method="cash", amount_minor=cash_due, tendered_minor=tendered,
                                       change_minor=change, reference=cash_reference))
    elif has_cash and cash_offered:
        raise InvalidInput(f"Nothing is left to pay in cash; the other payments cover the {fmt(total)}.")
    elif cash_due > 0:
        paid = covered
        raise InvalidInput(f"Paid {fmt(paid)} of {fmt(total)}: {fmt(cash_due)} is still due. Add another payment.")
    return PaymentPlan(goods_minor=total, rounding_minor=rounding, total_minor=total + rounding, payments=payments,
                       change_minor=change)


# ---------------------------------------------------------------- completing


class SaleResult(BaseModel):
    """A finished counter sale: the order, the change to hand back, the receipt text."""

    order: orders.OrderRead
    change_minor: int
    rounding_minor: int
    receipt: str
    shift_id: int | None = None
    points_earned: int | None = None  # a member's sale: points it earned (None: not a member's)
    points_balance: int | None = None  # ... and the member's balance after it

    @property
    def number(self) -> str:
        """The order number printed on the receipt."""
        return self.order.number


def complete_sale(*, session: Session, actor: Actor, basket: Basket, tenders: list[Tender],
                  rounding_step_minor: int | None = None, receipt_width_mm: int | None = None) -> SaleResult:
    """Create the counter order, take every payment, hand everything over and render the receipt.

    Runs in the caller's transaction: either the order is paid, completed and the stock is
    gone, or nothing is written. ``rounding_step_minor`` None uses the ``cash_rounding``
    setting. Raises InvalidInput (payments), NotFound (a code gone since it was scanned),
    Conflict (too little stock now), NotAllowed (no open shift when one is required).
    """
    from shoptui.services.sales import shifts

    shop = orders.shop_info(session=session)  # every setting in one read
    orders.chars_for(receipt_width_mm, shop)  # refuse a bad width before anything is written
    shift = shifts.current_shift(session=session)
    if shift is None and shop.values.get("sale_requires_shift"):
        raise NotAllowed("No till shift is open, and this shop sells only in an open shift. Open one with "
                         "'shoptui shift open --float 200'.")
    if rounding_step_minor is None:
        step = step_minor(str(shop.values.get("cash_rounding", "none")), shop.currency)
    else:
        step = rounding_step_minor
    if step < 0:
        raise InvalidInput("The cash rounding step cannot be negative.")
    shown = basket.total_minor
    if basket.coupon_codes or basket.points_to_use or basket.explanations:
        # offers that can go stale (a code used at another till, points spent, a promotion ended): read them
        # again and refuse before anything is written; a plain basket is checked against the order's total below
        basket = _priced(basket, session, reload=True, strict=True)
        if basket.total_minor != shown:
            raise Conflict(f"The offers changed since the basket was priced: the sale now totals "
                           f"{shop.currency.format(basket.total_minor)}, not {shop.currency.format(shown)}. "
                           "Check the total with the customer (refresh the basket) and take the payment again.")
    plan = plan_payment(basket, tenders, rounding_step_minor=step, money=shop.currency)
    adjustments = []
    if basket.discount_minor:
        adjustments.append(orders.DraftAdjustment(kind="discount", label="discount", amount_minor=-basket.discount_minor))
    if plan.rounding_minor:
        adjustments.append(orders.DraftAdjustment(kind="rounding", label="cash rounding",
                                                  amount_minor=plan.rounding_minor))
    draft = orders.OrderDraft(
        channel="counter", stock_mode="deferred", customer=basket.customer_id,
        lines=[orders.DraftLine(variant_id=line.variant_id, quantity=line.quantity,
                                unit_price_minor=line.unit_price_minor, line_discount_minor=line.line_discount_minor)
               for line in basket.lines],
        adjustments=adjustments, apply_offers=True, coupon_codes=list(basket.coupon_codes),
        points_to_use=basket.points_to_use,
    )
    # the order prices the offers as the store has them in this transaction (codes and points are taken here);
    # a code no longer valid or too many points is refused there, and a changed total is refused here
    order = orders.create_order_row(session=session, actor=actor, draft=draft)  # read once, after the hand-over
    if order.total_minor != plan.total_minor:
        money = shop.currency.format
        raise Conflict(f"The offers changed since the basket was priced: the sale now totals "
                       f"{money(order.total_minor - plan.rounding_minor)}, not {money(plan.goods_minor)}. "
                       "Check the total with the customer (refresh the basket) and take the payment again.")
    for payment in plan.payments:
        if payment.method == "cash":
            orders.pay(session=session, actor=actor, number=order.number, method="cash",
                       tendered_minor=payment.tendered_minor, reference=payment.reference)
        else:
            orders.pay(session=session, actor=actor, number=order.number, method=payment.method,
                       amount_minor=payment.amount_minor, reference=payment.reference)
    done = orders.fulfil_all(session=session, actor=actor, number=order.number)
    points = orders.receipt_points(session=session, number=done.number)
    text_receipt = orders.receipt(done, shop, width_mm=receipt_width_mm, points=points)
    return SaleResult(order=done, change_minor=plan.change_minor, rounding_minor=plan.rounding_minor,
                      receipt=text_receipt, shift_id=shift.id if shift else None,
                      points_earned=points[0] if points else None, points_balance=points[1] if points else None)


def sell(*, session: Session, actor: Actor, items: list[tuple[str, int]], tenders: list[Tender],
         customer: str | None = None, discount_minor: int = 0, rounding_step_minor: int | None = None,
         receipt_width_mm: int | None = None, coupon_codes: list[str] | tuple[str, ...] = (),
         points: int = 0) -> SaleResult:
    """A whole counter sale in one call (the CLI's ``shoptui sale``): scan each item, offers, pay, hand over."""
    if not items:
        raise InvalidInput("Give at least one item to sell, like TEE-01 or TEE-01x2.")
    basket = new_basket(session=session)
    for code, quantity in items:
        basket = scan(session=session, basket=basket, code=code, quantity=quantity)
    if customer:
        basket = attach_customer(session=session, basket=basket, phone=customer)
    for code in coupon_codes:
        basket = add_coupon(session=session, basket=basket, code=code)
    if points:
        basket = set_points(session=session, basket=basket, points=points)
    if discount_minor:
        basket = set_discount(basket=basket, discount_minor=discount_minor)
    return complete_sale(session=session, actor=actor, basket=basket, tenders=tenders,
                         rounding_step_minor=rounding_step_minor, receipt_width_mm=receipt_width_mm)
