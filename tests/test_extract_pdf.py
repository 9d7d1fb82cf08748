"""extract_pdf and its sandbox, over PDFs made here with reportlab (and pypdf for /Lang)."""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject
from reportlab.pdfgen import canvas

from crawler.extract import pdf as pdf_module
from crawler.extract.pdf import _useful_title, extract_pdf, extract_pdf_isolated
from crawler.model import Extraction

FR_LINES = (
    "Rapport annuel de la Ville de Liège",
    "La Ville de Liège organise une soirée d'information sur le nouveau plan de",
    "mobilité. Les habitants pourront y découvrir les futurs aménagements des rues",
    "piétonnes, les nouvelles lignes de tram et les parkings situés à l'entrée de la ville.",
)
NL_LINES = (
    "Jaarverslag van de Stad Gent",
    "De bibliotheek van Gent is open van dinsdag tot en met zaterdag. Tijdens de",
    "zomervakantie gelden aangepaste openingsuren: de leeszaal sluit dan om vijf uur",
    "en de uitleenbalie blijft op zondag gesloten voor alle bezoekers.",
)


def make_pdf(
    lines: Sequence[str] = FR_LINES,
    *,
    title: str | None = None,
    lang: str | None = None,
    pages: int = 1,
    user_password: str | None = None,
    reportlab_lang: str | None = None,
) -> bytes:
    """A PDF whose pages carry ``lines``; reportlab writes /Title "untitled" unless given one.
    /Lang and encryption are added with pypdf's writer (which moves the document information
    to the end of the file); ``reportlab_lang`` sets /Lang with reportlab, which writes the
    catalog and the information dictionary before the pages."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, lang=reportlab_lang)
    if title is not None:
        pdf.setTitle(title)
    for page in range(pages):
        y = 760.0
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 16
        pdf.drawString(72, 60, f"{page + 1}")
        pdf.showPage()
    pdf.save()
    if lang is None and user_password is None:
        return buf.getvalue()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buf.getvalue())))
    if lang is not None:
        writer.root_object[NameObject("/Lang")] = TextStringObject(lang)
    if user_password is not None:
        writer.encrypt(user_password, "owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def assert_same(found: Extraction, expected: tuple[object, ...]) -> None:
    got = (found.title, found.title_source, found.language, found.language_source, found.notes)
    assert got == expected


FR_FIRST = FR_LINES[0]
CASES = [
    pytest.param(
        make_pdf(title="Rapport annuel 2023", lang="fr-BE"),
        ("Rapport annuel 2023", "pdf_metadata", "fr", "pdf_lang", ()),
        id="metadata-and-lang",
    ),
    pytest.param(
        make_pdf(),  # reportlab's default title is "untitled": junk
        (FR_FIRST, "pdf_text", "fr", "detector", ()),
        id="no-metadata-first-line",
    ),
    pytest.param(
        make_pdf(NL_LINES, title="Microsoft Word - Jaarverslag 2023", lang="nl"),
        ("Jaarverslag 2023", "pdf_metadata", "nl", "pdf_lang", ()),
        id="word-prefix-stripped",
    ),
    pytest.param(
        make_pdf(title="Microsoft Word - rapport_def_v3.docx", lang="en-US"),
        (
            FR_FIRST,
            "pdf_text",
            "fr",
            "detector",
            ("declared language 'en' (pdf_lang) but the text reads as 'fr'",),
        ),
        id="file-name-title-and-word-default-lang",
    ),
    pytest.param(
        make_pdf(NL_LINES, lang="NLD"),
        (NL_LINES[0], "pdf_text", "nl", "pdf_lang", ()),
        id="iso639-2-lang",
    ),
    pytest.param(
        make_pdf(["1", "Tarieven 2024"], title="Tarieven"),
        ("Tarieven", "pdf_metadata", None, None, ()),
        id="short-text-no-language",
    ),
    pytest.param(
        make_pdf(["- 1 -", "  ", "Tarieven 2024"]),
        ("Tarieven 2024", "pdf_text", None, None, ()),
        id="first-line-skips-page-numbers",
    ),
    pytest.param(
        make_pdf(title="Rapport", user_password=""),
        ("Rapport", "pdf_metadata", "fr", "detector", ()),
        id="encrypted-empty-password-opens",
    ),
    pytest.param(
        make_pdf(title="Rapport", user_password="geheim"),
        (None, None, None, None, ("pdf_encrypted",)),
        id="encrypted",
    ),
    pytest.param(
        b"\x00\x01\x02 this is not a pdf",
        (None, None, None, None, ("pdf_unparsable: not a PDF (no %PDF header)",)),
        id="garbage",
    ),
    pytest.param(b"", (None, None, None, None, ("pdf_unparsable: empty body",)), id="empty"),
]


@pytest.mark.parametrize(("body", "expected"), CASES)
def test_extract_pdf(body: bytes, expected: tuple[object, ...]) -> None:
    assert_same(extract_pdf(body), expected)


@pytest.mark.parametrize(("body", "expected"), CASES[:3] + CASES[8:10])
def test_isolated_matches_in_process(body: bytes, expected: tuple[object, ...]) -> None:
    assert_same(extract_pdf_isolated(body), expected)


def test_garbage_after_header() -> None:
    found = extract_pdf(b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n")
    assert found.title is None
    assert len(found.notes) == 1
    assert found.notes[0].startswith("pdf_unparsable: ")


# --- truncated bodies (the fetcher keeps a prefix) -------------------------------------------


def test_truncated_pdf_keeps_what_it_can() -> None:
    body = make_pdf(title="Rapport annuel", reportlab_lang="fr", pages=3)
    for found in (extract_pdf(body[: len(body) * 2 // 3]), extract_pdf_isolated(body[:-40])):
        assert found.title == "Rapport annuel"
        assert found.title_source == "pdf_metadata"
        assert found.language == "fr"
        assert found.notes == ("pdf_truncated",)


def test_truncated_pdf_without_reachable_metadata() -> None:
    # pypdf's writer puts /Info last: cut off, so the first line of text stands in.
    body = make_pdf(title="Rapport annuel", lang="fr", pages=3)
    found = extract_pdf(body[: len(body) * 2 // 3])
    assert_same(found, (FR_FIRST, "pdf_text", "fr", "pdf_lang", ("pdf_truncated",)))


def test_badly_truncated_pdf() -> None:
    found = extract_pdf_isolated(make_pdf(title="Rapport annuel")[:300])
    assert found.title is None
    assert found.notes[0] == "pdf_truncated"
    assert found.notes[1].startswith("pdf_unparsable: ")


# --- the sandbox ------------------------------------------------------------------------------


def test_timeout() -> None:
    found = extract_pdf_isolated(make_pdf(title="Rapport"), timeout_s=0.001)
    assert_same(found, (None, None, None, None, ("pdf_unparsable: timeout after 0.001 s",)))


def _raw_pdf(page_extra: bytes, streams: Sequence[bytes]) -> bytes:
    """A one-page PDF whose content is ``streams`` (already Flate-compressed), with a
    correct cross-reference table."""
    refs = b" ".join(b"%d 0 R" % (4 + i) for i in range(len(streams)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] " + page_extra,
    ]
    objects[2] += b" /Contents [" + refs + b"] >>"
    objects += [
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(s) + s + b"\nendstream"
        for s in streams
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


FONT = b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"


def test_slow_pdf_times_out() -> None:
    # Two million text operators: pypdf would churn for tens of seconds.
    content = b"BT /F1 12 Tf 72 700 Td " + b"(Hello world) Tj\n" * 2_000_000 + b"ET"
    body = _raw_pdf(FONT, [zlib.compress(content, 9)])
    assert len(body) < 200_000
    found = extract_pdf_isolated(body, timeout_s=1)
    assert found.title is None
    assert found.notes == ("pdf_unparsable: timeout after 1 s",)


def test_decompression_bomb_hits_memory_limit() -> None:
    # 4 content streams of 60 MB text each from ~60 KB of compressed bytes apiece.
    content = b"BT /F1 12 Tf 72 700 Td (" + b"A" * (60 * 1024 * 1024) + b") Tj ET"
    body = _raw_pdf(FONT, [zlib.compress(content, 9)] * 4)
    assert len(body) < 400_000
    found = extract_pdf_isolated(body, memory_mb=128, timeout_s=10)
    assert found.title is None
    assert len(found.notes) == 1
    assert found.notes[0].startswith("pdf_unparsable: ")


@pytest.mark.parametrize(
    ("worker_code", "note"),
    [
        ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", "worker killed by SIGSEGV"),
        ("print('not json')", "worker wrote no result"),
        ("import sys; sys.exit(3)", "memory limit exceeded"),
        ("import sys; sys.stderr.write('boom\\n'); sys.exit(1)", "worker exited with 1 boom"),
    ],
)
def test_worker_failures_become_notes(
    monkeypatch: pytest.MonkeyPatch, worker_code: str, note: str
) -> None:
    monkeypatch.setattr(pdf_module, "_WORKER_CODE", worker_code)
    found = extract_pdf_isolated(make_pdf(title="Rapport"))
    assert_same(found, (None, None, None, None, (f"pdf_unparsable: {note}",)))


# --- junk metadata titles --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("Jaarverslag 2023", "Jaarverslag 2023"),
        ("  Rapport\u00a0annuel \n 2023 ", "Rapport annuel 2023"),
        ("Microsoft Word - Jaarverslag 2023", "Jaarverslag 2023"),
        ("Microsoft PowerPoint - Presentatie Gent", "Presentatie Gent"),
        ("Microsoft Word - jaarverslag.docx", None),
        ("jaarverslag 2023.pdf", None),
        ("C:\\Users\\jan\\Documents\\verslag", None),
        ("/home/jan/verslag", None),
        ("jaarverslag_2023_def_v3", None),
        ("untitled", None),
        ("Untitled-1", None),
        ("Sans titre", None),
        ("Naamloos", None),
        ("Document1", None),
        ("Presentation1", None),
        ("PowerPoint Presentation", None),
        ("Layout 1", None),
        ("", None),
        ("   ", None),
        ("-", None),
        ("2023", None),
        (None, None),
        ("Li\ufffd\ufffdge", None),
    ],
)
def test_useful_title(raw: str | None, title: str | None) -> None:
    assert _useful_title(raw) == title
