"""TUI start-up: time to first paint and to dashboard figures filled, from process start.

Method: the program is started in a pseudo-terminal (120x40, TERM=xterm-256color) the way a
person starts it, through the benchmarks' observer ``python -m bench._tui`` (:class:`bench._tui.WatchedApp`,
a ShopApp that appends ``paint <unix time>`` after its first refresh and ``figures <unix time>`` when
the dashboard posts ``ShopScreen.Loaded`` after the refresh that shows its cards, then quits); with
``entry`` it goes through the ``shoptui --db URL`` console script's code. Times are measured from just before the process is spawned, so they include Python start,
imports, compose and the worker that imports SQLModel and reads the store. We also note when the
first bytes reach the terminal. Each figure is the median of several runs on a migrated store.
"""

from __future__ import annotations

import fcntl
import os
import select
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from bench._engine import empty_url
from bench._report import DATA, PYTHON, figure

RUNS = 7
ROOT = Path(__file__).resolve().parent.parent


def _one_run(argv: list[str], timings: Path) -> tuple[float, float, float, float, float] | None:
    """(first output, paint, figures, CPU at paint, CPU at figures) in seconds, or None when the run failed."""
    timings.unlink(missing_ok=True)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40")
    started = time.time()
    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
                               cwd=ROOT)  # python -m bench._tui finds the bench package here
    os.close(slave)
    first_output: float | None = None
    deadline = time.monotonic() + 20
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                if first_output is None:
                    first_output = time.time() - started
            elif process.poll() is not None:
                break
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        os.close(master)
    events: dict[str, tuple[float, float]] = {}
    if timings.exists():
        for line in timings.read_text().splitlines():
            name, stamp, cpu = line.split()[:3]
            events.setdefault(name, (float(stamp) - started, float(cpu)))
    if "paint" not in events or "figures" not in events:
        return None
    return first_output or 0.0, events["paint"][0], events["figures"][0], events["paint"][1], events["figures"][1]


def _measure(label: str, argv: list[str], timings: Path) -> None:
    runs = [r for r in (_one_run(argv, timings) for _ in range(RUNS)) if r is not None]
    if not runs:
        print(f"   {label}: the app did not report its timings (does it start? try it by hand)")
        return
    output = statistics.median(r[0] for r in runs) * 1000
    paint = statistics.median(r[1] for r in runs) * 1000
    filled = statistics.median(r[2] for r in runs) * 1000
    cpu_paint = statistics.median(r[3] for r in runs) * 1000
    cpu_filled = statistics.median(r[4] for r in runs) * 1000
    figure(f"{label}: first paint", paint, 600,
           note=f"median of {len(runs)}; CPU {cpu_paint:.0f} ms; first bytes on the terminal at {output:.0f} ms")
    figure(f"{label}: dashboard figures filled", filled, 1000, note=f"CPU {cpu_filled:.0f} ms")


def run() -> None:
    from shoptui import db

    url = empty_url(DATA / "tui.db")
    db.upgrade(url, backup=False)
    db.dispose_all()
    timings = DATA / "tui-timings.txt"
    bare = statistics.median(_wall([PYTHON, "-c", "pass"]) for _ in range(5))
    sqlmodel = statistics.median(_wall([PYTHON, "-c", "import sqlmodel"]) for _ in range(5))
    print(f"   (python -c pass = {bare:.0f} ms, import sqlmodel = {sqlmodel:.0f} ms, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    observer = [PYTHON, "-m", "bench._tui", str(timings)]
    _measure("shoptui (CLI entry)", [*observer, url, "entry"], timings)
    _measure("ShopApp only", [*observer, url], timings)


def _wall(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run()
