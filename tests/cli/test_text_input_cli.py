"""Issue 11 items 5 and 40: names and notes that do not fit are refused with the limit (never cut),
and control or text-direction characters are refused in every name from every entry path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoptui.cli.main import app
from tests.store_files import rows

ESC = "Bob\x1b[31mRed"
BIDI = "Bob\u202etxt.exe"


@pytest.fixture
def shop_db(demo_store: str) -> tuple[str, str]:
    """A copy of the demo store for one test (tests/cli/conftest.py); its URL twice (the second for the row counts)."""
    return demo_store, demo_store


def run(url: str, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", url, *args], input=input)


def count(store: str, table: str) -> int:
    return int(rows(store, f'select count(*) from "{table}"')[0][0])


def refused(result, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_a_long_member_name_is_refused_with_its_limit_not_cut(shop_db: tuple[str, str]) -> None:
    url, path = shop_db
    before = count(path, "customer"), count(path, "member")
    refused(run(url, "member", "add", "--name", "L" * 500, "--phone", "13800000009"), "500", "at most 100")
    assert (count(path, "customer"), count(path, "member")) == before
    assert run(url, "member", "add", "--name", "Lucy", "--phone", "13800000009").exit_code == 0
    refused(run(url, "member", "edit", "13800000009", "--name", "L" * 101), "at most 100")
    assert rows(path, "select name from customer where phone = '+8613800000009'")[0][0] == "Lucy"


@pytest.mark.parametrize("field", ["customer", "member", "supplier"])
@pytest.mark.parametrize("name", [ESC, BIDI], ids=["escape", "bidi"])
def test_control_and_bidi_characters_are_refused_in_names(shop_db: tuple[str, str], field: str, name: str) -> None:
    url, path = shop_db
    before = count(path, "customer"), count(path, "supplier")
    command = {"customer": ["customer", "add", name, "--phone", "13800000010"],
               "member": ["member", "add", "--name", name, "--phone", "13800000010"],
               "supplier": ["supplier", "add", name]}[field]
    refused(run(url, *command), "control or text-direction")
    assert (count(path, "customer"), count(path, "supplier")) == before


@pytest.mark.parametrize("command", [
    ["customer", "add", "Ann", "--note", "x\x1b]8;;http://e\x07"],
    ["customer", "add", "Ann", "--street", "Main\u202e St"],
    ["supplier", "add", "Acme", "--contact", "Jo\x07e"],
    ["location", "add", "BR2", "Branch\x1b[2J"],
    ["category", "add", "Cat\u2066egory"],
    ["product", "add", "--title", "T", "--sku", "T-1", "--price", "1", "--brand", "B\x1bX"],
    ["product", "add", "--title", "T", "--sku", "T-1", "--price", "1", "--tag", "t\u202eag"],
    ["promo", "add", "Sale\x1b[5m", "--kind", "discount", "--percent", "10"],
    ["coupon", "add", "Gift\x9b", "--amount", "5"],
    ["settings", "set", "name", "Shop\x1b]0;pwned\x07"],
    ["order", "create", "-i", "D042:1", "--guest", "G\x1b[31m"],
    ["member", "add", "--name", "Ann", "--phone", "13800000011", "--tag", "v\x1bip"],
], ids=lambda c: " ".join(c[:2]))
def test_every_entry_path_refuses_control_characters(shop_db: tuple[str, str], command: list[str]) -> None:
    url, path = shop_db
    tables = ("customer", "supplier", "stock_location", "category", "product", "promotion", "coupon", "sales_order")
    before = [count(path, t) for t in tables]
    refused(run(url, *command), "control or text-direction")
    assert [count(path, t) for t in tables] == before


def test_json_orders_refuse_control_characters_in_names(shop_db: tuple[str, str], tmp_path: Path) -> None:
    url, path = shop_db
    before = count(path, "sales_order")
    order = {"lines": [{"sku": "D042", "quantity": 1}], "guest_name": "Eve\x1b[8m"}
    refused(run(url, "order", "create", "--json-file", "-", input=json.dumps(order)), "control or text-direction")
    order = {"lines": [{"sku": "D042", "quantity": 1}], "guest_name": "Eve",
             "ship_to": {"recipient": "Eve\u202e", "street": "1 Main St", "city": "X", "country": "CN"}}
    refused(run(url, "order", "create", "--json-file", "-", input=json.dumps(order)), "control or text-direction")
    assert count(path, "sales_order") == before


def test_csv_imports_refuse_control_characters_and_long_names(shop_db: tuple[str, str], tmp_path: Path) -> None:
    url, path = shop_db
    orders_before, customers_before = count(path, "sales_order"), count(path, "customer")
    mapping = tmp_path / "map.toml"
    mapping.write_text('[columns]\norder_ref = "ref"\nordered_at = "date"\nsku = "sku"\nquantity = "qty"\n'
                       'unit_price = "price"\ncustomer_name = "name"\ncity = "city"\n', encoding="utf-8")
    for name, city, words in (("Eve\x1b[31m", "X", "control or text-direction"),
                              ("N" * 150, "X", "at most 100"), ("Eve", "C" * 101, "at most 100")):
        orders = tmp_path / "orders.csv"
        orders.write_text(f"ref,date,sku,qty,price,name,city\nA1,2026-01-02,D042,1,9.90,{name},{city}\n",
                          encoding="utf-8")
        refused(run(url, "order", "import", str(orders), "--mapping", str(mapping), "--create-missing"), *words)
    assert (count(path, "sales_order"), count(path, "customer")) == (orders_before, customers_before)
    products = tmp_path / "products.csv"
    before = count(path, "product")
    for cells in ("N-1,Title,1.00,Brand\x1b[31m,", "N-1,Title,1.00,Brand,line\x1b]8;;x\x07"):
        products.write_text(f"sku,title,price,brand,description\n{cells}\n", encoding="utf-8")
        result = run(url, "product", "import", str(products))
        assert result.exit_code == 1, result.stdout
        assert "control or text-direction" in result.stderr + result.stdout
        assert "\x1b" not in result.stderr + result.stdout
    assert count(path, "product") == before


def test_multiline_notes_keep_their_lines(shop_db: tuple[str, str]) -> None:
    url, path = shop_db
    result = run(url, "customer", "add", "Ann", "--note", "line one\nline two")
    assert result.exit_code == 0, result.stderr
    assert rows(path, "select note from customer where name = 'Ann'")[0][0] == "line one\nline two"
