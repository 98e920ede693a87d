"""PostgreSQL backups: ``pg_dump`` to one file, the file checked with ``pg_restore --list``, and
``pg_restore`` into an empty database (``db backup`` / ``db restore`` on a PostgreSQL store).

The connection goes to the tools through libpq's environment (``PGHOST``, ``PGPASSWORD`` ...), never
on their command line, so no password shows in a process list or an error sentence.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import make_url

from shoptui.errors import StoreUnavailable

_TIMEOUT_S = 6 * 3600


def tool(name: str) -> str:
    """The path of PostgreSQL client program ``name`` (the newest installed when several are)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(re.search(r"/(\d+)/bin/", p).group(1)))  # type: ignore[union-attr]  # the glob only yields paths with /<n>/bin/
    if candidates:
        return candidates[-1]
    raise StoreUnavailable(f"Backing up a PostgreSQL store needs {name} (apt-get install postgresql-client); "
                           "nothing was done.")


def libpq_env(url: str) -> dict[str, str]:
    """The environment that points libpq's programs at the database of ``url``."""
    parsed = make_url(url)
    env = dict(os.environ)
    host = parsed.host or parsed.query.get("host")
    values = {"PGHOST": host if isinstance(host, str) else None, "PGPORT": str(parsed.port) if parsed.port else None,
              "PGUSER": parsed.username, "PGPASSWORD": parsed.password, "PGDATABASE": parsed.database}
    for key, value in values.items():
        if value:
            env[key] = value
        else:
            env.pop(key, None)
    return env


def _run(argv: list[str], url: str, what: str) -> str:
    done = subprocess.run(argv, env=libpq_env(url), capture_output=True, text=True, timeout=_TIMEOUT_S, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[0].split(": ", 1)[-1] if lines else f"exit status {done.returncode}"
        raise StoreUnavailable(f"{what} failed: {reason.strip().rstrip('.')}.")
    return done.stdout


def dump(url: str, destination: Path) -> None:
    """Write the whole database of ``url`` to ``destination`` (pg_dump's custom format, one snapshot)."""
    _run([tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={destination}"],
         url, f"The backup to {destination}")


def verify(path: Path) -> None:
    """A dump must be readable by pg_restore and hold a shoptui schema revision, or it is not a backup."""
    listing = _run([tool("pg_restore"), "--list", str(path)], "postgresql://", f"Reading the backup {path}")
    if not re.search(r"TABLE DATA \S+ alembic_version ", listing):
        raise StoreUnavailable(f"The backup {path} has no schema revision, so it is not a shoptui store.")


def restore(url: str, path: Path) -> None:
    """Load the dump at ``path`` into the (empty) database of ``url``: all of it or, on any error, nothing."""
    database = make_url(url).database or ""
    _run([tool("pg_restore"), "--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges",
          f"--dbname={database}", str(path)], url, f"Restoring {path}")
