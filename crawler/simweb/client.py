"""Client-side helpers: point an aiohttp client at the simulated web through its host map.

The crawler proper uses its own plumbing (Scrapy); these are for tests, benchmarks and demos
that talk to ``SimWeb`` with aiohttp.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from crawler.simweb.world import ascii_host


class SimResolver(AbstractResolver):
    """Resolves ``host:port`` through a host map; anything else is NXDOMAIN, never real DNS."""

    def __init__(self, host_map: Mapping[str, str]) -> None:
        self._map = {k.lower(): v for k, v in host_map.items()}

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        target = self._map.get(f"{ascii_host(host)}:{port}")
        if target is None:
            raise OSError(socket.EAI_NONAME, f"{host}: Name or service not known")
        addr, _, p = target.rpartition(":")
        return [
            {
                "hostname": host,
                "host": addr,
                "port": int(p),
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


def client_ssl_context(ca_pem_path: Path | str) -> ssl.SSLContext:
    """Verifies like a browser, trusting the simulated web's CA (and nothing else)."""
    return ssl.create_default_context(cafile=str(ca_pem_path))


def connector(
    host_map: Mapping[str, str], ca_pem_path: Path | str, **kw: Any
) -> aiohttp.TCPConnector:
    return aiohttp.TCPConnector(
        resolver=SimResolver(host_map),
        ssl=client_ssl_context(ca_pem_path),
        use_dns_cache=False,
        **kw,
    )
