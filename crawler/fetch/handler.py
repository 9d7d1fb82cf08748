"""Scrapy's aiohttp download handler, with a host map, our TLS trust, precise errors and
per-type body caps.

Why this handler and not the default Twisted one: aiohttp lets a resolver answer with an
address *and a port*, which is exactly a host map (curl's ``--connect-to``): the URL, the
Host header and TLS SNI keep the real name, only the connection goes elsewhere. That is how
the whole register replays against the simulated web, and how split-DNS setups are served.

The body caps (read only what a verdict and an extraction need) are applied here as the
body streams in, rather than by spider handlers on Scrapy's ``headers_received`` and
``bytes_received`` signals: two signal dispatches per response were ~3% of a check's CPU.
"""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import ssl
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from io import BytesIO
from typing import TYPE_CHECKING, Any, cast

import aiohttp
import yarl
from aiohttp.abc import AbstractResolver, ResolveResult
from scrapy.core.downloader.handlers._aiohttp import AiohttpDownloadHandler, _ClientResponse
from scrapy.core.downloader.handlers._base_streaming import BaseStreamingDownloadHandler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from scrapy.utils._download_handlers import make_response

from crawler.extract import HTML_TYPES, media_type
from crawler.fetch.errors import (
    ConnectionResetError_,
    ProtocolError,
    TLSCertificateError,
    TLSHandshakeError,
)
from crawler.hostmap import parse_host_map

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

PDF_TYPE = "application/pdf"
BODY_CAP_META = "lw_body_cap"  # a request's own cap on its body, whatever its type
TRUNCATED_META = "lw_truncated"  # set on a request whose body was not read whole


def body_cap(content_type: str | None, *, text_cap: int, pdf_cap: int) -> int:
    """Bytes of a body worth reading for its media type: HTML and other text up to
    ``text_cap`` (title, language, meta refresh), a PDF up to ``pdf_cap`` (it is parsed
    whole or not at all), nothing of anything else (zip, images, video: the headers tell
    all a verdict needs)."""
    if content_type is None or content_type in HTML_TYPES or content_type.startswith("text/"):
        return text_cap
    if content_type == PDF_TYPE:
        return pdf_cap
    return 0


class HostMapResolver(AbstractResolver):
    """Answers mapped names from the host map; others by the system, or not at all."""

    def __init__(self, host_map: Mapping[str, str], *, resolve_unmapped: bool) -> None:
        self._map = parse_host_map(host_map)
        self._fallback: AbstractResolver | None = (
            aiohttp.ThreadedResolver() if resolve_unmapped else None
        )

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        name = host.rstrip(".").lower()
        hit = self._map.get(f"{name}:{port}") or self._map.get(name)
        if hit is not None:
            addr, mapped_port = hit
            return [
                {
                    "hostname": host,
                    "host": addr,
                    "port": mapped_port if mapped_port is not None else port,
                    "family": socket.AF_INET6 if ":" in addr else socket.AF_INET,
                    "proto": 0,
                    "flags": socket.AI_NUMERICHOST,
                }
            ]
        if self._fallback is None:
            raise OSError(socket.EAI_NONAME, f"{host}: name not in the host map")
        return await self._fallback.resolve(host, port, family)

    async def close(self) -> None:
        if self._fallback is not None:
            await self._fallback.close()


def make_ssl_context(*, verify: bool, ca_bundle: str) -> ssl.SSLContext | bool:
    """What aiohttp's ``ssl`` argument gets: the system trust store plus an optional extra
    bundle (corporate proxies, own CAs).

    Without a bundle, True or False: aiohttp's own contexts (the system store, or no
    verification), which it builds when imported anyway; a context of ours would load the
    system store a third time (30-45 ms of start-up). With one, a context built once per
    process and settings (and bundle file version): Scrapy makes one handler for http and
    another for https."""
    if not verify or not ca_bundle:
        return verify
    try:
        version = os.stat(ca_bundle).st_mtime_ns
    except OSError:
        version = None  # load_verify_locations says what is wrong with it
    return _ssl_context(ca_bundle, version)


@functools.cache
def _ssl_context(ca_bundle: str, _version: int | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context()  # as aiohttp's own: verified, the system store
    ctx.load_verify_locations(cafile=ca_bundle)
    ctx.set_alpn_protocols(("http/1.1",))
    return ctx


class LinkwachtDownloadHandler(AiohttpDownloadHandler):
    # We rely on it knowingly: the host map needs it (see the module docstring).
    experimental = False

    def __init__(self, crawler: Crawler) -> None:
        # The parent's own session is skipped: same options as it, plus our resolver.
        BaseStreamingDownloadHandler.__init__(self, crawler)
        settings = crawler.settings
        # Per-type caps (see _read_response) stop reading, where DOWNLOAD_MAXSIZE would make
        # every large zip or video an error; HttpCompressionMiddleware still caps the
        # decompressed size with that setting.
        self._text_cap = settings.getint("LINKWACHT_MAX_BODY_BYTES")
        self._pdf_cap = settings.getint("LINKWACHT_MAX_PDF_BYTES")
        connector = aiohttp.TCPConnector(
            limit=self._pool_size_total,
            limit_per_host=self._pool_size_per_host,
            resolver=HostMapResolver(
                settings.getdict("LINKWACHT_HOST_MAP"),
                resolve_unmapped=settings.getbool("LINKWACHT_RESOLVE_UNMAPPED", True),
            ),
            ttl_dns_cache=300,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            # No shared jar: one entry's cookies must not reach another's requests (the
            # spider carries cookies along one redirect chain itself).
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            response_class=_ClientResponse,
            skip_auto_headers=("Accept", "Accept-Encoding", "Content-Type", "User-Agent"),
            trust_env=False,  # Scrapy's HttpProxyMiddleware reads the *_PROXY variables
        )
        self._tls = make_ssl_context(
            verify=settings.getbool("DOWNLOAD_VERIFY_CERTIFICATES"),
            ca_bundle=settings.get("LINKWACHT_CA_BUNDLE", ""),
        )
        self._transfers: set[asyncio.Task[Any]] = set()

    async def download_request(self, request: Request) -> Response:
        # Each transfer runs in a task of Scrapy's downloader, which a spider that stops
        # waiting for it (the run's time budget is spent) cannot reach: close() stops it,
        # rather than leave it to be destroyed with the event loop.
        task = asyncio.current_task()
        if task is not None:
            self._transfers.add(task)
        try:
            return await super().download_request(request)
        finally:
            self._transfers.discard(task)  # type: ignore[arg-type]

    async def close(self) -> None:
        for task in self._transfers:
            task.cancel()
        await super().close()

    @asynccontextmanager
    async def _make_request(  # type: ignore[override]
        self, request: Request, timeout: float
    ) -> AsyncIterator[_ClientResponse]:
        """The parent's request, with errors told apart precisely (TLS, reset, protocol)."""
        proxy = self._extract_proxy_url_with_creds(request)
        # The parent copies the Headers object to drop one header; this reads it in place.
        encoding = request.headers.encoding
        headers = [
            (name.decode(encoding), value.decode(encoding))
            for name, values in dict.items(request.headers)
            if name != b"Proxy-Authorization"
            for value in values
        ]
        # The URL was encoded once by us (crawler.urls); yarl must not re-encode it.
        url = yarl.URL(request.url, encoded=True)
        try:
            async with await self._session.request(
                request.method,
                url,
                data=request.body or None,  # an empty payload still costs a write path
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=timeout),
                ssl=self._tls,
                allow_redirects=False,
                proxy=proxy,
            ) as response:
                yield cast("_ClientResponse", response)
        except TimeoutError as e:
            raise DownloadTimeoutError(f"no complete answer within {timeout:g} s") from e
        except (aiohttp.InvalidUrlClientError, aiohttp.NonHttpUrlClientError) as e:
            raise UnsupportedURLSchemeError(str(e)) from e
        except aiohttp.ClientConnectorCertificateError as e:
            raise TLSCertificateError(_tls_reason(e.certificate_error)) from e
        except aiohttp.ClientConnectorSSLError as e:
            raise TLSHandshakeError(str(e)) from e
        except aiohttp.ClientConnectorDNSError as e:
            raise CannotResolveHostError(f"cannot resolve {url.host}") from e
        except aiohttp.ClientConnectorError as e:
            raise DownloadConnectionRefusedError(str(e.os_error or e)) from e
        except aiohttp.ClientResponseError as e:  # malformed status line or headers
            raise ProtocolError(f"invalid HTTP answer: {e.message}") from e
        except aiohttp.ServerDisconnectedError as e:
            raise ConnectionResetError_("the server closed the connection") from e
        except aiohttp.ClientOSError as e:
            raise ConnectionResetError_(str(e)) from e
        except aiohttp.ClientPayloadError:
            raise  # data loss: the base class decides (flags the response)
        except aiohttp.ClientError as e:
            raise ProtocolError(str(e)) from e

    async def _read_response(self, response: _ClientResponse, request: Request) -> Response:
        """The body up to its cap (``body_cap``, or the request's ``lw_body_cap``). A body
        not read whole is flagged "download_stopped" and its request ``lw_truncated``; a
        PDF announced larger than its cap is not read at all (it could not be parsed)."""
        headers = self._extract_headers(response)
        args = self._build_base_response_args(response, request, headers)
        meta = request.meta
        cap: int | None = meta.get(BODY_CAP_META)
        raw_type = headers.get(b"Content-Type")
        ctype = media_type(raw_type.decode("latin-1") if raw_type else None)[0]
        if cap is None:
            cap = body_cap(ctype, text_cap=self._text_cap, pdf_cap=self._pdf_cap)
        length = headers.get(b"Content-Length") or b""
        if cap == 0 or (ctype == PDF_TYPE and length.isdigit() and int(length) > cap):
            meta[TRUNCATED_META] = cap != 0
            return make_response(**args, flags=["download_stopped"])
        body = BytesIO()
        received = 0
        try:
            async for chunk in self._iter_body_chunks(response):
                body.write(chunk)
                received += len(chunk)
                if received >= cap:
                    meta[TRUNCATED_META] = True
                    return make_response(**args, body=body.getvalue(), flags=["download_stopped"])
        except Exception as e:
            if not self._is_dataloss_exception(e):
                raise
            if not meta.get("download_fail_on_dataloss", self._fail_on_dataloss):
                return make_response(**args, body=body.getvalue(), flags=["dataloss"])
            raise ResponseDataLossError(str(e)) from e
        return make_response(**args, body=body.getvalue())


def _tls_reason(err: Any) -> str:
    verify = getattr(err, "verify_message", None)
    return f"certificate verify failed: {verify}" if verify else str(err)
