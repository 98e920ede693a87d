"""Analytics: reports on sales, products, customers, stock and traffic (``shoptui report``)."""

from shoptui.modules import Command, ModuleSpec

MODULE = ModuleSpec(
    name="analytics",
    order=80,
    cli=(Command("report", "shoptui.cli.analytics:app", "Reports: sales, products, customers, stock, traffic."),),
    settings=("shoptui.services.analytics.settings:SETTINGS",),
    checks=("shoptui.services.analytics.checks:check_sales_figures",),
)
