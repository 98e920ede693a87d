"""What people read: last valid days, the shop's time zone in sentences, plurals, signs (issue 11 items 16, 18, 22)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from shoptui import wording
from shoptui.errors import Conflict, InvalidInput
from shoptui.models.messaging import OutboxMessage
from shoptui.services.marketing import coupons as mc
from tests.services.orders_helpers import CLERK
from tests.services.test_marketing import coupon, member, price, promo, shop  # noqa: F401  (shop is a fixture)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YEAR = datetime(2027, 1, 1, tzinfo=SHANGHAI)  # "--until 2026-12-31": valid through the end of that day


def test_wording_plural_last_day_and_signs() -> None:
    assert [wording.plural(n, "item") for n in (0, 1, 2, 1204)] == ["0 items", "1 item", "2 items", "1,204 items"]
    assert wording.plural(1, "box", "boxes") == "1 box" and wording.plural(3, "box", "boxes") == "3 boxes"
    assert wording.last_day(NEW_YEAR, SHANGHAI) == "2026-12-31"
    assert wording.until(NEW_YEAR, SHANGHAI) == "2026-12-31"
    assert wording.until(datetime(2026, 12, 31, 10, 0, tzinfo=UTC), SHANGHAI) == "2026-12-31 18:00"
    assert wording.when(datetime(2026, 11, 30, 16, 0, tzinfo=UTC), SHANGHAI) == "2026-12-01 00:00"
    assert wording.minus_money(0) == "0.00" and wording.minus_money(150) == "-1.50"
    assert wording.signed_money(0) == "0.00" and wording.signed_money(-5) == "-0.05"


def test_coupon_email_and_export_name_the_last_valid_day(shop: Session) -> None:  # noqa: F811
    someone = member(shop, "13800138010", sms=True)
    c = coupon(shop, amount_minor=500, valid_until=NEW_YEAR, share_text="$value with $code$until")
    mc.issue_coupon(session=shop, actor=CLERK, ref=c.id, segment=mc.Segment(tiers=["normal"]))
    mc.send_coupon(session=shop, actor=CLERK, ref=c.id, channel="sms")
    [message] = shop.exec(select(OutboxMessage).where(OutboxMessage.template == "coupon")).all()
    assert "valid until 2026-12-31" in message.body and "until 2026-12-31" in message.body
    assert "2027-01-01" not in message.body
    [row] = list(csv.DictReader(io.StringIO(mc.export_codes(session=shop, ref=c.id))))
    assert row["valid_until"] == "2026-12-31" and row["share_text"].endswith("until 2026-12-31")
    assert someone


def test_coupon_refusals_speak_shop_time_not_utc(shop: Session) -> None:  # noqa: F811
    # valid from 2026-12-01 00:00 in Shanghai = 2026-11-30 16:00 UTC
    coupon(shop, amount_minor=500, code="LATER1", valid_from=datetime(2026, 12, 1, tzinfo=SHANGHAI))
    with pytest.raises(InvalidInput) as refused:
        price(shop, ("TEE-01", 1), coupon_codes=["LATER1"])
    assert str(refused.value) == "The coupon LATER1 is valid from 2026-12-01 00:00, not yet."
    coupon(shop, name="old", amount_minor=500, code="OLDONE", valid_until=datetime(2026, 11, 1, tzinfo=SHANGHAI))
    with pytest.raises(InvalidInput) as refused:
        price(shop, ("TEE-01", 1), coupon_codes=["OLDONE"])
    assert str(refused.value) == "The coupon OLDONE has expired; it was valid until 2026-10-31."
    with pytest.raises(Conflict, match=r"valid until 2026-10-31\); no more codes") as refused:
        mc.issue_coupon(session=shop, actor=CLERK, ref="old", count=1)
    with pytest.raises(InvalidInput) as refused:
        coupon(shop, name="x", amount_minor=5, valid_from=datetime(2026, 12, 1, tzinfo=SHANGHAI),
               valid_until=datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    assert "UTC" not in str(refused.value) and "(2026-12-01 00:00)" in str(refused.value)


def test_promotion_refusal_speaks_shop_time(shop: Session) -> None:  # noqa: F811
    with pytest.raises(InvalidInput) as refused:
        promo(shop, kind="discount", amount_minor=500, starts_at=datetime(2026, 12, 1, tzinfo=SHANGHAI),
              ends_at=datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    assert str(refused.value) == ("The promotion would end (2026-11-30 23:00) before it starts (2026-12-01 00:00). "
                                  "Give an end after the start.")


def test_no_service_sentence_formats_a_time_in_utc() -> None:
    """The class: every time in a sentence goes through shoptui.wording (no ':%Y-%m-%d ... UTC' left)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "shoptui"
    offenders = [f"{path.relative_to(root)}:{n}" for path in sorted(root.rglob("*.py"))
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if "UTC" in line and ("%H:%M" in line or "%Y-%m-%d" in line)]
    assert offenders == [], offenders


def test_an_import_of_one_of_each_speaks_in_the_singular() -> None:
    from shoptui.services.orders.importing import OrderImportReport

    one = OrderImportReport(source="web.csv", lines=1, orders_created=1, orders_skipped=1, order_lines=1,
                            total_minor=100, customers_created=["Ann"], products_created=["MUG"], rounded_lines=1,
                            stock_moved=False, dry_run=False).summary
    assert one.startswith("Imported 1 order (1 line) from 1 row of web.csv;")
    assert "1 order already imported" in one and "created 1 customer;" in one and "created 1 product;" in one
    assert "1 line had amounts rounded" in one
    many = OrderImportReport(source="web.csv", lines=3, orders_created=2, orders_skipped=0, order_lines=3,
                             total_minor=100, customers_created=[], products_created=[], rounded_lines=0,
                             stock_moved=True, dry_run=True).summary
    assert many.startswith("Would import 2 orders (3 lines) from 3 rows") and "0 lines had amounts rounded" in many


def test_the_dashboard_says_one_order_today(shop: Session) -> None:  # noqa: F811
    from shoptui.services.orders import figures as order_figures
    from shoptui.services.orders import placing
    from tests.services.orders_helpers import draft

    def detail() -> str:
        return {f.key: f for f in order_figures.dashboard_figures(session=shop)}["sales_today"].detail

    assert detail() == "0 orders"
    placing.create_order(session=shop, actor=CLERK, draft=draft(("MUG-01", 1)))
    shop.flush()
    assert detail() == "1 order"
