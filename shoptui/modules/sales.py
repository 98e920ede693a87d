"""Counter sales: the point of sale, till shifts, receipts and documents, order history import."""

from shoptui.modules import ModuleSpec, Screen

MODULE = ModuleSpec(
    name="sales",
    order=35,
    cli=(
        ("sale", "shoptui.cli.sales:sale_app"),
        ("shift", "shoptui.cli.sales:shift_app"),
    ),
    settings=("shoptui.services.sales_settings:SETTINGS",),
    screens=(Screen("sale", "Sale", "f5", "shoptui.tui.screens.sale:SaleScreen", order=35),),
)
