"""``product import --from shopify|woocommerce``: an export read by its reader, imported by the catalogue's
own import (validation, all or nothing, bulk writer), and its quantities booked as the opening balance
through the stock ledger, all in the caller's one transaction."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel
from sqlmodel import Session

from shoptui.config import Actor
from shoptui.errors import InvalidInput
from shoptui.services import catalog, inventory, shop
from shoptui.services.catalog import ImportReport, KeptBarcode, ProductOutcome
from shoptui.services.inventory import OpeningStockRead
from shoptui.services.movein import shopify, woocommerce
from shoptui.services.movein.common import HEADER, ForeignRows, Skipped
from shoptui.store import tuning

READERS: dict[str, Callable[[bytes | str, str], ForeignRows]] = {
    "shopify": shopify.read_products,
    "woocommerce": woocommerce.read_products,
}
FORMATS = tuple(READERS)
MAX_LISTED = 50


class ProductImportOptions(BaseModel):
    """How to import an export: the flags of ``product import --from``."""

    dry_run: bool = False
    create_categories: bool = False
    opening_stock: bool = False
    location: str | None = None  # with opening_stock: where (default: the default location)
    strict_barcodes: bool = False  # refuse the file for a barcode the catalogue would refuse


class ProductImportSummary(BaseModel):
    """What importing an export did (or, in a dry run, would do)."""

    source: str
    fmt: str
    dry_run: bool
    file_rows: int
    catalog: ImportReport
    products: list[ProductOutcome]  # each product of the file: created, updated or unchanged
    skipped: list[Skipped]
    converted: dict[str, int]
    dropped: dict[str, int]  # what the export had that shoptui does not keep: cells per column or kind
    barcodes_kept: list[KeptBarcode]
    remote_images: int
    opening_stock: OpeningStockRead | None

    @property
    def summary(self) -> str:
        """The report for people: counts first, then each list (the long ones cut at MAX_LISTED)."""
        c = self.catalog
        verb = "Would import" if self.dry_run else "Imported"
        created = [p for p in self.products if p.action == "created"]
        updated = [p for p in self.products if p.action == "updated"]
        lines = [f"{verb} {self.fmt} export {self.source}: {self.file_rows} rows, {len(created)} products to create, "
                 f"{len(updated)} to update, {c.products_unchanged} unchanged, {len(self.skipped)} skipped; "
                 f"{c.variants_created} variants new, {c.variants_updated} changed."
                 if self.dry_run else
                 f"{verb} {self.fmt} export {self.source}: {self.file_rows} rows, {c.products_created} products "
                 f"created, {c.products_updated} updated, {c.products_unchanged} unchanged, {len(self.skipped)} "
                 f"skipped; {c.variants_created} variants created, {c.variants_updated} updated."]
        if c.categories_created:
            lines.append(f"Categories {'to create' if self.dry_run else 'created'}: {', '.join(c.categories_created)}")
        for title, items in (("Create", created), ("Update", updated)):
            if items and self.dry_run:
                lines.append(f"{title}:")
                lines += [f"  line {p.line}: {p.sku} {p.title}" for p in items[:MAX_LISTED]]
                if len(items) > MAX_LISTED:
                    lines.append(f"  ... and {len(items) - MAX_LISTED} more")
        if self.skipped:
            lines.append("Skipped:")
            lines += [f"  line {s.line}: {s.ref}: {s.reason}" for s in self.skipped[:MAX_LISTED]]
            if len(self.skipped) > MAX_LISTED:
                lines.append(f"  ... and {len(self.skipped) - MAX_LISTED} more")
        if self.converted:
            lines.append("Converted: " + "; ".join(f"{n} {what}" for what, n in sorted(self.converted.items())))
        if self.dropped:
            lines.append("Dropped: " + "; ".join(f"{what} ({n})" for what, n in sorted(self.dropped.items())))
        if self.barcodes_kept:
            lines.append(f"Barcodes kept as the shop's own codes ({len(self.barcodes_kept)}; still scannable):")
            lines += [f"  line {b.line}: {b.sku} {b.barcode}: {b.reason}" for b in self.barcodes_kept[:MAX_LISTED]]
            if len(self.barcodes_kept) > MAX_LISTED:
                lines.append(f"  ... and {len(self.barcodes_kept) - MAX_LISTED} more")
        if self.remote_images:
            lines.append(f"Images: {self.remote_images} kept as links; download them with: shoptui product images fetch")
        stock = self.opening_stock
        if stock is not None:
            lines.append(f"Opening stock {'to book' if self.dry_run else 'booked'} at {stock.location}: {stock.units} "
                         f"units of {stock.booked} variants" + (f"; {len(stock.skipped)} not booked:" if stock.skipped else "."))
            lines += [f"  {s.sku} ({s.quantity}): {s.reason}" for s in stock.skipped[:MAX_LISTED]]
        return "\n".join(lines)


def import_products(*, session: Session, actor: Actor, content: bytes | str, fmt: str, source: str = "file",
                    options: ProductImportOptions | None = None,
                    progress: Callable[[str], None] | None = None) -> ProductImportSummary:
    """Import a Shopify or WooCommerce product export, all or nothing (see ``shopify`` and ``woocommerce``
    for how each maps). Raises InvalidInput (unknown format, missing categories, unknown location) and
    ImportRefused (line-numbered problems of the file); writes nothing in a dry run."""
    shop.require(session=session, actor=actor, permission="data.import")  # refused before any work
    with tuning.gc_paused():  # reading builds a few objects per cell, none of them in a cycle
        return _import_products(session=session, actor=actor, content=content, fmt=fmt, source=source,
                                opts=options or ProductImportOptions(), progress=progress)


def _import_products(*, session: Session, actor: Actor, content: bytes | str, fmt: str, source: str,
                     opts: ProductImportOptions, progress: Callable[[str], None] | None) -> ProductImportSummary:
    reader = READERS.get(fmt)
    if reader is None:
        raise InvalidInput(f"The format {fmt!r} is not one of {', '.join(FORMATS)}; export your products from one "
                           "of those, or use shoptui's own columns without --from.", field="fmt")
    if opts.location and not opts.opening_stock:
        raise InvalidInput("A location only says where the opening stock goes; add --opening-stock.", field="location")
    if opts.opening_stock:
        inventory.find_location(session, opts.location)  # an unknown location is refused before the file is read
    read = reader(content, source)
    if progress and read.file_rows >= 20_000:
        progress(f"read {read.file_rows:,} rows of the {fmt} export")
    if read.categories and not opts.create_categories:
        known = {name.lower() for name in catalog.category_paths(session=session).values()}
        missing = [name for name in read.categories if name.lower() not in known]
        if missing:
            shown = ", ".join(repr(m) for m in missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
            raise InvalidInput(f"{source}: {len(missing)} {'category does' if len(missing) == 1 else 'categories do'} "
                               f"not exist: {shown}. Create them first or import with --create-categories; nothing "
                               "was imported.", field="category")
    kept: list[KeptBarcode] | None = None if opts.strict_barcodes else []
    report, products = catalog.import_rows(session=session, actor=actor, header=HEADER, rows=read.rows, source=source,
                                           dry_run=opts.dry_run, create_categories=opts.create_categories,
                                           kept_barcodes=kept, progress=progress)
    stock = None
    if opts.opening_stock:
        stock = inventory.book_opening_stock(session=session, actor=actor, quantities=read.quantities,
                                             location=opts.location, dry_run=opts.dry_run, source="import")
    return ProductImportSummary(source=source, fmt=fmt, dry_run=opts.dry_run, file_rows=read.file_rows, catalog=report,
                                products=products, skipped=read.skipped, converted=dict(read.converted),
                                dropped=dict(read.dropped), barcodes_kept=kept or [], remote_images=read.remote_images,
                                opening_stock=stock)


def plan_products(*, session: Session, actor: Actor, content: bytes | str, fmt: str, source: str = "file",
                  options: ProductImportOptions | None = None) -> ProductImportSummary:
    """The dry run of ``import_products``: what it would create, update, skip, convert and drop; writes nothing."""
    opts = (options or ProductImportOptions()).model_copy(update={"dry_run": True})
    return import_products(session=session, actor=actor, content=content, fmt=fmt, source=source, options=opts)
