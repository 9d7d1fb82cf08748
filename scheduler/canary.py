"""Canary URLs: before a check, is the internet there at all?

If none of the configured canaries answers, the check is not started: the run is recorded
as inconclusive, no link is judged, and the administrators hear about it once. Any HTTP
answer counts (even 404 or 503: something out there answered); so does a TLS complaint
(a server was reached). Only "no answer at all" (DNS, refused, timeout) counts as down.
"""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CanaryReport:
    up: bool
    details: tuple[str, ...]  # one line per canary tried


def parse_urls(value: str) -> list[str]:
    return [u.strip() for u in value.split(",") if u.strip()]


def probe(
    urls: Sequence[str],
    *,
    timeout: float,
    user_agent: str,
    proxy: str = "",
) -> CanaryReport:
    """Try each URL in turn; stop at the first that answers."""
    handlers: list[urllib.request.BaseHandler] = []
    if proxy:
        handlers.append(urllib.request.ProxyHandler({"http": proxy, "https": proxy}))
    opener = urllib.request.build_opener(*handlers)
    details: list[str] = []
    for url in urls:
        request = urllib.request.Request(url, headers={"User-Agent": user_agent})
        try:
            with opener.open(request, timeout=timeout) as answer:
                details.append(f"{url}: HTTP {answer.status}")
                return CanaryReport(True, tuple(details))
        except urllib.error.HTTPError as exc:
            details.append(f"{url}: HTTP {exc.code}")
            return CanaryReport(True, tuple(details))
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, ssl.SSLError | ssl.CertificateError):
                details.append(f"{url}: TLS problem, but the server answered ({exc.reason})")
                return CanaryReport(True, tuple(details))
            details.append(f"{url}: {exc.reason}")
        except (OSError, ValueError) as exc:  # timeouts, resets, malformed URL
            details.append(f"{url}: {exc or type(exc).__name__}")
    return CanaryReport(False, tuple(details))
