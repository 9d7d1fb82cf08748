"""Handler factories: small closures that behave like real servers, good and bad.

Each factory returns a ``Handler`` (``async (request, call) -> response``). ``call.hit`` counts
requests to the route since start/reset, which drives the "fails N times, then works" cases.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from http import HTTPStatus

from aiohttp import web

from crawler.simweb import assets
from crawler.simweb.world import Call, Handler

# User-Agent fragments a bot wall turns away (lower case).
BOT_TOKENS = ("bot", "linkwacht", "python", "scrapy", "curl", "wget", "httpx", "go-http-client")


def phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"


def _html_response(
    request: web.Request, text: str, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        text=text, status=status, content_type="text/html", charset="utf-8", headers=headers
    )


async def _stream(
    request: web.Request,
    data: bytes,
    *,
    status: int,
    content_type: str,
    headers: Mapping[str, str] | None,
    server: str,
) -> web.StreamResponse:
    """Send ``data`` with chunked transfer encoding (no Content-Length), as many CMSs do."""
    resp = web.StreamResponse(status=status, headers=headers)
    resp.headers["Content-Type"] = content_type
    resp.headers["Server"] = server
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    if request.method != "HEAD":
        half = len(data) // 2
        await resp.write(data[:half])
        await resp.write(data[half:])
    await resp.write_eof()
    return resp


def raw(
    data: bytes,
    content_type: str,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    chunked: bool = False,
) -> Handler:
    """Exactly these bytes under exactly this Content-Type (charset cases lie on purpose)."""

    async def handle(request: web.Request, call: Call) -> web.StreamResponse:
        if chunked:
            return await _stream(
                request,
                data,
                status=status,
                content_type=content_type,
                headers=headers,
                server=call.site.server,
            )
        resp = web.Response(body=data, status=status, headers=headers)
        resp.headers["Content-Type"] = content_type
        return resp

    return handle


def page(
    title: str | None,
    *,
    lang: str | None = None,
    text_lang: str = "nl",
    content_language: str | None = None,
    chunked: bool = False,
    h1: str | None = None,
    head_extra: str = "",
    body_extra: str = "",
    raw_title: str | None = None,
    status: int = 200,
) -> Handler:
    """An HTML page in ``text_lang``, optionally declaring ``lang`` (which may lie)."""
    text = assets.html_page(
        title,
        lang=lang,
        text_lang=text_lang,
        h1=h1,
        head_extra=head_extra,
        body_extra=body_extra,
        raw_title=raw_title,
    )
    headers = {"Content-Language": content_language} if content_language else None
    return raw(
        text.encode("utf-8"),
        "text/html; charset=utf-8",
        status=status,
        headers=headers,
        chunked=chunked,
    )


def pdf(
    title: str | None, *, lang: str | None = None, text_lang: str = "fr", heading: str = ""
) -> Handler:
    """A real PDF, built on first request and cached (reportlab takes a few ms)."""

    async def handle(request: web.Request, call: Call) -> web.StreamResponse:
        data = assets.pdf_bytes(title, lang, text_lang, heading)
        return web.Response(
            body=data,
            headers={
                "Content-Type": "application/pdf",
                "Accept-Ranges": "bytes",
                "Last-Modified": "Tue, 02 Mar 2021 10:00:00 GMT",
                "ETag": f'"{len(data):x}-5bc8"',
            },
        )

    return handle


def download(data: bytes, content_type: str, filename: str) -> Handler:
    return raw(
        data,
        content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Accept-Ranges": "bytes",
        },
    )


def youtube(title: str, video_id: str) -> Handler:
    return page_from_text(assets.youtube_page(title, video_id), server="ESF")


def page_from_text(text: str, *, server: str | None = None) -> Handler:
    headers = {"Server": server} if server else None
    return raw(text.encode("utf-8"), "text/html; charset=utf-8", headers=headers)


def redirect(location: str, status: int = 301) -> Handler:
    """A redirect with the small HTML body real servers attach. ``location`` may be relative."""

    async def handle(request: web.Request, call: Call) -> web.StreamResponse:
        body = assets.error_page(status, phrase(status)).replace(
            "</h1></center>", f'</h1></center>\r\n<a href="{location}">here</a>'
        )
        return _html_response(request, body, status=status, headers={"Location": location})

    return handle


def meta_refresh(
    target: str, title: str = "Redirecting…", delay: int = 0, lang: str = "nl"
) -> Handler:
    return page(
        title,
        lang=lang,
        text_lang=lang,
        head_extra=f'<meta http-equiv="refresh" content="{delay}; url={target}">\n',
    )


def status(code: int, *, headers: Mapping[str, str] | None = None) -> Handler:
    """An error status with a realistic HTML body."""

    async def handle(request: web.Request, call: Call) -> web.StreamResponse:
        if code == 404:
            body = assets.not_found_page(call.site.server)
        else:
            body = assets.error_page(code, phrase(code))
        return _html_response(request, body, status=code, headers=headers)

    return handle


def not_found_html(title: str = "Pagina niet gevonden") -> Handler:
    """A CMS-style 404: a full themed page, titled, with status 404 (not a soft 404)."""
    return page(title, lang="nl", h1="Oeps, deze pagina bestaat niet (meer).", status=404)


def flaky(failures: int, then: Handler, *, code: int = 503) -> Handler:
    """The first ``failures`` requests (any method) get ``code``; later ones get ``then``."""
    fail = status(code, headers={"Retry-After": "1"} if code == 503 else None)

    async def handle(request: web.Request, call: Call) -> web.StreamResponse:
        return await (fail if call.hit <= failures else then)(request, call)

    return handle


def rate_limited(then: Handler | None, *, retry_after: int, times: int = 1) -> Handler:
    """429 with Retry-After for the first ``times`` requests (for ever when ``then`` is None)."""
    limited = status(429, headers={"Retry-After": str(retry_after)})

    async def handle(request: web.Request, call: Call) -> web.StreamResponse:
        if then is None or call.hit <= times:
            return await limited(request, call)
        return await then(request, call)

    return handle


def is_bot(user_agent: str) -> bool:
    ua = user_agent.lower()
    return not ua or any(t in ua for t in BOT_TOKENS)


def bot_wall(then: Handler) -> Handler:
    """403 for anything that looks like a bot (or sends no User-Agent); browsers get ``then``."""
    forbidden = status(403)

    async def handle(request: web.Request, call: Call) -> web.StreamResponse:
        if is_bot(request.headers.get("User-Agent", "")):
            return await forbidden(request, call)
        return await then(request, call)

    return handle


CHALLENGE_HTML = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">'
    '<meta name="robots" content="noindex,nofollow">'
    '</head><body><div class="main-wrapper" role="main"><div class="main-content">'
    "<h1>Verifying you are human. This may take a few seconds.</h1>"
    "<noscript>Enable JavaScript and cookies to continue</noscript></div></div>"
    "<script>(function(){window._cf_chl_opt={cvId: '3',cType: 'managed'};})();</script>"
    "</body></html>"
)


def challenge() -> Handler:
    """A Cloudflare-style managed challenge: 403, ``cf-mitigated: challenge``, "Just a moment"."""

    async def handle(request: web.Request, call: Call) -> web.StreamResponse:
        return _html_response(
            request,
            CHALLENGE_HTML,
            status=403,
            headers={
                "Server": "cloudflare",
                "cf-mitigated": "challenge",
                "CF-RAY": "8f1d2c3b4a5e6f70-BRU",
                "Cache-Control": "private, max-age=0, no-store, no-cache, must-revalidate",
                "Cross-Origin-Opener-Policy": "same-origin",
            },
        )

    return handle


def auth_required(realm: str = "Intranet") -> Handler:
    return status(401, headers={"WWW-Authenticate": f'Basic realm="{realm}"'})


def no_head(then: Handler) -> Handler:
    """405 on HEAD (some frameworks only route GET); GET works."""
    refuse = status(405, headers={"Allow": "GET"})

    async def handle(request: web.Request, call: Call) -> web.StreamResponse:
        return await (refuse if request.method == "HEAD" else then)(request, call)

    return handle


def delayed(seconds: float, then: Handler) -> Handler:
    async def handle(request: web.Request, call: Call) -> web.StreamResponse:
        await asyncio.sleep(seconds)
        return await then(request, call)

    return handle


def gzip_bomb() -> Handler:
    """~1 MB of gzip that inflates to 1 GiB of zeros, declared as an HTML page."""

    async def handle(request: web.Request, call: Call) -> web.StreamResponse:
        data = await call.sim.gzip_bomb()
        return web.Response(
            body=data,
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
        )

    return handle
