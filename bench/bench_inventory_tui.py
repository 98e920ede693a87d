"""What the inventory screen asks of the store at 300k variants / 10M movements.

Uses the store of ``bench_inventory`` (built by it when missing). Every figure is one worker call
of the screen: a page of levels (first page, deep in the list by keyset cursor, low / out / location
filters, SKU prefix and title search) and the ledger of one variant. Target: a page or a ledger in
at most 50 ms, so paging and moving the cursor never wait on the store.

Run: ``.venv/bin/python -m bench inventory_tui``
"""

from __future__ import annotations

import random

from bench._report import figure, percentile, time_calls
from bench.bench_inventory import STORE, VARIANTS

PAGE = 48  # page_size(24): two screens of rows at 80x24
TARGET_MS = 50


def run() -> None:
    from sqlmodel import Session

    from shoptui import db
    from shoptui.services import inventory

    if not STORE.exists():
        from bench.bench_inventory import _build

        _build()
    # read only, and only inventory and catalogue tables: the store may be a migration or two behind
    engine = db.get_engine(f"sqlite:///{STORE}", check_schema=False)
    rng = random.Random(11)
    with Session(engine) as session:
        def page(**kwargs: object) -> object:
            return inventory.list_levels(session=session, limit=PAGE, **kwargs)  # type: ignore[arg-type]

        first = inventory.list_levels(session=session, limit=PAGE)
        assert len(first.items) == PAGE

        def deep() -> None:
            page(after=f"SKU-{rng.randint(1, VARIANTS - 100):06d}|1")

        def sku_prefix() -> None:
            page(search=f"SKU-{rng.randint(1, VARIANTS // 100):04d}")

        def ledger() -> None:
            inventory.list_moves(session=session, code=f"SKU-{rng.randint(1, VARIANTS):06d}", limit=100)

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
            samples = time_calls(call, 30)
            figure(f"{name} (median)", percentile(samples, 50), TARGET_MS)
            figure(f"{name} (p99)", percentile(samples, 99), TARGET_MS)
        title = time_calls(lambda: page(search="no product is called this"), 3)
        figure("title search without a match (scans every row)", percentile(title, 50), 1000)
