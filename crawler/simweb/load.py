"""A bulk world for benchmarks: many hosts, many small pages, a fixed server latency."""

from __future__ import annotations

import asyncio

from aiohttp import web

from crawler.simweb.world import Call, Handler, Site, World

_PAGE = (
    '<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
    "<title>{title} {n}</title></head>\n<body><h1>{title} {n}</h1>\n"
    "<p>{text}</p>\n</body></html>\n"
)
# Pages in the register's languages, each declaring the language it is written in, as the
# register's pages do (a page of Latin filler declared English would send every page down
# the language check's slow path, for a contradiction real pages rarely have).
_TEXTS = (
    (
        "nl",
        "Brochure",
        "Het Instituut ondersteunt slachtoffers van online geweld en hun omgeving. Op deze "
        "pagina vindt u brochures voor scholen, ouders en jongeren, een overzicht van de "
        "hulplijnen die dag en nacht bereikbaar zijn en de contactgegevens van de organisaties "
        "die gratis advies geven. Wie beelden van zichzelf online ziet verschijnen zonder "
        "toestemming, kan een melding maken en hulp vragen om ze te laten verwijderen. De "
        "gidsen worden elk jaar bijgewerkt met de nieuwe wetgeving en de ervaringen van de "
        "hulpverleners. U kunt ze downloaden als PDF of op papier bestellen, en er zijn "
        "versies in eenvoudige taal voor wie minder vlot leest.",
    ),
    (
        "fr",
        "Brochure",
        "L'Institut soutient les victimes de violence en ligne et leur entourage. Sur cette "
        "page, vous trouverez des brochures pour les écoles, les parents et les jeunes, la "
        "liste des lignes d'écoute joignables jour et nuit et les coordonnées des associations "
        "qui donnent des conseils gratuits. Si des images de vous sont publiées sans votre "
        "accord, vous pouvez les signaler et demander de l'aide pour les faire retirer. Les "
        "guides sont mis à jour chaque année avec la nouvelle législation et l'expérience des "
        "intervenants. Vous pouvez les télécharger en PDF ou les commander sur papier, et il "
        "existe des versions en langage simple pour celles et ceux qui lisent moins facilement.",
    ),
    (
        "en",
        "Guide",
        "The Institute supports victims of online violence and the people around them. On this "
        "page you will find brochures for schools, parents and young people, a list of the "
        "helplines that answer day and night, and the contact details of the organisations "
        "that give free advice. Anyone who finds pictures of themselves published online "
        "without their consent can report them and ask for help to have them removed. The "
        "guides are updated every year with new legislation and the experience of the people "
        "who offer support. You can download them as PDF files or order printed copies, and "
        "there are easy-to-read versions for those who find reading harder.",
    ),
)


class LoadWorld:
    """``hosts`` hosts ``h000.bench.test``... serving ``urls`` pages ``/p/<n>`` in total, in
    Dutch, French and English by turns.

    Page ``n`` lives on host ``n % hosts``; every answer waits ``latency_ms`` first (like a real
    server's think time), so concurrency, not CPU, decides throughput.
    """

    __slots__ = ("hosts", "latency_ms", "n_urls", "scheme")

    def __init__(
        self, hosts: int = 50, urls: int = 10_000, latency_ms: float = 20, scheme: str = "https"
    ) -> None:
        if hosts < 1 or urls < 0:
            raise ValueError("need at least one host and a non-negative number of URLs")
        self.hosts = hosts
        self.n_urls = urls
        self.latency_ms = latency_ms
        self.scheme = scheme

    def host(self, i: int) -> str:
        return f"h{i:03d}.bench.test"

    def urls(self) -> list[str]:
        return [f"{self.scheme}://{self.host(n % self.hosts)}/p/{n}" for n in range(self.n_urls)]

    def build_world(self) -> World:
        world = World("load")
        delay = self.latency_ms / 1000
        hosts, n_urls = self.hosts, self.n_urls

        def fallback_for(index: int) -> Handler:
            async def serve(request: web.Request, call: Call) -> web.StreamResponse:
                # Cheap on purpose: one split, one int(), one format per request.
                parts = request.path.split("/")
                n = (
                    int(parts[2])
                    if len(parts) == 3 and parts[1] == "p" and parts[2].isdigit()
                    else -1
                )
                if n < 0 or n >= n_urls or n % hosts != index:
                    return web.Response(status=404, text="not found")
                if delay:
                    await asyncio.sleep(delay)
                lang, title, text = _TEXTS[n % len(_TEXTS)]
                return web.Response(
                    text=_PAGE.format(n=n, lang=lang, title=title, text=text),
                    content_type="text/html",
                    charset="utf-8",
                )

            return serve

        for i in range(hosts):
            world.site(Site(self.host(i), http="serve", fallback=fallback_for(i)))
        return world
