"""The detector wrapper, language-tag normalisation, and the declared-vs-detected rule."""

from __future__ import annotations

import pytest

from crawler.extract._text import normalise_language
from crawler.extract.language import confirms, decide_language, detect_language, detector

NL = (
    "De Federale Overheidsdienst Financiën informeert burgers en ondernemingen over belastingen, "
    "douane en accijnzen. Op deze pagina vindt u de formulieren voor de aangifte in de "
    "personenbelasting, de termijnen en de contactgegevens van de kantoren."
)
FR = (
    "Le Service public fédéral Finances informe les citoyens et les entreprises sur les impôts, "
    "les douanes et les accises. Sur cette page, vous trouverez les formulaires de déclaration, "
    "les délais et les coordonnées des bureaux."
)
EN = (
    "The Federal Public Service Finance informs citizens and businesses about taxes, customs and "
    "excise. On this page you will find the forms for the personal income tax return, the "
    "deadlines and the contact details of the offices."
)
DE = (
    "Der Föderale Öffentliche Dienst Finanzen informiert Bürger und Unternehmen über Steuern, "
    "Zoll und Akzisen. Auf dieser Seite finden Sie die Formulare für die Steuererklärung, die "
    "Fristen und die Kontaktdaten der Ämter."
)


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("nl", "nl"),
        ("nl-BE", "nl"),
        ("FR_be", "fr"),
        (" EN-us ", "en"),
        ("de-DE-1996", "de"),
        ("fr-BE, nl-BE", "fr"),
        ("nld", "nl"),
        ("fre", "fr"),
        ("es", "es"),  # a real language we cannot detect is still reported
        ("", None),
        (None, None),
        ("x-default", None),
        ("und", None),
        ("*", None),
        ("{{ lang }}", None),
        ("english", None),
        ("nl nl", None),
    ],
)
def test_normalise_language(tag: str | None, code: str | None) -> None:
    assert normalise_language(tag) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (NL, "nl"),
        (FR, "fr"),
        (EN, "en"),
        (DE, "de"),
        (
            "Welkom op de website van de Koninklijke Bibliotheek van België. Hier vindt u "
            "onze collecties en openingsuren.",
            "nl",
        ),
        (
            "Bienvenue sur le site de la Bibliothèque royale de Belgique. Vous y trouverez "
            "nos collections et nos horaires.",
            "fr",
        ),
        # One short sentence (under 15 words) is not enough evidence in low-accuracy mode.
        ("Welkom op de website van de Koninklijke Bibliotheek van België.", None),
        # Too short to say anything: abstain.
        ("Home", None),
        ("Contact", None),
        ("Over ons", None),
        ("", None),
        ("12 345 678 — 2024", None),
        # Undecided menus: below the confidence threshold.
        ("Home Over ons Contact", None),
        # Low-accuracy mode calls this French with confidence 0.99 because of the "è" in
        # Liège: why one sentence is never enough (MIN_WORDS).
        (
            "The city of Liège is organising an information evening about the new mobility plans.",
            None,
        ),
    ],
)
def test_detect_language(text: str, code: str | None) -> None:
    found, confidence = detect_language(text)
    assert found == code
    assert 0.0 <= confidence <= 1.0


def test_detector_is_built_once() -> None:
    assert detector() is detector()


def test_detect_language_reads_only_a_sample() -> None:
    # A huge text is cut to ~2,000 characters: the Dutch start decides, not the French tail.
    found, _ = detect_language(NL * 20 + FR * 200)
    assert found == "nl"


NOTE = "declared language 'en' (html_lang) but the text reads as 'nl'"


@pytest.mark.parametrize(
    ("declared", "source", "text", "expected"),
    [
        # Declaration and text agree.
        ("nl", "html_lang", NL, ("nl", "html_lang", ())),
        # The detector abstains (too little text): the declaration stands.
        ("en", "html_lang", "Home", ("en", "html_lang", ())),
        ("fr", "content_language", "", ("fr", "content_language", ())),
        # The detector contradicts with enough text: it wins, with a note.
        ("en", "html_lang", NL, ("nl", "detector", (NOTE,))),
        # ... but not on a short text, however confident.
        (
            "en",
            "html_lang",
            "Welkom op de website van de Koninklijke Bibliotheek.",
            ("en", "html_lang", ()),
        ),
        # The text begins as declared and goes on in another language (a bilingual page):
        # the beginning agrees, so the declaration stands...
        ("nl", "html_lang", NL + " " + FR * 6, ("nl", "html_lang", ())),
        # ... while a beginning that disagrees is read on, and the whole text decides.
        ("en", "html_lang", NL * 3, ("nl", "detector", (NOTE,))),
        # A declared language the detector does not know is never overruled.
        ("es", "html_lang", NL, ("es", "html_lang", ())),
        # No declaration: the detector decides, or nobody does.
        (None, None, FR, ("fr", "detector", ())),
        (None, None, "Home", (None, None, ())),
        (None, None, "", (None, None, ())),
    ],
)
def test_decide_language(
    declared: str | None,
    source: str | None,
    text: str,
    expected: tuple[str | None, str | None, tuple[str, ...]],
) -> None:
    assert decide_language(declared, source, text) == expected


@pytest.mark.parametrize(
    ("declared", "text", "confirmed"),
    [
        ("nl", NL, True),
        ("fr", FR, True),
        ("en", EN, True),
        ("de", DE, True),
        # Another language, or one CLD2 does not give most of the text: no confirmation.
        ("en", NL, False),
        ("nl", DE, False),
        ("en", NL[:120] + " " + EN[:120], False),
        # Too little text to be sure of anything.
        ("en", "Home", False),
        ("nl", "Over ons", False),
        # Text CLD2 refuses (a lone surrogate cannot be encoded): no opinion, no error.
        ("nl", NL + "\udc80", False),
    ],
)
def test_cld2_confirms_only_a_plain_match(declared: str, text: str, confirmed: bool) -> None:
    assert confirms(declared, text) is confirmed


def test_a_confirmed_declaration_needs_no_lingua(monkeypatch: pytest.MonkeyPatch) -> None:
    import crawler.extract.language as language

    def refuse(*_: object) -> None:
        raise AssertionError("lingua was asked")

    monkeypatch.setattr(language, "detect_language", refuse)
    assert decide_language("fr", "html_lang", FR) == ("fr", "html_lang", ())
    with pytest.raises(AssertionError, match="lingua was asked"):
        decide_language("en", "html_lang", FR)  # not confirmed: lingua decides


def test_collapsing_drops_exactly_the_invisible_characters_whatever_the_script() -> None:
    # ASCII text and other text take different paths (translate, a regex): both must drop
    # the same characters and keep every other one, next to ASCII or not.
    from crawler.extract._text import INVISIBLE, collapse_whitespace

    for code in range(0x10000):
        if 0xD800 <= code < 0xE000:
            continue  # surrogates: not characters
        for text in (f"a{chr(code)}b", f"é{chr(code)}b"):
            assert collapse_whitespace(text) == " ".join(text.translate(INVISIBLE).split()), hex(
                code
            )
