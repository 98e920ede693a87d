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
        Screen("orders", "Orders", "f4", "shoptui.tui.screens.orders.screen:OrdersScreen", order=40),
        Screen("returns", "Returns", "ctrl+e", "shoptui.tui.screens.orders.returns:ReturnsScreen", order=42),
        Screen("customers", "Customers", "f8", "shoptui.tui.screens.members.customers:CustomersScreen", order=45),
    ),
    settings=("shoptui.services.orders.settings:SETTINGS",),
    search=("shoptui.services.orders.listing:search_orders", "shoptui.services.members.customers:search_customers"),
    dashboard=("shoptui.services.orders.figures:dashboard_figures",),
    checks=(
        "shoptui.services.orders.checks:check_order_totals",
        "shoptui.services.orders.checks:check_order_money",
        "shoptui.services.orders.checks:check_order_counters",
    ),
    extra={"record_modes": {"order": "orders", "customer": "customers", "return": "returns"},
           "demo": "shoptui.services.orders.demo:load_demo_history",
           "demo_files": "shoptui.services.orders.demo:demo_files"},
)
