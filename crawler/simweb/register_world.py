"""The simulated web behind the real register: every register URL, under its real host name.

``ENTRIES`` gives each URL of the register a behaviour and the page it serves (title like the
real resource, in its real language). The register itself is read from ``register_seed.csv``
(columns id,section,category,title,url) when it exists; URLs found there but not in
``ENTRIES`` get a plain ok page titled after the register row, so a replay never hits an
unknown route. ``expected_verdicts()`` is keyed by the URL exactly as written in the register.

Behaviour codes (the part after ``>`` is a target, relative to the same host or absolute):

``page``, ``page-chunked``, ``page-ui-en`` (``<html lang="en">`` on a text in another language),
``pdf`` (with /Title), ``pdf-notitle``, ``pdf-lang`` (/Title and /Lang), ``zip``, ``video``;
``301>T``, ``308>T``, ``302>T``, ``slash`` (301 to the same path plus "/"), ``meta>T``;
``404``, ``410``, ``503``, ``503once``, ``429once``, ``botwall``, ``challenge``;
``robots`` (the path is disallowed by robots.txt), ``dns``, ``refused``, ``tls`` (the whole host).
``http://`` URLs of hosts that moved to https get the site-wide 301 (a minor redirect).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from yarl import URL

from crawler.simweb import assets
from crawler.simweb import handlers as h
from crawler.simweb.world import (
    ROBOTS_404,
    Call,
    Handler,
    Listener,
    Robots,
    Scenario,
    Site,
    World,
    ascii_host,
    route_key,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
REGISTER_CSV = REPO_ROOT / "register_seed.csv"

# (url as in the register, language, title of the page the site serves, behaviour)
ENTRIES: tuple[tuple[str, str, str, str], ...] = (
    ("https://femmesdedroit.be/informations-juridiques/abecedaire/elementor-4371/", "fr",
     "Revenge porn – Femmes de Droit", "page-chunked"),
    ("https://media-animation.be/L-extimite-s-exposer-pour-se.html", "fr",
     "L'extimité : s'exposer pour se construire - Média Animation", "page"),
    ("https://media-animation.be/Cyberharcelement-un-harcelement-2-0.html", "fr",
     "Cyberharcèlement, un harcèlement 2.0 ? - Média Animation", "page"),
    ("https://www.yapaka.be/sites/yapaka.be/files/publication/ta_105-harcelement-gozlan-web_0.pdf",
     "fr", "Le harcèlement virtuel", "pdf"),
    ("https://revueobservatoire.be/Abus-sexuels-en-ligne-les-outils-preventifs-de-Child-Focus"
     "?return=publication", "fr",
     "Abus sexuels en ligne, les outils préventifs de Child Focus - L'Observatoire", "page"),
    ("https://www.yapaka.be/sites/yapaka.be/files/publication/ta_96_web_def_0.pdf", "fr",
     "Coopérer autour des écrans", "pdf-notitle"),
    ("https://eige.europa.eu/publications/combating-cyber-violence-against-women-and-girls",
     "en", "Combating cyber violence against women and girls | EIGE", "503once"),
    ("https://amazone2.ideesculture.fr/media_temp/docstore_198544_1630.pdf", "nl",
     "Cybergeweld tegen vrouwen en meisjes", "pdf-lang"),
    ("https://amazone2.ideesculture.fr/media_temp/docstore_a7ecfe_928.pdf", "nl",
     "Cybergeweld tegen vrouwen en meisjes", "pdf"),
    ("https://www.soralia.be/wp-content/uploads/2021/02/Analyse2021-Harcelement-sexiste-en-ligne.pdf",
     "fr", "Microsoft Word - Analyse2021-Harcelement-sexiste-en-ligne.docx", "pdf"),
    ("https://www.mr.be/wp-content/uploads/2019/09/CJG-ETUDE-Harce%CC%80lement.pdf", "fr",
     "Le cyberharcèlement des enfants et des adolescents", "pdf"),
    ("https://amazone2.ideesculture.fr/media_temp/docstore_7c168a_1754.pdf", "en",
     "Combating gender-based violence: Cyber violence", "pdf"),
    ("https://media-animation.be/IMG/pdf/20211012_g2020_eam_pdfweb.pdf", "fr",
     "#Génération2020", "pdf-notitle"),
    ("https://sarahschlitz.be/wp-content/uploads/sites/300/2023/02/Onderzoek-naar-de-houding-van"
     "-jongeren-over-het-versturen-en-bezitten-zonder-toestemming-van-seksuele-beelden.pdf", "nl",
     "Onderzoek naar de houding van jongeren", "404"),
    ("https://www.soralia.be/wp-content/uploads/2017/06/Analyse2017-cybersexisme.pdf", "fr",
     "Adolescents et nouvelles technologies : un cyber sexisme qui crève l'écran", "pdf"),
    ("https://igvm-iefh.belgium.be/sites/default/files/160_-_wraakporno_youtoo.pdf", "nl",
     "Wraakporno, online seksuele intimidatie en andere vormen van cyberpesten", "pdf-lang"),
    ("https://www.scriptiebank.be/sites/default/files/thesis/2020-09/Masterproef_Gaelle_Mortier.pdf",
     "nl", "Op de man af", "pdf-notitle"),
    ("https://dial.uclouvain.be/memoire/ucl/en/object/thesis%3A20397", "fr",
     "Lutte contre le cyberharcèlement : état des lieux, réflexions et propositions d'outils "
     "juridiques | DIAL@UCLouvain", "page-ui-en"),
    ("https://amazone2.ideesculture.fr/media_temp/docstore_cc2619_891.pdf", "en",
     "Cyber violence and hate speech online against women", "pdf"),
    ("https://www.puntvzw.be/eerste-hulp-aanbod/algemene-informatie-1", "nl",
     "Algemene informatie | Punt. vzw", "page"),
    ("https://questionsante.org/wp-content/uploads/2021/07/20161122_broch_cyberharcelement_bd_vf.pdf",
     "fr", "Cyber harcèlement : petits meurtres entre « amis »", "pdf"),
    ("https://www.provincedeliege.be/sites/default/files/media/6800/"
     "OPENADO%20BROCHURE%20HARCELEMENT%202.0.pdf", "fr", "OPENADO BROCHURE HARCELEMENT 2.0",
     "pdf-notitle"),
    ("https://www.youtube.com/watch?v=ScSD5d6pYvk", "fr", "Le sexting - Moules Frites", "video"),
    ("https://auvio.rtbf.be/emission/salepute-19274", "fr", "#Salepute - RTBF Auvio", "botwall"),
    ("https://www.watwat.be/", "nl", "WAT WAT - Alles wat je wil weten", "page"),
    ("https://www.yapaka.be/", "fr", "Yapaka.be - Prévention de la maltraitance", "page"),
    ("https://www.sensoa.be/actueel/sensibiliseringscampagne-t-oke-niet-zeker-check-het-wil"
     "-seksueel-grensoverschrijdend-gedrag", "nl",
     "Sensibiliseringscampagne 'Is't oké? Niet zeker? Check het!' | Sensoa", "page"),
    ("https://www.sofelia.be/nos-campagnes/le-harcelement-sexiste-virtuel-cest-reel-2020/", "fr",
     "Le harcèlement sexiste virtuel, c'est réel ! – Sofélia", "page-chunked"),
    ("https://www.police.be/5318/fr/actualites/stop-cyberhte", "fr", "Stop cyberhate", "404"),
    ("https://childfocus.be/nl-be/Vorming/Professionals/Clicksafe", "nl",
     "Clicksafe - Child Focus", "page"),
    ("https://www.bibzondergrenzen.be/cyberhelden/", "nl", "Cyberhelden", "refused"),
    ("http://www.garance.be/spip.php?article1382", "fr", "Cyber autodéfense - Garance ASBL",
     "page"),
    ("https://internetsafeandfun.be/nl/home/", "nl", "Internet, safe & fun",
     "meta>https://childfocus.be/nl-be/internet-safe-fun"),
    ("https://www.sensoa.be/vorming/opleiding-seksueel-grensoverschrijdend-gedrag-preventie-en"
     "-beleid", "nl", "Opleiding seksueel grensoverschrijdend gedrag: preventie en beleid | Sensoa",
     "301>/vorming/opleiding-sgg-preventie-en-beleid"),
    ("https://loupioteasbl.wordpress.com/formation-cyberharcelement/", "fr",
     "Formation cyberharcèlement – Loupiote asbl", "page-chunked"),
    ("https://www.puntvzw.be/sensibilisering/vormingen/onderwijs", "nl",
     "Vormingen onderwijs | Punt. vzw", "page"),
    ("https://veiligonline.be/vormingaanvragen", "nl", "Vorming aanvragen | Veilig Online", "page"),
    ("https://www.webetic.be/", "fr", "Webetic", "dns"),
    ("https://www.youtube.com/watch?v=GAfJc0L92jI", "nl", "Hoe lesgeven over sexting? - Webinar",
     "429once"),
    ("https://veiligonline.be/webinars/veilig-online-online-relaties-en-seksualiteit", "nl",
     "Webinar: online relaties en seksualiteit | Veilig Online", "page"),
    ("https://www.youtube.com/watch?v=TQEqRpRjyHw&list=PLiPsgsMS6WYH9RjA_t4XNm7UeRa59Xx8D&index=5",
     "nl", "Sexting en beleid in jouw organisatie", "videogone"),
    ("https://veiligonline.be/spannend-over-online-seksualiteit-verkennen", "nl",
     "Spannend! Over online seksualiteit verkennen | Veilig Online", "page"),
    ("https://www.sensoa.be/sites/default/files/poster-affiche-sexting-week-van-de-lentekriebels"
     "-2021.pdf", "nl", "Poster sexting", "pdf-notitle"),
    ("https://www.mediawijs.be/fr/dossiers/sexting", "fr", "Let's talk about sexting | Mediawijs",
     "308>/fr/dossiers/lets-talk-about-sexting"),
    ("https://www.sensoa.be/materiaal/omgaan-met-seksueel-grensoverschrijdend-gedrag-op-school"
     "-brochure", "nl",
     "Omgaan met seksueel grensoverschrijdend gedrag op school (brochure) | Sensoa", "page"),
    ("https://www.youtube.com/watch?v=8b4k50aXOsg", "nl", "Sexting is ok - stop victim blaming!",
     "video"),
    ("https://childfocus.be/fr-be/Presse/Publications/Ressources-et-outils/Post/9604/"
     "Clip-d-animation-Sextortion", "fr", "Clip d'animation Sextorsion - Child Focus", "page"),
    ("https://www.sofelia.be/product/guide-pratique-contre-le-harcelement-sexiste-en-ligne/", "fr",
     "Guide pratique contre le harcèlement sexiste en ligne – Sofélia", "page-chunked"),
    ("https://www.vanin-parasco-pedagogie.be/parascolaire/internet-parents-profs-moi/", "fr",
     "Internet, mes parents, mes profs et moi - Van In", "page"),
    ("https://www.sensoa.be/materiaal/flirtertwister-spel", "nl", "Flirtertwister (spel) | Sensoa",
     "page"),
    ("https://www.sensoa.be/materiaal/oke-spel", "nl", "Oké?! (spel) | Sensoa", "page"),
    ("https://shop.sensoa.be/products/buiten-de-lijnen-pakket", "nl",
     "Buiten de lijnen – pakket – Sensoa shop", "page"),
    ("https://www.sensoa.be/materiaal/sensoa-vlaggensysteem-voor-kinderen-en-jongeren-methodiek",
     "nl", "Sensoa Vlaggensysteem voor kinderen en jongeren (methodiek) | Sensoa", "page"),
    ("https://www.sensoa.be/materiaal/sensoa-vlaggensysteem-voor-volwassenen-boek", "nl",
     "Sensoa Vlaggensysteem voor volwassenen (boek) | Sensoa", "page"),
    ("https://www.grenswijs.be/", "nl", "Grenswijs", "page"),
    ("https://www.mediawijs.be/nl/tools/he-het-oke", "nl", "Hé, het is oké! | Mediawijs", "page"),
    ("https://www.ikbeslis.be/", "nl", "Ik beslis", "page"),
    ("https://childfocus.be/nl-be/Seksuele-Uitbuiting/OKGroomer", "nl", "OK Groomer - Child Focus",
     "page"),
    ("https://www.parentsconnectés.be/theme/relations-sexualite?age%5B0%5D=12", "fr",
     "Relations & sexualité | Parents connectés", "page"),
    ("https://sextoooh.be/nl/home", "nl", "Sextoooh", "page"),
    ("https://www.childfocus-star.be/nl/", "nl", "Star+ | Child Focus", "page"),
    ("https://childfocus.be/fr-be/Presse/Publications/Ressources-et-outils/Post/9602/Vu", "fr",
     "#VU - Child Focus", "page"),
    ("https://www.sofelia.be/product/six-planches-bd-de-la-campagne-le-harcelement-sexiste-virtuel"
     "-cest-reel/", "fr", "Six planches BD", "410"),
    ("https://childfocus.be/Portals/0/Lesspakket/sexting_frans_digitaal_2021.pdf"
     "?ver=rKc8DErQNjRZ1vnNOsMhdg%3D%3D", "fr", "Sexting @ school", "pdf"),
    ("https://pmb.nadja-asbl.be/pmb/opac_css/doc_num_data.php?explnum_id=162", "fr",
     "Cyberharcèlement. Des ressources pour comprendre et agir", "robots"),
    ("https://childfocus.be/Portals/0/Dossier%20p%C3%A9dagogique%20Cyberharc%C3%A8lement/"
     "Dossier_FR.pdf?ver=I7aLEmI__FKd5FkaMWvX_w%3d%3d", "fr",
     "De mots à mots : comprendre, reconnaître et agir contre le cyberharcèlement", "pdf-lang"),
    ("https://chayn.be/static/atelier-de-prevention-contre-les-cyberviolences"
     "-f5dbec7a85b8d05413e9589587ec62a3.pdf", "fr", "Digital Care Workshop", "pdf"),
    ("https://www.sofelia.be/product/dossier-pedagogique-le-harcelement-sexiste-virtuel-cest-reel"
     "-fond-colore/", "fr", "Dossier pédagogique « Le harcèlement sexiste virtuel, c'est réel »",
     "page-chunked"),
    ("https://www.sensoa.be/materiaal/mijn-wens-mijn-grens-lespakket", "nl",
     "Mijn wens, mijn grens (lespakket) | Sensoa", "page"),
    ("https://loupioteasbl.files.wordpress.com/2019/03/no-hate-entier-v2-2p.pdf", "fr", "No Hate",
     "pdf-notitle"),
    ("https://www.sensoa.be/sites/default/files/digitaal_materiaal/werkvormen-praten-over-sexting"
     "-sensoa.pdf", "nl", "Werkvormen praten over sexting", "pdf-lang"),
    ("https://childfocus.be/Portals/0/Lesspakket/child_focus_think_before_you_post_fr_v5_1.pdf"
     "?ver=eMG0ZZvURa_WWGZvy9GRmw%3d%3d", "fr", "Réfléchis avant de publier", "pdf"),
    ("https://childfocus.be/nl-be", "nl",
     "Child Focus | Stichting voor Vermiste en Seksueel Uitgebuite Kinderen", "page"),
    ("https://igvm-iefh.belgium.be/nl", "nl",
     "Instituut voor de gelijkheid van vrouwen en mannen", "page"),
    ("https://chayn.be/fr/", "fr", "Chayn Belgique", "page"),
    ("http://www.garance.be/", "fr", "Garance ASBL", "page"),
    ("https://loupioteasbl.wordpress.com/", "fr", "Loupiote asbl", "page-chunked"),
    ("https://media-animation.be/", "fr", "Média Animation", "page"),
    ("https://www.o-yes.be/", "fr", "O'Yes", "tls"),
    ("https://www.puntvzw.be/", "nl", "Punt. vzw", "page"),
    ("https://questionsante.org/", "fr", "Question Santé asbl", "page"),
    ("https://www.sofelia.be/", "fr", "Sofélia", "page-chunked"),
    ("https://www.soralia.be/accueil/", "fr", "Accueil - Soralia", "page"),
    ("https://vrouwenraad.be/", "nl", "Vrouwenraad", "page"),
    ("https://www.vzwzijn.be/", "nl", "Zijn - Beweging tegen geweld", "302>/nl/"),
    ("https://www.cyberhelp.be/", "fr", "Cyber Help", "503"),
    ("https://cybersquad.be/nl/", "nl", "Cyber Squad", "page"),
    ("https://1712.be/nl", "nl", "1712 - Hulplijn voor geweld en misbruik", "slash"),
    ("https://chayn.be/static/les-premiers-gestes-pour-affronter-une-situation-de-cyber"
     "-harcelement-fd2f3882a8e3f82d602b691bf983a059.pdf", "fr",
     "Les premiers gestes pour affronter une situation de cyber-harcèlement", "pdf"),
    ("https://igvm-iefh.belgium.be/sites/default/files/downloads/159_-_handleiding_wraakporno.pdf",
     "nl", "Handleiding wraakporno", "pdf"),
    ("https://www.sorrybox.be/", "nl", "Sorrybox", "page"),
    ("https://stopncii.org/?lang=nl-nl", "nl", "StopNCII.org", "challenge"),
    ("https://igvm-iefh.belgium.be/sites/default/files/downloads/template_revenge-porn_nl.zip",
     "nl", "template_revenge-porn_nl.zip", "zip"),
)  # fmt: skip

# Whole-host fates, and what each host answers on its own.
HOST_LISTENERS: dict[str, Listener] = {
    "www.webetic.be": "unresolvable",  # the domain lapsed
    "www.bibzondergrenzen.be": "refused",  # web server down
    "www.o-yes.be": "bad_tls",  # self-signed certificate
}
HOST_SERVERS = {
    "childfocus.be": "Microsoft-IIS/10.0",
    "www.youtube.com": "ESF",
    "stopncii.org": "cloudflare",
    "auvio.rtbf.be": "AkamaiGHost",
    "eige.europa.eu": "Apache",
    "dial.uclouvain.be": "Apache/2.4.6 (Red Hat Enterprise Linux)",
}
HOST_ROBOTS = {
    "pmb.nadja-asbl.be": Robots("User-agent: *\nDisallow: /pmb/opac_css/doc_num_data.php\n"),
    "www.youtube.com": Robots("User-agent: *\nDisallow: /api/\nDisallow: /comment\n"),
    "1712.be": ROBOTS_404,
    "www.sorrybox.be": ROBOTS_404,
    "sextoooh.be": ROBOTS_404,
}

# Verdicts the behaviours are built to produce; http:// URLs of https hosts add a minor 301.
VERDICTS: dict[str, tuple[str, str | None]] = {
    "page": ("ok", "ok"),
    "404": ("broken", "http_404"),
    "410": ("broken", "http_410"),
    "503": ("transient", "http_503"),
    "botwall": ("blocked", "forbidden"),
    "challenge": ("blocked", "challenge_page"),
    "robots": ("blocked", "robots_disallowed"),
    "dns": ("broken", "dns_unresolved"),
    "refused": ("broken", "connection_refused"),
    "tls": ("blocked", "tls_certificate"),
    "301": ("redirected", "permanent_redirect"),
    "308": ("redirected", "permanent_redirect"),
    "slash": ("redirected", "permanent_redirect"),
    "302": ("ok", "temporary_redirect"),
    "meta": ("redirected", "meta_refresh"),
    "videogone": ("broken", "video_unavailable"),
}
_LISTENER_BEHAVIOUR = {"unresolvable": "dns", "refused": "refused", "bad_tls": "tls"}


@dataclass(frozen=True, slots=True)
class RegisterRow:
    url: str  # exactly as written in the register
    title: str


def read_register(csv_path: Path | None = None) -> list[RegisterRow]:
    """The register's rows: from the CSV when present, else the built-in ``ENTRIES``."""
    path = csv_path or REGISTER_CSV
    if path.exists():
        with path.open(newline="", encoding="utf-8-sig") as f:
            return [RegisterRow(r["url"], r.get("title") or "") for r in csv.DictReader(f)]
    return [RegisterRow(url, title) for url, _, title, _ in ENTRIES]


def _canonical(url: str) -> tuple[str, tuple[str, str, tuple[tuple[str, str], ...] | None]] | None:
    try:
        u = URL(url.strip())
    except ValueError:
        return None
    if u.scheme not in ("http", "https") or not u.raw_host:
        return None
    return u.scheme, route_key(ascii_host(u.raw_host), u.raw_path_qs)


def _guess_language(url: str, title: str) -> str:
    low = url.lower()
    for lang in ("nl", "fr", "en"):
        if f"/{lang}/" in low or f"/{lang}-" in low or low.endswith(f"/{lang}"):
            return lang
    return "fr" if any(w in title.lower() for w in (" le ", " la ", " des ", "é")) else "nl"


def _content_handler(url: str, lang: str, title: str, code: str) -> Handler:
    if code == "page-chunked":
        return h.page(title, lang=lang, text_lang=lang, chunked=True)
    if code == "page-ui-en":
        return h.page(title, lang="en", text_lang=lang)
    if code == "pdf":
        return h.pdf(title, text_lang=lang, heading=title)
    if code == "pdf-notitle":
        return h.pdf(None, text_lang=lang, heading=title)
    if code == "pdf-lang":
        return h.pdf(title, lang=f"{lang}-BE", text_lang=lang, heading=title)
    if code == "zip":
        name = URL(url).name
        return h.download(assets.zip_bytes(), "application/zip", name)
    if code == "video":
        return h.youtube(title, URL(url).query.get("v", ""))
    return h.page(title, lang=lang, text_lang=lang)


class _Builder:
    def __init__(self) -> None:
        self.world = World("register")
        self.sites: dict[str, Site] = {}
        self.paths: set[tuple[str, tuple[str, str, tuple[tuple[str, str], ...] | None]]] = set()

    def site(self, host: str) -> Site:
        if host not in self.sites:
            self.sites[host] = site = Site(
                host,
                server=HOST_SERVERS.get(
                    host, "Apache" if host.endswith(("wordpress.com", "sofelia.be")) else "nginx"
                ),
                robots=HOST_ROBOTS.get(host, Robots()),
                listener=HOST_LISTENERS.get(host, "web"),
            )
            self.world.site(site)
        return self.sites[host]

    def route(self, url: str, handler: Handler, name: str) -> None:
        key = _canonical(url)
        if key is None or key in self.paths:
            return
        self.paths.add(key)
        self.world.route(url, handler, name=name)

    def add(self, url: str, lang: str, title: str, code: str) -> tuple[str, str | None, bool]:
        """Serve ``url`` as ``code``; return the expected (status, reason, minor)."""
        u = URL(url.strip())
        host = ascii_host(u.raw_host or "")
        site = self.site(host)
        code = _LISTENER_BEHAVIOUR.get(site.listener, code)
        https_url = str(u.with_scheme("https")) if u.scheme == "http" else url.strip()
        kind, _, target = code.partition(">")
        page = h.page(title, lang=lang, text_lang=lang)
        handler: Handler | None = None
        if kind in ("301", "308", "302"):
            handler = h.redirect(target, int(kind))
            moved_to = str(URL(https_url).join(URL(target)))
            self.route(moved_to, page, f"{url} (moved)")
        elif kind == "slash":
            handler = h.redirect(f"{u.path}/", 301)
            self.route(f"{https_url}/", page, f"{url}/")
        elif kind == "meta":
            handler = h.meta_refresh(target, title, lang=lang)
            self.site(ascii_host(URL(target).raw_host or ""))
            self.route(target, page, f"{url} (refreshed)")
        elif kind in ("404", "410"):
            handler = h.not_found_html() if kind == "404" else h.status(410)
        elif kind == "503":
            handler = h.status(503, headers={"Retry-After": "3600"})
        elif kind == "503once":
            handler = h.flaky(1, page)
        elif kind == "429once":
            handler = h.rate_limited(h.youtube(title, u.query.get("v", "")), retry_after=1)
        elif kind == "botwall":
            handler = h.bot_wall(page)
        elif kind == "challenge":
            handler = h.challenge()
        elif kind == "videogone":  # the watch page still answers 200
            handler = h.page_from_text(
                assets.youtube_unavailable_page(u.query.get("v", "")), server="ESF"
            )
        elif kind not in ("dns", "refused"):
            # Content; "robots" and "tls" serve it too (reachable only by a rude client).
            handler = _content_handler(url, lang, title, code)
        if handler is not None:
            self.route(https_url, handler, url)
        status, reason = VERDICTS.get(kind, ("ok", "ok"))
        minor = kind == "slash"
        if u.scheme == "http" and site.http == "redirect" and (status, reason) == ("ok", "ok"):
            # The site-wide http -> https 301 comes first: a minor permanent redirect.
            status, reason, minor = "redirected", "permanent_redirect", True
        return status, reason, minor


def _live_videos() -> dict[str, str]:
    """Video id -> title of the register's videos that still exist."""
    return {
        URL(url).query.get("v", ""): title
        for url, _lang, title, code in ENTRIES
        if "youtube.com/watch" in url and code in ("video", "429once")
    }


def _oembed(live: dict[str, str]) -> Handler:
    """YouTube's oEmbed endpoint: JSON for a live video, 404 for a deleted one."""

    async def handle(request: web.Request, call: Call) -> web.StreamResponse:
        video = URL(request.query.get("url", "")).query.get("v", "")
        if video not in live:
            return web.Response(status=404, text="Not Found")
        return web.json_response(
            {
                "title": live[video],
                "type": "video",
                "provider_name": "YouTube",
                "author_name": "Register",
                "version": "1.0",
            }
        )

    return handle


def build_world(csv_path: Path | None = None) -> World:
    """Every ``ENTRIES`` URL is served; scenarios are the register's URLs (CSV or built-in)."""
    b = _Builder()
    expected: dict[str, tuple[str, str | None, bool]] = {}
    known: dict[object, tuple[str, str, str]] = {}
    for url, lang, title, code in ENTRIES:
        known[_canonical(url)] = (lang, title, code)
        expected[url] = b.add(url, lang, title, code)
    rows = read_register(csv_path)
    for row in rows:
        if row.url in expected:
            continue
        key = _canonical(row.url)
        if key is None:
            expected[row.url] = ("invalid", "invalid_url", False)
        elif key in known:  # same resource, written differently (e.g. %3d vs %3D)
            expected[row.url] = b.add(row.url, *known[key])
        else:
            lang = _guess_language(row.url, row.title)
            expected[row.url] = b.add(row.url, lang, row.title.strip() or "Untitled", "page")
    b.world.route(
        "https://www.youtube.com/oembed",
        _oembed(_live_videos()),
        any_query=True,
        name="YouTube oEmbed",
    )
    seen: set[str] = set()
    for row in rows:
        if row.url in seen:
            continue
        seen.add(row.url)
        status, reason, minor = expected[row.url]
        b.world.scenarios.append(
            Scenario(
                name=f"register:{row.url}",
                url=row.url,
                expect_status=status,
                expect_reason=reason,
                minor=minor,
            )
        )
    return b.world


def expected_verdicts(csv_path: Path | None = None) -> dict[str, tuple[str, str | None]]:
    """Register URL (exactly as written) -> (status, reason) the simulated site produces."""
    return build_world(csv_path).expected()
