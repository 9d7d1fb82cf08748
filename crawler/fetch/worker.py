"""A crawl worker process: URLs in (JSON on stdin), one JSON line per URL out (stdout).

``python -m crawler.fetch.worker``. Logs go to stderr; stdout carries only results.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from crawler.config import CheckConfig
from crawler.fetch import wire
from crawler.model import Extraction, Fetch


def crawl(urls: list[str], check: CheckConfig, out: TextIO) -> None:
    from scrapy.crawler import AsyncCrawlerProcess

    from crawler.fetch.settings import scrapy_settings
    from crawler.fetch.spider import CheckSpider

    def sink(key: str, fetch: Fetch, extraction: Extraction) -> None:
        out.write(wire.encode(key, fetch, extraction) + "\n")
        out.flush()

    process = AsyncCrawlerProcess(scrapy_settings(check), install_root_handler=True)
    process.crawl(CheckSpider, urls=urls, sink=sink, check=check)
    process.start()


def main() -> None:
    job: dict[str, Any] = json.load(sys.stdin)
    check = CheckConfig(**job["check"])
    crawl(job["urls"], check, sys.stdout)


if __name__ == "__main__":
    main()
