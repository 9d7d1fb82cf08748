"""``linkwacht serve``: the archive and every entry's history over HTTP, read-only.

    /                 every run and the trend
    /runs/latest      the newest run's report (a redirect)
    /runs/<id>        a run's report
    /entries/<id>     one entry's results across runs, and its changes in the register

Pages are rendered from the database on request (always current; nothing to keep in sync
with files), in the configured language or ``?lang=nl|fr|en``. Only GET and HEAD exist.
Bound to 127.0.0.1 by default: the pages have no login. While bound to loopback, requests
naming another host are refused, so a web page cannot reach the server through DNS
rebinding.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable, MutableMapping
from functools import partial

from aiohttp import web

from crawler.store.api import Store
from reports.data import ReportError, load_entry_report, load_run_report, runs_oldest_first
from reports.i18n import LANGS
from reports.render import SERVE_LINKS, content_security_policy, render_entry, render_index
from reports.render import render_run as render_run_page

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
STORE_KEY = web.AppKey("store", Store)
LANG_KEY = web.AppKey("lang", str)
LOOPBACK_KEY = web.AppKey("loopback_only", bool)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_app(store: Store, *, lang: str, loopback_only: bool = True) -> web.Application:
    app = web.Application(middlewares=[_guard])
    app[STORE_KEY] = store
    app[LANG_KEY] = lang
    app[LOOPBACK_KEY] = loopback_only
    app.router.add_get("/", _index)
    app.router.add_get("/runs/latest", _latest)
    app.router.add_get(r"/runs/{run_id:\d+}", _run)
    app.router.add_get(r"/entries/{entry_id:\d+}", _entry)
    return app


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    response: web.StreamResponse
    try:
        if request.app[LOOPBACK_KEY] and not is_loopback(_host_name(request.host)):
            response = _text(421, f"this server answers to 127.0.0.1 only, not {request.host!r}")
        else:
            response = await handler(request)
    except web.HTTPException as exc:  # 404, 405, redirects: aiohttp's own answers
        _secure(exc.headers)
        raise
    except ReportError as exc:
        response = _text(404, str(exc))
    _secure(response.headers)
    return response


def _secure(headers: MutableMapping[str, str]) -> None:
    headers["Content-Security-Policy"] = content_security_policy()
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Cache-Control"] = "no-store"


def _host_name(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8080
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _text(status: int, message: str) -> web.Response:
    return web.Response(status=status, text=message + "\n", content_type="text/plain")


def _lang(request: web.Request) -> str:
    wanted = request.query.get("lang", "")
    return wanted if wanted in LANGS else request.app[LANG_KEY]


async def _in_thread(func: Callable[[], str]) -> str:
    # Database reads and rendering block: keep the event loop answering meanwhile.
    return await asyncio.get_running_loop().run_in_executor(None, func)


def _html(body: str) -> web.Response:
    return web.Response(text=body, content_type="text/html", charset="utf-8")


async def _index(request: web.Request) -> web.Response:
    store, lang = request.app[STORE_KEY], _lang(request)
    page = await _in_thread(lambda: render_index(runs_oldest_first(store), lang, SERVE_LINKS))
    return _html(page)


async def _latest(request: web.Request) -> web.StreamResponse:
    store = request.app[STORE_KEY]
    runs = await asyncio.get_running_loop().run_in_executor(None, partial(store.latest_runs, 1))
    if not runs:
        raise ReportError("no run yet")
    suffix = f"?lang={request.query['lang']}" if request.query.get("lang") in LANGS else ""
    raise web.HTTPFound(f"/runs/{runs[0].id}{suffix}")


async def _run(request: web.Request) -> web.Response:
    store, lang = request.app[STORE_KEY], _lang(request)
    run_id = int(request.match_info["run_id"])
    return _html(
        await _in_thread(lambda: render_run_page(load_run_report(store, run_id), lang, SERVE_LINKS))
    )


async def _entry(request: web.Request) -> web.Response:
    store, lang = request.app[STORE_KEY], _lang(request)
    entry_id = int(request.match_info["entry_id"])
    return _html(await _in_thread(lambda: render_entry(load_entry_report(store, entry_id), lang)))


def serve(
    store: Store,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    lang: str,
    print_fn: Callable[[str], None] = print,
) -> None:
    """Serve until interrupted (Ctrl-C)."""
    app = make_app(store, lang=lang, loopback_only=is_loopback(host))
    shown = f"[{host}]" if ":" in host else host
    print_fn(f"serving the reports on http://{shown}:{port}/ (Ctrl-C to stop)")
    if not is_loopback(host):
        print_fn(
            f"warning: listening on {host}: anyone who can reach this address can read the "
            "reports (there is no login)"
        )
    web.run_app(app, host=host, port=port, print=None, access_log=None)
