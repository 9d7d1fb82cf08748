"""The Wayback Machine's availability API: the closest archived copy of a dead link.

``GET {base}/wayback/available?url=<url>`` answers
``{"archived_snapshots": {"closest": {"available": true, "url": "...",
"timestamp": "20200101000000", "status": "200"}}}``, or ``{"archived_snapshots": {}}``.
A maintainer replacing a dead link can point to the copy instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

__all__ = ["DEFAULT_BASE", "ArchivedCopy", "availability_url", "parse_availability"]

DEFAULT_BASE = "https://archive.org"


@dataclass(frozen=True, slots=True)
class ArchivedCopy:
    url: str
    timestamp: datetime  # UTC


def availability_url(base: str, url: str) -> str:
    """The availability request for ``url`` (quoted whole: its own query must not mix with
    ours)."""
    return f"{base.rstrip('/')}/wayback/available?url={quote(url, safe='')}"


def _timestamp(value: object) -> datetime | None:
    # 14 digits, YYYYMMDDhhmmss; shorter ones name the start of the period ("2020" -> Jan 1).
    if not isinstance(value, str) or not value.isdigit() or len(value) not in (4, 6, 8, 10, 12, 14):
        return None
    padded = value + "0101000000"[len(value) - 4 :] if len(value) < 14 else value
    try:
        return datetime.strptime(padded, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def parse_availability(body: bytes) -> ArchivedCopy | None:
    """The closest copy the archive calls available and that was archived as a working page
    (status 2xx; a captured 404 or redirect is no replacement), else None. Never raises."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    snapshots = data.get("archived_snapshots") if isinstance(data, dict) else None
    closest = snapshots.get("closest") if isinstance(snapshots, dict) else None
    if not isinstance(closest, dict) or closest.get("available") is not True:
        return None
    url = closest.get("url")
    status = str(closest.get("status", "200"))
    when = _timestamp(closest.get("timestamp"))
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or when is None:
        return None
    if not status.startswith("2"):
        return None
    return ArchivedCopy(url, when)
