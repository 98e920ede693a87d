"""Orders and customers: order handling, payments, shipping, returns and refunds."""

from shoptui.modules import ModuleSpec, Screen

MODULE = ModuleSpec(
    name="orders",
    order=30,
    cli=(
        ("order", "shoptui.cli.orders:app"),
        ("customer", "shoptui.cli.orders:customer_app"),
    ),
    screens=(
        Screen("orders", "Orders", "f4", "shoptui.tui.screens.orders:OrdersScreen", order=40),
        Screen("returns", "Returns", "ctrl+e", "shoptui.tui.screens.returns:ReturnsScreen", order=42),
        Screen("customers", "Customers", "f8", "shoptui.tui.screens.customers:CustomersScreen", order=45),
    ),
    settings=("shoptui.services.orders_settings:SETTINGS",),
    search=("shoptui.services.orders:search_orders", "shoptui.services.customers:search_customers"),
    dashboard=("shoptui.services.orders:dashboard_figures",),
    checks=(
        "shoptui.services.orders:check_order_totals",
        "shoptui.services.orders:check_order_money",
        "shoptui.services.orders:check_order_counters",
    ),
    extra={"record_modes": {"order": "orders", "customer": "customers", "return": "returns"}},
)
