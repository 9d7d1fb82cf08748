"""The plain facts linkwacht reasons about: no I/O here.

The journey of one URL: register row -> ``Entry`` -> request -> ``Fetch`` (what happened on
the wire) -> ``Verdict`` (a pure judgement of the Fetch) -> stored result -> report line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    """The verdict vocabulary, stored and exported exactly so."""

    OK = "ok"
    REDIRECTED = "redirected"
    BROKEN = "broken"
    TRANSIENT = "transient"
    BLOCKED = "blocked"
    INVALID = "invalid"


class ErrorKind(StrEnum):
    """Why a fetch produced no usable HTTP answer. The value doubles as the result's reason."""

    DNS = "dns_unresolved"
    REFUSED = "connection_refused"
    RESET = "connection_reset"
    TIMEOUT = "timeout"
    TLS_CERTIFICATE = "tls_certificate"
    TLS = "tls_error"
    REDIRECT_LOOP = "redirect_loop"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    ROBOTS = "robots_disallowed"
    INVALID_URL = "invalid_url"
    UNSUPPORTED_SCHEME = "unsupported_scheme"
    BUDGET = "run_time_budget"
    TOO_LARGE = "body_too_large"
    NOT_CHECKED = "not_checked"  # the crawl worker stopped before reaching it
    PROTOCOL = "protocol_error"
    OTHER = "network_error"


@dataclass(frozen=True, slots=True)
class Entry:
    """One register row. ``url`` is exactly as written in the register."""

    id: int
    section: str
    category: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of a redirect chain: ``url`` answered ``status`` and sent us onwards.

    ``status`` is the HTTP status, or ``"meta_refresh"`` for an HTML meta refresh.
    """

    url: str
    status: int | str


@dataclass(frozen=True, slots=True)
class Fetch:
    """Everything observed while requesting one URL (after retries), and nothing judged."""

    requested_url: str
    hops: tuple[Hop, ...] = ()
    final_url: str | None = None
    http_status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    content_type: str | None = None  # media type only, lower case, no parameters
    size: int | None = None  # bytes of body received (or Content-Length when not read)
    body: bytes = b""  # the body prefix kept for extraction
    truncated: bool = False  # reading stopped at a cap
    elapsed_ms: int = 0
    error: ErrorKind | None = None
    error_text: str | None = None
    attempts: int = 1
    challenge: bool = False  # the answer is a bot-wall / challenge page
    # A 200 answer that is dead all the same (crawler.detect): "soft_404", "parked_domain"
    # or "video_unavailable", with the evidence in short sentences.
    detection: str | None = None
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    """The judgement of one Fetch: a status, a machine reason and a sentence of advice."""

    status: Status
    reason: str
    advice: str
    minor: bool = False  # a redirect that only changes scheme or trailing slash
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Extraction:
    """What the body says about itself: title and language, each with where it came from."""

    title: str | None = None
    title_source: str | None = None  # "title", "og:title", "h1", "pdf_metadata", "pdf_text"
    language: str | None = None  # ISO 639-1, lower case
    language_source: str | None = None  # "html_lang", "content_language", "detector", "pdf_lang"
    notes: tuple[str, ...] = ()  # e.g. "declared language 'en' but the text reads as 'nl'"
    # The page's main text, summarised for content drift (crawler.detect.drift).
    fingerprint: int | None = None  # 64-bit simhash of word shingles
    word_count: int | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One entry's outcome in one run: what the store keeps and results.json exports."""

    entry_id: int
    url: str  # as written in the register
    requested_url: str  # the encoded form actually requested
    status: Status
    reason: str
    advice: str
    final_url: str | None = None
    http_status: int | None = None
    redirects: tuple[Hop, ...] = ()
    minor: bool = False
    title: str | None = None
    title_source: str | None = None
    language: str | None = None
    language_source: str | None = None
    content_type: str | None = None
    size: int | None = None
    elapsed_ms: int | None = None
    error: str | None = None
    notes: tuple[str, ...] = ()
    # A hard failure (broken) seen again by a re-check later in the same run: evidence
    # that it is not a passing hiccup. Alerts count a link broken only when confirmed.
    confirmed: bool = False
