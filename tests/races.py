"""Racing processes for the concurrency tests: each worker prints ``ready`` once it has read what it needs,
waits for ``go`` on stdin (the barrier, so they really race, on any machine speed), then prints one JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from shoptui import db


def race(worker_source: str, argvs: list[list[str]], *, timeout: float = 240) -> list[dict[str, Any]]:
    """Start one ``python -c worker_source *argv`` per entry, release them together, return each one's last line
    as JSON (in start order). A worker that fails before the barrier or exits non-zero fails the test."""
    db.dispose_all()  # no pooled connection of the test holds a lock the workers would wait on
    workers = [subprocess.Popen([sys.executable, "-c", worker_source, *argv], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for argv in argvs]
    for worker in workers:
        assert worker.stdout is not None and worker.stderr is not None
        line = worker.stdout.readline()
        if line.strip() != "ready":
            for other in workers:
                other.kill()
            raise AssertionError(line + worker.stdout.read() + worker.stderr.read())
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=timeout)
        assert worker.returncode == 0, out + err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results
