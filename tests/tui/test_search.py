"""Global search: debounced, in a worker, hits grouped by kind, enter opens the record."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from shoptui.tui.app import ShopApp
from shoptui.tui.widgets.search import SearchBox, SearchResults
from tests.tui import fakes
from tests.tui.conftest import settle, until


def _prompts(results: SearchResults) -> list[str]:
    return [str(option.prompt) for option in results.options]


async def test_slash_focuses_search_and_hits_are_grouped_by_kind(app: ShopApp, monkeypatch: pytest.MonkeyPatch) -> None:
    # a pause longer than a loaded machine may take between two keys of the test, so one search is certain
    monkeypatch.setattr("shoptui.tui.widgets.search.DEBOUNCE_SECONDS", 1.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        box = app.screen.query_one(SearchBox)
        assert box.input.has_focus
        await pilot.press(*"tee")
        await until(pilot, lambda: box.is_open)  # after the typing pause
        assert fakes.searched == ["tee"]  # one search after the pause, not one per key
        assert box.is_open
        assert _prompts(box.results) == ["Things", "Basic tee  3 variants", "Widgets", "Basic tee, M  TEE-01"]
        assert box.results.highlighted == 1
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.current_mode == "things"
        assert fakes.opened == [("widget", "TEE-01")]
        assert isinstance(app.screen, fakes.ThingsScreen)


async def test_ctrl_k_and_enter_opens_an_exact_hit_directly(app: ShopApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+k", *"TEE-01", "enter")  # a scanner: enter before the pause ends
        await until(pilot, lambda: fakes.opened)
        assert fakes.opened == [("widget", "TEE-01")]
        assert app.current_mode == "things"
        assert app.screen.query_one(SearchBox).input.value == ""


async def test_nothing_found_says_so_and_escape_closes(app: ShopApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"zzz")
        box = app.screen.query_one(SearchBox)
        await until(pilot, lambda: box.is_open)
        assert _prompts(box.results) == ["Nothing found for 'zzz'."]
        await pilot.press("enter")  # nothing to open
        await settle(pilot)
        assert app.current_mode == "dashboard"
        await pilot.press("escape")
        assert not box.is_open
        await pilot.press("escape")
        assert not isinstance(app.screen.focused, Input)


async def test_hit_titles_are_not_markup_and_a_click_opens(app: ShopApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"[bold]")
        box = app.screen.query_one(SearchBox)
        await until(pilot, lambda: box.is_open)
        assert _prompts(box.results) == ["Things", "[bold] not markup"]
        await pilot.click(SearchResults, offset=(3, 2))
        await settle(pilot)
        assert fakes.opened == [("thing", "8")]


async def test_too_long_a_search_shows_the_service_sentence(app: ShopApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        app.screen.query_one(SearchBox).input.value = "x" * 201
        await until(pilot, lambda: app.toasts)
        assert "Search for at most 200 characters." in [n.message for n in app.toasts]
        assert app.is_running


async def test_escape_empties_the_box_so_the_next_slash_starts_afresh(app: ShopApp) -> None:
    """Issue 11 item 30: after escape the next / searched the old text with a / and the new text after it."""
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"13900001111")
        box = app.screen.query_one(SearchBox)
        await until(pilot, lambda: box.is_open)
        await pilot.press("escape")
        await settle(pilot)
        assert box.input.value == "" and not box.is_open
        assert not isinstance(app.screen.focused, Input)
        await pilot.press("slash", *"SO")
        await pilot.pause()
        assert box.input.value == "SO"
