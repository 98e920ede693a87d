"""Issue 15: ``shoptui report products|customers|stock`` as tables, JSON, CSV and spreadsheets; their refusals;
``shoptui coupon issue --segment NAME`` issuing to an RFM segment."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoptui import db
from shoptui.cli.main import app
from shoptui.services import analytics
from tests.cli.conftest import store_digest
from tests.services.insight_fixture import Shop, shop_fixture

NOVEMBER = ("--from", "2026-11-01", "--to", "2026-11-30")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, template_store: str) -> Iterator[Shop]:
    yield from shop_fixture(tmp_path_factory, template_store)


def run(shop: Shop, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", shop.url, *args])


def ok(shop: Shop, *args: str) -> str:
    result = run(shop, *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_products_json_has_the_rows_and_total_shape(shop: Shop) -> None:
    doc = json.loads(ok(shop, "report", "products", *NOVEMBER, "--json"))
    assert (doc["report"], doc["from"], doc["to"], doc["currency"], doc["by"]) == (
        "products",
        "2026-11-01",
        "2026-11-30",
        "CNY",
        "revenue",
    )
    tee = doc["rows"][0]
    assert (tee["key"], tee["sku"], tee["units"], tee["gross_sales"], tee["returns"]) == (
        "TEE-01",
        "TEE-01",
        5,
        "495.00",
        "99.00",
    )
    assert doc["total"]["net_sales"] == "614.00" and doc["total"]["gross_margin"] == "382.00"
    assert sum(Decimal(r["net_sales"]) for r in doc["rows"]) == Decimal(doc["total"]["net_sales"])
    assert [d["sku"] for d in doc["dead_stock"]["rows"]] == ["DEAD-01", "OLD-01"]
    assert doc["dead_stock"]["total"]["stock_value"] == "150.00"
    assert doc["notes"] == ["1 variants have no cost recorded; their cost counts as 0."]


def test_products_table_and_slow(shop: Shop) -> None:
    out = ok(shop, "report", "products", *NOVEMBER)
    assert "Best sellers by revenue, 2026-11-01 to 2026-11-30 (CNY)" in out
    assert "TEE-01" in out and "614.00" in out and "Dead stock" in out and "DEAD-01" in out
    slow = json.loads(ok(shop, "report", "products", "--slow", "--days", "30", "--to", "2026-11-30", "--json"))
    assert slow["slow"] is True and slow["rows"][0]["units"] == 0


def test_products_xlsx_has_numbers(shop: Shop, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "best.xlsx"
    out = ok(shop, "report", "products", *NOVEMBER, "--xlsx", str(target))
    assert "to " + str(target) in out
    book = load_workbook(target)
    assert book.sheetnames == ["best sellers", "dead stock"]
    sheet = book["best sellers"]
    header = [c.value for c in sheet[1]]
    net = header.index("Net sales")
    assert sheet.cell(row=2, column=1).value == "TEE-01"
    tee = json.loads(ok(shop, "report", "products", *NOVEMBER, "--json"))["rows"][0]
    assert Decimal(str(sheet.cell(row=2, column=net + 1).value)) == Decimal(tee["net_sales"])
    assert sheet.cell(row=2, column=net + 1).number_format == "#,##0.00"


def test_customers_report_json_and_members_csv(shop: Shop, tmp_path: Path) -> None:
    doc = json.loads(ok(shop, "report", "customers", *NOVEMBER, "--json"))
    assert (doc["report"], doc["customers"], doc["repeat_rate"]) == ("customers", 3, "33.33")
    assert {r["key"]: r["customers"] for r in doc["rows"]}["At risk"] == 1
    assert doc["total"]["customers"] == 3
    assert [r["key"] for r in doc["new_and_returning"]["rows"]] == ["new", "returning", "guest"]
    assert doc["cohorts"]["rows"] == [{"key": "2026-11", "customers": 2, "month_0": "100.00"}]
    target = tmp_path / "risk.csv"
    ok(shop, "report", "customers", *NOVEMBER, "--segment", "at-risk", "--members", "--csv", str(target))
    with target.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0][:5] == ["customer_id", "name", "member", "segment", "score"]
    assert lines[1][1:5] == ["Member A", "yes", "At risk", "244"]
    table = ok(shop, "report", "customers", *NOVEMBER)
    assert "RFM segments" in table and "Cohorts" in table and "上海" in table


def test_customers_help_states_the_rfm_rules() -> None:
    result = CliRunner().invoke(app, ["report", "customers", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "1 + floor(5 x k / n)" in text
    for rule in analytics.RFM_RULES:
        assert rule.name in text


def test_stock_report_json_and_table(shop: Shop) -> None:
    doc = json.loads(ok(shop, "report", "stock", *NOVEMBER, "--json"))
    assert doc["report"] == "stock"
    assert doc["total"]["stock_value"] == "2118.00" and doc["total"]["turnover"] == "0.10"
    assert sum(Decimal(r["stock_value"]) for r in doc["rows"]) == Decimal("2118.00")
    assert (
        sum(Decimal(r["cogs"]) for r in doc["by_category"]["rows"])
        == Decimal(doc["total"]["cogs"])
        == Decimal("232.00")
    )
    out = ok(shop, "report", "stock", *NOVEMBER)
    assert "Stock by location" in out and "Stock by category" in out and "Kitchen" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("report", "products", "--days", "0"), 1, "number of days must be 1 to"),
        (("report", "products", "--days", "-1"), 1, "number of days must be 1 to"),
        (("report", "stock", "--from", "2026-12-01", "--to", "2026-11-01"), 1, "is after the last day"),
        (("report", "customers", "--from", "2026-13-01"), 1, "The --from day '2026-13-01' is not a date"),
        (("report", "products", "--by", "profit"), 1, "Sort by revenue or units or margin"),
        (("report", "products", "--top", "0"), 1, "--top takes 1 to"),
        (("report", "customers", "--segment", "Whales"), 1, "no customer segment 'Whales'"),
        (("report", "customers", "--members"), 2, "give --segment NAME too"),
        (("report", "stock", "--json", "--csv", "x.csv"), 2, "Give one of --json"),
        (("report", "products", "--days", "abc"), 2, "Invalid value for '--days'"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(shop: Shop, args: tuple[str, ...], code: int, message: str) -> None:
    before = store_digest(shop.url)
    result = run(shop, *args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert message in result.stderr
    if code == 1:
        assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    db.dispose_all()
    assert store_digest(shop.url) == before


def test_coupon_issue_to_an_rfm_segment(shop: Shop) -> None:
    ok(shop, "coupon", "add", "Come back", "--amount", "10")
    with db.read_session(shop.url) as s:
        wanted = analytics.rfm_customers(session=s, segment="At risk")
        everyone = analytics.customers_report(session=s)
    members = {c.customer_id for c in everyone.scored if c.member}
    expected = sorted(set(wanted) & members)
    assert expected == [shop.customers["B"]]  # R1 F3 M1 over the 365 days to Dec 5 (see insight_fixture)
    before = store_digest(shop.url)
    refused = run(shop, "coupon", "issue", "Come back", "--segment", "Whales")
    assert refused.exit_code == 1 and "no customer segment 'Whales'" in refused.stderr
    db.dispose_all()
    assert store_digest(shop.url) == before
    doc = json.loads(ok(shop, "coupon", "issue", "Come back", "--segment", "AT RISK", "--json"))
    assert doc["issued"] == len(expected)
    with db.read_session(shop.url) as s:
        from sqlmodel import select

        from shoptui.models.marketing import CouponCode

        holders = sorted(c for c in s.exec(select(CouponCode.customer_id)) if c is not None)
    assert holders == expected
