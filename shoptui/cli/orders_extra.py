"""More ``shoptui order`` commands: receipt, packing slip, invoice, and history import.

They hang on the ``order`` group of ``shoptui.cli.orders`` (imported at the bottom of it).
"""

from __future__ import annotations

import typer

from shoptui.cli._output import JSON_OPTION, confirm_print, emit_json, fail, reading, refusals, say, state
from shoptui.cli.orders import app

OUTPUT_OPTION = typer.Option(None, "--output", "-o", metavar="FILE", help="Save the document to this file.")
PRINT_OPTION = typer.Option(False, "--print", help="Send the document to the print command (print_command setting).")


def _document(ctx: typer.Context, number: str, kind: str, output: str | None, to_printer: bool, as_json: bool,
              width: int | None = None, copy: bool = False) -> None:
    from shoptui.services import orders

    if output and to_printer:
        raise fail("Give --output FILE or --print, not both.", 2)
    with reading(ctx) as session:
        text = orders.render(session=session, number=number, kind=kind, width_mm=width, copy=copy)
        command = orders.shop_info(session=session).print_command
    with refusals():
        if output:
            path = orders.save(text, output)
            say(f"Saved the {kind} of {number.strip()} to {path}.")
            return
        if to_printer:
            orders.print_text(text, command, confirmed=confirm_print(command))
            say(f"Sent the {kind} of {number.strip()} to the printer.")
            return
    if as_json:
        emit_json({"number": number.strip(), "document": kind, "text": text})
    else:
        say(text, nl=False)


@app.command("receipt")
def order_receipt(
    ctx: typer.Context,
    number: str = typer.Argument(..., help="The order number, like SO-000123."),
    width: int | None = typer.Option(None, "--width", help="Paper width in mm: 58 or 80 (default: the "
                                     "receipt_width setting)."),
    output: str | None = OUTPUT_OPTION,
    to_printer: bool = PRINT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """An order's receipt (marked COPY), to stdout, a file or the printer. Example: shoptui order receipt SO-000123 --print"""
    if width is not None and width not in (58, 80):
        raise fail(f"--width is 58 or 80 (mm), not {width}.", 2)
    _document(ctx, number, "receipt", output, to_printer, as_json, width=width, copy=True)


@app.command("slip")
def order_slip(
    ctx: typer.Context,
    number: str = typer.Argument(..., help="The order number."),
    output: str | None = OUTPUT_OPTION,
    to_printer: bool = PRINT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The packing slip of an order (items, no prices). Example: shoptui order slip SO-000123 -o slip.txt"""
    _document(ctx, number, "slip", output, to_printer, as_json)


@app.command("invoice")
def order_invoice(
    ctx: typer.Context,
    number: str = typer.Argument(..., help="The order number."),
    output: str | None = OUTPUT_OPTION,
    to_printer: bool = PRINT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The invoice of an order (prices, tax part, payments). Example: shoptui order invoice SO-000123 -o inv.txt"""
    _document(ctx, number, "invoice", output, to_printer, as_json)


@app.command("import")
def order_import(
    ctx: typer.Context,
    file: str | None = typer.Argument(None, metavar="FILE.csv", help="The CSV of order lines (one row per line)."),
    mapping: str | None = typer.Option(None, "--mapping", "-m", metavar="MAP.toml", help="The TOML file naming the "
                                       "CSV column of each field ([columns]) and the date format, time zone and "
                                       "default status ([options])."),
    source_format: str | None = typer.Option(None, "--from", metavar="FORMAT", help="Read a shopify or woocommerce "
                                             "orders export with the built-in mapping (no --mapping needed)."),
    print_mapping: bool = typer.Option(False, "--print-mapping", help="With --from: print the built-in mapping as a "
                                       "TOML file to start a custom one, and import nothing."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything and print the summary; write nothing."),
    create_missing: bool = typer.Option(False, "--create-missing", help="Create unknown SKUs (as products) and "
                                        "customers instead of refusing the import."),
    affect_stock: bool = typer.Option(False, "--affect-stock", help="Move stock for the imported orders (shipped "
                                      "lines leave stock, open ones are reserved); default: history only."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Import order history from a CSV, all or nothing. Example: shoptui order import orders_export.csv --from shopify --dry-run"""
    from pathlib import Path

    from shoptui import db
    from shoptui.cli._output import echo_err, jsonable
    from shoptui.services import orders, shop

    if print_mapping:
        if source_format is None:
            raise fail("--print-mapping prints a built-in mapping: name it with --from shopify or --from "
                       "woocommerce.", 2)
        with refusals():
            say(orders.builtin_mapping_text(source_format), nl=False)
        return
    if file is None:
        raise fail("Name the CSV file to import.", 2)
    if (mapping is None) == (source_format is None):
        raise fail("Give --mapping MAP.toml or --from shopify|woocommerce (one of the two).", 2)
    cli = state(ctx)
    path = Path(file).expanduser()
    with refusals():
        plan = orders.read_mapping(Path(mapping).expanduser()) if mapping is not None else None

        def progress(message: str) -> None:
            echo_err(message)

        unit = db.read_session(cli.url) if dry_run else db.transaction(cli.url)  # a dry run never writes
        with unit as session:
            if plan is not None:  # a mapping file: the import streams the file itself
                report = orders.import_orders(
                    session=session, actor=cli.actor, path=path, source=path.name, mapping=plan, dry_run=dry_run,
                    create_missing=create_missing, affect_stock=affect_stock, progress=progress)
            else:  # a shop's own export (--from shopify|woocommerce), read through its built-in mapping
                report = orders.import_foreign_orders(
                    session=session, actor=cli.actor, content=shop.read_import_file(path), fmt=source_format or "",
                    source=path.name, dry_run=dry_run, create_missing=create_missing, affect_stock=affect_stock,
                    progress=progress)
    if as_json:
        emit_json(jsonable(report))
    else:
        say(report.summary)
