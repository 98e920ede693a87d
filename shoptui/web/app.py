"""The app process of one browser: ``python -m shoptui.web.app SERVER_PID``.

It runs shoptui exactly as ``python -m shoptui`` would (the TUI, on the store in ``SHOPTUI_DATABASE_URL``),
and ends itself when the server that started it is gone: a server killed outright (``kill -9``, a crash)
cannot close its browsers' apps, and an app nobody can reach must not keep the store open.
Light on purpose: nothing but the standard library before shoptui itself runs.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
import threading
import time

WATCH_EVERY = 1.0  # seconds between looks at the parent process


def watch_server(server_pid: int, *, every: float = WATCH_EVERY) -> threading.Thread:
    """A daemon thread that ends this process (SIGTERM) once its parent is no longer ``server_pid``."""

    def watch() -> None:
        while os.getppid() == server_pid:
            time.sleep(every)
        os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=watch, name="shoptui-serve-watch", daemon=True)
    thread.start()
    return thread


def main(argv: list[str]) -> None:
    """Watch the server named by ``argv[0]``, then run shoptui with no arguments (the app)."""
    if len(argv) != 1 or not argv[0].isdigit():
        sys.exit("usage: python -m shoptui.web.app SERVER_PID (started by shoptui serve, not by hand)")
    watch_server(int(argv[0]))
    sys.argv = ["shoptui"]
    runpy.run_module("shoptui", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
