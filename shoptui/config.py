"""Where the store is and the settings that live outside it (env and ``shoptui.toml``).

Precedence for the store: ``--db`` > ``SHOPTUI_DATABASE_URL`` > config file > default file in the
user data dir. A plain path is accepted anywhere a URL is and means a SQLite file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from shoptui.errors import InvalidInput, StoreUnavailable

APP_NAME = "shoptui"
ENV_DATABASE_URL = "SHOPTUI_DATABASE_URL"
ENV_CONFIG_FILE = "SHOPTUI_CONFIG"


def config_dir() -> Path:
    """The user config dir (``~/.config/shoptui`` on Linux)."""
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    """The user data dir (``~/.local/share/shoptui`` on Linux)."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def log_dir() -> Path:
    """Where tracebacks of unexpected errors are written."""
    from platformdirs import user_log_path

    return user_log_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    """``$SHOPTUI_CONFIG`` or ``shoptui.toml`` in the config dir."""
    explicit = os.environ.get(ENV_CONFIG_FILE)
    return Path(explicit) if explicit else config_dir() / "shoptui.toml"


@cache
def _read_config(path: str) -> dict[str, Any]:
    file = Path(path)
    if not file.exists():
        return {}
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"The config file {file} cannot be read ({exc}). Fix or remove it.") from exc


def file_config() -> dict[str, Any]:
    """The parsed config file, or ``{}`` when there is none."""
    return _read_config(str(config_file()))


def setting_from_env_or_file(key: str) -> str | None:
    """A setting given outside the store: ``SHOPTUI_<KEY>`` or ``key`` in the config file."""
    env = os.environ.get(f"SHOPTUI_{key.upper()}")
    if env is not None:
        return env
    value = file_config().get(key)
    return None if value is None else str(value)


def normalise_url(value: str) -> str:
    """A SQLAlchemy URL from a URL or a plain file path (made absolute)."""
    value = value.strip()
    if not value:
        raise InvalidInput("The store location is empty; give a file path or a database URL.")
    if "://" in value:
        if value.startswith("sqlite:") and not value.startswith("sqlite:///"):
            raise InvalidInput(f"The SQLite URL {value!r} needs three slashes: sqlite:///path/to/shop.db.")
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def resolve_database_url(explicit: str | None = None) -> str:
    """The store URL by precedence: explicit, env, config file, default file."""
    # an empty --db or variable is a script's unset variable, never "use the default store"
    if explicit is not None and not explicit.strip():
        raise InvalidInput("--db is empty (an unset variable?); give a store file path or a database URL.")
    env = os.environ.get(ENV_DATABASE_URL)
    if explicit is None and env is not None and not env.strip():
        raise InvalidInput(
            f"{ENV_DATABASE_URL} is set but empty; give it a store file path or a database URL, or unset it."
        )
    sources = (lambda: explicit, lambda: env, lambda: file_config().get("database_url"))
    for source in sources:  # the config file is read only when nothing before it names the store
        candidate = source()
        if candidate is not None and not str(candidate).strip():
            raise InvalidInput(f"database_url in {config_file()} is empty; give it a store file path or remove it.")
        if candidate:
            return normalise_url(str(candidate))
    return f"sqlite:///{data_dir() / 'shop.db'}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or ``None`` for other engines and in-memory stores."""
    if not url.startswith("sqlite:///"):
        return None
    raw = url.removeprefix("sqlite:///").split("?", 1)[0]
    if raw in ("", ":memory:"):
        return None
    return Path(raw)


def prepare_sqlite_location(url: str, *, create_dir: bool) -> None:
    """Refuse early, with a clear sentence, when a SQLite store cannot live where asked."""
    path = sqlite_path(url)
    if path is None:
        return
    folder = path.parent
    if not folder.exists():
        if not create_dir:
            raise StoreUnavailable(f"The folder {folder} for the store does not exist. Create it or pick another --db.")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"The folder {folder} for the store cannot be created ({exc.strerror}).") from exc
    if path.exists():
        if not os.access(path, os.R_OK):
            raise StoreUnavailable(f"The store {path} cannot be read: check its permissions.")
    elif not os.access(folder, os.W_OK):
        raise StoreUnavailable(f"The folder {folder} is read-only, so no store can be created there. Pick another --db.")


@dataclass(frozen=True)
class Actor:
    """Who does something and from where: carried by every service call that writes."""

    name: str
    source: str  # "tui", "cli", "script", "test"
    address: str | None = None  # the SSH client address when over SSH

    @classmethod
    def from_environment(cls, source: str) -> Actor:
        """The OS user and, over SSH, the client address from ``SSH_CONNECTION``."""
        import getpass

        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
        ssh = os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_CLIENT")
        address = ssh.split()[0] if ssh else None
        return cls(name=name, source=source, address=address)

    def describe(self) -> str:
        """``alice via cli`` or ``alice via tui from 10.0.0.5``."""
        where = f" from {self.address}" if self.address else ""
        return f"{self.name} via {self.source}{where}"
