"""Offline language detection (lingua) restricted to the register's languages, and the rule
that weighs a document's declared language against what its text reads as.

Most pages are written in the language they declare, so a declaration is first confirmed by
CLD2 (``pycld2``, Chrome's compact detector; its tables ship in the package): ~8 us for a
sentence against lingua's ~130 us. CLD2 only ever confirms. A page it does not plainly
read as declared (another language, too little text, unsure) goes to lingua as before,
which alone overrules a declaration or fills a missing one: CLD2 knows 80 languages and
cannot be restricted to ours, and lingua is the surer of the two on short text.

Why low-accuracy mode with a minimum of words: high-accuracy mode costs ~145 MB per process
(every crawl worker has one) against ~11 MB. Low-accuracy mode is reliable on page-length
text but can be confidently wrong on one short sentence: the "è" of "Liège" is French-only
among nl/fr/en/de, so an English sentence mentioning Liège came out French at 0.99+ (high
accuracy hesitated at 0.33-0.42). So the detector needs MIN_WORDS words, a sentence or two,
before it says anything. Flip ``_LOW_ACCURACY`` to trade memory back for short-text accuracy;
``tests/test_extract_language.py`` shows what changes.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from crawler.extract._text import collapse_whitespace, word_count

if TYPE_CHECKING:
    from lingua import LanguageDetector

__all__ = [
    "DETECTABLE",
    "MAX_CHARS",
    "confirms",
    "decide_language",
    "detect_language",
    "detector",
]

DETECTABLE = frozenset({"nl", "fr", "en", "de"})
MAX_CHARS = 2_000  # enough for a stable answer; more only costs time
# A declaration is first checked against the text's beginning: lingua's time grows with the
# text (~0.5 us a character), and most pages are what they declare. Only a page whose
# beginning does not plainly agree is read at MAX_CHARS before the declaration is overruled.
# The beginning is AGREE_WORDS words (a little over MIN_WORDS: ~130 characters of prose) and
# at most AGREE_CHARS characters.
AGREE_WORDS = 20
AGREE_CHARS = 200
# "Home", "Contact", "Over ons" are undecidable. Low-accuracy mode (11 MB instead of 145 MB
# per process) is reliable on page-length text but can be sure and wrong on one short
# sentence naming a Belgian city ("Liège" reads French): it needs a sentence or two.
MIN_WORDS = 15
MIN_CONFIDENCE = 0.75  # below this the detector abstains
# Overruling what a page declares needs more evidence than filling a gap.
OVERRIDE_MIN_WORDS = 20
OVERRIDE_MIN_CONFIDENCE = 0.9

_LOW_ACCURACY = True
CONFIRM_PERCENT = 80  # of the text CLD2 must give the declared language to confirm it


def confirms(declared: str, text: str) -> bool:
    """Whether CLD2 reads ``text`` as ``declared`` (an ISO 639-1 code), and is sure of it:
    it calls its answer reliable and gives that language most of the text."""
    import pycld2

    try:
        reliable, _, found = pycld2.detect(text)
    except (pycld2.error, ValueError, UnicodeError):  # bytes CLD2 refuses: no opinion
        return False
    code, percent = found[0][1], found[0][2]
    return reliable and code == declared and percent >= CONFIRM_PERCENT


@functools.cache
def detector() -> LanguageDetector:
    """The process-wide detector, built on first use (lingua is imported lazily too, so the
    PDF worker process and code that never detects do not pay for it). Thread-safe to use."""
    from lingua import Language, LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_languages(
        Language.DUTCH, Language.FRENCH, Language.ENGLISH, Language.GERMAN
    )
    if _LOW_ACCURACY:
        builder = builder.with_low_accuracy_mode()
    return builder.build()


def _sample(text: str, max_chars: int = MAX_CHARS) -> str:
    text = collapse_whitespace(text[: max_chars * 2])
    if len(text) > max_chars:
        cut = text.rfind(" ", 0, max_chars)
        text = text[: cut if cut > 0 else max_chars]
    return text


def detect_language(text: str, max_chars: int = MAX_CHARS) -> tuple[str | None, float]:
    """(ISO 639-1 code among nl/fr/en/de, confidence), or (None, confidence) when abstaining:
    fewer than MIN_WORDS words in the first ``max_chars`` characters, or the best language
    is below the confidence threshold."""
    sample = _sample(text, max_chars)
    if word_count(sample) < MIN_WORDS:
        return None, 0.0
    values = detector().compute_language_confidence_values(sample)
    if not values:
        return None, 0.0
    best = values[0]
    if best.value < MIN_CONFIDENCE:
        return None, best.value
    return best.language.iso_code_639_1.name.lower(), best.value


def decide_language(
    declared: str | None, declared_source: str | None, text: str
) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(language, source, notes) from a normalised declaration and the document's text.

    - A declaration stands when CLD2 confirms it on the text's first AGREE_WORDS words
      (at least MIN_WORDS of them), or lingua agrees (on those words, or on the whole
      sample), or lingua abstains.
    - The detector overrules it only when it is sure (>= 0.9) about >= 20 words, and the
      declaration is one it could have recognised (a page declared "es" is not judged by a
      detector that only knows nl/fr/en/de); a note records the contradiction.
    - Without a declaration the detector decides above its threshold, else None.
    """
    if declared is not None and declared not in DETECTABLE:
        return declared, declared_source, ()
    if declared is not None and text:
        beginning = " ".join(text[: AGREE_CHARS * 2].split(maxsplit=AGREE_WORDS)[:AGREE_WORDS])
        head = _sample(beginning, AGREE_CHARS)  # both detectors read this (it is a sample)
        if word_count(head) >= MIN_WORDS and confirms(declared, head):
            return declared, declared_source, ()  # CLD2 reads the beginning as declared
        if detect_language(head, AGREE_CHARS)[0] == declared:
            return declared, declared_source, ()  # the beginning agrees: no need to read on
    detected, confidence = detect_language(text) if text else (None, 0.0)
    if declared is None:
        return (detected, "detector", ()) if detected else (None, None, ())
    if (
        detected is not None
        and detected != declared
        and confidence >= OVERRIDE_MIN_CONFIDENCE
        and word_count(_sample(text)) >= OVERRIDE_MIN_WORDS
    ):
        note = (
            f"declared language '{declared}' ({declared_source}) but the text reads as '{detected}'"
        )
        return detected, "detector", (note,)
    return declared, declared_source, ()
