"""Logging in and proving it later: passwords (then a two-factor code), login sessions, API tokens for
scripts, counter PINs, lockouts, allowed networks, and the security audit of each.

A failed attempt must be remembered even though it is refused, so these functions do not raise for
a refusal: they return a result saying why, and the face commits the transaction (the failure
count, the audit line, the owner's notification) before it shows the refusal.

A token is ``shoptui_<store>_<secret>``: ``<store>`` is the start of the store's id, so a token of
another store is recognised as such; the store keeps only the SHA-256 of the whole token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlmodel import Session, col, select

from shoptui import clock, wording
from shoptui.config import Actor
from shoptui.errors import InvalidInput, NotAllowed, NotFound
from shoptui.models.staff import StaffMember, StaffToken
from shoptui.services import shop
from shoptui.services.staff import lockout
from shoptui.services.staff.accounts import StaffRead, find, read_model
from shoptui.services.staff.networks import address_allowed
from shoptui.services.staff.passwords import check_password, digest, hash_secret, verify_secret

TOKEN_PREFIX = "shoptui_"
WRONG = "The account name or password is wrong."


@dataclass
class LoginResult:
    """What a login attempt came to. ``ok`` with a ``token``, or a ``message`` saying what is missing or wrong.

    ``needs_code``: the password was right and a two-factor code is wanted next; ``must_change_password``:
    a new password is wanted (after a reset, or the old one expired); ``must_enrol``: two-factor is
    required and this account has none yet (logged in; the faces ask to enrol before anything else).
    """

    ok: bool
    message: str = ""
    token: str | None = None
    expires_at: datetime | None = None
    expires_text: str = ""  # when the session ends, in the shop's time
    staff: StaffRead | None = None
    actor: Actor | None = None
    needs_code: bool = False
    must_change_password: bool = False
    must_enrol: bool = False
    notices: list[str] = field(default_factory=list)


@dataclass
class Authenticated:
    """Who a session or token belongs to, or why it is refused (``actor`` None)."""

    actor: Actor | None
    message: str = ""
    staff: StaffRead | None = None
    must_enrol: bool = False
    kind: str = ""
    needs_record: bool = False  # asked with record=False: ask again in a write transaction


def store_id(session: Session) -> str:
    """The store's own random id (set when the store was made)."""
    from shoptui.models.store import StoreSetting

    value = session.exec(select(StoreSetting.value).where(StoreSetting.key == "store_id")).first()
    return str(value or "")


def _stranger(name: str, source: str, address: str | None) -> Actor:
    """The actor of an attempt by someone not (yet) known: named as they typed it."""
    from shoptui.text import visible

    shown = visible(name.strip())[:40] or "(no name)"
    return Actor(name=f"{shown}?", source=source, address=address, role="nobody")


def _security(session: Session, actor: Actor, action: str, summary: str, *, staff_id: int | None = None,
              notify: str | None = None, severity: str = "warning", repeat_key: str | None = None) -> None:
    """One security event: its audit line and, with ``notify``, the owner's notification. Events that repeat
    (a cron job's token, guesses) name a ``repeat_key``: one unread notification stands for all of them."""
    shop.record(session=session, actor=actor, action=f"security.{action}", entity="staff", entity_id=staff_id,
                summary=summary)
    if notify:
        shop.notify(session=session, title=notify, body=summary, severity=severity, audience="owner",
                    dedupe_key=f"security:{repeat_key}"[:200] if repeat_key else None)


def _actor_of(row: StaffMember, source: str, address: str | None, scope: str = "") -> Actor:
    return Actor(name=row.name, source=source, address=address, staff_id=row.id, role=row.role, scope=scope)


def _new_token(session: Session, row: StaffMember, *, kind: str, label: str, hours: int | None,
               address: str | None) -> tuple[str, datetime | None]:
    token = f"{TOKEN_PREFIX}{store_id(session)[:8]}_{secrets.token_urlsafe(32)}"
    expires = clock.now() + timedelta(hours=hours) if hours else None
    session.add(StaffToken(staff_id=int(row.id or 0), kind=kind, label=label[:60], digest=digest(token),
                           hint=token[-4:], expires_at=expires, address=address))
    session.flush()
    return token, expires


def _networks_refusal(session: Session, row: StaffMember, address: str | None) -> str | None:
    store_rule = str(shop.get(session=session, key="allowed_networks") or "")
    if address_allowed(address, store_rule, row.allowed_networks):
        return None
    return f"Logins from {address} are not allowed for {row.name} (allowed networks); ask the owner."


def _password_age(session: Session, row: StaffMember) -> tuple[bool, list[str]]:
    """(expired, reminders) for the account's password under the rotation setting."""
    max_age = int(shop.get(session=session, key="password_max_age_days"))
    if not max_age:
        return False, []
    left = (row.password_changed_at + timedelta(days=max_age) - clock.now()).total_seconds() / 86400
    if left <= 0:
        return True, []
    reminder = int(shop.get(session=session, key="password_reminder_days"))
    if left <= reminder:
        days = max(int(left), 1)
        return False, [f"Your password expires in {days} day{'s' if days != 1 else ''}; change it with "
                       "`shoptui staff password` or in the app (Settings → Staff)."]
    return False, []


def _code_ok(session: Session, row: StaffMember, code: str) -> bool:
    """A current TOTP code, or one of the account's unused recovery codes (used up here)."""
    import pyotp

    from shoptui.models.staff import RecoveryCode

    cleaned = code.strip().replace(" ", "").replace("-", "")
    if row.totp_secret and cleaned.isdigit() and len(cleaned) == 6:
        totp = pyotp.TOTP(row.totp_secret)
        now = clock.now()
        for step in (totp.timecode(now) + shift for shift in (0, -1, 1)):  # this step and one either side
            if step > row.totp_last_step and secrets.compare_digest(totp.generate_otp(step), cleaned):
                row.totp_last_step = step  # a code seen once is never taken again (replay)
                session.add(row)
                return True
        return False
    if not cleaned or len(cleaned) > 40:
        return False
    found = session.exec(select(RecoveryCode).where(RecoveryCode.staff_id == row.id,
                                                    RecoveryCode.digest == digest(cleaned.lower()),
                                                    col(RecoveryCode.used_at).is_(None))).first()
    if found is None:
        return False
    found.used_at = clock.now()
    session.add(found)
    _security(session, _actor_of(row, "system", None), "recovery_code_used",
              f"{row.name} used a two-factor recovery code", staff_id=row.id, notify=f"{row.name} used a recovery code")
    return True


def _attempt(session: Session, kind: str, name: str, source: str, address: str | None,
             otherwise: str) -> tuple[str, str, Actor, LoginResult | None]:
    """The start of a login or PIN attempt: the name as typed, its lockout key, who tries, and the refusal
    when that key is locked now (recorded)."""
    typed = (name or "").strip()
    key = f"{kind}:{typed.lower()[:60]}"
    stranger = _stranger(typed, source, address)
    until = lockout.locked_until(session, key)
    if until is None:
        return typed, key, stranger, None
    what = "logins" if kind == "login" else "wrong PINs"
    _security(session, stranger, "login_locked", f"{'login' if kind == 'login' else 'PIN switch'} for {typed!r} "
              "refused: locked")
    return typed, key, stranger, LoginResult(False, f"Too many {'failed ' if kind == 'login' else ''}{what} for "
                                                    f"{typed!r}: try again {lockout.wait_text(until)}, {otherwise}.")


def login(*, session: Session, name: str, password: str, source: str, address: str | None = None,
          code: str | None = None, new_password: str | None = None, label: str = "") -> LoginResult:
    """Check a password (then a two-factor code) and open a login session; see LoginResult.

    Unknown names cost the same hash check as wrong passwords and are locked out the same way.
    """
    typed, key, stranger, locked = _attempt(session, "login", name, source, address,
                                            "or ask the owner to unlock it (`shoptui staff unlock`)")
    if locked is not None:
        return locked
    row = session.exec(select(StaffMember).where(StaffMember.name_key == typed.lower())).first() if typed else None
    right = verify_secret(row.password_hash if row is not None else None, password or "")
    if row is None or not right:
        return _failed(session, key, stranger, row, f"wrong password for {typed!r}" if row else
                       f"unknown account {typed!r}")
    if not row.active:
        _security(session, stranger, "login_failed", f"login to disabled account {row.name}", staff_id=row.id)
        return LoginResult(False, f"The account {row.name} is disabled; ask the owner.")
    refusal = _networks_refusal(session, row, address)
    if refusal is not None:
        _security(session, stranger, "network_refused", f"login of {row.name} from {address} outside the allowed "
                  "networks", staff_id=row.id, notify=f"Login of {row.name} from {address} refused")
        return LoginResult(False, refusal)
    if row.totp_secret:
        if not code:
            return LoginResult(False, "Enter the code from your authenticator app (or a recovery code).",
                               needs_code=True)
        if not _code_ok(session, row, code):
            return _failed(session, key, stranger, row, f"wrong two-factor code for {row.name}", code_wrong=True)
    expired, notices = _password_age(session, row)
    if row.must_change_password or expired:
        if not new_password:
            why = "Your password has expired" if expired else "Your password was set by someone else"
            return LoginResult(False, f"{why}: choose a new one.", must_change_password=True)
        check_password(new_password, name=row.name, min_length=int(shop.get(session=session,
                                                                              key="password_min_length")),
                       field="new_password")
        if verify_secret(row.password_hash, new_password):
            raise InvalidInput("The new password must differ from the old one.", field="new_password")
        row.password_hash = hash_secret(new_password)
        row.password_changed_at = clock.now()
        row.must_change_password = False
        notices = []
        _security(session, _actor_of(row, source, address), "password_changed", f"{row.name} changed their password "
                  "at login", staff_id=row.id, notify=f"{row.name} changed their password", severity="information")
    lockout.clear(session, key)
    row.failed_logins = 0
    row.locked_until = None
    row.last_login_at = clock.now()
    session.add(row)
    hours = int(shop.get(session=session, key="session_hours"))
    token, expires = _new_token(session, row, kind="session", label=label or source, hours=hours, address=address)
    actor = _actor_of(row, source, address)
    where = f" from {address}" if address else ""
    _security(session, actor, "login", f"{row.name} logged in via {source}{where}", staff_id=row.id,
              notify=f"{row.name} logged in via {source}{where}", severity="information")
    must_enrol = row.totp_secret is None and bool(shop.get(session=session, key="require_two_factor"))
    return LoginResult(True, "", token=token, expires_at=expires, staff=read_model(row), actor=actor,
                       must_enrol=must_enrol, notices=notices,
                       expires_text=wording.when(expires, shop.timezone(session=session)) if expires else "")


def _failed(session: Session, key: str, stranger: Actor, row: StaffMember | None, summary: str, *,
            code_wrong: bool = False) -> LoginResult:
    failures, locked = lockout.fail(session, key)
    if row is not None:
        row.failed_logins = failures
        row.locked_until = locked or row.locked_until
        session.add(row)
    _security(session, stranger, "login_failed", summary, staff_id=row.id if row else None,
              notify=f"Failed login for {stranger.name.rstrip('?')}", repeat_key=f"login_failed:{key}")
    if locked is not None:
        name = row.name if row else stranger.name.rstrip("?")
        _security(session, stranger, "lockout", f"{name!r} locked after {failures} failed logins",
                  staff_id=row.id if row else None, notify=f"Login locked for {name} after {failures} failures")
        return LoginResult(False, f"Too many failed logins: locked, try again {lockout.wait_text(locked)}.")
    if code_wrong:
        return LoginResult(False, "That code is wrong or too old; enter the current one.", needs_code=True)
    return LoginResult(False, WRONG)


def pin_switch(*, session: Session, name: str, pin: str, source: str, address: str | None = None) -> LoginResult:
    """Switch to another account at the counter with its PIN: the session holds the counter's permissions only."""
    typed, key, stranger, locked = _attempt(session, "pin", name, source, address, "or log in with the password")
    if locked is not None:
        return locked
    row = session.exec(select(StaffMember).where(StaffMember.name_key == typed.lower())).first() if typed else None
    if row is None or not verify_secret(row.pin_hash, pin or "") or not row.active:
        failed = _failed(session, key, stranger, row, f"wrong PIN for {typed!r}")
        return LoginResult(False, "The account or PIN is wrong." if failed.message == WRONG else failed.message)
    refusal = _networks_refusal(session, row, address)
    if refusal is not None:
        _security(session, stranger, "network_refused", f"PIN switch of {row.name} from {address} refused",
                  staff_id=row.id, notify=f"PIN switch of {row.name} from {address} refused")
        return LoginResult(False, refusal)
    lockout.clear(session, key)
    row.last_login_at = clock.now()
    session.add(row)
    hours = int(shop.get(session=session, key="session_hours"))
    token, expires = _new_token(session, row, kind="session", label="pin", hours=hours, address=address)
    actor = _actor_of(row, source, address, scope="counter")
    _security(session, actor, "pin_switch", f"{row.name} switched in at the counter by PIN", staff_id=row.id)
    return LoginResult(True, "", token=token, expires_at=expires, staff=read_model(row), actor=actor)


def authenticate(*, session: Session, token: str, source: str, address: str | None = None,
                 record: bool = True) -> Authenticated:
    """Who holds ``token`` (a login session or an API token), checked on every use: expiry, revocation,
    the account still active, the allowed networks, lockout of an address guessing tokens.

    ``record`` False: write nothing; when the answer needs something written (an API token's use, a
    failure), it says so (``needs_record``) and the face asks again in a write transaction. A login
    session that is fine is checked with reads alone.
    """
    token = (token or "").strip()
    key = f"token:{address or 'local'}"
    stranger = Actor(name="(token)", source=source, address=address, role="nobody")
    until = lockout.locked_until(session, key)
    if until is not None:
        if not record:
            return Authenticated(None, needs_record=True)
        _security(session, stranger, "token_locked", f"token refused: {address or 'this console'} is locked")
        return Authenticated(None, f"Too many bad tokens from {address or 'this console'}: try again "
                                   f"{lockout.wait_text(until)}.")
    mine = store_id(session)[:8]
    failed = None
    found = None
    if not token.startswith(TOKEN_PREFIX) or token.count("_") < 2 or len(token) > 200:
        failed = "That is not a shoptui token or session."
    elif token[len(TOKEN_PREFIX):].split("_", 1)[0] != mine:
        failed = "That token or session belongs to another store; log in to this one (`shoptui login`)."
    else:
        found = session.exec(select(StaffToken, StaffMember)
                             .join(StaffMember, col(StaffMember.id) == StaffToken.staff_id)
                             .where(StaffToken.digest == digest(token))).first()
        if found is None:
            failed = ("That token or session is not known to this store (revoked and removed, or mistyped); "
                      "log in again (`shoptui login`).")
        elif found[0].revoked_at is not None:
            failed = f"That {_kind(found[0])} was revoked; log in again."
    if failed is not None or found is None:
        if not record:
            return Authenticated(None, needs_record=True)
        return _token_failed(session, key, stranger, failed or "", found[1].id if found else None)
    row, staff = found
    now = clock.now()
    refusal: tuple[str, str, str | None] | None = None  # (audit action, summary, owner notice)
    if row.expires_at is not None and row.expires_at <= now:
        shown = wording.when(row.expires_at, shop.timezone(session=session))
        refusal = ("token_refused", f"expired {_kind(row)} of {staff.name}",
                   f"Your {_kind(row)} expired at {shown}; log in again (`shoptui login`).")
    elif not staff.active:
        refusal = ("token_refused", f"{_kind(row)} of disabled account {staff.name}",
                   f"The account {staff.name} is disabled; ask the owner.")
    else:
        blocked = _networks_refusal(session, staff, address)
        if blocked is not None:
            refusal = ("network_refused", f"{_kind(row)} of {staff.name} used from {address}", blocked)
    if refusal is not None:
        if not record:
            return Authenticated(None, needs_record=True)
        action, summary, message = refusal
        notice = f"{staff.name}'s {_kind(row)} used from {address}: refused" if action == "network_refused" else None
        _security(session, stranger, action, summary, staff_id=staff.id,
                  notify=notice or f"Refused: {summary}", repeat_key=f"{action}:{row.id}")
        return Authenticated(None, message or "")
    actor = _actor_of(staff, source, address, scope="counter" if row.label == "pin" else "")
    if row.kind == "api":
        if not record:
            return Authenticated(None, needs_record=True)
        row.last_used_at = now
        session.add(row)
        _security(session, actor, "token_use", f"API token …{row.hint} ({row.label}) of {staff.name} used",
                  staff_id=staff.id, notify=f"API token …{row.hint} of {staff.name} in use", severity="information",
                  repeat_key=f"token_use:{row.id}")
    must_enrol = staff.totp_secret is None and bool(shop.get(session=session, key="require_two_factor"))
    return Authenticated(actor, staff=read_model(staff), must_enrol=must_enrol, kind=row.kind)


def _kind(row: StaffToken) -> str:
    return "API token" if row.kind == "api" else "login session"


def _token_failed(session: Session, key: str, stranger: Actor, message: str,
                  staff_id: int | None = None) -> Authenticated:
    failures, locked = lockout.fail(session, key)
    _security(session, stranger, "token_refused", message, staff_id=staff_id,
              notify=f"A token was refused ({stranger.address or 'this console'})", repeat_key=f"token_refused:{key}")
    if locked is not None:
        _security(session, stranger, "lockout", f"{stranger.address or 'this console'} locked after {failures} bad "
                  "tokens", notify=f"Tokens from {stranger.address or 'this console'} locked after {failures} tries")
    return Authenticated(None, message)


def logout(*, session: Session, token: str, actor: Actor) -> bool:
    """End a login session (its token stops working); False when it was already gone."""
    row = session.exec(select(StaffToken).where(StaffToken.digest == digest((token or "").strip()))).first()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = clock.now()
    session.add(row)
    _security(session, actor, "logout", f"{actor.name} logged out", staff_id=row.staff_id)
    return True


class TokenRead(BaseModel):
    """An API token or login session as listed (never the token itself)."""

    id: int
    name: str
    kind: str
    label: str
    hint: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


def create_api_token(*, session: Session, actor: Actor, name: str, label: str = "", days: int | None = None) -> str:
    """A new API token for ``name``'s scripts (their own, or anyone's with staff.manage); returned once, kept
    only as its digest. ``days`` None: it lasts until revoked."""
    from shoptui.text import check_text

    row = find(session, name)
    if row.id != actor.staff_id:
        shop.require(session=session, actor=actor, permission="staff.manage")
    if not row.active:
        raise NotAllowed(f"The account {row.name} is disabled; enable it before giving it a token.")
    if days is not None and not 1 <= days <= 3650:
        raise InvalidInput("A token lasts 1 to 3650 days (leave --days out for one that lasts until revoked).",
                           field="days")
    label = check_text(label.strip(), "label", 60, required=False, multiline=False, quote=False) or "script"
    token, _ = _new_token(session, row, kind="api", label=label, hours=days * 24 if days else None,
                          address=actor.address)
    shop.record(session=session, actor=actor, action="security.token_created", entity="staff", entity_id=row.id,
                summary=f"API token …{token[-4:]} ({label}) created for {row.name}")
    shop.notify(session=session, title=f"API token created for {row.name}", body=f"{actor.name} created it ({label}).",
                severity="information", audience="owner")
    return token


def list_tokens(*, session: Session, actor: Actor, name: str | None = None,
                include_revoked: bool = False) -> list[TokenRead]:
    """The API tokens and open sessions of ``name`` (yourself when None), newest first."""
    row = find(session, name) if name else None
    staff_id = row.id if row is not None else actor.staff_id
    if staff_id != actor.staff_id:
        shop.require(session=session, actor=actor, permission="staff.manage")
    query = (select(StaffToken, StaffMember.name).join(StaffMember, col(StaffMember.id) == StaffToken.staff_id)
             .where(StaffToken.staff_id == staff_id).order_by(col(StaffToken.id).desc()))
    if not include_revoked:
        query = query.where(col(StaffToken.revoked_at).is_(None))
    now = clock.now()
    return [TokenRead(id=int(t.id or 0), name=n, kind=t.kind, label=t.label, hint=t.hint, created_at=t.created_at,
                      expires_at=t.expires_at, revoked_at=t.revoked_at, last_used_at=t.last_used_at)
            for t, n in session.exec(query).all()
            if include_revoked or t.expires_at is None or t.expires_at > now]


def revoke_token(*, session: Session, actor: Actor, token_id: int) -> TokenRead:
    """Revoke an API token or end a session by its id (your own, or anyone's with staff.manage)."""
    found = session.exec(select(StaffToken, StaffMember.name).join(StaffMember, col(StaffMember.id) ==
                                                                   StaffToken.staff_id)
                         .where(StaffToken.id == token_id)).first()
    if found is None:
        raise NotFound(f"There is no token {token_id}; `shoptui staff token list` shows them.")
    row, owner_name = found
    if row.staff_id != actor.staff_id:
        shop.require(session=session, actor=actor, permission="staff.manage")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        session.add(row)
        session.flush()
        shop.record(session=session, actor=actor, action="security.token_revoked", entity="staff",
                    entity_id=row.staff_id, summary=f"{_kind(row)} …{row.hint} of {owner_name} revoked")
    return TokenRead(id=int(row.id or 0), name=owner_name, kind=row.kind, label=row.label, hint=row.hint,
                     created_at=row.created_at, expires_at=row.expires_at, revoked_at=row.revoked_at,
                     last_used_at=row.last_used_at)


def change_password(*, session: Session, actor: Actor, current: str, new: str) -> StaffRead:
    """Change your own password (the current one is asked again)."""
    if actor.staff_id is None:
        raise NotAllowed("Log in first: a password belongs to a staff account.")
    row = session.get_one(StaffMember, actor.staff_id)
    if not verify_secret(row.password_hash, current or ""):
        raise InvalidInput("The current password is wrong.", field="current")
    check_password(new, name=row.name, min_length=int(shop.get(session=session, key="password_min_length")),
                   field="new")
    if verify_secret(row.password_hash, new):
        raise InvalidInput("The new password must differ from the current one.", field="new")
    row.password_hash = hash_secret(new)
    row.password_changed_at = clock.now()
    row.must_change_password = False
    session.add(row)
    session.flush()
    _security(session, actor, "password_changed", f"{row.name} changed their password", staff_id=row.id,
              notify=f"{row.name} changed their password", severity="information")
    return read_model(row)


def record_refusal(*, session: Session, actor: Actor, message: str, permission: str | None = None) -> None:
    """A refused permission, for the audit log and the owner (written apart from the refused work)."""
    what = f" '{permission}'" if permission else ""
    _security(session, actor, "refused", f"{actor.name} was refused{what}: {message}"[:500], staff_id=actor.staff_id,
              notify=f"{actor.name} was refused{what}", severity="warning")
