"""``shoptui outbox``: the queue of email and SMS to people."""

from __future__ import annotations

import typer

app = typer.Typer(help="The messaging outbox: list, send and retry email and SMS.", no_args_is_help=True)
