"""Printing figures beside targets, and small timing helpers shared by the benchmarks."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

DATA = Path(__file__).with_name(".data")
RECORDED: list[dict[str, object]] = []
"""Every figure printed by this process, for ``python -m bench compare`` (see ``--record``)."""


def figure(name: str, value: float, target: float, unit: str = "ms", *, higher_is_better: bool = False,
           note: str = "") -> bool:
    """Print ``name: value unit (target <= X) OK|MISS``; returns whether the target is met."""
    ok = value >= target if higher_is_better else value <= target
    record(name, value, target, unit, higher_is_better=higher_is_better)
    sign = ">=" if higher_is_better else "<="
    extra = f"  {note}" if note else ""
    print(f"   {name:<52} {value:>10.2f} {unit:<6} target {sign} {target:g} {unit:<6} {'OK' if ok else 'MISS'}{extra}")
    return ok


def record(name: str, value: float, target: float, unit: str = "ms", *, higher_is_better: bool = False) -> None:
    """Keep a figure for ``python -m bench compare`` (``figure`` does this for what it prints)."""
    RECORDED.append({"name": name.strip(), "value": value, "target": target, "unit": unit,
                     "higher_is_better": higher_is_better})


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0-100) of samples."""
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def time_calls(fn: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of each of ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def wall_ms(argv: list[str], repeat: int = 7, env: dict[str, str] | None = None) -> float:
    """Median wall time of running a command, in ms."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=env)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


PYTHON = sys.executable


def cached_store(path: Path, version: str | None = None) -> bool:
    """Whether a store built by an earlier run can be reused. One built by another version of its builder
    (``version``, kept beside it in ``NAME.version``) is deleted, to be built again; one built before a newer
    migration is upgraded first (as ``shoptui db upgrade`` would), so a cache never stops a benchmark."""
    marker = path.with_name(path.name + ".version")
    if version is not None and path.exists() and (not marker.exists() or marker.read_text().strip() != version):
        print(f"   ({path.name} was built by another version of its builder: building it again)")
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"), marker):
            stale.unlink(missing_ok=True)
    if not path.exists():
        return False
    from shoptui import db

    db.upgrade(f"sqlite:///{path}", backup=False)
    db.dispose_all()
    return True


def built(path: Path, version: str) -> None:
    """Mark a store as built by this ``version`` of its builder (see ``cached_store``)."""
    path.with_name(path.name + ".version").write_text(version)


BENCH_OWNER = "bench"
BENCH_PASSWORD = "a-long-timekeeper-passphrase"


def log_in(url: str | None) -> str:
    """Log in to a benchmark's store as its owner (made on first use), for the app and the commands a
    benchmark runs: sets and returns SHOPTUI_TOKEN, a login session of the owner."""
    from shoptui import db
    from shoptui.config import resolve_database_url
    from shoptui.services import staff

    target = resolve_database_url(url)
    with db.transaction(target) as session:
        if not staff.has_accounts(session=session):
            staff.init_owner(session=session, name=BENCH_OWNER, password=BENCH_PASSWORD, source="script")
        result = staff.login(session=session, name=BENCH_OWNER, password=BENCH_PASSWORD, source="script")
    if result.token is None:
        raise SystemExit(f"bench: cannot log in to {target}: {result.message} (a store with other owners?)")
    os.environ["SHOPTUI_TOKEN"] = result.token
    return result.token
