"""``shoptui demo load`` tells the demo's story (issue 15): a year of orders, then ``db check`` passes, and the
access log is written where it says. A bad ``--files-dir`` is refused before anything is loaded."""

from __future__ import annotations

from pathlib import Path

from shoptui import clock
from tests.conftest import FROZEN_AT
from tests.store_files import rows


def test_demo_load_tells_the_story_and_writes_the_access_log(shop, store: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "nowhere"
    refused = shop("demo", "load", "--files-dir", str(missing))
    assert refused.exit_code == 1 and "does not exist" in refused.stderr and refused.stdout == ""
    assert rows(store, "SELECT count(*) FROM product")[0][0] == 0 and not missing.exists()

    with clock.frozen(FROZEN_AT):
        result = shop("demo", "load", "--files-dir", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    log = tmp_path / "demo-access.log"
    assert "Added the demo's year: 48 members" in result.stdout
    assert f"Wrote {log}: the demo website's access log; import it with: shoptui traffic import {log}." in result.stdout
    assert log.read_text(encoding="utf-8").count("\n") > 5_000
    orders = rows(store, "SELECT count(*), count(DISTINCT channel) FROM sales_order")[0]
    assert orders[0] > 2_000 and orders[1] >= 5

    check = shop("db", "check")
    assert check.exit_code == 0, check.stdout + check.stderr
