"""Inventory: stock levels and ledger, restock, suppliers and purchase orders, stocktakes, alerts."""

from shoptui.modules import ModuleSpec

MODULE = ModuleSpec(
    name="inventory",
    order=30,
    cli=(
        ("stock", "shoptui.cli.inventory:stock_app"),
        ("location", "shoptui.cli.inventory:location_app"),
        ("supplier", "shoptui.cli.inventory:supplier_app"),
        ("po", "shoptui.cli.inventory:po_app"),
        ("stocktake", "shoptui.cli.inventory:stocktake_app"),
    ),
    screens=(),
    settings=("shoptui.services.inventory:SETTINGS",),
    dashboard=("shoptui.services.inventory:dashboard_figures",),
    checks=("shoptui.services.inventory:check_stock_ledger", "shoptui.services.inventory:check_incoming"),
)
