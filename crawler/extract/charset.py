"""Decode an HTML body to text when its declared charsets may disagree, lie or be missing.

Policy, in order (the first rule that yields an encoding wins):

1. A byte order mark decides, as in browsers: it cannot appear by accident.
2. The declared encodings, the HTTP charset first and then ``<meta charset>`` /
   ``http-equiv`` / ``<?xml encoding?>``, each tried strictly and accepted only if plausible:
   - a body that is valid UTF-8 *and* contains multibyte sequences is UTF-8 whatever the
     declaration says: cp1252/latin-1 text almost never forms valid UTF-8 sequences by chance,
     whereas a UTF-8 page under a stale "iso-8859-1" header or meta is very common;
   - a declared UTF-8 that does not decode strictly is a lie (the page is really cp1252),
     unless it is UTF-8 with a few stray bytes (most non-ASCII characters decode: a UTF-8
     template around a cp1252 database field), which stays UTF-8 with replacement characters;
   - a declared UTF-16/32 without a BOM is only believed if the body has NUL bytes, as ASCII
     markup in UTF-16 does; otherwise every byte pair would turn into CJK noise;
   - any other declared encoding is accepted if it decodes strictly.
3. Nothing declared (or every declaration rejected): UTF-8 if the body is (mostly) valid UTF-8,
   else cp1252. Undeclared Western-European pages are cp1252 in practice, and a statistical
   detector such as charset-normalizer misreads short French/Dutch cp1252 text as other code
   pages ("Ličge", "Belgiļ"), so we do not guess beyond these two.

Labels are resolved as the WHATWG Encoding standard does (via w3lib): "iso-8859-1", "latin1"
and "us-ascii" mean windows-1252, which is what browsers decode them as.
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Iterator

from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

__all__ = ["decode_html"]

_UTF8 = "utf-8"
_CP1252 = "cp1252"


def _cp1252_c1(error: UnicodeError) -> tuple[str, int]:
    # The five bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) decode to the C1
    # control of the same number, as in the WHATWG windows-1252 decoder, instead of failing.
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("linkwacht_c1", _cp1252_c1)


def _utf8_strict(body: bytes) -> str | None:
    """The body as UTF-8, tolerating only a multibyte sequence cut off at the very end
    (the body may be a prefix of the response), or None if it is not valid UTF-8."""
    try:
        return codecs.getincrementaldecoder(_UTF8)("strict").decode(body, final=False)
    except UnicodeDecodeError:
        return None


def _mostly_utf8(body: bytes) -> str | None:
    """The body as UTF-8 with replacements if at least 4 out of 5 non-ASCII characters
    decode (stray bytes in a UTF-8 page), else None."""
    text = body.decode(_UTF8, "replace")
    errors = text.count("\ufffd") - body.count(b"\xef\xbf\xbd")
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    valid = non_ascii - errors
    return text if valid > 0 and errors * 4 <= valid else None


def _canonical(label: str | None, *, from_meta: bool = False) -> str | None:
    if not label:
        return None
    name = resolve_encoding(label.strip().strip("\"'"))
    if name is None:
        return None
    # A meta declaration was found by reading the bytes as ASCII, so it cannot be UTF-16/32
    # (WHATWG: such a meta means UTF-8).
    if from_meta and name.startswith(("utf-16", "utf-32")):
        return _UTF8
    return name


def _try_declared(body: bytes, encoding: str) -> tuple[str, str] | None:
    """(text, encoding) decoded with a declared encoding, or None if that is implausible."""
    if encoding == _UTF8:
        text = _utf8_strict(body)
        if text is None:
            text = _mostly_utf8(body)
        return None if text is None else (text, _UTF8)
    if encoding.startswith(("utf-16", "utf-32")):
        if b"\x00" not in body[:1024]:
            return None
        # No BOM (that case returned earlier): the bare label means little-endian (WHATWG).
        encoding = {"utf-16": "utf-16-le", "utf-32": "utf-32-le"}.get(encoding, encoding)
    try:
        # final=False: a multibyte character cut off by the body cap is not an error.
        text = codecs.getincrementaldecoder(encoding)("strict").decode(body, final=False)
    except (UnicodeError, LookupError):
        # cp1252 is the one common single-byte code page with holes; any other encoding
        # that fails strictly is not what the page is written in.
        if encoding == _CP1252:
            return body.decode(_CP1252, "linkwacht_c1"), _CP1252
        return None
    return text, encoding


def _declared(body: bytes, http_charset: str | None) -> Iterator[str | None]:
    """The header's charset, then the page's own declaration: the page is searched only when
    the header's does not do (a regex over its first kilobytes, for every page otherwise)."""
    yield _canonical(http_charset)
    yield _canonical(html_body_declared_encoding(body), from_meta=True)


# The crawl decodes each page twice, for the extractor and the detectors: the second time
# is a cache hit (a body hashes once; a hit compares it with memcmp).
@functools.lru_cache(maxsize=2)
def decode_html(body: bytes, http_charset: str | None) -> tuple[str, str]:
    """Decode an HTML body; return (text, Python name of the encoding used).

    ``http_charset`` is the charset parameter of the Content-Type header, if any. Never raises:
    undecodable bytes become U+FFFD (or, for cp1252, the C1 control a browser would show).
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None and bom is not None:
        return body[len(bom) :].decode(bom_encoding, "replace"), bom_encoding

    utf8 = _utf8_strict(body)
    is_ascii = body.isascii()
    if utf8 is not None and not is_ascii:
        return utf8, _UTF8  # valid multibyte UTF-8 outranks any declaration (see above)

    for encoding in _declared(body, http_charset):
        if encoding is None:
            continue
        decoded = _try_declared(body, encoding)
        if decoded is not None:
            return decoded

    if utf8 is not None:  # pure ASCII, nothing usable declared
        return utf8, _UTF8
    mostly = _mostly_utf8(body)
    if mostly is not None:
        return mostly, _UTF8
    return body.decode(_CP1252, "linkwacht_c1"), _CP1252
