"""``shoptui serve``: the same app in a web browser (a tablet at the counter), through textual-serve.

textual-serve starts one app process per browser connection (its ``AppService``) and relays the screen
to xterm.js in the page. This module adapts it to a shop:

- The app process never inherits the login of whoever started the server: ``SHOPTUI_TOKEN`` and the SSH
  variables (with the SSH agent) are taken out of its environment, and it is told that it runs for a
  browser (``SHOPTUI_FACE=web``: always the login screen) and from where (``SHOPTUI_CLIENT_ADDRESS``, the
  address the allowed-networks rule checks). The store goes by ``SHOPTUI_DATABASE_URL``, never on the
  command line, where ``ps`` would show a PostgreSQL password. See ``app_environment``.
- The process is started without a shell, in its own session (a Ctrl+C in the server's terminal reaches
  the server only, which then closes every browser's app politely, and kills what does not stop); should
  the server be killed outright, each app ends itself (web/app.py watches its parent).
- A websocket from another site's page is refused (``Origin`` must be the page's own address), and a server
  on a loopback address answers only to loopback names (no DNS rebinding).
- At most ``max_sessions`` apps run at once; the next browser is told so on its screen.
- The page's links follow the address the browser used, so ``--host 0.0.0.0`` works from a tablet.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import os
import signal
import socket
import ssl
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager
from textual_serve.server import Server, to_int

from shoptui.config import ENV_CLIENT_ADDRESS, ENV_DATABASE_URL, ENV_FACE, normalise_ip
from shoptui.errors import InvalidInput

log = logging.getLogger("shoptui.serve")

# what an app process for a browser must not inherit from the server's environment: the operator's login
# and the SSH session (its address would be taken for the browser's, its agent would sign for anyone)
WITHHELD = ("SHOPTUI_TOKEN", "SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY", "SSH_AUTH_SOCK")
QUIT_GRACE = 5.0  # seconds an app process is given to quit before it is killed
REFUSED_WAIT = 300.0  # seconds a refused browser keeps its explanation on screen before it is closed
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")
MAX_COLUMNS, MAX_ROWS = 1000, 400  # a browser may ask for any terminal size; the app draws at most this


def app_environment(base: Mapping[str, str], *, db_url: str, client_address: str | None) -> dict[str, str]:
    """The environment of an app process that serves one browser: ``base`` without the server's login,
    with the store, the web face and the browser's address (empty when it is unknown)."""
    environment = {key: value for key, value in base.items() if key not in WITHHELD}
    environment[ENV_DATABASE_URL] = db_url
    environment[ENV_FACE] = "web"
    environment[ENV_CLIENT_ADDRESS] = normalise_ip(client_address) or ""
    return environment


def app_command() -> list[str]:
    """The command line of an app process: this Python running shoptui, watching this server (web/app.py).
    No shell, and no store in it."""
    return [sys.executable, "-m", "shoptui.web.app", str(os.getpid())]


# ---------------------------------------------------------------- listening


def listen(host: str, port: int) -> list[socket.socket]:
    """Bound, listening sockets for ``host`` (a name may give IPv4 and IPv6) and ``port`` (0: a free one).

    Bound here, before anything is printed, so a bad host or a port in use is refused with one sentence.
    Raises InvalidInput.
    """
    host = host.strip()
    if not host:
        raise InvalidInput(
            "--host is empty; give an address such as 127.0.0.1 (this machine) or 0.0.0.0 (every network)."
        )
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else "not a host name"
        raise InvalidInput(
            f"The host {host!r} is not an address of this machine ({reason}); use 127.0.0.1 for this machine "
            "only or 0.0.0.0 for every network."
        ) from None
    sockets: list[socket.socket] = []
    seen: set[tuple[int, object]] = set()
    try:
        for family, kind, proto, _, address in found:
            if (family, address[0]) in seen:
                continue
            seen.add((family, address[0]))
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:  # IPv6 only beside an IPv4 socket of the same name; "::" alone takes both
                both = any(other[0] == socket.AF_INET for other in found)
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if both else 0)
            chosen = sockets[0].getsockname()[1] if len(sockets) > 1 else port  # port 0: one free port for all
            try:
                sock.bind((address[0], chosen, *address[2:]))
            except OSError as exc:
                raise InvalidInput(
                    f"Cannot listen on {host} port {port}: {exc.strerror or exc}. "
                    + (
                        "Pick another --port (another program uses this one)."
                        if exc.errno == errno.EADDRINUSE
                        else "Pick another --host or --port."
                    )
                ) from None
            sock.listen(128)
            sock.setblocking(False)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def is_loopback(sockets: Sequence[socket.socket]) -> bool:
    """True when every socket listens on a loopback address (this machine only)."""
    return all(ipaddress.ip_address(sock.getsockname()[0]).is_loopback for sock in sockets)


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A server TLS context from a certificate (chain) file and its private key file. Raises InvalidInput."""
    for file in (cert, key):
        if not file.is_file():
            raise InvalidInput(f"The TLS file {file} does not exist; give the certificate and key files (PEM).")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certfile=cert, keyfile=key)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise InvalidInput(
            f"The TLS certificate {cert} and key {key} cannot be used ({getattr(exc, 'reason', None) or exc}); "
            "give a PEM certificate and the private key that belongs to it."
        ) from None
    return context


def lan_address() -> str | None:
    """This machine's address on its network (the one its default route leaves from), or ``None``.

    Connecting a UDP socket sends nothing; it only asks the routing table which address would be used.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere real
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    ip = ipaddress.ip_address(address)
    return None if ip.is_loopback or ip.is_unspecified else address


def open_url(sockets: Sequence[socket.socket], *, tls: bool) -> str:
    """The address to open in a browser: on a wildcard address, this machine's address on its network (a
    tablet may not resolve the machine's name) or else its name; otherwise the address listened on."""
    address, port = sockets[0].getsockname()[:2]
    ip = ipaddress.ip_address(address)
    if ip.is_unspecified:
        host = lan_address() or socket.gethostname() or "localhost"
    elif isinstance(ip, ipaddress.IPv6Address):
        host = f"[{address}]"
    else:
        host = address
    return f"{'https' if tls else 'http'}://{host}:{port}/"


# ---------------------------------------------------------------- one browser's app


class ShopAppService(AppService):
    """textual-serve's app process for one browser, started as shoptui with a browser's environment."""

    def __init__(
        self,
        *,
        db_url: str,
        client_address: str | None,
        write_bytes: Callable[[bytes], Awaitable[None]],
        write_str: Callable[[str], Awaitable[None]],
        close: Callable[[], Awaitable[object]],
        download_manager: DownloadManager,
        debug: bool = False,
    ) -> None:
        async def close_remote() -> None:  # aiohttp's close answers whether it closed; textual-serve awaits None
            await close()

        super().__init__(
            " ".join(app_command()),
            write_bytes=write_bytes,
            write_str=write_str,
            close=close_remote,
            download_manager=download_manager,
            debug=debug,
        )
        self.db_url = db_url
        self.client_address = normalise_ip(client_address)

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        return app_environment(
            super()._build_environment(width, height), db_url=self.db_url, client_address=self.client_address
        )

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        self._process = process = await asyncio.create_subprocess_exec(
            *app_command(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            start_new_session=True,  # the terminal's Ctrl+C goes to the server, which stops this politely
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def set_terminal_size(self, width: int, height: int) -> None:
        """Resize the app to the browser's terminal, within what a screen can show (a page may send anything)."""
        await super().set_terminal_size(*terminal_size(width, height))

    @property
    def pid(self) -> int | None:
        """The app process's id, once started."""
        return self._process.pid if self._process is not None else None

    async def stop(self) -> None:
        """Ask the app to quit; kill it (and anything it started) when it has not after ``QUIT_GRACE`` seconds."""
        process = self._process
        quitting = asyncio.ensure_future(super().stop())  # sends "quit", then reads the app's output to its end
        if process is not None:
            try:
                await asyncio.wait_for(process.wait(), QUIT_GRACE)
            except TimeoutError:
                log.warning("the app process %s did not quit in %.0f s; killing it", process.pid, QUIT_GRACE)
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                await process.wait()
        await quitting


# ---------------------------------------------------------------- the server


class ShopServer(Server):
    """textual-serve's server, serving shoptui to browsers on sockets bound beforehand (see module doc)."""

    def __init__(
        self,
        *,
        db_url: str,
        sockets: Sequence[socket.socket],
        ssl_context: ssl.SSLContext | None = None,
        max_sessions: int = 8,
        title: str = "shoptui",
    ) -> None:
        host, port = sockets[0].getsockname()[:2]
        super().__init__(" ".join(app_command()), host=host, port=port, title=title)
        self.db_url = db_url
        self.sockets = list(sockets)
        self.ssl_context = ssl_context
        self.max_sessions = max_sessions
        self.loopback_only = is_loopback(sockets)
        self.sessions: dict[str, tuple[ShopAppService, web.WebSocketResponse]] = {}
        self.refused: set[web.WebSocketResponse] = set()  # browsers over the limit, reading why

    def initialize_logging(self) -> None:
        """One plain line per event on stderr (no Rich tracebacks with locals: they may hold customer data)."""
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%Y-%m-%d %H:%M:%S"))
        for name in ("shoptui.serve", "textual-serve"):
            logger = logging.getLogger(name)
            logger.addHandler(handler)
            logger.setLevel(logging.DEBUG if self.debug else logging.INFO)
            logger.propagate = False

    async def on_startup(self, app: web.Application) -> None:
        """Nothing to print: the command said where to browse before the server started."""

    async def on_shutdown(self, app: web.Application) -> None:
        """Stop every browser's app (each is asked to quit, then killed) and close the browsers' sockets."""
        running = list(self.sessions.values())
        await asyncio.gather(*(service.stop() for service, _ in running), return_exceptions=True)
        sockets = [websocket for _, websocket in running] + list(self.refused)
        await asyncio.gather(
            *(
                websocket.close(code=WSCloseCode.GOING_AWAY, message=b"The shop's server stopped.")
                for websocket in sockets
            ),
            return_exceptions=True,
        )

    def serve(self, debug: bool = False) -> None:
        """Serve until Ctrl+C or SIGTERM, then stop every browser's app."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.request_exit)
        try:
            web.run_app(
                self._make_app(),
                sock=self.sockets,
                ssl_context=self.ssl_context,
                handle_signals=False,
                loop=loop,
                print=None,
                access_log=None,
                shutdown_timeout=QUIT_GRACE + 1,
            )
        finally:
            for sock in self.sockets:
                sock.close()

    # -- requests

    def refusal(self, request: web.Request) -> str | None:
        """Why this request is refused, or ``None``: a loopback server answers loopback names only (no DNS
        rebinding), and a websocket must come from a page of this server (``Origin``: another site's page
        may not open the app in the browser of someone at the counter)."""
        host = (urlsplit(f"//{request.host}").hostname or "").lower()
        if self.loopback_only and not _is_loopback_name(host):
            return f"This server answers on this machine only; {host!r} is not a name of it."
        origin = request.headers.get("Origin")
        if request.path == "/ws" and origin is not None:
            if urlsplit(origin).netloc.lower() != request.host.lower():
                return "A page of another site may not open the app."
        return None

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The page, with its websocket and static links at the address the browser used."""
        if (why := self.refusal(request)) is not None:
            raise web.HTTPForbidden(text=why)
        # textual-serve builds the links from public_url without awaiting anything in between
        self.public_url = f"{'https' if self.ssl_context else 'http'}://{request.host}"
        response: web.StreamResponse = await super().handle_index(request)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"  # no other site frames the app to catch keystrokes
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One browser: start its app process with its address, relay until either side leaves, stop it."""
        if (why := self.refusal(request)) is not None:
            log.warning("refused a browser from %s: %s", request.remote, why)
            raise web.HTTPForbidden(text=why)
        websocket = web.WebSocketResponse(heartbeat=15)
        width, height = terminal_size(request.query.get("width", "80"), request.query.get("height", "24"))
        address = normalise_ip(request.remote)
        await websocket.prepare(request)
        if len(self.sessions) >= self.max_sessions:
            await self._refuse_on_screen(websocket, address)
            return websocket
        service = ShopAppService(
            db_url=self.db_url,
            client_address=address,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
            debug=self.debug,
        )
        self.sessions[service.app_service_id] = (service, websocket)
        started = time.monotonic()
        try:
            await service.start(width, height)
            log.info(
                "browser session %s from %s started (app process %s)",
                service.app_service_id[:8],
                address or "an unknown address",
                service.pid,
            )
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # a broken connection or app: this browser's session ends, the server goes on
            log.exception(error)
        finally:
            await service.stop()
            self.sessions.pop(service.app_service_id, None)
            log.info(
                "browser session %s from %s ended after %s",
                service.app_service_id[:8],
                address or "an unknown address",
                _duration(time.monotonic() - started),
            )
        return websocket

    async def _refuse_on_screen(self, websocket: web.WebSocketResponse, address: str | None) -> None:
        """Tell a browser over the limit why, on its screen, and close when it leaves (or after a while)."""
        log.warning(
            "refused a browser from %s: %s apps are open, the most --max-sessions allows",
            address or "an unknown address",
            self.max_sessions,
        )
        text = (
            f"\r\n  The shop's server already runs {self.max_sessions} apps, the most it allows "
            "(shoptui serve --max-sessions).\r\n  Close the app in another browser tab, then reload this page.\r\n"
        )
        await websocket.send_bytes(text.encode("utf-8"))
        self.refused.add(websocket)
        try:
            async with asyncio.timeout(REFUSED_WAIT):
                async for _ in websocket:
                    pass
        except TimeoutError:
            pass
        finally:
            self.refused.discard(websocket)
        await websocket.close()


def terminal_size(width: object, height: object) -> tuple[int, int]:
    """A terminal size a browser asked for, as whole columns and rows between 1 and MAX_COLUMNS/MAX_ROWS
    (80x24 for what is not a number)."""
    return (
        min(max(to_int(str(width), 80), 1), MAX_COLUMNS),
        min(max(to_int(str(height), 24), 1), MAX_ROWS),
    )


def _is_loopback_name(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
