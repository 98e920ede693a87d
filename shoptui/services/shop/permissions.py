"""Who may do what: the permissions, each role's defaults, the owner's changes, and the one check.

Every change of data is audited (``audit.record``), and the audit writer asks :func:`check_action`
before it writes: so every write any face makes is checked here, failing closed (an action this
module does not know is the owner's alone). Use cases with a finer rule call :func:`require` or
:func:`require_within` themselves (a refund above the role's limit, reading reports).

The actor's role and whether the account is still active are read from the store once per
transaction (``session.info``), so a disabled account is refused on its very next action and a
changed grant applies at once. An ``Actor`` without a staff id is the system itself (tests, the demo
loader, migrations) and carries its role as given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from shoptui.config import Actor
from shoptui.errors import NotAllowed

ROLES: dict[str, str] = {
    "owner": "Owner",
    "manager": "Manager",
    "clerk": "Clerk",
    "stock_keeper": "Stock keeper",
}


@dataclass(frozen=True)
class Permission:
    """One thing a role may do: its name, what it allows, the roles that have it by default, and
    the default money limit per role where the permission has one."""

    name: str
    help: str
    roles: tuple[str, ...]
    limits: tuple[tuple[str, int], ...] = ()  # role -> limit in minor units (absent: no limit)


PERMISSIONS: dict[str, Permission] = {p.name: p for p in (
    Permission("sell", "Sell at the counter, open and close till shifts, take new orders and payments.",
               ("manager", "clerk")),
    Permission("orders.manage", "Edit, ship, deliver and cancel orders; send payment reminders.", ("manager", "clerk")),
    Permission("refund", "Take returns and exchanges and give refunds (up to the role's limit).",
               ("manager", "clerk"), limits=(("clerk", 10_000),)),
    Permission("catalog.edit", "Add and edit products, variants, categories and images.", ("manager",)),
    Permission("prices.change", "Change selling prices, compare-at prices and costs.", ("manager",)),
    Permission("stock.manage", "Restock, adjust, transfer, count and receive stock; suppliers and purchase orders.",
               ("manager", "stock_keeper")),
    Permission("members.manage", "Register and edit customers and members.", ("manager", "clerk")),
    Permission("credit.adjust", "Adjust members' points and store credit by hand (not through a sale or a refund).",
               ("manager",)),
    Permission("marketing.manage", "Promotions, coupons, member tiers and events; ad spend.", ("manager",)),
    Permission("reports.view", "See sales, product, customer, stock and traffic reports.", ("manager",)),
    Permission("audit.view", "Read the audit log.", ("manager",)),
    Permission("outbox.manage", "Send, retry and cancel queued email and SMS.", ("manager",)),
    Permission("data.import", "Import products, customers, orders and access logs from files.",
               ("manager",)),
    Permission("delete", "Delete products, variants, categories and other records.", ("manager",)),
    Permission("settings.change", "Change the store's settings.", ()),
    Permission("staff.manage", "Add, edit and disable staff accounts; change what each role may do.", ()),
    Permission("store.admin", "Back up, restore, upgrade and move the store.", ()),
)}

# What a PIN switch at the counter may do (the account's role permitting): no more than a till needs.
COUNTER_PERMISSIONS = frozenset({"sell", "refund", "members.manage"})

# What each audited action needs: any one of the permissions listed. Exact names first, then the
# longest "prefix.*" pattern. An action not found here is the owner's alone (fail closed).
_ANY_LOGGED_IN: tuple[str, ...] = ()
ACTIONS: dict[str, tuple[str, ...]] = {
    "security.*": _ANY_LOGGED_IN,  # logins, own password and two-factor changes: the auth service checks them
    "notification.*": _ANY_LOGGED_IN,
    # catalogue: edits need catalog.edit, a price among the changed fields also prices.change (PRICE_FIELDS)
    "category.delete": ("delete",),
    "category.*": ("catalog.edit",),
    "product.delete": ("delete",),
    "variant.delete": ("delete",),
    "product.import": ("data.import",),
    "product.bulk_price": ("prices.change",),  # its before/after are keyed by SKU, not by a price field
    "product.*": ("catalog.edit",),
    "variant.*": ("catalog.edit",),  # variant.generate that removes variants also needs delete (its service)
    # marketing
    "coupon.*": ("marketing.manage",),
    "promotion.*": ("marketing.manage",),
    "tier.*": ("marketing.manage",),
    "member.event.*": ("marketing.manage",),
    "member.gift.*": ("marketing.manage",),
    "traffic.spend": ("marketing.manage",),
    "marketing.use": ("sell", "orders.manage"),
    "marketing.release": ("sell", "orders.manage", "refund"),
    # customers and members
    "customer.import": ("data.import",),
    "customer.*": ("members.manage", "sell"),
    "member.add": ("members.manage", "sell"),
    "member.tier.*": ("members.manage", "sell", "orders.manage", "refund"),  # one member's tier after a sale
    "member.points.earn": ("sell", "orders.manage"),
    "member.points.redeem": ("sell",),
    "member.points.reverse": ("refund", "orders.manage", "sell"),
    "member.points.restore": ("refund", "orders.manage", "sell"),
    "member.points.gift": ("members.manage", "sell"),
    "member.points.adjust": ("credit.adjust",),
    "member.points.expire": ("members.manage",),
    "member.credit.topup": ("members.manage", "sell"),  # money paid in at the counter
    "member.credit.payment": ("sell", "orders.manage"),
    "member.credit.refund": ("refund",),  # within the refund limit (orders/refunds.py)
    "member.credit.adjust": ("credit.adjust",),
    "member.*": ("members.manage",),
    # orders and the counter
    "order.create": ("sell",),
    "order.pay": ("sell", "orders.manage"),
    "order.refund": ("refund",),
    "order.exchange": ("refund",),
    "order.return_*": ("refund",),
    "order.import": ("data.import",),
    "order.*": ("orders.manage",),
    "shift.*": ("sell",),
    # stock
    "stock.sell": ("sell", "orders.manage", "stock.manage"),
    "stock.fulfil": ("sell", "orders.manage", "stock.manage"),
    "stock.reserve": ("sell", "orders.manage", "stock.manage"),
    "stock.release": ("sell", "orders.manage", "refund", "stock.manage"),
    "stock.return": ("refund", "stock.manage"),
    "stock.*": ("stock.manage",),
    "stocktake.*": ("stock.manage",),  # counts from a scanner's file too: counting is the stock room's work
    "location.*": ("stock.manage",),
    "po.*": ("stock.manage",),
    "supplier.*": ("stock.manage",),
    # messages, settings, reports, staff, the store
    "outbox.test": ("settings.change",),
    "outbox.*": ("outbox.manage",),
    "settings.*": ("settings.change",),
    "traffic.import": ("data.import",),
    "report.refresh": ("reports.view", "store.admin"),
    "staff.*": ("staff.manage",),
    "role.*": ("staff.manage",),
    "store.*": ("store.admin",),
}

# Fields whose change is a change of price, whatever the action that changes them (the names in the audit
# ``after`` of product, variant and import changes; a bulk price change is its own action, product.bulk_price).
PRICE_FIELDS = frozenset({"price_minor", "compare_at_minor", "cost_minor", "price", "compare_at", "cost"})

# Actions whose price field follows from the stock received rather than from a decision about the price:
# a restock at a unit cost moves the variant's cost to the moving average (as a purchase order's receipt does).
DERIVED_PRICE_ACTIONS = frozenset({"stock.restock"})


def needed_for(action: str) -> tuple[str, ...] | None:
    """The permissions (any one) an audited action needs; None when only the owner may (unknown action)."""
    found = ACTIONS.get(action)
    if found is not None:
        return found
    parts = action.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        found = ACTIONS.get(".".join(parts[:cut]) + ".*")
        if found is not None:
            return found
    for pattern, needs in ACTIONS.items():  # "order.return_*": a prefix within the last part
        if pattern.endswith("_*") and action.startswith(pattern[:-1]):
            return needs
    return None


@dataclass(frozen=True)
class Grants:
    """What one actor may do in this transaction: their role, each permission held, and its limit."""

    role: str
    held: frozenset[str]
    limits: dict[str, int | None]

    def has(self, permission: str) -> bool:
        return self.role == "owner" or permission in self.held


def role_grants(session: Session, role: str) -> tuple[frozenset[str], dict[str, int | None]]:
    """The permissions ``role`` holds (its defaults changed by the owner's grants) and their limits."""
    from shoptui.models.staff import RoleGrant

    if role == "owner":
        return frozenset(PERMISSIONS), {name: None for name in PERMISSIONS}
    held = {name for name, p in PERMISSIONS.items() if role in p.roles}
    limits: dict[str, int | None] = {name: dict(p.limits).get(role) for name, p in PERMISSIONS.items()}
    for grant in session.exec(select(RoleGrant).where(RoleGrant.role == role)).all():
        if grant.permission not in PERMISSIONS:
            continue
        if grant.granted:
            held.add(grant.permission)
            limits[grant.permission] = grant.limit_minor
        else:
            held.discard(grant.permission)
    return frozenset(held), {name: limits[name] for name in held}


def grants(session: Session, actor: Actor) -> Grants:
    """The actor's grants, read once per transaction; a disabled or deleted account is refused here."""
    if actor.staff_id is None:
        if actor.role == "owner":
            return Grants("owner", frozenset(PERMISSIONS), {})
        held, limits = role_grants(session, actor.role)
        return Grants(actor.role, held, limits)
    key = ("shoptui.grants", actor.staff_id)
    cached = session.info.get(key)
    if isinstance(cached, Grants):
        return cached
    from shoptui.models.staff import StaffMember

    row = session.exec(select(StaffMember.active, StaffMember.role).where(StaffMember.id == actor.staff_id)).first()
    if row is None or not row[0]:
        raise NotAllowed(f"The account {actor.name!r} is disabled or no longer exists; log in with another account.")
    role = str(row[1])
    held, limits = role_grants(session, role)
    if actor.scope == "counter":  # switched in by PIN: the counter's permissions only, whatever the role
        role = role if role != "owner" else "owner (by PIN)"
        held = held & COUNTER_PERMISSIONS
        limits = {name: limits.get(name) for name in held}
    found = Grants(role, held, limits)
    session.info[key] = found
    return found


def _granters(permission: str) -> str:
    return "the owner" if permission in ("staff.manage", "store.admin") else "the owner (Settings → Staff → Roles)"


def refusal(actor_role: str, permission: str) -> NotAllowed:
    """The sentence for a refused permission: what is missing and who may grant it."""
    what = PERMISSIONS[permission].help[0].lower() + PERMISSIONS[permission].help[1:].rstrip(".")
    role = ROLES.get(actor_role, actor_role)
    return NotAllowed(f"Not allowed: the {role.lower()} role lacks the permission '{permission}' ({what}); "
                      f"{_granters(permission)} can grant it.", permission=permission)


def require(*, session: Session, actor: Actor, permission: str) -> None:
    """Refuse with NotAllowed unless the actor holds ``permission``."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    found = grants(session, actor)
    if not found.has(permission):
        raise refusal(found.role, permission)


def allowed(*, session: Session, actor: Actor, permission: str) -> bool:
    """True when the actor holds ``permission`` (for a face that hides what it may not do)."""
    try:
        return grants(session, actor).has(permission)
    except NotAllowed:
        return False


def require_within(*, session: Session, actor: Actor, permission: str, amount_minor: int, what: str,
                   money: Callable[[int], str]) -> None:
    """Refuse unless the actor holds ``permission`` and ``amount_minor`` is within its limit for their role.

    ``what`` is the amount as the operator reads it ("a refund of 250.00"); ``money`` formats the limit.
    """
    require(session=session, actor=actor, permission=permission)
    found = grants(session, actor)
    limit = None if found.role == "owner" else found.limits.get(permission)
    if limit is not None and amount_minor > limit:
        raise NotAllowed(f"Not allowed: {what} is above the {ROLES.get(found.role, found.role).lower()} role's limit "
                         f"of {money(limit)} for '{permission}'; a manager or the owner must do it, or the "
                         "owner can raise the limit.", permission=permission)


def check_action(session: Session, actor: Actor, action: str, after: dict[str, Any] | None = None) -> None:
    """The audit writer's check: refuse an action the actor's role may not take (see ACTIONS).

    A change that touches a price field also needs ``prices.change``.
    """
    if actor.staff_id is None and actor.role == "owner":
        return
    found = grants(session, actor)
    if found.role == "owner":
        return
    needs = needed_for(action)
    if needs is None:
        raise NotAllowed(f"Not allowed: only the owner may do '{action}'.", permission=action)
    if needs and not any(found.has(p) for p in needs):
        raise refusal(found.role, needs[0])
    if (after and PRICE_FIELDS.intersection(after) and not action.endswith(".create")
            and action not in DERIVED_PRICE_ACTIONS):
        if not found.has("prices.change"):
            raise refusal(found.role, "prices.change")
