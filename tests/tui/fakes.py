"""A fake module for the shell's tests: a "things" screen that records what it was asked to open,
and a search provider with a couple of hits."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from shoptui.modules import ModuleSpec, Screen
from shoptui.services.shop.search import SearchHit
from shoptui.tui.screens.base import ShopScreen

opened: list[tuple[str, str]] = []
searched: list[str] = []

MODULE = ModuleSpec(
    name="things",
    order=50,
    screens=(Screen("things", "Things", "f2", "tests.tui.fakes:ThingsScreen", order=50),),
    search=("tests.tui.fakes:search",),
    extra={"record_modes": {"widget": "things"}},
)


def reset() -> None:
    """Forget what earlier tests did."""
    opened.clear()
    searched.clear()


def search(*, session: object, text: str, limit: int) -> list[SearchHit]:
    """Two things match "tee"; "TEE-01" is an exact SKU."""
    searched.append(text)
    hits = []
    if "tee" in text.lower():
        hits.append(SearchHit(kind="thing", key="7", title="Basic tee", detail="3 variants", mode="things"))
        hits.append(SearchHit(kind="widget", key="TEE-01", title="Basic tee, M", detail="TEE-01", mode="things",
                              exact=text.upper() == "TEE-01"))
    if text == "[bold]":
        hits.append(SearchHit(kind="thing", key="8", title="[bold] not markup", mode="things"))
    return hits[:limit]


class ThingsScreen(ShopScreen):
    """A module screen as a later module would write it."""

    MODE = "things"

    def compose_body(self) -> ComposeResult:
        yield Static("Things live here.", id="things-body")

    def open_record(self, kind: str, key: str) -> None:
        opened.append((kind, key))
