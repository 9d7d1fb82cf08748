"""Scrapy settings from our configuration: every default that matters set explicitly."""

from __future__ import annotations

from typing import Any

from scrapy.settings import default_settings

from crawler.config import CheckConfig
from crawler.fetch import defaults


def scrapy_settings(check: CheckConfig) -> dict[str, Any]:
    handler = "crawler.fetch.handler.LinkwachtDownloadHandler"
    settings: dict[str, Any] = {
        "BOT_NAME": "linkwacht",
        "USER_AGENT": check.user_agent,
        "ROBOTSTXT_OBEY": check.robots_txt,
        "ROBOTSTXT_USER_AGENT": "linkwacht",
        "CONCURRENT_REQUESTS": check.concurrency,  # sizes the handler's connection pool
        "CONCURRENT_REQUESTS_PER_DOMAIN": check.per_host_concurrency,
        "DOWNLOAD_DELAY": check.per_host_delay,
        "DOWNLOAD_DELAY_JITTER": 0,  # the delay is a promise to the site owner
        "DOWNLOAD_TIMEOUT": check.timeout,
        # Network caps: our handler stops reading at the per-type caps; this is the
        # backstop, and HttpCompressionMiddleware applies it to the decompressed size.
        "DOWNLOAD_MAXSIZE": check.max_decompressed_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "DOWNLOAD_FAIL_ON_DATALOSS": True,  # a body cut short is a reset, not a page
        "DOWNLOAD_VERIFY_CERTIFICATES": check.verify_tls,
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "LINKWACHT_HOST_MAP": dict(check.host_map),
        "LINKWACHT_RESOLVE_UNMAPPED": check.resolve_unmapped,
        "LINKWACHT_CA_BUNDLE": check.ca_bundle,
        "LINKWACHT_PROXY": check.proxy,
        "LINKWACHT_MAX_BODY_BYTES": check.max_body_bytes,
        "LINKWACHT_MAX_PDF_BYTES": check.max_pdf_bytes,
        # Plain asyncio, no Twisted reactor: less work per request, and a loop that (unlike
        # the reactor) can run several crawls in one process (see crawler/fetch/pool.py).
        "TWISTED_REACTOR_ENABLED": False,
        # Our spider follows redirects and retries itself (see spider.py).
        "REDIRECT_ENABLED": False,
        "METAREFRESH_ENABLED": False,
        "RETRY_ENABLED": False,
        # No request goes through Scrapy's scheduler or scraper (the spider's workers call
        # the downloader, see spider.py): their settings (duplicate filter, item
        # concurrency) are left as they are, and no spider middleware is loaded.
        # Only the components a link check needs: each one costs CPU on every request.
        **_components(
            "DOWNLOADER_MIDDLEWARES",
            {
                "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
                "crawler.fetch.robots.SafeRobotsTxtMiddleware": 100,
                "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
                "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
                "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
                "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": None,
                "crawler.fetch.proxy.ConfiguredProxyMiddleware": 750,
                "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,
                # Four of Scrapy's, in one: every middleware costs every request a step.
                **dict.fromkeys(defaults.REPLACES),
                "crawler.fetch.defaults.RequestDefaultsMiddleware": 590,
                # Off by the settings below anyway.
                "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
                "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
                "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
                "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
            },
        ),
        **_components(
            "SPIDER_MIDDLEWARES",
            {
                "scrapy.spidermiddlewares.httperror.HttpErrorMiddleware": None,
                "scrapy.spidermiddlewares.start.StartSpiderMiddleware": None,
                "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
                "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
                "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
                "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
            },
        ),
        **_components(
            "EXTENSIONS",
            {
                "scrapy.extensions.corestats.CoreStats": None,
                "scrapy.extensions.memdebug.MemoryDebugger": None,
                "scrapy.extensions.feedexport.FeedExporter": None,
                "scrapy.extensions.spiderstate.SpiderState": None,
                "scrapy.extensions.throttle.AutoThrottle": None,
                # The spider keeps the run's time budget itself (its workers stop on time).
                "scrapy.extensions.closespider.CloseSpider": None,
                # Off anyway (settings below).
                "scrapy.extensions.remote_control.RemoteControl": None,
                "scrapy.extensions.telnet.TelnetConsole": None,
                "scrapy.extensions.memusage.MemoryUsage": None,
                "scrapy.extensions.logstats.LogStats": None,
            },
        ),
        # Off: nothing may listen on a port or write state behind the administrator's back.
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOGSTATS_INTERVAL": 0,
        "MEMUSAGE_ENABLED": False,
        # Scrapy's cookie jar is shared by the whole crawl (and its public-suffix library
        # would fetch a list from the internet): the spider carries cookies per chain.
        "COOKIES_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        # Nothing reads Scrapy's counters (its end-of-crawl summary is logged at INFO): a
        # no-op collector spares Scrapy's eight stats updates per request.
        "STATS_CLASS": "scrapy.statscollectors.DummyStatsCollector",
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    }
    return settings


def _components(name: str, changes: dict[str, int | None]) -> dict[str, dict[str, int]]:
    """Scrapy's default components for ``name`` (DOWNLOADER_MIDDLEWARES, ...) with our
    ``changes`` (None: off), given to Scrapy whole, as ``name_BASE``.

    Given as ``name`` itself, the changes would be merged with the base by Scrapy, which
    imports every key to do it, those switched off included: the cookie middleware alone
    takes 70 ms to import (a public-suffix library and requests), the remote-control
    extension 30 ms, start-up that a polite run spends before its first request."""
    base: dict[str, int] = getattr(default_settings, f"{name}_BASE")
    unknown = [key for key, order in changes.items() if order is None and key not in base]
    if unknown:  # a component renamed by a Scrapy upgrade would otherwise stay on
        raise ValueError(f"{name}: not among Scrapy's components: {', '.join(unknown)}")
    merged = {**base, **changes}
    return {
        f"{name}_BASE": {key: order for key, order in merged.items() if order is not None},
        name: {},
    }
