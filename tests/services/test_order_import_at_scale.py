"""The order import of a file past KEEP_LINES (issue 13): lines and orders in scratch tables of the transaction,
read once, with exactly the orders, numbers, ids, customers and sentences of the in-memory import."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from shoptui import db
from shoptui.services import orders
from shoptui.services.orders import importing
from tests.services.orders_helpers import CLERK, seed
from tests.store_files import store_copy

MAPPING = orders.parse_mapping("""
[columns]
order_ref = "Order"
ordered_at = "Date"
shipped_at = "Shipped"
status = "Status"
channel = "Channel"
customer_ref = "Cust"
customer_name = "Name"
customer_phone = "Phone"
customer_email = "Email"
country = "Country"
city = "City"
sku = "SKU"
product_name = "Item"
category = "Category"
quantity = "Qty"
unit_price = "Price"
discount_rate = "Discount"

[options]
date_format = "%Y-%m-%d %H:%M"
timezone = "Asia/Shanghai"
""")
HEADER = "Order,Date,Shipped,Status,Channel,Cust,Name,Phone,Email,Country,City,SKU,Item,Category,Qty,Price,Discount\n"
STATUSES = ("completed", "shipped", "paid", "unpaid", "cancelled", "")
SMALL = 50  # KEEP_LINES for the import at scale: every file here is bigger
TABLES = (
    "sales_order",
    "order_line",
    "order_payment",
    "order_event",
    "customer",
    "customer_address",
    "customer_import_ref",
    "product",
    "variant",
    "product_search",
    "category",
    "order_stat",
    "order_sequence",
    "sales_day",
    "sales_day_variant",
)


def _history(count: int, *, start: int = 0) -> str:
    """``count`` orders of 1 to 4 lines: three orders a minute (equal times rank by first line), every fifth
    order's last line at the end of the file, order cells only on some rows ("as above"), a cell first given
    on a second row, new SKUs and customers, discounts, shipped times and channels."""
    skus = ("TEE-01", "MUG-01", "CAP-01")
    rows, tails = [], []
    for n in range(start, start + count):
        when = f"2024-{1 + n % 12:02d}-{1 + n % 27:02d} {n // 3 % 24:02d}:{n // 3 % 60:02d}"
        status = STATUSES[n % len(STATUSES)]
        shipped = f"2024-{1 + n % 12:02d}-28 09:00" if status in ("completed", "shipped") and n % 2 else ""
        channel = ("", "web", "imported")[n % 3]
        cust = n % 23
        phone = f"1370000{cust:04d}" if cust % 2 else ""
        email = f"c{cust}@example.com" if cust % 3 == 0 else ""
        for i in range(1 + n % 4):
            sku = f"NEW-{n % 9}" if (n + i) % 7 == 0 else skus[(n + i) % 3]
            cells = [when, shipped, status, channel, f"C-{cust}", f"Customer {cust}", phone, email, "CN", "杭州"]
            if i:
                cells = ["" if (j != 9 or n % 2) else cells[j] for j in range(len(cells))]  # as above (city again)
            if i == 1 and n % 4 == 3:
                cells[9] = "杭州"
            first_city = i == 0 and n % 4 == 3
            if first_city:
                cells[9] = ""  # the city first given on the second row
            row = (
                ",".join(
                    [
                        f"H-{n:05d}",
                        *cells,
                        sku,
                        f"Item {sku}" if sku.startswith("NEW") else "",
                        "Cups" if sku.startswith("NEW") else "",
                        str(1 + i),
                        f"{10 + n % 7}.{n % 100:02d}",
                        ("", "10%", "0.05")[n % 3],
                    ]
                )
                + "\n"
            )
            (tails if n % 5 == 0 and i == n % 4 and i else rows).append(row)
    return HEADER + "".join(rows) + "".join(tails)


@pytest.fixture
def other_store(template_store: str, tmp_path: Path) -> Iterator[str]:
    yield from store_copy(template_store, tmp_path, "other.db")


def _tables(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    conn = session.connection()
    return {
        name: [tuple(row) for row in conn.execute(text(f'SELECT * FROM "{name}" ORDER BY 1, 2'))] for name in TABLES
    }


def _import(url: str, content: str, monkeypatch: pytest.MonkeyPatch, keep: int, **options: Any) -> Any:
    monkeypatch.setattr(importing, "KEEP_LINES", keep)
    with db.transaction(url) as s:
        return orders.import_orders(session=s, actor=CLERK, content=content.encode(), mapping=MAPPING, **options)


def _refusal(
    url: str, content: str, monkeypatch: pytest.MonkeyPatch, keep: int, **options: Any
) -> importing.OrderImportRefused:
    with pytest.raises(importing.OrderImportRefused) as caught:
        _import(url, content, monkeypatch, keep, **options)
    return caught.value


def _line_of(problem: str) -> int:
    found = re.match(r"line (\d+):", problem)
    assert found, problem
    return int(found[1])


def test_the_same_orders_numbers_ids_and_customers_as_in_memory(
    store: str, other_store: str, frozen_clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for url in (store, other_store):
        with db.transaction(url) as s:
            seed(s)
        _import(url, _history(12, start=30), monkeypatch, 10**6, create_missing=True)  # skipped when met again
    content = _history(160)
    assert len(content.splitlines()) > 3 * SMALL
    reports = []
    for url, keep in ((store, 10**6), (other_store, SMALL)):
        dry = _import(url, content, monkeypatch, keep, create_missing=True, dry_run=True)
        done = _import(url, content, monkeypatch, keep, create_missing=True)
        assert (dry.total_minor, dry.order_lines) == (done.total_minor, done.order_lines)
        reports.append(done.model_dump())
    assert reports[0] == reports[1]
    assert reports[0]["orders_skipped"] == 12 and reports[0]["orders_created"] == 148
    assert reports[0]["products_created"] and reports[0]["customers_created"]
    with db.transaction(store) as first, db.transaction(other_store) as second:
        expected, got = _tables(first), _tables(second)
    for name in TABLES:
        assert got[name] == expected[name], name
    assert len(expected["order_line"]) > 300


def test_the_same_problems_listed_by_line(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.transaction(store) as s:
        seed(s)
    lines = _history(40).splitlines(keepends=True)
    bad = list(lines)

    def first_row(ref: str) -> int:
        return next(n for n, line in enumerate(bad) if line.startswith(f"{ref},"))

    at = first_row("H-00004")
    bad[at] = bad[at].replace("2024-", "2024/", 1)  # not a date: the order's ordered_at
    bad[8] = re.sub(r",(\d+),(\d+\.\d\d),", ",-2,\\2,", bad[8])  # a quantity below one
    at = first_row("H-00006")  # completed: a status no one knows
    bad[at] = bad[at].replace(",completed,", ",lost,")
    at = first_row("H-00013")  # a phone that is not one
    bad[at] = bad[at].replace(",13700000013,", ",12,")
    order = bad[20].split(",")[0]
    bad.append(f"{order},2023-01-01 00:00,,,,,,,,,,TEE-01,,,1,10.00,\n")  # disagrees with its order's date
    bad.append(f"{order},,,,shop,,,,,,,MUG-01,,,1,10.00,\n")  # a channel it does not have
    content = "".join(bad)
    small = _refusal(store, content, monkeypatch, 10**6)
    big = _refusal(store, content, monkeypatch, SMALL)
    assert len(small.problems) == len(big.problems) >= 6
    assert big.problems == sorted(small.problems, key=_line_of)
    assert str(big).split(":", 1)[0] == str(small).split(":", 1)[0]  # "... N problems, nothing was imported"
    # without --create-missing: the unknown SKUs and customers, each on the line that first gives it
    small = _refusal(store, "".join(lines), monkeypatch, 10**6)
    big = _refusal(store, "".join(lines), monkeypatch, SMALL)
    assert big.problems == sorted(small.problems, key=_line_of)
    assert any("SKU 'NEW-" in p for p in big.problems) and any("customer 'C-" in p for p in big.problems)
    with db.transaction(store) as s:
        assert s.connection().execute(text("SELECT count(*) FROM sales_order")).scalar() == 0


def test_past_fifty_problems_the_lowest_lines_are_listed_and_all_counted(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.transaction(store) as s:
        seed(s)
    lines = _history(60).splitlines(keepends=True)
    wrong = []
    for at in range(1, len(lines)):  # the rows that give no order cells ("as above"): no other problem follows
        if lines[at].split(",")[1] == "":
            lines[at] = re.sub(r",(\d+),(\d+\.\d\d),", ",0,\\2,", lines[at])
            wrong.append(at + 1)
    refused = _refusal(store, "".join(lines), monkeypatch, SMALL, create_missing=True)
    assert len(wrong) > 60
    assert [_line_of(p) for p in refused.problems] == wrong[:50]
    assert f"{len(wrong)} problems" in str(refused) and f"and {len(wrong) - 50} more" in str(refused)


def test_the_file_is_read_once(store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.transaction(store) as s:
        seed(s)
    path = tmp_path / "history.csv"
    path.write_text(_history(80), encoding="utf-8")
    opened = importing._File.rows
    reads: list[int] = []

    def rows(self: Any) -> Any:
        reads.append(1)
        return opened(self)

    monkeypatch.setattr(importing._File, "rows", rows)
    for keep in (10**6, SMALL):
        monkeypatch.setattr(importing, "KEEP_LINES", keep)
        reads.clear()
        with db.transaction(store) as s:
            report = orders.import_orders(
                session=s, actor=CLERK, path=path, mapping=MAPPING, create_missing=True, dry_run=True
            )
        assert reads == [1] and report.orders_created == 80


def test_a_refused_file_leaves_nothing_and_no_scratch_tables(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.transaction(store) as s:
        seed(s)
    content = _history(70)
    broken = content + "H-00001,,,,,,,,,,,TEE-01,,,x,1.00,\n"
    refused = _refusal(store, broken, monkeypatch, SMALL, create_missing=True)
    assert refused.problems == [f"line {len(broken.splitlines())}: the quantity 'x' is not a whole number."]
    with db.transaction(store) as s:
        conn = s.connection()
        assert conn.execute(text("SELECT count(*) FROM sales_order")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM customer")).scalar() == 0
    report = _import(store, content, monkeypatch, SMALL, create_missing=True)  # its scratch tables made afresh
    assert report.orders_created == 70
    with db.get_engine(store).connect() as conn:  # the pooled connection the import used: no scratch table left
        assert conn.execute(text("SELECT count(*) FROM sales_order")).scalar() == 70
        with pytest.raises(DBAPIError, match="order_import_line"):
            conn.execute(text("SELECT count(*) FROM order_import_line"))


@pytest.mark.sqlite_only(reason="SQLite's temporary storage (PRAGMA temp_store)")
def test_sqlite_keeps_temporary_storage_in_memory_again_after_the_import(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.transaction(store) as s:
        seed(s)
    _import(store, _history(70), monkeypatch, SMALL, create_missing=True)
    for _ in range(3):  # whichever pooled connection comes back
        with db.transaction(store) as s:
            assert s.connection().exec_driver_sql("PRAGMA temp_store").scalar() == 2
