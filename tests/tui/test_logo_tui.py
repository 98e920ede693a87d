"""The store's logo in the TUI (issue 14): drawn in the top bar once set, on the dashboard where the screen is
wide enough, hidden without a logo and on narrow screens."""

from __future__ import annotations

from pathlib import Path

import pytest

from shoptui import db
from shoptui.config import Actor
from shoptui.services import shop
from shoptui.tui.app import ShopApp
from shoptui.tui.widgets.logo import StoreLogo
from tests.cli.test_media_cli import picture


async def _settled(pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(20):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 30)])
async def test_the_logo_shows_in_the_top_bar_and_on_a_wide_dashboard(store: str, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     size: tuple[int, int]) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("SHOPTUI_IMAGES", raising=False)
    app = ShopApp(db_url=store)
    async with app.run_test(size=size) as pilot:
        await _settled(pilot)
        top = app.screen.query_one("#store-logo", StoreLogo)
        assert not top.has_class("-shown")  # no logo yet: nothing drawn, the name keeps its place
        with db.transaction(store) as session:
            shop.set_value(session=session, actor=Actor("t", "test"), key="logo",
                           raw=str(picture(tmp_path / "logo.png", size=16)))
        app.reload_shell()
        await _settled(pilot)
        assert app.logo_path.endswith(".png") and Path(app.logo_path).is_file()
        assert top.has_class("-shown") and top.region.width == 4 and top.region.height == 1
        wide = app.screen.query_one("#dashboard-logo", StoreLogo)
        assert wide.has_class("-shown") == (size[0] >= 100)
        with db.transaction(store) as session:
            shop.set_value(session=session, actor=Actor("t", "test"), key="logo", raw="")
        app.reload_shell()
        await _settled(pilot)
        assert not top.has_class("-shown") and not wide.has_class("-shown")
