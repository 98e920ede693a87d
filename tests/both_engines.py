"""Run the whole suite on SQLite and on PostgreSQL at the same time (``make test``).

The two runs overlap well on a small machine: the TUI tests wait on timers and the PostgreSQL run on its
server, so one engine's waits are the other's CPU time (one after the other ~25 min, together ~19).

Each engine writes to its own log (``.test-logs/<engine>.log``), printed whole when that run ends, so the
two outputs never interleave; while they run, a line every minute says which are still going. At the end
the summary line of each run is printed again, and the exit status is the first non-zero one (0 when both
pass). Extra arguments go to both pytest runs: ``python -m tests.both_engines -x -k sale``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ENGINES = ("sqlite", "postgresql")
LOGS = Path(".test-logs")
HEARTBEAT_S = 60
SUMMARY = re.compile(r"^=*\s*\d+ (passed|failed|error|errors|skipped|deselected)\b.* in [\d.]+s")


def start(engine: str, args: list[str]) -> tuple[subprocess.Popen[bytes], Path]:
    log = LOGS / f"{engine}.log"
    env = {**os.environ, "SHOPTUI_TEST_ENGINE": engine}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "pytest", *args], stdout=out, stderr=subprocess.STDOUT, env=env)
    return proc, log


def summary(log: Path) -> str:
    """pytest's last summary line ("1884 passed, 16 skipped in 900.12s"), or a sentence when there is none."""
    lines = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if SUMMARY.match(line)]
    return lines[-1].strip("= ") if lines else f"no summary line: see {log}"


def main(args: list[str]) -> int:
    LOGS.mkdir(exist_ok=True)
    began = time.monotonic()
    running = {engine: start(engine, args) for engine in ENGINES}
    print(f"testing on {' and '.join(ENGINES)} at once; logs in {LOGS}/", flush=True)
    codes: dict[str, int] = {}
    try:
        wait(running, codes, began)
    finally:  # interrupted (Ctrl-C, a CI timeout): the runs stop too, and tear down their PostgreSQL clusters
        for proc, _ in running.values():
            proc.send_signal(signal.SIGINT)
        for proc, _ in running.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(f"\n===== both engines done in {(time.monotonic() - began) / 60:.1f} min =====")
    for engine in ENGINES:
        print(f"{engine:<10} exit {codes[engine]}: {summary(LOGS / f'{engine}.log')}")
    return next((codes[engine] for engine in ENGINES if codes[engine] != 0), 0)


def wait(running: dict[str, tuple[subprocess.Popen[bytes], Path]], codes: dict[str, int], began: float) -> None:
    """Until every run has ended: print each log whole as its run ends, a heartbeat line meanwhile."""
    next_beat = began + HEARTBEAT_S
    while running:
        for engine, (proc, log) in list(running.items()):
            code = proc.poll()
            if code is None:
                continue
            del running[engine]
            codes[engine] = code
            minutes = (time.monotonic() - began) / 60
            print(f"\n===== {engine}: exit {code} after {minutes:.1f} min; its log follows =====", flush=True)
            sys.stdout.buffer.write(log.read_bytes())
            sys.stdout.flush()
        if running and time.monotonic() >= next_beat:
            print(f"... {(time.monotonic() - began) / 60:.0f} min: still running on {', '.join(running)}", flush=True)
            next_beat += HEARTBEAT_S
        time.sleep(0.5)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
