"""Shared set-up of the marketing screen tests: the registry with the marketing module, a store made at the
frozen time (three members, one of them silver after a paid order; four promotions in four states and
kinds; two coupons), and small readers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from shoptui import clock, db, modules
from shoptui.modules import catalog as catalog_module
from shoptui.modules import core
from shoptui.modules import marketing as marketing_module
from shoptui.modules import members as members_module
from shoptui.modules import orders as orders_module
from shoptui.services.catalog import products
from shoptui.services.marketing import coupons, promotions
from shoptui.services.members import profiles as members
from shoptui.services.members import tiers as members_tiers
from shoptui.services.orders import drafts, payments, placing
from shoptui.services.shop import settings
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.marketing.screen import MarketingScreen
from shoptui.tui.widgets.form import FieldRow
from tests.conftest import CLERK, FROZEN_AT
from tests.tui.conftest import STORE_NAME
from tests.tui.store_support import clerk_app, open_screen

SHANGHAI_DAY_START = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # 2026-11-20 00:00 in Asia/Shanghai


@pytest.fixture(autouse=True)
def marketing_registry(core_registry: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shell sees core, catalogue, orders, members and marketing (whatever else is installed)."""
    monkeypatch.setattr(modules, "all_modules", lambda: (core.MODULE, catalog_module.MODULE, orders_module.MODULE,
                                                         members_module.MODULE, marketing_module.MODULE))
    settings.definitions.cache_clear()
    yield
    settings.definitions.cache_clear()


def seed_marketing(url: str) -> None:
    """Known data at the frozen time; ids follow the order of creation."""
    with clock.frozen(FROZEN_AT), db.transaction(url) as session:
        settings.set_value(session=session, actor=CLERK, key="name", raw=STORE_NAME)
        members_tiers.edit_tier(session=session, actor=CLERK, code="silver",
                                patch=members_tiers.TierUpdate(min_spend_minor=10_000))
        for title, sku, price in (("Basic tee", "TEE-01", 9900), ("Enamel mug", "MUG-01", 3000)):
            products.create_product(session=session, actor=CLERK, data=products.ProductCreate(
                title=title, status="active", variants=[products.VariantInput(sku=sku, price_minor=price)]))
        add = members.add_member
        add(session=session, actor=CLERK, data=members.MemberCreate(
            name="Wang Fang", phone="13800138000", email="wang@example.com", email_consent=True, sms_consent=True))
        add(session=session, actor=CLERK, data=members.MemberCreate(name="Li Lei", phone="+86 139 1234 5678"))
        add(session=session, actor=CLERK, data=members.MemberCreate(
            name="Ana Souza", email="ana@example.com", email_consent=False))
        start = SHANGHAI_DAY_START
        promo = promotions.PromotionInput
        promotions.add_promotion(session=session, actor=CLERK, data=promo(
            name="满200减20", kind="spend_save", starts_at=start, steps=[(20_000, 2_000), (50_000, 6_000)]))
        promotions.add_promotion(session=session, actor=CLERK, data=promo(
            name="Tees 15% off", kind="discount", starts_at=start, ends_at=datetime(2026, 12, 31, 16, tzinfo=UTC),
            percent_bp=1500, products=["TEE-01"], tiers=["silver", "gold"], priority=5, usage_limit=100))
        promotions.add_promotion(session=session, actor=CLERK, data=promo(
            name="Mug over 300", kind="gift", starts_at=start, gift_sku="MUG-01", min_spend_minor=30_000,
            status="draft"))
        promotions.add_promotion(session=session, actor=CLERK, data=promo(
            name="Buy 2 get 1", kind="bxgy", starts_at=start, buy_qty=2, get_qty=1, exclusive=True))
        promotions.set_status(session=session, actor=CLERK, ref=4, action="pause")
        coupons.add_coupon(session=session, actor=CLERK, data=coupons.CouponInput(
            name="Ten off", kind="amount", amount_minor=1000, min_spend_minor=10_000, code="SAVE10",
            valid_until=datetime(2026, 12, 31, 16, tzinfo=UTC)))
        coupons.add_coupon(session=session, actor=CLERK, data=coupons.CouponInput(
            name="VIP 20%", kind="percent", percent_bp=2000, cap_minor=3000, valid_days=30, per_member_limit=1))
        order = placing.create_order(session=session, actor=CLERK, draft=drafts.OrderDraft(
            channel="phone", customer="1", lines=[drafts.DraftLine(sku="TEE-01", quantity=3)], stock_mode="none",
            apply_offers=True))
        payments.pay(session=session, actor=CLERK, number=order.number, method="cash")
    db.dispose_all()


@pytest.fixture
def marketing_store(store: str) -> str:
    """A store with the members, promotions and coupons."""
    seed_marketing(store)
    return store


@pytest.fixture
def marketing_app(marketing_store: str, frozen_clock: object) -> ShopApp:
    """The app on that store (no notification polling to speak of)."""
    return clerk_app(marketing_store, clerk=False)


async def open_marketing(pilot: Pilot) -> MarketingScreen:
    """F7, and wait for the lists."""
    return await open_screen(pilot, "f7", MarketingScreen, rounds=5)


def text_of(widget: Static) -> str:
    return str(widget.render())


def error_of(dialog: object, key: str) -> str | None:
    """The refusal shown under a form field (None when the field is fine)."""
    row: FieldRow = dialog.rows[key]  # type: ignore[attr-defined]
    if not row.has_class("-invalid"):
        return None
    return text_of(row.query_one(".field-error", Static))


async def fill(pilot: Pilot, **values: str) -> None:
    """Set the open form's fields by key."""
    dialog = pilot.app.screen
    for key, value in values.items():
        widget = dialog.rows[key].widget  # type: ignore[attr-defined]
        assert isinstance(widget, Input | Select)
        widget.value = value
    await pilot.pause()


def toasts(app: ShopApp) -> list[str]:
    """The toasts shown so far."""
    return [n.message for n in app.toasts]


def promotion_names(screen: MarketingScreen) -> list[str]:
    return [p.name for p in screen.shown_promotions()]


def store_promotions(url: str) -> list[promotions.PromotionRead]:
    with db.read_session(url) as session:
        return promotions.list_promotions(session=session, limit=100).items


def store_coupon(url: str, ref: int | str) -> coupons.CouponRead:
    with db.read_session(url) as session:
        return coupons.get_coupon(session=session, ref=ref)


def store_codes(url: str, ref: int | str) -> list[coupons.CodeRead]:
    with db.read_session(url) as session:
        return coupons.list_codes(session=session, ref=ref, limit=1000).items
