"""Inventory: stock levels and ledger, restock, suppliers and purchase orders, stocktakes, alerts."""

from shoptui.modules import Command, ModuleSpec, Screen

MODULE = ModuleSpec(
    name="inventory",
    order=30,
    cli=(
        Command("stock", "shoptui.cli.inventory:stock_app",
                "Stock levels and the ledger: restock, adjust, transfer, show, moves, list, alerts."),
        Command("location", "shoptui.cli.inventory:location_app", "Stock locations (shop floor, back room, branches)."),
        Command("supplier", "shoptui.cli.inventory:supplier_app",
                "Suppliers: who the shop buys from and their lead times."),
        Command("po", "shoptui.cli.inventory:po_app",
                "Purchase orders: draft -> ordered -> partially received -> received (or cancelled)."),
        Command("stocktake", "shoptui.cli.inventory:stocktake_app",
                "Stocktakes (盘点): freeze, count by scan/typing/CSV, review variances, post once."),
    ),
    screens=(
        Screen("inventory", "Inventory", "f3", "shoptui.tui.screens.inventory.screen:InventoryScreen", order=30,
               short="Stock"),
        Screen("purchasing", "Purchasing", "ctrl+g", "shoptui.tui.screens.inventory.purchasing:PurchasingScreen",
               order=31, short="Buying"),
        Screen("stocktake", "Stocktake", "ctrl+y", "shoptui.tui.screens.inventory.stocktake:StocktakeScreen",
               order=32, short="Count"),
    ),
    settings=("shoptui.services.inventory.settings:SETTINGS",),
    dashboard=("shoptui.services.inventory.figures:dashboard_figures",),
    checks=("shoptui.services.inventory.checks:check_stock_ledger", "shoptui.services.inventory.checks:check_incoming",
            "shoptui.services.inventory.rollups:check_move_rollups"),
    extra={
        # `shoptui demo load` calls this after the demo catalogue, in the same transaction
        "demo": "shoptui.services.inventory.demo:load_demo_stock",
        # notification links (low-stock alerts link a variant) and search hits open here
        "record_modes": {"variant": "inventory", "stock": "inventory", "purchase_order": "purchasing",
                         "po": "purchasing", "stocktake": "stocktake"},
    },
)
