"""robots.txt, obeyed correctly while it is still loading.

Scrapy 2.19's middleware hands the parsed robots.txt to the first waiter only: every
other request queued for that host while robots.txt loads gets ``None`` and skips the
check. Each waiter here gets its own relay of the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.fetch.errors import RobotsDisallowed

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.robotstxt import RobotParser


class SafeRobotsTxtMiddleware(RobotsTxtMiddleware):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(_netloc(request))
        if isinstance(pending, Deferred):
            waiter: Deferred[Any] = Deferred()

            def relay(result: Any) -> Any:
                waiter.callback(result)
                return result  # keep the result for the next waiter in the chain

            pending.addBoth(relay)
            return await maybe_deferred_to_future(waiter)  # type: ignore[no-any-return]
        return await super().robot_parser(request)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        if rp is None:
            return
        useragent: str | bytes = (
            self._robotstxt_useragent
            or request.headers.get(b"User-Agent")
            or self._default_useragent
        )
        if not rp.allowed(request.url, useragent):
            self._stats.inc_value("robotstxt/forbidden")
            raise RobotsDisallowed("Forbidden by robots.txt")


def _netloc(request: Request) -> str:
    return urlparse_cached(request).netloc
