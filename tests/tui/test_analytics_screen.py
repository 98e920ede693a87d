"""The analytics screen (issue 15): charts drawn, the period and breakdown pickers, t for the table, e to export,
NO_COLOR and small terminals falling back to tables, the grid at 160x48, and the dashboard's sparkline.

The reports are the stand-in of analytics_support (known figures); the clock is frozen at FROZEN_AT
(2026-11-20 10:30 in Asia/Shanghai), so "Last 30 days" is 2026-10-22 to 2026-11-20.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.color import Color
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static
from textual_plotext import PlotextPlot

from shoptui.money import format_money
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.analytics.panel import ChartPanel
from shoptui.tui.screens.analytics.screen import AnalyticsScreen, CustomPeriodForm, ExportForm
from shoptui.tui.widgets.spark import SparkStrip
from tests.tui.analytics_support import PRODUCTS, Calls, analytics_registry, day_net  # noqa: F401
from tests.tui.conftest import settle, until
from tests.tui.store_support import open_screen


@pytest.fixture
def analytics_app(tui_store: str, frozen_clock: object) -> ShopApp:
    return ShopApp(db_url=tui_store, poll_seconds=600)


async def _open(pilot: Pilot) -> AnalyticsScreen:
    screen = await open_screen(pilot, "ctrl+u", AnalyticsScreen, rounds=5)
    await until(pilot, lambda: all(p.data is not None for p in screen.panels))
    return screen


def _panel(screen: AnalyticsScreen, chart: str) -> ChartPanel:
    return screen.query_one(f"#panel-{chart}", ChartPanel)


def _cells(panel: ChartPanel) -> list[list[str]]:
    table = panel.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


async def test_the_trend_is_drawn_first_with_the_previous_period(analytics_app: ShopApp,
                                                                analytics_registry: Calls) -> None:  # noqa: F811
    async with analytics_app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        trend = _panel(screen, "trend")
        assert trend.display and trend.mode == "chart" and trend.query_one(PlotextPlot).display
        assert [p.display for p in screen.panels] == [True, False, False, False]  # one chart at 80x24
        data = trend.data
        assert data is not None and data.kind == "line"
        assert data.labels[0] == "2026-10-22" and data.labels[-1] == "2026-11-20" and len(data.labels) == 30
        assert data.values == [day_net(date.fromisoformat(key)) for key in data.labels]
        assert data.previous is not None and len(data.previous) == 30 and data.previous[0] == day_net(date(2026, 9, 22))
        # the trend asked for this period and the one before, by day
        assert ("day", date(2026, 10, 22), date(2026, 11, 20)) in analytics_registry.sales
        assert ("day", date(2026, 9, 22), date(2026, 10, 21)) in analytics_registry.sales
        status = str(screen.query_one("#an-status", Static).render())
        assert "Last 30 days (2026-10-22 – 2026-11-20)" in status


async def test_t_shows_the_table_and_back(analytics_app: ShopApp) -> None:
    async with analytics_app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        trend = _panel(screen, "trend")
        await pilot.press("t")
        await settle(pilot)
        assert trend.mode == "table" and not trend.query_one(PlotextPlot).display
        cells = _cells(trend)
        assert len(cells) == 32 and cells[-2][0] == "Total" and cells[-1][0] == "Previous"
        assert cells[0][0] == "2026-10-22" and cells[0][6] == format_money(day_net(date(2026, 10, 22)))
        total = sum(day_net(date.fromisoformat(row[0])) for row in cells[:-2])
        assert cells[-2][6] == format_money(total)
        await pilot.press("t")
        await settle(pilot)
        assert trend.mode == "chart"


async def test_period_picker_reads_every_chart_again(analytics_app: ShopApp, analytics_registry: Calls) -> None:  # noqa: F811
    async with analytics_app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        screen.query_one("#an-period", Select).value = "7d"
        await until(pilot, lambda: _panel(screen, "trend").data.period.key == "7d")  # type: ignore[union-attr]
        await until(pilot, lambda: all(p.data and p.data.period.key == "7d" for p in screen.panels))
        trend = _panel(screen, "trend").data
        assert trend is not None and trend.labels == [f"2026-11-{d}" for d in range(14, 21)]
        assert ("product", date(2026, 11, 14), date(2026, 11, 20)) in analytics_registry.sales
        assert ("source", date(2026, 11, 14), date(2026, 11, 20)) in analytics_registry.traffic
        screen.query_one("#an-period", Select).value = "year"
        await until(pilot, lambda: all(p.data and p.data.period.key == "year" for p in screen.panels))
        year = _panel(screen, "trend").data
        assert year is not None and year.breakdown == "month" and year.labels == [f"2026-{m:02d}" for m in range(1, 12)]
        screen.query_one("#an-period", Select).value = "today"  # nothing sold yet today: a sentence, no empty axes
        await until(pilot, lambda: all(p.data and p.data.period.key == "today" for p in screen.panels))
        assert _panel(screen, "trend").mode == "chart"  # today's zero beside yesterday's sales
        best = _panel(screen, "breakdown")
        assert best.mode == "note"
        assert "No sales from 2026-11-20 to 2026-11-20" in str(best.query_one(".panel-note", Static).render())


async def test_breakdown_picker_and_chart_keys(analytics_app: ShopApp) -> None:
    async with analytics_app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        await pilot.press("2")
        await settle(pilot)
        best = _panel(screen, "breakdown")
        assert screen.current == 1 and best.display and not _panel(screen, "trend").display
        assert best.data is not None and best.data.title == "Best sellers by net sales" and best.mode == "chart"
        ranked = sorted(PRODUCTS, key=lambda p: -p[2])
        assert best.data.labels == [title for _, title, _, _ in ranked]  # by net sales, titles as typed
        screen.query_one("#an-breakdown", Select).value = "channel"
        await until(pilot, lambda: best.data is not None and best.data.breakdown == "channel")
        assert best.data.title == "Channels by net sales" and best.data.labels == ["Web", "Counter"]
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.current == 2 and _panel(screen, "regions").display
        assert _panel(screen, "regions").data.labels[0] == "华东"  # type: ignore[union-attr]
        await pilot.press("4")
        await settle(pilot)
        traffic = _panel(screen, "traffic")
        assert traffic.display and traffic.data is not None and traffic.data.labels[0] == "search"
        await pilot.press("t")
        await settle(pilot)
        assert _cells(traffic)[-1][0] == "Total" and _cells(traffic)[0][1] == f"{420 * 30:,}"
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.current == 2


async def test_product_titles_are_text_not_markup(analytics_app: ShopApp) -> None:
    async with analytics_app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        await pilot.press("2", "t")
        await settle(pilot)
        labels = [row[0] for row in _cells(_panel(screen, "breakdown"))]
        assert "Yixing teapot [bold]red[/]" in labels


async def test_export_writes_the_file_and_says_where(analytics_app: ShopApp, tmp_path: Path) -> None:
    tmp_path = tmp_path / "exports"  # (the store's files are beside)
    tmp_path.mkdir()
    async with analytics_app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        await pilot.press("2", "e")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ExportForm)
        path_input = dialog.rows["path"].widget
        assert isinstance(path_input, Input)
        assert path_input.value.endswith("sales-by-product-2026-10-22_2026-11-20.csv")
        for bad, sentence in (("", "Type the file"), (str(tmp_path / "x.txt"), "neither .csv nor .xlsx"),
                              (str(tmp_path / "no" / "x.csv"), "does not exist")):
            path_input.value = bad
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert dialog.rows["path"].has_class("-invalid")
            assert sentence in str(dialog.rows["path"].query_one(".field-error", Static).render())
        assert list(tmp_path.iterdir()) == []
        target = tmp_path / "best.csv"
        path_input.value = str(target)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: pilot.app.screen is screen)
        assert target.read_text(encoding="utf-8").splitlines()[1] == "TEA-LJ,西湖龙井 Longjing 250g"
        toast = pilot.app.toasts[-1].message  # type: ignore[attr-defined]
        assert "Wrote 4 rows of best sellers by net sales" in toast and str(target) in toast
        await pilot.press("e")  # the same name again is refused: nothing is overwritten
        await settle(pilot)
        pilot.app.screen.rows["path"].widget.value = str(target)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "already exists" in str(pilot.app.screen.rows["path"].query_one(".field-error", Static).render())  # type: ignore[attr-defined]
        pilot.app.screen.rows["path"].widget.value = str(tmp_path / "best.xlsx")  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await until(pilot, lambda: pilot.app.screen is screen)
        from openpyxl import load_workbook

        sheet = load_workbook(tmp_path / "best.xlsx").active
        assert sheet is not None and sheet["A2"].value == "TEA-LJ"


async def test_custom_period_is_checked_then_shown(analytics_app: ShopApp, analytics_registry: Calls) -> None:  # noqa: F811
    async with analytics_app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        screen.query_one("#an-period", Select).value = "custom"
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, CustomPeriodForm)
        start, end = dialog.rows["start"].widget, dialog.rows["end"].widget
        assert isinstance(start, Input) and isinstance(end, Input)
        assert (start.value, end.value) == ("2026-10-22", "2026-11-20")  # prefilled with the period shown
        for first, last, field, sentence in (("2026-13-01", "2026-11-20", "start", "not a date"),
                                             ("2026-11-10", "2026-11-01", "end", "before the first day"),
                                             ("2000-01-01", "2026-11-01", "end", "pick at most"),
                                             ("", "2026-11-01", "start", "Type the first day")):
            start.value, end.value = first, last
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert pilot.app.screen is dialog and dialog.rows[field].has_class("-invalid")
            assert sentence in str(dialog.rows[field].query_one(".field-error", Static).render())
        start.value, end.value = "2026-11-01", "2026-11-05"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: all(p.data and p.data.period.key == "custom" for p in screen.panels))
        assert ("day", date(2026, 11, 1), date(2026, 11, 5)) in analytics_registry.sales
        assert "2026-11-01 – 2026-11-05" in str(screen.query_one("#an-status", Static).render())
        screen.query_one("#an-period", Select).value = "month"  # then back to a named period
        await until(pilot, lambda: all(p.data and p.data.period.key == "month" for p in screen.panels))


async def test_cancelling_the_custom_period_keeps_the_one_shown(analytics_app: ShopApp) -> None:
    async with analytics_app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        screen.query_one("#an-period", Select).value = "custom"
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen and screen.query_one("#an-period", Select).value == "30d"
        assert _panel(screen, "trend").data.period.key == "30d"  # type: ignore[union-attr]


async def test_no_color_shows_the_trend_as_a_table(tui_store: str, frozen_clock: object,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = ShopApp(db_url=tui_store, poll_seconds=600)
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        trend = _panel(screen, "trend")
        assert trend.mode == "table" and "no colour" in str(trend.border_subtitle)
        await pilot.press("2")
        await settle(pilot)
        assert _panel(screen, "breakdown").mode == "chart"  # one series of bars reads without colour
        await pilot.press("1", "t")
        await settle(pilot)
        assert trend.mode == "chart"  # the operator may still ask for it


async def test_a_small_terminal_shows_tables(analytics_app: ShopApp) -> None:
    async with analytics_app.run_test(size=(60, 12)) as pilot:
        screen = await _open(pilot)
        trend = _panel(screen, "trend")
        assert trend.mode == "table" and "too small" in str(trend.border_subtitle)


async def test_four_charts_at_once_at_160x48(analytics_app: ShopApp) -> None:
    async with analytics_app.run_test(size=(160, 48)) as pilot:
        screen = await _open(pilot)
        assert all(p.display for p in screen.panels) and not screen.single
        assert [p.mode for p in screen.panels] == ["chart"] * 4
        await pilot.press("3")
        await settle(pilot)
        assert screen.focused is _panel(screen, "regions")
        await pilot.press("t")
        await settle(pilot)
        assert _panel(screen, "regions").mode == "table" and _panel(screen, "trend").mode == "chart"


async def test_dashboard_shows_thirty_days_of_sales(analytics_app: ShopApp) -> None:
    async with analytics_app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: bool(pilot.app.screen.query(SparkStrip)))
        strip = pilot.app.screen.query_one(SparkStrip)
        spark = strip.spark
        assert len(spark.values) == 30 and spark.values[-1] == 0  # nothing sold yet today
        expected = [day_net(date.fromordinal(date(2026, 11, 20).toordinal() - 29 + n)) for n in range(30)]
        assert spark.values == expected
        assert spark.caption.startswith(f"{format_money(sum(expected))} CNY in 30 days")
        assert str(strip.border_title) == "Net sales, last 30 days"


async def test_the_chart_shown_is_read_alone_and_the_others_after_it_is_drawn(
        analytics_app: ShopApp, analytics_registry: Calls, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    asked_before: dict[str, tuple[list[tuple[str, date, date]], int]] = {}
    show = ChartPanel.show

    def noting(panel: ChartPanel, data: object) -> None:
        asked_before[panel.chart] = (list(analytics_registry.sales), len(analytics_registry.traffic))
        show(panel, data)  # type: ignore[arg-type]

    monkeypatch.setattr(ChartPanel, "show", noting)
    async with analytics_app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        sales, traffic = asked_before["trend"]
        # this period and the one before, after the dashboard's 30 days: no breakdown, region or traffic read beside
        assert traffic == 0 and {by for by, _, _ in sales} == {"day"}
        assert sales[-2:] == [("day", date(2026, 10, 22), date(2026, 11, 20)), ("day", date(2026, 9, 22), date(2026, 10, 21))]
        assert set(asked_before) == {"trend", "breakdown", "regions", "traffic"}
        assert all(p.data is not None for p in screen.panels)


async def test_the_other_charts_are_read_when_the_first_cannot_be(analytics_app: ShopApp,
                                                                 analytics_registry: Calls,  # noqa: F811
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from shoptui.errors import StoreUnavailable
    from shoptui.tui.screens.analytics import data

    def broken(*args: object, **kwargs: object) -> None:
        raise StoreUnavailable("The store is away.")

    monkeypatch.setattr(data, "_trend", broken)
    async with analytics_app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, "ctrl+u", AnalyticsScreen, rounds=5)
        await until(pilot, lambda: all(p.data is not None for p in screen.panels[1:]))
        assert _panel(screen, "trend").data is None and _panel(screen, "trend").mode == "note"


async def test_a_theme_changed_while_the_screen_was_away_is_drawn_when_it_comes_back(analytics_app: ShopApp) -> None:
    # a first visit skips Textual's whole-app CSS refresh and its restyle on resume (the widgets were just styled
    # from the current stylesheet); a theme changed while the screen was away still reaches it
    async with analytics_app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        trend = _panel(screen, "trend")
        before = trend.styles.border_top[1]
        await analytics_app.action_go("dashboard")
        await settle(pilot)
        analytics_app.theme = "nord"  # another accent (the focused chart's frame) and primary
        await settle(pilot)
        await analytics_app.action_go("analytics")
        await until(pilot, lambda: analytics_app.screen is screen)
        await settle(pilot)
        after = trend.styles.border_top[1]
        wanted = "accent" if trend.has_focus_within or trend.has_focus else "primary-darken-2"
        assert after != before and after == Color.parse(analytics_app.get_css_variables()[wanted])
