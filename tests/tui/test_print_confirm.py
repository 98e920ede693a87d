"""Issue 11, item 46: a print command not run from this account before is shown and confirmed first."""

# ruff: noqa: F811  (the fixtures are imported by name from tests.tui.sale_support)
from __future__ import annotations

import sys
from pathlib import Path

from shoptui.tui.app import ShopApp
from shoptui.tui.widgets.confirm import Confirm
from tests.tui.conftest import settle
from tests.tui.sale_support import (  # noqa: F401  (fixtures)
    TEE_M_BLACK,
    open_sale,
    sale_app,
    sale_registry,
    sale_store,
    sale_template,
    scan,
    set_setting,
    shown,
)


async def _question(pilot) -> Confirm:  # type: ignore[no-untyped-def]
    """Wait for the print worker's question (settle would wait for the worker, which waits for the answer)."""
    for _ in range(100):
        await pilot.pause(0.05)
        if isinstance(pilot.app.screen, Confirm):
            return pilot.app.screen
    raise AssertionError(f"no question came; the screen is {pilot.app.screen!r}")


async def test_the_receipt_asks_before_running_a_new_print_command(sale_app: ShopApp, sale_store: str,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "printed.txt"
    command = f"{sys.executable} -c \"import sys; open(r'{out}', 'a').write(sys.stdin.read())\""
    set_setting(sale_store, "print_command", command)
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await scan(pilot, TEE_M_BLACK)
        await pilot.press("f12", "f3", "enter")
        await settle(pilot)
        await pilot.press("f2")
        assert command in (await _question(pilot)).question
        await pilot.press("n")  # not what was expected: nothing runs
        await settle(pilot)
        assert "was not confirmed from this account" in shown(pilot.app, "#rc-status")
        assert not out.exists()
        await pilot.press("f2")
        await _question(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "Sent to the printer" in shown(pilot.app, "#rc-status")
        printed = out.read_text(encoding="utf-8")
        await pilot.press("f2")  # remembered for this command: no question the second time
        for _ in range(10):
            await pilot.pause(0.05)
            assert not isinstance(pilot.app.screen, Confirm)
        await settle(pilot)
        assert out.read_text(encoding="utf-8") == printed * 2
