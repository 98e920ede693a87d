"""Issue 11 items 4 and 37: what a user typed is printed as typed by every read command.

Every user-text field of the demo store holds markup (``[/]``, ``[link=...]``) and a terminal
escape seeded by SQL; every show/list/search/report command must succeed, print the brackets
literally, and never send an ESC byte to the terminal.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from shoptui.cli.main import app
from tests.hostile_store import build
from tests.store_files import rows


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, template_store: str) -> tuple[str, dict[str, str]]:
    url = build(tmp_path_factory.mktemp("hostile"), template_store)
    one = lambda sql: str(rows(url, sql)[0][0])  # noqa: E731
    ids = {
        "order": one("select number from sales_order where customer_name like 'Guest %' order by id limit 1"),
        "customer": one("select id from customer where name like 'Cust%'"),
        "supplier": one("select id from supplier where name like 'Sup%'"),
        "po": one("select id from purchase_order order by id desc limit 1"),
        "promo": one("select id from promotion where name like 'Promo %'"),
        "coupon": one("select id from coupon where name like 'Coupon %'"),
    }
    return url, ids


def read_commands(ids: dict[str, str]) -> list[list[str]]:
    return [
        ["db", "info"], ["db", "check"], ["settings", "show"], ["audit", "list"], ["notification", "list"],
        ["outbox", "list"], ["product", "show", "EVIL-1"], ["product", "list"],
        ["product", "search", "click"], ["variant", "list"], ["category", "list"],
        ["stock", "show", "EVIL-1"], ["stock", "moves", "EVIL-1"], ["stock", "list"],
        ["stock", "suggest-levels"], ["location", "list"], ["supplier", "list"],
        ["supplier", "show", ids["supplier"]], ["po", "show", ids["po"]], ["po", "list"], ["po", "suggest"],
        ["stocktake", "list"], ["stocktake", "show", "1"], ["stocktake", "review", "1"],
        ["shift", "show"], ["shift", "report"], ["order", "list"], ["order", "show", ids["order"]],
        ["order", "return", "list"], ["customer", "list"], ["customer", "show", ids["customer"]],
        ["shift", "list"], ["member", "list"], ["member", "show", "13800000002"],
        ["member", "credit-history", "13800000002"], ["member", "points", "history", "13800000002"],
        ["member", "gift", "list"], ["member", "event", "list"], ["tier", "list"],
        ["promo", "list"], ["promo", "show", ids["promo"]], ["coupon", "list"],
        ["coupon", "show", ids["coupon"]],
        ["traffic", "spend", "list"], ["traffic", "logs"], ["report", "traffic", "--by", "landing-page"],
        ["staff", "list"], ["staff", "show", "mei"], ["staff", "token", "list", "mei"], ["staff", "role", "list"],
    ]


NEEDS_A_RECORD_THE_DEMO_LACKS = {"outbox show"}  # no message is queued in the demo store


def test_the_list_covers_every_read_command_of_the_tree(hostile: tuple[str, dict[str, str]]) -> None:
    import click
    import typer

    root = typer.main.get_group(app)
    context = click.Context(root)

    def leaves(command, path):  # type: ignore[no-untyped-def]
        if hasattr(command, "list_commands"):
            for name in command.list_commands(context):
                yield from leaves(command.get_command(context, name), [*path, name])
        else:
            yield " ".join(path)

    reads = {p for p in leaves(root, []) if p.split()[-1] in {"show", "list", "search", "info", "check", "history",
                                                             "credit-history", "moves", "review", "report",
                                                             "suggest", "suggest-levels"}}
    covered = {" ".join(c[:n]) for c in read_commands(hostile[1]) for n in (2, 3)}
    missing = sorted(reads - covered - NEEDS_A_RECORD_THE_DEMO_LACKS)
    assert not missing, f"read commands not tried with hostile text: {missing}"


DOCUMENTS = [["order", "receipt"], ["order", "slip"], ["order", "invoice"]]


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_every_read_command_prints_user_text_literally(hostile: tuple[str, dict[str, str]], as_json: bool) -> None:
    url, ids = hostile
    runner = CliRunner()
    failures = []
    for command in read_commands(ids):
        args = ["--db", url, *command, *(["--json"] if as_json else [])]
        result = runner.invoke(app, args)
        output = result.stdout + result.stderr
        if result.exit_code != 0:
            failures.append(f"{' '.join(command)}: exit {result.exit_code}: {output.strip()[:200]}")
        elif "\x1b" in output:
            failures.append(f"{' '.join(command)}: an ESC byte reached the terminal")
        elif "MarkupError" in output or "something went wrong" in output:
            failures.append(f"{' '.join(command)}: {output.strip()[:200]}")
    assert not failures, "\n".join(failures)


def test_titles_keep_their_brackets_and_are_not_links(hostile: tuple[str, dict[str, str]]) -> None:
    url, ids = hostile
    runner = CliRunner()
    for command in (["product", "show", "EVIL-1"], ["product", "list"], ["product", "search", "click"],
                    ["customer", "list"], ["supplier", "list"], ["settings", "show"],
                    ["order", "show", ids["order"]]):
        result = runner.invoke(app, ["--db", url, *command], env={"COLUMNS": "1000"})
        assert result.exit_code == 0, (command, result.stderr)
        flat = "".join(result.stdout.split())
        assert "[link=https://evil.example]" in flat, (command, result.stdout)
        assert "\x1b]8;" not in result.stdout
        assert "\\x1b" in flat, (command, "the seeded escape is shown as text")


def test_documents_and_messages_send_no_escape(hostile: tuple[str, dict[str, str]]) -> None:
    url, ids = hostile
    runner = CliRunner()
    for command in DOCUMENTS:
        result = runner.invoke(app, ["--db", url, *command, ids["order"]])
        assert result.exit_code == 0, (command, result.stderr)
        assert "\x1b" not in result.stdout + result.stderr, command
    # a one-line message naming user text (a refusal quoting the culprit) is plain too
    result = runner.invoke(app, ["--db", url, "customer", "show", "[link=https://evil.example]x[/link]"])
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr
