"""Is the network itself down? A run where most hosts fail at DNS or connect level says
nothing about the register, only about the machine's connection. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable
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


def assess(fetches: Iterable[Fetch], *, share: float, min_hosts: int) -> OutageVerdict:
    """Inconclusive when at least ``share`` of (at least ``min_hosts``) hosts failed at
    network level on every URL they serve."""
    reached: dict[str, bool] = {}
    for fetch in fetches:
        if fetch.error in (ErrorKind.INVALID_URL, ErrorKind.UNSUPPORTED_SCHEME):
            continue
        host = (urlsplit(fetch.requested_url).hostname or "").lower()
        ok = not (fetch.error in NETWORK_LEVEL and not fetch.hops)
        reached[host] = reached.get(host, False) or ok
    hosts = len(reached)
    failed = sum(not ok for ok in reached.values())
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
