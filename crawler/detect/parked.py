"""Parked domains: a lapsed domain now showing a for-sale or ad-links page.

Features after Vissers et al. (NDSS 2015), who separate parking pages from real sites by
the share of link text, the external links, ad frames and redirections through parking
services. Here they are weighed as evidence a maintainer can read:

- decisive, any one: a parking service or domain marketplace in the redirect chain or in
  the final address; a parking service's script, frame or marker (Google's AdSense for
  domains ``caf.js``, the ``data-adblockkey`` attribute parking pages carry, GoDaddy's
  parking lander); the page says *this* domain is for sale in its title or heading (unless
  a long article follows), or says so or is a registrar's placeholder or expiry notice
  anywhere on a short page;
- suggestive, two needed: "related searches"-style ad blocks; a page made of links (high
  link-text share, little prose); links to a domain marketplace; a "wwN." parking
  subdomain in the chain; a title that is just the domain name on a near-empty page; ad
  frames on a near-empty page.

A page about domain parking (a news item quoting "This domain is for sale", a hoster's FAQ
linking to Sedo) is long: its phrases do not count, and links alone are only suggestive.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler.detect.page import (
    Detection,
    PageFacts,
    Phrases,
    fold,
    host_of,
    is_html,
    same_site,
)

__all__ = ["PARKING_HOSTS", "is_parking_host", "parked"]

# Parking services and domain marketplaces. A hop or the final page on one of these (when
# the register's URL was on another site) is decisive.
PARKING_HOSTS = frozenset(
    {
        "sedo.com",
        "sedoparking.com",
        "bodis.com",
        "parkingcrew.net",
        "parkingcrew.com",
        "above.com",
        "dan.com",
        "undeveloped.com",
        "afternic.com",
        "hugedomains.com",
        "uniregistry.com",
        "uni.link",
        "parklogic.com",
        "namebright.com",
        "domainmarket.com",
        "buydomains.com",
        "efty.com",
        "atom.com",
        "squadhelp.com",
        "brandbucket.com",
        "domainnamesales.com",
        "smartname.com",
        "voodoo.com",
        "skenzo.com",
        "fabulous.com",
        "trafficz.com",
        "domainlore.co.uk",
        "parked.com",
        "parkingpage.namecheap.com",
        "cashparking.com",
        "domainparking.ru",
    }
)
# Paths on a general registrar that are its marketplace or parking lander.
_REGISTRAR_MARKET = re.compile(
    r"(?:^|\.)(?:godaddy\.com|namecheap\.com|ionos\.\w+|one\.com|combell\.com|ovh\.\w+|"
    r"gandi\.net|porkbun\.com|sav\.com|epik\.com|dynadot\.com)$"
)
_MARKET_PATH = re.compile(
    r"/(?:forsale|for-sale|domainsearch|domain-search|domains?/(?:buy|search|make-offer)|"
    r"market(?:place)?|aftermarket|lander|make-offer|buy-domain|domain-auctions)",
    re.IGNORECASE,
)
# Markup only parking pages carry (found in script/frame sources or attributes).
_PARKING_MARKUP = re.compile(
    r"adsense/domains/caf\.js|/parking-lander/|sedoparking\.com|parkingcrew\.net|"
    r"bodis\.com|parklogic\.com|above\.com/(?:static|marketplace)|cashparking|"
    r"/js/parking\.|parking\.js|domainparking",
    re.IGNORECASE,
)
_AD_HOSTS = re.compile(
    r"googlesyndication\.com|doubleclick\.net|adservice\.google|googleadservices\.com|"
    r"(?:^|//|\.)ads?\.|/ads?/|adform\.net|taboola\.com|outbrain\.com",
    re.IGNORECASE,
)
_WW_PARKING = re.compile(r"^ww\d+\.")
_WW_PREFIX = re.compile(r"^(?:www|ww\d+)\.")

_DOMAIN = r"(?:[a-z0-9-]+\.)+[a-z]{2,}"
_FOR_SALE = Phrases(
    re.compile(
        "|".join(
            f"(?:{p})"
            for p in (
                # en
                rf"\b(?:this|the) (?:domain|website|site)(?: name)?(?: {_DOMAIN})? "
                r"(?:is|may be|might be|could be) "
                r"(?:for sale|available for (?:purchase|sale)|parked)\b",
                rf"\b{_DOMAIN} (?:is|may be) for sale\b",
                r"\bbuy this domain\b",
                r"\b(?:make an offer|inquire|enquire) (?:on|about) this domain\b",
                r"\bthe (?:domain )?owner (?:may be interested in|is offering|wants to) sell",
                r"\bthis domain (?:has been|is) parked\b",
                # nl
                rf"\b(?:deze|de) (?:domein(?:naam)?|website|site)(?: {_DOMAIN})? (?:is|staat|kan) "
                r"(?:mogelijk )?te koop\b",
                rf"\b{_DOMAIN} (?:is|staat) te koop\b",
                r"\b(?:koop|kopen) (?:deze|dit) domein(?:naam)?\b",
                r"\bdeze domein(?:naam)? (?:is )?geparkeerd\b",
                # fr
                rf"\bce (?:nom de domaine|domaine|site(?: web| internet)?)(?: {_DOMAIN})? "
                r"(?:est|pourrait etre|peut etre) "
                r"(?:a vendre|en vente|disponible a l'achat)\b",
                rf"\b{_DOMAIN} est (?:a vendre|en vente)\b",
                r"\bacheter ce (?:nom de )?domaine\b",
                r"\bce (?:nom de )?domaine est (?:parque|stationne)\b",
                # de
                rf"\b(?:diese|die) (?:domain|website|webseite)(?: {_DOMAIN})? "
                r"(?:steht|konnte|kann) "
                r"(?:(?:eventuell|moglicherweise) )?(?:zum verkauf|zu verkaufen|kauflich)",
                rf"\b{_DOMAIN} (?:steht zum verkauf|ist zu verkaufen|kaufen)\b",
                r"\bdiese domain kaufen\b",
                r"\bdiese domain (?:ist|wurde) geparkt\b",
            )
        )
    ),
    (
        *("domain", "domein", "sale", "purchase", "parked", "sell"),
        *("koop", "vend", "vente", "achat", "kauf"),
    ),
)
# A registrar's placeholder: the name is registered (or has lapsed), nothing is published.
_PLACEHOLDER = Phrases(
    re.compile(
        "|".join(
            f"(?:{p})"
            for p in (
                r"\b(?:this|the) domain(?: name)? (?:has been|is|was) registered (?:at|by|with|via|"
                r"through)\b",
                r"\b(?:deze|de) domein(?:naam)? is geregistreerd (?:bij|door|via)\b",
                r"\bce (?:nom de )?domaine (?:a ete|est) (?:enregistre|reserve) "
                r"(?:chez|par|aupres)\b",
                r"\b(?:diese|die) domain (?:wurde|ist) (?:bei|uber|von) .{0,30}(?:registriert|"
                r"reserviert)\b",
                # a hoster's default page for a newly (re-)registered name
                rf"\b(?:your|the|this) domain(?: name)?(?: {_DOMAIN})? (?:has been|was) "
                r"(?:successfully )?(?:created|registered|activated)\b",
                rf"\b(?:uw|je|deze|de) domein(?:naam)?(?: {_DOMAIN})? (?:is|werd) "
                r"(?:succesvol |met succes )?(?:geregistreerd|aangemaakt|geactiveerd)\b",
                rf"\b(?:votre|le|ce) (?:nom de )?domaine(?: {_DOMAIN})? a (?:bien )?ete "
                r"(?:cree|enregistre|reserve|active)\b",
                rf"\b(?:ihre|diese|die) domain(?: {_DOMAIN})? (?:wurde|ist) (?:erfolgreich )?"
                r"(?:registriert|eingerichtet|angelegt)\b",
                # a lapsed domain's registrar notice
                rf"\b(?:this|the) domain(?: name)?(?: {_DOMAIN})? (?:has )?expired\b",
                r"\bpending (?:renewal or deletion|deletion)\b",
                rf"\b(?:deze|de) domein(?:naam)?(?: {_DOMAIN})? is verlopen\b",
                rf"\bce (?:nom de )?domaine(?: {_DOMAIN})? (?:a|est) expire\b",
                rf"\b(?:diese|die) domain(?: {_DOMAIN})? ist abgelaufen\b",
            )
        )
    ),
    ("domain", "domein", "pending"),
)
_RELATED = Phrases(
    re.compile(
        r"\b(?:related (?:searches|links|search)|sponsored (?:listings|links|results)|"
        r"gerelateerde (?:zoekopdrachten|links|zoektermen)|gesponsorde (?:links|koppelingen)|"
        r"recherches (?:associees|connexes)|liens (?:commerciaux|sponsorises)|"
        r"ahnliche (?:suchen|suchanfragen|links)|verwandte (?:suchen|suchanfragen|links)|"
        r"gesponserte links)\b"
    ),
    ("relat", "sponsor", "sponser", "recherches", "liens", "ahnliche", "verwandte"),
)

# A page whose for-sale sentence is somewhere in a long text is about domain sales.
SHORT_PAGE_WORDS = 300
# "A page made of links" (Vissers et al.: parking pages are mostly link text).
LINK_SHARE = 0.6
LINK_PAGE_MAX_PROSE = 150
LINK_PAGE_MIN_LINKS = 5
NEAR_EMPTY_WORDS = 80


def _registrable(host: str) -> str:
    labels = host.lower().rstrip(".").split(".")
    return ".".join(labels[-3:]) if host.endswith(".co.uk") else ".".join(labels[-2:])


def is_parking_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return _registrable(host) in PARKING_HOSTS or host in PARKING_HOSTS


def _is_market_url(url: str) -> bool:
    host = host_of(url).lower()
    if is_parking_host(host):
        return True
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    return bool(_REGISTRAR_MARKET.search(host) and _MARKET_PATH.search(path))


def _chain_evidence(page: PageFacts, hops_hosts: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(decisive, suggestive) sentences about the redirect chain."""
    home = host_of(page.requested_url).lower()
    decisive: list[str] = []
    suggestive: list[str] = []
    seen: set[str] = set()
    for host in (*hops_hosts, host_of(page.final_url)):
        host = host.lower().rstrip(".")
        if not host or host in seen:
            continue
        seen.add(host)
        if is_parking_host(host) and not same_site(host, home):
            decisive.append(f"the address leads through the parking service or marketplace {host}")
        elif _WW_PARKING.match(host) and same_site(host, home) and host != home:
            suggestive.append(f"the address redirects to {host}, a parking-style subdomain")
    final_host = host_of(page.final_url)
    if not decisive and not same_site(final_host, home) and _is_market_url(page.final_url):
        decisive.append(f"the address ends on a domain marketplace ({page.final_url})")
    return decisive, suggestive


def _bare_name(host: str) -> str:
    """A host or a title naming one, without "www." or a "wwN." parking prefix."""
    return _WW_PREFIX.sub("", host.strip().lower().rstrip("."))


def _quote(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parked(page: PageFacts, hops_hosts: tuple[str, ...]) -> Detection | None:
    """A Detection("parked_domain") when a 2xx page is a parking or for-sale page.

    ``hops_hosts``: the host of every address in the redirect chain (the requested one
    included; the final one is read from ``page``).
    """
    if not 200 <= page.status < 300:
        return None
    decisive, suggestive = _chain_evidence(page, hops_hosts)
    if is_html(page.content_type, page.html):
        more_decisive, more_suggestive = _page_evidence(page)
        decisive += more_decisive
        suggestive += more_suggestive
    if decisive or len(suggestive) >= 2:
        return Detection("parked_domain", tuple(decisive + suggestive))
    return None


def _page_evidence(page: PageFacts) -> tuple[list[str], list[str]]:
    doc = page.doc
    decisive: list[str] = []
    suggestive: list[str] = []
    host = host_of(page.final_url).lower()

    markers = [src for src in doc.embedded if _PARKING_MARKUP.search(src)]
    if markers:
        decisive.append(f"the page loads a parking service's code ({_quote(markers[0])})")
    if "data-adblockkey" in doc.root_attrs:
        decisive.append("the page carries the data-adblockkey mark of parking pages")

    title = page.shown_title or ""
    heading = doc.heading or ""
    short = doc.body_words <= SHORT_PAGE_WORDS
    folded = fold(doc.visible_text) if short else ""  # the text only counts on a short page
    for where, text in (("title", title), ("heading", heading)):
        # A long page under such a title is an article about domain sales.
        if _FOR_SALE.search(fold(text)) and doc.body_words <= 2 * SHORT_PAGE_WORDS:
            decisive.append(f"the {where} says the domain is for sale ('{_quote(text)}')")
            break
    else:
        for pattern, what in (
            (_FOR_SALE, "the domain is for sale"),
            (_PLACEHOLDER, "the domain is only registered or has expired"),
        ):
            found = pattern.search(folded)
            if found:
                decisive.append(f"the page says {what} ('{_quote(found.group(0))}')")
                break

    # Ad-block labels and marketplace links describe a page's structure, not its prose: on
    # a long page they are words in an article about parking.
    if _RELATED.search(folded):
        suggestive.append("the page shows a 'related searches' ad block")
    if (
        doc.links >= LINK_PAGE_MIN_LINKS
        and doc.link_text_share >= LINK_SHARE
        and doc.body_words - doc.link_words <= LINK_PAGE_MAX_PROSE
    ):
        suggestive.append(
            f"the page is almost only links ({doc.link_text_share:.0%} of its words are link text)"
        )
    markets = [h for h in doc.external_hosts if is_parking_host(h)]
    if short and markets:
        suggestive.append(f"the page links to the domain marketplace {markets[0]}")
    near_empty = doc.body_words - doc.link_words <= NEAR_EMPTY_WORDS
    names = {_bare_name(host), _bare_name(host_of(page.requested_url))} - {""}
    if near_empty and _bare_name(fold(title)) in names:
        suggestive.append(f"the title is just the domain name ('{title}') and the page is empty")
    ad_frames = [src for src in doc.embedded if _AD_HOSTS.search(src)]
    if near_empty and ad_frames:
        suggestive.append(f"the near-empty page loads ads ({_quote(ad_frames[0])})")
    return decisive, suggestive
