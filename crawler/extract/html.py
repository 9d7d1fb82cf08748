"""Title and language of an HTML page.

Parsed with lxml's HTML parser directly rather than through BeautifulSoup: on a 100 KB page
it is ~30x faster (about 0.5 ms against 15 ms for bs4+lxml), it never raises on broken
markup (libxml2 recovers), and libxml2 >= 2.14 tokenises like HTML5 (a <title> is RCDATA).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from crawler.extract._text import clean_title, collapse_whitespace, normalise_language, word_count
from crawler.extract.charset import decode_html
from crawler.extract.language import MAX_CHARS, decide_language
from crawler.model import Extraction

__all__ = ["extract_html"]

# Not visible, or boilerplate that often speaks another language than the page (the
# "NL | FR | EN" switcher lives in <nav>/<select>). Titles are read before these go.
_INVISIBLE = ("script", "style", "noscript", "template", "nav", "svg", "math", "select", "head")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_MAIN_MIN_WORDS = 20


def _parse(text: str) -> Any:
    """The document's root element (lxml.html has no stubs, hence Any), or None if empty."""
    # We have decoded the text ourselves; hand libxml2 UTF-8 with the encoding fixed so that
    # a <meta charset> or <?xml encoding?> inside cannot make it decode a second time.
    parser = etree.HTMLParser(
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
        no_network=True,
        recover=True,
        default_doctype=False,
    )
    try:
        return etree.fromstring(text.encode("utf-8", "replace"), parser)
    except (etree.Error, ValueError):
        return None


def _outside_svg(element: Any) -> bool:
    # An inline <svg><title> (icon tooltip) is not the document title.
    return not any(a.tag in ("svg", "math") for a in element.iterancestors())


def _title(root: Any) -> tuple[str | None, str | None]:
    for element in root.iter("title"):
        if _outside_svg(element):
            title = clean_title(element.text)
            if title:
                return title, "title"
            break
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        if key == "og:title":
            title = clean_title(meta.get("content"))
            if title:
                return title, "og:title"
    return None, None


def _h1(root: Any) -> str | None:
    for element in root.iter("h1"):
        title = clean_title(" ".join(element.itertext()))
        if title:
            return title
    return None


def _meta_content_language(root: Any) -> str | None:
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").strip().lower() == "content-language":
            return normalise_language(meta.get("content"))
    return None


def _visible_text(root: Any) -> str:
    """Up to MAX_CHARS of visible text, from <main> when it has enough words."""
    etree.strip_elements(root, *_INVISIBLE, with_tail=False)
    candidates = [next(root.iter("main"), None), root.find("body"), root]
    for element in candidates:
        if element is None:
            continue
        parts: list[str] = []
        size = 0
        for piece in element.itertext():
            parts.append(piece)
            size += len(piece)
            if size >= MAX_CHARS * 2:  # whitespace collapses; stop reading early
                break
        text = collapse_whitespace(" ".join(parts))[:MAX_CHARS]
        if element is not candidates[0] or word_count(text) >= _MAIN_MIN_WORDS:
            return text
    return ""


def extract_html(
    body: bytes, *, content_type_charset: str | None, content_language: str | None
) -> Extraction:
    """Title (``<title>``, else ``og:title``, else the first ``<h1>``) and language of a page.

    Language: ``<html lang>`` (source "html_lang"), else the Content-Language header, else a
    ``<meta http-equiv=content-language>`` (both "content_language"), weighed against the
    detector by :func:`crawler.extract.language.decide_language`. Never raises.
    """
    text, _encoding = decode_html(body, content_type_charset)
    root = _parse(text)
    if root is None:
        return Extraction()

    title, title_source = _title(root)

    declared, declared_source = None, None
    html_lang = normalise_language(root.get("lang") or root.get(_XML_LANG) or root.get("xml:lang"))
    if html_lang:
        declared, declared_source = html_lang, "html_lang"
    else:
        header_lang = normalise_language(content_language) or _meta_content_language(root)
        if header_lang:
            declared, declared_source = header_lang, "content_language"

    # The visible text strips elements (incl. <head>), so the <title> is read first.
    visible = _visible_text(root)
    if title is None:
        title = _h1(root)
        title_source = "h1" if title else None

    language, language_source, notes = decide_language(declared, declared_source, visible)
    return Extraction(
        title=title,
        title_source=title_source,
        language=language,
        language_source=language_source,
        notes=notes,
    )
