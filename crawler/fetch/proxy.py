"""The configured proxy, for every request (robots.txt and the detectors' probes too).

Scrapy's HttpProxyMiddleware takes its proxies from the process environment only. The
configured one is a setting here, so a crawl in the caller's own process does not have to
change that process's environment; ``no_proxy`` in the environment is still honoured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.httpproxy import HttpProxyMiddleware
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler


class ConfiguredProxyMiddleware(HttpProxyMiddleware):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        proxy: str = crawler.settings.get("LINKWACHT_PROXY") or ""
        if proxy:  # else: the usual *_proxy environment variables, as Scrapy reads them
            middleware.proxies = {
                scheme: middleware._get_proxy(proxy, scheme) for scheme in ("http", "https")
            }
        if not middleware.proxies:
            raise NotConfigured  # no proxy at all: one step less for every request
        return middleware
