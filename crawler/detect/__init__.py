"""Beyond status codes: pages that answer 200 but are dead, and pages that changed.

Pure functions over facts the crawl already has (no I/O here):

- ``soft404``: "not found" pages served as 200 and deep links sent to the home page
  (with a probe: a random address in the same directory, see ``probe_url``);
- ``parked``: lapsed domains showing a parking or for-sale page;
- ``drift``: the page says something else than when first seen (a note, not a verdict);
- ``video``: YouTube videos deleted or made private (oEmbed and the watch page);
- ``archive``: the Wayback Machine's closest copy, to offer in place of a dead link.

``detect_page`` runs the page detectors in the order that gives the most specific reason.
"""

from __future__ import annotations

from crawler.detect.archive import ArchivedCopy, availability_url, parse_availability
from crawler.detect.drift import DriftNote, Snapshot, drift, snapshot
from crawler.detect.page import Detection, PageDoc, PageFacts, parse_html
from crawler.detect.parked import parked
from crawler.detect.soft404 import is_home_redirect, is_home_url, probe_url, soft404
from crawler.detect.video import judge_oembed, oembed_url, video_id, watch_page_unavailable

__all__ = [
    "ArchivedCopy",
    "Detection",
    "DriftNote",
    "PageDoc",
    "PageFacts",
    "Snapshot",
    "availability_url",
    "detect_page",
    "drift",
    "is_home_redirect",
    "is_home_url",
    "judge_oembed",
    "oembed_url",
    "parked",
    "parse_availability",
    "parse_html",
    "probe_url",
    "snapshot",
    "soft404",
    "video_id",
    "watch_page_unavailable",
]


def detect_page(
    page: PageFacts, *, probe: PageFacts | None = None, hops_hosts: tuple[str, ...] = ()
) -> Detection | None:
    """The first detection among: video gone (YouTube URLs only), parked domain, soft 404.

    A YouTube watch page is judged only as a video: the player, not the text, says whether
    it works. Parking comes before soft 404: a for-sale page is the more useful reason.
    """
    if video_id(page.requested_url) is not None or video_id(page.final_url) is not None:
        return watch_page_unavailable(page)
    return parked(page, hops_hosts) or soft404(page, probe)
