"""``shoptui product``, ``variant``, ``category`` and ``demo``: the catalogue from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from shoptui.cli._output import (
    JSON_OPTION,
    KEY_OPTION,
    change,
    echo_err,
    emit_json,
    emit_page,
    emit_pairs,
    emit_table,
    fail,
    reading,
    refusals,
    say,
    shop_currency,
    state,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.config import Actor
    from shoptui.services.shop import Outcome

product_app = typer.Typer(help="Products: add, edit, show, list, search, archive, delete, import and export.",
                          no_args_is_help=True)
variant_app = typer.Typer(help="Variants (SKUs): add, edit, list, generate from options, delete.", no_args_is_help=True)
category_app = typer.Typer(help="The category tree: add, list, move, rename, reorder, delete.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo catalogue for trying shoptui out.", no_args_is_help=True)
images_app = typer.Typer(help="Product images: download those kept as links.", no_args_is_help=True)
product_app.add_typer(images_app, name="images")

BARCODE_HELP = ("An EAN-8/13, UPC-A/E or GTIN-14 number (check digit verified), or an in-store code matching "
                "the barcode_pattern setting (default: a capital letter, then capitals, digits or -).")
EXPECT_OPTION = typer.Option(None, "--expect-version", metavar="N",
                             help="Refuse if the product is no longer at this version (someone else changed it).")


def _outcome(message: str, data: Any = None) -> Outcome:
    from shoptui.services.shop import Outcome

    return Outcome(message=message, data=data)



def _data(session: Any, value: Any) -> Any:
    from shoptui.cli._output import jsonable

    return jsonable(value, shop_currency(session))


def _price_range(currency: Any, low: int | None, high: int | None) -> str:
    if low is None:
        return ""
    return currency.format(low) if low == high else f"{currency.format(low)}–{currency.format(high)}"


def _category_id(session: Any, ref: str | None) -> int | None:
    from shoptui.services import catalog

    return None if ref is None else catalog.resolve_category(session=session, ref=ref).id


def _parse_option(spec: str) -> Any:
    from shoptui.errors import InvalidInput
    from shoptui.services import catalog

    name, sep, values = spec.partition("=")
    if not sep or not name.strip() or not values.strip():
        raise InvalidInput(f"The option {spec!r} must look like 'Size=S,M,L'.")
    return catalog.OptionInput(name=name.strip(), values=[v.strip() for v in values.split(",") if v.strip()])


def _parse_change(text: str) -> tuple[int, int]:
    """``+10%`` -> (0, 1000); ``-5.00`` -> (-500, 0) once parsed with the currency (done by caller)."""
    from shoptui.errors import InvalidInput
    from shoptui.money import parse_basis_points

    raw = text.strip()
    sign = -1 if raw.startswith("-") else 1
    body = raw.lstrip("+-").strip()
    if not body:
        raise InvalidInput(f"The price change {text!r} must look like +10%, -5% or -2.00.")
    if body.endswith("%"):
        return 0, sign * parse_basis_points(body, field="price change", maximum=1_000_000)
    return sign, 0


# ---------------------------------------------------------------- category


@category_app.command("add")
def category_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The category's name."),
    parent: str | None = typer.Option(None, "--parent", help="Put it under this category (id, slug or name)."),
    slug: str | None = typer.Option(None, "--slug", help="A short unique name for URLs (made from the name by default)."),
    position: int | None = typer.Option(None, "--position", help="Place among its siblings (0 = first; default last)."),
    as_json: bool = JSON_OPTION,
    key: str | None = KEY_OPTION,
) -> None:
    """Add a category. Example: shoptui category add "T-shirts" --parent Clothing"""
    from shoptui.services import catalog

    def work(session: Session, actor: Actor) -> Outcome:
        row = catalog.create_category(session=session, actor=actor, name=name, parent_id=_category_id(session, parent),
                                      slug=slug, position=position)
        return _outcome(f"Added category {row.full_name} (id {row.id}).", row.model_dump())

    change(ctx, "category add", work, key=key, as_json=as_json)


@category_app.command("list")
def category_list(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """The category tree with product counts. Example: shoptui category list --json"""
    from shoptui.services import catalog

    with reading(ctx) as session:
        rows = catalog.list_categories(session=session)
    if as_json:
        emit_json(rows)
        return
    emit_table([(r.id, "  " * r.depth + r.name, r.slug, r.product_count) for r in rows], ["id", "category", "slug", "products"],
               justify={"products": "right"}, empty="No categories yet. Add one with 'shoptui category add NAME'.")


@category_app.command("move")
def category_move(
    ctx: typer.Context,
    category: str = typer.Argument(..., help="The category to move (id, slug or name)."),
    under: str | None = typer.Option(None, "--under", help="The new parent (id, slug or name)."),
    top: bool = typer.Option(False, "--top", help="Move it to the top level."),
    position: int | None = typer.Option(None, "--position", help="Place among its new siblings (0 = first)."),
    key: str | None = KEY_OPTION,
) -> None:
    """Move a category (and everything under it). Example: shoptui category move Hoodies --under Clothing"""
    from shoptui.services import catalog

    if (under is None) == (not top):
        raise fail("Give either --under PARENT or --top.", 2)

    def work(session: Session, actor: Actor) -> Outcome:
        cid = catalog.resolve_category(session=session, ref=category).id
        row = catalog.move_category(session=session, actor=actor, category_id=cid,
                                    parent_id=None if top else _category_id(session, under), position=position)
        return _outcome(f"Moved category to {row.full_name}.", row.model_dump())

    change(ctx, "category move", work, key=key)


@category_app.command("rename")
def category_rename(
    ctx: typer.Context,
    category: str = typer.Argument(..., help="The category (id, slug or name)."),
    name: str = typer.Argument(..., help="Its new name."),
    slug: str | None = typer.Option(None, "--slug", help="A new slug as well."),
    key: str | None = KEY_OPTION,
) -> None:
    """Rename a category. Example: shoptui category rename 3 "Tees & tops\""""
    from shoptui.services import catalog

    def work(session: Session, actor: Actor) -> Outcome:
        cid = catalog.resolve_category(session=session, ref=category).id
        row = catalog.rename_category(session=session, actor=actor, category_id=cid, name=name, slug=slug)
        return _outcome(f"Renamed category {cid} to {row.full_name}.", row.model_dump())

    change(ctx, "category rename", work, key=key)


@category_app.command("reorder")
def category_reorder(
    ctx: typer.Context,
    category: str = typer.Argument(..., help="The category (id, slug or name)."),
    position: int = typer.Argument(..., help="Its new place among its siblings (0 = first)."),
    key: str | None = KEY_OPTION,
) -> None:
    """Change a category's place among its siblings. Example: shoptui category reorder Stationery 0"""
    from shoptui.services import catalog

    def work(session: Session, actor: Actor) -> Outcome:
        cid = catalog.resolve_category(session=session, ref=category).id
        row = catalog.reorder_category(session=session, actor=actor, category_id=cid, position=position)
        return _outcome(f"Category {row.full_name} is now at position {row.position}.", row.model_dump())

    change(ctx, "category reorder", work, key=key)


@category_app.command("delete")
def category_delete(
    ctx: typer.Context,
    category: str = typer.Argument(..., help="The category (id, slug or name)."),
    move_to: str | None = typer.Option(None, "--move-to", help="Move its products and subcategories here first."),
    key: str | None = KEY_OPTION,
) -> None:
    """Delete an empty category, or move its contents first. Example: shoptui category delete Old --move-to Misc"""
    from shoptui.services import catalog

    def work(session: Session, actor: Actor) -> Outcome:
        cid = catalog.resolve_category(session=session, ref=category).id
        return _outcome(catalog.delete_category(session=session, actor=actor, category_id=cid,
                                                move_to=_category_id(session, move_to)))

    change(ctx, "category delete", work, key=key)


# ---------------------------------------------------------------- product


@product_app.command("add")
def product_add(
    ctx: typer.Context,
    title: str = typer.Option(..., "--title", help="The product's title."),
    sku: str = typer.Option(..., "--sku", help="The SKU (with --option: the prefix of the generated SKUs)."),
    price: str = typer.Option(..., "--price", help="The price, e.g. 12.50."),
    barcode: str | None = typer.Option(None, "--barcode", help=BARCODE_HELP),
    cost: str | None = typer.Option(None, "--cost", help="What one unit costs you, e.g. 4.20."),
    compare_at: str | None = typer.Option(None, "--compare-at", help="The 'was' price shown struck through."),
    weight: int | None = typer.Option(None, "--weight", help="Weight in grams."),
    no_track: bool = typer.Option(False, "--no-track-stock", help="Do not track stock for it (services, downloads)."),
    category: str | None = typer.Option(None, "--category", help="The category (id, slug or name)."),
    brand: str | None = typer.Option(None, "--brand", help="The brand."),
    status: str = typer.Option("draft", "--status", help="draft, active or archived."),
    description: str = typer.Option("", "--description", help="A description (several lines allowed)."),
    tag: list[str] = typer.Option([], "--tag", help="A tag (repeat for several)."),
    image: list[str] = typer.Option([], "--image", help="A local image file or http(s) URL (repeat; the first is the cover)."),
    option: list[str] = typer.Option([], "--option", help="An option and its values, 'Size=S,M,L' (repeat, up to 3)."),
    as_json: bool = JSON_OPTION,
    key: str | None = KEY_OPTION,
) -> None:
    """Add a product with one variant, or one per option combination. Example: shoptui product add --title "Basic tee" --sku TEE --price 79 --option Size=S,M,L"""
    from shoptui.services import catalog

    def work(session: Session, actor: Actor) -> Outcome:
        money = shop_currency(session)
        variant = catalog.VariantInput(
            sku=sku, barcode=barcode, price_minor=money.parse(price, field="price"),
            cost_minor=money.parse(cost, field="cost") if cost else None,
            compare_at_minor=money.parse(compare_at, field="compare-at price") if compare_at else None,
            weight_g=weight, track_stock=not no_track)
        names: list[str] = []
        variants = [variant]
        if option:
            names, variants = catalog.combination_variants(sku_prefix=sku, options=[_parse_option(o) for o in option],
                                                           template=variant)
        data = catalog.ProductCreate(title=title, description=description.replace("\\n", "\n"), status=status,
                                     category_id=_category_id(session, category), brand=brand, tags=tag, images=image,
                                     option_names=names, variants=variants)
        product = catalog.create_product(session=session, actor=actor, data=data)
        return _outcome(f"Added product {product.title} (id {product.id}) with {product.variant_count} "
                        f"variant{'s' if product.variant_count != 1 else ''}.", _data(session, product))

    change(ctx, "product add", work, key=key, as_json=as_json)


@product_app.command("edit")
def product_edit(
    ctx: typer.Context,
    product: str = typer.Argument(..., help="The product: id, SKU or barcode."),
    title: str | None = typer.Option(None, "--title", help="A new title."),
    description: str | None = typer.Option(None, "--description", help="A new description."),
    status: str | None = typer.Option(None, "--status", help="draft, active or archived."),
    category: str | None = typer.Option(None, "--category", help="Move it to this category (id, slug or name)."),
    no_category: bool = typer.Option(False, "--no-category", help="Take it out of its category."),
    brand: str | None = typer.Option(None, "--brand", help="A new brand ('' to clear)."),
    add_tag: list[str] = typer.Option([], "--add-tag", help="Add a tag (repeat)."),
    remove_tag: list[str] = typer.Option([], "--remove-tag", help="Remove a tag (repeat)."),
    image: list[str] = typer.Option([], "--image", help="Replace the images with these (repeat; first is the cover)."),
    no_images: bool = typer.Option(False, "--no-images", help="Remove every image."),
    expect_version: int | None = EXPECT_OPTION,
    as_json: bool = JSON_OPTION,
    key: str | None = KEY_OPTION,
) -> None:
    """Change a product's fields. Example: shoptui product edit TEE-S --status active --expect-version 3"""
    from shoptui.services import catalog

    values: dict[str, Any] = {}
    for name, value in (("title", title), ("description", description), ("status", status), ("brand", brand)):
        if value is not None:
            values[name] = value.replace("\\n", "\n") if name == "description" else value
    if no_category:
        values["category_id"] = None
    if image or no_images:
        values["images"] = list(image)
    if not values and not add_tag and not remove_tag and category is None:
        raise fail("Nothing to change: give at least one option such as --title or --status (see --help).", 2)

    def work(session: Session, actor: Actor) -> Outcome:
        pid = catalog.resolve_product(session=session, ref=product)
        patch_values = dict(values)
        if category is not None:
            patch_values["category_id"] = _category_id(session, category)
        patch = catalog.ProductUpdate(**patch_values, add_tags=add_tag, remove_tags=remove_tag)
        row = catalog.update_product(session=session, actor=actor, product_id=pid, patch=patch,
                                     expect_version=expect_version)
        return _outcome(f"Saved product {row.title} (id {row.id}, now version {row.version}).", _data(session, row))

    change(ctx, "product edit", work, key=key, as_json=as_json)


@product_app.command("show")
def product_show(ctx: typer.Context, product: str = typer.Argument(..., help="The product: id, SKU or barcode."),
                 as_json: bool = JSON_OPTION) -> None:
    """Everything about one product. Example: shoptui product show TEE-S --json"""
    from shoptui.services import catalog

    with reading(ctx) as session:
        row = catalog.get_product(session=session, product_id=catalog.resolve_product(session=session, ref=product))
        money = shop_currency(session)
    if as_json:
        emit_json(row, money)
        return
    emit_pairs([("id", row.id), ("title", row.title), ("status", row.status), ("category", row.category or ""),
                ("brand", row.brand or ""), ("tags", ", ".join(row.tags)), ("price", _price_range(money, row.min_price_minor, row.max_price_minor)),
                ("options", "; ".join(f"{o.name}: {', '.join(o.values)}" for o in row.options)),
                ("images", "\n".join(row.images)), ("description", row.description), ("version", row.version)])
    emit_table([(v.sku, " / ".join(v.options), money.format(v.price_minor),
                 "" if v.cost_minor is None else money.format(v.cost_minor), v.barcode or "", "yes" if v.track_stock else "no")
                for v in row.variants], ["sku", "options", "price", "cost", "barcode", "stock tracked"],
               justify={"price": "right", "cost": "right"})


@product_app.command("list")
def product_list(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="Only this status: draft, active or archived."),
    category: str | None = typer.Option(None, "--category", help="Only this category and those under it."),
    tag: str | None = typer.Option(None, "--tag", help="Only products with this tag."),
    search: str | None = typer.Option(None, "--search", help="Only products whose title, SKU, barcode or tags contain this."),
    sort: str = typer.Option("title", "--sort", help="title, price, updated or created; prefix - for descending."),
    limit: int = typer.Option(50, "--limit", help="How many products per page (1-1000)."),
    after: str | None = typer.Option(None, "--after", help="Continue after this cursor (printed at the end of a page)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """One page of products. Example: shoptui product list --status active --category Clothing --limit 20"""
    from shoptui.services import catalog

    with reading(ctx) as session:
        page = catalog.list_products(session=session, status=status, category_id=_category_id(session, category),
                                     tag=tag, text=search, sort=sort, after=after, limit=limit)
        money = shop_currency(session)
    if as_json:
        emit_page(page, money)
        return
    emit_table([(p.id, p.title, p.sku or f"{p.variant_count} variants", _price_range(money, p.min_price_minor, p.max_price_minor),
                 p.status, p.category or "") for p in page.items], ["id", "title", "sku", "price", "status", "category"],
               justify={"price": "right", "id": "right"}, empty="No products match.")
    if page.next_after:
        echo_err(f"more: shoptui product list --after {page.next_after} (same filters)")


@product_app.command("search")
def product_search(ctx: typer.Context, text: str = typer.Argument(..., help="Words of a title, a SKU, a barcode or a tag."),
                   limit: int = typer.Option(20, "--limit", help="At most this many results."),
                   as_json: bool = JSON_OPTION) -> None:
    """Find products (Chinese substrings too). Example: shoptui product search 手机"""
    from shoptui.services import catalog

    with reading(ctx) as session:
        hits = catalog.search_products(session=session, text=text, limit=limit)
    if as_json:
        emit_json(hits)
        return
    emit_table([(h.kind, h.key, h.title, h.detail, "exact" if h.exact else "") for h in hits],
               ["kind", "key", "title", "detail", "match"], empty=f"Nothing found for {text!r}.")


@product_app.command("archive")
def product_archive(ctx: typer.Context, product: str = typer.Argument(..., help="The product: id, SKU or barcode."),
                    expect_version: int | None = EXPECT_OPTION, key: str | None = KEY_OPTION) -> None:
    """Archive a product (hidden from sale, history kept). Example: shoptui product archive 12"""
    from shoptui.services import catalog

    def work(session: Session, actor: Actor) -> Outcome:
        pid = catalog.resolve_product(session=session, ref=product)
        row = catalog.archive_product(session=session, actor=actor, product_id=pid, expect_version=expect_version)
        return _outcome(f"Archived product {row.title} (id {row.id}).", {"id": row.id, "status": row.status})

    change(ctx, "product archive", work, key=key)


@product_app.command("delete")
def product_delete(ctx: typer.Context, product: str = typer.Argument(..., help="The product: id, SKU or barcode."),
                   expect_version: int | None = EXPECT_OPTION, key: str | None = KEY_OPTION) -> None:
    """Delete a product that has no history (otherwise archive it). Example: shoptui product delete 12"""
    from shoptui.services import catalog

    def work(session: Session, actor: Actor) -> Outcome:
        pid = catalog.resolve_product(session=session, ref=product)
        return _outcome(catalog.delete_product(session=session, actor=actor, product_id=pid, expect_version=expect_version))

    change(ctx, "product delete", work, key=key)


@product_app.command("bulk")
def product_bulk(
    ctx: typer.Context,
    products: list[str] = typer.Argument(..., help="Products: ids, SKUs or barcodes."),
    set_status: str | None = typer.Option(None, "--set-status", help="Give them this status."),
    move_to: str | None = typer.Option(None, "--move-to", help="Move them to this category."),
    add_tag: str | None = typer.Option(None, "--add-tag", help="Add this tag."),
    remove_tag: str | None = typer.Option(None, "--remove-tag", help="Remove this tag."),
    price: str | None = typer.Option(None, "--price", help="Change every variant's price: +10%, -15%, +2.00 or -1.50."),
    yes: bool = typer.Option(False, "--yes", help="Apply the change; without it only the preview is printed."),
    as_json: bool = JSON_OPTION,
    key: str | None = KEY_OPTION,
) -> None:
    """Change many products at once; previews unless --yes. Example: shoptui product bulk 1 2 3 --price -10% --yes"""
    from shoptui.services import catalog

    given = [o for o in (set_status, move_to, add_tag, remove_tag, price) if o is not None]
    if len(given) != 1:
        raise fail("Give exactly one of --set-status, --move-to, --add-tag, --remove-tag, --price.", 2)

    def build(session: Session) -> tuple[list[int], catalog.BulkAction]:
        ids = [catalog.resolve_product(session=session, ref=p) for p in products]
        if set_status is not None:
            return ids, catalog.BulkAction(kind="status", status=set_status)
        if move_to is not None:
            return ids, catalog.BulkAction(kind="category", category_id=_category_id(session, move_to))
        if add_tag is not None:
            return ids, catalog.BulkAction(kind="add_tag", tag=add_tag)
        if remove_tag is not None:
            return ids, catalog.BulkAction(kind="remove_tag", tag=remove_tag)
        sign, bp = _parse_change(price or "")
        amount = shop_currency(session).parse((price or "").strip().lstrip("+-"), field="price change") * sign if sign else 0
        return ids, catalog.BulkAction(kind="price", delta_minor=amount, delta_bp=bp)

    def show(session: Session, result: catalog.BulkResult) -> None:
        money = shop_currency(session)

        def cell(field: str, value: Any) -> str:
            return money.format(value) if field == "price_minor" and value is not None else ("" if value is None else str(value))

        emit_table([(c.product_id, c.title, c.sku or "", c.field.removesuffix("_minor"), cell(c.field, c.before),
                     cell(c.field, c.after)) for c in result.changes], ["id", "title", "sku", "field", "before", "after"],
                   empty="Nothing would change.")

    if not yes:
        with reading(ctx) as session:
            ids, action = build(session)
            result = catalog.bulk_preview(session=session, product_ids=ids, action=action)
            if as_json:
                emit_json(_data(session, result))
            else:
                show(session, result)
                say(f"Preview: {result.changed_products} of {result.products} products would change. "
                           "Run again with --yes to apply.")
        return

    def work(session: Session, actor: Actor) -> Outcome:
        ids, action = build(session)
        result = catalog.bulk_apply(session=session, actor=actor, product_ids=ids, action=action)
        return _outcome(f"Changed {result.changed_products} of {result.products} products "
                        f"({len(result.changes)} changes).", _data(session, result))

    change(ctx, "product bulk", work, key=key, as_json=as_json)


@product_app.command("export")
def product_export(
    ctx: typer.Context,
    fmt: str = typer.Option("csv", "--format", help="csv (one row per variant) or json (with the category tree)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write to this file instead of stdout."),
) -> None:
    """Export the whole catalogue. Example: shoptui product export --format csv -o catalogue.csv"""
    from shoptui.services import catalog

    with reading(ctx) as session:
        content = catalog.export_catalog(session=session, fmt=fmt)
    if output is None:
        sys.stdout.write(content)
        return
    try:
        output.write_text(content, encoding="utf-8", newline="")
    except OSError as exc:
        raise fail(f"Cannot write {output}: {exc.strerror}.") from None
    say(f"Exported the catalogue to {output}.")


@product_app.command("import")
def product_import(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A CSV (comma or tab, UTF-8 with or without BOM) or JSON export."),
    fmt: str | None = typer.Option(None, "--format", help="csv or json (default: from the content)."),
    source_system: str | None = typer.Option(None, "--from", metavar="shopify|woocommerce",
                                             help="The file is that system's product export, read as it is."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything and say what would change; write nothing."),
    create_categories: bool = typer.Option(False, "--create-categories", help="Create categories named in the file that do not exist."),
    opening_stock: bool = typer.Option(False, "--opening-stock",
                                       help="With --from: book the exported quantities as the opening balance."),
    location: str | None = typer.Option(None, "--location", help="With --opening-stock: where (default location if not given)."),
    strict_barcodes: bool = typer.Option(False, "--strict-barcodes",
                                         help="With --from: refuse the file for a barcode with a wrong check digit "
                                              "(by default it is kept as the shop's own code and listed)."),
    as_json: bool = JSON_OPTION,
    key: str | None = KEY_OPTION,
) -> None:
    """Import products keyed by SKU, all or nothing. Example: shoptui product import products_export.csv --from shopify --dry-run"""
    from shoptui.services import catalog

    if source_system is None and (opening_stock or location or strict_barcodes):
        raise typer.BadParameter("--opening-stock, --location and --strict-barcodes go with --from shopify|woocommerce.")
    if source_system is not None and fmt is not None:
        raise typer.BadParameter("--format is for shoptui's own files; --from already says what the file is.")
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise fail(f"Cannot read {file}: {exc.strerror}.") from None
    progress = echo_err if len(content) > 1_000_000 else None

    def run(session: Session, actor: Actor) -> Outcome:
        if source_system is not None:
            from shoptui.services import movein

            options = movein.ProductImportOptions(dry_run=dry_run, create_categories=create_categories,
                                                  opening_stock=opening_stock, location=location,
                                                  strict_barcodes=strict_barcodes)
            summary = movein.import_products(session=session, actor=actor, content=content, fmt=source_system,
                                             source=str(file), options=options, progress=progress)
            return _outcome(summary.summary, summary.model_dump())
        report = catalog.import_catalog(session=session, actor=actor, content=content, source=str(file), fmt=fmt,
                                           dry_run=dry_run, create_categories=create_categories,
                                           base=file.resolve().parent, progress=progress)
        return _outcome(report.summary, report.model_dump())

    if dry_run:
        from shoptui import db

        cli = state(ctx)
        with refusals(), db.read_session(cli.url) as session:
            result = run(session, cli.actor)
        if as_json:
            emit_json(result.data)
        else:
            say(result.message)
        return
    change(ctx, "product import", run, key=key, as_json=as_json)


@images_app.command("fetch")
def images_fetch(
    ctx: typer.Context,
    product: str | None = typer.Option(None, "--product", help="Only this product (id, SKU or barcode); default every product."),
    timeout: float = typer.Option(20.0, "--timeout", min=0.1, max=600, help="Seconds to wait for each server."),
    max_mb: float = typer.Option(10.0, "--max-mb", min=0.01, max=1000, help="The largest image fetched, in megabytes."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Download images kept as links into the store's media folder. Example: shoptui product images fetch"""
    from shoptui import db
    from shoptui.config import media_dir
    from shoptui.errors import ShopError
    from shoptui.services import catalog

    cli = state(ctx)
    with reading(ctx) as session:
        product_id = catalog.resolve_product(session=session, ref=product) if product is not None else None
        links = catalog.remote_images(session=session, product_id=product_id)
    folder = media_dir(cli.url)
    fetched: list[Any] = []
    failures: list[dict[str, Any]] = []
    for link in links:
        try:
            path = catalog.download_image(link.url, folder, timeout=timeout, max_bytes=int(max_mb * 1024 * 1024))
        except ShopError as exc:
            failures.append({"product_id": link.product_id, "position": link.position, "url": link.url, "reason": str(exc)})
            if not as_json:
                echo_err(f"failed: product {link.product_id} image {link.position + 1}: {link.url}: {exc}")
            continue
        fetched.append(catalog.LocalImage(product_id=link.product_id, position=link.position, url=link.url,
                                          path=path.name))  # kept by its name in the media folder
    replaced = 0
    if fetched:
        with refusals(), db.transaction(cli.url) as session:
            replaced = catalog.use_local_images(session=session, actor=cli.actor, images=fetched)
    if as_json:
        emit_json({"folder": str(folder), "links": len(links), "fetched": replaced, "failed": failures})
    elif not links:
        say("No images are kept as links; nothing to fetch.")
    else:
        say(f"Fetched {replaced} of {len(links)} images into {folder}" + (f"; {len(failures)} failed." if failures else "."))
    if failures:
        raise typer.Exit(1)


# ---------------------------------------------------------------- variant


@variant_app.command("add")
def variant_add(
    ctx: typer.Context,
    product: str = typer.Argument(..., help="The product: id, SKU or barcode."),
    sku: str = typer.Option(..., "--sku", help="The new variant's SKU."),
    price: str = typer.Option(..., "--price", help="Its price, e.g. 12.50."),
    option: list[str] = typer.Option([], "--option", help="Its value of each option, in order (repeat)."),
    barcode: str | None = typer.Option(None, "--barcode", help=BARCODE_HELP),
    cost: str | None = typer.Option(None, "--cost", help="Its cost."),
    compare_at: str | None = typer.Option(None, "--compare-at", help="Its compare-at price."),
    weight: int | None = typer.Option(None, "--weight", help="Weight in grams."),
    no_track: bool = typer.Option(False, "--no-track-stock", help="Do not track its stock."),
    expect_version: int | None = EXPECT_OPTION,
    as_json: bool = JSON_OPTION,
    key: str | None = KEY_OPTION,
) -> None:
    """Add a variant to a product with options. Example: shoptui variant add TEE-S --sku TEE-XXL --price 89 --option XXL"""
    from shoptui.services import catalog

    def work(session: Session, actor: Actor) -> Outcome:
        money = shop_currency(session)
        values = (list(option) + [None, None, None])[:3]
        data = catalog.VariantInput(sku=sku, barcode=barcode, option1=values[0], option2=values[1], option3=values[2],
                                    price_minor=money.parse(price, field="price"),
                                    cost_minor=money.parse(cost, field="cost") if cost else None,
                                    compare_at_minor=money.parse(compare_at, field="compare-at price") if compare_at else None,
                                    weight_g=weight, track_stock=not no_track)
        pid = catalog.resolve_product(session=session, ref=product)
        row = catalog.add_variant(session=session, actor=actor, product_id=pid, data=data, expect_version=expect_version)
        return _outcome(f"Added variant {row.sku} to {row.product_title}.", _data(session, row))

    change(ctx, "variant add", work, key=key, as_json=as_json)


@variant_app.command("edit")
def variant_edit(
    ctx: typer.Context,
    sku: str = typer.Argument(..., help="The variant's SKU."),
    new_sku: str | None = typer.Option(None, "--new-sku", help="Give it a new SKU."),
    price: str | None = typer.Option(None, "--price", help="A new price."),
    cost: str | None = typer.Option(None, "--cost", help="A new cost ('' to clear)."),
    compare_at: str | None = typer.Option(None, "--compare-at", help="A new compare-at price ('' to clear)."),
    barcode: str | None = typer.Option(None, "--barcode", help=BARCODE_HELP + " '' clears it."),
    weight: int | None = typer.Option(None, "--weight", help="A new weight in grams."),
    track: bool | None = typer.Option(None, "--track-stock/--no-track-stock", help="Track its stock or not."),
    expect_version: int | None = EXPECT_OPTION,
    as_json: bool = JSON_OPTION,
    key: str | None = KEY_OPTION,
) -> None:
    """Change one variant, keyed by SKU. Example: shoptui variant edit TEE-S --price 69.00 --barcode 6901234567892"""
    from shoptui.services import catalog

    if all(v is None for v in (new_sku, price, cost, compare_at, barcode, weight, track)):
        raise fail("Nothing to change: give at least one option such as --price (see --help).", 2)

    def work(session: Session, actor: Actor) -> Outcome:
        money = shop_currency(session)
        values: dict[str, Any] = {}
        if new_sku is not None:
            values["sku"] = new_sku
        if price is not None:
            values["price_minor"] = money.parse(price, field="price")
        if cost is not None:
            values["cost_minor"] = money.parse(cost, field="cost") if cost.strip() else None
        if compare_at is not None:
            values["compare_at_minor"] = money.parse(compare_at, field="compare-at price") if compare_at.strip() else None
        if barcode is not None:
            values["barcode"] = barcode or None
        if weight is not None:
            values["weight_g"] = weight
        if track is not None:
            values["track_stock"] = track
        row = catalog.update_variant(session=session, actor=actor, sku=sku, patch=catalog.VariantUpdate(**values),
                                     expect_version=expect_version)
        return _outcome(f"Saved variant {row.sku} of {row.product_title}.", _data(session, row))

    change(ctx, "variant edit", work, key=key, as_json=as_json)


@variant_app.command("list")
def variant_list(
    ctx: typer.Context,
    product: str | None = typer.Option(None, "--product", help="Only the variants of this product (id, SKU or barcode)."),
    limit: int = typer.Option(100, "--limit", help="How many per page (1-1000)."),
    after: str | None = typer.Option(None, "--after", help="Continue after this cursor."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Variants by SKU. Example: shoptui variant list --product TEE-S --json"""
    from shoptui.services import catalog

    with reading(ctx) as session:
        pid = catalog.resolve_product(session=session, ref=product) if product else None
        page = catalog.list_variants(session=session, product_id=pid, after=after, limit=limit)
        money = shop_currency(session)
    if as_json:
        emit_page(page, money)
        return
    emit_table([(v.sku, v.product_title, " / ".join(v.options), money.format(v.price_minor), v.barcode or "")
                for v in page.items], ["sku", "product", "options", "price", "barcode"], justify={"price": "right"},
               empty="No variants.")
    if page.next_after:
        echo_err(f"more: shoptui variant list --after {page.next_after}")


@variant_app.command("generate")
def variant_generate(
    ctx: typer.Context,
    product: str = typer.Argument(..., help="The product: id, SKU or barcode."),
    option: list[str] = typer.Option(..., "--option", help="An option and its values, 'Size=S,M,L' (repeat, up to 3)."),
    price: str | None = typer.Option(None, "--price", help="Price of new variants (default: the first variant's)."),
    sku_prefix: str | None = typer.Option(None, "--sku-prefix", help="Start of new SKUs (default: from the first SKU)."),
    prune: bool = typer.Option(False, "--prune", help="Delete variants whose values are no longer listed (never ones with history)."),
    expect_version: int | None = EXPECT_OPTION,
    key: str | None = KEY_OPTION,
) -> None:
    """Create the missing option combinations. Example: shoptui variant generate TEE --option Size=S,M,L --option Color=Red,Blue"""
    from shoptui.services import catalog

    def work(session: Session, actor: Actor) -> Outcome:
        pid = catalog.resolve_product(session=session, ref=product)
        result = catalog.generate_variants(
            session=session, actor=actor, product_id=pid, options=[_parse_option(o) for o in option],
            price_minor=shop_currency(session).parse(price, field="price") if price else None, sku_prefix=sku_prefix,
            prune=prune, expect_version=expect_version)
        kept = f"; kept {', '.join(result.kept_with_history)} (they have history)" if result.kept_with_history else ""
        removed = f"; removed {', '.join(result.removed)}" if result.removed else ""
        return _outcome(f"Created {len(result.created)} variants for {result.product.title}{removed}{kept}.",
                        {"created": result.created, "removed": result.removed, "kept_with_history": result.kept_with_history})

    change(ctx, "variant generate", work, key=key)


@variant_app.command("delete")
def variant_delete(ctx: typer.Context, sku: str = typer.Argument(..., help="The variant's SKU."),
                   expect_version: int | None = EXPECT_OPTION, key: str | None = KEY_OPTION) -> None:
    """Delete a variant without history. Example: shoptui variant delete TEE-XXL"""
    from shoptui.services import catalog

    def work(session: Session, actor: Actor) -> Outcome:
        return _outcome(catalog.delete_variant(session=session, actor=actor, sku=sku, expect_version=expect_version))

    change(ctx, "variant delete", work, key=key)


# ---------------------------------------------------------------- demo


@demo_app.command("load")
def demo_load(
    ctx: typer.Context,
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing (and succeed) when the store already has products."),
    files_dir: Path | None = typer.Option(None, "--files-dir", file_okay=False,
                                          help="Where to write the demo's files (its website access log); "
                                               "default: the shoptui data folder."),
) -> None:
    """Load the demo store into an empty one: the catalogue (64 products, English and Chinese), stock, and a year of
    orders, members, promotions and returns; writes an access log to import. Example: shoptui demo load"""
    from shoptui import config, demo
    from shoptui.errors import InvalidInput

    cli = state(ctx)
    folder = files_dir if files_dir is not None else config.data_dir()
    with refusals():
        if files_dir is not None and not files_dir.is_dir():
            raise InvalidInput(f"The folder {files_dir} does not exist; create it or leave --files-dir out.")
        done = demo.load(cli.url, cli.actor, if_empty=if_empty, folder=folder)
    for line in done.lines():
        say(line)
