"""YouTube videos that are gone while their watch page still answers 200.

Two independent sources: YouTube's oEmbed endpoint (cheap, JSON, not behind the EU cookie
wall: 404 for a deleted video, 401 for a private one) and the watch page's own player
status (``"playabilityStatus":{"status":"ERROR"...``), read when the page was fetched
anyway. An age-restricted video (LOGIN_REQUIRED, "confirm your age") is live, and so is a
video whose embedding is disabled (oEmbed 403): it still plays on YouTube.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, quote, urlsplit

from crawler.detect.page import Detection, PageFacts, fold, host_of, is_html

__all__ = ["OEMBED_BASE", "judge_oembed", "oembed_url", "video_id", "watch_page_unavailable"]

OEMBED_BASE = "https://www.youtube.com/oembed"
REASON = "video_unavailable"

_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_YOUTUBE_HOSTS = frozenset(
    {"youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com"}
)
_PATH_ID = re.compile(r"/(?:embed|shorts|v|e|live)/([A-Za-z0-9_-]{11})(?:[/?#]|$)")


def _host(url: str) -> str:
    host = host_of(url).lower()
    return host[4:] if host.startswith("www.") else host


def video_id(url: str) -> str | None:
    """The 11-character video id of a YouTube URL (watch?v=, youtu.be/, embed/, shorts/,
    live/, v/), or None: not YouTube, a playlist without a video, a channel."""
    host = _host(url)
    if host != "youtu.be" and host not in _YOUTUBE_HOSTS:
        return None  # most URLs: settled by the (cached) host alone
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if host == "youtu.be":
        candidate = parts.path.strip("/").split("/", 1)[0]
        return candidate if _ID.fullmatch(candidate) else None
    if parts.path.rstrip("/") == "/watch":
        values = parse_qs(parts.query).get("v", [])
        return values[0] if values and _ID.fullmatch(values[0]) else None
    if parts.path == "/attribution_link":  # a shared link wrapping /watch?v=...
        inner = parse_qs(parts.query).get("u", [""])[0]
        return video_id("https://www.youtube.com" + inner) if inner.startswith("/watch") else None
    found = _PATH_ID.match(parts.path)
    # "/embed/videoseries?list=..." embeds a playlist; "videoseries" has 11 letters too.
    return found.group(1) if found and found.group(1) != "videoseries" else None


def oembed_url(url: str, base: str = OEMBED_BASE) -> str | None:
    """The oEmbed request for a YouTube video URL (asked about the canonical watch URL, so
    embed/shorts/youtu.be forms all work), or None when ``url`` names no video."""
    vid = video_id(url)
    if vid is None:
        return None
    watch = f"https://www.youtube.com/watch?v={vid}"
    return f"{base}?url={quote(watch, safe='')}&format=json"


def judge_oembed(status: int, body: bytes) -> Detection | None:
    """The oEmbed answer's verdict: 404 -> deleted (or never existed), 401 -> private;
    200 with a title -> live (None). Anything else (403 embedding disabled, 400, 429, 5xx,
    an unreadable 200) says nothing about the video: None."""
    if status == 404:
        return Detection(
            REASON, ("YouTube's oEmbed service does not know the video (404): it was removed",)
        )
    if status == 401:
        return Detection(
            REASON, ("YouTube's oEmbed service refuses the video (401): it is private",)
        )
    return None


# --- the watch page ---------------------------------------------------------------------

_PLAYABILITY = re.compile(r'"playabilityStatus"\s*:\s*\{\s*"status"\s*:\s*"([A-Z_]+)"')
_REASON_FIELD = re.compile(
    r'"(?:reason|subreason)"\s*:\s*(?:"((?:[^"\\]|\\.)*)"'
    r'|\{\s*"simpleText"\s*:\s*"((?:[^"\\]|\\.)*)"'
    r'|\{\s*"runs"\s*:\s*\[\s*\{\s*"text"\s*:\s*"((?:[^"\\]|\\.)*)")'
)
_MESSAGES_FIELD = re.compile(r'"messages"\s*:\s*\[\s*"((?:[^"\\]|\\.)*)"')
_PRIVATE = re.compile(r"\bpriv(?:ate|e|ee|at|ates|e-?video|evideo)\b|\bprivevideo\b")
_GONE_STATUSES = frozenset({"ERROR", "UNPLAYABLE"})
# Shown by YouTube (in the viewer's language) instead of a player.
_UNAVAILABLE_TEXT = re.compile(
    r"\b(?:video (?:is )?unavailable|this video (?:isn't|is not|is no longer) available|"
    r"this video has been removed|this video is private|"
    r"deze video is niet (?:meer )?beschikbaar|video niet beschikbaar|"
    r"deze video is verwijderd|dit is een privevideo|"
    r"video non disponible|cette video n'est (?:plus |pas )?disponible|"
    r"cette video a ete supprimee|video privee|"
    r"dieses video ist nicht (?:mehr )?verfugbar|video nicht verfugbar|"
    r"dieses video wurde entfernt|privates video)\b"
)
# The EU consent wall (consent.youtube.com) replaces the page: nothing to judge there.
_CONSENT = re.compile(
    r"before you continue to youtube|voordat je verdergaat naar youtube|"
    r"avant d'acceder a youtube|bevor sie zu youtube weitergehen"
)


def _json_string(raw: str) -> str:
    try:
        value = json.loads(f'"{raw}"')
    except ValueError:
        return raw
    return value if isinstance(value, str) else raw


def _player_reason(html: str, start: int) -> str:
    window = html[start : start + 4000]
    found = _REASON_FIELD.search(window) or _MESSAGES_FIELD.search(window)
    if found is None:
        return ""
    raw = next((g for g in found.groups() if g), "")
    return _json_string(raw)[:200]


def watch_page_unavailable(page: PageFacts) -> Detection | None:
    """A Detection when a fetched YouTube watch page shows no video: the player status is
    ERROR or UNPLAYABLE, or LOGIN_REQUIRED because the video is private; failing a player
    status, the page says "Video unavailable" (nl/fr/en/de) or has an empty " - YouTube"
    title and no og:title. None for a playable, age-restricted or consent-walled page."""
    if not 200 <= page.status < 300 or not is_html(page.content_type, page.html):
        return None
    html = page.html
    title = page.shown_title or ""
    if "consent." in _host(page.final_url) or _CONSENT.search(fold(title)):
        return None

    status = _PLAYABILITY.search(html)
    if status is not None:
        code = status.group(1)
        reason = _player_reason(html, status.end())
        said = f": '{reason}'" if reason else ""
        if code in _GONE_STATUSES:
            return Detection(REASON, (f"YouTube's player reports {code}{said}",))
        if code == "LOGIN_REQUIRED" and _PRIVATE.search(fold(reason)):
            return Detection(REASON, (f"YouTube's player reports a private video{said}",))
        return None

    doc = page.doc
    evidence: list[str] = []
    for text in (title, doc.heading or "", doc.visible_text[:2000]):
        found = _UNAVAILABLE_TEXT.search(fold(text))
        if found:
            evidence.append(f"the page says '{found.group(0)}'")
            break
    looks_like_youtube = _host(page.final_url) in _YOUTUBE_HOSTS or "ytInitial" in html
    empty_title = title.strip().removesuffix("YouTube").strip(" -–") == ""
    if looks_like_youtube and empty_title and not doc.meta.get("og:title"):
        evidence.append(f"the page has no video title ('{title}') and no og:title")
    return Detection(REASON, tuple(evidence)) if evidence else None
