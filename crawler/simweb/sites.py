"""The scenario catalogue: one URL per behaviour, each with the verdict it is built to produce.

Hosts live under ``simweb.test`` (reserved TLD: never resolvable for real) plus
``does-not-exist.invalid``. ``SCENARIO_TABLE`` below is the list a reader wants; ``build_world``
turns it into sites and routes.

Expected verdicts assume a crawler that: identifies itself honestly (its User-Agent contains
"linkwacht"), obeys robots.txt, follows at most 10 redirects, retries a 503 / a 429 with a short
Retry-After at least once, and caps time per URL (seconds, not minutes) and body bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crawler.simweb import assets
from crawler.simweb import handlers as h
from crawler.simweb.world import (
    ROBOTS_404,
    Handler,
    Robots,
    Scenario,
    Site,
    World,
)

MAIN = "www.simweb.test"
OTHER = "other.simweb.test"
ROBOTS_SLOW = "robots-slow.simweb.test"
NO_ROBOTS = "no-robots.simweb.test"
VIDEO = "video.simweb.test"
IDN = "www.café.simweb.test"  # served as www.xn--caf-dma.simweb.test
LEGACY = "legacy.simweb.test"  # plain http only, no redirect to https
RAW = "raw.simweb.test"
CATCHALL = "cms.simweb.test"  # answers every unknown path with its home page, status 200
PARKED = "lapsed-organisation.simweb.test"  # domain lapsed: a for-sale parking page
REFUSED = "refused.simweb.test"
SELF_SIGNED = "selfsigned.simweb.test"
UNRESOLVABLE = "does-not-exist.invalid"

ROBOTS_SLOW_DELAY = 1.0
TOO_MANY_HOPS = 12

SITES = (
    Site(
        MAIN,
        server="nginx/1.24.0",
        robots=Robots(
            "User-agent: *\nDisallow: /wp-admin/\n\nSitemap: https://www.simweb.test/sitemap.xml\n"
        ),
    ),
    Site(OTHER, server="Apache/2.4.57 (Debian)"),
    Site(
        ROBOTS_SLOW,
        server="Apache",
        robots=Robots("User-agent: *\nDisallow: /private/\n", delay=ROBOTS_SLOW_DELAY),
    ),
    Site(NO_ROBOTS, server="Microsoft-IIS/10.0", robots=ROBOTS_404),
    Site(VIDEO, server="ESF"),
    Site(IDN, server="nginx"),
    Site(LEGACY, server="Apache/2.2.22", http="serve"),
    Site(RAW, listener="raw"),
    Site(CATCHALL, server="Apache", fallback=h.page_from_text(assets.catchall_home())),
    Site(PARKED, server="nginx", fallback=h.page_from_text(assets.parked_page(PARKED))),
    Site(REFUSED, listener="refused"),
    Site(SELF_SIGNED, server="lighttpd", listener="bad_tls"),
    Site(UNRESOLVABLE, listener="unresolvable"),
)

# Text in a charset other than the one declared, to trip naive decoders.
FR_CP1252_TITLE = "Élèves et écrans : le cyberharcèlement expliqué"
NL_TITLE_BELGIE = "Hulp in België: Luik, Liège en Gent"
CP1252_FR = assets.html_page(
    FR_CP1252_TITLE,
    lang="fr",
    text_lang="fr",
    meta_charset=None,
    paragraphs=("Les élèves de Liège, de Namur et de Bruxelles témoignent — « ça arrive ».",)
    + assets.TEXT["fr"],
).encode("cp1252")
UTF8_META_LATIN1 = assets.html_page(
    NL_TITLE_BELGIE,
    lang="nl",
    meta_charset="iso-8859-1",
    paragraphs=("Wij helpen jongeren in heel België, ook in Liège en Hasselt.",)
    + assets.TEXT["nl"],
).encode("utf-8")
CP1252_NL_UNDECLARED = assets.html_page(
    NL_TITLE_BELGIE,
    lang=None,
    meta_charset=None,
    paragraphs=("Wij helpen jongeren in heel België, ook in Liège en Hasselt.",)
    + assets.TEXT["nl"],
).encode("cp1252")

MARKUP_TITLE = "Hello <b>world</b><script>alert(1)</script>"
ENTITY_TITLE_RAW = "Cyberpesten &lt;script&gt;alert(1)&lt;/script&gt; &amp; sexting"


@dataclass(frozen=True, slots=True)
class Spec:
    """One row of the catalogue: a URL, how it behaves, and the verdict that should follow."""

    name: str
    url: str
    handler: Handler | None  # None: no route (raw, refused, unresolvable, or site-wide rules)
    status: str
    reason: str | None
    minor: bool = False
    title: str | None = None
    language: str | None = None
    final: str | None = None
    description: str = ""
    any_query: bool = False


def u(host: str, path: str, scheme: str = "https") -> str:
    return f"{scheme}://{host}{path}"


def _content() -> list[Spec]:
    nl, fr, en = "Welkom bij SimWeb", "Bienvenue sur SimWeb", "Welcome to SimWeb"
    return [
        Spec("html_nl", u(MAIN, "/nl/"), h.page(nl, lang="nl", text_lang="nl"), "ok", "ok",
             title=nl, language="nl"),
        Spec("html_fr", u(MAIN, "/fr/"), h.page(fr, lang="fr", text_lang="fr"), "ok", "ok",
             title=fr, language="fr"),
        Spec("html_en", u(MAIN, "/en/"), h.page(en, lang="en", text_lang="en"), "ok", "ok",
             title=en, language="en"),
        Spec("html_nl_no_lang", u(MAIN, "/nl/zonder-lang"), h.page(nl, text_lang="nl"),
             "ok", "ok", title=nl, language="nl", description="no <html lang>: detect"),
        Spec("html_fr_no_lang", u(MAIN, "/fr/sans-lang"), h.page(fr, text_lang="fr"),
             "ok", "ok", title=fr, language="fr", description="no <html lang>: detect"),
        Spec("html_en_no_lang", u(MAIN, "/en/no-lang"), h.page(en, text_lang="en", chunked=True),
             "ok", "ok", title=en, language="en", description="no lang, chunked body"),
        Spec("html_lang_lies", u(MAIN, "/en/dutch-text"),
             h.page("Over ons", lang="en", text_lang="nl"), "ok", "ok", title="Over ons",
             language="nl", description='<html lang="en"> but the text is Dutch'),
        Spec("content_language_header", u(MAIN, "/cl/"),
             h.page("Nos services", text_lang="fr", content_language="fr"), "ok", "ok",
             title="Nos services", language="fr",
             description="no <html lang>; Content-Language: fr header"),
        Spec("pdf_with_title", u(MAIN, "/docs/rapport-annuel-2023.pdf"),
             h.pdf("Rapport annuel 2023", text_lang="fr", heading="Rapport annuel"), "ok", "ok",
             title="Rapport annuel 2023", language="fr", description="PDF /Title metadata"),
        Spec("pdf_without_title", u(MAIN, "/docs/sans-titre.pdf"),
             h.pdf(None, text_lang="fr", heading="Guide pratique contre le harcèlement"),
             "ok", "ok", language="fr",
             description="empty /Title: fall back to the first text line"),
        Spec("pdf_with_lang", u(MAIN, "/docs/handleiding-sexting.pdf"),
             h.pdf("Handleiding sexting", lang="nl-BE", text_lang="nl"), "ok", "ok",
             title="Handleiding sexting", language="nl", description="catalog /Lang nl-BE"),
        Spec("zip", u(MAIN, "/downloads/templates.zip"),
             h.download(assets.zip_bytes(), "application/zip", "templates.zip"), "ok", "ok"),
        Spec("image", u(MAIN, "/img/logo.png"),
             h.raw(assets.png_bytes(), "image/png"), "ok", "ok"),
        Spec("video", u(VIDEO, "/watch?v=dQw4w9WgXcQ"),
             h.youtube("Sexting: praat erover", "dQw4w9WgXcQ"), "ok", "ok",
             title="Sexting: praat erover - YouTube",
             description="YouTube-like watch page; <html lang> is the UI language"),
        Spec("idn_host", u(IDN, "/"), h.page("Café des parents", lang="fr", text_lang="fr"),
             "ok", "ok", title="Café des parents", language="fr",
             description="IDN host, punycode www.xn--caf-dma.simweb.test on the wire"),
        Spec("plain_http_site", u(LEGACY, "/", "http"),
             h.page("Oude website", lang="nl", text_lang="nl"), "ok", "ok",
             title="Oude website", language="nl", description="served over http, no https"),
        Spec("head_not_allowed", u(MAIN, "/no-head"),
             h.no_head(h.page("Alleen GET", lang="nl")), "ok", "ok", title="Alleen GET",
             description="405 on HEAD, 200 on GET"),
        Spec("gzip_bomb", u(MAIN, "/bomb.html"), h.gzip_bomb(), "blocked", "body_too_large",
             description="1 MB gzip inflating to 1 GiB of zeros: stop inflating at the cap"),
        Spec("endless_body", u(RAW, "/endless"), None, "ok", "ok", title="Endless page",
             description="chunked body that never ends: stop at the byte cap"),
    ]  # fmt: skip


def _charsets() -> list[Spec]:
    return [
        Spec("charset_http_lies", u(MAIN, "/charset/http-utf8-bytes-cp1252"),
             h.raw(CP1252_FR, "text/html; charset=utf-8"), "ok", "ok", language="fr",
             title=FR_CP1252_TITLE,
             description=f"header says utf-8, bytes are cp1252; true title {FR_CP1252_TITLE!r}"),
        Spec("charset_meta_lies", u(MAIN, "/charset/meta-latin1-bytes-utf8"),
             h.raw(UTF8_META_LATIN1, "text/html"), "ok", "ok", language="nl",
             title=NL_TITLE_BELGIE,
             description=f"meta says iso-8859-1, bytes are UTF-8; true title {NL_TITLE_BELGIE!r}"),
        Spec("charset_undeclared_cp1252", u(MAIN, "/charset/none-cp1252"),
             h.raw(CP1252_NL_UNDECLARED, "text/html"), "ok", "ok", language="nl",
             title=NL_TITLE_BELGIE,
             description=f"no declaration anywhere, cp1252 bytes; true title {NL_TITLE_BELGIE!r}"),
        Spec("title_markup", u(MAIN, "/title/markup"),
             h.page(None, lang="en", text_lang="en", raw_title=MARKUP_TITLE), "ok", "ok",
             title=MARKUP_TITLE,
             description="<title> is RCDATA: its text is literally the markup, as a browser "
                         "shows it; the report escapes it"),
        Spec("title_entities", u(MAIN, "/title/entities"),
             h.page(None, lang="nl", raw_title=ENTITY_TITLE_RAW), "ok", "ok",
             title="Cyberpesten <script>alert(1)</script> & sexting",
             description="entities decode to a literal '<script>…</script>' text"),
    ]  # fmt: skip


def _redirects() -> list[Spec]:
    # Redirects land on deep pages: a deep link sent to a home page is a soft 404 (below).
    nl = u(MAIN, "/nl/publicaties/gids-online-veiligheid.html")
    fr = u(MAIN, "/fr/publications/guide-securite-en-ligne.html")
    en = u(MAIN, "/en/publications/online-safety-guide.html")
    chain12 = [
        Spec(
            f"chain12_hop{i}",
            u(MAIN, f"/chain12/{i}"),
            h.redirect(f"/chain12/{i + 1}" if i < TOO_MANY_HOPS else nl),
            "",
            None,
        )
        for i in range(2, TOO_MANY_HOPS + 1)
    ]
    targets = [
        Spec("", nl, h.page("Gids online veiligheid", lang="nl", text_lang="nl"), "", None),
        Spec("", fr, h.page("Guide de la sécurité en ligne", lang="fr", text_lang="fr"), "", None),
        Spec("", en, h.page("Online safety guide", lang="en", text_lang="en"), "", None),
    ]
    return [
        *targets,
        Spec("redirect_301", u(MAIN, "/old/301"), h.redirect(nl, 301), "redirected",
             "permanent_redirect", final=nl),
        Spec("redirect_302", u(MAIN, "/tmp/302"), h.redirect(nl, 302), "ok",
             "temporary_redirect", final=nl),
        Spec("redirect_303", u(MAIN, "/tmp/303"), h.redirect(fr, 303), "ok",
             "temporary_redirect", final=fr),
        Spec("redirect_307", u(MAIN, "/tmp/307"), h.redirect(en, 307), "ok",
             "temporary_redirect", final=en),
        Spec("redirect_308", u(MAIN, "/old/308"), h.redirect(en, 308), "redirected",
             "permanent_redirect", final=en),
        Spec("redirect_chain_3", u(MAIN, "/chain3/1"), h.redirect("/chain3/2"), "redirected",
             "permanent_redirect", final=nl, description="3 hops of 301"),
        Spec("", u(MAIN, "/chain3/2"), h.redirect("/chain3/3"), "", None),
        Spec("", u(MAIN, "/chain3/3"), h.redirect(nl), "", None),
        Spec("redirect_http_to_https", u(MAIN, "/fr/", "http"), None, "redirected",
             "permanent_redirect", minor=True, final=u(MAIN, "/fr/"),
             description="site-wide 301 from http to the same path on https"),
        Spec("redirect_trailing_slash", u(MAIN, "/fr"), h.redirect("/fr/", 301), "redirected",
             "permanent_redirect", minor=True, final=u(MAIN, "/fr/")),
        Spec("redirect_loop", u(MAIN, "/loop/a"), h.redirect("/loop/b", 301), "broken",
             "redirect_loop", description="A -> B -> A"),
        Spec("", u(MAIN, "/loop/b"), h.redirect("/loop/a", 301), "", None),
        Spec("redirect_too_many", u(MAIN, "/chain12/1"), h.redirect("/chain12/2"), "broken",
             "too_many_redirects", description=f"{TOO_MANY_HOPS} hops of 301 before a 200"),
        *chain12,
        Spec("meta_refresh", u(MAIN, "/meta-refresh"), h.meta_refresh(nl, "Doorverwijzing"),
             "redirected", "meta_refresh", final=nl,
             description='200 page with <meta http-equiv="refresh" content="0; url=...">'),
        Spec("redirect_relative", u(MAIN, "/docs/oud/relatief"),
             h.redirect("../nieuw/relatief.html", 301), "redirected", "permanent_redirect",
             final=u(MAIN, "/docs/nieuw/relatief.html"), description="relative Location"),
        Spec("", u(MAIN, "/docs/nieuw/relatief.html"), h.page("Nieuwe locatie", lang="nl"),
             "", None),
        Spec("redirect_other_host", u(MAIN, "/moved-away"),
             h.redirect(u(OTHER, "/landing"), 301), "redirected", "permanent_redirect",
             final=u(OTHER, "/landing")),
        Spec("", u(OTHER, "/landing"), h.page("Landing page", lang="en", text_lang="en"),
             "", None),
    ]  # fmt: skip


def _errors() -> list[Spec]:
    ok = h.page("Eindelijk beschikbaar", lang="nl")
    return [
        Spec("http_404", u(MAIN, "/gone/404"), h.not_found_html(), "broken", "http_404",
             description="themed HTML 404 page, status 404"),
        Spec("http_404_unknown_path", u(MAIN, "/no/such/page"), None, "broken", "http_404",
             description="the host's generic 404"),
        Spec("http_410", u(MAIN, "/gone/410"), h.status(410), "broken", "http_410"),
        Spec("http_400", u(MAIN, "/bad/400"), h.status(400), "broken", "http_400"),
        Spec("http_451", u(MAIN, "/legal/451"), h.status(451), "broken", "http_451"),
        Spec("http_500", u(MAIN, "/error/500"), h.status(500), "transient", "http_500"),
        Spec("http_502", u(MAIN, "/error/502"), h.status(502), "transient", "http_502"),
        Spec("http_503_always", u(MAIN, "/error/503"),
             h.status(503, headers={"Retry-After": "120"}), "transient", "http_503"),
        Spec("http_503_then_200", u(MAIN, "/flaky/503-once"), h.flaky(1, ok), "ok", "ok",
             title="Eindelijk beschikbaar",
             description="first request (any method) 503, then 200: ok after a retry"),
        Spec("http_429_then_200", u(MAIN, "/busy/429-once"),
             h.rate_limited(ok, retry_after=1), "ok", "ok",
             description="one 429 with Retry-After: 1, then 200"),
        Spec("http_429_always", u(MAIN, "/busy/429-always"),
             h.rate_limited(None, retry_after=3600), "blocked", "rate_limited",
             description="429 with Retry-After: 3600 for ever: do not wait an hour"),
        Spec("http_401", u(MAIN, "/intranet/"), h.auth_required(), "blocked", "auth_required"),
        Spec("bot_wall", u(MAIN, "/members/bots-forbidden"),
             h.bot_wall(h.page("Ledenpagina", lang="nl")), "blocked", "forbidden",
             description="403 when the User-Agent looks like a bot; browsers get 200"),
        Spec("challenge_page", u(MAIN, "/protected/challenge"), h.challenge(), "blocked",
             "challenge_page", description="403 + cf-mitigated: challenge + 'Just a moment...'"),
    ]  # fmt: skip


def _network() -> list[Spec]:
    return [
        Spec("never_answers", u(RAW, "/hang"), None, "transient", "timeout",
             description="accepts, reads the request, never answers"),
        Spec("slow_drip", u(RAW, "/drip"), None, "transient", "timeout",
             description="headers at once, then one body byte per second"),
        Spec("connection_reset", u(RAW, "/reset"), None, "transient", "connection_reset",
             description="headers and 4 kB of a longer body, then a TCP RST"),
        Spec("connection_refused", u(REFUSED, "/"), None, "broken", "connection_refused"),
        Spec("dns_unresolved", u(UNRESOLVABLE, "/"), None, "broken", "dns_unresolved",
             description="deliberately absent from the host map"),
        Spec("tls_self_signed", u(SELF_SIGNED, "/"),
             h.page("Zelfondertekend", lang="nl"), "blocked", "tls_certificate",
             description="self-signed certificate from no trusted CA"),
    ]  # fmt: skip


def _robots() -> list[Spec]:
    return [
        Spec("robots_disallowed", u(ROBOTS_SLOW, "/private/rapport.html"),
             h.page("Intern rapport", lang="nl"), "blocked", "robots_disallowed",
             description=f"robots.txt (served after {ROBOTS_SLOW_DELAY}s) disallows /private/"),
        Spec("robots_allowed_slow_host", u(ROBOTS_SLOW, "/public/"),
             h.page("Publieke pagina", lang="nl"), "ok", "ok", title="Publieke pagina"),
        Spec("robots_404", u(NO_ROBOTS, "/"),
             h.page("Accueil", lang="fr", text_lang="fr"), "ok", "ok", title="Accueil",
             description="robots.txt answers 404: everything allowed"),
    ]  # fmt: skip


def _content_level() -> list[Spec]:
    """200 answers that are dead all the same, and live pages that only look suspicious."""
    return [
        Spec("home_page", u(MAIN, "/"), h.page("Welkom bij Simweb", lang="nl", text_lang="nl"),
             "ok", "ok"),
        Spec("soft_404_wordpress", u(MAIN, "/publicaties/verdwenen-rapport/"),
             h.page_from_text(assets.soft_404_wordpress()), "broken", "soft_404",
             description="WordPress theme's 'not found' page served with status 200"),
        Spec("soft_404_by_probe", u(CATCHALL, "/docs/cyberpesten-brochure.html"), None,
             "broken", "soft_404",
             description="every unknown path gives the home page with 200: a random address "
                         "in the same directory gives the same page"),
        Spec("catchall_home_is_live", u(CATCHALL, "/"), None, "ok", "ok",
             description="a site root is never judged by the probe alone"),
        Spec("deep_link_to_home", u(MAIN, "/archief/2019/campagne.html"),
             h.redirect("/", 301), "broken", "soft_404",
             description="a deep link redirected to the home page"),
        Spec("mentions_404_in_passing", u(MAIN, "/nieuws/foutmeldingen-uitgelegd.html"),
             h.page_from_text(assets.live_page_mentioning_404()), "ok", "ok",
             description="a live article about '404 not found' errors"),
        Spec("parked_domain", u(PARKED, "/"), None, "broken", "parked_domain",
             description="the organisation's lapsed domain now shows a for-sale page"),
    ]  # fmt: skip


CATALOGUE: tuple[Callable[[], list[Spec]], ...] = (
    _content,
    _content_level,
    _charsets,
    _redirects,
    _errors,
    _network,
    _robots,
)


def specs() -> list[Spec]:
    return [s for part in CATALOGUE for s in part()]


def build_world() -> World:
    world = World("scenarios", sites=list(SITES))
    for s in specs():
        if s.handler is not None:
            world.route(s.url, s.handler, name=s.name or s.url, any_query=s.any_query)
        if s.name and s.status:
            world.scenarios.append(
                Scenario(
                    name=s.name,
                    url=s.url,
                    expect_status=s.status,
                    expect_reason=s.reason,
                    minor=s.minor,
                    expect_title=s.title,
                    expect_language=s.language,
                    expect_final_url=s.final,
                    description=s.description,
                )
            )
    return world
