"""The return request offers the order's returnable lines to pick from, keyboard only, at 80x24 (issue 11 item 31)."""
# ruff: noqa: F811  (the fixtures are imported by name from tests.tui.sale_support)

from __future__ import annotations

from textual.widgets import DataTable, Input

from shoptui import db
from shoptui.services.orders import returns as orders_returns
from shoptui.services.sales import counter as sales
from shoptui.tui.app import ShopApp
from tests.conftest import CLERK
from tests.tui.conftest import settle
from tests.tui.sale_support import (  # noqa: F401  (fixtures)
    TEE_M_BLACK,
    TEE_S_WHITE,
    sale_app,
    sale_registry,
    sale_store,
    sale_template,
    type_text,
)


def _sold(store: str) -> str:
    with db.transaction(store) as session:
        done = sales.sell(session=session, actor=CLERK, items=[(TEE_S_WHITE, 2), (TEE_M_BLACK, 1)],
                          tenders=[sales.Tender(method="card")])
        orders_returns.request_return(session=session, actor=CLERK, number=done.number, items=[(TEE_S_WHITE, 1)],
                                      reason="too small")
    return done.number


async def test_pick_returnable_lines_with_the_keyboard(sale_app: ShopApp, sale_store: str) -> None:
    from shoptui.tui.screens.orders.common import OrdersMeta
    from shoptui.tui.screens.orders.dialogs import ReturnRequestDialog

    number = _sold(sale_store)
    dialog = ReturnRequestDialog(OrdersMeta(), number)
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.app.push_screen(dialog)
        await settle(pilot)
        table = dialog.query_one("#f-lines", DataTable)
        assert pilot.app.focused is table
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows == [[TEE_S_WHITE, rows[0][1], "2", "1", "1"], [TEE_M_BLACK, rows[1][1], "1", "0", "1"]]
        assert all(0 <= r.y and r.bottom <= 24 for r in (table.region, dialog.query_one("#f-reason").region))
        await pilot.press("enter")  # the first line: one can still come back
        await pilot.press("enter")  # a second is refused, in words
        await pilot.pause()
        items = dialog.query_one("#f-items", Input)
        assert items.value == f"{TEE_S_WHITE}:1"
        assert "1 can come back" in str(dialog.query_one("#form-banner").render())
        await pilot.press("down", "enter")
        assert items.value == f"{TEE_S_WHITE}:1 {TEE_M_BLACK}:1"
        await pilot.press("tab", "tab")
        assert pilot.app.focused is dialog.query_one("#f-reason", Input)
        await type_text(pilot, "wrong size")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is not dialog
    with db.read_session(sale_store) as session:
        lines = orders_returns.returnable_lines(session=session, number=number)
    assert [(line.sku, line.returned, line.returnable) for line in lines] == [(TEE_S_WHITE, 2, 0), (TEE_M_BLACK, 1, 0)]
