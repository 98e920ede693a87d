"""Catalogue at 100,000 products / 300,000 variants with CJK titles: import, search, list pages.

Every figure is printed beside its target and beside the same query in raw ``sqlite3``.
"""

from __future__ import annotations

import csv
import io
import random
import sqlite3
import time

from bench._report import DATA, figure, percentile, time_calls

WORDS_ZH = ["华为", "手机", "壳", "小米", "耳机", "蓝牙", "充电器", "数据线", "保温杯", "茶具", "紫砂", "龙井", "绿茶",
            "卫衣", "T恤", "纯棉", "羊毛", "围巾", "帆布", "包", "钢笔", "笔记本", "坚果", "礼盒", "牛肉干", "陶瓷", "杯"]
WORDS_EN = ["basic", "tee", "mug", "ceramic", "cable", "charger", "case", "hoodie", "wool", "scarf", "notebook", "pen",
            "tea", "green", "black", "canvas", "tote", "lamp", "desk", "organiser", "candle", "linen", "cushion"]
COLOURS = ["Red", "Blue", "Black"]


def _title(rng: random.Random, i: int) -> str:
    if i % 2:
        return "".join(rng.sample(WORDS_ZH, 3)) + f" {i % 997}号"
    return " ".join(rng.sample(WORDS_EN, 3)).title() + f" {i % 997}"


def _ean(i: int) -> str:
    from shoptui.services.catalog import with_check_digit

    return with_check_digit(f"69{i:010d}")


def make_csv(products: int, variants_per: int, seed: int = 7) -> str:
    """A catalogue CSV: ``products`` products with ``variants_per`` colour variants each."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["product_sku", "sku", "title", "status", "tags", "option1_name", "option1", "price", "cost", "barcode"])
    n = 0
    for i in range(products):
        base = f"P{i:06d}"
        title = _title(rng, i)
        tags = ", ".join(rng.sample(["sale", "new", "gift", "夏季", "冬季", "热卖"], 2))
        for v in range(variants_per):
            n += 1
            first = v == 0
            writer.writerow([f"{base}-{COLOURS[0]}" if variants_per > 1 else base,
                             f"{base}-{COLOURS[v]}" if variants_per > 1 else base,
                             title if first else "", ("active" if i % 10 else "draft") if first else "",
                             tags if first else "", ("Color" if variants_per > 1 else "") if first else "",
                             COLOURS[v] if variants_per > 1 else "", f"{10 + i % 500}.{v}0", f"{5 + i % 200}.00", _ean(n)])
    return out.getvalue()


def _fresh(name: str) -> str:
    for suffix in ("", "-wal", "-shm"):
        (DATA / f"{name}{suffix}").unlink(missing_ok=True)
    return str(DATA / name)


def _import(path: str, content: str) -> float:
    from shoptui import db
    from shoptui.config import Actor
    from shoptui.services import catalog_io

    actor = Actor("bench", "script")
    started = time.perf_counter()
    with db.transaction(path) as session:
        catalog_io.import_catalog(session=session, actor=actor, content=content.encode(), source="bench.csv")
    return time.perf_counter() - started


def _raw_import(content: str) -> float:
    """The floor: raw sqlite3 inserting the same rows into a bare product/variant pair."""
    path = _fresh("raw.db")
    con = sqlite3.connect(path)
    con.executescript("CREATE TABLE p(id INTEGER PRIMARY KEY, title TEXT, status TEXT);"
                      "CREATE TABLE v(id INTEGER PRIMARY KEY, product_id INT, sku TEXT UNIQUE, barcode TEXT UNIQUE, price INT);")
    started = time.perf_counter()
    rows = list(csv.reader(io.StringIO(content)))[1:]
    with con:
        con.executemany("INSERT INTO p(id, title, status) VALUES (?,?,?)", ((i, r[2], r[3]) for i, r in enumerate(rows) if r[2]))
        con.executemany("INSERT INTO v(product_id, sku, barcode, price) VALUES (?,?,?,?)",
                        ((0, r[1], r[9], int(r[7].replace(".", ""))) for r in rows))
    con.close()
    return time.perf_counter() - started


def run() -> None:
    from shoptui import db
    from shoptui.services import catalog

    # -- import of a 100,000-row CSV (one row per variant) into an empty store
    content = make_csv(100_000, 1)
    path = _fresh("catalog-import.db")
    db.upgrade(path, backup=False)
    seconds = _import(path, content)
    raw = _raw_import(content)
    figure("import 100,000-row CSV (end to end, one transaction)", 100_000 / seconds, 25_000, "rows/s",
           higher_is_better=True, note=f"raw sqlite3 inserts {100_000 / raw:,.0f} rows/s (x{seconds / raw:.1f} slower)")
    db.dispose_all()

    # -- the big store: 100,000 products / 300,000 variants
    path = _fresh("catalog.db")
    db.upgrade(path, backup=False)
    big = make_csv(100_000, 3)
    seconds = _import(path, big)
    print(f"   built 100,000 products / 300,000 variants by import in {seconds:.1f} s ({300_000 / seconds:,.0f} rows/s)")
    raw_con = sqlite3.connect(path)

    rng = random.Random(3)
    long_terms = [w for w in WORDS_ZH + WORDS_EN if len(w) >= 3] + ["手机壳", "P01234", "sale", "热卖", "zzzq", "Tee 4"]
    long_terms += [_ean(rng.randrange(1, 300_000)) for _ in range(5)] + [f"P{rng.randrange(100_000):06d}-Red" for _ in range(5)]
    short_terms = ["手机", "壳", "茶", "杯", "T恤", "Q", "zq", "蓝", "号", "ab", "9"]

    def search_p95(terms: list[str]) -> tuple[float, float]:
        with db.read_session(path) as session:
            samples: list[float] = []
            for _ in range(5):
                for term in terms:
                    samples += time_calls(lambda t=term: catalog.search_products(session=session, text=t, limit=8), 1)
        raw_samples: list[float] = []
        for _ in range(5):
            for term in terms:
                words = term.casefold().split()
                if all(len(w) >= 3 for w in words):
                    match = " AND ".join('"' + w + '"' for w in words)
                    sql, args = "SELECT rowid FROM product_search_fts WHERE product_search_fts MATCH ? LIMIT 8", (match,)
                else:
                    sql = "SELECT product_id FROM product_search WHERE " + " AND ".join("instr(text, ?) > 0" for _ in words) + " LIMIT 8"
                    args = tuple(words)
                raw_samples += time_calls(lambda s=sql, a=args: raw_con.execute(s, a).fetchall(), 1)
        return percentile(samples, 95), percentile(raw_samples, 95)

    p95, raw95 = search_p95(long_terms)
    figure("search p95, terms of 3+ characters (service)", p95, 10, note=f"raw sqlite3 {raw95:.2f} ms (x{p95 / max(raw95, 1e-3):.1f})")
    p95, raw95 = search_p95(short_terms)
    figure("search p95, terms of 1-2 characters (service)", p95, 30, note=f"raw sqlite3 {raw95:.2f} ms (x{p95 / max(raw95, 1e-3):.1f})")
    with db.read_session(path) as session:
        assert catalog.search_products(session=session, text="手机"), "short CJK term found nothing"

    # -- product list pages (keyset), first and deep pages, filters
    with db.read_session(path) as session:
        cursors: dict[str, str | None] = {}
        for sort in ("title", "-price", "updated"):
            after = None
            for _ in range(40):  # walk 40 pages deep to get a realistic cursor
                after = catalog.list_products(session=session, sort=sort, after=after, limit=50).next_after
            cursors[sort] = after
        cases = [
            ("first page by title", dict(sort="title")),
            ("page 41 by title", dict(sort="title", after=cursors["title"])),
            ("page 41 by price desc", dict(sort="-price", after=cursors["-price"])),
            ("page 41 by updated", dict(sort="updated", after=cursors["updated"])),
            ("active only, by title", dict(status="active")),
            ("tag 'gift', by title", dict(tag="gift")),
        ]
        for name, kwargs in cases:
            samples = time_calls(lambda k=kwargs: catalog.list_products(session=session, limit=50, **k), 30)
            figure(f"list page: {name}", percentile(samples, 95), 5)
    raw_samples = time_calls(lambda: raw_con.execute(
        "SELECT p.id, p.title, p.status, c.name, p.variant_count, p.min_price_minor, p.max_price_minor, "
        "(SELECT sku FROM variant v WHERE v.product_id = p.id ORDER BY position LIMIT 1) "
        "FROM product p LEFT JOIN category c ON c.id = p.category_id WHERE (p.title, p.id) > (?, ?) "
        "ORDER BY p.title, p.id LIMIT 51", ("M", 0)).fetchall(), 30)
    with db.read_session(path) as session:
        page = catalog.list_products(session=session, limit=1)
        import base64 as _b64
        import json as _json
        cursor = _b64.urlsafe_b64encode(_json.dumps(["M", 0]).encode()).decode().rstrip("=")
        svc = time_calls(lambda: catalog.list_products(session=session, limit=50, after=cursor), 30)
        assert page.items
    figure("list page mid-table by title (service)", percentile(svc, 95), 5,
           note=f"raw sqlite3 {percentile(raw_samples, 95):.2f} ms (x{percentile(svc, 95) / max(percentile(raw_samples, 95), 1e-3):.1f})")
    raw_con.close()
    db.dispose_all()
