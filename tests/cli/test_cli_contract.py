"""Commands do what their help says: --all, idempotency keys, the store named by --db (issue 11)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import typer

from shoptui import db
from shoptui.cli.main import app
from tests.cli.conftest import store_digest
from tests.services.orders_helpers import CLERK


def _ok(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.stderr
    return result.stdout


# ---------------------------------------------------------------- item 23: --all means all


def _commands_with_option(option: str) -> list[str]:
    """Every command path (``order list``) that has ``option``, loading every module's group."""
    root = typer.main.get_command(app)
    found: list[str] = []

    def walk(group: Any, path: list[str]) -> None:
        if hasattr(group, "list_commands"):
            ctx = group.context_class(group)
            for name in group.list_commands(ctx):
                walk(group.get_command(ctx, name), [*path, name])
        elif any(option in p.opts for p in group.params):
            found.append(" ".join(path))

    walk(root, [])
    return sorted(found)


def test_every_all_option_is_walked_by_this_test() -> None:
    # a new --all must get its check below (more rows than a page)
    assert _commands_with_option("--all") == ["notification read", "order list"]


def test_order_list_all_returns_every_order_beyond_a_page(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    from shoptui.services.inventory.changes import restock
    from shoptui.services.orders import drafts, placing

    with db.transaction(seeded) as s:
        restock(session=s, actor=CLERK, code="CAP-01", quantity=100)
        for _ in range(57):  # more than the default page of 50
            placing.create_order(session=s, actor=CLERK, draft=drafts.OrderDraft(
                lines=[drafts.DraftLine(sku="CAP-01", quantity=1)], guest_name="G"))
    page = json.loads(_ok(shop("order", "list", "--all", "--json")))
    assert len(page["items"]) == 57 and page["next_after"] is None
    assert len(json.loads(_ok(shop("order", "list", "--json")))["items"]) == 50
    table = _ok(shop("order", "list", "--all"))
    assert table.count("SO-0000") == 57
    refused = shop("order", "list", "--all", "--limit", "10")
    assert refused.exit_code == 2 and "leave out --limit" in refused.stderr


def test_notification_read_all_marks_more_than_a_page(shop, store: str) -> None:  # type: ignore[no-untyped-def]
    from shoptui.services.shop import notifications

    with db.transaction(store) as s:
        for i in range(130):  # more than a page of 'notification list' (50) or of the service's lists (500 max)
            notifications.notify(session=s, title=f"note {i}")
    assert "130" in _ok(shop("notification", "read", "--all"))
    with db.read_session(store) as s:
        assert notifications.list_notifications(session=s, unread_only=True) == []


# ---------------------------------------------------------------- item 44: an empty store name is refused


def test_empty_db_option_is_refused_and_the_default_store_untouched(runner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from shoptui.config import data_dir

    default = data_dir() / "shop.db"
    for args in (["--db", "", "settings", "show"], ["--db", "  ", "product", "add", "--title", "A", "--sku", "A1",
                                                    "--price", "1"], ["--db=", "db", "upgrade"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        assert result.stderr.strip() == "error: --db is empty (an unset variable?); give a store file path or a database URL."
    assert not default.exists()


def test_empty_database_url_variable_is_refused(runner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from shoptui.config import data_dir

    monkeypatch.setenv("SHOPTUI_DATABASE_URL", "")
    result = runner.invoke(app, ["product", "add", "--title", "A", "--sku", "A1", "--price", "1"])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: SHOPTUI_DATABASE_URL is set but empty; give it a store file path or a "
                                     "database URL, or unset it.")
    assert not (data_dir() / "shop.db").exists()


def test_empty_db_opening_the_app_is_refused(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import sys

    from shoptui.cli import entry
    from shoptui.tui import app as tui_app

    class NoApp:  # the TUI must not open (on the default store, as it did)
        def __init__(self, db_url: str) -> None:
            raise AssertionError(f"the app was opened on {db_url}")

    monkeypatch.setattr(tui_app, "ShopApp", NoApp)
    monkeypatch.setattr(sys, "argv", ["shoptui", "--db", ""])
    with pytest.raises(SystemExit) as stop:
        entry.run()
    assert stop.value.code == 1 and "--db is empty" in capsys.readouterr().err


# ---------------------------------------------------------------- item 24: a key belongs to one request


@pytest.mark.parametrize(("first", "other"), [
    (["product", "add", "--title", "A", "--sku", "A1", "--price", "1"],
     ["product", "add", "--title", "B", "--sku", "B1", "--price", "2"]),
    (["order", "create", "-i", "TEE-01", "--guest", "Ann"], ["order", "create", "-i", "MUG-01", "--guest", "Ann"]),
    (["stock", "restock", "TEE-01", "5"], ["stock", "restock", "TEE-01", "7"]),
    (["category", "add", "Tops"], ["category", "add", "Tops", "--slug", "tops-2"]),
])
def test_a_key_reused_with_other_arguments_is_refused(shop, seeded: str, store: str,  # type: ignore[no-untyped-def]
                                                      first: list[str], other: list[str]) -> None:
    done = shop(*first, "--idempotency-key", "k-1")
    assert done.exit_code == 0, done.stderr
    before = store_digest(store)
    again = shop(*first, "--idempotency-key", "k-1")  # the very same request replays
    assert again.exit_code == 0 and again.stdout == done.stdout and "already done" in again.stderr
    refused = shop(*other, "--idempotency-key", "k-1")
    assert refused.exit_code == 1 and refused.stdout == ""
    assert "this key was used for a different command" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert store_digest(store) == before


def test_a_key_reused_with_another_json_document_is_refused(shop, seeded: str, store: str) -> None:  # type: ignore[no-untyped-def]
    document = {"guest_name": "Ann", "lines": [{"sku": "MUG-01", "quantity": 1}]}
    _ok(shop("order", "create", "--json-file", "-", "--idempotency-key", "web-9", input=json.dumps(document)))
    before = store_digest(store)
    replay = shop("order", "create", "--json-file", "-", "--idempotency-key", "web-9", input=json.dumps(document))
    assert replay.exit_code == 0 and "already done" in replay.stderr
    document["lines"][0]["quantity"] = 3
    refused = shop("order", "create", "--json-file", "-", "--idempotency-key", "web-9", input=json.dumps(document))
    assert refused.exit_code == 1 and "this key was used for a different command" in refused.stderr
    assert store_digest(store) == before


def test_a_key_reused_by_another_command_is_refused(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("category", "add", "Tops", "--idempotency-key", "k-2"))
    refused = shop("product", "add", "--title", "A", "--sku", "A1", "--price", "1", "--idempotency-key", "k-2")
    assert refused.exit_code == 1 and "this key was used for a different command" in refused.stderr


def test_json_output_is_not_part_of_the_request(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    _ok(shop("order", "create", "-i", "TEE-01", "--idempotency-key", "k-3"))
    again = shop("order", "create", "-i", "TEE-01", "--idempotency-key", "k-3", "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["number"] == "SO-000001"


# ---------------------------------------------------------------- item 25: help says what commands do


def _help(shop, *command: str) -> str:  # type: ignore[no-untyped-def]
    result = shop(*command, "--help")
    assert result.exit_code == 0
    return " ".join(result.stdout.split())


def test_order_create_help_example_runs_and_names_every_field(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    from shoptui.cli.orders import ORDER_DOCUMENT_EXAMPLE

    text = _help(shop, "order", "create")
    assert ORDER_DOCUMENT_EXAMPLE in text and "order show --json" not in text
    created = json.loads(_ok(shop("order", "create", "--json-file", "-", "--json", input=ORDER_DOCUMENT_EXAMPLE)))
    assert (created["total"], created["payment_status"], created["customer_name"]) == ("188.00", "paid", "Ann")
    refused = shop("order", "create", "--json-file", "-", input='{"lines": [{"sku": "TEE-01"}], "bogus": 1}')
    known = refused.stderr.split("Known: ", 1)[1].strip().rstrip(".").split(", ")
    fields_help = text.split("with the fields ", 1)[1].split("; amounts", 1)[0]
    for field in known:  # every field the command takes is named in its help
        assert field in fields_help, field


def test_stock_moves_lists_every_location_as_its_help_says(shop, seeded: str) -> None:  # type: ignore[no-untyped-def]
    assert "default: every location" in _help(shop, "stock", "moves")
    _ok(shop("location", "add", "BACK", "Back room"))
    _ok(shop("stock", "transfer", "TEE-01", "2", "--from", "MAIN", "--to", "BACK"))
    everywhere = json.loads(_ok(shop("stock", "moves", "TEE-01", "--json")))
    assert {m["location"] for m in everywhere} == {"MAIN", "BACK"}
    only_back = json.loads(_ok(shop("stock", "moves", "TEE-01", "-l", "BACK", "--json")))
    assert {m["location"] for m in only_back} == {"BACK"}


def test_help_of_key_option_tells_the_refusal(shop) -> None:  # type: ignore[no-untyped-def]
    assert "the key with other arguments is refused" in _help(shop, "product", "add")


# ---------------------------------------------------------------- a mistyped command


def test_a_mistyped_command_suggests_the_close_names_of_every_module(runner) -> None:  # type: ignore[no-untyped-def]
    """The root command suggests from every module's command, loaded or not (typer alone knows only loaded ones)."""
    result = runner.invoke(app, ["ordr"])
    assert result.exit_code == 2, result.stderr
    assert "No such command 'ordr'. Did you mean 'order'?" in result.stderr
    nothing_close = runner.invoke(app, ["zzzzzz"])
    assert nothing_close.exit_code == 2
    assert "No such command 'zzzzzz'." in nothing_close.stderr and "Did you mean" not in nothing_close.stderr
