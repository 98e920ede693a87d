"""``shoptui report``: sales (and the other reports) as a table, JSON, CSV or a spreadsheet."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from shoptui.cli._output import JSON_OPTION, change, emit_json, emit_table, fail, outcome, reading, say, state

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
            actor=state(ctx).actor,
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

    # eight columns fit 80 terminal columns; --json, --csv and --xlsx carry every figure
    compared = report.comparison is not None
    columns = [report.by.capitalize(), "Orders", "Units", "Gross", "Discounts", "Returns", "Net sales", "Margin %"]
    if compared:
        columns = [report.by.capitalize(), "Orders", "Net sales", "Before", "Change", "Margin %"]
    rows = []
    for index, row in enumerate([*report.rows, None]):
        figures = report.total if row is None else row.figures
        name = (
            "Total"
            if row is None
            else (row.label if row.label == row.key or report.by == "customer" else f"{row.key} {row.label}")
        )
        if compared and report.comparison is not None:
            before = (
                report.comparison.total if row is None else getattr(report.compared_row(index, row), "figures", None)
            )
            then = None if before is None else before.net_sales
            rows.append(
                [
                    name,
                    figures.orders,
                    money(figures.net_sales),
                    money(then),
                    percent(change_bp(figures.net_sales, then)),
                    percent(figures.margin_bp),
                ]
            )
            continue
        rows.append(
            [
                name,
                figures.orders,
                figures.units,
                money(figures.gross_sales),
                money(figures.discounts),
                money(figures.returns),
                money(figures.net_sales),
                percent(figures.margin_bp),
            ]
        )
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


# ---------------------------------------------------------------- products, customers, stock (insight)
# Three reports over the same definitions; each is a list of export tables, printed, written or sent as JSON
# through the helpers below (the first table is the document's "rows"/"total", the others are named beside it).
DAYS_OPTION = typer.Option(
    None, "--days", metavar="N", help="The N days to --to (instead of --from); default 30 (customers: 365)."
)


def _snake(name: str) -> str:
    return "_".join(name.lower().replace("-", " ").split())


def _hand_over(
    report: str,
    meta: dict[str, Any],
    tables: list[Any],
    digits: int,
    as_json: bool,
    csv_file: Path | None,
    xlsx_file: Path | None,
) -> bool:
    """JSON on stdout (``{"report", ..., "rows", "total", "<other table>": {"rows", "total"}}``), or the tables
    written to a CSV or spreadsheet file; False when the report is to be printed instead."""
    from shoptui.services import analytics

    if as_json:
        document: dict[str, Any] = {"report": report, **meta}
        for index, table in enumerate(tables):
            body = analytics.table_json(table, digits)
            if table.notes:
                body["notes"] = list(table.notes)
            if index == 0:
                document.update(body)
            else:
                document[_snake(table.name)] = body
        emit_json(document)
        return True
    target = csv_file or xlsx_file
    if target is None:
        return False
    writer = analytics.write_csv if csv_file is not None else analytics.write_xlsx
    writer(target, tables, digits)
    say(f"Wrote {sum(len(t.rows) for t in tables)} rows in {len(tables)} tables to {target}.")
    return True


def _print_table(table: Any, digits: int, keys: tuple[str, ...] | None = None, title: str | None = None) -> None:
    """One export table on the terminal: money with the currency's digits, percentages with a %, total last."""
    from shoptui.money import format_money

    columns = [c for c in table.columns if keys is None or c.key in keys]

    def cell(value: Any, kind: str) -> str:
        if value is None:
            return ""
        if kind == "money":
            return format_money(int(value), digits)
        if kind == "percent":
            return f"{format_money(int(value), 2)}%"
        return str(value)

    rows = [[cell(row.get(c.key), c.kind) for c in columns] for row in table.rows]
    if table.total is not None and table.rows:
        rows.append([cell(table.total.get(c.key), c.kind) for c in columns])
    emit_table(
        rows,
        [c.title for c in columns],
        title=title or table.name.capitalize(),
        justify={c.title: "right" for c in columns if c.kind != "text"},
        empty=f"{table.name.capitalize()}: nothing in this period.",
    )
    for note in table.notes:
        say(note)


@app.command("products")
def products(
    ctx: typer.Context,
    slow: bool = typer.Option(False, "--slow", help="The slowest sellers first (those that sold nothing included)."),
    sort: str = typer.Option(
        "revenue", "--by", metavar="revenue|units|margin", help="Rank by net sales, units or margin."
    ),
    period_days: int | None = DAYS_OPTION,
    start: str | None = FROM_OPTION,
    end: str | None = TO_OPTION,
    top: int = typer.Option(20, "--top", metavar="N", help="Show N variants (the rest summed in one '(other)' row)."),
    as_json: bool = JSON_OPTION,
    csv_file: Path | None = CSV_OPTION,
    xlsx_file: Path | None = XLSX_OPTION,
) -> None:
    """Best (or --slow) sellers by revenue, units or margin, dead stock, days of cover.

    One row per variant. Revenue is net sales (see `shoptui report --help`). Days of cover: units on hand
    today / units sold per day in the period. Dead stock: variants with units on hand and no sale in the
    period, at today's cost. Until order lines keep their cost, a unit's cost is the variant's cost today.

    Examples:

      shoptui report products --days 7 --top 10

      shoptui report products --slow --days 90 --xlsx slow.xlsx
    """
    from shoptui.services import analytics

    one_output(as_json, csv_file, xlsx_file)
    with reading(ctx) as session:
        first, last = days(start, end)
        report = analytics.products_report(
            session=session, actor=state(ctx).actor, start=first, end=last, days=period_days, top=top, slow=slow, sort=sort
        )
    tables = analytics.products_tables(report)
    meta = {
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "days": report.days,
        "by": report.sort,
        "slow": report.slow,
        "currency": report.currency,
    }
    if _hand_over("products", meta, tables, report.digits, as_json, csv_file, xlsx_file):
        return
    kind = "Slow" if report.slow else "Best"
    _print_table(
        tables[0],
        report.digits,
        ("sku", "title", "units", "net_sales", "gross_margin", "margin", "on_hand", "days_of_cover"),
        f"{kind} sellers by {report.sort}, {report.start} to {report.end} ({report.currency})",
    )
    _print_table(tables[1], report.digits, None, f"Dead stock: on hand, no sale since {report.start}")


@app.command("stock")
def stock(
    ctx: typer.Context,
    period_days: int | None = DAYS_OPTION,
    start: str | None = FROM_OPTION,
    end: str | None = TO_OPTION,
    as_json: bool = JSON_OPTION,
    csv_file: Path | None = CSV_OPTION,
    xlsx_file: Path | None = XLSX_OPTION,
) -> None:
    """Stock value at cost by location and by category, turnover and days of cover.

    Value: units on hand at the variant's cost today. Opening and closing value: the units on hand when the
    period began and ended (from the stock ledger), at today's cost. Turnover = cost of goods sold in the
    period / ((opening + closing) / 2). Days of cover: units on hand today / units sold per day in the period.

    Example: shoptui report stock --from 2026-01-01 --to 2026-06-30 --xlsx stock.xlsx
    """
    from shoptui.services import analytics

    one_output(as_json, csv_file, xlsx_file)
    with reading(ctx) as session:
        first, last = days(start, end)
        report = analytics.stock_report(session=session, actor=state(ctx).actor, start=first, end=last, days=period_days)
    tables = analytics.stock_tables(report)
    meta = {
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "days": report.days,
        "currency": report.currency,
    }
    if _hand_over("stock", meta, tables, report.digits, as_json, csv_file, xlsx_file):
        return
    keys = ("key", "label", "on_hand", "stock_value", "cogs", "turnover", "days_of_cover")
    period = f"{report.start} to {report.end} ({report.currency})"
    _print_table(tables[0], report.digits, keys, f"Stock by location, {period}")
    _print_table(tables[1], report.digits, keys[1:], f"Stock by category, {period}")


def _customers_help() -> str:
    from shoptui.services.analytics import rfm_help

    return (
        "Customers: profiles by age band, gender and region (member data), new and returning, repeat-purchase "
        "rate, RFM segments and cohort retention by month of first order.\n\n"
        "Age is on the period's last day; region is the member's region. New: first order (ever) in the period; "
        "returning: ordered before it; repeat-purchase rate: customers with two orders or more in the period / "
        "customers with an order in it. Cohorts: customers by the month of their first order, and the share of "
        "them who ordered again in each month after.\n\n"
        + rfm_help()
        + "\n\nExamples:\n\n  shoptui report customers --days 365\n\n"
        "  shoptui report customers --segment 'At risk' --members --csv at-risk.csv\n\n"
        "  shoptui coupon issue COMEBACK --segment 'At risk'"
    )


@app.command("customers", help=_customers_help())
def customers(
    ctx: typer.Context,
    period_days: int | None = DAYS_OPTION,
    start: str | None = FROM_OPTION,
    end: str | None = TO_OPTION,
    segment: str | None = typer.Option(None, "--segment", metavar="NAME", help="One RFM segment (with --members)."),
    members: bool = typer.Option(False, "--members", help="List the customers of --segment with their scores."),
    as_json: bool = JSON_OPTION,
    csv_file: Path | None = CSV_OPTION,
    xlsx_file: Path | None = XLSX_OPTION,
) -> None:
    from shoptui.services import analytics

    one_output(as_json, csv_file, xlsx_file)
    if members and segment is None:
        raise fail("--members lists one segment: give --segment NAME too.", 2)
    with reading(ctx) as session:
        if segment is not None:
            segment = analytics.rule_named(segment).name
        first, last = days(start, end)
        report = analytics.customers_report(session=session, actor=state(ctx).actor, start=first, end=last, days=period_days,
                                            with_names=members)  # names only for a segment's list
    meta = {
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "days": report.days,
        "currency": report.currency,
        "customers": report.customers,
        "repeat_customers": report.repeat_customers,
        "repeat_rate": None if report.repeat_rate_bp is None else f"{report.repeat_rate_bp / 100:.2f}",
    }
    tables = analytics.customers_tables(report)
    if segment is not None:
        meta["segment"] = segment
        tables = [analytics.members_table(report, segment)] if members else [t for t in tables if t.name == "segments"]
    if _hand_over("customers", meta, tables, report.digits, as_json, csv_file, xlsx_file):
        return
    period = f"{report.start} to {report.end} ({report.currency})"
    if segment is not None and members:
        _print_table(tables[0], report.digits, None, f"{segment}: customers, {period}")
        return
    _print_table(tables[0], report.digits, None, f"RFM segments, {period}")
    if segment is not None:
        return
    for table in tables[1:-1]:
        _print_table(
            table,
            report.digits,
            ("label", "members", "customers", "orders", "net_sales")
            if table.name != "new and returning"
            else ("key", "label", "customers", "orders", "net_sales"),
            f"Customers by {table.name}" if table.name != "new and returning" else "New and returning",
        )
    _print_table(tables[-1], report.digits, None, "Cohorts: share still ordering N months after the first order")


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
        report = analytics.traffic_report(session=session, actor=state(ctx).actor, by=by, start=first, end=last)
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
