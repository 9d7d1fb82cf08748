"""Fetch failures: our own exception kinds, and their mapping to ``ErrorKind``."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)

from crawler.model import ErrorKind


class TLSCertificateError(Exception):
    """The server's certificate did not verify (expired, self-signed, wrong name)."""


class TLSHandshakeError(Exception):
    """TLS could not be negotiated for another reason."""


class ConnectionResetError_(Exception):
    """The server closed or reset the connection mid-answer."""


class ProtocolError(Exception):
    """The server's answer was not valid HTTP."""


class RobotsDisallowed(IgnoreRequest):
    """robots.txt forbids this URL to our user agent."""


def classify(exc: BaseException) -> ErrorKind:
    """Map an exception raised while fetching to the kind a verdict is made from."""
    if isinstance(exc, RobotsDisallowed):
        return ErrorKind.ROBOTS
    if isinstance(exc, TLSCertificateError):
        return ErrorKind.TLS_CERTIFICATE
    if isinstance(exc, TLSHandshakeError):
        return ErrorKind.TLS
    if isinstance(exc, CannotResolveHostError):
        return ErrorKind.DNS
    if isinstance(exc, DownloadConnectionRefusedError):
        return ErrorKind.REFUSED
    if isinstance(exc, DownloadTimeoutError | TimeoutError):
        return ErrorKind.TIMEOUT
    if isinstance(exc, ConnectionResetError_ | ConnectionError):
        return ErrorKind.RESET
    if isinstance(exc, ProtocolError):
        return ErrorKind.PROTOCOL
    if isinstance(exc, UnsupportedURLSchemeError):
        return ErrorKind.UNSUPPORTED_SCHEME
    if isinstance(exc, DownloadCancelledError):
        return ErrorKind.TOO_LARGE
    if isinstance(exc, ResponseDataLossError):
        return ErrorKind.RESET  # the connection broke before the announced body arrived
    if isinstance(exc, IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(exc):
        # HttpCompressionMiddleware: the decompressed body passed DOWNLOAD_MAXSIZE
        return ErrorKind.TOO_LARGE
    if isinstance(exc, ValueError) and "URL" in str(exc):
        return ErrorKind.INVALID_URL
    return ErrorKind.OTHER


# Kinds retried inside the run (with backoff): they are often gone a minute later.
RETRYABLE = frozenset({ErrorKind.TIMEOUT, ErrorKind.RESET, ErrorKind.PROTOCOL, ErrorKind.OTHER})
