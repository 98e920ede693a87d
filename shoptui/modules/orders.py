"""Orders and customers: order handling, payments, shipping, returns and refunds."""

from shoptui.modules import Command, ModuleSpec, Screen

MODULE = ModuleSpec(
    name="orders",
    order=30,
    cli=(
        Command("order", "shoptui.cli.orders:app",
                "Orders: list, show, create, pay, ship, deliver, cancel, remind, expire, returns, refunds, exchanges."),
        Command("customer", "shoptui.cli.orders:customer_app", "Customers: add, list, show, edit."),
    ),
    screens=(
        Screen("orders", "Orders", "f4", "shoptui.tui.screens.orders:OrdersScreen", order=40),
        Screen("returns", "Returns", "ctrl+e", "shoptui.tui.screens.returns:ReturnsScreen", order=42),
        Screen("customers", "Customers", "f8", "shoptui.tui.screens.customers:CustomersScreen", order=45),
    ),
    settings=("shoptui.services.orders_settings:SETTINGS",),
    search=("shoptui.services.orders:search_orders", "shoptui.services.customers:search_customers"),
    dashboard=("shoptui.services.orders_figures:dashboard_figures",),
    checks=(
        "shoptui.services.orders:check_order_totals",
        "shoptui.services.orders:check_order_money",
        "shoptui.services.orders:check_order_counters",
    ),
    extra={"record_modes": {"order": "orders", "customer": "customers", "return": "returns"}},
)
