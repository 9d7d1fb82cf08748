"""Small text helpers shared by the HTML and PDF extractors: cleaning and language tags."""

from __future__ import annotations

import re

TITLE_MAX_CHARS = 500

# For titles from sources where markup is not the text (PDF metadata written by HTML-minded
# tools): drop the content of script/style blocks, then any remaining tag. An HTML <title>
# is different: it is RCDATA, so "<b>" in it is literal text and stays (see tidy_title).
_SCRIPT_BLOCK = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z!/][^<>]*>?")

# Invisible characters that would otherwise glue or split words: controls that are not
# whitespace, soft hyphen, zero-width space/joiners, word joiner and a stray BOM.
INVISIBLE = dict.fromkeys(
    [c for c in range(0xA0) if (c < 0x20 or c >= 0x7F) and not chr(c).isspace()]
    + [0xAD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]
)


_INVISIBLE_CHARS = re.compile("[" + "".join(re.escape(chr(c)) for c in INVISIBLE) + "]")


def collapse_whitespace(text: str) -> str:
    """Drop invisible characters; collapse each run of whitespace (incl. nbsp) to one space."""
    # translate() is fast on ASCII text only: on other text it looks each character up in
    # the dict (~130 ns each), where the regex scans (~5 ns).
    text = text.translate(INVISIBLE) if text.isascii() else _INVISIBLE_CHARS.sub("", text)
    return " ".join(text.split())


def tidy_title(text: str | None, max_chars: int = TITLE_MAX_CHARS) -> str | None:
    """A display title from literal text: invisible characters dropped, whitespace collapsed,
    capped; None when nothing is left. Text that looks like markup is kept as it is."""
    if not text:
        return None
    # A pathological multi-megabyte title is cut early: only the first max_chars survive anyway.
    text = collapse_whitespace(text[: max_chars * 8])
    if len(text) > max_chars:
        text = text[:max_chars].rstrip()
    return text or None


def clean_title(raw: str | None, max_chars: int = TITLE_MAX_CHARS) -> str | None:
    """A display title: markup stripped, whitespace collapsed, capped; None when nothing is left."""
    if not raw:
        return None
    text = raw[: max_chars * 8]
    if "<" in text:
        text = _TAG.sub(" ", _SCRIPT_BLOCK.sub(" ", text))
    return tidy_title(text, max_chars)


# ISO 639-2 (bibliographic and terminology) codes of the languages we care about.
_ISO639_2 = {
    "nld": "nl",
    "dut": "nl",
    "fra": "fr",
    "fre": "fr",
    "eng": "en",
    "deu": "de",
    "ger": "de",
}
_PRIMARY_SUBTAG = re.compile(r"\s*([A-Za-z]{2,3})(?![A-Za-z])")


def normalise_language(tag: str | None) -> str | None:
    """ISO 639-1 code of a language tag or list: "nl-BE" -> "nl", "FR_be" -> "fr", "en, fr" -> "en".

    Anything that is not a language (empty, "x-default", "und", "*", template junk such as
    "{{lang}}") or has no two-letter code gives None.
    """
    if not tag:
        return None
    first = tag.split(",", 1)[0]
    match = _PRIMARY_SUBTAG.match(first)
    if not match:
        return None
    rest = first[match.end() :].strip()
    if rest and rest[0] not in "-_.;":
        return None  # e.g. "nl nl" or "en+fr": not a tag we trust
    code = match.group(1).lower()
    if len(code) == 3:
        return _ISO639_2.get(code)
    return code


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def word_count(text: str) -> int:
    """Words made of letters; numbers and punctuation do not count."""
    return len(_WORD.findall(text))
