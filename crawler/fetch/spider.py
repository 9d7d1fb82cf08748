"""The spider: one GET per URL, redirects followed by hand so every hop is on record.

Scrapy's RedirectMiddleware and RetryMiddleware are off: we follow ``Location`` and meta
refresh ourselves (recording each hop's status, spotting loops at once) and retry with
backoff and ``Retry-After``, which Scrapy's retries ignore.

Each register entry is one chain of requests (hops, retries), checked by one of
``check.concurrency`` workers that hand each request to Scrapy's engine with
``engine.download_async``: the downloader with its per-host slots (concurrency, delay),
the downloader middlewares (robots.txt, defaults, proxy) and our download handler, all
Scrapy's. What this leaves out is the path through the scheduler and the scraper, which
exists to turn a spider's yielded requests into downloads and responses into callback
calls: for a chain that always knows its next request, that path was a quarter of a
check's CPU (~1.2 M instructions per URL of ~5). :class:`~crawler.fetch.turns.HostTurns`
does the scheduler's one job here, fairness between hosts. No duplicate filter either:
two register entries may share a URL, and a redirect may land on another entry's URL.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import replace
from email.utils import parsedate_to_datetime
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Headers, Request, Response
from w3lib.html import get_meta_refresh
from w3lib.url import safe_url_string

from crawler.challenge import is_challenge
from crawler.config import CheckConfig
from crawler.detect import Detection
from crawler.extract import HTML_TYPES, extract, media_type
from crawler.fetch.errors import RETRYABLE, classify
from crawler.fetch.handler import BODY_CAP_META, TRUNCATED_META
from crawler.fetch.inspect import Inspector
from crawler.fetch.turns import HostTurns
from crawler.model import ErrorKind, Extraction, Fetch, Hop

log = logging.getLogger(__name__)

Sink = Callable[[str, Fetch, Extraction], None]

META_REFRESH_MAX_DELAY = 10  # seconds; a slower refresh is a page reloading itself
KEPT_BODY_BYTES = 65_536  # an API answer, not a page
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


class CheckSpider(scrapy.Spider):
    name = "linkwacht"

    def __init__(
        self,
        urls: Iterable[str],
        sink: Sink,
        check: CheckConfig,
        keep_body: bool = False,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.keep_body = keep_body  # API answers (web archive) travel back whole
        self.urls = list(dict.fromkeys(urls))
        self.sink = sink
        self.check = check
        self.pending: set[str] = set(self.urls)
        self._pdf_slots = asyncio.Semaphore(2)
        self.inspector: Inspector | None = None
        self._chain_cookies: dict[str, dict[str, dict[str, str]]] = {}  # key -> host -> jar

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> CheckSpider:
        spider: CheckSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
        if spider.check.detectors:
            spider.inspector = Inspector(crawler, oembed_base=spider.check.oembed_url)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        """Check every register URL, then end: Scrapy closes the spider once start() is
        done and nothing is under way. Nothing is yielded (see the module docstring)."""
        await self._check_all()
        return
        yield  # start() must be an async generator

    async def _check_all(self) -> None:
        """The workers, until every URL is answered or the run's time budget is spent."""
        turns = HostTurns(self.urls, self.check.per_host_concurrency)
        workers = [
            asyncio.ensure_future(self._worker(turns))
            for _ in range(min(self.check.concurrency, len(self.urls)))
        ]
        if not workers:  # an empty register: nothing to wait for
            return
        try:
            _, late = await asyncio.wait(workers, timeout=self.check.run_budget)
        finally:  # on time, or stopped (SIGTERM): what is under way is cancelled
            for worker in workers:
                worker.cancel()
            outcomes = await asyncio.gather(*workers, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, Exception):
                log.error("a check worker failed", exc_info=outcome)
        if late:
            self._emit_pending(ErrorKind.BUDGET, "the run's time budget was spent before this URL")

    async def _worker(self, turns: HostTurns) -> None:
        while (taken := await turns.next()) is not None:
            host, url = taken
            try:
                await self._check_one(url)
            except Exception as exc:  # a bug must not stop the other entries' checks
                log.exception("checking %s failed", url)
                self._emit(
                    url, Fetch(requested_url=url, error=ErrorKind.OTHER, error_text=str(exc))
                )
            finally:
                turns.done(host)

    async def _check_one(self, url: str) -> None:
        """One register entry: its request, then each hop or retry the answer asks for."""
        try:
            request: Request | None = self._request(url, key=url, hops=(), attempt=1)
        except ValueError as exc:  # Scrapy refuses the URL itself
            self._emit(
                url, Fetch(requested_url=url, error=ErrorKind.INVALID_URL, error_text=str(exc))
            )
            return
        engine = self.crawler.engine
        assert engine is not None
        while request is not None:
            try:
                response = await engine.download_async(request)
            except Exception as exc:
                request = await self.on_error(request, exc)
            else:
                request = await self.on_response(response)

    def _request(
        self, url: str, *, key: str, hops: tuple[Hop, ...], attempt: int, elapsed: float = 0.0
    ) -> Request:
        meta: dict[str, Any] = {
            "lw_key": key,
            "lw_hops": hops,
            "lw_attempt": attempt,
            "lw_elapsed": elapsed,
            "lw_created": time.monotonic(),
            # Already encoded (crawler.urls, or safe_url_string for a redirect target): Scrapy
            # need not encode it again (its safe_url_string was ~2% of a check's CPU).
            "verbatim_url": True,
        }
        if self.keep_body:
            meta[BODY_CAP_META] = KEPT_BODY_BYTES
        return Request(url, dont_filter=True, meta=meta)

    # -- answers ------------------------------------------------------------------------

    async def on_response(self, response: Response) -> Request | None:
        """The next request of the chain (a hop, a retry), or None once its result is out."""
        meta = response.meta
        key: str = meta["lw_key"]
        hops: tuple[Hop, ...] = meta["lw_hops"]
        elapsed = meta["lw_elapsed"] + meta.get("download_latency", 0.0)
        status = response.status
        headers = _lower_headers(response.headers)

        location = headers.get("location")
        if 300 <= status < 400 and location:
            target = _resolve(response.url, location)
            self._keep_cookies(key, meta, response)  # "set a cookie, redirect to self" sites
            return self._follow(key, hops + (Hop(response.url, status),), target, elapsed)

        ctype, charset = media_type(headers.get("content-type"))
        body = response.body
        if 200 <= status < 300 and (ctype in HTML_TYPES or ctype is None):
            target = _meta_refresh(body, response.url)
            if target is not None and target != response.url:
                return self._follow(
                    key, hops + (Hop(response.url, "meta_refresh"),), target, elapsed
                )

        attempt: int = meta["lw_attempt"]
        if status in RETRY_STATUSES and attempt <= self.check.retries:
            delay = self._retry_delay(attempt, headers.get("retry-after"))
            if delay is not None:
                await asyncio.sleep(delay)
                return self._request(
                    response.url, key=key, hops=hops, attempt=attempt + 1, elapsed=elapsed
                )

        stopped = "download_stopped" in response.flags
        length = headers.get("content-length")
        size: int | None = len(body)
        if stopped:  # not read (whole): the announced length, when there is one
            size = int(length) if length and length.isdigit() else (len(body) or None)
        extraction = Extraction()
        if 200 <= status < 300 and body:
            extraction = await self._extract(response, ctype, headers)
        detection: Detection | None = None
        if self.inspector is not None and 200 <= status < 300 and body:
            try:
                detection, snap = await self.inspector.inspect(
                    key, response, hops, ctype, charset, extraction
                )
            except Exception:  # a detector bug must not lose the verdict
                log.exception("inspection failed for %s", response.url)
                detection, snap = None, None
            if snap is not None:
                extraction = replace(
                    extraction, fingerprint=snap.fingerprint, word_count=snap.word_count
                )
        fetch = Fetch(
            requested_url=key,
            hops=hops,
            final_url=response.url,
            http_status=status,
            headers=headers,
            content_type=ctype,
            size=size,
            body=body[:KEPT_BODY_BYTES] if self.keep_body else b"",
            truncated=bool(meta.get(TRUNCATED_META)),
            elapsed_ms=round(elapsed * 1000),
            attempts=attempt,
            challenge=is_challenge(status, headers, body),
            detection=detection.reason if detection else None,
            evidence=detection.evidence if detection else (),
        )
        self._emit(key, fetch, extraction)
        return None

    async def _extract(
        self, response: Response, ctype: str | None, headers: dict[str, str]
    ) -> Extraction:
        body = response.body
        try:
            if b"%PDF-" in body[:1024] or ctype == "application/pdf":
                # A PDF is parsed in a child process (seconds for a hostile one): wait
                # for it off the event loop, a few at a time to bound their memory.
                async with self._pdf_slots:
                    return await asyncio.to_thread(
                        extract,
                        body,
                        ctype,
                        headers,
                        pdf_timeout=self.check.pdf_timeout,
                        pdf_memory_mb=self.check.pdf_memory_mb,
                    )
            return extract(body, ctype, headers)
        except Exception as exc:  # an extraction bug must not lose the verdict
            log.exception("extraction failed for %s", response.url)
            return Extraction(notes=(f"extraction failed: {exc}",))

    async def on_error(self, request: Request, exc: Exception) -> Request | None:
        """The retry of a failed request, or None once the chain's result is out."""
        meta = request.meta
        key: str = meta["lw_key"]
        hops: tuple[Hop, ...] = meta["lw_hops"]
        attempt: int = meta["lw_attempt"]
        kind = classify(exc)
        elapsed = meta["lw_elapsed"] + (time.monotonic() - meta["lw_created"])
        if kind in RETRYABLE and attempt <= self.check.retries:
            await asyncio.sleep(self._backoff(attempt))
            return self._request(
                request.url, key=key, hops=hops, attempt=attempt + 1, elapsed=elapsed
            )
        self._emit(
            key,
            Fetch(
                requested_url=key,
                hops=hops,
                final_url=request.url if hops else None,
                error=kind,
                error_text=str(exc)[:500] or type(exc).__name__,
                elapsed_ms=round(elapsed * 1000),
                attempts=attempt,
            ),
        )
        return None

    def _follow(
        self, key: str, hops: tuple[Hop, ...], target: str | None, elapsed: float
    ) -> Request | None:
        """The next hop's request, or None after emitting why the chain ends here."""
        error: tuple[ErrorKind, str] | None = None
        if target is None or not target.startswith(("http://", "https://")):
            error = (ErrorKind.PROTOCOL, f"redirect to a non-web address: {target!r}")
        elif sum(h.url == target for h in hops) >= 2:
            error = (ErrorKind.REDIRECT_LOOP, f"redirect loop back to {target}")
        elif len(hops) > self.check.max_redirects:
            error = (ErrorKind.TOO_MANY_REDIRECTS, f"more than {self.check.max_redirects} hops")
        if error is None:
            assert target is not None
            try:
                follow = self._request(target, key=key, hops=hops, attempt=1, elapsed=elapsed)
                return _with_cookies(follow, self._chain_cookies.pop(key, {}))
            except ValueError as exc:
                error = (ErrorKind.PROTOCOL, f"redirect to an invalid URL: {exc}")
        kind, text = error
        self._emit(
            key,
            Fetch(
                requested_url=key,
                hops=hops,
                final_url=target,
                error=kind,
                error_text=text,
                elapsed_ms=round(elapsed * 1000),
            ),
        )
        return None

    def _keep_cookies(self, key: str, meta: dict[str, Any], response: Response) -> None:
        """Cookies live along one entry's redirect chain only, per host (no shared jar:
        a consent cookie from one entry must not change another entry's answer)."""
        jars = meta.get("lw_cookies") or {}
        host = urlsplit(response.url).hostname or ""
        for raw in response.headers.getlist(b"Set-Cookie"):
            parsed = SimpleCookie()
            try:
                parsed.load(raw.decode("latin-1"))
            except CookieError:
                continue
            for name, morsel in parsed.items():
                jars.setdefault(host, {})[name] = morsel.value
        self._chain_cookies[key] = jars

    def _backoff(self, attempt: int) -> float:
        return float(self.check.retry_backoff * (2 ** (attempt - 1)))

    def _retry_delay(self, attempt: int, retry_after: str | None) -> float | None:
        """Seconds to wait before retrying; None when the server asks for too long."""
        if retry_after is None:
            return self._backoff(attempt)
        wait = parse_retry_after(retry_after)
        if wait is None:
            return self._backoff(attempt)
        if wait > self.check.retry_after_cap:
            return None
        return max(wait, 0.0)

    def _emit(self, key: str, fetch: Fetch, extraction: Extraction | None = None) -> None:
        if key in self.pending:
            self.pending.discard(key)
            self.sink(key, fetch, extraction or Extraction())

    def _emit_pending(self, kind: ErrorKind, text: str) -> None:
        for key in sorted(self.pending):
            self._emit(key, Fetch(requested_url=key, error=kind, error_text=text))

    def on_closed(self, spider: Any, reason: str) -> None:
        # Normally nothing is left; the crawl may have been stopped (a signal) or closed by
        # Scrapy for a reason of its own.
        self._emit_pending(ErrorKind.OTHER, f"crawl ended ({reason}) before this URL")


def parse_retry_after(value: str) -> float | None:
    """Retry-After as seconds from now: a number of seconds or an HTTP date."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    from datetime import UTC, datetime

    return (when - datetime.now(UTC)).total_seconds()


def _lower_headers(headers: Headers) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, values in headers.items():
        if values:
            out[name.decode("latin-1").lower()] = values[0].decode("latin-1")
    return out


def _resolve(base: str, location: str) -> str | None:
    try:
        # Location is often raw UTF-8 sent as latin-1 bytes; undo that before encoding.
        try:
            location = location.encode("latin-1").decode("utf-8")
        except UnicodeError:
            pass
        return safe_url_string(urljoin(base, location.strip()))
    except ValueError:
        return None


def _meta_refresh(body: bytes, url: str) -> str | None:
    head = body[:8192]
    if b"refresh" not in head.lower():
        return None
    text = head.decode("utf-8", "replace")
    interval, target = get_meta_refresh(text, url)
    if target is None or interval is None or interval > META_REFRESH_MAX_DELAY:
        return None
    return safe_url_string(target)


def _with_cookies(request: Request, jars: dict[str, dict[str, str]]) -> Request:
    """The next hop carries the chain's cookies for its host (and remembers them all)."""
    if not jars:
        return request
    request.meta["lw_cookies"] = jars
    jar = jars.get(urlsplit(request.url).hostname or "", {})
    if jar:
        request.headers[b"Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
    return request
