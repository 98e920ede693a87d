"""A form whose save the server aborts (a deadlock, a serialisation failure) saves again and closes; one
aborted every time stays open with the Conflict sentence, nothing saved."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from textual.widgets import Input, Static

from shoptui import db
from shoptui.tui.app import ShopApp
from shoptui.tui.widgets.form import Field, FormDialog
from tests.store_files import rows
from tests.tui.conftest import settle, until


class _ServerError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"server aborted the transaction ({sqlstate})")
        self.sqlstate = sqlstate


class NoteDialog(FormDialog):
    """Saves a setting; the server aborts the first ``aborts`` attempts after the write."""

    TITLE_TEXT = "A note"

    def __init__(self, aborts: int) -> None:
        super().__init__()
        self.aborts = aborts
        self.attempts = 0

    def fields(self) -> list[Field]:
        return [Field("name", "Name", Input(id="name"))]

    def save(self, values: dict[str, Any]) -> Any:
        with db.transaction(self.shop.db_url) as session:
            self.attempts += 1
            session.execute(text("UPDATE store_setting SET value = :v WHERE key = 'name'"), {"v": f'"{values["name"]}"'})
            if self.attempts <= self.aborts:
                raise OperationalError("UPDATE store_setting ...", {}, _ServerError("40P01"))
        return values["name"]


def _shop_name(url: str) -> list[tuple[Any, ...]]:
    return rows(url, "SELECT value FROM store_setting WHERE key = 'name'")


async def test_an_aborted_save_runs_again_and_the_form_closes(app: ShopApp, tui_store: str) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dialog = NoteDialog(aborts=1)
        closed: list[Any] = []
        app.push_screen(dialog, closed.append)
        await pilot.pause()
        dialog.query_one("#name", Input).value = "Corner Shop"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: closed)
    assert closed == ["Corner Shop"] and dialog.attempts == 2
    assert "Corner Shop" in str(_shop_name(tui_store))  # JSON text on SQLite, a JSON value on PostgreSQL


async def test_a_save_aborted_every_time_shows_the_conflict_and_saves_nothing(app: ShopApp, tui_store: str) -> None:
    before = _shop_name(tui_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dialog = NoteDialog(aborts=99)
        app.push_screen(dialog)
        await pilot.pause()
        dialog.query_one("#name", Input).value = "Corner Shop"
        await pilot.press("ctrl+s")
        banner = dialog.query_one("#form-banner", Static)
        await until(pilot, lambda: "Another terminal" in str(banner.render()))
        assert app.screen is dialog and dialog.attempts == db.RETRY_ATTEMPTS
    assert _shop_name(tui_store) == before
