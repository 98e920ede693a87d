"""``shoptui traffic``: visits from web-server access logs, ad spend and its return.

The report itself is ``shoptui report traffic`` (cli/analytics.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from shoptui.cli._output import JSON_OPTION, emit_json, emit_table, reading, refusals, say, state

# The rules are plain text (services/analytics/logparse.py imports only the standard library): light to import.
from shoptui.services.analytics import IMPORT_RULES

app = typer.Typer(help="Traffic from web-server access logs: import them, record ad spend and see its return.",
                  no_args_is_help=True)


class _SpendCommands(TyperGroup):
    """``traffic spend CHANNEL DAY AMOUNT`` records (the ``add`` command); ``traffic spend list`` lists."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["add", *args]
        return list(super().parse_args(ctx, args))


spend_app = typer.Typer(cls=_SpendCommands, no_args_is_help=True,
                        help="Ad spend: `traffic spend CHANNEL DAY AMOUNT` records what a channel cost on a day; "
                        "`traffic spend list` shows spend, visits, orders, revenue and return on ad spend per channel.")
app.add_typer(spend_app, name="spend")


@app.command("import", help="Import web-server access logs (nginx/Apache combined format, plain or .gz): "
             "visits, visitors, page views and their sources, and bot hits.\n\n" + IMPORT_RULES)
def import_logs(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="Access logs, rotated ones oldest first "
                                       "(access.log.2.gz access.log.1 access.log)."),
    as_json: bool = JSON_OPTION,
) -> None:
    from shoptui import db
    from shoptui.services import analytics

    cli = state(ctx)
    with refusals(), db.transaction(cli.url) as session:
        result = analytics.import_access_logs(session=session, actor=cli.actor, paths=files)
    if as_json:
        from shoptui.cli._output import jsonable

        emit_json(jsonable(result))
        return
    for file in result.files:
        unfinished = " (its last line is still being written: the next import reads it)" if file.unfinished else ""
        say(f"{file.path}: {file.state}, {file.lines} new lines{unfinished}")
    say(f"{result.lines} lines: {result.page_views} page views, {result.visits_new} new visits"
        f"{f' ({result.visits_continued} earlier visits continued)' if result.visits_continued else ''}, "
        f"{result.bot_hits} bot hits, {result.other_hits} other hits (assets, errors, other methods), "
        f"{result.malformed} unreadable lines.")
    if result.malformed_examples:
        say(f"Unreadable lines (not in the combined format), the first: {', '.join(result.malformed_examples)}.",
            err=True)
    if not result.site_url_set:
        say("The site_url setting is empty: visits referred by the shop's own site count as referral. Set it with "
            "`shoptui settings set site_url https://your-shop.example`.", err=True)


@app.command("logs")
def logs(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """The access logs imported so far: where each was last seen, how far it was read, when."""
    from shoptui.cli._output import jsonable, shop_currency_and_zone, when
    from shoptui.services import analytics

    with reading(ctx) as session:
        found = analytics.list_traffic_logs(session=session, actor=state(ctx).actor)
        _, zone = shop_currency_and_zone(session)
    if as_json:
        emit_json(jsonable(found))
        return
    emit_table([(log.path, f"{log.lines:,}", f"{log.read_to:,}", when(log.imported_at, zone)) for log in found],
               ("File", "Lines", "Bytes read", "Imported"), justify={"Lines": "right", "Bytes read": "right"},
               empty="No access log imported yet: run `shoptui traffic import FILE...`.")


@spend_app.command("add")
def spend_add(
    ctx: typer.Context,
    channel: str = typer.Argument(..., help="The ad channel: the utm_source its ads are tagged with (baidu, weibo)."),
    day: str = typer.Argument(..., help="The day, like 2026-12-01 (store time)."),
    amount: str = typer.Argument(..., help="What it cost that day, like 120.50 (replaces what was recorded)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Record what an ad channel cost on one day."""
    from shoptui import db
    from shoptui.cli._output import jsonable, shop_currency
    from shoptui.services import analytics, shop

    cli = state(ctx)
    with refusals(), db.transaction(cli.url) as session:
        when = shop.parse_day(day, field="day", name="day")
        if when is None:
            from shoptui.errors import InvalidInput

            raise InvalidInput("Give the day the spend is for, like 2026-12-01.", field="day")
        currency = shop_currency(session)
        minor = currency.parse(amount, field="amount", name="amount_minor")
        saved = analytics.set_ad_spend(session=session, actor=cli.actor, channel=channel, day=when, amount_minor=minor)
    if as_json:
        emit_json({**jsonable(saved, currency), "currency": currency.code})
        return
    before = "" if saved.previous_minor is None else f" (was {currency.format(saved.previous_minor)})"
    say(f"{saved.channel} on {saved.day}: {currency.format(saved.amount_minor)} {currency.code}{before}.")


@spend_app.command("list")
def spend_list(
    ctx: typer.Context,
    start: str | None = typer.Option(None, "--from", metavar="DAY", help="First day (store time), like 2026-11-01 "
                                     "(default: 30 days before --to)."),
    end: str | None = typer.Option(None, "--to", metavar="DAY", help="Last day, included (default: today)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Spend, visits, orders, revenue and return on ad spend (revenue / spend) per channel."""
    from shoptui.services import analytics, shop

    with reading(ctx) as session:
        report = analytics.ad_spend_report(session=session, actor=state(ctx).actor, start=shop.parse_day(start, field="--from"),
                                           end=shop.parse_day(end, field="--to"))
    tables = analytics.spend_tables(report)
    if as_json:
        emit_json({"report": "ad_spend", "from": report.start.isoformat(), "to": report.end.isoformat(),
                   "currency": report.currency, **analytics.table_json(tables[0], report.digits)})
        return
    print_report_table(tables[0], report.digits, f"Ad spend {report.start} to {report.end} ({report.currency})",
                 "No ad spend recorded in this period: record it with `shoptui traffic spend CHANNEL DAY AMOUNT`.")


def print_report_table(table: Any, digits: int, title: str, empty: str) -> None:
    """An export table on the terminal: numbers right-aligned, percentages with %, the total row last."""
    from shoptui.services import analytics

    if not table.rows:
        say(empty)
        return
    data = analytics.table_json(table, digits)
    rows = [*data["rows"], *([data["total"]] if "total" in data else [])]
    cells = [tuple("" if row.get(c.key) is None else f"{row[c.key]}%" if c.kind == "percent" else row[c.key]
                   for c in table.columns) for row in rows]
    if "total" in data:
        cells[-1] = ("total", *cells[-1][1:])
    titles = [c.title for c in table.columns]
    emit_table(cells, titles, title=title, justify={c.title: "right" for c in table.columns if c.kind != "text"})
    for note in table.notes:
        say(note)
