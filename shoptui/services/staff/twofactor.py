"""Two-factor logins with TOTP codes (any authenticator app): enrolment with a QR code drawn in text,
confirmation with a first code, ten one-time recovery codes, and turning it off."""

from __future__ import annotations

import io
import secrets

from pydantic import BaseModel
from sqlalchemy import delete
from sqlmodel import Session, col

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotAllowed
from shoptui.models.staff import RecoveryCode, StaffMember
from shoptui.services import shop
from shoptui.services.staff.accounts import find
from shoptui.services.staff.passwords import digest

RECOVERY_CODES = 10


class Enrolment(BaseModel):
    """What an authenticator app needs: the secret (as text), its otpauth URI, and the URI as a QR code in text."""

    name: str
    secret: str
    uri: str
    qr: str


def _me(session: Session, actor: Actor) -> StaffMember:
    if actor.staff_id is None:
        raise NotAllowed("Log in first: two-factor belongs to a staff account.")
    return session.get_one(StaffMember, actor.staff_id)


def qr_text(data: str) -> str:
    """``data`` as a QR code in block characters (two rows of modules per line), dark on light."""
    import segno

    out = io.StringIO()
    segno.make(data, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue().rstrip("\n")


def start_enrolment(*, session: Session, actor: Actor) -> Enrolment:
    """A new secret for your account, kept pending until :func:`confirm_enrolment` sees a code made from it."""
    import pyotp

    row = _me(session, actor)
    if row.totp_secret is not None:
        raise Conflict("Two-factor is already on for your account; turn it off first to enrol a new device.")
    secret = pyotp.random_base32()
    row.totp_pending = secret
    session.add(row)
    store = str(shop.get(session=session, key="name"))
    uri = pyotp.TOTP(secret).provisioning_uri(name=row.name, issuer_name=f"shoptui {store}"[:60])
    return Enrolment(name=row.name, secret=secret, uri=uri, qr=qr_text(uri))


def confirm_enrolment(*, session: Session, actor: Actor, code: str) -> list[str]:
    """Turn two-factor on once ``code`` matches the pending secret; returns ten recovery codes (shown once)."""
    import pyotp

    row = _me(session, actor)
    if row.totp_pending is None:
        raise Conflict("No enrolment is under way; start one first (`shoptui staff 2fa enrol`).")
    cleaned = (code or "").strip().replace(" ", "")
    if not (cleaned.isdigit() and len(cleaned) == 6
            and pyotp.TOTP(row.totp_pending).verify(cleaned, for_time=clock.now(), valid_window=1)):
        raise InvalidInput("That code does not match; enter the 6 digits your app shows now.", field="code")
    row.totp_secret = row.totp_pending
    row.totp_pending = None
    session.add(row)
    codes = _new_recovery_codes(session, row)
    shop.record(session=session, actor=actor, action="security.two_factor_on", entity="staff", entity_id=row.id,
                summary=f"{row.name} turned two-factor on")
    return codes


def _new_recovery_codes(session: Session, row: StaffMember) -> list[str]:
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.staff_id) == row.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(RecoveryCode(staff_id=int(row.id or 0), digest=digest(code.replace("-", ""))))
    session.flush()
    return codes


def new_recovery_codes(*, session: Session, actor: Actor) -> list[str]:
    """Ten fresh recovery codes for your account (the old ones stop working)."""
    row = _me(session, actor)
    if row.totp_secret is None:
        raise Conflict("Two-factor is off for your account; enrol first.")
    codes = _new_recovery_codes(session, row)
    shop.record(session=session, actor=actor, action="security.recovery_codes", entity="staff", entity_id=row.id,
                summary=f"{row.name} made new recovery codes")
    return codes


def turn_off(*, session: Session, actor: Actor, name: str | None = None) -> None:
    """Turn two-factor off for your account, or (staff.manage) for someone who lost their device.

    Refused for your own account while the store requires two-factor.
    """
    row = find(session, name) if name else _me(session, actor)
    if row.id != actor.staff_id:
        shop.require(session=session, actor=actor, permission="staff.manage")
    elif bool(shop.get(session=session, key="require_two_factor")):
        raise NotAllowed("The store requires two-factor for every account; the owner can turn it off for you.")
    if row.totp_secret is None and row.totp_pending is None:
        return
    row.totp_secret = None
    row.totp_pending = None
    session.add(row)
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.staff_id) == row.id))
    session.flush()
    shop.record(session=session, actor=actor, action="security.two_factor_off", entity="staff", entity_id=row.id,
                summary=f"two-factor of {row.name} turned off by {actor.name}")
    shop.notify(session=session, title=f"Two-factor turned off for {row.name}", body=f"by {actor.name}",
                severity="warning", audience="owner")
