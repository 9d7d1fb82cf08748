"""Looking past the status code, from inside the crawl: the extra requests the detectors
need (a probe per host and directory for soft 404s, YouTube's oEmbed answer) and the page
facts they judge. The judging itself is pure (``crawler.detect``); this is its I/O edge.

The extra requests go through Scrapy's engine like every other one: same politeness,
same robots.txt, same host map and caps.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from scrapy import Request
from scrapy.http.request import NO_CALLBACK
from w3lib.url import safe_url_string

from crawler.detect import (
    Detection,
    PageFacts,
    Snapshot,
    detect_page,
    judge_oembed,
    oembed_url,
    probe_url,
    snapshot,
    video_id,
)
from crawler.detect.page import host_of, is_html
from crawler.extract import media_type
from crawler.model import Extraction, Hop

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

AUX_REDIRECTS = 5  # a probe or oEmbed answer is followed this far, no further


@dataclass(frozen=True, slots=True)
class Answer:
    final_url: str
    status: int
    content_type: str | None
    charset: str | None
    body: bytes
    redirected: bool


class Inspector:
    """One per crawl: holds the run's probe token and the probe answers per directory."""

    def __init__(self, crawler: Crawler, *, oembed_base: str) -> None:
        self.crawler = crawler
        self.oembed_base = oembed_base
        # One random name per run (cached per directory); a prefix so that it can never be
        # all digits and hit a CMS's numeric id route.
        self.token = "lw-" + secrets.token_hex(6)
        self._probes: dict[str, asyncio.Future[PageFacts | None]] = {}

    async def inspect(
        self,
        key: str,
        response: Response,
        hops: tuple[Hop, ...],
        content_type: str | None,
        charset: str | None,
        extraction: Extraction,
    ) -> tuple[Detection | None, Snapshot | None]:
        page = PageFacts.from_body(
            requested_url=key,
            final_url=response.url,
            status=response.status,
            redirected=bool(hops),
            content_type=content_type,
            charset=charset,
            body=response.body,
            title=extraction.title,
        )
        if not is_html(content_type, page.html):
            return None, None
        found: Detection | None = None
        if video_id(key) is not None or video_id(response.url) is not None:
            address = oembed_url(response.url, self.oembed_base) or oembed_url(
                key, self.oembed_base
            )
            answer = await self.fetch(address) if address else None
            if answer is not None:
                found = judge_oembed(answer.status, answer.body)
        if found is None:
            # The register URL's own directory: a page redirected to its parent listing is
            # caught only there.
            probe = await self.probe(key)
            hosts = tuple(host_of(h.url) for h in hops)
            found = detect_page(page, probe=probe, hops_hosts=hosts)
        return found, snapshot(page, extraction.language)

    async def probe(self, url: str) -> PageFacts | None:
        """The answer for a random address in ``url``'s directory, fetched once per run."""
        address = probe_url(url, self.token)
        if address is None:
            return None
        if address not in self._probes:
            future: asyncio.Future[PageFacts | None] = asyncio.get_running_loop().create_future()
            self._probes[address] = future
            facts: PageFacts | None = None
            try:
                answer = await self.fetch(address)
                if answer is not None:
                    facts = PageFacts.from_body(
                        requested_url=address,
                        final_url=answer.final_url,
                        status=answer.status,
                        redirected=answer.redirected,
                        content_type=answer.content_type,
                        charset=answer.charset,
                        body=answer.body,
                        title=None,
                    )
            finally:
                # Always answered: every other page of this directory waits on it.
                future.set_result(facts)
        return await self._probes[address]

    async def fetch(self, url: str) -> Answer | None:
        """GET through Scrapy's engine, following a few redirects; None on any failure."""
        redirected = False
        for _ in range(AUX_REDIRECTS + 1):
            request = Request(url, dont_filter=True, callback=NO_CALLBACK, meta={"lw_aux": True})
            try:
                response = await self.crawler.engine.download_async(request)
            except Exception:  # a probe that fails tells nothing: no evidence either way
                return None
            location = response.headers.get(b"Location")
            if 300 <= response.status < 400 and location:
                try:
                    url = safe_url_string(urljoin(response.url, location.decode("latin-1")))
                except ValueError:  # a Location no URL parser accepts
                    return None
                redirected = True
                continue
            raw_type = response.headers.get(b"Content-Type")
            ctype, charset = media_type(raw_type.decode("latin-1") if raw_type else None)
            return Answer(response.url, response.status, ctype, charset, response.body, redirected)
        return None
