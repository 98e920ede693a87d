"""Input a user can get wrong gets its own one-line sentence, never "something went wrong" (issue 11, item 43)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from shoptui import db
from tests.cli.conftest import store_digest


def _one_line_refusal(result, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    err = result.stderr.strip()
    assert err.startswith("error: ") and "\n" not in err and "something went wrong" not in err, err
    for word in words:
        assert word in err, err


LINE = {"sku": "TEE-01", "quantity": 1}


@pytest.mark.parametrize(("document", "words"), [
    ({"lines": [LINE], "adjustments": 5}, ["adjustments", "must be a list"]),
    ({"lines": [LINE], "payments": 3}, ["payments", "must be a list"]),
    ({"lines": [LINE], "adjustments": [{"amount": "-1.00", "ref": 5}]}, ["ref of adjustment 1 must be text"]),
    ({"lines": [LINE], "adjustments": [{"amount": "1.00", "label": ["x"]}]}, ["label of adjustment 1"]),
    ({"lines": [{"sku": "TEE-01", "quantity": 1, "colour": "red"}]}, ["Line 1 has unknown fields: colour"]),
    ({"lines": [LINE], "payments": [{"method": "cash", "tip": "1"}]}, ["Payment 1 has unknown fields: tip"]),
])
def test_order_documents_of_the_wrong_shape(shop, seeded: str, store: str, document, words) -> None:  # type: ignore[no-untyped-def]
    before = store_digest(store)
    _one_line_refusal(shop("order", "create", "--json-file", "-", input=json.dumps(document)), *words)
    assert store_digest(store) == before


def test_a_deeply_nested_order_document(shop, seeded: str, store: str) -> None:  # type: ignore[no-untyped-def]
    depth = sys.getrecursionlimit() + 100
    _one_line_refusal(shop("order", "create", "--json-file", "-", input="[" * depth + "]" * depth), "nested too deeply")


@pytest.mark.parametrize("field", ["tags", "options", "images"])
def test_product_json_import_with_numbers_for_lists(shop, seeded: str, store: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                    field: str) -> None:
    product = {"title": "Odd", "status": "active", "options": [], "variants": [{"sku": "ODD-1", "price": "1.00"}],
               field: 5}
    file = tmp_path / "odd.json"
    file.write_text(json.dumps({"format": "shoptui-catalog", "version": 1, "products": [product]}), encoding="utf-8")
    before = store_digest(store)
    result = shop("product", "import", str(file))
    assert result.exit_code == 1 and "something went wrong" not in result.stderr, result.stderr
    assert f"the {field} must be a list, not 5" in result.stderr
    assert store_digest(store) == before


def test_product_json_import_with_a_number_for_categories(shop, seeded: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "odd.json"
    file.write_text(json.dumps({"format": "shoptui-catalog", "version": 1, "categories": 7, "products": []}))
    result = shop("product", "import", str(file))
    assert result.exit_code == 1 and "the categories must be a list, not 7" in result.stderr, result.stderr


def test_product_json_import_nested_too_deeply(shop, seeded: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    depth = sys.getrecursionlimit() + 100
    file = tmp_path / "deep.json"
    file.write_text('{"products": ' * depth + "1" + "}" * depth)
    result = shop("product", "import", str(file))
    assert result.exit_code == 1 and "nested too deeply" in result.stderr, result.stderr


@pytest.mark.parametrize("args", [
    ["audit", "list", "--after", "99999999999999999999999"],
    ["shift", "list", "--after", "99999999999999999999999"],
    ["outbox", "list", "--after", "99999999999999999999999"],
    ["product", "show", "99999999999999999999999"],
])
def test_numbers_too_large_for_an_id(shop, seeded: str, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    _one_line_refusal(shop(*args), "too large to be an id or a cursor")


@pytest.mark.parametrize("command", [["product", "list"], ["db", "info"], ["db", "upgrade"], ["db", "check"]])
def test_a_database_url_without_its_driver(runner, command: list[str]) -> None:  # type: ignore[no-untyped-def]
    from shoptui.cli.main import app

    try:
        import psycopg  # noqa: F401
        pytest.skip("psycopg is installed here")
    except ImportError:
        pass
    result = runner.invoke(app, ["--db", "postgresql+psycopg://shop:secret@localhost/shop", *command])
    _one_line_refusal(result, "driver", "not installed", "postgresql+psycopg://shop:***@localhost/shop")
    assert "secret" not in result.stderr


@pytest.mark.sqlite_only(reason="fills the disk with SQLite's max_page_count")
def test_a_full_disk_is_one_sentence(shop, seeded: str, store_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    engine = db.get_engine(seeded)
    engine.dispose()

    @event.listens_for(engine, "connect")
    def _no_room(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")  # as if the disk were full now

    try:
        before = store_digest(seeded)
        rows = "".join(f"FULL-{i},Full product number {i} {'x' * 150},1.00\n" for i in range(3000))
        file = store_path.parent / "many.csv"
        file.write_text("sku,title,price\n" + rows, encoding="utf-8")
        result = shop("product", "import", str(file))
        _one_line_refusal(result, "the disk is full or failing", "Nothing was saved")
        assert store_digest(seeded) == before
    finally:
        event.remove(engine, "connect", _no_room)
        db.dispose_all()
