"""What every request carries (User-Agent, Scrapy's default headers, Accept-Encoding, the
download timeout), and compressed answers decoded: one downloader middleware.

Scrapy spreads this over four (UserAgent, DefaultHeaders, DownloadTimeout and
HttpCompression). Each middleware method costs every request a trip through Scrapy's
middleware manager, and the four were ~4% of a check's CPU; the behaviour is theirs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.httpcompression import (
    ACCEPTED_ENCODINGS,
    HttpCompressionMiddleware,
)
from scrapy.utils.python import without_none_values

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

# The Scrapy middlewares this one stands for (see settings.py).
REPLACES = (
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware",
    "scrapy.downloadermiddlewares.defaultheaders.DefaultHeadersMiddleware",
    "scrapy.downloadermiddlewares.downloadtimeout.DownloadTimeoutMiddleware",
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware",
)


class RequestDefaultsMiddleware(HttpCompressionMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler=crawler)
        settings = crawler.settings
        headers: list[tuple[str | bytes, str | bytes]] = []
        if settings.get("USER_AGENT"):
            headers.append((b"User-Agent", settings["USER_AGENT"]))
        headers += without_none_values(settings["DEFAULT_REQUEST_HEADERS"]).items()
        headers.append((b"Accept-Encoding", b", ".join(ACCEPTED_ENCODINGS)))
        self._headers = headers
        self._timeout: float = settings.getfloat("DOWNLOAD_TIMEOUT")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    # Without the parent's deprecated ``spider`` argument: Scrapy then does not pass one.
    def process_request(self, request: Request) -> None:  # type: ignore[override]
        for name, value in self._headers:
            request.headers.setdefault(name, value)
        if self._timeout:
            request.meta.setdefault("download_timeout", self._timeout)

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if b"Content-Encoding" not in response.headers:
            return response  # the common case, without the parent's bookkeeping
        return super().process_response(request, response)
