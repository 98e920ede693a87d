"""One rule for typed numbers and codes at every entry path (issue 11, items 34 and 38).

A comma separates thousands only (1,234.50); digits of any script (full-width, Arabic-Indic) read
as ASCII in money, quantities, barcodes and SKUs; a barcode is a GS1 number with its check digit or
an in-store code matching the ``barcode_pattern`` setting.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session

from shoptui import db
from shoptui.errors import InvalidInput
from shoptui.services.catalog import fields, products, variants
from tests.cli.conftest import store_digest


def _refused(result, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
    for word in words:
        assert word in result.stderr


# ---------------------------------------------------------------- barcodes (item 34)


@pytest.mark.parametrize("code", ["6901234567892", "96385074", "036000291452", "00012345600012", "01234565",
                                  "2012345678903", "SHOP-0042", "６９０１２３４５６７８９２"])
def test_barcodes_of_known_shapes_are_kept(code: str) -> None:
    assert fields.check_barcode(code) == code.translate(str.maketrans("０１２３４５６７８９", "0123456789"))


@pytest.mark.parametrize(("code", "words"), [
    ("138.00", "neither a product number"), ("12345", "has 5 digits"), ("6901234567891", "check digit is 1, not 2"),
    ("00012345600013", "GTIN-14"), ("shop-1", "barcode_pattern"), ("hello world", "without spaces"),
    ("６９０１２３４５６７８９１", "check digit"),
])
def test_barcodes_that_are_not_codes_are_refused(code: str, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        fields.check_barcode(code)


def test_store_code_pattern_is_a_setting(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    _refused(shop("product", "add", "--title", "Loose", "--sku", "L-1", "--price", "1", "--barcode", "loose-7"),
             "barcode_pattern")
    assert shop("settings", "set", "barcode_pattern", "[a-z]+-[0-9]+").exit_code == 0
    assert shop("product", "add", "--title", "Loose", "--sku", "L-1", "--price", "1", "--barcode", "loose-7").exit_code == 0
    _refused(shop("settings", "set", "barcode_pattern", "[a-z"), "not a regular expression")


@pytest.mark.parametrize("args", [
    ["product", "add", "--title", "Price tag", "--sku", "P-1", "--price", "1", "--barcode", "138.00"],
    ["product", "add", "--title", "Copy", "--sku", "P-2", "--price", "1", "--barcode", "６９０１２３４５６７８９２"],
    ["product", "add", "--title", "Typo", "--sku", "P-3", "--price", "1", "--barcode", "６９０１２３４５６７８９１"],
    ["variant", "edit", "TEE-01", "--barcode", "138.00"],
])
def test_cli_refuses_bad_and_duplicate_barcodes(shop, seeded: str, store: str, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    before = store_digest(store)
    _refused(shop(*args), "barcode")
    assert store_digest(store) == before


def test_csv_import_refuses_bad_and_duplicate_barcodes(shop, seeded: str, store: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = store_digest(store)
    for barcode, words in (("138.00", "neither a product number"), ("６９０１２３４５６７８９２", "already used by TEE-01")):
        file = tmp_path / "in.csv"
        file.write_text(f"sku,title,price,barcode\nNEW-1,New,1.00,{barcode}\n", encoding="utf-8")
        result = shop("product", "import", str(file))
        assert result.exit_code == 1 and words in result.stderr, result.stderr
    assert store_digest(store) == before


def test_service_refuses_a_price_tag_as_barcode(session: Session, actor) -> None:  # type: ignore[no-untyped-def]
    # the TUI product form saves through this service: the same refusal reaches its barcode field
    with pytest.raises(InvalidInput, match="neither a product number"):
        products.create_product(session=session, actor=actor, data=products.ProductCreate(
            title="T", variants=[products.VariantInput(sku="T-1", barcode="138.00", price_minor=100)]))


# ---------------------------------------------------------------- money and digits (item 38)


@pytest.mark.parametrize("args", [
    ["product", "add", "--title", "Comma", "--sku", "C-1", "--price", "1,5"],
    ["product", "add", "--title", "Comma", "--sku", "C-1", "--price", "1", "--cost", "12,34"],
    ["variant", "edit", "TEE-01", "--price", "1,5"],
    ["order", "create", "-i", "TEE-01:1@1,5"],
    ["order", "create", "-i", "TEE-01", "--discount", "1,5"],
    ["order", "create", "-i", "TEE-01", "--shipping", "1,5"],
])
def test_a_comma_that_is_not_a_thousands_separator_is_refused(shop, seeded: str, store: str,  # type: ignore[no-untyped-def]
                                                               args: list[str]) -> None:
    before = store_digest(store)
    _refused(shop(*args), "'1,5'" if "1,5" in " ".join(args) else "'12,34'", "a comma only separates thousands")
    assert store_digest(store) == before


def test_order_json_and_product_csv_refuse_a_decimal_comma(shop, seeded: str, store: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = store_digest(store)
    document = {"guest_name": "Ann", "lines": [{"sku": "MUG-01", "quantity": 1, "unit_price": "1,5"}]}
    _refused(shop("order", "create", "--json-file", "-", input=json.dumps(document)), "a comma only separates thousands")
    file = tmp_path / "in.csv"
    file.write_text("sku,title,price\nNEW-1,New,\"1,5\"\n", encoding="utf-8")
    result = shop("product", "import", str(file))
    assert result.exit_code == 1 and "a comma only separates thousands" in result.stderr
    assert store_digest(store) == before


def test_thousands_and_digits_of_any_script_read_the_same_everywhere(shop, seeded: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert shop("product", "add", "--title", "Big", "--sku", "BIG-1", "--price", "1,234.50", "--status", "active").exit_code == 0
    assert shop("product", "add", "--title", "Arabic", "--sku", "AR-١", "--price", "١٢", "--status", "active",
                "--no-track-stock").exit_code == 0
    file = tmp_path / "in.csv"
    file.write_text("sku,title,price\nCSV-１,Csv,١٢\n", encoding="utf-8")
    assert shop("product", "import", str(file)).exit_code == 0
    with db.read_session(seeded) as s:
        assert variants.find_variant(session=s, code="BIG-1").price_minor == 123450
        assert variants.find_variant(session=s, code="AR-1").price_minor == 1200  # stored with ASCII digits
        assert variants.find_variant(session=s, code="CSV-1").price_minor == 1200
        assert variants.find_variant(session=s, code="AR-١").sku == "AR-1"  # and found however typed
    # an order line by a code typed in another script, priced with full-width digits
    created = shop("order", "create", "-i", "AR-١:٢@１２.５０", "--json")
    assert created.exit_code == 0, created.stderr
    assert json.loads(created.stdout)["total"] == "25.00"
