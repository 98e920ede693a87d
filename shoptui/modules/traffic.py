"""Traffic: visits and their sources from web-server access logs, ad spend (``shoptui traffic``), visitors today."""

from shoptui.modules import Command, ModuleSpec

MODULE = ModuleSpec(
    name="traffic",
    order=85,
    cli=(Command("traffic", "shoptui.cli.traffic:app",
                 "Traffic from web-server access logs: import them, record ad spend and see its return."),),
    dashboard=("shoptui.services.analytics.visitors:dashboard_figures",),
)
