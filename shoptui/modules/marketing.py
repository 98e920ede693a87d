"""Marketing: promotions, coupons, and the cart price they make (``shoptui price``)."""

from shoptui.modules import Command, ModuleSpec, Screen

MODULE = ModuleSpec(
    name="marketing",
    order=60,
    cli=(
        Command("promo", "shoptui.cli.marketing:promo_app", "Promotions: add, edit, list, show, pause, resume, end."),
        Command("coupon", "shoptui.cli.marketing:coupon_app",
                "Coupons: add, issue, send, export, list, show, pause, end."),
        Command("price", "shoptui.cli.marketing:price_app", "Explain the price of a cart without selling anything."),
        Command("marketing", "shoptui.cli.marketing:marketing_app",
                "Marketing links: a shop address tagged with UTM tags for a post or an ad."),
    ),
    screens=(Screen("marketing", "Marketing", "f7", "shoptui.tui.screens.marketing.screen:MarketingScreen", order=60),),
    settings=("shoptui.services.marketing.settings:SETTINGS",),
    dashboard=("shoptui.services.marketing.figures:dashboard_figures",),
    checks=("shoptui.services.marketing.reports:check_usage_counts",),
    # a cancelled order gives its coupon codes and promotion uses back (see services.orders.common.add_event)
    extra={"order_events": "shoptui.services.marketing.reports:on_order_event"},
)
