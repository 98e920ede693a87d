"""``shoptui serve``: the same app in a web browser, for a tablet at the counter (see shoptui/web/server.py)."""

from __future__ import annotations

from pathlib import Path

import typer

from shoptui.cli._output import fail, refusals, say, state

HELP = """Serve the app to web browsers on this network (a tablet at the counter), behind the same login.

Each browser tab runs its own copy of the app, which starts at the login screen: the login of whoever
started the server is never passed on. Stop with Ctrl+C.

Examples:

  shoptui serve                                  this machine only: http://127.0.0.1:8000/

  shoptui serve --host 0.0.0.0 --tls-cert shop.pem --tls-key shop.key
"""

app = typer.Typer(help=HELP, invoke_without_command=True, subcommand_metavar="")


@app.callback()
def serve(
    ctx: typer.Context,
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        metavar="ADDRESS",
        help="The address to listen on: 127.0.0.1 for this machine only, 0.0.0.0 (or this machine's LAN address) "
        "for tablets on the shop's network.",
    ),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="The port to listen on (0: any free port)."),
    tls_cert: Path | None = typer.Option(
        None, "--tls-cert", metavar="FILE", help="Serve HTTPS with this certificate (PEM; with --tls-key)."
    ),
    tls_key: Path | None = typer.Option(None, "--tls-key", metavar="FILE", help="The private key of --tls-cert (PEM)."),
    max_sessions: int = typer.Option(
        8,
        "--max-sessions",
        min=1,
        max=500,
        help="How many browsers may have the app open at once (each runs its own copy of the app).",
    ),
) -> None:
    """Serve the app to web browsers (see HELP)."""
    if (tls_cert is None) != (tls_key is None):
        raise fail("--tls-cert and --tls-key go together; give both files, or neither for plain HTTP.", 2)
    from shoptui import db

    with refusals():
        url = state(ctx).store_url  # open: every browser signs in on its own app, like the app at a terminal
        db.get_engine(url)  # a missing or out-of-date store is said once, here, not in every browser
        db.dispose_all()  # the server itself holds no connection: each browser's app opens its own
        from shoptui.web import server

        context = server.tls_context(tls_cert, tls_key) if tls_cert is not None and tls_key is not None else None
        sockets = server.listen(host, port)
    address = server.open_url(sockets, tls=context is not None)
    say(f"Serving the shop on {address} (open it in a browser; Ctrl+C stops).")
    if not server.is_loopback(sockets) and context is None:
        say(
            "warning: this serves on the network without TLS: passwords and everything on screen cross it in plain "
            "text, readable by anyone on the same Wi-Fi. Fine on the shop's own closed network; otherwise give "
            "--tls-cert and --tls-key, or put an HTTPS proxy in front.",
            err=True,
        )
    server.ShopServer(db_url=url, sockets=sockets, ssl_context=context, max_sessions=max_sessions).serve()
    say("Stopped; every browser's app was closed.")
