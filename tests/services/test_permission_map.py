"""Every audited action of the source maps to a permission, and the roles' defaults keep the issue's rules.

The audit writer checks every change against ``permissions.ACTIONS`` (an action it does not know is the
owner's alone). This scans the source for every action name given to ``record``/``record_many`` (literals,
both arms of a conditional, and the f-string patterns with the values they take), so a new action that
nobody mapped fails here instead of refusing every role but the owner's at the counter.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from shoptui import db
from shoptui.services.shop import permissions
from shoptui.services.shop.permissions import ACTIONS, PERMISSIONS, needed_for, role_grants

ROOT = Path(__file__).resolve().parents[2] / "shoptui"

# The f-string action patterns of the source and every value their placeholder takes (each value must be a
# string the module spells out, so this table cannot drift away from the code unnoticed).
PATTERNS: dict[str, tuple[str, ...]] = {
    "product.bulk_{action.kind}": ("status", "category", "add_tag", "remove_tag", "price"),
    "order.return_{word}": ("approved", "rejected"),
    "security.{action}": ("recovery_code_used", "login_locked", "login_failed", "network_refused", "password_changed",
                          "login", "lockout", "pin_switch", "token_locked", "token_refused", "token_use", "logout",
                          "refused"),
    "stock.{action}": ("reserve", "release", "fulfil", "sell"),
    "stocktake.{mode}": ("scan", "add", "set", "undo"),
    "promotion.{action}": ("pause", "resume", "activate", "end"),
    "member.credit.{kind}": ("topup", "adjust", "payment", "refund"),
    "store.{what}": ("upgrade", "restore"),
}

# Patterns of ACTIONS kept for actions another part of the product writes (nothing in the source yet).
RESERVED: set[str] = set()


def _calls() -> Iterator[tuple[Path, ast.Call, ast.expr]]:
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name not in ("record", "record_many"):
                continue
            for keyword in node.keywords:
                if keyword.arg == "action":
                    yield path, node, keyword.value


def _names(path: Path, value: ast.expr) -> list[str]:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, ast.IfExp):
        return _names(path, value.body) + _names(path, value.orelse)
    if isinstance(value, ast.JoinedStr):
        pattern = "".join(part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
                          for part in value.values)
        assert pattern in PATTERNS, f"{path}: the audit action pattern {pattern!r} is new: add its values to PATTERNS"
        source = path.read_text(encoding="utf-8")
        names = []
        for word in PATTERNS[pattern]:
            assert f'"{word}"' in source, f"{path}: {word!r} of {pattern!r} is not a value the module spells out"
            head, _, tail = pattern.partition("{")
            names.append(head + word + tail.partition("}")[2])
        return names
    raise AssertionError(f"{path}: an audit action that is not a literal or a known pattern: {ast.unparse(value)}")


@pytest.fixture(scope="module")
def actions() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path, _, value in _calls():
        for name in _names(path, value):
            found.setdefault(name, path)
    return found


def test_the_scan_finds_the_actions_of_every_domain(actions: dict[str, Path]) -> None:
    domains = {path.relative_to(ROOT).parts[1] for path in actions.values()}
    assert {"catalog", "inventory", "orders", "sales", "members", "marketing", "messaging", "analytics", "shop",
            "staff"} <= domains
    assert len(actions) > 100


def test_every_audited_action_maps_to_a_permission(actions: dict[str, Path]) -> None:
    unmapped = sorted(f"{name} ({path.relative_to(ROOT)})" for name, path in actions.items() if needed_for(name) is None)
    assert not unmapped, "actions that would be the owner's alone by accident: " + ", ".join(unmapped)
    for name in actions:
        for permission in needed_for(name) or ():
            assert permission in PERMISSIONS, (name, permission)


def test_every_pattern_of_the_map_is_used(actions: dict[str, Path]) -> None:
    def used(pattern: str) -> bool:
        if pattern.endswith("_*"):
            return any(name.startswith(pattern[:-1]) for name in actions)
        if pattern.endswith(".*"):
            return any(name.startswith(pattern[:-1]) for name in actions)
        return pattern in actions

    assert sorted(p for p in ACTIONS if not used(p) and p not in RESERVED) == []


def test_deletes_imports_and_prices_need_their_own_permission(actions: dict[str, Path]) -> None:
    for name in actions:
        if name.endswith(".delete"):
            assert needed_for(name) == ("delete",), name
        if name.endswith(".import") and not name.startswith("stocktake."):
            assert needed_for(name) == ("data.import",), name
    assert needed_for("product.bulk_price") == ("prices.change",)
    assert needed_for("member.tier.recalculate") == ("members.manage", "sell", "orders.manage", "refund")
    assert needed_for("tier.recalculate") == ("marketing.manage",)
    assert needed_for("no.such.action") is None


@pytest.fixture(scope="module")
def defaults(template_store: str) -> Iterator[dict[str, frozenset[str]]]:
    with db.read_session(template_store) as session:
        found = {role: role_grants(session, role)[0] for role in permissions.ROLES}
    db.dispose_all()  # the template is copied by other tests: no connection left open on it (PostgreSQL)
    yield found


def _may(held: frozenset[str], action: str) -> bool:
    needs = needed_for(action)
    return needs is not None and (not needs or any(p in held for p in needs))


def test_the_clerk_sells_and_takes_returns_but_changes_no_price_setting_staff_or_delete(
        actions: dict[str, Path], defaults: dict[str, frozenset[str]]) -> None:
    clerk = defaults["clerk"]
    for name in ("order.create", "order.pay", "shift.open", "shift.close", "stock.sell", "order.refund",
                 "order.return_request", "order.return_receive", "order.exchange", "member.add", "customer.add",
                 "member.points.earn", "member.points.redeem", "member.tier.recalculate", "member.credit.topup",
                 "member.credit.refund", "marketing.use"):
        assert _may(clerk, name), name
    for name in actions:
        needs = set(needed_for(name) or ())
        if needs and needs <= {"prices.change", "settings.change", "staff.manage", "delete", "store.admin",
                               "credit.adjust", "catalog.edit", "marketing.manage", "data.import"}:
            assert not _may(clerk, name), name
    assert "prices.change" not in clerk and "delete" not in clerk and "settings.change" not in clerk
    assert permissions.PERMISSIONS["refund"].limits == (("clerk", 10_000),)


def test_the_stock_keeper_restocks_counts_and_receives_but_does_not_sell_or_refund(
        actions: dict[str, Path], defaults: dict[str, frozenset[str]]) -> None:
    keeper = defaults["stock_keeper"]
    for name in ("stock.restock", "stock.adjust", "stock.transfer", "stocktake.start", "stocktake.scan",
                 "stocktake.import", "stocktake.post", "po.create", "po.receive", "supplier.add", "location.add"):
        assert _may(keeper, name), name
    for name in ("order.create", "order.pay", "order.refund", "order.exchange", "order.return_receive", "shift.open",
                 "member.points.redeem", "member.credit.refund", "product.update", "product.bulk_price",
                 "settings.set", "staff.add", "product.delete"):
        assert not _may(keeper, name), name


def test_the_manager_does_all_but_settings_staff_and_the_store(defaults: dict[str, frozenset[str]]) -> None:
    manager = defaults["manager"]
    assert set(PERMISSIONS) - manager == {"settings.change", "staff.manage", "store.admin"}
    assert defaults["owner"] == frozenset(PERMISSIONS)


def test_a_price_field_needs_prices_change_except_where_the_cost_follows_from_stock(store: str) -> None:
    from shoptui.config import Actor
    from shoptui.errors import NotAllowed
    from shoptui.services import staff

    with db.transaction(store) as session:
        row = staff.add_staff(session=session, actor=Actor("owner", "test"), name="cathy", role="manager",
                              password="a-long-manager-passphrase")
        staff.set_grant(session=session, actor=Actor("owner", "test"), role="manager", permission="prices.change",
                        granted=False)
    manager = Actor("cathy", "test", staff_id=row.id, role="manager")
    with Session(db.get_engine(store)) as session:
        for action, after in (("variant.update", {"price_minor": 100}), ("product.update", {"compare_at_minor": 9}),
                              ("variant.update", {"cost_minor": 5}), ("product.bulk_price", {"TEE-01": 100})):
            with pytest.raises(NotAllowed, match="prices.change"):
                permissions.check_action(session, manager, action, after)
        permissions.check_action(session, manager, "variant.update", {"title": "x"})
        permissions.check_action(session, manager, "variant.create", {"price_minor": 100})
        permissions.check_action(session, manager, "stock.restock", {"cost_minor": 100, "on_hand": 3})
