"""Receipts, packing slips and invoices as text; saving and printing them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlmodel import Session

from shoptui.services.orders import documents
from shoptui.services.sales import counter as sales
from shoptui.services.shop import settings
from tests.services.orders_helpers import CLERK, add_product, seed


def _sale(session: Session, *items: tuple[str, int], tenders: list[sales.Tender] | None = None) -> sales.SaleResult:
    return sales.sell(session=session, actor=CLERK, items=list(items),
                      tenders=tenders or [sales.Tender(method="cash", amount_minor=100000)])


def test_display_width_counts_wide_and_combining() -> None:
    assert documents.display_width("abc") == 3
    assert documents.display_width("茶杯") == 4
    assert documents.display_width("e\u0301") == 1  # e + combining acute
    assert documents.display_width("ｶ") == 1  # half-width katakana
    assert documents.clip("茶杯茶杯", 5) == "茶杯"
    assert all(documents.display_width(line) <= 10 for line in documents.wrap("龙井绿茶礼盒装特级 500g", 10))


@pytest.mark.parametrize(("mm", "columns"), [(58, 32), (80, 48)])
def test_receipt_fits_the_paper(session: Session, frozen_clock: object, mm: int, columns: int) -> None:
    seed(session)
    add_product(session, "TEA-01", 12800, 5, title="西湖龙井 特级 明前绿茶 礼盒装 250克")
    settings.set_value(session=session, actor=CLERK, key="name", raw="小店 Corner Shop")
    settings.set_value(session=session, actor=CLERK, key="address", raw="杭州市西湖区文三路 1 号")
    settings.set_value(session=session, actor=CLERK, key="phone", raw="0571-88888888")
    result = _sale(session, ("TEA-01", 2), ("TEE-01", 1))
    text = documents.receipt(result.order, documents.shop_info(session=session), width_mm=mm)
    lines = text.splitlines()
    assert max(documents.display_width(line) for line in lines) <= columns
    assert any("小店" in line for line in lines)
    assert any("0571-88888888" in line for line in lines)
    assert any(result.order.number in line for line in lines)
    assert any("2026-11-20 10:30" in line for line in lines)  # the store's time zone, not UTC
    total_line = next(line for line in lines if line.startswith("TOTAL"))
    assert total_line.endswith("CNY 355.00") and documents.display_width(total_line) == columns
    assert any("incl. tax 13%" in line for line in lines)
    change = next(line for line in lines if line.startswith("Change"))
    assert change.endswith(f"{(100000 - 35500) / 100:.2f}")


def test_receipt_shows_split_payments_rounding_and_discount(session: Session) -> None:
    seed(session)
    basket = sales.scan(session=session, basket=sales.new_basket(session=session), code="MUG-01")
    basket = sales.set_line_discount(basket=basket, sku="MUG-01", discount_minor=3)
    result = sales.complete_sale(session=session, actor=CLERK, basket=basket, rounding_step_minor=50,
                                 tenders=[sales.Tender(method="card", amount_minor=1000, reference="slip 42"),
                                          sales.Tender(method="cash", amount_minor=3000)])
    text = result.receipt
    assert "Card" in text and "ref slip 42" in text and "Cash tendered" in text
    assert "Cash rounding" in text and "discount" in text


def test_slip_and_invoice(session: Session) -> None:
    seed(session)
    result = _sale(session, ("TEE-01", 2), ("MUG-01", 1), tenders=[sales.Tender(method="card")])
    shop = documents.shop_info(session=session)
    slip = documents.packing_slip(result.order, shop)
    assert "PACKING SLIP" in slip and "TEE-01" in slip and "99.00" not in slip
    invoice = documents.invoice(result.order, shop)
    assert "INVOICE" in invoice and "233.50" in invoice and "of which tax 13%" in invoice
    assert "Balance due" in invoice and invoice.rstrip().endswith("Prices include tax.")
    for text in (slip, invoice):
        assert max(documents.display_width(line) for line in text.splitlines()) <= documents.PAGE_WIDTH
    assert documents.render(session=session, number=result.order.number, kind="receipt", copy=True).count("COPY") == 1
    with pytest.raises(documents.InvalidInput):
        documents.render(session=session, number=result.order.number, kind="letter")
    with pytest.raises(documents.InvalidInput, match="58 or 80"):
        documents.render(session=session, number=result.order.number, kind="receipt", width_mm=70)


def test_save_and_print(tmp_path: Path) -> None:
    target = documents.save("hello 你好\n", tmp_path / "r.txt")
    assert target.read_text(encoding="utf-8") == "hello 你好\n"
    with pytest.raises(documents.OutputFailed, match="does not exist"):
        documents.save("x", tmp_path / "missing" / "r.txt")
    with pytest.raises(documents.OutputFailed, match="folder"):
        documents.save("x", tmp_path)
    out = tmp_path / "printed.txt"
    command = f"{sys.executable} -c \"import sys; open(r'{out}', 'w', encoding='utf-8').write(sys.stdin.read())\""
    documents.print_text("receipt 你好\n", command, confirmed=True)
    assert out.read_text(encoding="utf-8") == "receipt 你好\n"
    with pytest.raises(documents.OutputFailed, match="No printer"):
        documents.print_text("x", "")
    with pytest.raises(documents.OutputFailed, match="not found"):
        documents.print_text("x", "no-such-printer-command -d receipt")
    failing = f"{sys.executable} -c \"import sys; print('lp: printer offline', file=sys.stderr); sys.exit(3)\""
    with pytest.raises(documents.OutputFailed, match=r"exit 3\): lp: printer offline"):
        documents.print_text("x", failing, confirmed=True)


def test_packing_slip_falls_back_to_the_customer_when_there_is_no_separate_recipient(session: Session) -> None:
    seed(session)
    order = _sale(session, ("TEE-01", 1)).order.model_copy(update={
        "ship_recipient": "", "ship_phone": "", "ship_street": "文三路 1 号", "ship_city": "杭州",
        "customer_name": "张三", "customer_phone": "13800138000"})
    slip = documents.packing_slip(order, documents.shop_info(session=session)).splitlines()
    ship_to = slip[slip.index("Ship to:") + 1:slip.index("Ship to:") + 5]
    assert ship_to == ["  张三", "  13800138000", "  文三路 1 号", "  杭州"]
    other = order.model_copy(update={"ship_recipient": "李四", "ship_phone": "13900139000"})
    slip = documents.packing_slip(other, documents.shop_info(session=session)).splitlines()
    assert slip[slip.index("Ship to:") + 1:slip.index("Ship to:") + 3] == ["  李四", "  13900139000"]
