"""The facts of one fetched page and what its HTML says, parsed once.

``PageFacts`` is what the crawl hands the detectors; ``PageFacts.doc`` parses its HTML on
first use and keeps the result, so soft-404, parking and drift checks of the same page
share one parse. lxml's own parse of a 50 KB page takes ~0.3-0.7 ms; reading it once in
Python (one pass over the elements, no XPath unions, ``str.split`` word counts) brings
the total to ~1.5-2.5 ms for a text-heavy page (``bench/detect_eval.py --timing``).

Main text: the boilerplate a template repeats on every page (script/style, ``<nav>``,
``<aside>``, the page's ``<header>``/``<footer>``, cookie banners, hidden and screen-reader
elements) is dropped, and the content container is preferred: ``<main>`` (or
``role=main``), else a single ``<article>``, else a ``#content``-like element, else
``<body>``. A ``<header>`` inside the container stays: it holds the article's title.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlsplit

from lxml import etree

from crawler.extract import HTML_TYPES
from crawler.extract._text import INVISIBLE, collapse_whitespace

__all__ = [
    "EMPTY_DOC",
    "Detection",
    "PageDoc",
    "PageFacts",
    "Phrases",
    "fold",
    "host_of",
    "is_html",
    "parse_html",
    "same_site",
    "word_count",
    "words",
    "wordset",
]

MAX_PARSE_CHARS = 1_000_000  # the crawl keeps a body prefix anyway
MAX_TEXT_CHARS = 100_000  # of main / visible text: enough for any similarity


@dataclass(frozen=True)
class Detection:
    """A page that answers 2xx but is dead all the same, and why we think so.

    ``reason``: "soft_404", "parked_domain" or "video_unavailable". ``evidence``: short
    sentences a maintainer can check ("the title says 'Pagina niet gevonden'").
    """

    reason: str
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PageDoc:
    """What one parse of a page's HTML yields. Texts are whitespace-collapsed; word counts
    are whitespace-separated tokens."""

    title: str | None = None  # the document's <title> (PageFacts.title wins when given)
    lang: str | None = None  # <html lang>, as written
    h1: str | None = None  # the first visible <h1> anywhere
    heading: str | None = None  # the main heading: first h1 (else h2) of the content
    main_text: str = ""
    main_words: int = 0
    main_link_words: int = 0  # words of link text inside the content
    visible_text: str = ""  # all visible body text, boilerplate included
    body_words: int = 0
    link_words: int = 0  # words of link text in the whole body
    internal_links: int = 0
    external_links: int = 0
    external_hosts: tuple[str, ...] = ()  # of <a href>, lower case, in order, no repeats
    embedded: tuple[str, ...] = ()  # src of script/iframe/frame/embed/object, as written
    meta: dict[str, str] = field(default_factory=dict)  # name/property (lower) -> content
    root_attrs: dict[str, str] = field(default_factory=dict)  # attributes of <html>

    @property
    def links(self) -> int:
        return self.internal_links + self.external_links

    @property
    def link_text_share(self) -> float:
        """Share of the visible words that are link text (1.0 for a page of links only)."""
        return self.link_words / self.body_words if self.body_words else 0.0

    @property
    def prose_words(self) -> int:
        """Words of the content that are not link text: a sitemap is not prose."""
        return max(self.main_words - self.main_link_words, 0)


EMPTY_DOC = PageDoc()


@dataclass(frozen=True)
class PageFacts:
    """One page as the crawl saw it. ``html`` is the decoded HTML text (may be a prefix);
    ``title`` the extracted title (None: the detectors read ``<title>`` themselves)."""

    requested_url: str
    final_url: str
    status: int
    redirected: bool  # any hop, HTTP or meta refresh
    content_type: str | None
    title: str | None
    html: str

    @cached_property
    def doc(self) -> PageDoc:
        """The parsed HTML, computed on first use (a frozen dataclass keeps it in __dict__)."""
        if not is_html(self.content_type, self.html):
            return EMPTY_DOC
        return parse_html(self.html, self.final_url)

    @property
    def shown_title(self) -> str | None:
        return self.title if self.title is not None else self.doc.title

    @classmethod
    def from_body(
        cls,
        *,
        requested_url: str,
        final_url: str,
        status: int,
        redirected: bool,
        content_type: str | None,
        charset: str | None,
        body: bytes,
        title: str | None,
    ) -> PageFacts:
        """Facts from a raw body: decoded as the extractor decodes it (``charset`` is the
        Content-Type header's charset parameter)."""
        from crawler.extract.charset import decode_html

        text = decode_html(body, charset)[0] if body else ""
        return cls(requested_url, final_url, status, redirected, content_type, title, text)


def is_html(content_type: str | None, text: str = "") -> bool:
    """Declared HTML, or undeclared and starting like markup."""
    if content_type is not None:
        return content_type in HTML_TYPES
    return text.lstrip("\ufeff \t\r\n")[:1] == "<"


# --- text helpers --------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ß": "ss"})


def _without_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# The folding of every character a text may hold: apostrophes, invisible characters dropped
# (a soft hyphen must not split a word in two), and each letter with its accents taken off,
# as NFKD-then-strip would (all combining marks go, so decomposing one character at a time
# gives the same as decomposing the text). Latin letters (U+00A0-U+024F) are in the table
# from the start; any other character is added when first met.
class _FoldTable(dict[str, str]):
    def __missing__(self, char: str) -> str:
        folded = self[char] = _without_accents(char)
        return folded


_FOLDED = _FoldTable(
    {chr(c): _without_accents(chr(c)) for c in range(0xA0, 0x250)}
    | {chr(c): v for c, v in _APOSTROPHES.items()}
    | {chr(c): "" for c in INVISIBLE}
)
# What folding changes or must look up: anything but printable ASCII (and its whitespace)
# and the backtick. A text of plain ASCII is settled by one scan. (str.translate would do
# it in one call, but walks a non-ASCII text through a dict lookup of an int per character,
# ~130 ns each: 85 us for a paragraph of French.)
_TO_FOLD = re.compile(r"[^\t\n\r\x20-\x5f\x61-\x7e]+")


def _fold_run(found: re.Match[str]) -> str:
    return "".join([_FOLDED[c] for c in found.group()])


_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# In folded ASCII text a word character is [a-z0-9]: every other character but the
# apostrophe separates words (re's findall costs ~2.5 k instructions a word; translate and
# split, ~0.1 k).
_ASCII_SEPARATORS = str.maketrans(
    {c: " " for c in map(chr, range(128)) if not c.isalnum() and c != "'"}
)


# A page's title and heading are folded by every detector. What is folded is short (titles,
# headings, the text of pages under 300 words), so the cache stays small.
@functools.lru_cache(maxsize=256)
def fold(text: str) -> str:
    """Lower case, accents dropped, one kind of apostrophe, whitespace collapsed: the form
    every phrase pattern here is written against ("Vidéo non disponible" -> "video non
    disponible", "can’t" -> "can't")."""
    return collapse_whitespace(_fold_letters(text))


def _fold_letters(text: str) -> str:
    """fold() but for whitespace: all a word regex needs."""
    return _TO_FOLD.sub(_fold_run, text).lower()


@dataclass(frozen=True, slots=True)
class Phrases:
    """A regex of alternative phrases, and ``anchors``: words one of which every match
    contains (tests check this against strings generated from the regex).

    Python's re tries every alternative at every position of a text, ~100 ns a character
    for twenty phrases; a page that contains none of the anchors (most pages) is settled by
    a few substring tests in C instead.
    """

    pattern: re.Pattern[str]
    anchors: tuple[str, ...]

    def search(self, text: str) -> re.Match[str] | None:
        for anchor in self.anchors:  # a loop, not any(): no generator frame per test
            if anchor in text:
                return self.pattern.search(text)
        return None


def wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of a literal list (keeps long word lists readable)."""
    return frozenset(text.split())


def words(text: str) -> list[str]:
    """Folded words (letters and digits, joined by inner apostrophes) of ``text``."""
    folded = _fold_letters(text)
    if not folded.isascii():
        return _WORD.findall(folded)
    tokens = folded.translate(_ASCII_SEPARATORS).split()
    if "'" not in folded:
        return tokens
    # A token with an apostrophe may hold several words ("'quoted'", "a''b"): the regex says.
    return [w for token in tokens for w in (_WORD.findall(token) if "'" in token else [token])]


@functools.lru_cache(maxsize=256)  # the detectors ask for the same few URLs' hosts
def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""


def _bare(host: str) -> str:
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def same_site(a: str, b: str) -> bool:
    """Whether two hosts belong to one site: equal but for "www.", or one is a subdomain
    of the other (www.sensoa.be and shop.sensoa.be, not sensoa.be and other.be)."""
    a, b = _bare(a), _bare(b)
    if not a or not b:
        return False
    return a == b or a.endswith("." + b) or b.endswith("." + a)


# --- parsing -------------------------------------------------------------------------------

# Never visible, or not text (a <select> of languages, an <iframe>'s fallback).
_ALWAYS_DROP = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "math",
    "select",
    "button",
    "iframe",
    "object",
    "embed",
    "canvas",
    "title",
    "head",
)
_BOILERPLATE = frozenset({"nav", "aside", "header", "footer"})
_BOILERPLATE_ROLES = frozenset({"navigation", "complementary", "search"})
_CONTENT_IDS = (
    "content",
    "main-content",
    "maincontent",
    "main",
    "primary",
    "page-content",
    "contenu",
    "inhoud",
    "inhalt",
)
# Hidden, screen-reader-only and cookie-banner elements, by class/id substring. Checked in a
# Python loop over attributes (5x faster than the equivalent XPath on a 50 KB page), and
# only for the substrings that occur in the page at all.
_HIDING_NAMES = (
    "screen-reader-text",
    "sr-only",
    "visually-hidden",
    "skip-link",
    "cookie",
    "gdpr",
    "onetrust",
)
# Classes on <body>/<main> ("cookies-not-set") must not drop the whole page.
_NEVER_HIDE = frozenset({"html", "body", "main", "article"})
_EMBEDDING = ("script", "iframe", "frame", "embed", "object")


def word_count(text: str) -> int:
    """Whitespace-separated tokens: for lengths and shares, as good as words and 5x faster
    than a Unicode word regex on a 50 KB text (0.2 vs 1 ms)."""
    return len(text.split())


def _drop(element: etree._Element) -> None:
    """Remove ``element`` but keep its tail text: "a <script/> b" stays "a b"."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _text(element: etree._Element) -> str:
    # " " between text nodes: "Home</li><li>Contact" must not become "HomeContact".
    # str.split() rather than collapse_whitespace: its translate() costs 0.2 ms per 50 KB.
    return " ".join(" ".join(element.itertext()).split())[:MAX_TEXT_CHARS]


def _first_text(elements: list[etree._Element]) -> str | None:
    for element in elements:
        text = _text(element)
        if text:
            return text[:500]
    return None


def _is_hidden(element: etree._Element, hiding_names: tuple[str, ...]) -> bool:
    attributes = element.attrib
    if element.tag in _NEVER_HIDE:
        return False
    if "hidden" in attributes or attributes.get("aria-hidden") == "true":
        return True
    style = attributes.get("style")
    if style and "display:none" in style.replace(" ", "").lower():
        return True
    if not hiding_names:
        return False
    names = f"{attributes.get('class') or ''} {attributes.get('id') or ''}".lower()
    return any(name in names for name in hiding_names)


def _inside(element: etree._Element, ancestor: etree._Element) -> bool:
    """Whether ``element`` is (still) in ``ancestor``'s subtree."""
    return element is ancestor or any(a is ancestor for a in element.iterancestors())


def _container(
    body: etree._Element,
    mains: list[etree._Element],
    articles: list[etree._Element],
    by_id: dict[str, etree._Element],
) -> etree._Element:
    """The content element: <main>/role=main, else a single <article> (several are a
    listing: the body is their context), else a #content-like element, else the body."""
    for main in mains:
        if _inside(main, body):
            return main
    shown = [a for a in articles if _inside(a, body)]
    if len(shown) == 1:
        return shown[0]
    for content_id in _CONTENT_IDS:
        element = by_id.get(content_id)
        if element is not None and _inside(element, body):
            return element
    return body


def _is_boilerplate(element: etree._Element, in_body: bool) -> bool:
    tag = element.tag
    role = (element.get("role") or "").strip().lower()
    if tag in ("header", "footer") or role in ("banner", "contentinfo"):
        # A header inside the content (an article's title) stays; the page's banner goes.
        return in_body and not any(a.tag in ("article", "main") for a in element.iterancestors())
    return tag in _BOILERPLATE or role in _BOILERPLATE_ROLES


def _link_words(element: etree._Element) -> int:
    return sum(len(" ".join(a.itertext()).split()) for a in element.iter("a"))


# The host of an absolute or scheme-relative href (a regex: urlsplit costs 1 us a link).
_HREF_HOST = re.compile(r"(?:https?:)?//(?:[^@/?#]*@)?([^:/?#\\]*)", re.IGNORECASE)


def _link_stats(body: etree._Element, page_host: str) -> tuple[int, int, int, list[str]]:
    """(link-text words, internal links, external links, external hosts)."""
    link_words = internal = external = 0
    hosts: dict[str, None] = {}
    foreign: dict[str, bool] = {}
    for anchor in body.iter("a"):
        link_words += len(" ".join(anchor.itertext()).split())
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        found = _HREF_HOST.match(href)
        host = found.group(1).lower().rstrip(".") if found else ""
        if host:
            if host not in foreign:
                foreign[host] = not same_site(host, page_host)
            if foreign[host]:
                external += 1
                hosts[host] = None
                continue
        internal += 1
    return link_words, internal, external, list(hosts)


_HEAD_TAGS = frozenset({"title", "meta", "link", "style", "script", "base", "noscript", "template"})


def _repair_head(root: etree._Element) -> etree._Element:
    """The body element, with content libxml2 misplaced put back. Before 2.14 it files
    HTML5 elements met before any <body> tag (``<title>..</title><main>``, legal HTML)
    under <head>, where the page's text would be lost."""
    body = root.find("body")
    head = root.find("head")
    if head is not None:
        stray = [c for c in head if isinstance(c.tag, str) and c.tag not in _HEAD_TAGS]
        if stray:
            if body is None:
                body = etree.SubElement(root, "body")
            for index, element in enumerate(stray):
                body.insert(index, element)  # in order, before what <body> already had
    return body if body is not None else root


def parse_html(text: str, base_url: str = "") -> PageDoc:
    """Parse ``text`` (decoded HTML) once and read what the detectors need. Never raises."""
    if not text.strip():
        return EMPTY_DOC
    # Bytes with an explicit encoding: lxml refuses str with an XML encoding declaration,
    # and a <meta charset> in an already decoded text must not re-decode it.
    # A plain etree parser: lxml.html's element classes cost a Python lookup per element.
    data = text[:MAX_PARSE_CHARS].encode("utf-8", "replace")
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return EMPTY_DOC
    if root is None:
        return EMPTY_DOC

    title_element = next(root.iter("title"), None)  # (find(".//title") walks in Python)
    title = _text(title_element)[:500] if title_element is not None else ""
    meta: dict[str, str] = {}
    for element in root.iter("meta"):
        key = (element.get("property") or element.get("name") or "").strip().lower()
        if key and key not in meta:
            meta[key] = collapse_whitespace(element.get("content") or "")[:1000]
    embedded = tuple(
        src
        for element in root.iter(*_EMBEDDING)
        if (src := element.get("src") or element.get("data"))
    )
    root_attrs = {str(k).lower(): str(v) for k, v in root.attrib.items()}

    body = _repair_head(root)
    for element in list(body.iter(*_ALWAYS_DROP)):
        _drop(element)

    # One pass over the elements (XPath unions cost more than this loop on a 50 KB page).
    lowered = text.lower()
    hiding_names = tuple(name for name in _HIDING_NAMES if name in lowered)
    hidden: list[etree._Element] = []
    mains: list[etree._Element] = []
    articles: list[etree._Element] = []
    roles: list[etree._Element] = []
    by_id: dict[str, etree._Element] = {}
    for element in body.iter():
        tag = element.tag
        if tag == "main":
            mains.append(element)
        elif tag == "article":
            articles.append(element)
        attributes = element.attrib
        if not attributes:
            continue
        if _is_hidden(element, hiding_names):
            hidden.append(element)
            continue
        role = (attributes.get("role") or "").strip().lower()
        if role == "main" and tag != "main":
            mains.append(element)
        elif role in _BOILERPLATE_ROLES or role in ("banner", "contentinfo"):
            roles.append(element)
        element_id = attributes.get("id")
        if element_id in _CONTENT_IDS and element_id not in by_id:
            by_id[element_id] = element
    for element in hidden:
        _drop(element)

    visible_text = _text(body)
    link_words, internal, external, hosts = _link_stats(body, host_of(base_url).lower())
    h1 = _first_text(list(body.iter("h1")))

    container = _container(body, mains, articles, by_id)
    in_body = container is body
    boilerplate = list(container.iter(*_BOILERPLATE))
    boilerplate += [e for e in roles if e.tag not in _BOILERPLATE and _inside(e, container)]
    dropped = False
    for element in boilerplate:
        if element is not container and _is_boilerplate(element, in_body):
            _drop(element)
            dropped = True
    body_words = word_count(visible_text)
    if in_body and not dropped:  # the content is the body as read above (a plain page)
        main_text, main_words, main_link_words, main_h1 = visible_text, body_words, link_words, h1
    else:
        main_text = _text(container)
        main_words = word_count(main_text)
        main_link_words = _link_words(container)
        main_h1 = _first_text(list(container.iter("h1")))
    heading = main_h1 or _first_text(list(container.iter("h2")))

    return PageDoc(
        title=title or None,
        lang=root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang"),
        h1=h1,
        heading=heading or h1,
        main_text=main_text,
        main_words=main_words,
        main_link_words=main_link_words,
        visible_text=visible_text,
        body_words=body_words,
        link_words=link_words,
        internal_links=internal,
        external_links=external,
        external_hosts=tuple(hosts),
        embedded=embedded,
        meta=meta,
        root_attrs=root_attrs,
    )
