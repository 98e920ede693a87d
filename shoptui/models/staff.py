"""Staff accounts and what keeps strangers out: accounts, login sessions and API tokens, two-factor
recovery codes, the permissions the owner gave each role, and failed attempts (for lockout).

Secrets are never stored: passwords and PINs as argon2id hashes, session and API tokens and recovery
codes as SHA-256 digests (they are long random strings, so a fast digest is safe and a lookup is one
index probe). Account names are unique regardless of case (``name_key`` is the folded name).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from shoptui.models._types import UTCDateTime, utcnow

ROLES = ("owner", "manager", "clerk", "stock_keeper")


class StaffMember(SQLModel, table=True):
    """One person who works in the shop, with a role and the means to prove who they are."""

    __tablename__ = "staff"
    __table_args__ = (
        UniqueConstraint("name_key", name="uq_staff_name_key"),
        CheckConstraint("role in ('owner','manager','clerk','stock_keeper')", name="ck_staff_role"),
        CheckConstraint("failed_logins >= 0", name="ck_staff_failed"),
    )
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40)  # what they type to log in
    name_key: str = Field(max_length=40)  # the name folded (case-insensitive uniqueness)
    full_name: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=254)
    role: str = Field(max_length=20)
    active: bool = True
    password_hash: str = Field(max_length=200)
    password_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    must_change_password: bool = False  # set by a reset: the next login asks for a new one
    pin_hash: str | None = Field(default=None, max_length=200)  # quick switching at the counter
    totp_secret: str | None = Field(default=None, max_length=64)  # base32; set once enrolment is confirmed
    totp_pending: str | None = Field(default=None, max_length=64)  # enrolment started, not yet confirmed
    totp_last_step: int = 0  # the time step of the last code used: a code is never taken twice
    allowed_networks: str = Field(default="", max_length=1000)  # CIDR list, "" = the store's rule only
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class StaffToken(SQLModel, table=True):
    """A login session (``kind`` session: from ``shoptui login`` or the app) or an API token for scripts."""

    __tablename__ = "staff_token"
    __table_args__ = (
        UniqueConstraint("digest", name="uq_staff_token_digest"),
        CheckConstraint("kind in ('session','api')", name="ck_staff_token_kind"),
        Index("ix_staff_token_staff", "staff_id", "kind"),
    )
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    kind: str = Field(max_length=10)
    label: str = Field(default="", max_length=60)
    digest: str = Field(max_length=64)  # sha256 hex of the token
    hint: str = Field(default="", max_length=12)  # the token's last characters, to tell tokens apart
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    address: str | None = Field(default=None, max_length=64)  # where it was created


class RecoveryCode(SQLModel, table=True):
    """One of ten one-time codes that stand in for a lost authenticator."""

    __tablename__ = "staff_recovery_code"
    __table_args__ = (UniqueConstraint("staff_id", "digest", name="uq_recovery_code"),)
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    digest: str = Field(max_length=64)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RoleGrant(SQLModel, table=True):
    """The owner's change to a role's default permissions: granted or taken away, with a money limit
    where the permission has one (refunds)."""

    __tablename__ = "role_grant"
    role: str = Field(primary_key=True, max_length=20)
    permission: str = Field(primary_key=True, max_length=40)
    granted: bool = True
    limit_minor: int | None = None


class AuthFailure(SQLModel, table=True):
    """Failed attempts against one key (``login:<name>``, ``token:<address>``, ``pin:<name>``): the
    growing delay of a lockout holds even for names that do not exist."""

    __tablename__ = "auth_failure"
    key: str = Field(primary_key=True, max_length=120)
    failures: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
