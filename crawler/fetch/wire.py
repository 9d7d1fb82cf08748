"""What a crawl worker sends its parent: one JSON line per URL (no body, no Scrapy)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from crawler.model import ErrorKind, Extraction, Fetch, Hop


def encode(key: str, fetch: Fetch, extraction: Extraction) -> str:
    f = asdict(fetch)
    f.pop("body")
    f["hops"] = [[h.url, h.status] for h in fetch.hops]
    f["headers"] = {k: v for k, v in fetch.headers.items() if k in _KEPT_HEADERS}
    return json.dumps({"key": key, "fetch": f, "extraction": asdict(extraction)})


def decode(line: str) -> tuple[str, Fetch, Extraction]:
    obj: dict[str, Any] = json.loads(line)
    f = obj["fetch"]
    f["hops"] = tuple(Hop(url, status) for url, status in f["hops"])
    f["error"] = ErrorKind(f["error"]) if f["error"] else None
    e = obj["extraction"]
    e["notes"] = tuple(e["notes"])
    return obj["key"], Fetch(**f), Extraction(**e)


# Headers worth keeping for the verdict and later detectors; the rest stays in the worker.
_KEPT_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "content-language",
        "retry-after",
        "server",
        "cf-mitigated",
        "last-modified",
        "etag",
        "location",
    }
)
