"""80x24 snapshots of the Staff screen and of the two-factor enrolment dialog (frozen clock, known accounts)."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from textual.pilot import Pilot

from tests.tui.conftest import settle, until
from tests.tui.staff_support import open_staff, staff_app, staff_registry, staff_store  # noqa: F401  (fixtures)

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_staff_screen_snapshot(snap_compare: Any, staff_store: str, frozen_clock: object) -> None:  # noqa: F811
    async def accounts(pilot: Pilot) -> None:
        await open_staff(pilot)
        await settle(pilot)

    assert snap_compare(staff_app(staff_store), terminal_size=(80, 24), run_before=accounts)


def test_enrolment_dialog_snapshot(snap_compare: Any, staff_store: str, frozen_clock: object,  # noqa: F811
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pyotp, "random_base32", lambda *args, **kwargs: SECRET)

    async def enrol(pilot: Pilot) -> None:
        from shoptui.tui.screens.staff.twofactor import EnrolDialog

        await open_staff(pilot)
        await pilot.press("3", "f")
        await until(pilot, lambda: isinstance(pilot.app.screen, EnrolDialog))

    assert snap_compare(staff_app(staff_store), terminal_size=(80, 24), run_before=enrol)
