"""Counter sales: the point of sale, till shifts, receipts and documents, order history import."""

from shoptui.modules import Command, ModuleSpec, Screen

MODULE = ModuleSpec(
    name="sales",
    order=35,
    cli=(
        Command("sale", "shoptui.cli.sales:sale_app", "Ring up a counter sale: items, payment, receipt."),
        Command("shift", "shoptui.cli.sales:shift_app",
                "Till shifts: open with a cash float, close with counted cash, report."),
    ),
    settings=("shoptui.services.sales.settings:SETTINGS",),
    screens=(Screen("sale", "Sale", "f5", "shoptui.tui.screens.sale.screen:SaleScreen", order=35, permissions=("sell",)),),
)
