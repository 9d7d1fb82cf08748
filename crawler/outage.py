"""Is the network itself down? A run where most hosts fail at DNS or connect level says
nothing about the register, only about the machine's connection. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from crawler.model import ErrorKind, Fetch

NETWORK_LEVEL = frozenset({ErrorKind.DNS, ErrorKind.REFUSED, ErrorKind.TIMEOUT, ErrorKind.OTHER})


@dataclass(frozen=True, slots=True)
class OutageVerdict:
    inconclusive: bool
    failed_hosts: int
    hosts: int
    message: str


def reached(fetch: Fetch) -> bool | None:
    """Did this fetch reach its host at all? None: the URL says nothing about the network."""
    if fetch.error in (
        ErrorKind.INVALID_URL,
        ErrorKind.UNSUPPORTED_SCHEME,
        ErrorKind.NOT_CHECKED,
        ErrorKind.BUDGET,
    ):
        return None  # never tried: nothing learnt about the network
    return not (fetch.error in NETWORK_LEVEL and not fetch.hops)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def assess(by_host: Mapping[str, bool], *, share: float, min_hosts: int) -> OutageVerdict:
    """Inconclusive when at least ``share`` of (at least ``min_hosts``) hosts could not be
    reached on any URL they serve. ``by_host``: host -> reached at least once."""
    hosts = len(by_host)
    failed = sum(not ok for ok in by_host.values())
    if hosts >= min_hosts and failed >= share * hosts:
        return OutageVerdict(
            True,
            failed,
            hosts,
            f"Inconclusive: {failed} of {hosts} hosts could not be reached at all (name "
            "lookup or connection failed). The network of this machine is probably down, "
            "so no link was judged broken. Check the connection and run again.",
        )
    return OutageVerdict(False, failed, hosts, "")
