"""``shoptui report``: sales (and the other reports) as a table, JSON, CSV or a spreadsheet."""

from __future__ import annotations

from pathlib import Path

import typer

from shoptui.cli._output import JSON_OPTION, fail

# The definitions are written once (services/analytics/definitions.py, plain text: light to import).
from shoptui.services.analytics import BREAKDOWNS, COMPARES, DEFINITIONS

app = typer.Typer(help="Reports: sales, products, customers, stock, traffic.\n\n" + DEFINITIONS, no_args_is_help=True)

CSV_OPTION = typer.Option(None, "--csv", metavar="FILE", help="Write the report to a CSV file.")
XLSX_OPTION = typer.Option(None, "--xlsx", metavar="FILE", help="Write the report to a spreadsheet (.xlsx).")
FROM_OPTION = typer.Option(None, "--from", metavar="DAY", help="First day (store time), like 2026-11-01.")
TO_OPTION = typer.Option(None, "--to", metavar="DAY", help="Last day, included (default: today).")


@app.command("sales")
def sales(
    ctx: typer.Context,
    by: str = typer.Option("day", "--by", help="Rows by " + "|".join(BREAKDOWNS) + "."),
    start: str | None = FROM_OPTION,
    end: str | None = TO_OPTION,
    top: int | None = typer.Option(None, "--top", metavar="N", help="Only the N rows with the most net sales."),
    compare: str | None = typer.Option(
        None, "--compare", help="Add the " + " or ".join(COMPARES) + " period and the change beside each figure."
    ),
    as_json: bool = JSON_OPTION,
    csv_file: Path | None = CSV_OPTION,
    xlsx_file: Path | None = XLSX_OPTION,
) -> None:
    """Sales by day, week, month, quarter, year, place, channel, payment, product, customer ... (see
    `shoptui report --help` for what each figure means)."""
    raise fail("being built", 1)
