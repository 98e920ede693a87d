"""Shared set-up of the members screen tests: the registry with the members module, a store of four
members made at the frozen time (points, store credit, a paid order), and small readers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from textual.app import ComposeResult
from textual.pilot import Pilot
from textual.widgets import Static

from shoptui import clock, db, modules
from shoptui.modules import ModuleSpec, Screen, core
from shoptui.modules import catalog as catalog_module
from shoptui.modules import members as members_module
from shoptui.modules import orders as orders_module
from shoptui.services.catalog import products
from shoptui.services.members import profiles as members
from shoptui.services.orders import drafts, payments, placing
from shoptui.services.shop import settings
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.base import ShopScreen
from shoptui.tui.screens.members.screen import MembersScreen
from tests.conftest import CLERK, FROZEN_AT
from tests.tui.conftest import STORE_NAME
from tests.tui.store_support import clerk_app, open_screen


def services_only(spec: ModuleSpec) -> ModuleSpec:
    """A module's services, settings and hooks without its screens (their screens are not under test)."""
    return replace(spec, screens=())


opened_orders: list[tuple[str, str]] = []


class OrdersStub(ShopScreen):
    """An orders screen as the orders module would have it: records what it was asked to open."""

    MODE = "orders"

    def compose_body(self) -> ComposeResult:
        yield Static("Orders live here.", id="orders-stub")

    def open_record(self, kind: str, key: str) -> None:
        opened_orders.append((kind, key))


ORDERS_STUB = ModuleSpec(name="orders-stub", order=40,
                         screens=(Screen("orders", "Orders", "f4", "tests.tui.members_support:OrdersStub", order=40),))


@pytest.fixture(autouse=True)
def members_registry(core_registry: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shell sees the core and members screens, and the catalogue's and orders' services and hooks only
    (so the sidebar in the snapshots does not change as other modules add screens)."""
    monkeypatch.setattr(modules, "all_modules", lambda: (core.MODULE, services_only(catalog_module.MODULE),
                                                         services_only(orders_module.MODULE), members_module.MODULE))
    opened_orders.clear()
    settings.definitions.cache_clear()
    yield
    settings.definitions.cache_clear()


def seed_members(url: str) -> None:
    """Four members at the frozen time; Wang Fang has points, store credit and one paid order."""
    with clock.frozen(FROZEN_AT), db.transaction(url) as session:
        settings.set_value(session=session, actor=CLERK, key="name", raw=STORE_NAME)
        add = members.add_member
        add(session=session, actor=CLERK, data=members.MemberCreate(
            name="Wang Fang", phone="13800138000", email="wang@example.com", tags=["vip"], sms_consent=True,
            gender="female", birthday="1990-05-01", region="Shanghai"))
        add(session=session, actor=CLERK, data=members.MemberCreate(
            name="Li Lei", phone="+86 139 1234 5678", gender="male", region="Guangdong"))
        add(session=session, actor=CLERK, data=members.MemberCreate(
            name="Ana Souza", email="ana@example.com", email_consent=True))
        add(session=session, actor=CLERK, data=members.MemberCreate(name="Zhang Wei", account="wechat:o6_bmjrPTlm6"))
        members.adjust_points(session=session, actor=CLERK, ref=1, points=500, reason="welcome")
        members.credit_change(session=session, actor=CLERK, ref=1, amount_minor=5000, reason="cash at the counter")
        products.create_product(session=session, actor=CLERK, data=products.ProductCreate(
            title="Basic tee", status="active", variants=[products.VariantInput(sku="TEE-01", price_minor=9900)]))
        order = placing.create_order(session=session, actor=CLERK, draft=drafts.OrderDraft(
            channel="phone", customer="1", lines=[drafts.DraftLine(sku="TEE-01", quantity=2)], stock_mode="none"))
        payments.pay(session=session, actor=CLERK, number=order.number, method="cash")
    db.dispose_all()


@pytest.fixture
def members_store(store: str) -> str:
    """A store with the four members."""
    seed_members(store)
    return store


@pytest.fixture
def members_app(members_store: str, frozen_clock: object) -> ShopApp:
    """The app on that store (no notification polling to speak of)."""
    return clerk_app(members_store, clerk=False)


async def open_members(pilot: Pilot) -> MembersScreen:
    """F6, and wait for the first page."""
    return await open_screen(pilot, "f6", MembersScreen, rounds=4)


def names(screen: MembersScreen) -> list[str]:
    """The members the list holds, in order."""
    return [m.name for m in screen.rows.values()]


def member(url: str, ref: str | int) -> members.MemberRead:
    """A member read from the store."""
    with db.read_session(url) as session:
        return members.get_member(session=session, ref=ref)


def member_count(url: str) -> int:
    """Members in the store (merged ones included)."""
    from sqlmodel import func, select

    from shoptui.models.members import Member

    with db.read_session(url) as session:
        return int(session.exec(select(func.count()).select_from(Member)).one())


def toasts(app: ShopApp) -> list[str]:
    """The toasts shown so far."""
    return [n.message for n in app.toasts]
