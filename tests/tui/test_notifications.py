"""Notification centre and live refresh: what another process writes shows up without a restart."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import OptionList

from shoptui import db
from shoptui.models.store import AuditEntry
from shoptui.services.shop import dashboard, notifications
from shoptui.tui.app import ShopApp
from shoptui.tui.widgets.notification_centre import NotificationCentre
from shoptui.tui.widgets.topbar import Bell
from tests.tui import fakes
from tests.tui.conftest import settle, until


def _notify(store: str, title: str, **kwargs: object) -> None:
    """What a cron job (another process) does: its own transaction on the same store."""
    with db.transaction(store) as session:
        notifications.notify(session=session, title=title, **kwargs)  # type: ignore[arg-type]


def _unread(store: str) -> int:
    with db.read_session(store) as session:
        return dashboard.unread_notifications(session=session)


class PollCountingApp(ShopApp):
    """The app, counting the live-refresh probes that came due (run or skipped): tests wait for them, not a sleep."""

    due = 0

    def _poll_due(self) -> None:
        self.due += 1
        super()._poll_due()


async def test_a_notification_from_another_process_shows_as_toast_and_badge(app: ShopApp, tui_store: str) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.unread == 0
        _notify(tui_store, "Low stock: TEE-01", body="2 left, reorder point 5.", severity="warning")
        await until(pilot, lambda: app.unread == 1)
        await settle(pilot)
        assert str(app.screen.query_one(Bell).render()) == "Inbox 1"
        assert app.screen.query_one(Bell).has_class("-unread")
        toast = [n for n in app.toasts if n.title == "Low stock: TEE-01"]
        assert toast and toast[0].message == "2 left, reorder point 5." and toast[0].severity == "warning"
        cards = {c.figure.key: c for c in app.screen.query("KpiCard")}
        await until(pilot, lambda: cards["alerts"].figure.value == "1")  # the dashboard follows


async def test_old_notifications_are_counted_not_toasted_at_start(tui_store: str) -> None:
    _notify(tui_store, "Yesterday's news")
    app = PollCountingApp(db_url=tui_store, poll_seconds=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.due >= 2)  # the first probe has run and been handled
        assert app.unread == 1
        assert not [n for n in app.toasts if "Yesterday" in n.message]


async def test_centre_lists_newest_first_marks_one_and_all_read(app: ShopApp, tui_store: str) -> None:
    for title in ("first", "second", "third"):
        _notify(tui_store, title)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, NotificationCentre)
        listing = app.screen.query_one("#centre-list", OptionList)
        prompts = [str(o.prompt) for o in listing.options]
        assert [p.split(" ", 3)[-1].splitlines()[0] for p in prompts] == ["third", "second", "first"]
        assert all(p.startswith("● ") for p in prompts)
        await pilot.press("r")  # the highlighted one: "third"
        await until(pilot, lambda: _unread(tui_store) == 2)
        await until(pilot, lambda: app.unread == 2)
        await settle(pilot)
        prompts = [str(o.prompt) for o in app.screen.query_one("#centre-list", OptionList).options]
        assert not prompts[0].startswith("●") and prompts[1].startswith("●")
        await pilot.press("a")
        await until(pilot, lambda: app.unread == 0)
        assert _unread(tui_store) == 0
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, NotificationCentre)
        assert str(app.screen.query_one(Bell).render()) == "Inbox"
    with db.read_session(tui_store) as session:
        actions = [e.action for e in session.exec(select(AuditEntry).where(AuditEntry.entity == "notification").order_by(AuditEntry.id))]
    assert actions == ["notification.read", "notification.read_all"]


async def test_enter_opens_the_linked_record_and_marks_it_read(app: ShopApp, tui_store: str) -> None:
    _notify(tui_store, "Widget TEE-01 is low", link_kind="widget", link_id="TEE-01")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.click(Bell)
        await settle(pilot)
        assert isinstance(app.screen, NotificationCentre)
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "things"
        assert fakes.opened == [("widget", "TEE-01")]
        await until(pilot, lambda: _unread(tui_store) == 0)


async def test_polling_skips_while_a_modal_is_open(tui_store: str) -> None:
    app = PollCountingApp(db_url=tui_store, poll_seconds=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        _notify(tui_store, "while busy")
        seen = app.due
        await until(pilot, lambda: app.due >= seen + 2)  # probes came due behind the dialog
        assert app.unread == 0  # not polled behind the dialog
        await pilot.press("escape")
        await until(pilot, lambda: app.unread == 1)


async def test_a_sku_running_out_after_its_low_alert_reaches_the_notification_centre(
        app: ShopApp, tui_store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from shoptui import modules
    from shoptui.modules import core
    from shoptui.modules import inventory as inventory_module
    from shoptui.services.inventory.changes import restock
    from shoptui.services.inventory.ledger import sell
    from shoptui.services.inventory.policies import set_levels
    from shoptui.services.shop import settings
    from tests.services.inventory_helpers import CLERK, make_variant

    monkeypatch.setattr(modules, "all_modules", lambda: (core.MODULE, inventory_module.MODULE, fakes.MODULE))
    settings.definitions.cache_clear()  # the inventory module's settings (the alert mode)

    with db.transaction(tui_store) as session:
        vid = make_variant(session, "TEE-01")
        restock(session=session, actor=CLERK, code="TEE-01", quantity=3)
        set_levels(session=session, actor=CLERK, code="TEE-01", reorder_point=3)  # low: alerted
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.unread == 1
        with db.transaction(tui_store) as session:  # the till sells the last three, one at a time
            for _ in range(3):
                sell(session=session, actor=CLERK, variant_id=vid, quantity=1, ref_kind=None, ref_id=None)
        await until(pilot, lambda: app.unread == 2)
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, NotificationCentre)
        prompts = [str(o.prompt) for o in app.screen.query_one("#centre-list", OptionList).options]
        assert len(prompts) == 2
        assert "TEE-01 is out of stock at MAIN" in prompts[0] and "0 available" in prompts[0]
        assert "TEE-01 is low on stock at MAIN" in prompts[1]
