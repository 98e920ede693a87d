"""Issue 11 item 4: what a user typed is shown as typed on every screen of the app.

The hostile demo store (markup in every user-text field, a terminal escape seeded by SQL) is opened
in every sidebar mode and every detail screen: nothing crashes, the brackets are shown literally,
and no ESC byte is ever part of what the app draws.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.screen import Screen

from shoptui import modules
from shoptui.services.shop import settings
from shoptui.tui.app import ShopApp
from tests.hostile_store import build
from tests.store_files import rows
from tests.tui.conftest import settle


@pytest.fixture(autouse=True)
def core_registry() -> Iterator[None]:
    """Every module of the app (this test wants all of them, not the core and a fake)."""
    settings.definitions.cache_clear()
    yield
    settings.definitions.cache_clear()


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory, template_store: str) -> str:
    return build(tmp_path_factory.mktemp("hostile-tui"), template_store)


def drawn(app: ShopApp) -> str:
    """Everything the app draws on the terminal now, as the characters sent (no styles)."""
    console = Console(file=io.StringIO(), width=app.size.width, height=app.size.height, force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text(styles=False)


PROBLEMS: list[str] = []


def looks_right(app: ShopApp, where: str) -> str:
    """What is drawn, after noting an ESC byte or markup taken as styling (``x click`` for ``x[/] [link=...]click``)."""
    text = drawn(app)
    if "\x1b" in text:
        PROBLEMS.append(f"{where}: an ESC byte is drawn: " + next(ln for ln in text.splitlines() if "\x1b" in ln))
    if "x click" in text or "\u200b" in text:
        PROBLEMS.append(f"{where}: markup was taken as styling: " + next(ln for ln in text.splitlines() if "x click" in ln))
    return text


def expect(text: str, needle: str, where: str) -> None:
    if needle not in text:
        PROBLEMS.append(f"{where}: {needle!r} is not shown")


async def show(pilot: Pilot, screen: Screen, where: str) -> str:  # type: ignore[type-arg]
    await pilot.app.push_screen(screen)
    await settle(pilot, rounds=4)
    if pilot.app.screen is not screen:
        PROBLEMS.append(f"{where} did not stay open")
        return ""
    text = looks_right(pilot.app, where)  # type: ignore[arg-type]
    screen.dismiss()
    await settle(pilot)
    return text


async def test_every_mode_and_detail_shows_user_text_literally(hostile_url: str) -> None:
    url = hostile_url
    one = lambda sql: rows(url, sql)[0][0]  # noqa: E731
    product_id = one("select product_id from variant where sku = 'EVIL-1'")
    number = one("select number from sales_order where customer_name like 'Guest %' order by id limit 1")
    member_id = one("select m.customer_id from member m join customer c on c.id = m.customer_id "
                    "where c.name like '%evil.example%'")
    customer_id = one("select id from customer where name like 'Cust%'")
    po_id = one("select id from purchase_order order by id desc limit 1")
    app = ShopApp(db_url=url, poll_seconds=600)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, rounds=4)
        seen: dict[str, str] = {}
        for spec in modules.screens():
            await app.switch_mode(spec.mode)
            await settle(pilot, rounds=4)
            seen[spec.mode] = looks_right(app, spec.mode)
        expect(seen["customers"], "[/]", "customers")
        expect(seen["marketing"], "Promo [/] [bold red]x[/]", "promotion detail")
        await app.switch_mode("marketing")
        await settle(pilot)
        await app.screen.run_action("tab('tab-coupons')")
        await settle(pilot, rounds=4)
        expect(looks_right(app, "coupon detail"), "Coupon [/] [bold red]x[/]", "coupon detail")
        await app.switch_mode("audit")
        await settle(pilot)
        expect(looks_right(app, "audit"), "[/]", "audit")

        from shoptui.tui.screens.catalog.detail import ProductDetailScreen
        from shoptui.tui.screens.inventory.common import read_meta as stock_meta
        from shoptui.tui.screens.inventory.purchasing import PODetailScreen
        from shoptui.tui.screens.members.customers import CustomerProfile
        from shoptui.tui.screens.members.profile import MemberProfileScreen
        from shoptui.tui.screens.members.tiers import TiersScreen
        from shoptui.tui.screens.orders.common import read_meta as orders_meta
        from shoptui.tui.screens.orders.detail import OrderDetailScreen

        await app.switch_mode("dashboard")
        await settle(pilot)
        expect(await show(pilot, ProductDetailScreen(product_id=product_id), "product detail"), "[link=https://evil.example]click[/link]", "product detail")
        expect(await show(pilot, OrderDetailScreen(orders_meta(url), number), "order detail"), "[bold red]x[/]", "order detail")
        expect(await show(pilot, MemberProfileScreen(member_id), "member profile"), "[link=https://evil.example]Evil[/link]", "member profile")
        expect(await show(pilot, CustomerProfile(str(customer_id)), "customer detail"), "[bold red]x[/]", "customer detail")
        expect(await show(pilot, PODetailScreen(po_id, stock_meta(url)), "purchase order"), "[bold red]x[/]", "purchase order")
        await show(pilot, TiersScreen(), "tiers")
    assert not PROBLEMS, "\n".join(PROBLEMS)
