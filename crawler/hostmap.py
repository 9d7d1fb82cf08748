"""The host map: connect to another address for a host, like curl's --connect-to.

Kept apart from the fetcher so that the configuration can be checked without loading
Scrapy (the command line stays light until a crawl really starts).
"""

from __future__ import annotations

from collections.abc import Mapping

import idna


def _idna(host: str) -> str:
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        return host.lower()


def parse_host_map(host_map: Mapping[str, str]) -> dict[str, tuple[str, int | None]]:
    """{"host[:port]": "addr[:port]"} -> {"host[:port]" (IDNA): (addr, port or None)}.

    Raises ValueError naming the bad entry.
    """
    parsed: dict[str, tuple[str, int | None]] = {}
    for key, target in host_map.items():
        host, _, port = key.rpartition(":") if key.count(":") == 1 else (key, "", "")
        if not host:
            raise ValueError(f"host_map: bad key {key!r} (expected host or host:port)")
        addr, sep, tport = target.rpartition(":")
        if not sep:
            addr, tport = target, ""
        try:
            mapped_port = int(tport) if tport else None
            if port:
                int(port)
        except ValueError:
            raise ValueError(f"host_map: bad entry {key!r} = {target!r}") from None
        name = _idna(host)
        parsed[f"{name}:{port}" if port else name] = (addr, mapped_port)
    return parsed
