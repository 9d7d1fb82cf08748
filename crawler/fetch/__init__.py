"""The fetcher: Scrapy, configured and extended, turning URLs into ``Fetch`` facts.

Scrapy runs without the Twisted reactor, in the checking process or in worker processes
(``python -m crawler.fetch.worker``); ``pool.py`` decides and runs either.
"""
