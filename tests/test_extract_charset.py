"""decode_html: the right text whatever the HTTP header and the page claim about their charset."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract.charset import decode_html

DATA = Path(__file__).parent / "data" / "extract"

TEXT = "Liège, België – 5 € – ’t Stad"
PAGE = "<html><head>{meta}<title>" + TEXT + "</title></head><body><p>" + TEXT + "</p></body></html>"


def page(meta: str = "") -> str:
    return PAGE.format(meta=meta)


META_UTF8 = '<meta charset="utf-8">'
META_LATIN1 = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
META_CP1252 = '<meta charset="windows-1252">'


@pytest.mark.parametrize(
    ("body", "http_charset", "encoding"),
    [
        pytest.param(page(META_UTF8).encode(), "utf-8", "utf-8", id="all-agree-utf8"),
        pytest.param(page(META_CP1252).encode("cp1252"), None, "cp1252", id="meta-cp1252"),
        pytest.param(page().encode("cp1252"), "windows-1252", "cp1252", id="http-cp1252"),
        # The HTTP header lies (utf-8) and the meta tells the truth.
        pytest.param(page(META_LATIN1).encode("cp1252"), "utf-8", "cp1252", id="http-lies"),
        # The meta lies (utf-8) and the HTTP header tells the truth.
        pytest.param(page(META_UTF8).encode("cp1252"), "iso-8859-1", "cp1252", id="meta-lies"),
        # Both lie: a CMS template says utf-8 around cp1252 bytes.
        pytest.param(page(META_UTF8).encode("cp1252"), "utf-8", "cp1252", id="both-lie"),
        # UTF-8 bytes under a stale latin-1 declaration: the bytes win.
        pytest.param(page(META_LATIN1).encode(), None, "utf-8", id="utf8-meta-says-latin1"),
        pytest.param(page().encode(), "ISO-8859-1", "utf-8", id="utf8-http-says-latin1"),
        pytest.param(page(META_LATIN1).encode(), "iso-8859-1", "utf-8", id="utf8-both-say-latin1"),
        # Nothing declared.
        pytest.param(page().encode("cp1252"), None, "cp1252", id="undeclared-cp1252"),
        pytest.param(page().encode(), None, "utf-8", id="undeclared-utf8"),
        # Unknown labels are ignored, not fatal.
        pytest.param(
            page('<meta charset="x-bogus">').encode("cp1252"), "nonsense", "cp1252", id="bogus"
        ),
        # BOMs beat every declaration.
        pytest.param(
            b"\xef\xbb\xbf" + page(META_CP1252).encode(), "windows-1252", "utf-8", id="bom-utf8"
        ),
        pytest.param(
            "\ufeff".encode("utf-16-le") + page(META_UTF8).encode("utf-16-le"),
            "iso-8859-1",
            "utf-16-le",
            id="bom-utf16le",
        ),
        pytest.param(
            "\ufeff".encode("utf-16-be") + page().encode("utf-16-be"),
            None,
            "utf-16-be",
            id="bom-16be",
        ),
        # UTF-16 declared by HTTP without a BOM is believed when the bytes look like it...
        pytest.param(page().encode("utf-16-le"), "utf-16le", "utf-16-le", id="http-utf16le"),
        # ... and a meta claiming UTF-16 means UTF-8 (it was readable as ASCII).
        pytest.param(page('<meta charset="utf-16">').encode(), None, "utf-8", id="meta-utf16"),
        # A UTF-8 page with one stray cp1252 byte stays UTF-8.
        pytest.param(
            page(META_UTF8).encode().replace(b"</body>", "café".encode("cp1252") + b"</body>"),
            "utf-8",
            "utf-8",
            id="utf8-with-stray-byte",
        ),
    ],
)
def test_decodes_right_text(body: bytes, http_charset: str | None, encoding: str) -> None:
    text, used = decode_html(body, http_charset)
    assert used == encoding
    assert text.count(TEXT) == 2


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("fr_cp1252_undeclared.html", ["Liège", "Musée", "l’histoire", "5 €", "coûte"]),
        ("nl_cp1252_undeclared.html", ["België", "Financiën", "’s avonds", "in €", "vóór"]),
    ],
)
def test_undeclared_cp1252_fixtures(name: str, expected: list[str]) -> None:
    # charset-normalizer reads these as cp852/cp1250 ("BelgiŰ", "Ličge"); we must not.
    text, used = decode_html((DATA / name).read_bytes(), None)
    assert used == "cp1252"
    for word in expected:
        assert word in text


def test_ascii_only_body_keeps_declared_encoding() -> None:
    text, used = decode_html(b"<title>Hello</title>", "iso-8859-1")
    assert (text, used) == ("<title>Hello</title>", "cp1252")  # WHATWG: latin-1 is cp1252


def test_ascii_body_ignores_utf16_lie() -> None:
    text, used = decode_html(b"<title>Hello</title>", "utf-16")
    assert (text, used) == ("<title>Hello</title>", "utf-8")


def test_utf8_cut_mid_character_is_still_utf8() -> None:
    # The fetcher keeps a prefix of the body: the last character may be cut in half.
    body = page(META_UTF8).encode() + "é".encode()[:1]
    text, used = decode_html(body, None)
    assert used == "utf-8"
    assert TEXT in text


def test_cp1252_holes_decode_like_browsers() -> None:
    text, used = decode_html(b"<p>a\x81b \xe9</p>", None)
    assert (text, used) == ("<p>a\x81b é</p>", "cp1252")


@pytest.mark.parametrize("body", [b"", b"\x00" * 10, bytes(range(256)), b"\xff\xfe\xff"])
def test_never_raises(body: bytes) -> None:
    text, used = decode_html(body, "utf-8")
    assert isinstance(text, str)
    assert used
