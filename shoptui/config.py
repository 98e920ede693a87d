"""Where the store is and the settings that live outside it (env and ``shoptui.toml``).

Precedence for the store: ``--db`` > ``SHOPTUI_DATABASE_URL`` > config file > default file in the
user data dir. A plain path is accepted anywhere a URL is and means a SQLite file.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from shoptui.errors import InvalidInput, StoreUnavailable

APP_NAME = "shoptui"
ENV_DATABASE_URL = "SHOPTUI_DATABASE_URL"
ENV_CONFIG_FILE = "SHOPTUI_CONFIG"
ENV_SECRETS_FILE = "SHOPTUI_SECRETS_FILE"
ENV_KEYMAP_FILE = "SHOPTUI_KEYMAP"
ENV_FACE = "SHOPTUI_FACE"  # "web" in an app process that `shoptui serve` started for one browser
ENV_MEDIA_DIR = "SHOPTUI_MEDIA_DIR"  # where a server store's media live (default: the user data folder)
ENV_CLIENT_ADDRESS = "SHOPTUI_CLIENT_ADDRESS"  # that browser's IP address, set by `shoptui serve`
PRIVATE_FILE_MODE = 0o600  # store files, backups, the log, the writers' gate: the owner only
PRIVATE_DIR_MODE = 0o700


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


def tui_theme() -> str | None:
    """The operator's Textual theme for this terminal: ``theme`` in the config file, or ``None``.

    A per-terminal preference, so it lives in the config file, never in the store's settings.
    Raises InvalidInput when the config file cannot be read or the value is not a name.
    """
    value = file_config().get("theme")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"theme in {config_file()} must be a theme's name in quotes, such as theme = \"nord\".")
    return value.strip()


def tui_themes() -> dict[str, dict[str, Any]]:
    """The operator's own themes: the ``[themes.NAME]`` tables of the config file (``{}`` when none)."""
    value = file_config().get("themes", {})
    if not isinstance(value, dict) or not all(isinstance(table, dict) for table in value.values()):
        raise InvalidInput(f"themes in {config_file()} must be tables such as [themes.shop] with primary = \"#0178D4\".")
    return value


def keymap_file() -> Path:
    """``$SHOPTUI_KEYMAP`` or ``keymap.toml`` in the config dir: binding id -> keys, for the TUI."""
    explicit = os.environ.get(ENV_KEYMAP_FILE)
    return Path(explicit).expanduser() if explicit else config_dir() / "keymap.toml"


def read_keymap(path: Path | None = None) -> dict[str, str]:
    """The keymap file as binding id -> keys (``"ctrl+f"`` or ``"ctrl+f,f3"``); ``{}`` when there is none.

    A value may also be a list of keys. Raises InvalidInput, naming the file and the problem, when the
    file is not TOML or a value is not keys.
    """
    file = keymap_file() if path is None else path
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"The keymap {file} cannot be read ({type(exc).__name__}); fix or remove it.") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"The keymap {file} is not valid TOML ({exc}); fix or remove it.") from None
    keymap: dict[str, str] = {}
    for binding_id, keys in raw.items():
        if isinstance(keys, list) and all(isinstance(key, str) for key in keys):
            keys = ",".join(keys)
        if not isinstance(keys, str) or not keys.strip() or any(not key.strip() for key in keys.split(",")):
            raise InvalidInput(
                f"The keymap {file} gives {binding_id!r} {keys!r}; give keys as a string, such as {binding_id} = \"ctrl+f\"."
            )
        keymap[binding_id] = ",".join(key.strip() for key in keys.split(","))
    return keymap


def secrets_file() -> Path:
    """``$SHOPTUI_SECRETS_FILE`` or ``secrets.toml`` in the config dir (must be readable by the owner only)."""
    explicit = os.environ.get(ENV_SECRETS_FILE)
    return Path(explicit).expanduser() if explicit else config_dir() / "secrets.toml"


def secret_env_name(key: str) -> str:
    """The environment variable that carries a secret setting: ``SHOPTUI_SMTP_PASSWORD``."""
    return f"SHOPTUI_{key.upper()}"


def secret_value(key: str) -> Any:
    """A secret (SMTP password, SMS gateway headers) from outside the store, or ``None`` when not given.

    ``SHOPTUI_<KEY>`` wins; otherwise ``key`` in the secrets file, which is refused with a sentence
    when its group or others may read it. Secrets are never kept in the store.
    """
    env = os.environ.get(secret_env_name(key))
    if env is not None:
        return env
    file = secrets_file()
    try:
        info = file.stat()
    except OSError:
        return None
    if info.st_mode & 0o077:
        raise InvalidInput(
            f"The secrets file {file} may be read by other users (mode {stat.S_IMODE(info.st_mode):o}), "
            f"so it is not used. Run: chmod 600 {file}"
        )
    return _read_secrets(str(file), info.st_mtime_ns).get(key)


@cache
def _read_secrets(path: str, _mtime_ns: int) -> dict[str, Any]:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # the exception text may quote a line of the file: name the file and the kind of problem only
        raise InvalidInput(f"The secrets file {path} cannot be read ({type(exc).__name__}). Fix it.") from None


# ---------------------------------------------------------------- masking

# scheme://user:password@host -> scheme://user:***@host; scheme://token@host -> scheme://***@host
_URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^:@/\s?#]*)(?::(?P<pw>[^@/\s?#]*))?@")
# --password VALUE, --password=VALUE, --token=..., --secret ..., --api-key ...
_SECRET_OPTION = re.compile(r"^--?[\w-]*(?:password|passwd|secret|token|api[-_]?key|credential)[\w-]*$", re.I)
SECRET_SETTING_KEYS = ("smtp_password", "sms_headers")  # the settings that carry secrets (see setting_defs)


def mask_url(url: str) -> str:
    """``url`` (or any text) with the credentials of every URL in it replaced by ``***``.

    The one helper for showing or logging a store URL, an SMS gateway URL or a command line.
    """

    def hide(match: re.Match[str]) -> str:
        if match.group("pw") is not None:
            return f"{match.group('scheme')}{match.group('user')}:***@"
        return f"{match.group('scheme')}***@" if match.group("user") else match.group(0)

    return _URL_CREDENTIALS.sub(hide, url)


def mask_argv(argv: list[str]) -> list[str]:
    """A command line fit for a log: URL passwords, ``--password``-like option values and the value
    of ``settings set <secret key>`` replaced by ``***``."""
    masked: list[str] = []
    hide_next = False
    for index, arg in enumerate(argv):
        if hide_next:
            masked.append("***")
            hide_next = False
            continue
        name, eq, _ = arg.partition("=")
        if _SECRET_OPTION.match(name):
            if eq:
                masked.append(f"{name}=***")
            else:
                masked.append(arg)
                hide_next = True
            continue
        if index >= 2 and argv[index - 1] in SECRET_SETTING_KEYS and argv[index - 2] == "set":
            masked.append("***")
            continue
        masked.append(mask_url(arg))
    return masked


def private_dir(folder: Path) -> Path:
    """Create ``folder`` (and its parents) for shoptui's own files, readable by the owner only."""
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
        os.chmod(folder, PRIVATE_DIR_MODE)  # mkdir's mode is cut by the umask; say it exactly
    return folder


def tighten(path: Path) -> None:
    """Take group and other permissions off a file of ours that has them (never fails)."""
    try:
        info = path.stat()
        if info.st_mode & 0o077 and info.st_uid == os.getuid():
            os.chmod(path, stat.S_IMODE(info.st_mode) & 0o700)
    except (OSError, AttributeError):
        pass


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


def media_dir(url: str) -> Path:
    """The store's media folder (the logo, product images): ``media/`` next to a SQLite store file, else
    ``<root>/<database>`` for a server store, the root being ``$SHOPTUI_MEDIA_DIR`` (a folder every till can
    reach, such as a shared drive) or ``media`` in the user data folder. Not created here."""
    path = sqlite_path(url)
    if path is not None:
        return path.resolve().parent / "media"
    root = os.environ.get(ENV_MEDIA_DIR, "").strip()
    from urllib.parse import urlsplit

    # the database's name: the URL's path, never its query (a socket folder in ?host=/run/... has slashes)
    name = re.sub(r"[^\w.-]+", "_", urlsplit(url).path.rsplit("/", 1)[-1]) or "store"
    return (Path(root).expanduser() if root else data_dir() / "media") / name


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
            private_dir(folder)
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
    source: str  # "tui", "cli", "web", "script", "test"
    address: str | None = None  # the SSH client's (or the browser's) address; None at the local console
    staff_id: int | None = None  # the logged-in staff account; None for the system itself (tests, demo, migrations)
    role: str = "owner"  # a staff actor's role as they logged in (the services re-read it from the store)
    scope: str = ""  # "counter": switched in by PIN, so only the counter's permissions apply

    @classmethod
    def from_environment(cls, source: str) -> Actor:
        """The OS user and, over SSH, the client address from ``SSH_CONNECTION``.

        In an app process that ``shoptui serve`` started for a browser (``SHOPTUI_FACE=web``), the source
        is ``"web"`` and the address is the browser's, from ``SHOPTUI_CLIENT_ADDRESS`` (``None`` when it is
        missing or not an IP address): never the SSH session of whoever started the server.
        """
        import getpass

        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
        if os.environ.get(ENV_FACE) == "web":
            return cls(name=name, source="web", address=normalise_ip(os.environ.get(ENV_CLIENT_ADDRESS)))
        ssh = os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_CLIENT")
        address = ssh.split()[0] if ssh else None
        return cls(name=name, source=source, address=address)

    def describe(self) -> str:
        """``alice via cli`` or ``alice via tui from 10.0.0.5``."""
        where = f" from {self.address}" if self.address else ""
        return f"{self.name} via {self.source}{where}"


def normalise_ip(value: str | None) -> str | None:
    """``value`` as a normalised IP address (``::ffff:10.0.0.5`` is ``10.0.0.5``), or ``None`` when it is not one."""
    import ipaddress

    try:
        address = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)
