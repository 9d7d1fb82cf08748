"""``SimWeb``: many virtual hosts on loopback, reached through a host map.

Listeners (all on 127.0.0.1):

* ``http_port`` / ``https_port``: one aiohttp application for every virtual host, routed by the
  ``Host`` header; https uses a leaf certificate from a fresh trustme CA (``ca_pem_path``) whose
  SANs cover every simulated name (IDNs in punycode).
* ``bad_tls_port``: the same application behind a self-signed certificate from no trusted CA.
* ``raw_http_port`` / ``raw_https_port``: the raw misbehaviour server (see ``raw.py``).
* ``refused_port``: bound but never listening, so connecting is refused, and no other process
  can take the port while the simulated web runs.

Host map: ``{"HOST:PORT": "127.0.0.1:PORT"}``, keyed by the host (ASCII, IDN in punycode) and the
URL's port (80 for http, 443 for https), exactly like ``curl --connect-to HOST:PORT:ADDR:PORT``.
A crawler under test connects to the mapped address but keeps the real host name in the URL, the
``Host`` header and TLS SNI/verification. Hosts missing from the map (e.g.
``does-not-exist.invalid``) must be treated as unresolvable and never looked up for real.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from aiohttp import web
from yarl import URL

from crawler.simweb import assets, handlers
from crawler.simweb.load import LoadWorld
from crawler.simweb.raw import RawServer
from crawler.simweb.register_world import build_world as build_register
from crawler.simweb.sites import build_world as build_scenarios
from crawler.simweb.tls import make_certificates
from crawler.simweb.world import (
    Call,
    Route,
    RouteKey,
    Scenario,
    Site,
    World,
    ascii_host,
    route_key,
)

WorldName = Literal["scenarios", "register"]
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the simulated web saw it (for politeness assertions)."""

    host: str  # ASCII host from the Host header, without port
    scheme: str  # "http" or "https"
    method: str
    target: str  # the request target exactly as sent: raw path and query
    user_agent: str
    started: float  # time.monotonic() when the request arrived
    finished: float  # time.monotonic() when the handler returned (raw: connection done)
    status: int  # 0 when no status line was sent (hang)
    route: str | None  # matched route name; None for a generic 404 or an unknown host
    concurrent: int  # requests in flight to this host when this one arrived (itself included)
    listener: str  # "web", "bad_tls" or "raw"

    @property
    def path(self) -> str:
        return URL(self.target).path if self.target.startswith("/") else self.target


class SimWeb:
    """The simulated web. Use ``async with SimWeb() as sim`` inside an event loop, or
    ``with SimWeb().start_in_thread() as sim`` (own loop in a daemon thread) when the caller
    runs something else, e.g. Scrapy's reactor or a subprocess crawler."""

    def __init__(
        self,
        worlds: Iterable[WorldName | World] = ("scenarios", "register"),
        *,
        load_world: LoadWorld | None = None,
        port_base: int | None = None,
        register_csv: Path | None = None,
        drip_interval: float = 1.0,
        log_requests: bool = True,
        on_request: Callable[[RequestRecord], None] | None = None,
    ) -> None:
        loaded: list[World] = []
        for w in worlds:
            if isinstance(w, World):
                loaded.append(w)
            elif w == "scenarios":
                loaded.append(build_scenarios())
            elif w == "register":
                loaded.append(build_register(register_csv))
            else:
                raise ValueError(f"unknown world {w!r}")
        if load_world is not None:
            loaded.append(load_world.build_world())
        self.worlds = loaded
        self.load_world = load_world
        self._port_base = port_base
        self._log_requests = log_requests
        self._on_request = on_request

        self._sites: dict[str, Site] = {}
        self._routes: dict[tuple[str | None, RouteKey], Route] = {}
        self.scenarios: list[Scenario] = []
        for world in loaded:
            self._merge(world)

        self._hits: dict[str, int] = {}
        self._in_flight: dict[str, int] = {}
        self._log: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._raw = RawServer(self._raw_begin, self._record_raw, drip_interval=drip_interval)
        self._gzip_lock: asyncio.Lock | None = None

        self._tmp: Path | None = None
        self._runner: web.AppRunner | None = None
        self._raw_servers: list[asyncio.Server] = []
        self._refused_sock: socket.socket | None = None
        self._ports: dict[str, int] = {}
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None
        self.ca_pem_path: Path = Path()

    # ---- world assembly -------------------------------------------------------------------

    def _merge(self, world: World) -> None:
        for site in world.sites:
            name = ascii_host(site.name)
            old = self._sites.get(name)
            if old is not None and old != site:
                raise ValueError(f"host {name} defined differently by two worlds")
            self._sites[name] = site
        for route in world.routes:
            if route.host not in self._sites:
                raise ValueError(f"route {route.name} on undeclared host {route.host}")
            key = (route.scheme, _route_key(route))
            if key in self._routes:
                raise ValueError(f"two routes for {route.host}{route.target}")
            self._routes[key] = route
        self.scenarios.extend(world.scenarios)

    def expected_verdicts(self) -> dict[str, tuple[str, str | None]]:
        """URL -> (status, reason) for every scenario of every loaded world."""
        return {s.url: (s.expect_status, s.expect_reason) for s in self.scenarios}

    def scenario(self, name: str) -> Scenario:
        for s in self.scenarios:
            if s.name == name:
                return s
        raise KeyError(name)

    @property
    def sites(self) -> dict[str, Site]:
        return dict(self._sites)

    # ---- ports and the host map --------------------------------------------------------------

    @property
    def http_port(self) -> int:
        return self._ports["http"]

    @property
    def https_port(self) -> int:
        return self._ports["https"]

    @property
    def bad_tls_port(self) -> int:
        return self._ports["bad_tls"]

    @property
    def raw_http_port(self) -> int:
        return self._ports["raw_http"]

    @property
    def raw_https_port(self) -> int:
        return self._ports["raw_https"]

    @property
    def refused_port(self) -> int:
        return self._ports["refused"]

    def host_map(self) -> dict[str, str]:
        """``{"host:80": "127.0.0.1:P", "host:443": "127.0.0.1:Q", ...}`` for every served host.

        Hosts meant to be unresolvable are absent on purpose."""
        out: dict[str, str] = {}
        for name, site in sorted(self._sites.items()):
            ports = {
                "web": (self.http_port, self.https_port),
                "bad_tls": (self.http_port, self.bad_tls_port),
                "raw": (self.raw_http_port, self.raw_https_port),
                "refused": (self.refused_port, self.refused_port),
            }.get(site.listener)
            if ports is None:
                continue
            out[f"{name}:80"] = f"{LOOPBACK}:{ports[0]}"
            out[f"{name}:443"] = f"{LOOPBACK}:{ports[1]}"
        return out

    def host_map_entries(self) -> list[str]:
        """The host map as ``curl --connect-to`` arguments: ``HOST:PORT:127.0.0.1:PORT``."""
        return [f"{k}:{v}" for k, v in self.host_map().items()]

    def resolve(self, host: str, port: int) -> tuple[str, int] | None:
        """Where ``host:port`` leads, or None when it must be treated as unresolvable."""
        hit = self.host_map().get(f"{ascii_host(host)}:{port}")
        if hit is None:
            return None
        addr, _, p = hit.rpartition(":")
        return addr, int(p)

    def url(self, host: str, path: str = "/", scheme: str = "https") -> str:
        return f"{scheme}://{host}{path if path.startswith('/') else '/' + path}"

    # ---- request log -----------------------------------------------------------------------

    def requests(self, host: str | None = None) -> list[RequestRecord]:
        """A copy of the request log, in arrival order, optionally for one host."""
        with self._lock:
            log = list(self._log)
        if host is None:
            return log
        h = ascii_host(host)
        return [r for r in log if r.host == h]

    def reset(self) -> None:
        """Forget the request log and every per-route counter (503-then-200 starts again)."""
        with self._lock:
            self._log.clear()
            self._hits.clear()

    def _append(self, rec: RequestRecord) -> None:
        if self._log_requests:
            with self._lock:
                self._log.append(rec)
        if self._on_request is not None:
            self._on_request(rec)

    def _raw_begin(self, host: str) -> int:
        h = ascii_host(host) if host else ""
        self._in_flight[h] = n = self._in_flight.get(h, 0) + 1
        return n

    def _record_raw(
        self,
        host: str,
        scheme: str,
        method: str,
        target: str,
        ua: str,
        started: float,
        status: int,
        path: str,
        concurrent: int,
    ) -> None:
        h = ascii_host(host) if host else ""
        self._in_flight[h] = self._in_flight.get(h, 1) - 1
        route = path if path in ("/hang", "/drip", "/endless", "/reset") else None
        finished = time.monotonic()
        self._append(
            RequestRecord(
                h, scheme, method, target, ua, started, finished, status, route, concurrent, "raw"
            )
        )

    # ---- the application --------------------------------------------------------------------

    def _lookup(self, scheme: str | None, host: str, target: str) -> Route | None:
        u = URL(target) if target.startswith("/") else URL("/" + target)
        path, query = u.path, tuple(u.query.items())
        for key in ((scheme, (host, path, query)), (scheme, (host, path, None))):
            route = self._routes.get(key)
            if route is not None:
                return route
        return None

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        host = _host_of(request.host)
        scheme = "https" if request.secure else "http"
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        listener = "bad_tls" if sockname and sockname[1] == self._ports["bad_tls"] else "web"
        self._in_flight[host] = concurrent = self._in_flight.get(host, 0) + 1
        route: Route | None = None
        status = 500
        try:
            site = self._sites.get(host)
            if site is None or site.listener not in ("web", "bad_tls"):
                resp: web.StreamResponse = _default_vhost_404()
            else:
                resp, route = await self._serve(request, site, host, scheme)
            if not resp.prepared:
                resp.headers.setdefault("Server", site.server if site else "nginx")
            status = resp.status
            return resp
        finally:
            self._in_flight[host] -= 1
            self._append(
                RequestRecord(
                    host,
                    scheme,
                    request.method,
                    request.raw_path,
                    request.headers.get("User-Agent", ""),
                    started,
                    time.monotonic(),
                    status,
                    route.name if route else None,
                    concurrent,
                    listener,
                )
            )

    async def _serve(
        self, request: web.Request, site: Site, host: str, scheme: str
    ) -> tuple[web.StreamResponse, Route | None]:
        target = request.raw_path
        route = self._lookup(scheme, host, target)
        if route is None and not (scheme == "http" and site.http == "redirect"):
            route = self._lookup(None, host, target)
        if route is None and scheme == "http" and site.http == "redirect":
            # The site-wide http -> https redirect every modern host has (robots.txt included).
            loc = f"https://{request.host.split(':')[0]}{target}"
            call = Call(self, site, None, 1)
            return await handlers.redirect(loc, 301)(request, call), None
        if route is not None:
            hit = self._hits[route.name] = self._hits.get(route.name, 0) + 1
            return await route.handler(request, Call(self, site, route, hit)), route
        path = URL(target).path if target.startswith("/") else target
        if path == "/robots.txt":
            return await self._robots(site), None
        call = Call(self, site, None, 1)
        if site.fallback is not None:
            return await site.fallback(request, call), None
        return await handlers.status(404)(request, call), None

    async def _robots(self, site: Site) -> web.StreamResponse:
        if site.robots.delay:
            await asyncio.sleep(site.robots.delay)
        if site.robots.body is None:
            return web.Response(
                text=assets.not_found_page(site.server),
                status=404,
                content_type="text/html",
                charset="utf-8",
            )
        return web.Response(text=site.robots.body, content_type="text/plain", charset="utf-8")

    async def gzip_bomb(self) -> bytes:
        """The gzip bomb body, built once (~0.2 s) off the event loop."""
        if self._gzip_lock is None:
            self._gzip_lock = asyncio.Lock()
        async with self._gzip_lock:
            return await asyncio.to_thread(assets.gzip_bomb)

    # ---- lifecycle --------------------------------------------------------------------------

    def _bind(self, name: str, offset: int) -> socket.socket:
        port = 0 if self._port_base is None else self._port_base + offset
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if name != "refused":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOOPBACK, port))
        self._ports[name] = sock.getsockname()[1]
        return sock

    async def start(self) -> SimWeb:
        self._tmp = Path(tempfile.mkdtemp(prefix="simweb-"))
        good_names = [n for n, s in self._sites.items() if s.listener in ("web", "raw")]
        bad_names = [n for n, s in self._sites.items() if s.listener == "bad_tls"]
        certs = await asyncio.to_thread(make_certificates, self._tmp, good_names, bad_names)
        self.ca_pem_path = certs.ca_pem_path

        app = web.Application(middlewares=[])
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        socks = {name: self._bind(name, i) for i, name in enumerate(
            ("http", "https", "bad_tls", "raw_http", "raw_https", "refused"))}  # fmt: skip
        # Bound and never listening: connecting gets an RST (ECONNREFUSED) for as long as we run.
        self._refused_sock = socks["refused"]
        for name, ctx in (("http", None), ("https", certs.good)):
            await web.SockSite(self._runner, socks[name], ssl_context=ctx, backlog=1024).start()
        await web.SockSite(self._runner, socks["bad_tls"], ssl_context=certs.self_signed).start()
        for name, ctx in (("raw_http", None), ("raw_https", certs.good)):
            server = await asyncio.start_server(self._raw.handle, sock=socks[name], ssl=ctx)
            self._raw_servers.append(server)
        return self

    async def stop(self) -> None:
        for server in self._raw_servers:
            server.close()
        await self._raw.close()
        self._raw_servers.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._refused_sock is not None:
            self._refused_sock.close()
            self._refused_sock = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    async def __aenter__(self) -> SimWeb:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ---- background-thread mode ------------------------------------------------------------

    def start_in_thread(self, timeout: float = 30.0) -> SimWeb:
        """Run on a private event loop in a daemon thread; returns once listening."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            loop.set_exception_handler(quiet_exception_handler)
            self._thread_loop = loop
            try:
                loop.run_until_complete(self.start())
            except BaseException as e:  # reported to the starting thread below
                failure.append(e)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self.stop())
                # Requests still in flight (a slow robots.txt, a bench sleep) end here, quietly.
                pending = asyncio.all_tasks(loop)
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name="simweb", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise TimeoutError("SimWeb did not start in time")
        if failure:
            raise failure[0]
        return self

    def close(self, timeout: float = 10.0) -> None:
        """Stop a ``start_in_thread`` server and wait for its thread."""
        loop, thread = self._thread_loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(RuntimeError):  # loop already closed
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._thread = self._thread_loop = None

    def __enter__(self) -> SimWeb:
        if self._thread is None:
            self.start_in_thread()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def quiet_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Clients that hang up mid-handshake (the self-signed case, the endless body) are the
    point of the exercise, not errors worth a traceback."""
    if isinstance(context.get("exception"), ConnectionError | ssl.SSLError):
        return
    loop.default_exception_handler(context)


def _route_key(route: Route) -> RouteKey:
    return route_key(route.host, route.target, any_query=route.any_query)


def _host_of(host_header: str) -> str:
    h = host_header.strip()
    if h.startswith("["):
        return h.split("]")[0] + "]"
    return ascii_host(h.rsplit(":", 1)[0] if h.count(":") == 1 else h)


def _default_vhost_404() -> web.Response:
    return web.Response(
        text=assets.not_found_page("nginx"), status=404, content_type="text/html", charset="utf-8"
    )
