"""The verdict rules, table-driven: one row per case a maintainer would recognise."""

from __future__ import annotations

import pytest

from crawler.model import ErrorKind, Fetch, Hop, Status
from crawler.verdict import is_minor_change, judge, permanent_target

A = "https://example.be/page"
B = "https://example.be/new-page"
C = "https://other.be/elsewhere"


def ok(url: str = A, hops: tuple[Hop, ...] = (), **kw: object) -> Fetch:
    fields: dict[str, object] = {
        "requested_url": A,
        "hops": hops,
        "final_url": url,
        "http_status": 200,
        "body": b"<html>hi</html>",
        "size": 15,
    }
    fields.update(kw)
    return Fetch(**fields)  # type: ignore[arg-type]


def status(code: int, hops: tuple[Hop, ...] = (), **kw: object) -> Fetch:
    return ok(hops=hops, http_status=code, **kw)


def failed(kind: ErrorKind, attempts: int = 1) -> Fetch:
    return Fetch(requested_url=A, error=kind, error_text="x", attempts=attempts)


CASES = [
    # (name, fetch, status, reason, minor)
    ("plain 200", ok(), Status.OK, "ok", False),
    ("204 empty", status(204, body=b"", size=0), Status.BROKEN, "empty_body", False),
    ("302 to a working page", ok(B, (Hop(A, 302),)), Status.OK, "temporary_redirect", False),
    ("303", ok(B, (Hop(A, 303),)), Status.OK, "temporary_redirect", False),
    ("307", ok(B, (Hop(A, 307),)), Status.OK, "temporary_redirect", False),
    ("301 moved", ok(B, (Hop(A, 301),)), Status.REDIRECTED, "permanent_redirect", False),
    ("308 moved", ok(C, (Hop(A, 308),)), Status.REDIRECTED, "permanent_redirect", False),
    ("meta refresh", ok(B, (Hop(A, "meta_refresh"),)), Status.REDIRECTED, "meta_refresh", False),
    (
        "http to https only",
        Fetch(
            requested_url="http://example.be/x",
            hops=(Hop("http://example.be/x", 301),),
            final_url="https://example.be/x",
            http_status=200,
            body=b"x",
            size=1,
        ),
        Status.REDIRECTED,
        "permanent_redirect",
        True,
    ),
    ("trailing slash", ok(A + "/", (Hop(A, 301),)), Status.REDIRECTED, "permanent_redirect", True),
    ("301 then 404", status(404, (Hop(A, 301),), final_url=B), Status.BROKEN, "http_404", False),
    ("404", status(404), Status.BROKEN, "http_404", False),
    ("410", status(410), Status.BROKEN, "http_410", False),
    ("400", status(400), Status.BROKEN, "http_400", False),
    ("451", status(451), Status.BROKEN, "http_451", False),
    ("405 on GET", status(405), Status.BROKEN, "http_405", False),
    ("401", status(401), Status.BLOCKED, "auth_required", False),
    ("403", status(403), Status.BLOCKED, "forbidden", False),
    ("429", status(429), Status.BLOCKED, "rate_limited", False),
    ("999 LinkedIn", status(999), Status.BLOCKED, "forbidden", False),
    ("challenge page", status(403, challenge=True), Status.BLOCKED, "challenge_page", False),
    ("challenge with 200", status(200, challenge=True), Status.BLOCKED, "challenge_page", False),
    ("500", status(500, attempts=3), Status.TRANSIENT, "http_500", False),
    ("503", status(503, attempts=3), Status.TRANSIENT, "http_503", False),
    ("522 cloudflare", status(522), Status.TRANSIENT, "http_522", False),
    ("408", status(408), Status.TRANSIENT, "http_408", False),
    ("300 nowhere", status(300), Status.BROKEN, "http_300", False),
    ("dns", failed(ErrorKind.DNS), Status.BROKEN, "dns_unresolved", False),
    ("refused", failed(ErrorKind.REFUSED), Status.BROKEN, "connection_refused", False),
    ("loop", failed(ErrorKind.REDIRECT_LOOP), Status.BROKEN, "redirect_loop", False),
    ("11 hops", failed(ErrorKind.TOO_MANY_REDIRECTS), Status.BROKEN, "too_many_redirects", False),
    ("timeout", failed(ErrorKind.TIMEOUT, 3), Status.TRANSIENT, "timeout", False),
    ("reset", failed(ErrorKind.RESET, 3), Status.TRANSIENT, "connection_reset", False),
    ("budget", failed(ErrorKind.BUDGET), Status.TRANSIENT, "run_time_budget", False),
    ("tls cert", failed(ErrorKind.TLS_CERTIFICATE), Status.BLOCKED, "tls_certificate", False),
    ("robots", failed(ErrorKind.ROBOTS), Status.BLOCKED, "robots_disallowed", False),
    ("bomb", failed(ErrorKind.TOO_LARGE), Status.BLOCKED, "body_too_large", False),
    ("invalid", failed(ErrorKind.INVALID_URL), Status.INVALID, "invalid_url", False),
    ("ftp", failed(ErrorKind.UNSUPPORTED_SCHEME), Status.INVALID, "unsupported_scheme", False),
]


@pytest.mark.parametrize(
    ("fetch", "expected", "reason", "minor"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_verdict_table(fetch: Fetch, expected: Status, reason: str, minor: bool) -> None:
    verdict = judge(fetch)
    assert (verdict.status, verdict.reason, verdict.minor) == (expected, reason, minor)
    assert verdict.advice.strip(), "every verdict explains itself"


def test_permanent_redirect_advice_names_the_replacement() -> None:
    verdict = judge(ok(B, (Hop(A, 301),)))
    assert verdict.advice == f"Permanent redirect: update the register to {B}"


def test_gone_advice() -> None:
    assert judge(status(410)).advice == "Gone (410): remove or replace this entry."


def test_temporary_redirect_is_ok_with_a_note_naming_the_target() -> None:
    verdict = judge(ok(B, (Hop(A, 302),)))
    assert verdict.notes == (f"Temporary redirect (302) to {B}",)


def test_permanent_then_temporary_suggests_only_the_permanent_target() -> None:
    fetch = ok(C, (Hop(A, 301), Hop(B, 302)))
    verdict = judge(fetch)
    assert verdict.status is Status.REDIRECTED
    assert verdict.advice.endswith(B)
    assert C in verdict.notes[0]


def test_retry_count_is_in_the_advice() -> None:
    assert "3 attempts" in judge(failed(ErrorKind.TIMEOUT, 3)).advice


@pytest.mark.parametrize(
    ("old", "new", "minor"),
    [
        ("http://a.be/x", "https://a.be/x", True),
        ("https://a.be/x", "https://a.be/x/", True),
        ("http://a.be/x", "https://a.be/x/", True),
        ("http://a.be/", "https://a.be/", True),
        ("https://a.be/x", "https://a.be/y", False),
        ("https://a.be/x", "https://www.a.be/x", False),
        ("https://a.be/x?q=1", "https://a.be/x?q=2", False),
        ("https://a.be/x", "https://a.be/x", False),
    ],
)
def test_minor_change(old: str, new: str, minor: bool) -> None:
    assert is_minor_change(old, new) is minor


def test_permanent_target_stops_at_first_temporary_hop() -> None:
    assert permanent_target(A, (Hop(A, 302), Hop(B, 301)), C) is None
    assert permanent_target(A, (Hop(A, 301), Hop(B, 301)), C) == C


def test_network_down_turns_unreachable_hosts_into_not_judged() -> None:
    verdict = judge(failed(ErrorKind.DNS), network_down=True)
    assert (verdict.status, verdict.reason) == (Status.TRANSIENT, "network_down")
    # an HTTP answer is still judged on its merits
    assert judge(status(404), network_down=True).status is Status.BROKEN


@pytest.mark.parametrize("kind", ["soft_404", "parked_domain", "video_unavailable"])
def test_a_detected_dead_page_is_broken_with_its_evidence(kind: str) -> None:
    fetch = ok(detection=kind, evidence=("the title says 'Pagina niet gevonden'",))
    verdict = judge(fetch)
    assert (verdict.status, verdict.reason) == (Status.BROKEN, kind)
    assert "Pagina niet gevonden" in verdict.advice
    assert verdict.notes == ("the title says 'Pagina niet gevonden'",)


def test_nothing_listens_behind_the_administrators_back() -> None:
    # Scrapy's defaults outside a project open a telnet console and a remote-control
    # endpoint, ignore robots.txt and skip TLS verification: every one is set explicitly.
    from crawler.config import CheckConfig
    from crawler.fetch.settings import scrapy_settings

    settings = scrapy_settings(CheckConfig())
    assert settings["TELNETCONSOLE_ENABLED"] is False
    assert settings["REMOTE_CONTROL_ENABLED"] is False
    assert settings["ROBOTSTXT_OBEY"] is True
    assert settings["DOWNLOAD_VERIFY_CERTIFICATES"] is True
    assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert "linkwacht" in settings["USER_AGENT"] and "+http" in settings["USER_AGENT"]


def test_scrapy_runs_exactly_the_components_we_list() -> None:
    # Given whole as *_BASE, so Scrapy never imports the ones switched off (it would, to
    # merge them); a name Scrapy does not know is refused rather than silently left on.
    from scrapy.settings import Settings

    from crawler.config import CheckConfig
    from crawler.fetch.settings import _components, scrapy_settings

    settings = Settings(scrapy_settings(CheckConfig()))
    downloader = settings.getwithbase("DOWNLOADER_MIDDLEWARES")
    assert "crawler.fetch.robots.SafeRobotsTxtMiddleware" in downloader
    assert "crawler.fetch.defaults.RequestDefaultsMiddleware" in downloader
    assert "scrapy.downloadermiddlewares.cookies.CookiesMiddleware" not in downloader
    assert "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware" not in downloader
    assert "scrapy.extensions.telnet.TelnetConsole" not in settings.getwithbase("EXTENSIONS")
    assert "scrapy.extensions.closespider.CloseSpider" not in settings.getwithbase("EXTENSIONS")
    assert "scrapy.extensions.logcount.LogCount" in settings.getwithbase("EXTENSIONS")
    with pytest.raises(ValueError, match=r"not among Scrapy's components: scrapy\.nope\.Nope"):
        _components("EXTENSIONS", {"scrapy.nope.Nope": None})
