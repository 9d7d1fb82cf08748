"""extract(): dispatch on media type and body; media_type(): Content-Type parsing."""

from __future__ import annotations

import io

import pytest
from reportlab.pdfgen import canvas

from crawler.extract import extract, media_type
from crawler.model import Extraction


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("text/html", ("text/html", None)),
        ("text/html; charset=UTF-8", ("text/html", "utf-8")),
        ('Text/HTML;Charset="ISO-8859-1"', ("text/html", "iso-8859-1")),
        ("text/html; charset='windows-1252'", ("text/html", "windows-1252")),
        ("application/xhtml+xml; profile=x; charset=utf-8", ("application/xhtml+xml", "utf-8")),
        ("application/pdf; name=verslag.pdf", ("application/pdf", None)),
        ("text/html; charset=", ("text/html", None)),
        ("text/html, text/html; charset=utf-8", ("text/html", None)),
        ("text/plain; charset=utf-8, text/html", ("text/plain", "utf-8")),
        ("  text/html  ", ("text/html", None)),
        ("html", (None, None)),
        ("text/ html", (None, None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_media_type(header: str | None, expected: tuple[str | None, str | None]) -> None:
    assert media_type(header) == expected


def _pdf(title: str) -> bytes:
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.setTitle(title)
    pdf.drawString(72, 760, "Jaarverslag")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


PDF = _pdf("Jaarverslag 2023")
HTML = "<html lang='fr'><title>Liège</title><p>Accueil</p></html>".encode("cp1252")
HTML_NOTE = "content type 'application/pdf' but the body is HTML"


@pytest.mark.parametrize(
    ("body", "content_type", "headers", "expected"),
    [
        pytest.param(
            HTML,
            "text/html",
            {"content-type": "text/html; charset=windows-1252", "content-language": "nl"},
            ("Liège", "title", "fr", "html_lang", ()),
            id="html",
        ),
        pytest.param(
            HTML,
            "application/xhtml+xml",
            {"content-type": "application/xhtml+xml; charset=utf-8"},  # a lie, rejected
            ("Liège", "title", "fr", "html_lang", ()),
            id="xhtml",
        ),
        pytest.param(
            b"<html><title>Gent</title><p>Home</p></html>",
            "text/html; charset=utf-8",
            {"Content-Language": "nl-BE"},
            ("Gent", "title", "nl", "content_language", ()),
            id="full-header-and-mixed-case-names",
        ),
        pytest.param(
            PDF,
            "application/pdf",
            {},
            ("Jaarverslag 2023", "pdf_metadata", None, None, ()),
            id="pdf",
        ),
        pytest.param(
            PDF,
            "application/octet-stream",
            {},
            ("Jaarverslag 2023", "pdf_metadata", None, None, ()),
            id="pdf-sniffed",
        ),
        pytest.param(
            PDF,
            "text/html",
            {},
            ("Jaarverslag 2023", "pdf_metadata", None, None, ()),
            id="pdf-as-html",
        ),
        pytest.param(
            HTML,
            "application/pdf",
            {},
            ("Liège", "title", "fr", "html_lang", (HTML_NOTE,)),
            id="html-as-pdf",
        ),
        pytest.param(
            b"\x00garbage",
            "application/pdf",
            {},
            (None, None, None, None, ("pdf_unparsable: not a PDF (no %PDF header)",)),
            id="garbage-as-pdf",
        ),
        pytest.param(HTML, None, {}, ("Liège", "title", "fr", "html_lang", ()), id="html-sniffed"),
        pytest.param(
            b"<html><title>Hello <b>world</b> &lt;3</title><h1>Kop</h1></html>",
            "text/html",
            {},
            ("Hello <b>world</b> <3", "title", None, None, ()),
            id="title-is-literal-text",
        ),
        pytest.param(
            b'<?xml version="1.0" encoding="utf-8"?>\n'
            b'<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="nl-BE">'
            b"<head><title>Stad &amp; haven</title></head><body><p>Home</p></body></html>",
            "application/xhtml+xml",
            {},
            ("Stad & haven", "title", "nl", "html_lang", ()),
            id="xhtml-prolog",
        ),
        pytest.param(
            b"https://example.org/looks-like-a-url",
            "text/html",
            {"content-language": "nl"},
            (None, None, "nl", "content_language", ()),
            id="body-like-a-url",
            # The module filters this bs4 warning; pytest resets filters around each test
            # (tests/test_extract_html.py checks the filter in a fresh interpreter).
            marks=pytest.mark.filterwarnings("ignore::bs4.MarkupResemblesLocatorWarning"),
        ),
        pytest.param(HTML, "text/plain", {}, (None, None, None, None, ()), id="text-plain"),
        pytest.param(b"\x89PNG\r\n", "image/png", {}, (None, None, None, None, ()), id="png"),
        pytest.param(b"", None, {}, (None, None, None, None, ()), id="nothing"),
    ],
)
def test_extract_dispatch(
    body: bytes,
    content_type: str | None,
    headers: dict[str, str],
    expected: tuple[object, ...],
) -> None:
    found = extract(body, content_type, headers)
    assert isinstance(found, Extraction)
    assert (
        found.title,
        found.title_source,
        found.language,
        found.language_source,
        found.notes,
    ) == expected
