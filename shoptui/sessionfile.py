"""Where a login lives between commands: one file per store in the user state folder, readable by its
owner only, holding the session token and when it expires. ``SHOPTUI_TOKEN`` (an API token for cron
and scripts) takes its place when set.

A session file that others can read, or that belongs to another user, is refused rather than used:
its token may have been seen.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from datetime import datetime
from pathlib import Path

from shoptui.config import ENV_CLIENT_ADDRESS, ENV_FACE
from shoptui.errors import NotLoggedIn

ENV_TOKEN = "SHOPTUI_TOKEN"
__all__ = ["ENV_CLIENT_ADDRESS", "ENV_FACE", "ENV_TOKEN"]  # the web face never reuses a login on this machine


def sessions_dir() -> Path:
    """``~/.local/state/shoptui/sessions`` on Linux."""
    from platformdirs import user_state_path

    return user_state_path("shoptui", appauthor=False) / "sessions"


def path_for(url: str) -> Path:
    """The session file of the store at ``url``."""
    return sessions_dir() / f"{hashlib.sha256(url.encode()).hexdigest()[:20]}.json"


def read(url: str) -> str | None:
    """The saved session token for ``url``, or None; NotLoggedIn when the file is unsafe or unreadable."""
    path = path_for(url)
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise NotLoggedIn(f"The session file {path} cannot be read ({exc.strerror}); log in again.") from None
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise NotLoggedIn(f"The session file {path} belongs to another user; delete it and log in again.")
    if info.st_mode & 0o077:
        raise NotLoggedIn(f"The session file {path} can be read by others (mode {stat.S_IMODE(info.st_mode):o}); "
                          "delete it and log in again (`shoptui login`).")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        token = data["token"]
    except (OSError, ValueError, KeyError, TypeError):
        raise NotLoggedIn(f"The session file {path} is damaged; delete it and log in again.") from None
    if data.get("url") != url or not isinstance(token, str):
        return None
    return token


def write(url: str, token: str, *, name: str, expires_at: datetime | None) -> Path:
    """Save the session for ``url`` (mode 0600, replaced atomically)."""
    from shoptui.config import private_dir

    folder = private_dir(sessions_dir())
    if folder.parent.exists():
        os.chmod(folder, 0o700)
    path = path_for(url)
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"url": url, "token": token, "name": name,
                   "expires_at": expires_at.isoformat() if expires_at else None}, out)
    os.chmod(temp, 0o600)
    os.replace(temp, path)
    return path


def forget(url: str) -> bool:
    """Delete the session file of ``url``; True when there was one."""
    try:
        path_for(url).unlink()
        return True
    except FileNotFoundError:
        return False


def token_for(url: str, *, face: str) -> str | None:
    """The token a face should use: ``SHOPTUI_TOKEN``, else the saved session (never for the web face)."""
    explicit = os.environ.get(ENV_TOKEN, "").strip()
    if explicit:
        return explicit
    if os.environ.get(ENV_FACE) == "web" or face == "web":
        return None
    return read(url)
