"""Soft 404s: "page not found" pages served with 200, and deep links sent to the home page.

Three kinds of evidence, each enough on its own:

- The probe (Bar-Yossef et al., WWW 2004): a random address in the same directory. If it
  also answers 2xx with the same page (both redirected to the same address, or the same
  main text), the server answers anything there, so this page proves nothing. A site's
  home page is never judged this way (``probe_url`` gives None for it, ``soft404``
  ignores a probe).
- Lexical (Meneses et al., TPDL 2012: a lexical classifier reached precision 0.99, recall
  0.92): the title or the main heading *is* a not-found message, in nl/fr/en/de, and the
  page is short. A message quoted, asked as a question, or on a long page does not count:
  news items and FAQs about 404 errors are live pages.
- A deep address redirected to its own site's home page (what search engines also treat
  as a soft 404).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from crawler.detect.page import Detection, PageFacts, fold, host_of, is_html, words, wordset
from crawler.detect.shingles import jaccard, shingle_set

__all__ = [
    "LONG_PAGE_PROSE_WORDS",
    "PROBE_MIN_WORDS",
    "PROBE_SIMILARITY",
    "is_home_redirect",
    "is_home_url",
    "lexical_evidence",
    "not_found_message",
    "probe_evidence",
    "probe_url",
    "soft404",
]

# A not-found page says so in a few lines; past this many words of prose (link text such
# as a sitemap excluded) a title saying "404" is more likely an article about 404 errors.
LONG_PAGE_PROSE_WORDS = 250
# A title segment or heading longer than this is a sentence about something, not a message,
# and so is one with more than a few words besides the message itself.
MESSAGE_MAX_WORDS = 14
MESSAGE_MAX_OTHER_WORDS = 4
NO_HEADING_MAX_WORDS = 40
# Probe vs page: Jaccard of word 3-shingles of the main text, once the words of the two
# addresses (echoed as "/nieuws/xyz could not be found") are removed. Same template -> 1.0;
# two articles of one site share their boilerplate only (< 0.5 with the main text).
PROBE_SIMILARITY = 0.9
# Below this many words on either side the text cannot tell a page from an app shell
# (a JavaScript site answers every address with the same empty shell): no probe verdict.
PROBE_MIN_WORDS = 20
COMPARE_CHARS = 20_000  # of main text: two pages that start alike for 20 KB are alike

_HOME_PATHS = re.compile(
    r"/*(?:(?:[a-z]{2}(?:[-_][a-z]{2})?)/?)?"
    r"(?:(?:index|default|home|start|welcome|welkom|accueil|bienvenue|startseite|startpagina|"
    r"homepage|portal|main)(?:\.[a-z]{2,5})?/?)?",
    re.IGNORECASE,
)
_HOME_QUERY_KEYS = frozenset({"lang", "language", "l", "hl", "ref", "from", "redirected"})
# Where a site sends visitors it will not show the page: a probe landing there too says
# nothing about the page.
_GATE = re.compile(
    r"(?:^|/)(?:login|log-in|signin|sign-in|inloggen|aanmelden|connexion|anmelden|sso|auth|"
    r"account|wp-login\.php|user/login|cookie[^/]*|consent[^/]*|age-gate)(?:/|$|\.|\?)",
    re.IGNORECASE,
)

# --- the not-found messages, written against fold()ed text (lower case, no accents) -------
_EN = [
    r"\b(?:page|file|document|article|post|content|resource|url|item)s? (?:was |is )?not found\b",
    r"\b(?:page|file|document|article|post|content|url)\b.{0,40}\b(?:can ?not|can't|could ?not|"
    r"couldn't|cannot) (?:be )?(?:found|located)\b",
    r"\b(?:can't|cannot|can not|could not|couldn't) find (?:that|this|the|your|what) "
    r"(?:page|file|document|article|content|url|you)",
    r"\b(?:page|article|content)\b.{0,40}\b(?:does not|doesn't|no longer|did not) exists?\b",
    r"\bthis page (?:is not|isn't|is no longer) available\b",
    r"\b(?:page|content) (?:is )?no longer available\b",
    r"\bnothing (?:was )?found\b",
    r"\bno (?:results|posts|pages|items) (?:were )?found\b",
    r"\bnothing here\b",
]
_NL = [
    r"\b(?:pagina|webpagina|bestand|document|artikel|bericht|inhoud)\b.{0,40}\bniet (?:meer )?"
    r"(?:gevonden|beschikbaar|bereikbaar)\b",
    r"\b(?:pagina|artikel|bestand|document)\b.{0,40}\b(?:kon|kan|konden) niet (?:worden )?"
    r"(?:gevonden|vinden)\b",
    r"\b(?:pagina|artikel|webpagina)\b.{0,40}\bbestaat (?:niet|helaas niet|niet meer)\b",
    r"\b(?:pagina|artikel|webpagina)\b.{0,40}\bis er (?:niet|helaas niet|niet meer)\b",
    r"\bniets (?:hier|gevonden)\b",
    r"\bgeen (?:resultaten|berichten|pagina's) gevonden\b",
    r"\b(?:we|wij|je) (?:kunnen|konden) (?:deze|de|die|uw|je) pagina niet vinden\b",
]
_FR = [
    r"\b(?:page|fichier|document|article|contenu|rubrique)s? (?:est |sont )?(?:introuvables?|"
    r"non trouvee?s?|inexistante?s?)\b",
    r"\b(?:page|article|document|contenu)\b.{0,40}\bn'?(?:existe|est) (?:pas|plus)\b",
    r"\b(?:page|article|document|contenu)\b.{0,40}\b(?:n'a pas pu|ne peut pas|ne peut) "
    r"(?:etre )?(?:trouvee?|affichee?)\b",
    r"\b(?:impossible de trouver|nous n'avons pas (?:pu )?trouver?) (?:la|cette|votre) page\b",
    r"\brien (?:ici|trouve)\b",
    r"\baucun (?:resultat|article|contenu) (?:n'a ete )?trouve\b",
    r"\baucun(?:e)? (?:page|article|contenu) (?:ne correspond|trouvee?)\b",
]
_DE = [
    r"\b(?:seite|webseite|datei|dokument|artikel|beitrag|inhalt)\b.{0,40}\bnicht (?:mehr )?"
    r"(?:gefunden|verfugbar|vorhanden)\b",
    r"\b(?:seite|webseite|artikel|beitrag|dokument|inhalt)\b.{0,40}\b(?:existiert|gibt es) "
    r"(?:nicht|leider nicht|nicht mehr)\b",
    r"\b(?:konnte|kann) nicht gefunden werden\b",
    r"\bhier gibt es nichts\b",
    r"\bkeine (?:ergebnisse|treffer|beitrage|seiten) gefunden\b",
]
_STATUS = [
    r"\b(?:error|erreur|fout|fehler|foutmelding|fehlermeldung|http) ?404\b",
    r"\b404 ?(?:error|erreur|fout|fehler|not found|niet gevonden|nicht gefunden|introuvable)\b",
]
_MESSAGE = re.compile("|".join(f"(?:{p})" for p in _EN + _NL + _FR + _DE + _STATUS))
# A segment made only of these words and containing a status or not-found word *is* the
# message: "404", "Error 404", "404 - Not Found", "Oeps! 404", "Niet gevonden".
_FILLER = wordset(
    "404 error erreur fout fehler foutmelding http page pagina seite not found niet gevonden"
    " nicht gefunden introuvable non trouve trouvee oops oeps oups whoops hoppla helaas sorry"
    " desole desolee oh nee non nein leider hmm"
)
# Words around a message that do not make it about something else.
_SOFT = wordset(
    "the this that a we you i sorry so deze de die dit het een we wij je u helaas meer nog"
    " la le cette ce cet une un nous vous plus ne pas malheureusement die der das diese dieser"
    " wir sie leider mehr es ist is est zijn sind ah aie ouch ups"
)
_INTERJECTIONS = wordset(
    "oops oeps oups whoops hoppla oh nee non nein sorry helaas desole desolee hmm ai ach mince"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_CORE = frozenset({"404", "found", "gevonden", "gefunden", "introuvable", "trouve", "trouvee"})
_TEMPORARY = re.compile(
    r"\b(?:tijdelijk|temporarily|temporairement|temporaire|vorubergehend|onderhoud|maintenance|"
    r"wartung|wartungsarbeiten)\b"
)
_QUOTES = "'\"“”„«»‹›‚"
_SEPARATORS = re.compile(r"\s+[|–—:·»/-]\s+|\s+-{1,2}\s+|\s*\|\s*|\s+::\s+")


def not_found_message(text: str | None) -> str | None:
    """``text`` (a title segment or a heading) if it *is* a not-found message, else None.

    The message must make up the text but for a few words ("Oeps! Die pagina kan niet
    worden gevonden.", "404 - Not Found"). None for a question ("Pagina niet gevonden? Zo
    los je het op"), a quoted message ("Foutmelding 'Page not found' oplossen"), a
    temporary outage, or a sentence about something else ("Error 404 uitgelegd: wat het
    betekent en hoe je het oplost").
    """
    if not text:
        return None
    folded = fold(text)
    tokens = words(folded)
    if not tokens or len(tokens) > MESSAGE_MAX_WORDS or "?" in folded:
        return None
    if _TEMPORARY.search(folded):
        return None
    if all(t in _FILLER for t in tokens) and any(t in _CORE for t in tokens):
        return text
    found = _MESSAGE.search(folded)
    if found is None:
        return None
    before, after = folded[: found.start()], folded[found.end() :]
    if any(q in before for q in _QUOTES) and any(q in after for q in _QUOTES):
        return None  # quoted: a text about the message
    subtitle = after.partition(":")[2]
    if subtitle.strip() and _other_words(subtitle) and not_found_message(subtitle) is None:
        return None  # "Error 404: The Musical", "Not Found: a short film": a name
    rest = _other_words(before + " " + after)
    return text if len(rest) <= MESSAGE_MAX_OTHER_WORDS else None


def _is_interjection(text: str) -> bool:
    tokens = words(text)
    return bool(tokens) and len(tokens) <= 3 and all(t in _INTERJECTIONS for t in tokens)


def _first_sentence(text: str, after: str) -> str:
    start = text.find(after)
    rest = text[start + len(after) :] if start >= 0 else text
    return _SENTENCE_END.split(rest.strip(), maxsplit=1)[0][:300]


def _other_words(text: str) -> list[str]:
    """The words of ``text`` that are neither part of a message nor filler around one."""
    return [w for w in words(text) if w not in _FILLER and w not in _SOFT]


def _title_message(title: str | None) -> str | None:
    """The title if one of its segments ("Pagina niet gevonden" in "Pagina niet gevonden –
    Sensoa") is a not-found message."""
    if not title:
        return None
    for segment in _SEPARATORS.split(title):
        if not_found_message(segment.strip()):
            return title
    return None


def _contains_words(text: str, part: str) -> bool:
    """Whether the words of ``part`` occur, in order and together, in ``text``."""
    a, b = " ".join(words(text)), " ".join(words(part))
    return bool(b) and f" {b} " in f" {a} "


def lexical_evidence(page: PageFacts) -> list[str]:
    """Sentences for each place (title, main heading) that is a not-found message.

    A heading counts when the title says so too, or when the title does not repeat it: a
    title that repeats the heading names the page's subject ("Not Found: a short film ..."
    over the heading "Not Found"), whereas a CMS's error template keeps the site's own title.
    """
    doc = page.doc
    found: list[str] = []
    title = page.shown_title or ""
    title_says = _title_message(title) is not None
    if title_says:
        found.append(f"the title says '{title}'")
    for heading, where in ((doc.heading, "main heading"), (doc.h1, "first heading")):
        if not_found_message(heading):
            assert heading is not None
            if title_says or not _contains_words(title, heading):
                found.append(f"the {where} says '{heading}'")
            break
    if not found and doc.heading and _is_interjection(doc.heading):
        # "Oeps!" over "De pagina die je zocht, is er niet (meer).": the sentence under a
        # heading that is only an exclamation is the message.
        sentence = _first_sentence(doc.main_text, after=doc.heading)
        if not_found_message(sentence):
            found.append(f"the page says '{doc.heading} {sentence}'")
    # No heading at all: a one-line text is its own heading ("Sorry, deze pagina ...").
    one_liner = doc.heading is None and doc.main_words <= NO_HEADING_MAX_WORDS
    if (
        not found
        and one_liner
        and not_found_message(doc.main_text)
        and not _contains_words(title, doc.main_text)
    ):
        found.append(f"the page only says '{doc.main_text}'")
    return found


# --- addresses ---------------------------------------------------------------------------


def is_home_url(url: str) -> bool:
    """Whether ``url`` is a site's home page: "/", "/index.php", "/nl/", "/fr/accueil"...
    (a query other than a language choice makes it a page: "/index.php?id=12")."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if _HOME_PATHS.fullmatch(parts.path or "/") is None:
        return False
    keys = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return all(k.startswith("utm_") or k in _HOME_QUERY_KEYS for k in keys)


def _bare_host(url: str) -> str:
    host = host_of(url).lower()
    return host[4:] if host.startswith("www.") else host


def is_home_redirect(requested: str, final: str) -> bool:
    """A deep address of a site that ends on that same site's home page.

    Same host but for "www." and the scheme: a deep page sent to another domain's or a
    subdomain's root is a move to a new (micro)site, not a dead page.
    """
    if not _bare_host(requested) or _bare_host(requested) != _bare_host(final):
        return False
    return not is_home_url(requested) and is_home_url(final)


def probe_url(url: str, token: str) -> str | None:
    """The random address in the same directory to compare ``url`` with, or None.

    ``https://x.be/nieuws/2021/mijn-artikel`` -> ``https://x.be/nieuws/2021/<token>``.
    None for a home page (nothing to compare it with) and for non-web URLs. The result
    depends only on scheme, host, directory and token: with one token per run, equal probe
    URLs are one request (the lead's per host+directory cache key).
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or is_home_url(url):
        return None
    path = parts.path or "/"
    directory = path[: path.rstrip("/").rfind("/") + 1] or "/"
    return urlunsplit((parts.scheme, parts.netloc, directory + token, "", ""))


# --- the probe ---------------------------------------------------------------------------


def _url_words(*urls: str) -> set[str]:
    found: set[str] = set()
    for url in urls:
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        found.update(words(parts.path.replace("-", " ").replace("_", " ")))
        found.update(words(parts.query.replace("-", " ").replace("_", " ")))
    return found


def _comparable(page: PageFacts, echo: set[str]) -> list[str]:
    return [w for w in words(page.doc.main_text[:COMPARE_CHARS]) if w not in echo]


def _normal_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return urlunsplit(("", (parts.hostname or "").lower(), parts.path.rstrip("/"), parts.query, ""))


def probe_evidence(page: PageFacts, probe: PageFacts) -> str | None:
    """A sentence if the probe's answer is the same page as ``page``, else None."""
    if not 200 <= probe.status < 300 or not 200 <= page.status < 300:
        return None
    if _GATE.search(urlsplit(page.final_url).path) or _GATE.search(urlsplit(probe.final_url).path):
        return None
    if page.redirected and _normal_url(page.final_url) == _normal_url(probe.final_url):
        return f"a random address in the same directory ends at the same address ({page.final_url})"
    if not (is_html(page.content_type, page.html) and is_html(probe.content_type, probe.html)):
        return None
    echo = _url_words(page.requested_url, page.final_url, probe.requested_url, probe.final_url)
    mine, theirs = _comparable(page, echo), _comparable(probe, echo)
    if min(len(mine), len(theirs)) < PROBE_MIN_WORDS:
        return None
    similarity = jaccard(shingle_set(mine), shingle_set(theirs))
    if similarity < PROBE_SIMILARITY:
        return None
    return (
        f"a random address in the same directory gives the same page (similarity {similarity:.2f})"
    )


def soft404(page: PageFacts, probe: PageFacts | None) -> Detection | None:
    """A Detection("soft_404") when a 2xx HTML page is a not-found page in disguise.

    ``probe``: the answer for ``probe_url(page.requested_url, token)``, or None when not
    fetched. Decided by any one of: the probe gives the same page; the title or main
    heading is a not-found message on a short page; a deep address redirected to its
    site's home page.
    """
    if not 200 <= page.status < 300 or not is_html(page.content_type, page.html):
        return None
    evidence: list[str] = []
    decisive = False

    if page.redirected and is_home_redirect(page.requested_url, page.final_url):
        evidence.append(f"the address now redirects to the site's home page ({page.final_url})")
        decisive = True

    lexical = lexical_evidence(page)
    if lexical:
        evidence.extend(lexical)  # on a long page only supporting: it may be about 404s
        decisive = decisive or page.doc.prose_words <= LONG_PAGE_PROSE_WORDS

    if probe is not None and not is_home_url(page.requested_url):
        same = probe_evidence(page, probe)
        if same is not None:
            evidence.append(same)
            decisive = True

    return Detection("soft_404", tuple(evidence)) if decisive else None
