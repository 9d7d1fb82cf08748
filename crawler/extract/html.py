"""Title and language of an HTML page.

The title is what a browser shows (``document.title``). ``<title>`` is an RCDATA element: its
content is literal text up to the first ``</title``, character references decoded, and no
tags, so ``<title>a <b>b</b></title>`` is titled "a <b>b</b>". Parsers differ here
(html.parser makes a ``<b>`` element of it; libxml2 only tokenises titles as HTML5 does since
2.14), so :func:`_title_source_text` finds the title element with a small tokenizer that
follows the HTML standard: the first ``<title>`` start tag in HTML content, not inside a
comment, a script/style/textarea/noscript-like raw text element, a ``<template>``, or
``<svg>``/``<math>`` (whose ``<title>`` is a tooltip).

Everything else comes from BeautifulSoup over lxml. bs4 builds its tree in Python, 10-15 us
a tag: 20-50 ms to parse a 100 KB page whole, against 1-3 ms for lxml alone. So
:func:`_read_tree` parses a 16 KB prefix first, and a four times longer one only when what it
needs may lie beyond (``<main>`` has not ended, there are not yet 2 x MAX_CHARS of visible
text, a fallback ``og:title``/``<h1>`` or a language ``<meta>`` is further on), up to the
first 256 KB of text; the answer is the same as from one parse of all of it. Most pages are
settled by the first prefix (~2-7 ms); a page with little text and no ``<main>`` is parsed to
its end. A SoupStrainer does not help: bs4 applies it to top-level tags only, so keeping
``<main>``/``<body>`` builds everything inside them anyway.
"""

from __future__ import annotations

import html
import re
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bs4 import (
    BeautifulSoup,
    MarkupResemblesLocatorWarning,
    ParserRejectedMarkup,
    XMLParsedAsHTMLWarning,
)
from bs4.builder._lxml import LXMLTreeBuilder
from bs4.element import NavigableString, PageElement, PreformattedString, Tag

from crawler.extract._text import (
    TITLE_MAX_CHARS,
    collapse_whitespace,
    normalise_language,
    tidy_title,
    word_count,
)
from crawler.extract.charset import decode_html
from crawler.extract.language import MAX_CHARS, decide_language
from crawler.model import Extraction

__all__ = ["extract_html"]

# bs4 warns when the markup looks like a URL, a file name or an XML document; for a fetched
# body that is the body, not a mistake. Filtered for calls from this module only.
for _category in (MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning):
    warnings.filterwarnings("ignore", category=_category, module=re.escape(__name__) + "$")

MAX_PARSE_CHARS = 262_144  # of decoded text; title and language live near the top
_FIRST_PARSE_CHARS = 16_384
_PARSE_GROWTH = 4

# Not visible, or boilerplate that often speaks another language than the page (the
# "NL | FR | EN" switcher lives in <nav>/<select>). Skipped for the text and the <h1>.
# <head> itself is not skipped: its own children are all hidden or textless, and libxml2
# (before 2.14) files HTML5 content met before any <body> tag (<main>, <section>) there.
_HIDDEN = frozenset(
    {"script", "style", "noscript", "template", "nav", "svg", "math", "select", "title"}
)
# Elements that separate words in an <h1> even without whitespace around them (<br>, blocks).
_BREAKS = frozenset(
    {"br", "hr", "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "td", "th"}
    | {"section", "article", "header", "footer", "aside", "blockquote", "pre", "address"}
    | {"figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "main", "form", "fieldset"}
)
_MAIN_MIN_WORDS = 20

# --- the document's <title>, as the HTML tokenizer and tree builder find it -----------------

_TITLE_HINT = re.compile(r"<title", re.IGNORECASE)
_MARKUP = re.compile(r"<[!/?A-Za-z]")  # any other "<" is text
# Attributes of a start or end tag, as the tokenizer reads them: a value may hold ">" or "<";
# "/" between attributes counts as whitespace; an unclosed quote runs to the end of the text.
# Possessive throughout, so matching stays linear on hostile input.
_ATTRIBUTES = r"""(?:
        [\t\n\f\r /]++
      | [^\t\n\f\r />][^\t\n\f\r /=>]*+
        (?:[\t\n\f\r ]*+=[\t\n\f\r ]*+
           (?:"[^"]*+(?:"|\Z)|'[^']*+(?:'|\Z)|[^\t\n\f\r >]++)?+
        )?+
    )*+"""
# A tag from "<" to ">" (group 2 empty: it runs to the end of the text, so it is never emitted).
_TAG = re.compile(rf"</?([A-Za-z][^\t\n\f\r />]*+){_ATTRIBUTES}(>?)", re.VERBOSE)
# The tags that change the tokenizer's state, or the tree builder's, in HTML content.
_SPECIAL = "script|style|xmp|iframe|noembed|noframes|noscript|textarea|title|plaintext|svg|math"
# A run of text, comments and tags that change nothing (in HTML content), skipped in one
# C-level match; the loop in _title_source_text handles the rest.
_ORDINARY = re.compile(
    rf"""(?:
        [^<]++
      | <(?![!/?A-Za-z])
      | <!--(?:-?>|[\s\S]*?--!?>)
      | <!(?!--)[^>]*+>
      | <\?[^>]*+>
      | </(?![A-Za-z])[^>]*+>
      | </?(?!(?:{_SPECIAL}|template)[\t\n\f\r />])[A-Za-z][^\t\n\f\r />]*+{_ATTRIBUTES}>
    )*+""",
    re.VERBOSE | re.IGNORECASE,
)
_COMMENT_END = re.compile(r"--!?>")
_FONT_BREAKOUT = re.compile(r"[\t\n\f\r /](?:color|face|size)[\t\n\f\r /=>]", re.IGNORECASE)
# Elements whose content the tokenizer reads as text up to their end tag (in HTML content;
# <noscript> too, as scripting is on in a browser). <plaintext> never ends.
_RAW_TEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript"})
_RAW_TEXT |= {"textarea", "title"}
# Start tags that end <svg>/<math> content and go back to HTML ("in foreign content").
_BREAKOUT = frozenset(
    {"b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em"}
    | {"embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing"}
    | {"menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span", "strong"}
    | {"strike", "sub", "sup", "table", "tt", "u", "ul", "var"}
)
# Foreign elements whose content is HTML again ("HTML / MathML text integration points").
_INTEGRATION_POINTS = frozenset(
    {("svg", "foreignobject"), ("svg", "desc"), ("svg", "title")}
    | {("math", name) for name in ("mi", "mo", "mn", "ms", "mtext")}
)
_end_tags: dict[str, re.Pattern[str]] = {}


def _end_tag(name: str) -> re.Pattern[str]:
    """``</name`` followed by whitespace, "/" or ">" (ASCII case-insensitive)."""
    pattern = _end_tags.get(name)
    if pattern is None:
        pattern = _end_tags[name] = re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE)
    return pattern


def _ascii_letter(text: str, index: int) -> bool:
    char = text[index : index + 1]
    return char.isascii() and char.isalpha()


_Open = tuple[str, str]  # (namespace, lower-case name) of an open element the scanner tracks
_TEMPLATE: _Open = ("html", "template")


def _html_or_integration_point(element: _Open) -> bool:
    return element[0] == "html" or element in _INTEGRATION_POINTS


def _start_tag_is_html(stack: list[_Open], name: str) -> bool:
    """Whether a start tag is processed as HTML rather than as SVG/MathML content (the tree
    construction dispatcher)."""
    if not stack or stack[-1][0] == "html":
        return True
    if stack[-1] in _INTEGRATION_POINTS:
        return not (stack[-1][0] == "math" and name in ("mglyph", "malignmark"))
    return stack[-1] == ("math", "annotation-xml") and name == "svg"


def _end_tag_seen(stack: list[_Open], name: str) -> None:
    """Pop what an end tag closes. Only <template>s and SVG/MathML elements are tracked: an
    end tag of an HTML element around an unclosed <svg> (``<a><svg></a>``) leaves it open,
    until the next breakout tag; the title is in <head> long before such markup."""
    if stack and stack[-1][0] != "html":  # the rules for foreign content
        if name in ("br", "p"):
            while stack and not _html_or_integration_point(stack[-1]):
                stack.pop()
            return
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth] == _TEMPLATE:
                break  # an HTML element: the end tag is processed as HTML, below
            if stack[depth][1] == name:
                del stack[depth:]
                return
    if name == "template" and _TEMPLATE in stack:
        depth = len(stack) - 1 - stack[::-1].index(_TEMPLATE)
        del stack[depth:]


def _title_source_text(text: str) -> str | None:
    """The source text of the document's ``<title>`` element (character references not yet
    decoded), or None if there is none. An unclosed title runs to the end of ``text``."""
    if _TITLE_HINT.search(text) is None:
        return None  # the common fast path for pages without a title
    # Open <template>s (a <title> in one is not in the document) and SVG/MathML elements.
    stack: list[_Open] = []
    pos = 0
    while True:
        if not stack or stack[-1][0] == "html":
            ordinary = _ORDINARY.match(text, pos)
            if ordinary:
                pos = ordinary.end()
        found_markup = _MARKUP.search(text, pos)
        if found_markup is None:
            return None
        start = found_markup.start()
        following = text[start + 1 : start + 2]
        if following == "!":
            if text.startswith("<!--", start):
                if text.startswith(">", start + 4) or text.startswith("->", start + 4):
                    pos = text.index(">", start + 4) + 1  # <!--> and <!---> are empty comments
                    continue
                found = _COMMENT_END.search(text, start + 4)
                if found is None:
                    return None  # the rest of the text is a comment
                pos = found.end()
                continue
            if stack and stack[-1][0] != "html" and text.startswith("<![CDATA[", start):
                end = text.find("]]>", start + 9)
                if end < 0:
                    return None
                pos = end + 3
                continue
            end = text.find(">", start)  # <!DOCTYPE ...> or a bogus comment
            if end < 0:
                return None
            pos = end + 1
            continue
        if following == "?" or (following == "/" and not _ascii_letter(text, start + 2)):
            end = text.find(">", start)  # a bogus comment, "</>" (ignored), or text at the end
            if end < 0:
                return None
            pos = end + 1
            continue

        tag = _TAG.match(text, start)
        if tag is None or not tag.group(2):  # (None cannot happen: a letter follows)
            return None  # a tag cut off by the end of the text is never emitted
        pos = tag.end()
        name = tag.group(1).lower()
        if following == "/":
            _end_tag_seen(stack, name)
            continue

        self_closing = text[pos - 2] == "/"
        if not _start_tag_is_html(stack, name):
            breakout = name in _BREAKOUT or (
                name == "font" and _FONT_BREAKOUT.search(tag.group(0)) is not None
            )
            if not breakout:
                if not self_closing:
                    stack.append((stack[-1][0], name))
                continue
            while stack and not _html_or_integration_point(stack[-1]):
                stack.pop()

        # A start tag in HTML content.
        if name in ("svg", "math"):
            if not self_closing:
                stack.append((name, name))
        elif name == "template":
            stack.append(_TEMPLATE)
        elif name == "plaintext":
            return None  # everything after it is text
        elif name in _RAW_TEXT:
            end_tag = _end_tag(name).search(text, pos)
            if name == "title" and _TEMPLATE not in stack:
                return text[pos : end_tag.start() if end_tag else len(text)]
            if end_tag is None:
                return None
            pos = end_tag.start()  # read the end tag (and its attributes) as a tag


def _title_text(source: str | None) -> str | None:
    """The displayed title from the title element's source text."""
    if not source:
        return None
    return tidy_title(html.unescape(source[: TITLE_MAX_CHARS * 8]))


# --- the tree: <html lang>, <meta>, <h1> and visible text ----------------------------------


@dataclass(frozen=True, slots=True)
class _Tree:
    html_lang: str | None = None
    meta_language: str | None = None  # the first <meta http-equiv=content-language>
    og_title: str | None = None
    h1: str | None = None
    visible: str = ""


_EMPTY = _Tree()
_MAIN_TAG = re.compile(r"<main[\t\n\f\r />]", re.IGNORECASE)
_H1_TAG = re.compile(r"<h1[\t\n\f\r />]", re.IGNORECASE)
_OG_TITLE = re.compile(r"og:title", re.IGNORECASE)
_CONTENT_LANGUAGE = re.compile(r"content-language", re.IGNORECASE)


def _attr(tag: Tag, name: str) -> str | None:
    value = tag.get(name)
    if value is None or isinstance(value, str):
        return value
    return " ".join(value)  # a multi-valued attribute (not with multi_valued_attributes=None)


def _strings(element: Tag) -> Iterator[str]:
    """The text of ``element`` in document order, without hidden elements (and comments),
    a " " for each boundary of a <br> or block element. Lazy: the caller may stop early."""
    stack: list[tuple[bool, Iterator[PageElement]]] = [(False, iter(element.contents))]
    while stack:
        breaks, children = stack[-1]
        for node in children:
            if isinstance(node, Tag):
                if node.name in _HIDDEN:
                    continue
                block = node.name in _BREAKS
                if block:
                    yield " "
                stack.append((block, iter(node.contents)))
                break
            if isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
                yield node
        else:
            stack.pop()
            if breaks:
                yield " "


def _shown(tag: Tag) -> bool:
    return not any(parent.name in _HIDDEN for parent in tag.parents)


def _closed(tag: Tag) -> bool:
    """Whether ``tag`` ended within the parsed text: something follows it. (An element still
    open when a prefix is cut off is on the tree's last path, with nothing after it.)"""
    node: Tag | None = tag
    while node is not None:
        if node.next_sibling is not None:
            return True
        node = node.parent
    return False


def _sample(element: Tag) -> tuple[str, bool]:
    """(Up to MAX_CHARS of the element's visible text, whether reading stopped at the cap)."""
    parts: list[str] = []
    size = 0
    capped = False
    for piece in _strings(element):
        parts.append(piece)
        size += len(piece)
        if size >= MAX_CHARS * 2:  # whitespace collapses; stop reading early
            capped = True
            break
    return collapse_whitespace(" ".join(parts))[:MAX_CHARS], capped


def _visible_text(body: Tag, main: Tag | None, rest: str) -> str | None:
    """Up to MAX_CHARS of visible text, from <main> when it has enough words; None when text
    beyond the parsed prefix (``rest``) could change it."""
    if main is not None:
        text, capped = _sample(main)
        if not (capped or not rest or _closed(main)):
            return None
        if word_count(text) >= _MAIN_MIN_WORDS:
            return text
    elif rest and _MAIN_TAG.search(rest):
        return None
    text, capped = _sample(body)
    return text if capped or not rest else None


def _h1(h1s: list[Tag], rest: str) -> tuple[str | None, bool]:
    """(The text of the first shown, non-empty <h1>, whether that is final)."""
    for h1 in h1s:
        if not _shown(h1):
            continue
        if rest and not _closed(h1):
            return None, False  # its text may go on beyond the prefix
        text = tidy_title("".join(_strings(h1)))
        if text:
            return text, True
    return None, not (rest and _H1_TAG.search(rest))


def _analyse(
    soup: BeautifulSoup, rest: str, *, need_title: bool, need_meta_lang: bool
) -> _Tree | None:
    """What the extractor needs from a parse of a prefix of the text (``rest`` is the text
    after it), or None if a longer prefix could change the answer."""
    # One walk finds everything (bs4's soup.html / soup.body are each a search of their own,
    # a tenth of an extraction's time on a small page).
    root: Tag | None = None
    body: Tag | None = None
    metas: list[Tag] = []
    h1s: list[Tag] = []
    main: Tag | None = None
    for node in soup.descendants:
        if isinstance(node, Tag):
            name = node.name
            if name == "meta":
                metas.append(node)
            elif name == "h1":
                h1s.append(node)
            elif name == "main" and main is None and _shown(node):
                main = node
            elif name == "html" and root is None:
                root = node
            elif name == "body" and body is None:
                body = node
    if root is None:  # no element at all (yet)
        return None if rest else _EMPTY

    # (libxml2 ignores the attributes of an <html> tag after the first element.)
    html_lang = normalise_language(_attr(root, "lang") or _attr(root, "xml:lang"))

    meta_language = None
    if need_meta_lang and html_lang is None:
        http_equiv = [
            m for m in metas if (_attr(m, "http-equiv") or "").strip().lower() == "content-language"
        ]
        if http_equiv:
            meta_language = normalise_language(_attr(http_equiv[0], "content"))
        elif rest and _CONTENT_LANGUAGE.search(rest):
            return None

    og_title = h1 = None
    if need_title:
        for meta in metas:
            key = (_attr(meta, "property") or _attr(meta, "name") or "").strip().lower()
            if key == "og:title":
                og_title = tidy_title(_attr(meta, "content"))
                if og_title:
                    break
        if og_title is None:
            if rest and _OG_TITLE.search(rest):
                return None
            h1, final = _h1(h1s, rest)
            if not final:
                return None

    visible = _visible_text(body or soup, main, rest)
    if visible is None:
        return None
    return _Tree(html_lang, meta_language, og_title, h1, visible)


def _prefix(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters, just after a ">" so no tag is cut."""
    if len(text) <= limit:
        return text
    cut = text.rfind(">", limit // 2, limit)
    return text[: cut + 1 if cut >= 0 else limit]


class _ReusingLXMLBuilder(LXMLTreeBuilder):
    """bs4's lxml builder makes a new lxml parser for every document, and lxml inspects the
    target's methods each time (``inspect.getfullargspec``): a quarter of bs4's time on a
    small page. One parser per builder, reused (lxml parsers are reusable after close())."""

    _parser: Any = None

    def parser_for(self, encoding: Any) -> Any:
        if encoding is not None:  # not ours: we always feed decoded text
            return super().parser_for(encoding)
        if self._parser is None:
            self._parser = super().parser_for(None)
        return self._parser


_builders = threading.local()


def _builder() -> LXMLTreeBuilder:
    """This thread's builder: a builder holds the document being built."""
    builder: LXMLTreeBuilder | None = getattr(_builders, "builder", None)
    if builder is None:
        builder = _builders.builder = _ReusingLXMLBuilder(multi_valued_attributes=None)
    return builder


def _read_tree(text: str, *, need_title: bool, need_meta_lang: bool) -> _Tree:
    limit = _FIRST_PARSE_CHARS
    while True:
        prefix = _prefix(text, limit)
        try:
            soup = BeautifulSoup(prefix, builder=_builder())
        except ParserRejectedMarkup:
            _builders.builder = None  # its parser stopped mid-document: start afresh
            return _EMPTY
        rest = text[len(prefix) :]
        tree = _analyse(soup, rest, need_title=need_title, need_meta_lang=need_meta_lang)
        if tree is not None:
            return tree
        limit *= _PARSE_GROWTH


def extract_html(
    body: bytes, *, content_type_charset: str | None, content_language: str | None
) -> Extraction:
    """Title (``<title>``, else ``og:title``, else the first ``<h1>``) and language of a page.

    Language: ``<html lang>`` (source "html_lang"), else the Content-Language header, else a
    ``<meta http-equiv=content-language>`` (both "content_language"), weighed against the
    detector by :func:`crawler.extract.language.decide_language`. Reads the first
    MAX_PARSE_CHARS of decoded text. Never raises.
    """
    # At most 4 bytes a character (UTF-8, UTF-32): the bytes beyond cannot be read anyway.
    text, _encoding = decode_html(body[: MAX_PARSE_CHARS * 4], content_type_charset)
    text = text[:MAX_PARSE_CHARS]

    title = _title_text(_title_source_text(text))
    header_lang = normalise_language(content_language)
    tree = _read_tree(text, need_title=title is None, need_meta_lang=header_lang is None)
    if tree is _EMPTY:
        return Extraction()

    title_source: str | None = "title"
    if title is None:
        title, title_source = tree.og_title, "og:title"
        if title is None:
            title, title_source = tree.h1, "h1"
            if title is None:
                title_source = None

    declared, declared_source = None, None
    if tree.html_lang:
        declared, declared_source = tree.html_lang, "html_lang"
    elif header_lang or tree.meta_language:
        declared, declared_source = header_lang or tree.meta_language, "content_language"

    language, language_source, notes = decide_language(declared, declared_source, tree.visible)
    return Extraction(
        title=title,
        title_source=title_source,
        language=language,
        language_source=language_source,
        notes=notes,
    )
