"""A bulk world for benchmarks: many hosts, many small pages, a fixed server latency."""

from __future__ import annotations

import asyncio

from aiohttp import web

from crawler.simweb.world import Call, Handler, Site, World

_PAGE = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    "<title>Bench page {n}</title></head>\n<body><h1>Bench page {n}</h1>\n"
    "<p>{filler}</p>\n</body></html>\n"
)
_FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 12


class LoadWorld:
    """``hosts`` hosts ``h000.bench.test``... serving ``urls`` pages ``/p/<n>`` in total.

    Page ``n`` lives on host ``n % hosts``; every answer waits ``latency_ms`` first (like a real
    server's think time), so concurrency, not CPU, decides throughput.
    """

    __slots__ = ("hosts", "latency_ms", "n_urls", "scheme")

    def __init__(
        self, hosts: int = 50, urls: int = 10_000, latency_ms: float = 20, scheme: str = "https"
    ) -> None:
        if hosts < 1 or urls < 0:
            raise ValueError("need at least one host and a non-negative number of URLs")
        self.hosts = hosts
        self.n_urls = urls
        self.latency_ms = latency_ms
        self.scheme = scheme

    def host(self, i: int) -> str:
        return f"h{i:03d}.bench.test"

    def urls(self) -> list[str]:
        return [f"{self.scheme}://{self.host(n % self.hosts)}/p/{n}" for n in range(self.n_urls)]

    def build_world(self) -> World:
        world = World("load")
        delay = self.latency_ms / 1000
        hosts, n_urls = self.hosts, self.n_urls

        def fallback_for(index: int) -> Handler:
            async def serve(request: web.Request, call: Call) -> web.StreamResponse:
                # Cheap on purpose: one split, one int(), one format per request.
                parts = request.path.split("/")
                n = (
                    int(parts[2])
                    if len(parts) == 3 and parts[1] == "p" and parts[2].isdigit()
                    else -1
                )
                if n < 0 or n >= n_urls or n % hosts != index:
                    return web.Response(status=404, text="not found")
                if delay:
                    await asyncio.sleep(delay)
                return web.Response(
                    text=_PAGE.format(n=n, filler=_FILLER),
                    content_type="text/html",
                    charset="utf-8",
                )

            return serve

        for i in range(hosts):
            world.site(Site(self.host(i), http="serve", fallback=fallback_for(i)))
        return world
