"""``shoptui product|variant|category|demo``: exit codes, output, and nothing written on refusal."""

from __future__ import annotations

import json
from pathlib import Path

from shoptui.services.catalog import fields, products

EAN = fields.with_check_digit("690123456789")


def ok(result):  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.stderr
    return result


def refused(result, text: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def product_count(shop) -> int:  # type: ignore[no-untyped-def]
    return len(json.loads(ok(shop("product", "list", "--json")).stdout)["items"])


def test_category_commands(shop) -> None:  # type: ignore[no-untyped-def]
    assert "Added category Clothing" in ok(shop("category", "add", "Clothing")).stdout
    ok(shop("category", "add", "Tees", "--parent", "Clothing"))
    ok(shop("category", "add", "Home"))
    ok(shop("category", "move", "Tees", "--under", "Home"))
    ok(shop("category", "rename", "Tees", "T恤"))
    ok(shop("category", "reorder", "Home", "0"))
    tree = json.loads(ok(shop("category", "list", "--json")).stdout)
    assert [(c["full_name"], c["depth"]) for c in tree] == [("Home", 0), ("Home > T恤", 1), ("Clothing", 0)]
    refused(shop("category", "move", "Home", "--under", "T恤"), "cannot move under its own subcategory")
    refused(shop("category", "move", "Home", "--under", "Home"), "under itself")
    refused(shop("category", "add", "X", "--parent", "Nope"), "no category 'Nope'")
    assert shop("category", "move", "Home").exit_code == 2
    ok(shop("product", "add", "--title", "Tee", "--sku", "T1", "--price", "1", "--category", "T恤"))
    refused(shop("category", "delete", "T恤"), "still holds 1 products")
    assert "moved 1 products" in ok(shop("category", "delete", "T恤", "--move-to", "Clothing")).stdout


def test_product_add_show_edit_and_json_money(shop) -> None:  # type: ignore[no-untyped-def]
    out = ok(shop("product", "add", "--title", "华为手机壳", "--sku", "CASE", "--price", "19.90", "--barcode", EAN,
                  "--tag", "Sale", "--option", "Color=Red,Blue", "--json")).stdout
    data = json.loads(out)
    assert data["variant_count"] == 2 and data["min_price"] == "19.90" and data["currency"] == "CNY"
    shown = json.loads(ok(shop("product", "show", EAN, "--json")).stdout)
    assert [v["sku"] for v in shown["variants"]] == ["CASE-RED", "CASE-BLUE"] and shown["variants"][0]["price"] == "19.90"
    assert "Saved product" in ok(shop("product", "edit", "CASE-RED", "--status", "active", "--expect-version", str(shown["version"]))).stdout
    refused(shop("product", "edit", "CASE-RED", "--title", "Stale", "--expect-version", str(shown["version"])), "changed by someone else")
    assert json.loads(ok(shop("product", "show", "CASE-RED", "--json")).stdout)["title"] == "华为手机壳"
    assert "华为手机壳" in ok(shop("product", "show", "CASE-BLUE")).stdout
    assert shop("product", "edit", "CASE-RED").exit_code == 2


def test_product_add_bad_input_changes_nothing(shop) -> None:  # type: ignore[no-untyped-def]
    ok(shop("product", "add", "--title", "A", "--sku", "A1", "--price", "1", "--barcode", EAN))
    refused(shop("product", "add", "--title", "B", "--sku", "A1", "--price", "1"), "SKU A1 is already used by 'A'")
    refused(shop("product", "add", "--title", "B", "--sku", "B1", "--price", "1", "--barcode", EAN), "already used by A1")
    refused(shop("product", "add", "--title", "B", "--sku", "B1", "--price", "1", "--barcode", "6901234567891"), "check digit")
    refused(shop("product", "add", "--title", "B", "--sku", "B1", "--price", "-1"), "cannot be negative")
    refused(shop("product", "add", "--title", "B", "--sku", "B1", "--price", "1.005"), "more decimals")
    refused(shop("product", "add", "--title", "B", "--sku", "B1", "--price", "abc"), "not an amount")
    refused(shop("product", "add", "--title", "B", "--sku", "B1", "--price", "1", "--category", "Nope"), "no category")
    refused(shop("product", "add", "--title", "", "--sku", "B1", "--price", "1"), "title cannot be empty")
    refused(shop("product", "add", "--title", "B", "--sku", "B1", "--price", "1", "--image", "/nope.png"), "does not exist")
    assert shop("product", "add", "--title", "B").exit_code == 2
    assert product_count(shop) == 1


def test_list_pages_filters_and_search(shop) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        ok(shop("product", "add", "--title", f"P{i} 手机", "--sku", f"S{i}", "--price", str(i + 1),
                "--status", "active" if i % 2 else "draft"))
    first = json.loads(ok(shop("product", "list", "--limit", "2", "--json")).stdout)
    second = json.loads(ok(shop("product", "list", "--limit", "2", "--after", first["next_after"], "--json")).stdout)
    assert [p["title"] for p in first["items"] + second["items"]] == ["P0 手机", "P1 手机", "P2 手机", "P3 手机"]
    assert "more:" in ok(shop("product", "list", "--limit", "2")).stderr
    active = json.loads(ok(shop("product", "list", "--status", "active", "--json")).stdout)
    assert [p["sku"] for p in active["items"]] == ["S1", "S3"]
    refused(shop("product", "list", "--status", "gone"), "not one of draft")
    refused(shop("product", "list", "--after", "xyz"), "cursor")
    refused(shop("product", "list", "--limit", "0"), "at least 1")
    hits = json.loads(ok(shop("product", "search", "手机", "--json")).stdout)
    assert len(hits) == 5
    exact = json.loads(ok(shop("product", "search", "S3", "--json")).stdout)
    assert exact[0]["exact"] and exact[0]["key"] == "S3"
    assert "Nothing found" in ok(shop("product", "search", "zzz")).stdout


def test_archive_delete_and_history(shop, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ok(shop("product", "add", "--title", "A", "--sku", "A1", "--price", "1"))
    ok(shop("product", "add", "--title", "B", "--sku", "B1", "--price", "1"))
    with monkeypatch.context() as patched:  # (undo only this patch: the suite's login stays)
        patched.setattr(products, "variants_with_history", lambda session, variant_ids: set(variant_ids))
        refused(shop("product", "delete", "A1"), "has history")
        assert "Archived" in ok(shop("product", "archive", "A1")).stdout
    assert "Deleted product B" in ok(shop("product", "delete", "B1")).stdout
    refused(shop("product", "delete", "B1"), "no product")
    assert product_count(shop) == 1


def test_variant_commands(shop) -> None:  # type: ignore[no-untyped-def]
    ok(shop("product", "add", "--title", "Tee", "--sku", "TEE", "--price", "10", "--option", "Size=S,M"))
    ok(shop("variant", "add", "TEE-S", "--sku", "TEE-XL", "--price", "12", "--option", "XL"))
    refused(shop("variant", "add", "TEE-S", "--sku", "TEE-XL2", "--price", "12", "--option", "xl"), "same options")
    ok(shop("variant", "edit", "TEE-XL", "--price", "13.5", "--barcode", EAN))
    refused(shop("variant", "edit", "TEE-XL", "--price", "-2"), "negative")
    refused(shop("variant", "edit", "NOPE", "--price", "2"), "no variant with the SKU 'NOPE'")
    listed = json.loads(ok(shop("variant", "list", "--product", "TEE-S", "--json")).stdout)
    assert {v["sku"]: v["price"] for v in listed["items"]} == {"TEE-S": "10.00", "TEE-M": "10.00", "TEE-XL": "13.50"}
    assert "Created 3 variants" in ok(shop("variant", "generate", "TEE-S", "--option", "Size=S,M,XL",
                                           "--option", "Color=Red,Blue")).stdout
    ok(shop("variant", "delete", "TEE-XL-BLUE"))
    assert "Deleted" not in shop("variant", "delete", "TEE-XL-BLUE").stdout


def test_bulk_preview_then_yes(shop) -> None:  # type: ignore[no-untyped-def]
    ok(shop("product", "add", "--title", "A", "--sku", "A1", "--price", "19.99"))
    preview = ok(shop("product", "bulk", "A1", "--price", "-10%")).stdout
    assert "17.99" in preview and "Preview: 1 of 1" in preview
    assert json.loads(ok(shop("product", "show", "A1", "--json")).stdout)["min_price"] == "19.99"
    ok(shop("product", "bulk", "A1", "--price", "-10%", "--yes"))
    assert json.loads(ok(shop("product", "show", "A1", "--json")).stdout)["min_price"] == "17.99"
    ok(shop("product", "bulk", "A1", "--price", "+1.01", "--yes"))
    assert json.loads(ok(shop("product", "show", "A1", "--json")).stdout)["min_price"] == "19.00"
    refused(shop("product", "bulk", "A1", "--price", "-100.00", "--yes"), "negative")
    assert shop("product", "bulk", "A1").exit_code == 2


def test_import_export_cli(shop, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.csv"
    good.write_text("\ufeffsku,title,price,category\nA1,手机壳,1.50,Phones > Cases\n", encoding="utf-8")
    refused(shop("product", "import", str(good)), "line 2, column category")
    assert "Would import 1 row:" in ok(shop("product", "import", str(good), "--dry-run", "--create-categories")).stdout
    assert product_count(shop) == 0
    assert "Imported 1 row:" in ok(shop("product", "import", str(good), "--create-categories")).stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,title,price,colour\nB1,x,1,red\n", encoding="utf-8")
    refused(shop("product", "import", str(bad)), "column colour: unknown column")
    refused(shop("product", "import", str(tmp_path / "missing.csv")), "Cannot read")
    out = tmp_path / "out.csv"
    ok(shop("product", "export", "-o", str(out)))
    assert "A1,A1,手机壳,draft,Phones > Cases" in out.read_text(encoding="utf-8")
    exported = json.loads(ok(shop("product", "export", "--format", "json")).stdout)
    assert exported["categories"] == ["Phones", "Phones > Cases"]
    refused(shop("product", "export", "--format", "xml"), "not csv or json")


def test_demo_load(shop) -> None:  # type: ignore[no-untyped-def]
    assert "Loaded the demo catalogue" in ok(shop("demo", "load")).stdout
    assert "was not loaded" in ok(shop("demo", "load", "--if-empty")).stdout
    refused(shop("demo", "load"), "already has 64 products")


def test_idempotency_key_on_add(shop) -> None:  # type: ignore[no-untyped-def]
    ok(shop("product", "add", "--title", "A", "--sku", "A1", "--price", "1", "--idempotency-key", "k1"))
    again = ok(shop("product", "add", "--title", "A", "--sku", "A1", "--price", "1", "--idempotency-key", "k1"))
    assert "already done" in again.stderr and product_count(shop) == 1


def test_readme_variant_generate_example_is_true(shop) -> None:  # type: ignore[no-untyped-def]
    """Issue 11 item 12: the README's product add + variant generate lines, run as written, make the SKUs it uses."""
    import re
    import shlex

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    commands = [line.split("#")[0].strip() for line in readme.splitlines()]
    add = next(c for c in commands if c.startswith("shoptui product add --title \"Basic tee\""))
    generate = next(c for c in commands if c.startswith("shoptui variant generate TEE-01"))
    for command in (add, generate, generate):  # a second run creates nothing and keeps the SKUs
        ok(shop(*shlex.split(command)[1:]))
    skus = sorted(v["sku"] for v in json.loads(ok(shop("product", "show", "TEE-01", "--json")).stdout)["variants"])
    assert skus == ["TEE-01", "TEE-01-BLACK-L", "TEE-01-BLACK-M", "TEE-01-WHITE-L", "TEE-01-WHITE-M", "TEE-01-WHITE-S"]
    used = {sku for c in commands if c.startswith("shoptui ") for sku in re.findall(r"TEE-01-[A-Z]+-[A-Z]+", c)}
    assert used and used <= set(skus), used - set(skus)  # every variant SKU the README's other examples use exists
