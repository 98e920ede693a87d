"""The catalogue: categories, products and variants, their search, import/export and the demo."""

from shoptui.modules import ModuleSpec, Screen

MODULE = ModuleSpec(
    name="catalog",
    order=20,
    cli=(
        ("product", "shoptui.cli.catalog:product_app"),
        ("variant", "shoptui.cli.catalog:variant_app"),
        ("category", "shoptui.cli.catalog:category_app"),
        ("demo", "shoptui.cli.catalog:demo_app"),
    ),
    screens=(Screen("products", "Products", "f2", "shoptui.tui.screens.catalog:ProductsScreen", order=20),),
    search=("shoptui.services.catalog:search",),
    dashboard=("shoptui.services.catalog:dashboard_figures",),
    checks=("shoptui.services.catalog:check_catalog",),
    extra={
        # where variant history lives: "table.column" (checked when the table exists) or
        # "pkg.module:fn(session=, variant_ids=) -> set[int]"; other modules may add their own
        "variant_history": ("stock_movement.variant_id", "stock_level.variant_id", "order_line.variant_id",
                            "purchase_order_line.variant_id", "stocktake_line.variant_id"),
        "record_modes": {"product": "products"},
    },
)
