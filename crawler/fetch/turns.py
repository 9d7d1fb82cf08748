"""Which register URL to check next: hosts take turns, none gets more than its share.

The spider's workers each check one register entry at a time (its redirects and retries
included). A worker asks :class:`HostTurns` for the next URL; it gets one whose host has
fewer than ``per_host`` entries under way, hosts in turn, each host's URLs in register
order. A host at its share waits, the others go on: a register that lists one site's
thousand pages together cannot fill every worker with that site while the others idle.

(Scrapy's scheduler does this job when requests go through it; the spider hands its
requests to the downloader itself, see ``crawler.fetch.spider``.)
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from urllib.parse import urlsplit

__all__ = ["HostTurns", "host_key"]


def host_key(url: str) -> str:
    """The host a URL's request goes to, as Scrapy's downloader keys its slots."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:  # not a URL any request could be made of: its own "host"
        return ""


class HostTurns:
    def __init__(self, urls: Iterable[str], per_host: int) -> None:
        if per_host < 1:
            raise ValueError(f"per_host must be at least 1, not {per_host}")
        self.per_host = per_host
        self._queued: dict[str, deque[str]] = {}
        for url in urls:
            self._queued.setdefault(host_key(url), deque()).append(url)
        self._ready: deque[str] = deque(self._queued)  # hosts with URLs queued and room
        self._under_way: dict[str, int] = {}
        self._left = sum(map(len, self._queued.values()))
        self._freed = asyncio.Event()

    def __len__(self) -> int:
        """URLs not yet handed out."""
        return self._left

    def take(self) -> tuple[str, str] | None:
        """``(host, url)`` of the next URL that may start now, or None if every host with
        URLs left is at its share."""
        if not self._ready:
            return None
        host = self._ready.popleft()
        queue = self._queued[host]
        url = queue.popleft()
        self._left -= 1
        under_way = self._under_way[host] = self._under_way.get(host, 0) + 1
        if not queue:
            del self._queued[host]
        elif under_way < self.per_host:
            self._ready.append(host)  # its next URL waits for the other hosts' turns
        return host, url

    def done(self, host: str) -> None:
        """One of ``host``'s entries is finished."""
        under_way = self._under_way[host] - 1
        if under_way:
            self._under_way[host] = under_way
        else:
            del self._under_way[host]
        if under_way == self.per_host - 1 and host in self._queued:
            self._ready.append(host)  # it was at its share: its turn comes again
        self._freed.set()

    async def next(self) -> tuple[str, str] | None:
        """The next URL, waiting while every host with URLs left is at its share; None
        when no URL is left."""
        while self._left:
            taken = self.take()
            if taken is not None:
                return taken
            self._freed.clear()
            await self._freed.wait()
        return None
