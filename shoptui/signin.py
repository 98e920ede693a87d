"""Who is at the keyboard: the one path by which every face (CLI, app, browser) turns a saved session or an
API token into the ``Actor`` of its service calls, and records refusals.

Faces import this module; it holds no rule of its own (those are in ``services/staff``): it finds the
token, opens the transaction, and turns a refusal into ``NotLoggedIn`` after the attempt was recorded.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from shoptui.errors import NotAllowed, NotLoggedIn
from shoptui.sessionfile import ENV_CLIENT_ADDRESS, ENV_FACE, token_for

if TYPE_CHECKING:
    from sqlmodel import Session

    from shoptui.config import Actor
    from shoptui.services.staff import Authenticated

HOW_TO_LOG_IN = "run `shoptui login` (or set SHOPTUI_TOKEN to an API token for scripts)"


def client_address() -> str | None:
    """Where the person is: the browser's address (served app), the SSH client's, or None at the console."""
    if os.environ.get(ENV_FACE) == "web":  # never the SSH session of whoever started the server
        from shoptui.config import normalise_ip

        return normalise_ip(os.environ.get(ENV_CLIENT_ADDRESS)) or "unknown"  # unknown: outside every network
    ssh = os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_CLIENT")
    return ssh.split()[0] if ssh else None


def face_source(face: str) -> str:
    """The audit source of a face: "web" for the served app, else the face itself."""
    return "web" if os.environ.get(ENV_FACE) == "web" else face


def no_login_message(url: str) -> str:
    """What to say when there is no session or token: how to log in, or how to make the first account."""
    from shoptui import db
    from shoptui.services import staff

    with db.read_session(url) as session:
        if not staff.has_accounts(session=session):
            return ("This store has no staff accounts yet: create the owner with "
                    "`shoptui staff init --name NAME` (or open the app).")
    return f"Not logged in: {HOW_TO_LOG_IN}."


def authenticate(url: str, token: str, *, face: str) -> Authenticated:
    """Check ``token`` against the store (committing what the check records); NotLoggedIn when refused."""
    from shoptui import db
    from shoptui.services import staff

    def check(session: Session, record: bool = True) -> Authenticated:
        return staff.authenticate(session=session, token=token, source=face_source(face), address=client_address(),
                                  record=record)

    with db.read_session(url) as session:  # a good login session needs reads only (no write lock taken)
        found = check(session, record=False)
    if found.needs_record:  # an API token's use, or a refusal, is written down
        found = db.run_transaction(check, url)
    if found.actor is None:
        raise NotLoggedIn(found.message)
    return found


def current(url: str, *, face: str) -> Authenticated:
    """The logged-in account of this face on ``url``: SHOPTUI_TOKEN, else the saved session; NotLoggedIn else."""
    token = token_for(url, face=face)
    if not token:
        raise NotLoggedIn(no_login_message(url))
    try:
        return authenticate(url, token, face=face)
    except NotLoggedIn:
        if _no_accounts(url):  # a token of another store on a store nobody owns yet: say how to make the owner
            raise NotLoggedIn(no_login_message(url)) from None
        raise


def _no_accounts(url: str) -> bool:
    from shoptui import db
    from shoptui.services import staff

    with db.read_session(url) as session:
        return not staff.has_accounts(session=session)


def record_refusal(url: str, actor: Actor, error: NotAllowed) -> None:
    """Write a refused permission to the audit log (and the owner's notifications) in its own transaction:
    the refused work itself was rolled back. Never fails the face."""
    from shoptui import db
    from shoptui.services import staff

    try:
        db.run_transaction(lambda session: staff.record_refusal(session=session, actor=actor, message=str(error),
                                                                permission=error.permission), url)
    except Exception:
        pass
