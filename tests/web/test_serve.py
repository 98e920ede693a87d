"""`shoptui serve`: refusals, the browser's app environment, the web actor, and the server's rules over HTTP."""

from __future__ import annotations

import asyncio
import http.client
import shutil
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from textual_serve.download_manager import DownloadManager
from typer.testing import CliRunner

from shoptui.cli.main import app
from shoptui.config import Actor
from shoptui.web.server import WITHHELD, app_environment, lan_address, terminal_size
from tests.web.serving import alive, environment_of, serving

# ---------------------------------------------------------------- the web actor


def test_a_browsers_app_acts_from_the_browsers_address_not_the_ssh_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "203.0.113.9 50022 10.0.0.2 22")  # the operator who started the server
    monkeypatch.setenv("SHOPTUI_FACE", "web")
    monkeypatch.setenv("SHOPTUI_CLIENT_ADDRESS", "192.168.1.20")
    actor = Actor.from_environment("tui")
    assert (actor.source, actor.address) == ("web", "192.168.1.20")
    assert actor.describe().endswith("via web from 192.168.1.20")


@pytest.mark.parametrize(
    ("given", "address"),
    [
        ("::ffff:192.168.1.20", "192.168.1.20"),
        (" 2001:db8::7 ", "2001:db8::7"),
        ("not an address", None),
        ("", None),
        ("192.168.1.300", None),
        ("١٢٧.٠.٠.١", None),
    ],
)
def test_the_web_address_is_an_ip_address_or_none(
    monkeypatch: pytest.MonkeyPatch, given: str, address: str | None
) -> None:
    monkeypatch.setenv("SHOPTUI_FACE", "web")
    monkeypatch.setenv("SHOPTUI_CLIENT_ADDRESS", given)
    assert Actor.from_environment("tui").address == address


def test_the_client_address_counts_only_in_the_web_face(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOPTUI_FACE", raising=False)
    monkeypatch.setenv("SHOPTUI_CLIENT_ADDRESS", "192.168.1.20")  # set by hand in a terminal: not trusted
    actor = Actor.from_environment("tui")
    assert (actor.source, actor.address) == ("tui", None)
    monkeypatch.setenv("SHOPTUI_FACE", "tui")
    assert Actor.from_environment("cli").source == "cli"


def test_the_browsers_app_environment_drops_the_login_and_names_the_face_address_and_store() -> None:
    base = {
        "PATH": "/usr/bin",
        "SHOPTUI_TOKEN": "operator",
        "SSH_CONNECTION": "203.0.113.9 1 10.0.0.2 22",
        "SSH_CLIENT": "203.0.113.9 1 22",
        "SSH_TTY": "/dev/pts/3",
        "SSH_AUTH_SOCK": "/tmp/agent",
        "SHOPTUI_DATABASE_URL": "sqlite:////elsewhere.db",
        "SHOPTUI_SMTP_PASSWORD": "kept",
    }
    environment = app_environment(base, db_url="sqlite:////srv/shop.db", client_address="::ffff:10.0.0.7")
    assert not set(WITHHELD) & set(environment)
    assert environment == {
        "PATH": "/usr/bin",
        "SHOPTUI_SMTP_PASSWORD": "kept",
        "SHOPTUI_DATABASE_URL": "sqlite:////srv/shop.db",
        "SHOPTUI_FACE": "web",
        "SHOPTUI_CLIENT_ADDRESS": "10.0.0.7",
    }
    assert base["SHOPTUI_TOKEN"] == "operator"  # the server's own environment is left as it was
    assert app_environment({}, db_url="x", client_address=None)["SHOPTUI_CLIENT_ADDRESS"] == ""


# ---------------------------------------------------------------- refusals


@pytest.fixture
def serve(store: str):  # type: ignore[no-untyped-def]
    """``serve("--port", "1")`` runs ``shoptui --db STORE serve --port 1`` in-process (for refusals only)."""
    runner = CliRunner()

    def invoke(*args: str, db: str = store):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["--db", db, "serve", *args])

    return invoke


@pytest.mark.parametrize(
    "args",
    [
        ["--port", "65536"],
        ["--port", "-1"],
        ["--port", "eighty"],
        ["--max-sessions", "0"],
        ["--tls-cert", "shop.pem"],
        ["--tls-key", "shop.key"],
        ["--hots", "0.0.0.0"],
    ],
)
def test_usage_mistakes_exit_2(serve, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = serve(*args)
    assert result.exit_code == 2, result.output
    assert "Serving" not in result.stdout


def test_tls_files_must_come_as_a_pair(serve) -> None:  # type: ignore[no-untyped-def]
    result = serve("--tls-cert", "shop.pem")
    assert (
        result.stderr.strip()
        == "error: --tls-cert and --tls-key go together; give both files, or neither for plain HTTP."
    )


@pytest.mark.parametrize(
    ("host", "said"),
    [
        ("", "--host is empty"),
        ("  ", "--host is empty"),
        ("no-such-host.invalid", "is not an address of this machine"),
        ("203.0.113.7", "Cannot listen on 203.0.113.7"),
        ("ẞhop..tablet", "is not an address of this machine"),
    ],
)
def test_a_host_that_cannot_be_listened_on_is_refused_in_one_line(serve, host: str, said: str) -> None:  # type: ignore[no-untyped-def]
    result = serve("--host", host)
    assert result.exit_code == 1, result.output
    assert said in result.stderr and result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert result.stdout == ""


def test_a_port_in_use_is_refused_naming_it(serve) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = serve("--port", str(port))
    assert result.exit_code == 1
    assert (
        result.stderr == f"error: Cannot listen on 127.0.0.1 port {port}: Address already in use. "
        "Pick another --port (another program uses this one).\n"
    )


def test_missing_or_bad_tls_files_are_refused(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = serve("--tls-cert", str(tmp_path / "none.pem"), "--tls-key", str(tmp_path / "none.key"))
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"error: The TLS file {tmp_path / 'none.pem'} does not exist; give the certificate and key files (PEM).\n"
    )
    cert, key = tmp_path / "shop.pem", tmp_path / "shop.key"
    cert.write_text("-----BEGIN CERTIFICATE-----\nnot base64 ☃\n-----END CERTIFICATE-----\n", encoding="utf-8")
    key.write_bytes(b"\x00\xff")
    result = serve("--tls-cert", str(cert), "--tls-key", str(key))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: The TLS certificate {cert} and key {key} cannot be used (")
    assert result.stderr.count("\n") == 1


def test_a_missing_store_is_refused_before_serving_and_not_created(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = serve(db=str(tmp_path / "nowhere.db"))
    assert result.exit_code == 1
    assert "There is no store" in result.stderr and "db upgrade" in result.stderr
    assert not (tmp_path / "nowhere.db").exists()


# ---------------------------------------------------------------- the running server


def _get(
    port: int, path: str = "/", headers: dict[str, str] | None = None, context: ssl.SSLContext | None = None
) -> tuple[int, dict[str, str], str]:
    if context is None:
        connection: http.client.HTTPConnection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    else:
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def _websocket_handshake(port: int, **headers: str) -> int:
    """The status of a websocket handshake on /ws (101 would start an app)."""
    upgrade = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
        **headers,
    }
    return _get(port, "/ws?width=80&height=24", upgrade)[0]


def test_the_page_links_back_to_the_address_the_browser_used_and_other_sites_are_refused(store: str) -> None:
    with serving(store) as served:
        assert served.url == f"http://127.0.0.1:{served.port}/"
        assert "warning" not in "".join(served.stderr)  # this machine only: nothing crosses the network
        status, headers, page = _get(served.port)
        assert status == 200
        assert f'data-session-websocket-url="ws://127.0.0.1:{served.port}/ws"' in page
        assert headers["X-Frame-Options"] == "DENY"
        status, _, page = _get(served.port, headers={"Host": f"localhost:{served.port}"})
        assert status == 200 and f"ws://localhost:{served.port}/ws" in page

        # DNS rebinding: a page of evil.example whose name now points here may not load the app
        assert _get(served.port, headers={"Host": f"evil.example:{served.port}"})[0] == 403
        # another site's page may not open a websocket to the app in the browser at the counter
        origin = f"http://evil.example:{served.port}"
        assert _websocket_handshake(served.port, Origin=origin) == 403
        assert _websocket_handshake(served.port, Origin=f"http://127.0.0.1:{served.port + 1}") == 403
        assert served.app_processes() == []
        assert served.stop() == 0
    assert "refused a browser from 127.0.0.1: A page of another site may not open the app." in "".join(served.stderr)


def test_serving_on_the_network_without_tls_warns_plainly(store: str) -> None:
    with serving(store, "--host", "0.0.0.0") as served:
        warning = "".join(served.stderr)
        assert warning.startswith(
            "warning: this serves on the network without TLS: passwords and everything on screen cross it in plain text"
        )
        # the address a tablet can type: this machine's on its network (its name when it has none)
        assert served.url == f"http://{lan_address() or socket.gethostname()}:{served.port}/"
        # a tablet reaches it by the machine's LAN name or address, whatever the Host
        status, _, page = _get(served.port, headers={"Host": f"till-2.shop.lan:{served.port}"})
        assert status == 200 and f"ws://till-2.shop.lan:{served.port}/ws" in page


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a test certificate")
def test_tls_serves_https_and_a_secure_websocket(store: str, tmp_path: Path) -> None:
    cert, key = tmp_path / "shop.pem", tmp_path / "shop.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    with serving(store, "--tls-cert", str(cert), "--tls-key", str(key)) as served:
        assert served.url == f"https://127.0.0.1:{served.port}/"
        status, _, page = _get(served.port, context=ssl._create_unverified_context())
        assert status == 200 and f"wss://127.0.0.1:{served.port}/ws" in page
        with pytest.raises((ssl.SSLError, http.client.RemoteDisconnected, ConnectionError)):
            _get(served.port)  # plain HTTP on the TLS port gets nothing


async def test_sessions_beyond_the_limit_are_told_why_and_a_closed_tab_frees_its_app(store: str) -> None:
    import aiohttp

    with serving(store, "--max-sessions", "1") as served:
        address = f"ws://127.0.0.1:{served.port}/ws?width=100&height=30"
        async with aiohttp.ClientSession() as client:
            first = await client.ws_connect(address)
            assert b"\x1b[" in await _first_screen_bytes(first)  # the app draws: escape sequences
            second = await client.ws_connect(address)
            refused = (await _first_screen_bytes(second)).decode()
            assert "already runs 1 apps, the most it allows (shoptui serve --max-sessions)" in refused
            (app_pid,) = served.app_processes()

            await first.close()  # the tab is closed: its app quits, and its place is free again
            served.wait_for(lambda: not alive(app_pid), "the closed tab's app to quit")
            served.wait_for(lambda: "ended after" in "".join(served.stderr), "the server to count the tab closed")
            third = await client.ws_connect(address)
            assert b"\x1b[" in await _first_screen_bytes(third)
            (still_open,) = served.app_processes()
            assert await asyncio.to_thread(served.stop) == 0  # Ctrl+C with a browser in, another refused
            assert not alive(still_open)
            assert await _closing_code(second) == 1001  # the refused browser is told the server went away
            assert await _closing_code(third) == 1000  # the app quit, so its browser's session ended
    log = "".join(served.stderr)
    assert "refused a browser from 127.0.0.1: 1 apps are open" in log
    assert log.count("started (app process") == 2 and log.count("ended after") == 2


async def _closing_code(websocket) -> int:  # type: ignore[no-untyped-def]
    """Read what is left until the server closes the websocket; the code its close frame gave."""
    async with asyncio.timeout(10):
        while True:
            message = await websocket.receive()
            if message.type.name == "CLOSE":
                return int(message.data)
            if message.type.name in ("CLOSED", "ERROR"):
                raise AssertionError(f"the connection dropped without a close frame: {message}")


async def _first_screen_bytes(websocket) -> bytes:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(30):
        while True:
            message = await websocket.receive()
            if message.type.name == "BINARY":
                return bytes(message.data)
            if message.type.name in ("CLOSE", "CLOSED", "ERROR"):
                raise AssertionError(f"the server closed the websocket: {message}")


async def test_a_server_killed_outright_leaves_no_app_running(store: str) -> None:
    import aiohttp

    with serving(store) as served:
        async with aiohttp.ClientSession() as client:
            # a hostile page asks for a screen no app should try to draw
            browser = await client.ws_connect(f"ws://127.0.0.1:{served.port}/ws?width=100000000&height=-5")
            await _first_screen_bytes(browser)
            (app_pid,) = served.app_processes()
            assert (environment_of(app_pid)["COLUMNS"], environment_of(app_pid)["ROWS"]) == ("1000", "1")
            served.process.kill()  # kill -9: the server cannot close anything
            served.process.wait()
            served.wait_for(lambda: not alive(app_pid), "the orphaned app to end itself", timeout=10)


def test_the_app_launcher_is_not_for_hand_use() -> None:
    from shoptui.web.app import main

    for argv in ([], ["abc"], ["1", "2"]):
        with pytest.raises(SystemExit, match="started by shoptui serve, not by hand"):
            main(argv)


async def test_an_app_that_does_not_quit_is_killed_after_the_grace(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from shoptui.web import server

    hung = "import time; print('__GANGLION__', flush=True); time.sleep(60)"  # a Textual prelude, then deaf
    monkeypatch.setattr(server, "app_command", lambda: [sys.executable, "-c", hung])
    monkeypatch.setattr(server, "QUIT_GRACE", 0.5)

    async def ignore(_: object) -> None:
        return None

    service = server.ShopAppService(
        db_url="sqlite:////nowhere.db",
        client_address="127.0.0.1",
        write_bytes=ignore,
        write_str=ignore,
        close=lambda: ignore(None),
        download_manager=DownloadManager(),
    )
    await service.start(80, 24)
    assert service.pid is not None and alive(service.pid)
    with caplog.at_level("WARNING", logger="shoptui.serve"):
        await service.stop()
    assert not alive(service.pid)
    assert f"the app process {service.pid} did not quit in 0 s; killing it" in caplog.text


def test_serve_help_loads_no_web_server() -> None:
    code = (
        "import sys\nfrom shoptui.cli.main import app\n"
        "try:\n    app(['serve', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(*[m for m in ('aiohttp', 'textual_serve', 'textual', 'sqlalchemy') if m in sys.modules], file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "--max-sessions" in out.stdout and out.stderr.strip() == ""


@pytest.mark.parametrize(
    ("asked", "given"),
    [
        (("120", "40"), (120, 40)),
        (("0", "-3"), (1, 1)),
        ((10**9, 10**9), (1000, 400)),
        (("wide", None), (80, 24)),
        (("12.5", "٣"), (80, 3)),
        ((True, []), (80, 24)),
    ],
)
def test_the_terminal_size_a_browser_asks_for_is_kept_within_a_screen(
    asked: tuple[object, object], given: tuple[int, int]
) -> None:
    assert terminal_size(*asked) == given


async def test_a_resize_from_the_browser_is_kept_within_a_screen() -> None:
    from shoptui.web import server

    sent: list[dict[str, object]] = []

    async def record(data: dict[str, object]) -> bool:
        sent.append(data)
        return True

    async def ignore(_: object = None) -> None:
        return None

    service = server.ShopAppService(
        db_url="sqlite:////nowhere.db",
        client_address=None,
        write_bytes=ignore,
        write_str=ignore,
        close=ignore,
        download_manager=DownloadManager(),
    )
    service.send_meta = record  # type: ignore[method-assign]
    await service.set_terminal_size(10**6, 0)
    await service.set_terminal_size(132, 43)
    assert sent == [{"type": "resize", "width": 1000, "height": 1}, {"type": "resize", "width": 132, "height": 43}]
