"""``shoptui demo load`` tells the demo's story (issue 15): a year of orders, then ``db check`` passes, and the
access log is written where it says. A bad ``--files-dir`` is refused before anything is loaded."""

from __future__ import annotations

import json
from decimal import Decimal
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

    # the demo's web orders carry the sources of the log's visits: the traffic report shows their orders
    with clock.frozen(FROZEN_AT):
        imported = shop("traffic", "import", str(log))
        report = shop("report", "traffic", "--by", "source", "--json")
    assert imported.exit_code == 0 and report.exit_code == 0, imported.stderr + report.stderr
    by_source = {row["key"]: row for row in json.loads(report.stdout)["rows"]}
    assert set(by_source) == {"search", "social", "direct", "referral", "email", "ads"}
    for key, row in by_source.items():
        assert row["visits"] > 0 and row["orders"] > 0 and Decimal(row["revenue"]) > 0, key
        assert 0.3 < Decimal(row["conversion_rate"]) < 15, key  # percent: a believable web shop
    web = rows(store, "SELECT count(*), sum(CASE WHEN source <> '' THEN 1 ELSE 0 END) FROM sales_order "
                      "WHERE channel = 'web'")[0]
    assert web[0] > 500 and web[1] == web[0]  # every web order says where it came from
    assert rows(store, "SELECT count(*) FROM sales_order WHERE channel <> 'web' AND source <> ''")[0][0] == 0
