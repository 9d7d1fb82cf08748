"""From a URL as written in the register to the URL actually requested.

The register keeps URLs exactly as their editors typed or pasted them: an IDN host, a
literal space or "é" in a path, escapes in either case. ``request_url`` turns that into the
one ASCII form we send (and store as ``requested_url``), changing nothing a server would
read differently: existing ``%XX`` escapes are left exactly as written, because
re-encoding ``%3d`` or decoding ``%CC%80`` would request a different resource on servers
that compare raw paths.

w3lib's ``safe_url_string`` is close, but keeps a stray ``%`` unescaped, keeps fragments
and silently falls back to the raw host when IDNA encoding fails, so it cannot validate;
urllib.parse and idna do the parsing and encoding here instead.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import SplitResult, quote, urlsplit

import idna

__all__ = ["InvalidURL", "UnsupportedScheme", "request_url", "validate_url"]

SUPPORTED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

# Characters left as they are; everything else (non-ASCII, space, quotes, <>, {}, |, ^, `,
# [], backslash) is percent-encoded as UTF-8. "%" is handled separately (see _quote).
# The query set also encodes "'", as browsers do for http(s) (WHATWG special-query set).
_PATH_SAFE = "!$&'()*+,;=:@/"
_QUERY_SAFE = "!$&()*+,;=:@/?"
_USERINFO_SAFE = "!$&'()*+,"
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ASCII_LABEL = re.compile(r"^[a-z0-9_-]{1,63}$")


class InvalidURL(ValueError):
    """The URL cannot be requested as written; the message says why."""


class UnsupportedScheme(InvalidURL):
    """A well-formed URL whose scheme linkwacht does not check (mailto:, ftp:, ...)."""


@functools.lru_cache(maxsize=65_536)
def request_url(url: str) -> str:
    """The properly encoded http(s) URL to request for ``url`` as written in the register.

    Pure, and asked twice per entry in a check (the register's validation, then the crawl):
    the answers are cached (~40 us each, 3% of a large check's CPU otherwise).

    IDN host to punycode (UTS46); scheme and host lower-cased; default port, fragment and
    an empty query dropped; an empty path made "/"; non-ASCII and unsafe path and query
    characters percent-encoded as UTF-8 without touching existing escapes; a stray "%"
    made "%25". Raises InvalidURL (UnsupportedScheme for a non-http(s) scheme) when the
    URL cannot be requested at all.
    """
    url = url.strip()
    scheme_match = _SCHEME.match(url)
    if scheme_match is None:
        raise InvalidURL("no scheme (expected http:// or https://)")
    scheme = scheme_match.group(1).lower()
    if "." in scheme:  # "www.example.com:8080/x" is a host, not a scheme
        raise InvalidURL("no scheme (expected http:// or https://)")
    if scheme not in SUPPORTED_SCHEMES:
        raise UnsupportedScheme(f"unsupported scheme {scheme!r} (only http and https)")
    if not url.startswith("//", len(scheme) + 1):
        raise InvalidURL(f"no host (expected '{scheme}://' followed by a host)")
    before_fragment = url.split("#", 1)[0]
    if _CONTROL.search(before_fragment):
        # urlsplit would silently delete tabs and newlines; a register cell holding one
        # is a copy-paste accident the editor should see.
        raise InvalidURL("control character (tab, newline, ...) in URL")

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # bad port, unbalanced "[", NFKC-unsafe netloc
        raise InvalidURL(_describe_split_error(url, exc)) from None

    netloc = _netloc(parts, scheme, port)
    path = _quote(parts.path, _PATH_SAFE) or "/"
    query = _quote(parts.query, _QUERY_SAFE)
    # An empty query is dropped, as Scrapy does when it sends the request.
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def validate_url(url: str) -> str | None:
    """A one-line problem description, or None when ``url`` can be requested."""
    if not url.strip():
        return "missing URL"
    try:
        request_url(url)
    except InvalidURL as exc:
        return str(exc)
    return None


def _quote(text: str, safe: str) -> str:
    # "%" followed by two hex digits is an escape and stays byte for byte (case too);
    # any other "%" is a literal percent sign and must itself be escaped.
    return quote(_STRAY_PERCENT.sub("%25", text), safe=safe + "%")


def _netloc(parts: SplitResult, scheme: str, port: int | None) -> str:
    if not parts.hostname:
        raise InvalidURL("no host")
    host = _encode_host(parts.hostname)
    userinfo = ""
    if parts.username or parts.password is not None:  # drop an empty "@" only
        userinfo = _quote(parts.username or "", _USERINFO_SAFE)
        if parts.password is not None:
            userinfo += ":" + _quote(parts.password, _USERINFO_SAFE)
        userinfo += "@"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        return f"{userinfo}{host}:{port}"
    return f"{userinfo}{host}"


def _encode_host(hostname: str) -> str:
    """Lower-case ASCII host: IP literal as is, IDN labels to punycode."""
    if ":" in hostname:  # urlsplit only lets ":" through inside "[...]"
        try:
            ipaddress.IPv6Address(hostname.split("%", 1)[0])
        except ValueError:
            raise InvalidURL(f"invalid IPv6 address [{hostname}]") from None
        return f"[{hostname}]"
    try:
        # UTS46 mapping first (case folding, full-width dots and letters), as browsers do.
        mapped = idna.uts46_remap(hostname, std3_rules=False, transitional=False)
    except idna.IDNAError as exc:
        raise InvalidURL(f"invalid host {hostname!r}: {exc}") from None
    labels = mapped.split(".")
    if labels[-1] == "" and len(labels) > 1:  # a fully qualified "example.com."
        labels = labels[:-1]
        trailing_dot = "."
    else:
        trailing_dot = ""
    encoded = [_encode_label(label, hostname) for label in labels]
    ascii_host = ".".join(encoded)
    if len(ascii_host) > 253:
        raise InvalidURL(f"invalid host {hostname!r}: longer than 253 characters")
    return ascii_host + trailing_dot


def _encode_label(label: str, hostname: str) -> str:
    if label == "":
        raise InvalidURL(f"invalid host {hostname!r}: empty label")
    if " " in label:
        raise InvalidURL(f"invalid host {hostname!r}: contains a space")
    if label.isascii():
        # Lenient on purpose: real hosts use "_" and "r3---sn" style labels that strict
        # IDNA2008 rejects but every browser and resolver accepts.
        if not _ASCII_LABEL.match(label):
            raise InvalidURL(f"invalid host {hostname!r}: bad label {label!r}")
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except idna.IDNAError as exc:
                raise InvalidURL(
                    f"invalid host {hostname!r}: bad IDN label {label!r}: {exc}"
                ) from None
        return label
    try:
        return idna.alabel(label).decode("ascii")
    except idna.IDNAError as exc:
        raise InvalidURL(
            f"invalid host {hostname!r}: bad internationalised label {label!r}: {exc}"
        ) from None


def _describe_split_error(url: str, exc: ValueError) -> str:
    text = str(exc)
    if "port" in text.lower():
        netloc = url.split("//", 1)[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        port = netloc.rsplit("@", 1)[-1].rpartition(":")[2]
        return f"invalid port {port!r}"
    if "IPv6" in text:
        return "invalid IPv6 address"
    return f"unparsable URL: {text}"
