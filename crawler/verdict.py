"""The verdict rules: one pure function from the facts of a fetch to a judgement.

Every rule a maintainer relies on lives here and nowhere else. The advice sentences are
English; reports translate by ``reason`` and quote the URLs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from crawler.model import ErrorKind, Fetch, Hop, Status, Verdict
from crawler.outage import NETWORK_LEVEL

PERMANENT = frozenset({301, 308, "meta_refresh"})
TEMPORARY = frozenset({302, 303, 307})
# 4xx answers that mean "not here (any more)"; the rest of 4xx is judged case by case below.
TRANSIENT_4XX = frozenset({408, 425})
# Bot walls and rate limits: a person should look, never "dead" (LinkedIn answers 999).
BLOCKING = {401: "auth_required", 403: "forbidden", 429: "rate_limited", 999: "forbidden"}

_ERROR_RULES: dict[ErrorKind, tuple[Status, str]] = {
    ErrorKind.DNS: (
        Status.BROKEN,
        "The host name does not resolve: the domain may have lapsed or the organisation "
        "moved. Find the resource's new address, or remove this entry.",
    ),
    ErrorKind.REFUSED: (
        Status.BROKEN,
        "The server refuses connections: the site is down or gone. Check whether the "
        "organisation still runs it.",
    ),
    ErrorKind.REDIRECT_LOOP: (
        Status.BROKEN,
        "The address redirects in a loop and never reaches a page. Ask the site owner, "
        "or replace the URL.",
    ),
    ErrorKind.TOO_MANY_REDIRECTS: (
        Status.BROKEN,
        "The address redirects more than {max_redirects} times without reaching a page. "
        "Replace the URL.",
    ),
    ErrorKind.TIMEOUT: (
        Status.TRANSIENT,
        "The server did not answer in time ({attempts} attempts). Usually temporary; "
        "linkwacht checks again next run.",
    ),
    ErrorKind.RESET: (
        Status.TRANSIENT,
        "The connection was cut off ({attempts} attempts). Usually temporary; "
        "linkwacht checks again next run.",
    ),
    ErrorKind.PROTOCOL: (
        Status.TRANSIENT,
        "The server sent an answer that is not valid HTTP ({attempts} attempts). "
        "Checked again next run.",
    ),
    ErrorKind.OTHER: (
        Status.TRANSIENT,
        "A network error stopped the check ({attempts} attempts). Checked again next run.",
    ),
    ErrorKind.BUDGET: (
        Status.TRANSIENT,
        "Not checked: the run's time budget ran out first. Checked again next run.",
    ),
    ErrorKind.NOT_CHECKED: (
        Status.TRANSIENT,
        "Not checked: the crawl stopped before reaching this address (see the run's log). "
        "Checked again next run.",
    ),
    ErrorKind.TLS_CERTIFICATE: (
        Status.BLOCKED,
        "The site's TLS certificate is not valid (expired, self-signed or for another name). "
        "Browsers will warn visitors too: a person should look.",
    ),
    ErrorKind.TLS: (
        Status.BLOCKED,
        "The secure connection could not be set up. A person should look in a browser.",
    ),
    ErrorKind.ROBOTS: (
        Status.BLOCKED,
        "The site's robots.txt asks robots not to visit this address; linkwacht respects "
        "that. A person should check it in a browser.",
    ),
    ErrorKind.TOO_LARGE: (
        Status.BLOCKED,
        "The server sent more data than linkwacht accepts (a broken or hostile server). "
        "A person should look.",
    ),
    ErrorKind.INVALID_URL: (
        Status.INVALID,
        "The register URL itself cannot be requested: correct it in the register.",
    ),
    ErrorKind.UNSUPPORTED_SCHEME: (
        Status.INVALID,
        "The register URL does not use http or https: correct it in the register.",
    ),
}


NETWORK_DOWN_ADVICE = (
    "Not judged: the network of this machine was down during the run ({error}). "
    "Checked again next run."
)


# Dead although the server answers 200 (crawler.detect): the evidence is quoted.
_DETECTION_ADVICE = {
    "soft_404": (
        "The server answers, but with a 'page not found' page ({evidence}). Find the "
        "resource's new address, or remove this entry."
    ),
    "parked_domain": (
        "The domain now shows a parking or for-sale page ({evidence}): the organisation no "
        "longer runs it. Find its new site, or remove this entry."
    ),
    "video_unavailable": (
        "The video is no longer available ({evidence}). Replace it (the organisation may "
        "have published it again) or remove this entry."
    ),
}


def judge(fetch: Fetch, *, max_redirects: int = 10, network_down: bool = False) -> Verdict:
    """Judge one fetch. Pure: the same facts always give the same verdict.

    ``network_down``: the run found the network itself unreachable (see crawler.outage), so
    a failure to reach a host says nothing about the link and must not be called broken.
    """
    if network_down and fetch.error in NETWORK_LEVEL and not fetch.hops:
        return Verdict(
            Status.TRANSIENT,
            "network_down",
            NETWORK_DOWN_ADVICE.format(error=fetch.error.value if fetch.error else "?"),
        )
    if fetch.error is not None:
        status, template = _ERROR_RULES[fetch.error]
        advice = template.format(attempts=fetch.attempts, max_redirects=max_redirects)
        return Verdict(status, fetch.error.value, advice)

    code = fetch.http_status
    if code is None:  # nothing observed at all: treat as a network error
        status, template = _ERROR_RULES[ErrorKind.OTHER]
        return Verdict(status, ErrorKind.OTHER.value, template.format(attempts=fetch.attempts))
    via = _via(fetch.hops)

    if fetch.challenge:
        return Verdict(
            Status.BLOCKED,
            "challenge_page",
            f"The site shows a bot check (HTTP {code}) instead of the page{via}: robots "
            "cannot tell whether it works. A person should check it in a browser.",
        )
    if 200 <= code < 300:
        return _judge_success(fetch)
    if code in BLOCKING:
        reason = BLOCKING[code]
        words = {
            "auth_required": f"The page asks for a login (401){via}.",
            "forbidden": f"The site refuses robots ({code}){via}.",
            "rate_limited": f"The site asks robots to slow down (429){via}.",
        }[reason]
        return Verdict(
            Status.BLOCKED, reason, words + " Not necessarily dead: a person should look."
        )
    if code == 404:
        return Verdict(
            Status.BROKEN,
            "http_404",
            f"Not found (404){via}: the page is gone or moved. Find its new address or "
            "remove this entry.",
        )
    if code == 410:
        return Verdict(Status.BROKEN, "http_410", f"Gone (410){via}: remove or replace this entry.")
    if code in TRANSIENT_4XX or code >= 500:
        return Verdict(
            Status.TRANSIENT,
            f"http_{code}",
            f"Server error ({code}){via} on {fetch.attempts} attempts. Usually temporary; "
            "linkwacht checks again next run.",
        )
    if 300 <= code < 400:
        return Verdict(
            Status.BROKEN,
            f"http_{code}",
            f"The server answers with a redirect ({code}) that leads nowhere{via}. "
            "Replace the URL.",
        )
    if 400 <= code < 500:
        return Verdict(
            Status.BROKEN,
            f"http_{code}",
            f"The server refuses this address ({code}){via}. Check the URL and replace it.",
        )
    return Verdict(
        Status.BROKEN,
        f"http_{code}",
        f"The server answers with an unknown status ({code}){via}. A person should look.",
    )


def _judge_success(fetch: Fetch) -> Verdict:
    """2xx: ok, or a permanent redirect to a working page, or an empty answer."""
    if fetch.size == 0 and not fetch.body:
        return Verdict(
            Status.BROKEN,
            "empty_body",
            f"The server answers {fetch.http_status} but sends an empty page. "
            "A person should look.",
        )
    if fetch.detection is not None:
        evidence = "; ".join(fetch.evidence) or "see the notes"
        template = _DETECTION_ADVICE.get(fetch.detection, _DETECTION_ADVICE["soft_404"])
        return Verdict(
            Status.BROKEN, fetch.detection, template.format(evidence=evidence), notes=fetch.evidence
        )
    hops = fetch.hops
    if not hops:
        return Verdict(Status.OK, "ok", "Works.")

    suggestion = permanent_target(fetch.requested_url, hops, fetch.final_url)
    if suggestion is None:  # the register URL itself only redirects temporarily
        note = f"Temporary redirect ({hops[0].status}) to {fetch.final_url}"
        return Verdict(
            Status.OK,
            "temporary_redirect",
            "Works, through a temporary redirect; keep the register URL as it is.",
            notes=(note,),
        )
    reason = "meta_refresh" if hops[0].status == "meta_refresh" else "permanent_redirect"
    minor = is_minor_change(fetch.requested_url, suggestion)
    notes: tuple[str, ...] = ()
    if suggestion != fetch.final_url:
        notes = (f"The new address redirects further, temporarily, to {fetch.final_url}",)
    kind = (
        "Minor permanent redirect (scheme or trailing slash only)"
        if minor
        else ("Page moved (meta refresh)" if reason == "meta_refresh" else "Permanent redirect")
    )
    return Verdict(
        Status.REDIRECTED,
        reason,
        f"{kind}: update the register to {suggestion}",
        minor=minor,
        notes=notes,
    )


def permanent_target(requested: str, hops: tuple[Hop, ...], final_url: str | None) -> str | None:
    """The replacement URL a maintainer should adopt, or None when none is warranted.

    Follows the leading run of permanent hops only: a temporary hop's target must not be
    written into the register (the site may send elsewhere tomorrow).
    """
    target: str | None = None
    for i, hop in enumerate(hops):
        if hop.status not in PERMANENT:
            break
        target = hops[i + 1].url if i + 1 < len(hops) else final_url
    if target is None or target == requested:
        return None
    return target


def is_minor_change(old: str, new: str) -> bool:
    """True when only the scheme (http to https) and/or a trailing slash differ."""
    a, b = urlsplit(old), urlsplit(new)
    if (a.netloc.lower(), a.query) != (b.netloc.lower(), b.query):
        return False
    same_path = a.path.rstrip("/") == b.path.rstrip("/")
    return same_path and (a.scheme != b.scheme or a.path != b.path)


def _via(hops: tuple[Hop, ...]) -> str:
    if not hops:
        return ""
    n = len(hops)
    return f" after {n} redirect{'s' if n > 1 else ''}"
