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
_BASE = {  # every cluster: Unix socket only, quiet log
    "listen_addresses": "''",
    "log_min_messages": "fatal",
    "logging_collector": "off",
}
_SETTINGS = {  # the tests' cluster: thrown away, so no durability
    **_BASE,
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "max_wal_size": "1GB",
    "checkpoint_timeout": "30min",
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
    """One running cluster: ``url(name)`` names a database in it; ``stop()`` ends and deletes it.

    ``root`` keeps the cluster in that folder instead of a temporary one: it is made on first use, started
    if it is not running (one already running there is joined and left running by ``stop()``), and
    ``stop()`` stops it but keeps its databases for the next run (the benchmarks' cached templates).
    ``settings`` replaces the throwaway, non-durable server settings (written to ``shoptui.conf``, which
    ``postgresql.conf`` includes, at every start)."""

    def __init__(self, root: Path | None = None, settings: dict[str, str] | None = None) -> None:
        self.bin = find_bin()
        self.keep = root is not None
        self.root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="shoptui-pg-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.data = self.root / "data"
        self.owner: str | None = None
        if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to postgres (or nobody)
            self.owner = _unprivileged_user()
            entry = pwd.getpwnam(self.owner)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        os.chmod(self.root, 0o700)
        self._started = False
        atexit.register(self.stop)  # a worker that dies without its session finaliser still cleans up
        if not (self.data / "PG_VERSION").exists():
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                      "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions")
            with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
                conf.write("include_if_exists = 'shoptui.conf'\n")
        elif self.running():
            return
        chosen = _SETTINGS if settings is None else {**_BASE, **settings}
        conf_path = self.data / "shoptui.conf"
        conf_path.write_text("".join(f"{key} = {value}\n" for key, value in chosen.items())
                             + f"unix_socket_directories = '{self.root}'\n", encoding="utf-8")
        if self.owner is not None:
            entry = pwd.getpwnam(self.owner)
            os.chown(conf_path, entry.pw_uid, entry.pw_gid)
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
                  "-w", "-t", "120", "start")
        self._started = True

    def running(self) -> bool:
        """Whether a server is running on this cluster's data folder."""
        argv: tuple[str, ...] = (str(self.bin / "pg_ctl"), "-D", str(self.data), "status")
        if self.owner is not None:
            argv = ("runuser", "-u", self.owner, "--", *argv)
        return subprocess.run(argv, cwd=self.root, capture_output=True).returncode == 0

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
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)


def _unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("Running the tests as root on PostgreSQL needs an unprivileged user (postgres or nobody).")
