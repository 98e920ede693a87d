"""Shared set-up of the analytics screen tests: the registry (core + charts), and fixed reports.

The screen reads ``services.analytics`` only (through ``tui/screens/analytics/data.py``). These tests put a small
stand-in module in its place whose reports are computed from the period asked (net sales of a day = a formula of
the date; fixed products, regions and sources), so every chart and table is known and the tests assert what the
screen makes of them. Its export writes real CSV through the same call the screen makes.
"""

from __future__ import annotations

import csv
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

import shoptui.services
from shoptui import modules
from shoptui.modules import charts, core
from shoptui.services.shop import settings

PRODUCTS = (("TEA-LJ", "西湖龙井 Longjing 250g", 48_000, 12), ("POT-01", "Yixing teapot [bold]red[/]", 36_000, 4),
            ("MUG-01", "Enamel mug", 9_000, 30), ("GAI-01", "Gaiwan set 盖碗", 12_500, 7))
REGIONS = (("华东", 120_000, 40), ("华北", 60_000, 20), ("华南", 45_000, 15), ("西南", 15_000, 5))
SOURCES = (("search", 420, 380), ("social", 260, 240), ("direct", 200, 170), ("email", 40, 38), ("ads", 75, 70),
           ("referral", 25, 25))
EMPTY_FROM = date(2026, 11, 20)
"""The fixed reports have no sales on this day or later (the frozen 'today'), so "Today" is empty."""


@dataclass(frozen=True)
class Figures:
    """Like ``analytics.SalesFigures``."""

    orders: int = 0
    units: int = 0
    gross_sales: int = 0
    discounts: int = 0
    returns: int = 0
    cost: int = 0

    @property
    def net_sales(self) -> int:
        return self.gross_sales - self.discounts - self.returns

    @property
    def gross_margin(self) -> int:
        return self.net_sales - self.cost

    @property
    def margin_bp(self) -> int | None:
        return None if not self.net_sales else self.gross_margin * 10_000 // self.net_sales


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    figures: Figures


@dataclass(frozen=True)
class Report:
    by: str
    start: date
    end: date
    rows: list[Row]
    total: Any
    digits: int = 2
    currency: str = "CNY"


@dataclass(frozen=True)
class TrafficRow:
    """Like ``analytics.TrafficRow``."""

    key: str
    visits: int
    visitors: int
    page_views: int
    bot_hits: int | None
    orders: int | None = None
    conversion_bp: int | None = None
    revenue_minor: int | None = None


@dataclass
class Calls:
    """What the screen asked the stand-in for (by, start, end)."""

    sales: list[tuple[str, date, date]] = field(default_factory=list)
    traffic: list[tuple[str, date, date]] = field(default_factory=list)


def day_net(day: date) -> int:
    """The fixed net sales of a day (zero from EMPTY_FROM on)."""
    return 0 if day >= EMPTY_FROM else 10_000 + 2_500 * (day.toordinal() % 7)


def _sum(items: list[Figures]) -> Figures:
    return Figures(*(sum(getattr(f, name) for f in items) for name in ("orders", "units", "gross_sales", "discounts",
                                                                       "returns", "cost")))


def _fig(net: int, orders: int) -> Figures:
    return Figures(orders=orders, units=orders * 2, gross_sales=net + net // 10, discounts=net // 10, cost=net // 2)


def sales_report(*, session: Any, by: str, start: date, end: date, top: int | None = None, compare: Any = None,
                 actor: Any = None) -> Report:
    CALLS.sales.append((by, start, end))
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    active = [d for d in days if day_net(d)]
    rows: list[Row] = []
    if by == "day":
        rows = [Row(d.isoformat(), d.isoformat(), _fig(day_net(d), 3)) for d in active]
    elif by in ("week", "month"):
        buckets: dict[str, list[Figures]] = {}
        for d in active:
            key = f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" if by == "week" else f"{d.year}-{d.month:02d}"
            buckets.setdefault(key, []).append(_fig(day_net(d), 3))
        rows = [Row(k, k, _sum(v)) for k, v in sorted(buckets.items())]
    elif active and by in ("product", "variant"):
        rows = [Row(sku, title, _fig(net * len(active) // 30, n)) for sku, title, net, n in PRODUCTS]
    elif active and by == "region":
        rows = [Row(key, key, _fig(net * len(active) // 30, n)) for key, net, n in REGIONS]
    elif active:
        rows = [Row("web", "Web", _fig(5_000 * len(active), len(active))),
                Row("counter", "Counter", _fig(2_000 * len(active), len(active)))]
    return Report(by, start, end, rows, _sum([r.figures for r in rows]))


def traffic_report(*, session: Any, by: str, start: date, end: date, actor: Any = None) -> Report:
    CALLS.traffic.append((by, start, end))
    days = (end - start).days + 1
    rows = [TrafficRow(key, visits * days, visitors * days, visits * days * 3, None, visits // 20 * days,
                       (visits // 20) * 10_000 // visits, (visits // 20) * days * 15_000)
            for key, visits, visitors in SOURCES]
    total = TrafficRow("total", *(sum(getattr(r, n) for r in rows) for n in ("visits", "visitors", "page_views")),
                       10 * days)
    return Report(by, start, end, list(rows), total)


def _tables(report: Report) -> list[list[list[str]]]:
    out = [["key", "label"]]
    for row in report.rows:
        out.append([row.key, getattr(row, "label", row.key)])
    return [out]


def write_csv(path: Path | str, tables: list[list[list[str]]], digits: int) -> Path:
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(tables[0])
    return Path(path)


def write_xlsx(path: Path | str, tables: list[list[list[str]]], digits: int) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in tables[0]:
        sheet.append(line)
    book.save(path)
    return Path(path)


CALLS = Calls()
STAND_IN = types.SimpleNamespace(sales_report=sales_report, traffic_report=traffic_report, sales_tables=_tables,
                                 traffic_tables=_tables, write_csv=write_csv, write_xlsx=write_xlsx)


@pytest.fixture(autouse=True)
def analytics_registry(core_registry: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Calls]:
    """The shell sees core + charts; ``services.analytics`` is the stand-in. Yields what was asked of it."""
    monkeypatch.setattr(modules, "all_modules", lambda: (core.MODULE, charts.MODULE))
    monkeypatch.setitem(sys.modules, "shoptui.services.analytics", STAND_IN)
    monkeypatch.setattr(shoptui.services, "analytics", STAND_IN, raising=False)
    settings.definitions.cache_clear()
    CALLS.sales.clear()
    CALLS.traffic.clear()
    yield CALLS
    settings.definitions.cache_clear()
