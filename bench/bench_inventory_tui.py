"""What the inventory screen asks of the store at 300k variants / 10M movements.

Uses the store of ``bench_inventory`` (built or upgraded by it when missing or stale). Every figure is one worker call
of the screen: a page of levels (first page, deep in the list by keyset cursor, low / out / location
filters, SKU prefix and title search) and the ledger of one variant. Target: a page or a ledger in
at most 50 ms, so paging and moving the cursor never wait on the store.

Run: ``.venv/bin/python -m bench inventory_tui``
"""

from __future__ import annotations

import random
import time

from bench._report import figure, percentile, time_calls
from bench.bench_inventory import VARIANTS, ensure_store

PAGE = 48  # page_size(24): two screens of rows at 80x24
TARGET_MS = 50


def run() -> None:
    from sqlmodel import Session

    from shoptui import db
    from shoptui.services.inventory.listing import list_levels, list_moves

    engine = db.get_engine(ensure_store())
    rng = random.Random(11)
    with Session(engine) as session:
        def page(**kwargs: object) -> object:
            return list_levels(session=session, limit=PAGE, **kwargs)  # type: ignore[arg-type]

        first = list_levels(session=session, limit=PAGE)
        assert len(first.items) == PAGE

        def deep() -> None:
            page(after=f"SKU-{rng.randint(1, VARIANTS - 100):06d}|1")

        def sku_prefix() -> None:
            page(search=f"SKU-{rng.randint(1, VARIANTS // 100):04d}")

        def ledger() -> None:
            list_moves(session=session, code=f"SKU-{rng.randint(1, VARIANTS):06d}", limit=100)

        cases = [
            ("first page of levels", lambda: page()),
            ("a page deep in the list (keyset cursor)", deep),
            ("first page, low stock only", lambda: page(low=True)),
            ("first page, out of stock only (none is out: reads every row)", lambda: page(out=True)),
            ("first page, one location", lambda: page(location="MAIN")),
            ("search by SKU prefix", sku_prefix),
            ("ledger of a variant (newest 100)", ledger),
        ]
        for name, call in cases:
            time_calls(call, 3)
            cpu = time.process_time()
            samples = time_calls(call, 30)
            cpu_ms = (time.process_time() - cpu) * 1000 / 30
            figure(f"{name} (median)", percentile(samples, 50), TARGET_MS, note=f"cpu {cpu_ms:.1f} ms mean")
            figure(f"{name} (p99)", percentile(samples, 99), TARGET_MS)
        for name, text in (("title search without a match (scans every title)", "no product is called this"),
                           ("title search, 11 matches", "product 12345"),
                           ("title search, every product matches", "bench product")):
            time_calls(lambda text=text: page(search=text), 1)
            cpu = time.process_time()
            samples = time_calls(lambda text=text: page(search=text), 5)
            cpu_ms = (time.process_time() - cpu) * 1000 / 5
            figure(name, percentile(samples, 50), 1000 if "without" in name else TARGET_MS * 4,
                   note=f"cpu {cpu_ms:.1f} ms mean")
