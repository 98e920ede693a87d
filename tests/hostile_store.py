"""A demo store where every user-typed field holds markup, and (seeded by SQL) a terminal escape.

Used by the CLI and TUI tests of issue 11 items 4 and 37: what a user typed is data, shown as typed.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shoptui import db
from shoptui.cli.main import app
from tests.store_files import copy_store, execute, rows, template_token

MARKUP = "[/] [bold red]x[/] [link=https://evil.example]click[/link]"
# input refuses control characters (item 40); older rows or SQL can still hold them
ESCAPE = " \x1b]8;;http://e\x07E\x1b[31m"

# the user-text columns: every name, title, note, address, tag, reason...
TEXT_COLUMNS: dict[str, list[str]] = {
    "product": ["title", "description", "brand", "option1_name"],
    "variant": ["option1"],
    "product_tag": ["tag"],
    "category": ["name"],
    "customer": ["name", "note"],
    "customer_address": ["recipient", "city", "district", "street"],
    "member_tier": ["name"],
    "member_tag": ["tag"],
    "supplier": ["name", "contact", "note"],
    "purchase_order": ["note"],
    "stock_location": ["name"],
    "stock_movement": ["reason", "note"],
    "till_shift": ["note"],
    "stocktake": ["note"],
    "promotion": ["name", "description"],
    "coupon": ["name", "share_text"],
    "sales_order": ["customer_name", "ship_recipient", "ship_city", "ship_street", "note"],
    "order_line": ["title"],
    "order_event": ["message"],
    "audit_entry": ["summary"],
    "staff": ["full_name"],
    "staff_token": ["label"],
    "notification": ["title", "body"],
}


def build(folder: Path, template: str) -> str:
    """Make the hostile store (a file in ``folder``, or a PostgreSQL database) from a copy of ``template``
    (so the suite's owner is logged in to it); returns its URL."""
    url = copy_store(template, folder, "shop.db")
    runner = CliRunner(env={"SHOPTUI_TOKEN": template_token(template)})  # (a module fixture: before the login)

    def run(*args: str, input: str | None = None) -> str:
        result = runner.invoke(app, ["--db", url, *args], input=input)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout

    run("db", "upgrade")
    run("demo", "load")
    run("settings", "set", "name", f"Shop {MARKUP}")
    run("settings", "set", "address", MARKUP)
    run("settings", "set", "receipt_footer", MARKUP)
    run("category", "add", f"Cat {MARKUP}", "--slug", "hostile")
    run("product", "add", "--title", MARKUP, "--sku", "EVIL-1", "--price", "9.90", "--status", "active",
        "--category", "hostile", "--tag", "[red]tag[/]", "--description", f"line one {MARKUP}", "--brand", MARKUP)
    run("stock", "restock", "EVIL-1", "5") if _has(runner, url, "stock", "restock") else None
    run("customer", "add", f"Cust {MARKUP}", "--phone", "13800000001", "--note", MARKUP,
        "--street", MARKUP, "--city", "[b]City[/b]", "--country", "CN")
    run("member", "add", "--name", "[link=https://evil.example]Evil[/link]", "--phone", "13800000002",
        "--tag", "[i]vip[/i]")
    run("supplier", "add", f"Sup {MARKUP}", "--contact", MARKUP, "--note", MARKUP)
    run("po", "create", f"Sup {MARKUP}", "--note", MARKUP)
    run("promo", "add", f"Promo {MARKUP}", "--kind", "discount", "--percent", "10")
    run("coupon", "add", f"Coupon {MARKUP}", "--amount", "5", "--code", "EVILCODE", "--share-text", MARKUP)
    order = {"items": [{"sku": "EVIL-1", "qty": 1}], "guest": {"name": f"Guest {MARKUP}"}, "note": MARKUP}
    runner.invoke(app, ["--db", url, "order", "create", "--json-file", "-"], input=json.dumps(order))
    run("order", "create", "-i", "EVIL-1:1", "--guest", f"Guest {MARKUP}", "--note", MARKUP, "--pay", "cash")
    run("shift", "open", "--float", "100", "--note", MARKUP)
    run("stocktake", "start", "--note", MARKUP)
    run("tier", "edit", _first_tier(url), "--name", "[/] [link=https://evil.example]T[/link]")
    run("staff", "add", "mei", "--role", "clerk", "--full-name", f"Mei {MARKUP}", "--password-stdin",
        input="a-first-clerk-passphrase\n")
    run("staff", "token", "create", "mei", "--label", "[b]till[/b]")
    db.dispose_all()
    _seed_escapes(url)
    return url


def _has(runner: CliRunner, url: str, *command: str) -> bool:
    return runner.invoke(app, ["--db", url, *command, "--help"]).exit_code == 0


def _first_tier(url: str) -> str:
    return str(rows(url, "select code from member_tier order by code limit 1")[0][0])


def _seed_escapes(url: str) -> None:
    """Append a terminal escape to every user-text column, past the input checks (as old rows would)."""
    statements = [f'update "{table}" set "{column}" = "{column}" || :escape where "{column}" is not null'
                  for table, columns in TEXT_COLUMNS.items() for column in columns]
    execute(url, *statements, "update store_setting set value = :name where key = 'name'",
            params={"escape": ESCAPE, "name": json.dumps(f"Shop {MARKUP}{ESCAPE}")})
