"""crawler.urls: the URL actually requested for a register URL, and URL validation."""

from __future__ import annotations

import idna
import pytest
from w3lib.url import safe_url_string

from crawler.urls import InvalidURL, UnsupportedScheme, request_url, validate_url

# (as written in the register, as requested)
ENCODED = [
    # The register's IDN entry: punycode host, the already-encoded query left alone.
    (
        "https://www.parentsconnectés.be/theme/relations-sexualite?age%5B0%5D=12",
        "https://www.xn--parentsconnects-onb.be/theme/relations-sexualite?age%5B0%5D=12",
    ),
    # Existing escapes are kept byte for byte, whatever their case.
    (
        "https://www.mr.be/wp-content/uploads/2019/09/CJG-ETUDE-Harce%CC%80lement.pdf",
        "https://www.mr.be/wp-content/uploads/2019/09/CJG-ETUDE-Harce%CC%80lement.pdf",
    ),
    (
        "https://childfocus.be/Portals/0/Dossier%20p%C3%A9dagogique%20Cyberharc%C3%A8lement/"
        "Dossier_FR.pdf?ver=I7aLEmI__FKd5FkaMWvX_w%3d%3d",
        "https://childfocus.be/Portals/0/Dossier%20p%C3%A9dagogique%20Cyberharc%C3%A8lement/"
        "Dossier_FR.pdf?ver=I7aLEmI__FKd5FkaMWvX_w%3d%3d",
    ),
    (
        "https://childfocus.be/x.pdf?ver=rKc8DErQNjRZ1vnNOsMhdg%3D%3D",
        "https://childfocus.be/x.pdf?ver=rKc8DErQNjRZ1vnNOsMhdg%3D%3D",
    ),
    (
        "https://dial.uclouvain.be/memoire/ucl/en/object/thesis%3A20397",
        "https://dial.uclouvain.be/memoire/ucl/en/object/thesis%3A20397",
    ),
    ("http://x.be/a%2fb%2F", "http://x.be/a%2fb%2F"),  # an encoded "/" must stay encoded
    # Raw characters are encoded as UTF-8.
    ("https://x.be/a b/c", "https://x.be/a%20b/c"),
    ("https://x.be/café", "https://x.be/caf%C3%A9"),
    ("https://x.be/?q=été à", "https://x.be/?q=%C3%A9t%C3%A9%20%C3%A0"),
    ('https://x.be/a|b{c}"<>^`[]', "https://x.be/a%7Cb%7Bc%7D%22%3C%3E%5E%60%5B%5D"),
    ("https://x.be/it's?q=it's", "https://x.be/it's?q=it%27s"),  # as browsers send it
    # A "%" that starts no escape is a literal percent sign.
    ("https://x.be/100%", "https://x.be/100%25"),
    ("https://x.be/?q=%zz&r=%4", "https://x.be/?q=%25zz&r=%254"),
    # Query separators and sub-delimiters are left alone.
    (
        "https://www.youtube.com/watch?v=TQEqRpRjyHw&list=PLiPsgsMS6WYH9RjA_t4XNm7UeRa59Xx8D&index=5",
        "https://www.youtube.com/watch?v=TQEqRpRjyHw&list=PLiPsgsMS6WYH9RjA_t4XNm7UeRa59Xx8D&index=5",
    ),
    ("https://x.be/a;b=c,d@e:f!$*+()", "https://x.be/a;b=c,d@e:f!$*+()"),
    # Scheme and host lower-cased, default port and fragment dropped, empty path is "/".
    ("HTTPS://WWW.Example.BE:443/Path#section-2", "https://www.example.be/Path"),
    ("http://example.be:80", "http://example.be/"),
    ("http://example.be:8080/x", "http://example.be:8080/x"),
    ("https://example.be:80/x", "https://example.be:80/x"),
    ("http://example.be?", "http://example.be/"),
    ("http://example.be/?#top", "http://example.be/"),
    ("https://www.yapaka.be/", "https://www.yapaka.be/"),
    # Host forms that exist in the wild.
    ("https://MÜNCHEN.de/", "https://xn--mnchen-3ya.de/"),
    ("https://例え.テスト/", "https://xn--r8jz45g.xn--zckzah/"),
    ("http://a_b.example.com/", "http://a_b.example.com/"),
    ("http://r3---sn-abc.googlevideo.com/", "http://r3---sn-abc.googlevideo.com/"),
    ("http://example.com./", "http://example.com./"),
    ("http://192.0.2.1:8000/", "http://192.0.2.1:8000/"),
    ("http://[2001:db8::1]/", "http://[2001:db8::1]/"),
    ("http://user:pässword@example.com/", "http://user:p%C3%A4ssword@example.com/"),
    ("  https://x.be/  ", "https://x.be/"),
]


@pytest.mark.parametrize(("written", "requested"), ENCODED)
def test_request_url(written: str, requested: str) -> None:
    assert request_url(written) == requested


@pytest.mark.parametrize(("written", "requested"), ENCODED)
def test_request_url_is_stable(written: str, requested: str) -> None:
    # Encoding twice changes nothing, and Scrapy's own encoding leaves our form alone (so
    # the spider hands it to Scrapy as a verbatim_url).
    assert request_url(requested) == requested
    assert safe_url_string(requested) == requested


def test_idn_host_matches_idna_uts46() -> None:
    expected = idna.encode("www.parentsconnectés.be", uts46=True).decode("ascii")
    url = request_url("https://www.parentsconnectés.be/")
    assert url == f"https://{expected}/"
    assert idna.decode(expected) == "www.parentsconnectés.be"


# (as written, problem message)
INVALID = [
    ("ftp://files.example.be/x", "unsupported scheme 'ftp' (only http and https)"),
    ("mailto:info@example.be", "unsupported scheme 'mailto' (only http and https)"),
    ("javascript:void(0)", "unsupported scheme 'javascript' (only http and https)"),
    ("www.example.be/page", "no scheme (expected http:// or https://)"),
    ("www.example.be:8080/page", "no scheme (expected http:// or https://)"),
    ("https//www.example.be/", "no scheme (expected http:// or https://)"),
    ("http:example.be", "no host (expected 'http://' followed by a host)"),
    ("https:///path", "no host"),
    ("http://:80/", "no host"),
    ("http://ex ample.be/", "invalid host 'ex ample.be': contains a space"),
    ("http://example.be:99999/", "invalid port '99999'"),
    ("http://example.be:8o/", "invalid port '8o'"),
    ("http://example..be/", "invalid host 'example..be': empty label"),
    ("http://exa$mple.be/", "invalid host 'exa$mple.be': bad label 'exa$mple'"),
    ("http://example.be\\path", r"invalid host 'example.be\\path': bad label 'be\\path'"),
    (
        "http://" + "a" * 64 + ".be/",
        "invalid host '" + "a" * 64 + ".be': bad label '" + "a" * 64 + "'",
    ),
    ("http://xn--zz.be/", "invalid host 'xn--zz.be': bad IDN label 'xn--zz': Invalid A-label"),
    ("http://[2001:db8::zz]/", "invalid IPv6 address"),
    ("http://exa\tmple.be/", "control character (tab, newline, ...) in URL"),
    ("https://x.be/a\nb", "control character (tab, newline, ...) in URL"),
]


@pytest.mark.parametrize(("written", "message"), INVALID)
def test_invalid_urls(written: str, message: str) -> None:
    assert validate_url(written) == message
    with pytest.raises(InvalidURL) as raised:
        request_url(written)
    assert str(raised.value) == message


def test_invalid_idn_label_is_reported() -> None:
    message = validate_url("https://café-.be/")
    assert message is not None
    assert message.startswith("invalid host 'café-.be': bad internationalised label 'café-'")


def test_unsupported_scheme_is_a_distinct_invalid_url() -> None:
    # The crawler can tell "we do not check ftp" apart from "this URL is broken".
    with pytest.raises(UnsupportedScheme):
        request_url("ftp://files.example.be/")
    with pytest.raises(InvalidURL) as raised:
        request_url("http://ex ample.be/")
    assert not isinstance(raised.value, UnsupportedScheme)


def test_validate_url_accepts_good_urls() -> None:
    assert validate_url("https://www.parentsconnectés.be/theme/x?age%5B0%5D=12") is None
    assert validate_url("http://www.garance.be/spip.php?article1382") is None
    assert validate_url("") == "missing URL"
