"""``shoptui report``: sales (and the other reports) as a table, JSON, CSV or a spreadsheet."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from shoptui.cli._output import JSON_OPTION, change, emit_json, emit_table, fail, outcome, reading, say

# The definitions are written once (services/analytics/definitions.py, plain text: light to import).
from shoptui.services.analytics import BREAKDOWNS, COMPARES, DEFINITIONS

if TYPE_CHECKING:
    from shoptui.services.analytics import SalesReport, Table

app = typer.Typer(help="Reports: sales, products, customers, stock, traffic.\n\n" + DEFINITIONS, no_args_is_help=True)

CSV_OPTION = typer.Option(None, "--csv", metavar="FILE", help="Write the report to a CSV file.")
XLSX_OPTION = typer.Option(None, "--xlsx", metavar="FILE", help="Write the report to a spreadsheet (.xlsx).")
FROM_OPTION = typer.Option(
    None, "--from", metavar="DAY", help="First day (store time), like 2026-11-01 (default: 29 days before --to)."
)
TO_OPTION = typer.Option(None, "--to", metavar="DAY", help="Last day, included (default: today).")


def one_output(as_json: bool, csv_file: Path | None, xlsx_file: Path | None) -> None:
    """--json, --csv and --xlsx exclude each other (a usage error, exit 2)."""
    if sum((as_json, csv_file is not None, xlsx_file is not None)) > 1:
        raise fail("Give one of --json, --csv FILE and --xlsx FILE.", 2)


def days(start: str | None, end: str | None) -> tuple[Any, Any]:
    """--from and --to as dates (a malformed day is refused with its option's name)."""
    from shoptui.services.shop import parse_day

    return (
        parse_day(start, field="--from day", example="2026-11-01"),
        parse_day(end, field="--to day", example="2026-11-30"),
    )


def write_tables(tables: list[Table], digits: int, csv_file: Path | None, xlsx_file: Path | None) -> bool:
    """Write the report's tables to the file asked for; False when none was."""
    from shoptui.services import analytics

    if csv_file is not None:
        analytics.write_csv(csv_file, tables, digits)
        say(f"Wrote {len(tables[0].rows)} rows to {csv_file}.")
        return True
    if xlsx_file is not None:
        analytics.write_xlsx(xlsx_file, tables, digits)
        say(f"Wrote {len(tables[0].rows)} rows to {xlsx_file}.")
        return True
    return False


@app.command("sales")
def sales(
    ctx: typer.Context,
    by: str = typer.Option("day", "--by", metavar="|".join(BREAKDOWNS), help="What each row is."),
    start: str | None = FROM_OPTION,
    end: str | None = TO_OPTION,
    top: int | None = typer.Option(
        None, "--top", metavar="N", help="Only the N rows with the most net sales (the rest in one '(other)' row)."
    ),
    compare: str | None = typer.Option(
        None,
        "--compare",
        metavar="|".join(COMPARES),
        help="Add the period just before (or the same days a year before) and the change beside each figure.",
    ),
    as_json: bool = JSON_OPTION,
    csv_file: Path | None = CSV_OPTION,
    xlsx_file: Path | None = XLSX_OPTION,
) -> None:
    """Sales by day, week, month, quarter, year, region, province, city, country, channel, payment, category,
    product, variant, customer, member tier, promotion, coupon, source or staff.

    Week keys are ISO weeks (2017-W01), months 2017-01, quarters 2017-Q1, years 2017. Rows are sorted by key
    for a time breakdown, by net sales (most first) otherwise. Open orders with no payment are listed apart.
    See `shoptui report --help` for what each figure means.

    Examples:

      shoptui report sales --by month --from 2026-01-01 --to 2026-12-31 --compare year

      shoptui report sales --by product --top 10 --xlsx best.xlsx
    """
    from shoptui.services import analytics

    by = by.strip().lower()
    if by not in BREAKDOWNS:
        raise fail(f"--by takes one of {', '.join(BREAKDOWNS)}, not {by!r}.", 2)
    if compare is not None and compare.strip().lower() not in COMPARES:
        raise fail(f"--compare takes {' or '.join(COMPARES)}, not {compare!r}.", 2)
    one_output(as_json, csv_file, xlsx_file)
    with reading(ctx) as session:
        first, last = days(start, end)
        report = analytics.sales_report(
            session=session,
            by=by,
            start=first,
            end=last,
            top=top,
            compare=None if compare is None else compare.strip().lower(),
        )
        if as_json:
            emit_json(analytics.sales_document(report))
            return
        if write_tables(analytics.sales_tables(report), report.digits, csv_file, xlsx_file):
            return
    _print(report)


def _print(report: SalesReport) -> None:
    from zoneinfo import ZoneInfo

    from shoptui.money import format_money
    from shoptui.services.analytics import change_bp

    def money(minor: int | None) -> str:
        return "" if minor is None else format_money(minor, report.digits)

    def percent(bp: int | None) -> str:
        return "" if bp is None else f"{format_money(bp, 2)}%"

    compared = report.comparison is not None
    columns = [
        report.by.capitalize(),
        "Orders",
        "Units",
        "Gross",
        "Discounts",
        "Returns",
        "Net sales",
        "Cost",
        "Margin",
        "Margin %",
        "Avg order",
    ]
    if compared:
        columns += ["Net before", "Change"]
    rows = []
    for index, row in enumerate([*report.rows, None]):
        figures = report.total if row is None else row.figures
        name = "Total" if row is None else (row.label if row.label == row.key else f"{row.key} {row.label}")
        cells = [
            name,
            figures.orders,
            figures.units,
            money(figures.gross_sales),
            money(figures.discounts),
            money(figures.returns),
            money(figures.net_sales),
            money(figures.cost),
            money(figures.gross_margin),
            percent(figures.margin_bp),
            money(figures.average_order_value),
        ]
        if compared and report.comparison is not None:
            before = (
                report.comparison.total if row is None else getattr(report.compared_row(index, row), "figures", None)
            )
            then = None if before is None else before.net_sales
            cells += [money(then), percent(change_bp(figures.net_sales, then))]
        rows.append(cells)
    title = f"Sales by {report.by}, {report.start} to {report.end} ({report.currency})"
    if report.comparison is not None:
        title += f", compared with {report.comparison.start} to {report.comparison.end}"
    emit_table(rows, columns, title=title, justify={c: "right" for c in columns[1:]})
    say(
        f"Shipping {money(report.total.shipping)} (not in net sales); tax {money(report.total.tax)} "
        "(included in the prices)."
    )
    if report.unpaid_count:
        say(f"Unpaid open orders (not in sales): {report.unpaid_count}, total {money(report.unpaid_minor)}.")
        emit_table(
            [
                (
                    u.number,
                    u.placed_at.astimezone(ZoneInfo(report.timezone)).strftime("%Y-%m-%d %H:%M"),
                    u.customer,
                    money(u.total_minor),
                )
                for u in report.unpaid[:10]
            ],
            ["Order", "Placed", "Customer", "Total"],
            justify={"Total": "right"},
        )


@app.command("refresh")
def refresh(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Place every order again on the day it was created in the store's time zone (after changing the
    `timezone` setting; `shoptui db check` says when it is needed)."""
    from shoptui.services import analytics

    def work(session: Any, actor: Any) -> Any:
        moved = analytics.refresh_placed_days(session=session, actor=actor)
        return outcome(f"{moved} orders placed again on their day in the store's time zone.", {"moved": moved})

    change(ctx, "report refresh", work, as_json=as_json)


# ---------------------------------------------------------------- report traffic (visits from access logs)


@app.command("traffic")
def traffic(
    ctx: typer.Context,
    by: str = typer.Option("day", "--by", metavar="day|source|host|campaign|landing-page", help="What each row is."),
    start: str | None = FROM_OPTION,
    end: str | None = TO_OPTION,
    as_json: bool = JSON_OPTION,
    csv_file: Path | None = CSV_OPTION,
    xlsx_file: Path | None = XLSX_OPTION,
) -> None:
    """Visits, visitors, page views and bot hits from the imported access logs (`shoptui traffic import`); by
    source also orders, conversion (orders / visits) and revenue.

    Sources: search, social, email, ads, referral, direct (`shoptui traffic import --help` gives the rules).
    Visitors are distinct clients per day. An order counts under its source word, else what its UTM tags say;
    revenue is its goods after discounts; cancelled orders and open orders with no payment never count.
    """
    from shoptui.cli.traffic import print_report_table
    from shoptui.services import analytics

    by = by.strip().lower()
    if by not in analytics.TRAFFIC_BREAKDOWNS:
        raise fail(f"--by takes one of {', '.join(analytics.TRAFFIC_BREAKDOWNS)}, not {by!r}.", 2)
    one_output(as_json, csv_file, xlsx_file)
    with reading(ctx) as session:
        first, last = days(start, end)
        report = analytics.traffic_report(session=session, by=by, start=first, end=last)
        tables = analytics.traffic_tables(report)
        if as_json:
            emit_json({"report": "traffic", "by": report.by, "from": report.start.isoformat(),
                       "to": report.end.isoformat(), "currency": report.currency,
                       **analytics.table_json(tables[0], report.digits)})
            return
        if write_tables(tables, report.digits, csv_file, xlsx_file):
            return
    print_report_table(tables[0], report.digits, f"Traffic by {report.by}, {report.start} to {report.end}",
                       "No visits in this period: import access logs with `shoptui traffic import FILE...`.")
