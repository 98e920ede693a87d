"""A catalogue import counts what it did: unchanged rows are unchanged (issue 11, item 26)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoptui.cli.main import app
from tests.store_files import rows


def _versions(store: str) -> list[tuple[int, int, str]]:
    return rows(store, "SELECT id, version, updated_at FROM product ORDER BY id")


def _audit_count(store: str) -> int:
    return int(rows(store, "SELECT count(*) FROM audit_entry")[0][0])


@pytest.fixture
def demo(demo_store: str):  # type: ignore[no-untyped-def]
    """``demo("product", "list")`` runs ``shoptui --db DEMO product list`` on a copy of the demo store."""

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(app, ["--db", demo_store, *args])

    return invoke


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_importing_an_export_into_the_same_store_changes_nothing(demo, demo_store: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                  fmt: str) -> None:
    shop, store = demo, demo_store
    file = tmp_path / f"export.{fmt}"
    assert shop("product", "export", "--format", fmt, "--output", str(file)).exit_code == 0
    before, audits = _versions(store), _audit_count(store)
    dry = shop("product", "import", str(file), "--dry-run")
    assert dry.exit_code == 0 and "0 products created, 0 updated, 64 unchanged" in dry.stdout, dry.stdout
    result = shop("product", "import", str(file))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == ("Imported 129 rows: 0 products created, 0 updated, 64 unchanged; "
                                     "0 variants created, 0 updated, 129 unchanged.")
    assert _versions(store) == before  # no version bumped, no time touched
    assert _audit_count(store) == audits + 1  # the import itself, and no per-product entry


def test_one_changed_price_is_one_update(demo, demo_store: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shop, store = demo, demo_store
    file = tmp_path / "export.csv"
    assert shop("product", "export", "--output", str(file)).exit_code == 0
    with file.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["price"] = "777.77"
    with file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    before = dict((pid, version) for pid, version, _ in _versions(store))
    result = shop("product", "import", str(file))
    assert ("0 products created, 1 updated, 63 unchanged; 0 variants created, 1 updated, 128 unchanged."
            in result.stdout), (result.stdout, result.stderr)
    after = dict((pid, version) for pid, version, _ in _versions(store))
    assert sum(after[p] != before[p] for p in before) == 1


def test_new_categories_are_counted_with_their_parents(shop, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "new.csv"
    file.write_text("sku,title,price,category\nN-1,New,1.00,Outdoor > Tents\nN-2,Other,1.00,Outdoor\n", encoding="utf-8")
    result = shop("product", "import", str(file), "--create-categories")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith("2 products created, 0 updated; 2 variants created, 0 updated, "
                                          "2 new categories.")
    names = [c["name"] for c in json.loads(shop("category", "list", "--json").stdout)]
    assert sorted(names) == ["Outdoor", "Tents"]
