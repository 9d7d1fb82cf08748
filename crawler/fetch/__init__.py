"""The fetcher: Scrapy, configured and extended, turning URLs into ``Fetch`` facts.

Runs in its own process (``python -m crawler.fetch.worker``): Twisted's reactor cannot be
restarted, and a crash or leak in a crawl must not take its caller down.
"""
