"""What a crawl worker sends its parent: one JSON line per URL (no body, no Scrapy)."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from crawler.model import ErrorKind, Extraction, Fetch, Hop


def encode(key: str, fetch: Fetch, extraction: Extraction) -> str:
    # Field by field rather than dataclasses.asdict: this runs once per URL, and asdict's
    # recursive deep copy was a visible share of a worker's CPU.
    f = {name: getattr(fetch, name) for name in _FETCH_FIELDS}
    if fetch.body:  # only API answers keep theirs (see CheckSpider.keep_body)
        f["body"] = fetch.body.decode("latin-1")
    f["hops"] = [[h.url, h.status] for h in fetch.hops]
    f["headers"] = {k: v for k, v in fetch.headers.items() if k in _KEPT_HEADERS}
    e = {name: getattr(extraction, name) for name in _EXTRACTION_FIELDS}
    return json.dumps({"key": key, "fetch": f, "extraction": e})


def decode(line: str) -> tuple[str, Fetch, Extraction]:
    obj: dict[str, Any] = json.loads(line)
    f = obj["fetch"]
    f["hops"] = tuple(Hop(url, status) for url, status in f["hops"])
    f["error"] = ErrorKind(f["error"]) if f["error"] else None
    f["evidence"] = tuple(f["evidence"])
    f["body"] = f.get("body", "").encode("latin-1")
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
_FETCH_FIELDS = tuple(f.name for f in fields(Fetch) if f.name != "body")
_EXTRACTION_FIELDS = tuple(f.name for f in fields(Extraction))
