"""What the analytics screen (and the dashboard's sparkline) read: the ONE place that calls the reports.

Every chart is a :class:`ChartData`: its points (minor units or counts), the previous period's points for
the trend, and the same figures as table rows. The figures come from ``services.analytics`` only
(``sales_report`` and ``traffic_report``, the services behind ``shoptui report``), so the screen shows
exactly what the CLI prints; this module only picks the breakdown, fills days without sales with zero
and formats. Runs in workers (it opens nothing itself: the caller passes the session).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shoptui.tui.screens.analytics.periods import Period, keys_between, trend_grain
from shoptui.tui.text import percent

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.config import Actor
    from shoptui.tui.store_view import StoreView
    from shoptui.tui.widgets.spark import Spark

CHARTS: tuple[tuple[str, str], ...] = (
    ("trend", "Sales trend"),
    ("breakdown", "Breakdown"),
    ("regions", "Sales by region"),
    ("traffic", "Traffic by source"),
)
"""(key, title) of the four charts, in the order of the keys 1-4."""
CHART_TITLES = dict(CHARTS)
BREAKDOWNS: tuple[tuple[str, str], ...] = (
    ("product", "Best sellers"),
    ("variant", "Variants"),
    ("category", "Categories"),
    ("channel", "Channels"),
    ("region", "Regions"),
    ("province", "Provinces"),
    ("city", "Cities"),
    ("country", "Countries"),
    ("payment", "Payment methods"),
    ("customer", "Customers"),
    ("member-tier", "Member tiers"),
    ("promotion", "Promotions"),
    ("coupon", "Coupons"),
    ("source", "Order sources"),
    ("staff", "Staff"),
)
"""(``report sales --by`` key, label) of the breakdown picker; the first is the default (best sellers)."""
BREAKDOWN_LABELS = dict(BREAKDOWNS)
TOP = 10
"""Bars a breakdown chart shows (the table and the export have every row)."""
TABLE_ROWS = 500
"""Rows a breakdown's table shows (by customer a shop has thousands); the export writes them all."""
SPARK_DAYS = 30
"""Days of the dashboard's sales sparkline (today included)."""
SALES_COLUMNS = ("Orders", "Units", "Gross", "Discounts", "Returns", "Net sales", "Margin", "Margin %")
TRAFFIC_COLUMNS = ("Visits", "Visitors", "Page views", "Orders", "Conversion", "Revenue", "Bot hits")


@dataclass(frozen=True)
class ChartData:
    """One chart's points and the same figures as a table."""

    chart: str
    title: str
    kind: str
    """``line`` (the trend: ``values`` and ``previous`` over ``labels``) or ``bar`` (``values`` by ``labels``)."""
    period: Period
    labels: list[str]
    values: list[int]
    previous: list[int] | None = None
    money: bool = True
    """True when ``values`` are minor units of the store currency (else counts)."""
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    """The table view: one row per key, then the total."""
    breakdown: str = ""

    @property
    def empty(self) -> bool:
        """True when there is nothing to draw (no sale, no visit in the period)."""
        return not any(self.values) and not any(self.previous or ())

    @property
    def empty_text(self) -> str:
        """The sentence shown instead of an empty chart."""
        what = "visits" if self.chart == "traffic" else "sales"
        return f"No {what} from {self.period.start} to {self.period.end}. Pick another period (p)."


# ---------------------------------------------------------------- the reports (the one place that calls them)


def sales(session: Session, *, by: str, period: Period, top: int | None = None, actor: Actor | None = None) -> Any:
    """``analytics.sales_report`` for ``period`` (the report behind ``shoptui report sales``), read for ``actor``
    (reports.view)."""
    from shoptui.services import analytics

    return analytics.sales_report(session=session, actor=actor, by=by, start=period.start, end=period.end, top=top)


def traffic(session: Session, *, by: str, period: Period, actor: Actor | None = None) -> Any:
    """``analytics.traffic_report`` for ``period`` (the report behind ``shoptui report traffic``)."""
    from shoptui.services import analytics

    return analytics.traffic_report(session=session, actor=actor, by=by, start=period.start, end=period.end)


def export(session: Session, *, chart: str, breakdown: str, period: Period, path: Path,
           actor: Actor | None = None) -> int:
    """Write the chart's whole report to ``path`` (``.xlsx``: a spreadsheet, else CSV) through the reports'
    export helpers; how many rows it has."""
    from shoptui.services import analytics

    by = report_by(chart, breakdown, period)
    if chart == "traffic":
        report = traffic(session, by=by, period=period, actor=actor)
        tables = analytics.traffic_tables(report)
    else:
        report = sales(session, by=by, period=period, actor=actor)
        tables = analytics.sales_tables(report)
    write = analytics.write_xlsx if path.suffix.lower() == ".xlsx" else analytics.write_csv
    write(path, tables, report.digits)
    return len(report.rows)


# ---------------------------------------------------------------- charts


def report_by(chart: str, breakdown: str, period: Period) -> str:
    """The report's ``--by`` for a chart: the trend's grain, the picked breakdown, region, or traffic source."""
    if chart == "trend":
        return trend_grain(period.days)
    if chart == "regions":
        return "region"
    if chart == "traffic":
        return "source"
    return breakdown


def load_chart(session: Session, view: StoreView, *, chart: str, period: Period, breakdown: str,
               actor: Actor | None = None) -> ChartData:
    """Read and shape one chart (in a worker) for ``actor`` (reports.view)."""
    by = report_by(chart, breakdown, period)
    title = CHART_TITLES[chart] if chart != "breakdown" else f"{BREAKDOWN_LABELS.get(by, by)} by net sales"
    if chart == "trend":
        return _trend(session, view, actor=actor, by=by, period=period, title=f"{title} by {by}, with the previous period")
    if chart == "traffic":
        return _traffic(session, view, actor=actor, period=period, title=title)
    return _breakdown(session, view, actor=actor, chart=chart, by=by, period=period, title=title)


def _trend(session: Session, view: StoreView, *, actor: Actor | None, by: str, period: Period, title: str) -> ChartData:
    now = sales(session, by=by, period=period, actor=actor)
    before = sales(session, by=by, period=period.previous, actor=actor)
    keys = keys_between(by, period.start, period.end)
    old_keys = keys_between(by, period.previous.start, period.previous.end)
    net = {row.key: row.figures.net_sales for row in now.rows}
    old = {row.key: row.figures.net_sales for row in before.rows}
    values = [net.get(key, 0) for key in keys]
    previous = [old.get(key, 0) for key in old_keys][: len(keys)]
    previous += [0] * (len(keys) - len(previous))
    by_key = {row.key: row.figures for row in now.rows}
    rows = [_sales_cells(view, key, by_key.get(key)) for key in keys]
    rows.append(_sales_cells(view, "Total", now.total))
    rows.append(_sales_cells(view, "Previous", before.total))
    return ChartData("trend", title, "line", period, labels=keys, values=values, previous=previous,
                     columns=["Day" if by == "day" else by.capitalize(), *SALES_COLUMNS], rows=rows, breakdown=by)


def _breakdown(session: Session, view: StoreView, *, actor: Actor | None, chart: str, by: str, period: Period, title: str) -> ChartData:
    report = sales(session, by=by, period=period, actor=actor)
    ranked = sorted(report.rows, key=lambda row: -row.figures.net_sales)
    rows = [_sales_cells(view, _label(row), row.figures) for row in ranked[:TABLE_ROWS]]
    if len(ranked) > TABLE_ROWS:
        rows.append([f"… {len(ranked) - TABLE_ROWS:,} more (export has every row)", *[""] * len(SALES_COLUMNS)])
    rows.append(_sales_cells(view, "Total", report.total))
    top = ranked[:TOP]
    return ChartData(chart, title, "bar", period, labels=[_label(row) for row in top],
                     values=[row.figures.net_sales for row in top], columns=[BREAKDOWN_LABELS.get(by, by), *SALES_COLUMNS],
                     rows=rows, breakdown=by)


def _traffic(session: Session, view: StoreView, *, actor: Actor | None, period: Period, title: str) -> ChartData:
    report = traffic(session, by="source", period=period, actor=actor)
    ranked = sorted(report.rows, key=lambda row: -row.visits)
    rows = [[_label(row), *_traffic_cells(view, row)] for row in ranked]
    rows.append(["Total", *_traffic_cells(view, report.total)])
    return ChartData("traffic", f"{title} (visits)", "bar", period, labels=[_label(row) for row in ranked],
                     values=[row.visits for row in ranked], money=False, columns=["Source", *TRAFFIC_COLUMNS],
                     rows=rows, breakdown="source")


def _label(row: Any) -> str:
    """What a row is called: its label (sales rows), else its key (traffic sources are their key words)."""
    return str(getattr(row, "label", "") or row.key or "(none)")


def _sales_cells(view: StoreView, label: str, row: Any) -> list[str]:
    """A table row from a report's figures (``SalesFigures``; None: a day without sales)."""
    if row is None:
        return [label, "0", "0", *[view.money(0)] * 5, "–"]
    margin = "–" if row.margin_bp is None else percent(row.margin_bp)
    return [label, f"{row.orders:,}", f"{row.units:,}", view.money(row.gross_sales), view.money(row.discounts),
            view.money(row.returns), view.money(row.net_sales), view.money(row.gross_margin), margin]


def _traffic_cells(view: StoreView, row: Any) -> list[str]:
    """A traffic row's cells; what a breakdown does not have (bot hits by source, orders without a source) is –."""

    def count(value: int | None) -> str:
        return "–" if value is None else f"{value:,}"

    conversion = "–" if row.conversion_bp is None else percent(row.conversion_bp)
    revenue = "–" if row.revenue_minor is None else view.money(row.revenue_minor)
    return [count(row.visits), count(row.visitors), count(row.page_views), count(row.orders), conversion, revenue,
            count(row.bot_hits)]


# ---------------------------------------------------------------- the dashboard's sparkline


def sparkline(session: Session, today: date) -> list[int]:
    """Net sales of each of the last :data:`SPARK_DAYS` store days, oldest first (today last)."""
    period = Period("30d", today - timedelta(days=SPARK_DAYS - 1), today)
    report = sales(session, by="day", period=period)
    net = {row.key: row.figures.net_sales for row in report.rows}
    return [net.get(key, 0) for key in keys_between("day", period.start, period.end)]


def dashboard_spark(session: Session) -> Spark:
    """The dashboard's strip: net sales of each of the last 30 days, with the total and the best day."""
    from shoptui.services import shop
    from shoptui.tui.store_view import read_store_view
    from shoptui.tui.widgets.spark import Spark

    view = read_store_view(session)
    today = shop.local_today(view.tz)
    values = sparkline(session, today)
    best = max(range(len(values)), key=lambda i: values[i])
    best_day = today - timedelta(days=len(values) - 1 - best)
    caption = (f"{view.money(sum(values))} {view.currency} in {SPARK_DAYS} days · today {view.money(values[-1])} · "
               f"best day {best_day:%m-%d} ({view.money(values[best])})" if any(values)
               else f"No sales in the last {SPARK_DAYS} days.")
    return Spark("sales_30d", f"Net sales, last {SPARK_DAYS} days", values, caption, mode="analytics")
