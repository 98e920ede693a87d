"""``shoptui report sales``: the JSON document, CSV and spreadsheet files, the help, and refusals."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoptui import clock, db
from shoptui.cli.main import app
from shoptui.config import Actor
from shoptui.services import catalog, orders
from tests.cli.conftest import store_digest
from tests.store_files import store_copy

CLERK = Actor(name="clerk", source="test")


@pytest.fixture(scope="module")
def url(template_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Two paid orders in January 2026 (one with a line discount), one unpaid order in February."""
    for found in store_copy(template_store, tmp_path_factory.mktemp("report_cli"), "shop.db"):
        with db.transaction(found) as s:
            with clock.frozen(datetime(2025, 12, 1, tzinfo=UTC)):
                catalog.create_product(
                    session=s,
                    actor=CLERK,
                    data=catalog.ProductCreate(
                        title="Basic tee",
                        status="active",
                        variants=[
                            catalog.VariantInput(sku="TEE-01", price_minor=9900, cost_minor=4000, track_stock=False)
                        ],
                    ),
                )
            for moment, qty, discount, paid in (
                (datetime(2026, 1, 5, 2, tzinfo=UTC), 2, 0, True),
                (datetime(2026, 1, 20, 2, tzinfo=UTC), 1, 900, True),
                (datetime(2026, 2, 3, 2, tzinfo=UTC), 1, 0, False),
            ):
                with clock.frozen(moment):
                    orders.create_order(
                        session=s,
                        actor=CLERK,
                        draft=orders.OrderDraft(
                            channel="web",
                            lines=[orders.DraftLine(sku="TEE-01", quantity=qty, line_discount_minor=discount)],
                            payments=[orders.DraftPayment(method="card")] if paid else [],
                        ),
                    )
        yield found


def run(url: str, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", url, "report", *args])


def test_json_document(url: str) -> None:
    result = run(url, "sales", "--by", "month", "--from", "2026-01-01", "--to", "2026-02-28", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {k: doc[k] for k in ("report", "by", "from", "to", "currency")} == {
        "report": "sales",
        "by": "month",
        "from": "2026-01-01",
        "to": "2026-02-28",
        "currency": "CNY",
    }
    assert [row["key"] for row in doc["rows"]] == ["2026-01"]
    row = doc["rows"][0]
    assert {
        "key",
        "label",
        "orders",
        "units",
        "gross_sales",
        "discounts",
        "returns",
        "net_sales",
        "cost",
        "gross_margin",
        "average_order_value",
    } <= set(row)
    assert row == {
        **row,
        "orders": 2,
        "units": 3,
        "gross_sales": "297.00",
        "discounts": "9.00",
        "returns": "0.00",
        "net_sales": "288.00",
        "cost": "120.00",
        "gross_margin": "168.00",
        "average_order_value": "144.00",
        "margin_percent": "58.33",
    }
    assert doc["total"]["net_sales"] == "288.00"
    assert doc["unpaid"]["orders"] == 1 and doc["unpaid"]["total"] == "99.00"


def test_json_compare_puts_the_change_beside_each_figure(url: str) -> None:
    result = run(
        url, "sales", "--by", "channel", "--from", "2026-01-15", "--to", "2026-01-31", "--compare", "previous", "--json"
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["compare"], doc["compared_from"], doc["compared_to"]) == ("previous", "2025-12-29", "2026-01-14")
    web = doc["rows"][0]
    assert (web["key"], web["net_sales"], web["net_sales_before"], web["net_sales_change"]) == (
        "web",
        "90.00",
        "198.00",
        "-54.55",
    )


def test_product_rows_carry_sku_and_title(url: str) -> None:
    result = run(url, "sales", "--by", "product", "--from", "2026-01-01", "--to", "2026-01-31", "--json")
    row = json.loads(result.stdout)["rows"][0]
    assert (row["sku"], row["title"]) == ("TEE-01", "Basic tee")


def test_csv_and_spreadsheet(url: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "sales.csv"
    result = run(url, "sales", "--by", "day", "--from", "2026-01-01", "--to", "2026-01-31", "--csv", str(target))
    assert result.exit_code == 0, result.stderr
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["key", "label", "orders"]
    assert [r[0] for r in rows[1:3]] == ["2026-01-05", "2026-01-20"]
    assert rows[3][0] == "total" and rows[3][rows[0].index("net_sales")] == "288.00"
    book = tmp_path / "sales.xlsx"
    result = run(url, "sales", "--by", "day", "--from", "2026-01-01", "--to", "2026-01-31", "--xlsx", str(book))
    assert result.exit_code == 0, result.stderr
    sheet = load_workbook(book).worksheets[0]
    header = [c.value for c in sheet[1]]
    net = sheet.cell(row=2, column=header.index("Net sales") + 1)
    assert Decimal(str(net.value)) == Decimal("198") and net.number_format == "#,##0.00"
    assert sheet.cell(row=2, column=header.index("Orders") + 1).value == 1
    assert sheet.cell(row=4, column=1).value == "total"


def test_table_and_help(url: str) -> None:
    result = run(url, "sales", "--by", "channel", "--from", "2026-01-01", "--to", "2026-02-28")
    assert result.exit_code == 0, result.stderr
    assert "288.00" in result.stdout and "Unpaid open orders (not in sales): 1" in result.stdout
    helped = run(url, "--help")
    words = " ".join(helped.stdout.split()).lower()
    assert "gross_sales" in words and "cancelled orders never count" in words and "unpaid" in words


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("--by", "nonsense"), 2, "--by takes one of"),
        (("--from", "2026-03-01", "--to", "2026-02-01"), 1, "after it ends"),
        (("--from", "2026-02-30"), 1, "not a date"),
        (("--to", "yesterday"), 1, "not a date"),
        (("--top", "0"), 1, "--top"),
        (("--top", "-1"), 1, "--top"),
        (("--top", "x"), 2, ""),
        (("--compare", "decade"), 2, "--compare takes"),
        (("--json", "--csv", "x.csv"), 2, "one of --json"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(url: str, args: tuple[str, ...], code: int, words: str) -> None:
    before = store_digest(url)
    result = run(url, "sales", *args)
    assert result.exit_code == code
    if words:
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert store_digest(url) == before


def test_a_file_in_a_missing_folder_is_refused(url: str, tmp_path: Path) -> None:
    result = run(url, "sales", "--csv", str(tmp_path / "nowhere" / "x.csv"))
    assert result.exit_code == 1 and "does not exist" in result.stderr
