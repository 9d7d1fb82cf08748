"""What a fetched body says about itself: title and language, for HTML and PDF.

Pure functions over bytes and headers; no network. ``extract`` is the entry point the
crawler calls; the format modules can be used on their own.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from crawler.extract.charset import decode_html
from crawler.model import Extraction

if TYPE_CHECKING:
    from crawler.extract.html import extract_html
    from crawler.extract.language import detect_language
    from crawler.extract.pdf import extract_pdf, extract_pdf_isolated

# The readers load on first use: BeautifulSoup and the language detector take 0.15 s to
# import, which a polite check would otherwise spend before its first request.
_LAZY = {
    "extract_html": "crawler.extract.html",
    "detect_language": "crawler.extract.language",
    "extract_pdf": "crawler.extract.pdf",
    "extract_pdf_isolated": "crawler.extract.pdf",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "HTML_TYPES",
    "decode_html",
    "detect_language",
    "extract",
    "extract_html",
    "extract_pdf",
    "extract_pdf_isolated",
    "media_type",
]

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_PDF_TYPES = frozenset({"application/pdf", "application/x-pdf", "application/acrobat"})
_TOKEN = r"[!#$%&'*+.^_`|~0-9a-z-]+"
_ESSENCE = re.compile(rf"^({_TOKEN}/{_TOKEN})$")
_CHARSET = re.compile(r"""(?:^|;)\s*charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^;,\s]*))""", re.I)


@functools.lru_cache(maxsize=512)  # a run sees a handful of distinct headers, 4 times a page
def media_type(content_type_header: str | None) -> tuple[str | None, str | None]:
    """(media type lower-cased, charset parameter) of a Content-Type header value.

    ``"text/HTML; Charset=\\"ISO-8859-1\\""`` -> ``("text/html", "iso-8859-1")``. A malformed
    type gives None (callers then sniff); comma-joined duplicate headers use the first.
    """
    if not content_type_header:
        return None, None
    value = content_type_header.split(",", 1)[0]
    essence, _, params = value.partition(";")
    match = _ESSENCE.match(essence.strip().lower())
    charset = None
    found = _CHARSET.search(";" + params)
    if found:
        charset = (found.group(1) or found.group(2) or found.group(3) or "").strip().lower() or None
    return (match.group(1) if match else None), charset


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # tolerate callers that did not lower-case the names
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def _looks_like_pdf(body: bytes) -> bool:
    return b"%PDF-" in body[:1024]


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<title", b"<!--"))


def extract(
    body: bytes,
    content_type: str | None,
    headers: Mapping[str, str],
    *,
    pdf_timeout: float = 10.0,
    pdf_memory_mb: int = 512,
) -> Extraction:
    """Dispatch on the media type (``content_type`` may carry parameters or not).

    - a PDF (declared, or a body that starts like one whatever is declared) -> the sandboxed
      PDF extractor; servers label PDFs "application/octet-stream" or even "text/html";
    - text/html, application/xhtml+xml -> HTML; also an undeclared body that starts like HTML,
      and a declared PDF whose body is an HTML page (a login or error page), with a note;
    - anything else -> an empty Extraction.
    """
    header_type, charset = media_type(_header(headers, "content-type"))
    declared, declared_charset = media_type(content_type)
    declared = declared or header_type
    charset = declared_charset or charset

    def html() -> Extraction:
        from crawler.extract.html import extract_html

        return extract_html(
            body,
            content_type_charset=charset,
            content_language=_header(headers, "content-language"),
        )

    def pdf() -> Extraction:
        from crawler.extract.pdf import extract_pdf_isolated

        return extract_pdf_isolated(body, timeout_s=pdf_timeout, memory_mb=pdf_memory_mb)

    if _looks_like_pdf(body):
        return pdf()
    if declared in _PDF_TYPES:
        if _looks_like_html(body):
            found = html()
            note = f"content type '{declared}' but the body is HTML"
            return Extraction(
                title=found.title,
                title_source=found.title_source,
                language=found.language,
                language_source=found.language_source,
                notes=(note, *found.notes),
            )
        return pdf()
    if declared in HTML_TYPES or (declared is None and _looks_like_html(body)):
        return html()
    return Extraction()
