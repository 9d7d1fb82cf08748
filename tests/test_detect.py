"""crawler.detect, table-driven: each function on small inputs, then the labelled case set."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.detect import (
    Detection,
    PageFacts,
    availability_url,
    detect_page,
    drift,
    is_home_redirect,
    is_home_url,
    judge_oembed,
    oembed_url,
    parked,
    parse_availability,
    parse_html,
    probe_url,
    snapshot,
    soft404,
    video_id,
    watch_page_unavailable,
)
from crawler.detect.archive import ArchivedCopy
from crawler.detect.drift import Snapshot, title_similarity
from crawler.detect.page import fold, same_site, words
from crawler.detect.shingles import hamming, jaccard, shingle_set, shingles, simhash64
from crawler.detect.soft404 import not_found_message

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "lw-probe-0000"


def html(title: str = "", body: str = "", *, lang: str = "nl", head: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f"{head}</head><body>{body}</body></html>"
    )


def facts(
    text: str,
    url: str = "https://www.example.be/nieuws/artikel",
    *,
    final: str | None = None,
    status: int = 200,
    content_type: str | None = "text/html",
    title: str | None = None,
) -> PageFacts:
    final = final or url
    return PageFacts(url, final, status, final != url, content_type, title, text)


LOREM_NL = (
    "Onze organisatie begeleidt jongeren en hun ouders bij vragen over relaties, seksualiteit "
    "en het leven online. We geven vorming op scholen, maken lesmateriaal en luisteren naar "
    "wie ergens mee zit, anoniem en gratis, via chat, telefoon en in ons jongerenpunt. "
)


def article(words: int) -> str:
    text = (LOREM_NL * (words // 40 + 1)).split()[:words]
    return "<main><h1>Vorming op school</h1><p>" + " ".join(text) + "</p></main>"


# == page ========================================================================


def test_parse_prefers_main_and_drops_boilerplate() -> None:
    doc = parse_html(
        html(
            "T",
            "<header><h1>Logo</h1><nav><a href='/a'>Menu</a></nav></header>"
            "<main><article><header><h1>Titel van het artikel</h1></header><p>Tekst hier.</p>"
            "<aside>Gerelateerd</aside></article></main>"
            "<footer>Voet</footer><div class='cookie-banner'>Cookies?</div>"
            "<p hidden>verborgen</p><script>var x = 1;</script>",
        ),
        "https://example.be/",
    )
    assert doc.title == "T"
    assert doc.h1 == "Logo"  # the first <h1> anywhere
    assert doc.heading == "Titel van het artikel"  # the content's own heading
    assert doc.main_text == "Titel van het artikel Tekst hier."
    assert "verborgen" not in doc.visible_text and "Cookies" not in doc.visible_text
    assert "Voet" in doc.visible_text and "var x" not in doc.visible_text


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<article><p>Een artikel.</p></article><div>menu</div>", "Een artikel."),
        ("<article><p>Een</p></article><article><p>Twee</p></article>", "Een Twee"),
        ("<div id='contenu'><p>Le contenu.</p></div><div>menu</div>", "Le contenu."),
        ("<div role='main'><p>Rol main.</p></div><div>menu</div>", "Rol main."),
        ("<header>Kop</header><p>Alleen body.</p><footer>Voet</footer>", "Alleen body."),
    ],
)
def test_parse_container(body: str, expected: str) -> None:
    assert parse_html(html("t", body)).main_text == expected


def test_parse_links() -> None:
    doc = parse_html(
        html(
            "t",
            "<p>Zie <a href='/intern'>hier</a>, <a href='https://www.example.be/x'>daar</a>, "
            "<a href='https://shop.example.be/'>winkel</a>, <a href='//other.be/y'>elders</a> "
            "en <a href='https://third.org/z'>nog een</a>. <a href='mailto:a@b.be'>mail</a></p>",
        ),
        "https://example.be/page",
    )
    assert (doc.internal_links, doc.external_links) == (3, 2)
    assert doc.external_hosts == ("other.be", "third.org")
    assert doc.link_words == 7
    assert 0 < doc.link_text_share < 1


@pytest.mark.parametrize(
    "text",
    ["", "   ", "<?xml version='1.0' encoding='utf-8'?><html><body>x</body></html>", "plain"],
)
def test_parse_never_raises(text: str) -> None:
    parse_html(text)


def test_from_body_decodes_like_the_extractor() -> None:
    page = PageFacts.from_body(
        requested_url="https://x.be/a",
        final_url="https://x.be/a",
        status=200,
        redirected=False,
        content_type="text/html",
        charset="iso-8859-1",
        body="<title>Élèves</title><p>Liège</p>".encode("cp1252"),
        title=None,
    )
    assert page.shown_title == "Élèves" and "Liège" in page.doc.main_text


def test_fold_and_same_site() -> None:
    assert fold("  Vidéo  non\u00a0disponible – Can’t  ") == "video non disponible – can't"
    assert fold("Straße") == "strasse"
    assert same_site("www.sensoa.be", "sensoa.be") and same_site("shop.sensoa.be", "sensoa.be")
    assert not same_site("sensoa.be", "notsensoa.be") and not same_site("a.be", "")


def test_doc_is_parsed_once() -> None:
    page = facts(html("t", "<main><p>x</p></main>"))
    assert page.doc is page.doc


# == soft 404 ======================================================================


@pytest.mark.parametrize(
    "text",
    [
        "Pagina niet gevonden",
        "Oeps! Die pagina kan niet worden gevonden.",
        "Oeps, deze pagina bestaat niet (meer).",
        "Helaas! De pagina die je zoekt, bestaat niet.",
        "Niets gevonden",
        "Fout: 404 - Artikel niet gevonden",
        "Deze pagina is niet beschikbaar",
        "Page not found",
        "404",
        "Error 404",
        "404 - Not Found",
        "Oops! That page can’t be found.",
        "We couldn’t find the page you were looking for.",
        "Sorry, this page doesn't exist",
        "Nothing Found",
        "Nothing here",
        "Page introuvable",
        "Page non trouvée",
        "Oups ! Cette page est introuvable.",
        "La page que vous demandez n'existe pas",
        "Cette page n'existe plus",
        "Erreur 404",
        "Article introuvable",
        "Rien ici",
        "Seite nicht gefunden",
        "Hoppla! Die Seite konnte nicht gefunden werden.",
        "Die angeforderte Seite wurde nicht gefunden",
        "404 - Artikel nicht gefunden",
        "Die Seite existiert nicht",
        "Diese Seite gibt es leider nicht",
        "Fehler 404",
        "Hier gibt es nichts",
        "Aucun résultat trouvé",
        "No Results Found",
        "Keine Ergebnisse gefunden",
        "Error 404: page not found",
        "Erreur 404 : la page demandée n'existe pas",
    ],
)
def test_not_found_messages(text: str) -> None:
    assert not_found_message(text) == text


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "Pagina niet gevonden? Zo los je het op",  # a question
        "Wat betekent 'Error 404'?",
        "Foutmelding ‘Pagina niet gevonden’ oplossen in WordPress",  # quoted
        "Error 404 uitgelegd: wat het betekent en hoe je het oplost",  # about something
        "Not Found: een kortfilm over dakloze jongeren",
        "Niets gevonden? Contacteer ons",
        "Deze pagina is tijdelijk niet beschikbaar",  # maintenance: transient
        "Seite wegen Wartungsarbeiten vorübergehend nicht verfügbar",
        "Lost and Found",
        "Gevonden voorwerpen",
        "Route 404",
        "Error 404: The Musical",  # a name with a subtitle
        "#NietGevonden",
        "Welkom bij Sensoa",
        "Page",
    ],
)
def test_not_not_found_messages(text: str | None) -> None:
    assert not_found_message(text) is None


@pytest.mark.parametrize(
    ("url", "probe"),
    [
        ("https://x.be/nieuws/2021/mijn-artikel", "https://x.be/nieuws/2021/lw-probe-0000"),
        ("https://x.be/nieuws/2021/mijn-artikel/", "https://x.be/nieuws/2021/lw-probe-0000"),
        ("https://x.be/a/b.html?id=3#top", "https://x.be/a/lw-probe-0000"),
        ("http://x.be:8080/spip.php?article12", "http://x.be:8080/lw-probe-0000"),
        ("https://x.be/index.php?id=12", "https://x.be/lw-probe-0000"),
        ("https://x.be/", None),
        ("https://x.be", None),
        ("https://x.be/nl/", None),
        ("https://x.be/fr-be", None),
        ("https://x.be/index.html", None),
        ("https://x.be/?lang=fr", None),
        ("https://x.be/de/startseite", None),
        ("ftp://x.be/a/b", None),
        ("mailto:a@x.be", None),
        ("not a url", None),
    ],
)
def test_probe_url(url: str, probe: str | None) -> None:
    assert probe_url(url, TOKEN) == probe


def test_probe_url_is_the_cache_key() -> None:
    a = probe_url("https://x.be/nieuws/een", TOKEN)
    assert a == probe_url("https://x.be/nieuws/twee/", TOKEN) != probe_url("https://x.be/a", TOKEN)


@pytest.mark.parametrize(
    ("requested", "final", "expected"),
    [
        ("https://x.be/projecten/oud", "https://x.be/", True),
        ("https://www.x.be/projecten/oud", "https://x.be/nl/", True),
        ("http://x.be/a/b", "https://www.x.be/index.php", True),
        ("https://x.be/index.php?id=40", "https://x.be/", True),
        ("https://x.be/", "https://x.be/nl/", False),  # a home page to a home page
        ("https://x.be/oud", "https://x.be/nieuw", False),  # moved
        ("https://x.be/oud", "https://x.be/?s=oud", False),  # a search, not the home page
        ("https://x.be/oud", "https://y.be/", False),  # another site
        ("https://x.be/campagne", "https://campagne.x.be/", False),  # a microsite
    ],
)
def test_is_home_redirect(requested: str, final: str, expected: bool) -> None:
    assert is_home_redirect(requested, final) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.be/", True),
        ("https://x.be/home", True),
        ("https://x.be/nl/accueil", True),
        ("https://x.be/?utm_source=nieuwsbrief", True),
        ("https://x.be/?p=123", False),
        ("https://x.be/nieuws", False),
    ],
)
def test_is_home_url(url: str, expected: bool) -> None:
    assert is_home_url(url) is expected


NOT_FOUND_PAGE = html(
    "Pagina niet gevonden - Vzw Voorbeeld",
    "<header><nav><a href='/'>Home</a></nav></header><main><h1>Oeps! Deze pagina bestaat "
    "niet (meer).</h1><p>Gebruik het zoekveld of ga naar de startpagina.</p></main>",
)
SITE_TEMPLATE_404 = html(
    "Vzw Voorbeeld",
    "<main><h2>Oeps... deze pagina bestaat niet (meer)</h2><p>Misschien werd de pagina "
    "verplaatst.</p></main>",
)


def _probe(text: str, url: str = "https://www.example.be/nieuws/lw-probe-0000", **kw: object):
    return facts(text, url, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "page", "probe", "found"),
    [
        ("title and heading on a short page", facts(NOT_FOUND_PAGE), None, True),
        ("heading under the site's own title", facts(SITE_TEMPLATE_404), None, True),
        (
            "the title names the heading's subject",
            facts(html("Not Found: a film | Cinema", "<main><h1>Not Found</h1><p>A film.</p>")),
            None,
            False,
        ),
        (
            "a long page titled 'Error 404' needs the probe",
            facts(html("Error 404 | Blog", article(400).replace("Vorming op school", "404"))),
            None,
            False,
        ),
        ("a live article", facts(html("Vorming | Vzw", article(300))), None, False),
        (
            "probe gives the same page",
            facts(html("Vzw", article(120))),
            _probe(html("Vzw", article(120))),
            True,
        ),
        (
            "probe gives another page",
            facts(html("Vorming | Vzw", article(120))),
            _probe(NOT_FOUND_PAGE),
            False,
        ),
        (
            "probe answers a real 404",
            facts(html("Vzw", article(120))),
            _probe(html("Vzw", article(120)), status=404),
            False,
        ),
        (
            "an empty app shell answers everything",
            facts(html("App", "<div id='root'></div>")),
            _probe(html("App", "<div id='root'></div>")),
            False,
        ),
        (
            "a home page is never judged by the probe",
            facts(html("Vzw", article(120)), "https://www.example.be/"),
            _probe(html("Vzw", article(120)), "https://www.example.be/lw-probe-0000"),
            False,
        ),
        (
            "both redirect to the same address",
            facts(html("Vzw", article(120)), final="https://www.example.be/nieuws"),
            _probe(html("Vzw", article(120)), final="https://www.example.be/nieuws"),
            True,
        ),
        (
            "both end on a login page",
            facts(html("Login", "<form>x</form>"), final="https://www.example.be/login"),
            _probe(html("Login", "<form>x</form>"), final="https://www.example.be/login"),
            False,
        ),
        (
            "an exclamation over the message",
            facts(
                html(
                    "Oeps! | Sportclub",
                    "<main><h1>Oeps!</h1><p>De pagina die je zocht, is er niet (meer). Kijk in "
                    "het menu.</p></main>",
                )
            ),
            None,
            True,
        ),
        (
            "an exclamation over something else",
            facts(html("Sorry! | Vzw", "<main><h1>Sorry!</h1><p>We zijn vandaag gesloten.</p>")),
            None,
            False,
        ),
        (
            "redirected to the home page",
            facts(html("Vzw", article(200)), final="https://example.be/"),
            None,
            True,
        ),
        ("a 404 is not a soft 404", facts(NOT_FOUND_PAGE, status=404), None, False),
        ("not HTML", facts("%PDF-1.7", content_type="application/pdf"), None, False),
    ],
)
def test_soft404(name: str, page: PageFacts, probe: PageFacts | None, found: bool) -> None:
    result = soft404(page, probe)
    assert (result is not None) is found, (name, result)
    if result is not None:
        assert result.reason == "soft_404" and result.evidence


def test_soft404_probe_echo_of_the_path_is_ignored() -> None:
    template = "<main><h1>{}</h1><p>De opgevraagde pagina {} kon niet worden gevonden. " + (
        "Gebruik het menu of de zoekfunctie om verder te gaan op onze website. " * 3 + "</p></main>"
    )
    page = facts(html("Vzw", template.format("Fout", "/nieuws/artikel")))
    probe = _probe(html("Vzw", template.format("Fout", "/nieuws/lw-probe-0000")))
    result = soft404(page, probe)
    assert result is not None
    assert "similarity 1.00" in result.evidence[-1]


# == parked ========================================================================

PARKED_URL = "https://www.oude-vzw.be/projecten"


@pytest.mark.parametrize(
    ("name", "page", "hops", "found"),
    [
        (
            "redirects through sedoparking",
            facts(html("x", "<p>x</p>"), PARKED_URL, final="https://sedoparking.com/x"),
            ("www.oude-vzw.be", "sedoparking.com"),
            True,
        ),
        (
            "ends on GoDaddy's for-sale page",
            facts(html("x", "<p>x</p>"), PARKED_URL, final="https://www.godaddy.com/forsale/x.be"),
            ("www.oude-vzw.be",),
            True,
        ),
        (
            "a GoDaddy link from a live page",
            facts(html("x", "<p>x</p>"), PARKED_URL, final="https://www.godaddy.com/nl-be"),
            ("www.oude-vzw.be",),
            False,
        ),
        (
            "title says for sale",
            facts(html("oude-vzw.be is te koop", "<h1>oude-vzw.be</h1>"), PARKED_URL),
            (),
            True,
        ),
        (
            "caf.js",
            facts(
                html(
                    "x", "<p>x</p>", head="<script src='//www.google.com/adsense/domains/caf.js'>"
                ),
                PARKED_URL,
            ),
            (),
            True,
        ),
        (
            "for sale in the text of a short page",
            facts(html("Welkom", "<p>Diese Domain steht zum Verkauf.</p>"), PARKED_URL),
            (),
            True,
        ),
        (
            "registrar placeholder",
            facts(html("x", "<p>This domain has been registered with Hostinger.</p>"), PARKED_URL),
            (),
            True,
        ),
        (
            "'Deze website is te koop'",
            facts(html("Deze website is te koop!", "<h1>oude-vzw.be</h1>"), PARKED_URL),
            (),
            True,
        ),
        (
            "a hoster's default page",
            facts(html("x", "<p>Le domaine oude-vzw.be a bien été créé chez OVHcloud.</p>")),
            (),
            True,
        ),
        (
            "an expired-domain notice",
            facts(html("x", "<p>This domain name expired on 2024-02-14.</p>"), PARKED_URL),
            (),
            True,
        ),
        (
            "for sale quoted in a long article",
            facts(
                html("Artikel", article(400) + "<p>'This domain is for sale' staat er dan.</p>"),
                PARKED_URL,
            ),
            (),
            False,
        ),
        (
            "links only: one suggestive signal",
            facts(
                html(
                    "Links", "".join(f"<a href='https://s{i}.be/'>Site {i}</a> " for i in range(9))
                ),
                PARKED_URL,
            ),
            (),
            False,
        ),
        (
            "related searches and links only",
            facts(
                html(
                    "Links",
                    "<h3>Related Searches</h3>"
                    + "".join(f"<a href='/?q=k{i}'>Keyword {i}</a> " for i in range(9)),
                ),
                PARKED_URL,
            ),
            (),
            True,
        ),
        (
            "ww25 subdomain and a title that is the domain",
            facts(
                html("oude-vzw.be", "<div id='target'></div>"),
                PARKED_URL,
                final="http://ww25.oude-vzw.be/projecten?subid1=1",
            ),
            ("www.oude-vzw.be",),
            True,
        ),
        (
            "the register links to a marketplace itself",
            facts(html("Sedo", article(200)), "https://sedo.com/nl/over-ons"),
            ("sedo.com",),
            False,
        ),
        ("a 404 is not parked", facts(html("x is for sale", ""), status=404), (), False),
    ],
)
def test_parked(name: str, page: PageFacts, hops: tuple[str, ...], found: bool) -> None:
    result = parked(page, hops)
    assert (result is not None) is found, (name, result)
    if result is not None:
        assert result.reason == "parked_domain" and result.evidence


# == video =======================================================================


@pytest.mark.parametrize(
    ("url", "vid"),
    [
        ("https://www.youtube.com/watch?v=ScSD5d6pYvk", "ScSD5d6pYvk"),
        ("https://youtube.com/watch?feature=share&v=ScSD5d6pYvk&t=1m", "ScSD5d6pYvk"),
        ("https://www.youtube.com/watch?v=TQEqRpRjyHw&list=PLiPsg&index=5", "TQEqRpRjyHw"),
        ("https://m.youtube.com/watch?v=ScSD5d6pYvk", "ScSD5d6pYvk"),
        ("https://music.youtube.com/watch?v=ScSD5d6pYvk", "ScSD5d6pYvk"),
        ("https://youtu.be/ScSD5d6pYvk", "ScSD5d6pYvk"),
        ("https://youtu.be/ScSD5d6pYvk?si=abc&t=30", "ScSD5d6pYvk"),
        ("https://www.youtube.com/embed/ScSD5d6pYvk?rel=0", "ScSD5d6pYvk"),
        ("https://www.youtube-nocookie.com/embed/ScSD5d6pYvk", "ScSD5d6pYvk"),
        ("https://www.youtube.com/shorts/ScSD5d6pYvk", "ScSD5d6pYvk"),
        ("https://www.youtube.com/live/ScSD5d6pYvk?feature=share", "ScSD5d6pYvk"),
        ("https://www.youtube.com/v/ScSD5d6pYvk", "ScSD5d6pYvk"),
        ("https://www.youtube.com/attribution_link?u=/watch%3Fv%3DScSD5d6pYvk", "ScSD5d6pYvk"),
        ("https://www.youtube.com/playlist?list=PLiPsgsMS6WYH9RjA_t4XNm7UeRa59Xx8D", None),
        ("https://www.youtube.com/embed/videoseries?list=PLiPsg", None),
        ("https://www.youtube.com/@childfocus", None),
        ("https://www.youtube.com/watch?v=short", None),
        ("https://www.youtube.com/watch", None),
        ("https://vimeo.com/123456789", None),
        ("https://notyoutube.com/watch?v=ScSD5d6pYvk", None),
    ],
)
def test_video_id(url: str, vid: str | None) -> None:
    assert video_id(url) == vid


def test_oembed_url() -> None:
    assert oembed_url("https://youtu.be/ScSD5d6pYvk") == (
        "https://www.youtube.com/oembed?url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3D"
        "ScSD5d6pYvk&format=json"
    )
    assert oembed_url("https://youtu.be/ScSD5d6pYvk", base="http://127.0.0.1:8080/oembed") == (
        "http://127.0.0.1:8080/oembed?url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3D"
        "ScSD5d6pYvk&format=json"
    )
    assert oembed_url("https://www.youtube.com/playlist?list=PL1") is None


@pytest.mark.parametrize(
    ("status", "body", "gone"),
    [
        (200, b'{"title": "Le sexting", "type": "video"}', False),
        (200, b"not json", False),
        (404, b"Not Found", True),
        (401, b"Unauthorized", True),
        (403, b"Forbidden", False),  # embedding disabled: plays on YouTube
        (400, b"Bad Request", False),
        (429, b"", False),
        (503, b"", False),
    ],
)
def test_judge_oembed(status: int, body: bytes, gone: bool) -> None:
    result = judge_oembed(status, body)
    assert (result is not None) is gone
    if result is not None:
        assert result.reason == "video_unavailable"


WATCH = "https://www.youtube.com/watch?v=ScSD5d6pYvk"


def watch_page(player: str, title: str = "Video - YouTube", og: bool = True) -> PageFacts:
    head = '<meta property="og:title" content="Video">' if og else ""
    body = f"<script>var ytInitialPlayerResponse = {{{player}}};</script><ytd-app></ytd-app>"
    return facts(html(title, body, head=head), WATCH)


@pytest.mark.parametrize(
    ("page", "gone"),
    [
        (watch_page('"playabilityStatus":{"status":"OK","playableInEmbed":true}'), False),
        (watch_page('"playabilityStatus":{"status":"ERROR","reason":"Video unavailable"}'), True),
        (watch_page('"playabilityStatus": {"status": "UNPLAYABLE", "reason": "x"}'), True),
        (
            watch_page('"playabilityStatus":{"status":"LOGIN_REQUIRED","reason":"Private video"}'),
            True,
        ),
        (
            watch_page(
                '"playabilityStatus":{"status":"LOGIN_REQUIRED","errorScreen":{"reason":'
                '{"simpleText":"Privévideo"}}}'
            ),
            True,
        ),
        (
            watch_page(
                '"playabilityStatus":{"status":"LOGIN_REQUIRED","reason":"Sign in to confirm '
                'your age"}'
            ),
            False,
        ),
        (watch_page('"playabilityStatus":{"status":"LIVE_STREAM_OFFLINE"}'), False),
        (watch_page("", title=" - YouTube", og=False), True),
        (watch_page("", title="YouTube", og=False), True),
        (watch_page("", title="Video - YouTube", og=False), False),
        (facts(html("Dieses Video ist nicht verfügbar", "<p>x</p>"), WATCH), True),
        (facts(html("Voordat je verdergaat naar YouTube", "<p>x</p>"), WATCH), False),
        (facts(html(" - YouTube", "<p>x</p>"), WATCH, status=404), False),
    ],
)
def test_watch_page_unavailable(page: PageFacts, gone: bool) -> None:
    result = watch_page_unavailable(page)
    assert (result is not None) is gone, result
    if result is not None:
        assert result.reason == "video_unavailable" and result.evidence


def test_detect_page_judges_youtube_only_as_a_video() -> None:
    page = facts(html("Page not found", "<h1>Page not found</h1>"), WATCH)
    assert detect_page(page) is None
    gone = watch_page('"playabilityStatus":{"status":"ERROR","reason":"Video unavailable"}')
    assert detect_page(gone) == Detection(
        "video_unavailable", ("YouTube's player reports ERROR: 'Video unavailable'",)
    )


# == shingles and drift ==============================================================

TEXT_A = LOREM_NL * 4
TEXT_B = (
    "Het stadsbestuur investeert dit jaar in nieuwe fietspaden langs de ring, een extra "
    "zwembad in de deelgemeente en de renovatie van drie scholen. De werken starten in het "
    "voorjaar en duren tot de zomervakantie van volgend jaar, met omleidingen voor verkeer. "
) * 4


def _fingerprint(text: str) -> int:
    return simhash64(shingles(text.lower().split()))


def test_shingles_and_simhash() -> None:
    assert shingles(["a", "b"]) == ["a b"] and shingles([]) == []
    assert shingles(["a", "b", "c", "d"]) == ["a b c", "b c d"]
    assert jaccard(shingle_set(["a", "b", "c"]), shingle_set(["a", "b", "c"])) == 1.0
    assert jaccard(frozenset(), frozenset()) == 1.0
    assert simhash64([]) == 0
    a = _fingerprint(TEXT_A)
    assert 0 <= a < 1 << 64 and a == _fingerprint(TEXT_A)  # stable across runs
    edited = _fingerprint(TEXT_A.replace("gratis", "kosteloos", 1) + " Laatst bijgewerkt 2024.")
    assert hamming(a, edited) <= 10
    assert hamming(a, _fingerprint(TEXT_B)) >= 24


def test_words_match_the_word_pattern_on_any_text() -> None:
    # words() splits ASCII text without a regex; it must cut exactly where the pattern does.
    import random
    import re

    pattern = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
    rng = random.Random(7)
    alphabet = "abcXYZ019 _-'’.,;:!?()[]\"\t\n/\\@#éüßœ\u00ad\u200b"
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert words(text) == pattern.findall(fold(text)), text
    assert words("L’école n'est pas là: e-mail_adres 'quoted' rock'n'roll") == [
        "l'ecole", "n'est", "pas", "la", "e", "mail", "adres", "quoted", "rock'n'roll"
    ]  # fmt: skip


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
@settings(max_examples=3000, deadline=None)
def test_folding_latin_letters_by_table_equals_decomposing(text: str) -> None:
    # Stored fingerprints are made of folded words: the table must fold exactly as NFKD
    # and dropping the combining marks do, whatever the text (accents, combining marks
    # after a letter, other scripts, ligatures, fractions).
    import unicodedata

    from crawler.detect.page import _APOSTROPHES, _fold_letters
    from crawler.extract._text import INVISIBLE

    plain = text.translate({**_APOSTROPHES, **INVISIBLE})
    plain = "".join(c for c in unicodedata.normalize("NFKD", plain) if not unicodedata.combining(c))
    assert _fold_letters(text) == plain.lower()


def test_folding_every_character_alone_equals_decomposing() -> None:
    import unicodedata

    from crawler.detect.page import _APOSTROPHES, _fold_letters
    from crawler.extract._text import INVISIBLE

    table = {**_APOSTROPHES, **INVISIBLE}
    for code in range(0x10000):
        if 0xD800 <= code < 0xE000:
            continue  # surrogates: not characters
        char = chr(code).translate(table)
        decomposed = unicodedata.normalize("NFKD", char)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
        assert _fold_letters(chr(code)) == plain, hex(code)


def test_folding_takes_accents_off_latin_letters() -> None:
    assert fold("Élève CŒUR Straße café naïve ½ ﬁn") == "eleve cœur strasse cafe naive 1⁄2 fin"


def _simhash_reference(features: list[str]) -> int:
    """Charikar's simhash written plainly: one vote per distinct feature and bit."""
    import hashlib

    hashes = {
        int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "big") for f in features
    }
    votes = [sum(h >> bit & 1 for h in hashes) for bit in range(64)]
    return sum(1 << bit for bit in range(64) if votes[bit] > len(hashes) / 2)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 17, 97, 1000])
def test_simhash_matches_the_plain_definition(count: int) -> None:
    import random

    rng = random.Random(count)
    vocabulary = [f"w{n}" for n in range(count // 2 + 3)]
    tokens = [rng.choice(vocabulary) for _ in range(count + 2)]
    features = shingles(tokens)
    assert simhash64(features) == _simhash_reference(features)


def test_simhash_values_stored_by_earlier_versions_stay_the_same() -> None:
    # The first snapshot of a page is kept for years: a changed hash would make every page
    # look rewritten. These values were computed by the first release's implementation.
    text = "de pagina over vorming op school is vernieuwd en staat nu online"
    assert simhash64(shingles(text.split())) == 0xCB3636DA34868286
    assert simhash64(["a"]) == 0x40F89E395B66422F
    assert simhash64(["a", "b", "c", "a"]) == 0x047AC2614D074E3F


def snap(
    title: str = "Vorming op school | Vzw",
    text: str = TEXT_A,
    language: str | None = "nl",
    words: int | None = None,
) -> Snapshot:
    tokens = text.lower().split()
    return Snapshot(title, language, simhash64(shingles(tokens)), words or len(tokens))


REGISTER = "Vorming op school"


@pytest.mark.parametrize(
    ("name", "first", "now", "noted"),
    [
        ("unchanged", snap(), snap(), False),
        ("new text, same title (a news listing)", snap(), snap(text=TEXT_B), False),
        ("new title, same text", snap(), snap(title="Over ons | Vzw"), False),
        ("new language and title, same text", snap(), snap("About us", language="en"), False),
        ("new text and title", snap(), snap("Nieuwe fietspaden | Stad", TEXT_B), True),
        ("new text and language", snap(), snap(text=TEXT_B, language="en"), True),
        (
            "shrunk to a placeholder, new title",
            snap(),
            snap("Binnenkort", "binnenkort online"),
            True,
        ),
        ("shrunk, same title", snap(), snap(text="Vorming op school binnenkort terug"), False),
        ("too short to compare", snap(text="kort"), snap("Anders", "heel anders"), False),
    ],
)
def test_drift(name: str, first: Snapshot, now: Snapshot, noted: bool) -> None:
    note = drift(first, now, REGISTER)
    assert (note is not None) is noted, (name, note)
    if note is not None:
        assert 0.5 <= note.score <= 1.0 and note.evidence


def test_drift_notes_the_register_title() -> None:
    note = drift(snap(), snap("Nieuwe fietspaden | Stad", TEXT_B), REGISTER)
    assert note is not None
    assert any("register" in line for line in note.evidence)


def test_snapshot_and_title_similarity() -> None:
    page = facts(html("Vorming op school | Vzw", article(100)))
    first = snapshot(page, "nl")
    assert first.title == "Vorming op school | Vzw" and first.language == "nl"
    assert first.word_count == 100 + 3  # the h1 and the text
    assert first == snapshot(facts(page.html), "nl")
    assert (
        title_similarity(
            "Vorming aanvragen | Veilig Online", "Vorming aanvragen – Veilig Online vzw"
        )
        > 0.6
    )
    assert title_similarity("Vorming op school", "Casino bonussen") == 0.0


# == archive ======================================================================


def test_availability_url() -> None:
    assert availability_url("https://archive.org/", "https://x.be/a?b=1&c=2") == (
        "https://archive.org/wayback/available?url=https%3A%2F%2Fx.be%2Fa%3Fb%3D1%26c%3D2"
    )


SNAP_URL = "http://web.archive.org/web/20200101000000/https://x.be/a"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b'{"archived_snapshots": {"closest": {"available": true, "url": "'
            + SNAP_URL.encode()
            + b'", "timestamp": "20200101000000", "status": "200"}}}',
            ArchivedCopy(SNAP_URL, datetime(2020, 1, 1, tzinfo=UTC)),
        ),
        (
            b'{"archived_snapshots": {"closest": {"available": true, "url": "'
            + SNAP_URL.encode()
            + b'", "timestamp": "2019", "status": "200"}}}',
            ArchivedCopy(SNAP_URL, datetime(2019, 1, 1, tzinfo=UTC)),
        ),
        (b'{"archived_snapshots": {}}', None),
        (b'{"url": "x", "archived_snapshots": {"closest": {"available": false}}}', None),
        (
            b'{"archived_snapshots": {"closest": {"available": true, "url": "'
            + SNAP_URL.encode()
            + b'", "timestamp": "20200101000000", "status": "404"}}}',
            None,
        ),
        (
            b'{"archived_snapshots": {"closest": {"available": true, "url": "x", '
            b'"timestamp": "20200101000000", "status": "200"}}}',
            None,
        ),
        (
            b'{"archived_snapshots": {"closest": {"available": true, "url": "'
            + SNAP_URL.encode()
            + b'", "timestamp": "20201", "status": "200"}}}',
            None,
        ),
        (b"<html>503</html>", None),
        (b"[]", None),
        (b"\xff\xfe", None),
    ],
)
def test_parse_availability(body: bytes, expected: ArchivedCopy | None) -> None:
    assert parse_availability(body) == expected


# == the labelled case set ==========================================================


def _eval_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("detect_eval", ROOT / "bench" / "detect_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["detect_eval"] = module
    spec.loader.exec_module(module)
    return module


EVAL = _eval_module()
CASES = EVAL.load_cases()
OUTCOMES = {case.id: EVAL.run_case(case) for case in CASES}
# Cases the detectors are known to miss, and why: they stay in the set so the figures are
# honest, and fail loudly (strict xfail) the day they start to pass.
KNOWN_MISSES = {
    "soft404-hard-no-heading-nl": "no heading, wording outside the lexicon, probe gets a 404",
}
# The held-out batches were written after the rules and scored before any change (first:
# 9 of 12 right, second: 7 of 10); the rules were then extended, so they no longer are.


def test_case_set_is_big_and_varied() -> None:
    labels = [case.label for case in CASES]
    assert len(CASES) >= 40
    assert set(labels) == EVAL.LABELS
    for label in ("soft_404", "parked", "live"):
        assert labels.count(label) >= 10, label


@pytest.mark.parametrize(
    "case_id",
    [
        pytest.param(c.id, marks=pytest.mark.xfail(reason=KNOWN_MISSES[c.id], strict=True))
        if c.id in KNOWN_MISSES
        else c.id
        for c in CASES
    ],
)
def test_case_gets_its_label(case_id: str) -> None:
    outcome = OUTCOMES[case_id]
    assert outcome.correct, (outcome.case.note, outcome.detection, outcome.note)


def test_no_live_page_is_called_broken() -> None:
    assert [o.case.id for o in EVAL.live_called_broken(list(OUTCOMES.values()))] == []


@pytest.mark.parametrize("label", ["soft_404", "parked"])
def test_precision_and_recall_targets(label: str) -> None:
    score = EVAL.score(list(OUTCOMES.values()), label)
    assert score.precision >= 0.95 and score.recall >= 0.9, score


def test_content_before_any_body_tag_is_not_lost() -> None:
    # Legal HTML without <head>/<body> tags: libxml2 before 2.14 files <main> under <head>.
    from crawler.detect.page import parse_html

    doc = parse_html(
        '<html lang="nl"><title>Gids</title><main><p>Ouders vragen zich af hoe ze over '
        "sexting praten.</p></main></html>",
        "https://x.be/gids",
    )
    assert doc.main_text.startswith("Ouders vragen zich af")
