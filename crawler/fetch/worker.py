"""Running the spider: in a crawl worker process, or as a coroutine on a running loop.

``python -m crawler.fetch.worker``: URLs in (JSON on stdin), one JSON line per URL out
(stdout); logs go to stderr. ``make_runner`` and ``crawl_async`` run the same spider on
the checking process's own loop (``crawler/fetch/pool.py``, ``InProcessCrawl``).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, TextIO

from crawler.config import CheckConfig
from crawler.fetch import wire
from crawler.gc_tuning import tune_for_a_long_run
from crawler.model import Extraction, Fetch

if TYPE_CHECKING:
    from scrapy.crawler import AsyncCrawlerRunner

    from crawler.fetch.spider import Sink


def crawl(urls: list[str], check: CheckConfig, out: TextIO, *, keep_body: bool = False) -> None:
    """One crawl in a worker process: answers as JSON lines on ``out``."""
    from scrapy.crawler import AsyncCrawlerProcess

    from crawler.fetch.settings import scrapy_settings
    from crawler.fetch.spider import CheckSpider

    if not urls:
        return

    def sink(key: str, fetch: Fetch, extraction: Extraction) -> None:
        out.write(wire.encode(key, fetch, extraction) + "\n")
        out.flush()

    process = AsyncCrawlerProcess(scrapy_settings(check))
    _quiet_logs()
    process.crawl(CheckSpider, urls=urls, sink=sink, check=check, keep_body=keep_body)
    process.start()


def make_runner(check: CheckConfig) -> AsyncCrawlerRunner:
    """A runner for crawls on the running asyncio loop (no Twisted reactor)."""
    from scrapy.crawler import AsyncCrawlerRunner

    from crawler.fetch.settings import scrapy_settings

    _quiet_logs()
    return AsyncCrawlerRunner(scrapy_settings(check))


async def crawl_async(
    runner: AsyncCrawlerRunner,
    urls: list[str],
    check: CheckConfig,
    sink: Sink,
    keep_body: bool = False,
) -> None:
    """One crawl on the running loop; each answer goes to ``sink`` as it comes."""
    from crawler.fetch.spider import CheckSpider

    if urls:
        await runner.crawl(CheckSpider, urls=urls, sink=sink, check=check, keep_body=keep_body)


def _quiet_logs() -> None:
    # Scrapy logs every response at DEBUG: a record built per URL only to be dropped.
    logging.getLogger("scrapy").setLevel(logging.WARNING)
    # A robots.txt that cannot be fetched is logged with a traceback by Scrapy; the URL's
    # own request fails the same way and gets a verdict, so that log is only noise.
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)


def exit_with_parent(interval: float = 0.5) -> None:
    """A worker whose parent was killed has nobody to report to: stop at once, rather
    than crawl on for hours (the parent's next start marks the run aborted)."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def preload() -> None:
    """Import what a crawl will load (Scrapy's components, our handler, the extractors), so
    that only building the crawler is left once the job arrives."""
    from scrapy.settings import Settings
    from scrapy.utils.misc import load_object

    import crawler.extract.html
    import crawler.fetch.spider  # noqa: F401
    from crawler.fetch.settings import scrapy_settings

    settings = Settings(scrapy_settings(CheckConfig()))
    for name in ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "EXTENSIONS"):
        for path, order in settings.getwithbase(name).items():
            if order is not None:
                load_object(path)
    for name in ("SCHEDULER", "DOWNLOADER", "SCHEDULER_PRIORITY_QUEUE"):
        load_object(settings[name])
    load_object(settings["DOWNLOAD_HANDLERS"]["http"])


def main() -> None:
    exit_with_parent()
    # Import the heavy parts before waiting for the job: the parent starts us early so
    # that this overlaps with its own start-up.
    preload()

    tune_for_a_long_run()
    job: dict[str, Any] = json.load(sys.stdin)
    check = CheckConfig(**job["check"])
    crawl(job["urls"], check, sys.stdout, keep_body=job.get("keep_body", False))


if __name__ == "__main__":
    main()
