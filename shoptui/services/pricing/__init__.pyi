"""The offers engine: what a cart costs, and the one place amounts are rounded."""

# The domain's API: faces and other domains import only these names (tests/test_domain_apis.py checks it).
from .engine import (
    Cart as Cart,
    CartItem as CartItem,
    OfferLine as OfferLine,
    PriceAdjustment as PriceAdjustment,
    PricedCart as PricedCart,
    PricedOrder as PricedOrder,
    cash_rounding as cash_rounding,
    make_offer_line as make_offer_line,
    record_maker as record_maker,
    share_of_units as share_of_units,
)
from .points import max_redeemable as max_redeemable, points_for_value as points_for_value, points_worth as points_worth
from .rounding import (
    BP_ONE as BP_ONE,
    adjust_price as adjust_price,
    allocate as allocate,
    apply_bp as apply_bp,
    round_half_up as round_half_up,
)
from .terms import (
    OfferContext as OfferContext,
    Priced as Priced,
    assemble as assemble,
    coupon_rule as coupon_rule,
    load_offers as load_offers,
    normalise_code as normalise_code,
    offer_lines as offer_lines,
    offer_points_worth as offer_points_worth,
    points_allowed as points_allowed,
    price as price,
    price_cart as price_cart,
    price_with as price_with,
)
