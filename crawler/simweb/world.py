"""The declarative building blocks of a simulated web: sites, routes, scenarios, worlds.

A *world* is a bag of virtual hosts (``Site``), the resources they serve (``Route``) and the
URLs a crawler is expected to judge in a known way (``Scenario``). ``SimWeb`` loads one or more
worlds and serves them all from one aiohttp application routed by the ``Host`` header.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from aiohttp import web
from yarl import URL

if TYPE_CHECKING:
    from crawler.simweb.server import SimWeb

# Where a host name leads. "web": the aiohttp listeners (http and https); "raw": the raw asyncio
# listeners for misbehaviours; "bad_tls": https goes to the self-signed listener; "refused": a
# port nobody listens on; "unresolvable": deliberately absent from the host map.
Listener = Literal["web", "raw", "bad_tls", "refused", "unresolvable"]
Scheme = Literal["http", "https"]


@dataclass(slots=True)
class Call:
    """What a handler gets besides the request: the route's hit count and the server."""

    sim: SimWeb
    site: Site
    route: Route | None  # None when the site's fallback answers
    hit: int  # 1 for the first request to this route since start/reset, 2 for the next, ...


Handler = Callable[[web.Request, Call], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Robots:
    """A host's /robots.txt: ``body=None`` answers 404; ``delay`` seconds before answering."""

    body: str | None = "User-agent: *\nDisallow:\n"
    delay: float = 0.0


ROBOTS_ALLOW_ALL = Robots()
ROBOTS_404 = Robots(body=None)


@dataclass(frozen=True, slots=True)
class Site:
    """One virtual host, named in ASCII (IDN hosts in punycode)."""

    name: str
    server: str = "nginx"  # the Server header this host sends
    robots: Robots = ROBOTS_ALLOW_ALL
    # What plain http does: "redirect" = 301 to the same path on https (most sites today),
    # "serve" = the routes are served on http too.
    http: Literal["redirect", "serve"] = "redirect"
    listener: Listener = "web"
    # Called for paths without a route (default: a realistic 404 page). Lets the load world
    # serve 10 000 pages without 10 000 routes.
    fallback: Handler | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """One resource: ``target`` is the path and query as written in a URL (may be %-encoded).

    ``scheme=None`` serves it on whichever schemes the site serves. ``any_query=True`` ignores
    the query string (like a static file server); otherwise the query must match too.
    """

    host: str
    target: str
    handler: Handler
    name: str = ""
    scheme: Scheme | None = None
    any_query: bool = False


@dataclass(frozen=True, slots=True)
class Scenario:
    """A URL plus the verdict its simulated site is built to produce."""

    name: str
    url: str
    expect_status: str  # ok | redirected | broken | transient | blocked | invalid
    expect_reason: str | None
    minor: bool = False  # a redirect that only changes scheme or adds/removes a slash
    expect_title: str | None = None
    expect_language: str | None = None
    expect_final_url: str | None = None
    description: str = ""


@dataclass(slots=True)
class World:
    name: str
    sites: list[Site] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)

    def site(self, site: Site) -> Site:
        self.sites.append(site)
        return site

    def route(self, url: str, handler: Handler, *, name: str = "", any_query: bool = False) -> str:
        """Serve ``handler`` at ``url`` (absolute; its scheme pins the route when the host
        redirects http). Returns the URL for chaining into a scenario."""
        u = URL(url)
        scheme: Scheme | None = "http" if u.scheme == "http" else None
        self.routes.append(
            Route(
                host=ascii_host(u.raw_host or ""),
                target=u.raw_path_qs,
                handler=handler,
                name=name or url,
                scheme=scheme,
                any_query=any_query,
            )
        )
        return url

    def expected(self) -> dict[str, tuple[str, str | None]]:
        return {s.url: (s.expect_status, s.expect_reason) for s in self.scenarios}


def ascii_host(host: str) -> str:
    """Lower-case ASCII form of a host name (IDNA for non-ASCII), without port or final dot."""
    host = host.strip().rstrip(".").lower()
    if not host.isascii():
        host = host.encode("idna").decode("ascii")
    return host


RouteKey = tuple[str, str, tuple[tuple[str, str], ...] | None]


def route_key(host: str, target: str, *, any_query: bool = False) -> RouteKey:
    """The form a real server compares on: percent-decoded path and decoded query pairs.

    So ``%3D`` and ``%3d`` (or ``age%5B0%5D`` and ``age[0]``) reach the same resource, while a
    path whose decoded bytes differ (an NFC-normalised ``Harce%CC%80lement``, a double-encoded
    ``%253D``) does not: exactly like a file server looking up a name on disk.
    """
    u = URL(target if target.startswith("/") else "/" + target)
    query = None if any_query else tuple(u.query.items())
    return (host, u.path, query)
