"""Tab typed right after text moves to the next field in every form and dialog with more than one input (issue 11 item 2).

The keys come as one burst (a fast typist, a scanner, a terminal multiplexer): each is posted to
the app before the one before it was handled. As the screen's binding, tab only moved the focus
after the next keys had been routed to the old field (`Lucy<Tab>13700000000` all in Name).
"""
# ruff: noqa: F811  (the fixtures are imported by name from tests.tui.sale_support)

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.screen import Screen
from textual.widgets import Input

from shoptui import db
from shoptui.services.members import profiles as members
from shoptui.services.sales import counter as sales
from shoptui.tui.app import ShopApp
from tests.tui.conftest import settle
from tests.tui.sale_support import (  # noqa: F401  (fixtures)
    MEMBER_PHONE,
    TEE_M_BLACK,
    burst,
    sale_app,
    sale_registry,
    sale_store,
    sale_template,
)


def _member(store: str) -> Any:
    with db.read_session(store) as session:
        return members.get_member(session=session, ref=MEMBER_PHONE)


def _basket(store: str) -> Any:
    with db.read_session(store) as session:
        basket = sales.new_basket(session=session)
        return sales.scan(session=session, basket=basket, code=TEE_M_BLACK, quantity=1)


def _dialogs() -> dict[str, Callable[[str], Screen[Any]]]:
    """Every form and dialog with two inputs or more (the rest have one, or none shown when they open)."""
    from shoptui.tui.screens.catalog import form as catalog_form
    from shoptui.tui.screens.inventory import dialogs as inventory_dialogs
    from shoptui.tui.screens.inventory import purchasing as inventory_purchasing
    from shoptui.tui.screens.inventory.common import StockMeta
    from shoptui.tui.screens.marketing import forms as marketing_forms
    from shoptui.tui.screens.marketing.common import MarketingMeta
    from shoptui.tui.screens.members import customers
    from shoptui.tui.screens.members import dialogs as members_dialogs
    from shoptui.tui.screens.members.common import MembersMeta
    from shoptui.tui.screens.orders import dialogs as orders_dialogs
    from shoptui.tui.screens.orders.common import OrdersMeta
    from shoptui.tui.screens.sale import dialogs as sale_dialogs
    from shoptui.tui.screens.sale import payment as sale_payment
    from shoptui.tui.screens.sale import shift as sale_shift
    from shoptui.tui.screens.sale.screen import SaleMeta

    stock, mkt, mem, orders, sale = StockMeta(), MarketingMeta(), MembersMeta(), OrdersMeta(), SaleMeta()
    return {
        "product form": lambda s: catalog_form.ProductFormScreen(product_id=None),
        "customer": lambda s: customers.CustomerDialog(),
        "restock": lambda s: inventory_dialogs.RestockDialog(stock),
        "adjust": lambda s: inventory_dialogs.AdjustDialog(stock),
        "transfer": lambda s: inventory_dialogs.TransferDialog(stock),
        "levels": lambda s: inventory_dialogs.LevelsDialog(stock, TEE_M_BLACK, safety=0, reorder=None),
        "supplier": lambda s: inventory_purchasing.SupplierDialog(),
        "promotion": lambda s: marketing_forms.PromotionForm(mkt),
        "coupon": lambda s: marketing_forms.CouponForm(mkt),
        "register member": lambda s: members_dialogs.RegisterDialog(mem),
        "edit member": lambda s: members_dialogs.EditDialog(mem, _member(s)),
        "points": lambda s: members_dialogs.PointsDialog(mem, _member(s)),
        "credit": lambda s: members_dialogs.CreditDialog(mem, _member(s)),
        "new order": lambda s: orders_dialogs.NewOrderDialog(orders),
        "pay order": lambda s: orders_dialogs.PayDialog(orders, "SO-000001", 1000),
        "refund": lambda s: orders_dialogs.RefundDialog(orders, "SO-000001", 1000),
        "return request": lambda s: orders_dialogs.ReturnRequestDialog(orders, "SO-000001"),
        "exchange": lambda s: orders_dialogs.ExchangeDialog(orders, "SO-000001"),
        "order filters": lambda s: orders_dialogs.FiltersDialog(orders, orders_dialogs.MoreFilters()),
        "sale discount": lambda s: sale_dialogs.DiscountDialog(_basket(s), TEE_M_BLACK, sale),
        "payment": lambda s: sale_payment.PaymentDialog(_basket(s), sale),
        "open shift": lambda s: sale_shift.OpenShiftDialog(sale),
        "close shift": lambda s: sale_shift.CloseShiftDialog(sale),
    }


DIALOGS = _dialogs()


@pytest.mark.parametrize("name", list(DIALOGS))
async def test_text_then_tab_then_text_lands_in_two_fields(name: str, sale_app: ShopApp, sale_store: str) -> None:
    dialog = DIALOGS[name](sale_store)
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.app.push_screen(dialog)
        await settle(pilot)
        chain = [w for w in dialog.focus_chain if not w.disabled]
        inputs = [w for w in chain if isinstance(w, Input)]
        assert len(inputs) >= 2, f"{name}: {len(inputs)} input(s)"
        pairs = [(a, b) for a, b in zip(chain, chain[1:], strict=False) if isinstance(a, Input) and isinstance(b, Input)]
        first, second = pairs[0] if pairs else (inputs[0], chain[chain.index(inputs[0]) + 1])
        first.focus()
        first.value = ""
        await pilot.pause()
        burst(pilot, "Lu\tcy")
        await settle(pilot)
        assert pilot.app.focused is second
        assert first.value == "Lu"
        if isinstance(second, Input):
            assert second.value.endswith("cy") and "Lu" not in second.value


@pytest.mark.parametrize("kind", ["RestockDialog", "AdjustDialog", "TransferDialog"])
async def test_a_dialog_opened_with_the_sku_prefilled_starts_on_the_first_empty_field(kind: str, sale_app: ShopApp
                                                                                      ) -> None:
    """Issue 11 item 29: the Restock dialog opened on the prefilled SKU, text selected, so 5 replaced the SKU."""
    from shoptui.tui.screens.inventory import dialogs as inventory_dialogs
    from shoptui.tui.screens.inventory.common import StockMeta

    dialog = getattr(inventory_dialogs, kind)(StockMeta(), sku=TEE_M_BLACK)
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.app.push_screen(dialog)
        await settle(pilot)
        focused = pilot.app.focused
        assert isinstance(focused, Input) and focused.id != "f-sku" and focused.value == ""
        await pilot.press("5")
        await pilot.pause()
        assert dialog.query_one("#f-sku", Input).value == TEE_M_BLACK
        assert focused.value == "5"


async def test_a_form_editing_a_record_starts_on_its_first_field(sale_app: ShopApp, sale_store: str) -> None:
    from shoptui.tui.screens.members import dialogs as members_dialogs
    from shoptui.tui.screens.members.common import MembersMeta

    dialog = members_dialogs.EditDialog(MembersMeta(), _member(sale_store))
    async with sale_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.app.push_screen(dialog)
        await settle(pilot)
        first = next(w for w in dialog.focus_chain if isinstance(w, Input))
        assert pilot.app.focused is first
