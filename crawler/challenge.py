"""Bot walls: answers that show a robot check instead of the page. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping

# Phrases of the common challenge pages (Cloudflare, Sucuri, DDoS-Guard, Akamai, hCaptcha).
_MARKERS = (
    b"just a moment...",
    b"attention required! | cloudflare",
    b"cf-chl-",
    b"challenge-platform",
    b"checking your browser before accessing",
    b"ddos protection by",
    b"sucuri website firewall",
    b"ddos-guard",
    b"please enable cookies and javascript",
    b"hcaptcha.com/1/api.js",
    b"g-recaptcha",
    b"access denied | ",
)


def is_challenge(status: int, headers: Mapping[str, str], body: bytes) -> bool:
    """True when the answer is a bot check rather than the resource itself."""
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return True
    if status not in (403, 429, 503, 200):
        return False
    head = body[:20_000].lower()
    hits = sum(marker in head for marker in _MARKERS)
    # A 200 page needs two markers: a live page may mention one (a captcha on a form).
    return hits >= (2 if status == 200 else 1)
