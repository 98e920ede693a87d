"""Issue 11 item 41: CSV exports never hand a spreadsheet a formula, and read back unchanged."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoptui.cli.main import app
from shoptui.services.shop import spreadsheet
from tests.store_files import login_env, sign_in_owner

FORMULA = "=cmd|' /C calc'!A0"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def run(url: str, *args: str):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, ["--db", url, *args], env=login_env(url))
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result


def store(tmp_path: Path, name: str) -> str:
    url = f"sqlite:///{tmp_path / name}"
    run(url, "db", "upgrade")
    sign_in_owner(url)
    return url


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def dangerous(rows: list[list[str]]) -> list[str]:
    return [c for r in rows for c in r if c.startswith(TRIGGERS) and not c.lstrip("+-").replace(".", "").isdigit()]


@pytest.mark.parametrize(("value", "written"), [
    (FORMULA, "'" + FORMULA), ("+1+2", "'+1+2"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("'=x", "''=x"), ("-3", "-3"), ("+1.50", "+1.50"), ("12.50", "12.50"),
    ("it's", "it's"), ("'quoted'", "'quoted'"), ("", ""),
])
def test_a_cell_is_neutralised_and_reads_back(value: str, written: str) -> None:
    assert spreadsheet.cell(value) == written
    assert spreadsheet.uncell(written) == value


def test_product_export_neutralises_formulas_and_round_trips(tmp_path: Path) -> None:
    url = store(tmp_path, "a.db")
    run(url, "category", "add", "@Cat")
    run(url, "product", "add", "--title", FORMULA, "--sku", "F-1", "--price", "9.90", "--brand", "+brand",
        "--description", "-minus", "--tag", "=tag", "--category", "@Cat", "--option", "Size=-S,@M")
    run(url, "product", "add", "--title", "'=quoted already", "--sku", "F-2", "--price", "1.00", "--cost", "0.50")
    exported = tmp_path / "catalogue.csv"
    run(url, "product", "export", "--format", "csv", "-o", str(exported))
    rows = cells(exported.read_text(encoding="utf-8"))
    assert dangerous(rows) == []
    flat = [c for r in rows for c in r]
    assert "'" + FORMULA in flat and "'+brand" in flat and "''=quoted already" in flat
    assert "9.90" in flat and "0.50" in flat  # numbers stay numbers

    other = store(tmp_path, "b.db")
    run(other, "product", "import", str(exported), "--create-categories")
    first = json.loads(run(url, "product", "export", "--format", "json").stdout)
    second = json.loads(run(other, "product", "export", "--format", "json").stdout)
    assert second["products"] == first["products"]
    titles = sorted(p["title"] for p in second["products"])
    assert titles == sorted([FORMULA, "'=quoted already"])
    again = tmp_path / "again.csv"
    run(other, "product", "export", "--format", "csv", "-o", str(again))
    assert again.read_text(encoding="utf-8") == exported.read_text(encoding="utf-8")


def test_coupon_export_neutralises_formulas(tmp_path: Path) -> None:
    url = store(tmp_path, "c.db")
    run(url, "coupon", "add", "Spring", "--amount", "5", "--share-text", "=HYPERLINK(\"http://e\") $code")
    run(url, "coupon", "issue", "1", "--count", "2")
    rows = cells(run(url, "coupon", "export", "1").stdout)
    assert len(rows) == 3
    assert dangerous(rows) == []
    assert all(r[4].startswith("'=HYPERLINK") for r in rows[1:])
