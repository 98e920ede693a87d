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


# ---------------------------------------------------------------- report traffic (visits from access logs)


@app.command("traffic")
def traffic(
    ctx: typer.Context,
    by: str = typer.Option("day", "--by", help="Rows by day|source|host|campaign|landing-page."),
    start: str | None = FROM_OPTION,
    end: str | None = TO_OPTION,
    as_json: bool = JSON_OPTION,
    csv_file: Path | None = CSV_OPTION,
    xlsx_file: Path | None = XLSX_OPTION,
) -> None:
    """Visits, visitors, page views and bot hits from the imported access logs (`shoptui traffic import`); by
    source also orders, conversion (orders / visits) and revenue of the orders that carry a source.

    Sources: search, social, email, ads, referral, direct (see `shoptui traffic import --help` for the rules).
    Visitors are distinct clients per day. Revenue is the goods after discounts of orders placed in the period
    (cancelled and unpaid open orders left out), by the order's source word or its UTM tags."""
    from shoptui.cli._output import reading
    from shoptui.cli.traffic import print_report_table
    from shoptui.services import analytics, shop

    with reading(ctx) as session:
        report = analytics.traffic_report(session=session, by=by, start=shop.parse_day(start, field="--from"),
                                          end=shop.parse_day(end, field="--to"))
        tables = analytics.traffic_tables(report)
        if csv_file is not None:
            analytics.write_csv(csv_file, tables, report.digits)
        if xlsx_file is not None:
            analytics.write_xlsx(xlsx_file, tables, report.digits)
    if as_json:
        from shoptui.cli._output import emit_json

        emit_json({"report": "traffic", "by": report.by, "from": report.start.isoformat(),
                   "to": report.end.isoformat(), "currency": report.currency,
                   **analytics.table_json(tables[0], report.digits)})
    elif csv_file is None and xlsx_file is None:
        print_report_table(tables[0], report.digits, f"Traffic by {report.by}, {report.start} to {report.end}",
                           "No visits in this period: import access logs with `shoptui traffic import FILE...`.")
