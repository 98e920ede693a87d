"""A throwaway PostgreSQL cluster for one test process (one per xdist worker).

Used when the suite runs with ``SHOPTUI_TEST_ENGINE=postgresql``. The cluster comes from the
machine's PostgreSQL binaries (``initdb``, ``pg_ctl``; found on PATH, in ``SHOPTUI_TEST_PG_BIN`` or
under ``/usr/lib/postgresql/<version>/bin``), lives in a temporary directory, listens on a Unix
socket in that directory only (no TCP port, so workers never collide), trusts local connections
(there is no password to leak) and runs without durability (fsync, synchronous_commit and
full_page_writes off) since it is thrown away at the end. ``initdb`` refuses to run as root, so as
root the cluster is run as the unprivileged ``postgres`` user (``runuser``).
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "shoptui"
_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "max_wal_size": "1GB",
    "checkpoint_timeout": "30min",
    "log_min_messages": "fatal",
    "logging_collector": "off",
}


def find_bin() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl``; a sentence that says how to install them if none."""
    override = os.environ.get("SHOPTUI_TEST_PG_BIN")
    if override:
        return Path(override)
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(re.search(r"/(\d+)/bin", p).group(1)))  # type: ignore[union-attr]
    if found:
        return Path(found[-1]).parent
    raise RuntimeError("SHOPTUI_TEST_ENGINE=postgresql needs PostgreSQL's initdb and pg_ctl: "
                       "apt-get install postgresql (or set SHOPTUI_TEST_PG_BIN to their folder).")


class Cluster:
    """One running cluster: ``url(name)`` names a database in it; ``stop()`` ends and deletes it."""

    def __init__(self) -> None:
        self.bin = find_bin()
        self.root = Path(tempfile.mkdtemp(prefix="shoptui-pg-"))
        self.data = self.root / "data"
        self.owner: str | None = None
        if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to postgres (or nobody)
            self.owner = _unprivileged_user()
            entry = pwd.getpwnam(self.owner)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        os.chmod(self.root, 0o700)
        self._started = False
        atexit.register(self.stop)  # a worker that dies without its session finaliser still cleans up
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions")
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("".join(f"{key} = {value}\n" for key, value in _SETTINGS.items()))
            conf.write(f"unix_socket_directories = '{self.root}'\n")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
                  "-w", "-t", "60", "start")
        self._started = True

    def _run(self, *argv: str) -> None:
        if self.owner is not None:
            argv = ("runuser", "-u", self.owner, "--", *argv)
        done = subprocess.run(argv, cwd=self.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}")

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` in this cluster (over the Unix socket, trust: no password)."""
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.root}"

    def admin(self, *statements: str) -> None:
        """Run statements outside a transaction in the maintenance database (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(host=str(self.root), user=SUPERUSER, dbname="postgres", autocommit=True) as con:
            for statement in statements:
                con.execute(statement)  # type: ignore[arg-type]

    def stop(self) -> None:
        if self._started:
            self._started = False
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except RuntimeError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)


def _unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("Running the tests as root on PostgreSQL needs an unprivileged user (postgres or nobody).")
