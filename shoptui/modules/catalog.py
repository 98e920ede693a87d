"""The catalogue: categories, products and variants, their search, import/export and the demo."""

from shoptui.modules import Command, ModuleSpec, Screen

MODULE = ModuleSpec(
    name="catalog",
    order=20,
    cli=(
        Command("product", "shoptui.cli.catalog:product_app",
                "Products: add, edit, show, list, search, archive, delete, import and export."),
        Command("variant", "shoptui.cli.catalog:variant_app",
                "Variants (SKUs): add, edit, list, generate from options, delete."),
        Command("category", "shoptui.cli.catalog:category_app",
                "The category tree: add, list, move, rename, reorder, delete."),
        Command("demo", "shoptui.cli.catalog:demo_app", "The demo catalogue for trying shoptui out."),
    ),
    screens=(Screen("products", "Products", "f2", "shoptui.tui.screens.catalog.screen:ProductsScreen", order=20),),
    search=("shoptui.services.catalog.search:search",),
    dashboard=("shoptui.services.catalog.figures:dashboard_figures",),
    checks=("shoptui.services.catalog.checks:check_catalog",),
    extra={
        # where variant history lives: "table.column" (checked when the table exists) or
        # "pkg.module:fn(session=, variant_ids=) -> set[int]"; other modules may add their own
        "variant_history": ("stock_movement.variant_id", "stock_level.variant_id", "order_line.variant_id",
                            "purchase_order_line.variant_id", "stocktake_line.variant_id"),
        "record_modes": {"product": "products"},
    },
)
