"""Run ``shoptui serve`` as a subprocess for a test, and always stop it and every app process it started."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT = 30.0
_URL = re.compile(r"Serving the shop on (?P<url>(?P<scheme>https?)://(?P<host>\S+?):(?P<port>\d+)/)")


@dataclass
class Served:
    """A running ``shoptui serve``: its process, the URL it printed, and what it has written so far."""

    process: subprocess.Popen[str]
    store: str
    url: str = ""
    port: int = 0
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    seen_apps: set[int] = field(default_factory=set)  # every app process seen, killed at the end if still alive

    def output(self) -> str:
        """Everything written so far, stdout then stderr."""
        return "".join(self.stdout) + "".join(self.stderr)

    def app_processes(self) -> list[int]:
        """The ids of the app processes the server runs now (one per browser)."""
        found = children_of(self.process.pid)
        self.seen_apps.update(found)
        return found

    def wait_for(self, check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
        """Poll ``check`` until it holds; fail naming ``what`` and showing the server's output."""
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the server said:\n{self.output()}")
            time.sleep(0.05)

    def stop(self) -> int:
        """Ctrl+C, as an operator would; returns the exit code once the server has ended."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=20)


def children_of(pid: int) -> list[int]:
    """The ids of the live processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (command)": state, ppid, ...
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """True while process ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def environment_of(pid: int) -> dict[str, str]:
    """The environment process ``pid`` was started with (Linux /proc)."""
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode("utf-8", "replace")
    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)


@contextmanager
def serving(store: str, *args: str, env: Mapping[str, str] | None = None) -> Iterator[Served]:
    """``shoptui --db STORE serve --port 0 ARGS`` until the block ends; yields once it prints its URL.

    However the block ends, the server is stopped with Ctrl+C (SIGINT) and, should it or an app process it
    started still run after that, killed: a test leaves no process behind.
    """
    command = [sys.executable, "-m", "shoptui", "--db", store, "serve", "--port", "0", *args]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a Ctrl+C in the test's terminal is not sent to the server as well
        env={**os.environ, **(env or {})},
    )
    served = Served(process, store)
    readers = [
        threading.Thread(target=_collect, args=(process.stdout, served.stdout), daemon=True),
        threading.Thread(target=_collect, args=(process.stderr, served.stderr), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        served.wait_for(
            lambda: bool(_URL.search("".join(served.stdout))) or process.poll() is not None,
            "the server's URL",
            START_TIMEOUT,
        )
        match = _URL.search("".join(served.stdout))
        if match is None:
            raise AssertionError(f"shoptui serve did not start (exit {process.poll()}):\n{served.output()}")
        served.url, served.port = match["url"], int(match["port"])
        yield served
    finally:
        if process.poll() is None:
            served.app_processes()
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for pid in served.seen_apps:  # the apps run in sessions of their own: kill any the server left behind
            if alive(pid):
                os.killpg(pid, signal.SIGKILL)
        for reader in readers:
            reader.join(timeout=5)


def _collect(stream: object, into: list[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.append(line)
