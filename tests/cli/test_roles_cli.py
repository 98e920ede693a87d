"""Each role on the command line: what it must be refused and what it may do (issue 14).

A store with the orders seed, two paid counter sales (SO-000001: 2 x TEE-01, 198.00; SO-000002: MUG-01,
35.50) and a manager, a clerk and a stock keeper, each logged in with a session, is built once per module
and copied per test. A refusal exits 1 with one line naming the permission and who may grant it, and
leaves the store as it was apart from the security audit line and the owner's notification.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoptui import db
from shoptui.cli.main import app
from shoptui.config import Actor
from tests.cli.conftest import store_digest
from tests.services.orders_helpers import add_product, seed
from tests.store_files import copy_store, drop_store, execute, rows, seal_template, store_copy, table_names

PASSWORDS = {"maria": "manager-first-passphrase", "carl": "clerk-first-passphrase", "sam": "keeper-first-passphrase"}
ROLE_OF = {"maria": "manager", "carl": "clerk", "sam": "stock_keeper"}
ACCOUNT = {role: name for name, role in ROLE_OF.items()}
# what a refusal may change: the audit line and the owner's bell (nothing else)
WRITTEN_BY_A_REFUSAL = ("audit_entry", "notification")


@pytest.fixture(scope="module")
def role_template(template_store: str, owner_token: str, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[tuple[str, dict[str, str]]]:
    """The module's sealed store and each role's session token."""
    from shoptui.services import staff

    folder = tmp_path_factory.mktemp("roles")
    url = copy_store(template_store, folder, "roles-template.db")
    owner = Actor("owner", "test")
    with db.transaction(url) as session:
        seed(session)
        add_product(session, "NEW-01", 500, title="New, no history")
        for name, role in ROLE_OF.items():
            staff.add_staff(session=session, actor=owner, name=name, role=role, password=PASSWORDS[name])
    runner = CliRunner()
    for command in (["sale", "TEE-01x2", "--pay", "card:198"], ["sale", "MUG-01", "--pay", "card:35.50"],
                    ["member", "add", "--phone", "13900000000", "--name", "Li Lei"]):
        result = runner.invoke(app, ["--db", url, *command], env={"SHOPTUI_TOKEN": owner_token})
        assert result.exit_code == 0, result.stderr
    tokens: dict[str, str] = {}
    with db.transaction(url) as session:
        for name in ROLE_OF:
            login = staff.login(session=session, name=name, password=PASSWORDS[name], source="test",
                                new_password=PASSWORDS[name] + "-mine")
            assert login.ok and login.token, login.message
            tokens[ROLE_OF[name]] = login.token
    execute(url, "UPDATE staff_token SET expires_at = NULL WHERE kind = 'session'")
    seal_template(url)
    yield url, tokens
    drop_store(url)


@pytest.fixture
def role_store(role_template: tuple[str, dict[str, str]], tmp_path: Path) -> Iterator[str]:
    yield from store_copy(role_template[0], tmp_path, "roles.db")


@pytest.fixture
def as_role(role_template: tuple[str, dict[str, str]], role_store: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``as_role("clerk", "sale", ...)`` runs a command on the test's store logged in as that role."""
    runner = CliRunner()

    import shoptui.cli.staff as cli_staff

    def run(role: str, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        monkeypatch.setenv("SHOPTUI_TOKEN", role_template[1][role])
        cli_staff._stdin_lines = None  # each command reads its own standard input (one command a process outside tests)
        return runner.invoke(app, ["--db", role_store, *args], input=input)

    return run


def _kept(url: str) -> str:
    return store_digest(url, tuple(t for t in table_names(url) if t not in WRITTEN_BY_A_REFUSAL))


def _security_lines(url: str) -> list[tuple[str, str, str]]:
    return [(str(a), str(b), str(c)) for a, b, c in
            rows(url, "SELECT action, actor, summary FROM audit_entry ORDER BY id")]


REFUSED = [
    # the clerk: no prices, settings, staff, deletes, catalogue, reports, audit, outbox, store
    ("clerk", ["variant", "edit", "TEE-01", "--price", "1.00"], "catalog.edit"),
    ("clerk", ["product", "edit", "TEE-01", "--title", "Cheap tee"], "catalog.edit"),
    ("clerk", ["product", "delete", "NEW-01"], "delete"),
    ("clerk", ["product", "bulk", "TEE-01", "--price", "-10%", "--yes"], "prices.change"),
    ("clerk", ["settings", "set", "name", "Mine now"], "settings.change"),
    ("clerk", ["staff", "add", "eve", "--role", "clerk", "--password-stdin"], "staff.manage"),
    ("clerk", ["staff", "role", "grant", "clerk", "prices.change"], "staff.manage"),
    ("clerk", ["stock", "adjust", "TEE-01", "-3", "--reason", "damaged"], "stock.manage"),
    ("clerk", ["report", "sales"], "reports.view"),
    ("clerk", ["audit", "list"], "audit.view"),
    ("clerk", ["outbox", "list"], "outbox.manage"),
    ("clerk", ["member", "points", "adjust", "13900000000", "+500", "--reason", "friend"], "credit.adjust"),
    ("clerk", ["product", "import", "{csv}"], "data.import"),
    ("clerk", ["db", "backup"], "store.admin"),
    # the stock keeper: the stock room only
    ("stock_keeper", ["sale", "MUG-01", "--pay", "cash:50"], "sell"),
    ("stock_keeper", ["order", "create", "-i", "TEE-01"], "sell"),
    ("stock_keeper", ["order", "refund", "SO-000002", "--amount", "5", "--reason", "goodwill", "--yes"], "refund"),
    ("stock_keeper", ["variant", "edit", "TEE-01", "--price", "1.00"], "catalog.edit"),
    ("stock_keeper", ["report", "stock"], "reports.view"),
    # the manager: all but staff, settings and the store
    ("manager", ["staff", "add", "eve", "--role", "clerk", "--password-stdin"], "staff.manage"),
    ("manager", ["staff", "disable", "carl"], "staff.manage"),
    ("manager", ["settings", "set", "name", "Mine now"], "settings.change"),
    ("manager", ["db", "backup"], "store.admin"),
]


@pytest.mark.parametrize(("role", "args", "permission"), REFUSED, ids=[f"{r}-{' '.join(a[:2])}" for r, a, _ in REFUSED])
def test_each_role_is_refused_what_it_may_not_do(as_role, role_store: str, tmp_path: Path, role: str,  # type: ignore[no-untyped-def]
                                                 args: list[str], permission: str) -> None:
    before, lines = _kept(role_store), len(_security_lines(role_store))
    bell = rows(role_store, "SELECT count(*) FROM notification WHERE audience = 'owner'")[0][0]
    csv = tmp_path / "products.csv"
    csv.write_text("sku,title,price\nNEW-02,New,5.00\n", encoding="utf-8")
    args = [str(csv) if a == "{csv}" else a for a in args]
    result = as_role(role, *args, input="a-new-clerk-passphrase\n" * 2)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and message.startswith("error: Not allowed"), message
    assert f"'{permission}'" in message and "can grant it" in message, message
    assert _kept(role_store) == before
    new = _security_lines(role_store)[lines:]
    assert [(action, actor) for action, actor, _ in new] == [("security.refused", ACCOUNT[role])], new
    assert permission in new[0][2]
    assert rows(role_store, "SELECT count(*) FROM notification WHERE audience = 'owner'")[0][0] == bell + 1


def _ok(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return str(result.stdout)


def test_the_clerk_sells_takes_orders_and_refunds_within_the_limit(as_role, role_store: str) -> None:  # type: ignore[no-untyped-def]
    assert _ok(as_role("clerk", "sale", "MUG-01", "--pay", "cash:50")).startswith("Sold SO-000003")
    _ok(as_role("clerk", "order", "create", "-i", "CAP-01"))
    _ok(as_role("clerk", "order", "refund", "SO-000002", "--amount", "10", "--reason", "goodwill", "--yes"))
    entries = rows(role_store, "SELECT actor FROM audit_entry WHERE action IN ('order.create', 'order.refund')")
    assert {str(a) for (a,) in entries} == {"carl", "owner"}


def test_the_clerk_is_refused_a_refund_above_the_limit_also_in_parts(as_role, role_store: str) -> None:  # type: ignore[no-untyped-def]
    before = _kept(role_store)
    refused = as_role("clerk", "order", "refund", "SO-000001", "--amount", "150", "--reason", "goodwill", "--yes")
    assert refused.exit_code == 1
    assert "a refund of 150.00 on order SO-000001 is above the clerk role's limit of 100.00 for 'refund'" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and _kept(role_store) == before
    _ok(as_role("clerk", "order", "refund", "SO-000001", "--amount", "60", "--reason", "goodwill", "--yes"))
    second = as_role("clerk", "order", "refund", "SO-000001", "--amount", "60", "--reason", "goodwill", "--yes")
    assert second.exit_code == 1 and "120.00 with the 60.00 this account refunded on it before" in second.stderr
    refunded = rows(role_store, "SELECT refunded_minor FROM sales_order WHERE number = 'SO-000001'")[0][0]
    assert refunded == 6000
    _ok(as_role("manager", "order", "refund", "SO-000001", "--amount", "120", "--reason", "goodwill", "--yes"))


def test_a_clerk_cannot_refund_by_cancelling_a_paid_order(as_role, role_store: str) -> None:  # type: ignore[no-untyped-def]
    created = json.loads(_ok(as_role("manager", "order", "create", "-i", "TEE-01x2", "--json")))
    number = created["number"]
    _ok(as_role("manager", "order", "pay", number, "--method", "card"))
    refused = as_role("clerk", "order", "cancel", number, "--reason", "changed mind")
    assert refused.exit_code == 1 and "above the clerk role's limit of 100.00" in refused.stderr, refused.stderr
    assert rows(role_store, f"SELECT status FROM sales_order WHERE number = '{number}'")[0][0] == "open"


def test_the_stock_keeper_restocks_counts_and_receives(as_role, role_store: str) -> None:  # type: ignore[no-untyped-def]
    _ok(as_role("stock_keeper", "stock", "restock", "TEE-01", "5", "--cost", "40.00"))
    _ok(as_role("stock_keeper", "stock", "adjust", "MUG-01", "-1", "--reason", "damaged"))
    started = json.loads(_ok(as_role("stock_keeper", "stocktake", "start", "--json")))
    _ok(as_role("stock_keeper", "stocktake", "count", str(started["id"]), "CAP-01", "1"))
    _ok(as_role("stock_keeper", "stocktake", "import", str(started["id"]), "-", input="SKU,counted\nMUG-01,3\n"))
    actors = {str(a) for (a,) in rows(role_store, "SELECT DISTINCT actor FROM audit_entry WHERE action LIKE 'stock%'")}
    assert "sam" in actors


def test_the_manager_changes_prices_and_reads_reports(as_role, role_store: str) -> None:  # type: ignore[no-untyped-def]
    _ok(as_role("manager", "variant", "edit", "TEE-01", "--price", "89.00"))
    _ok(as_role("manager", "report", "sales", "--json"))
    _ok(as_role("manager", "audit", "list", "--json"))
    price = rows(role_store, "SELECT price_minor FROM variant WHERE sku = 'TEE-01'")[0][0]
    assert price == 8900


def test_a_grant_by_the_owner_applies_at_once(as_role, role_store: str) -> None:  # type: ignore[no-untyped-def]
    assert as_role("clerk", "report", "sales").exit_code == 1
    with db.transaction(role_store) as session:
        from shoptui.services import staff

        staff.set_grant(session=session, actor=Actor("owner", "test"), role="clerk", permission="reports.view",
                        granted=True)
    _ok(as_role("clerk", "report", "sales", "--json"))
