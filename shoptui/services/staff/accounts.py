"""Staff accounts: the owner's first account, adding and editing the others, disabling, resets,
unlocking, PINs and per-role permissions.

Only ``init_owner`` runs without an actor (the store has no account yet); everything else is done by
someone logged in and is checked by the role's permissions (``staff.manage``) through the audit
writer. An account is never deleted (the audit log names it); it is disabled.
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotAllowed, NotFound
from shoptui.models.staff import ROLES, RoleGrant, StaffMember, StaffToken
from shoptui.services import shop
from shoptui.services.staff.networks import parse_networks
from shoptui.services.staff.passwords import check_password, check_pin, hash_secret

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,39}")


class StaffRead(BaseModel):
    """One account as it leaves the service (never a hash or secret)."""

    id: int
    name: str
    full_name: str
    email: str
    role: str
    active: bool
    two_factor: bool
    has_pin: bool
    allowed_networks: str
    locked_until: datetime | None
    last_login_at: datetime | None
    password_changed_at: datetime
    must_change_password: bool
    created_at: datetime


def read_model(row: StaffMember) -> StaffRead:
    """The account's read model."""
    assert row.id is not None
    return StaffRead(id=row.id, name=row.name, full_name=row.full_name, email=row.email, role=row.role,
                     active=row.active, two_factor=row.totp_secret is not None, has_pin=row.pin_hash is not None,
                     allowed_networks=row.allowed_networks, locked_until=row.locked_until,
                     last_login_at=row.last_login_at, password_changed_at=row.password_changed_at,
                     must_change_password=row.must_change_password, created_at=row.created_at)


def check_name(name: str) -> str:
    """An account name: 2-40 letters, digits, dot, dash or underscore, starting with a letter or digit."""
    value = (name or "").strip()
    if not NAME_PATTERN.fullmatch(value):
        raise InvalidInput("An account name is 2 to 40 letters, digits, '.', '-' or '_' (no spaces), like 'mei' or "
                           "'j.chen'.", field="name")
    return value


def check_role(role: str) -> str:
    """One of the roles, written as in ``shoptui staff add --role``."""
    value = (role or "").strip().lower().replace(" ", "_").replace("-", "_")
    if value not in ROLES:
        raise InvalidInput(f"There is no role {role!r}; the roles are: {', '.join(ROLES)}.", field="role")
    return value


def _check_full_name(text: str) -> str:
    from shoptui.text import check_text

    return check_text(text.strip(), "full_name", 100, required=False, multiline=False, quote=False) or ""


def _min_length(session: Session) -> int:
    return int(shop.get(session=session, key="password_min_length"))


def _require_manage(session: Session, actor: Actor) -> None:
    """staff.manage, asked before anything changes: the audit writer's own check comes after the change is
    flushed, when a role or grant the actor gave themselves would already count (a clerk granting the clerk
    role staff.manage, or making themselves manager where managers hold it)."""
    shop.require(session=session, actor=actor, permission="staff.manage")


def has_accounts(*, session: Session) -> bool:
    """True once the store has any staff account (the first run has none)."""
    return session.exec(select(StaffMember.id).limit(1)).first() is not None


def find(session: Session, name: str) -> StaffMember:
    """The account named ``name`` (any case), or NotFound."""
    row = session.exec(select(StaffMember).where(StaffMember.name_key == (name or "").strip().lower())).first()
    if row is None:
        raise NotFound(f"There is no staff account {name!r}; `shoptui staff list` shows them.")
    return row


def init_owner(*, session: Session, name: str, password: str, full_name: str = "", email: str = "",
               source: str = "cli", address: str | None = None) -> StaffRead:
    """The first account, the owner, on a store that has none; refused once any account exists."""
    name = check_name(name)
    check_password(password, name=name, min_length=_min_length(session))
    if has_accounts(session=session) or not _claim_first_run(session):
        raise Conflict("This store already has an owner; log in (`shoptui login`) and add accounts with "
                       "`shoptui staff add`.")
    row = StaffMember(name=name, name_key=name.lower(), full_name=_check_full_name(full_name),
                      email=shop.optional_email(email, field="email") or "", role="owner",
                      password_hash=hash_secret(password))
    _insert(session, row)
    actor = Actor(name=name, source=source, address=address, staff_id=row.id, role="owner")
    shop.record(session=session, actor=actor, action="security.owner_created", entity="staff", entity_id=row.id,
                summary=f"owner account {name} created", after={"name": name, "role": "owner"})
    return read_model(row)


def add_staff(*, session: Session, actor: Actor, name: str, role: str, password: str, full_name: str = "",
              email: str = "") -> StaffRead:
    """A new account with a role; its owner must change the password at first login."""
    name = check_name(name)
    role = check_role(role)
    check_password(password, name=name, min_length=_min_length(session))
    if role == "owner":
        shop.require(session=session, actor=actor, permission="staff.manage")
        if shop.grants(session, actor).role != "owner":
            raise NotAllowed("Only an owner can add another owner.", permission="staff.manage")
    if session.exec(select(StaffMember.id).where(StaffMember.name_key == name.lower())).first() is not None:
        raise Conflict(f"The account name {name!r} is taken; choose another.", field="name")
    row = StaffMember(name=name, name_key=name.lower(), full_name=_check_full_name(full_name),
                      email=shop.optional_email(email, field="email") or "", role=role,
                      password_hash=hash_secret(password), must_change_password=True)
    _insert(session, row)
    shop.record(session=session, actor=actor, action="staff.add", entity="staff", entity_id=row.id,
                summary=f"{name} added as {role}", after={"name": name, "role": role, "full_name": row.full_name})
    _notify_owner(session, f"Staff account {name} added", f"{actor.name} added {name} as {role}.")
    return read_model(row)


def list_staff(*, session: Session, actor: Actor, include_disabled: bool = True) -> list[StaffRead]:
    """Every account, by name (owners and managers; others see only themselves)."""
    if not shop.allowed(session=session, actor=actor, permission="staff.manage"):
        if actor.staff_id is None:
            return []
        return [read_model(session.get_one(StaffMember, actor.staff_id))]
    query = select(StaffMember).order_by(StaffMember.name_key)
    if not include_disabled:
        query = query.where(col(StaffMember.active).is_(True))
    return [read_model(row) for row in session.exec(query).all()]


def show_staff(*, session: Session, actor: Actor, name: str) -> StaffRead:
    """One account: anyone sees their own; staff.manage sees all."""
    row = find(session, name)
    if row.id != actor.staff_id:
        shop.require(session=session, actor=actor, permission="staff.manage")
    return read_model(row)


def _owners_left(session: Session, without: int) -> int:
    return int(session.exec(select(func.count()).select_from(StaffMember).where(
        StaffMember.role == "owner", col(StaffMember.active).is_(True), StaffMember.id != without)).one())


def edit_staff(*, session: Session, actor: Actor, name: str, role: str | None = None, full_name: str | None = None,
               email: str | None = None, allowed_networks: str | None = None) -> StaffRead:
    """Change an account's role, name, email or allowed networks; the last owner stays an owner."""
    _require_manage(session, actor)
    row = find(session, name)
    before = read_model(row).model_dump(include={"role", "full_name", "email", "allowed_networks"})
    if role is not None:
        role = check_role(role)
        if role != row.role and (role == "owner" or row.role == "owner"):
            if shop.grants(session, actor).role != "owner":
                raise NotAllowed("Only an owner can make or unmake an owner.", permission="staff.manage")
            if row.role == "owner" and _owners_left(session, int(row.id or 0)) == 0:
                raise Conflict(f"{row.name} is the only owner; make another account owner first.", field="role")
        row.role = role
    if full_name is not None:
        row.full_name = _check_full_name(full_name)
    if email is not None:
        row.email = shop.optional_email(email, field="email") or ""
    if allowed_networks is not None:
        row.allowed_networks = ", ".join(str(n) for n in parse_networks(allowed_networks))
        if len(row.allowed_networks) > 1000:
            raise InvalidInput("The allowed networks take at most 1000 characters.", field="allowed_networks")
    after = read_model(row).model_dump(include={"role", "full_name", "email", "allowed_networks"})
    if after == before:
        return read_model(row)
    row.version += 1
    session.add(row)
    session.flush()
    shop.record(session=session, actor=actor, action="staff.edit", entity="staff", entity_id=row.id,
                summary=f"{row.name} edited", before=before, after=after)
    session.info.pop(("shoptui.grants", row.id), None)
    return read_model(row)


def set_active(*, session: Session, actor: Actor, name: str, active: bool) -> StaffRead:
    """Disable an account (its sessions and tokens stop at their next use) or enable it again."""
    _require_manage(session, actor)
    row = find(session, name)
    if row.active == active:
        return read_model(row)
    if not active:
        if row.id == actor.staff_id:
            raise Conflict("You cannot disable your own account; another owner must.")
        if row.role == "owner" and _owners_left(session, int(row.id or 0)) == 0:
            raise Conflict(f"{row.name} is the only owner; make another account owner first.")
    row.active = active
    row.version += 1
    session.add(row)
    if not active:
        session.execute(update(StaffToken).where(col(StaffToken.staff_id) == row.id,
                                                 col(StaffToken.revoked_at).is_(None)).values(revoked_at=clock.now()))
    session.flush()
    shop.record(session=session, actor=actor, action="staff.enable" if active else "staff.disable", entity="staff",
                entity_id=row.id, summary=f"{row.name} {'enabled' if active else 'disabled'}",
                before={"active": not active}, after={"active": active})
    session.info.pop(("shoptui.grants", row.id), None)
    return read_model(row)


def reset_password(*, session: Session, actor: Actor, name: str, password: str) -> StaffRead:
    """Give an account a new password (they must change it at their next login) and end its sessions."""
    _require_manage(session, actor)
    row = find(session, name)
    check_password(password, name=row.name, min_length=_min_length(session))
    if row.role == "owner" and row.id != actor.staff_id and shop.grants(session, actor).role != "owner":
        raise NotAllowed("Only an owner can reset an owner's password.", permission="staff.manage")
    row.password_hash = hash_secret(password)
    row.password_changed_at = clock.now()
    row.must_change_password = row.id != actor.staff_id
    row.failed_logins = 0
    row.locked_until = None
    row.version += 1
    session.add(row)
    session.execute(update(StaffToken).where(col(StaffToken.staff_id) == row.id, col(StaffToken.kind) == "session",
                                             col(StaffToken.revoked_at).is_(None)).values(revoked_at=clock.now()))
    session.flush()
    shop.record(session=session, actor=actor, action="staff.reset_password", entity="staff", entity_id=row.id,
                summary=f"password of {row.name} reset")
    shop.record(session=session, actor=actor, action="security.password_reset", entity="staff", entity_id=row.id,
                summary=f"password of {row.name} reset by {actor.name}")
    _notify_owner(session, f"Password of {row.name} reset", f"{actor.name} reset the password of {row.name}.")
    return read_model(row)


def unlock(*, session: Session, actor: Actor, name: str) -> StaffRead:
    """Lift a lockout after failed logins."""
    _require_manage(session, actor)
    from shoptui.services.staff.lockout import clear

    row = find(session, name)
    row.failed_logins = 0
    row.locked_until = None
    session.add(row)
    clear(session, f"login:{row.name_key}")
    clear(session, f"pin:{row.name_key}")
    session.flush()
    shop.record(session=session, actor=actor, action="staff.unlock", entity="staff", entity_id=row.id,
                summary=f"{row.name} unlocked")
    return read_model(row)


def set_pin(*, session: Session, actor: Actor, name: str, pin: str | None) -> StaffRead:
    """Set (or with None clear) an account's counter PIN, for quick switching at the till."""
    row = find(session, name)
    if row.id != actor.staff_id:
        shop.require(session=session, actor=actor, permission="staff.manage")
    row.pin_hash = None if pin is None else hash_secret(check_pin(pin))
    session.add(row)
    session.flush()
    shop.record(session=session, actor=actor, action="security.pin_set" if pin else "security.pin_cleared",
                entity="staff", entity_id=row.id, summary=f"counter PIN of {row.name} {'set' if pin else 'cleared'}")
    return read_model(row)


class RoleRead(BaseModel):
    """What one role may do: each permission held, and its limit where it has one."""

    role: str
    label: str
    permissions: dict[str, int | None]


def list_roles(*, session: Session) -> list[RoleRead]:
    """Every role and what it may do now (defaults with the owner's changes)."""
    out = []
    for role, label in shop.ROLES.items():
        held, limits = shop.role_grants(session, role)
        out.append(RoleRead(role=role, label=label, permissions={p: limits.get(p) for p in sorted(held)}))
    return out


def set_grant(*, session: Session, actor: Actor, role: str, permission: str, granted: bool,
              limit_minor: int | None = None) -> RoleRead:
    """Grant a permission to a role (with a money limit where it has one) or take it away."""
    _require_manage(session, actor)
    role = check_role(role)
    if role == "owner":
        raise InvalidInput("The owner role always holds every permission.", field="role")
    if permission not in shop.PERMISSIONS:
        raise InvalidInput(f"There is no permission {permission!r}; `shoptui staff role list` shows them.",
                           field="permission")
    if limit_minor is not None and (limit_minor < 0 or limit_minor > 10**13):
        raise InvalidInput("The limit must be zero or more.", field="limit")
    before_held, before_limits = shop.role_grants(session, role)
    grant = session.get(RoleGrant, (role, permission)) or RoleGrant(role=role, permission=permission)
    grant.granted = granted
    grant.limit_minor = limit_minor if granted else None
    session.add(grant)
    session.flush()
    shop.record(session=session, actor=actor, action="role.grant" if granted else "role.revoke", entity="role",
                entity_id=role, summary=f"{permission} {'granted to' if granted else 'taken from'} {role}"
                + (f" (limit {limit_minor})" if granted and limit_minor is not None else ""),
                before={"held": permission in before_held, "limit": before_limits.get(permission)},
                after={"held": granted, "limit": grant.limit_minor})
    for key in [k for k in session.info if isinstance(k, tuple) and k and k[0] == "shoptui.grants"]:
        session.info.pop(key, None)
    return next(r for r in list_roles(session=session) if r.role == role)


def _claim_first_run(session: Session) -> bool:
    """True for the one terminal that creates the first owner (a conditional insert, so two first runs at once
    cannot both make an owner)."""
    from shoptui.models._types import table_of
    from shoptui.models.store import StoreSetting
    from shoptui.store import unique

    return unique.insert_ignore(session, table_of(StoreSetting),
                                {"key": "owner_created_at", "value": clock.now().isoformat(), "updated_at": clock.now()})


def _insert(session: Session, row: StaffMember) -> None:
    """Add the account; the unique name holds even when two terminals add the same name at once."""
    from shoptui.models._types import table_of
    from shoptui.store import unique

    def taken() -> Exception:
        return Conflict(f"The account name {row.name!r} is taken; choose another.", field="name")

    with unique.refused_as(session, table_of(StaffMember), {"uq_staff_name_key": taken}):
        session.add(row)


def _notify_owner(session: Session, title: str, body: str) -> None:
    shop.notify(session=session, title=title, body=body, severity="warning", audience="owner")
