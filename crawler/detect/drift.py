"""Content drift: the page at a register URL now says something else than when first seen.

Jones et al. (PLoS ONE 2016) found a large share of cited web pages changed content while
their links still worked; AlNoamany et al. (IJDL 2016) flag an archived page as off-topic
when its cosine similarity to the first capture is below 0.10 together with a word-count
change of -85% (F1 0.906). We keep, per URL, a ``Snapshot`` of the page as first seen
(title, language, a 64-bit simhash of its main text's shingles, word count) and compare
today's with it and with the register's title.

A big change is a note for a maintainer, never a verdict: the page works. To keep false
alarms low, a note needs evidence about the *text* (it became unrelated, or shrank by 85%)
plus enough of the other signals; a new date, a reworked menu (outside the main text) or a
retitled page with the same text never make one, nor does a news listing whose items all
changed under the same title.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.detect.page import PageFacts, words, wordset
from crawler.detect.shingles import hamming, shingles, simhash64

__all__ = [
    "CONTENT_CHANGED_HAMMING",
    "DRIFT_MIN_SCORE",
    "MIN_WORDS_TO_COMPARE",
    "SHRINK",
    "TITLE_CHANGED",
    "DriftNote",
    "Snapshot",
    "drift",
    "from_signed64",
    "snapshot",
    "title_similarity",
    "to_signed64",
]

# Simhash bits that differ between the first and today's main text. Unrelated texts differ
# in about half of the 64 bits (32 +- 4); simhash estimates the angle between shingle sets
# (Charikar 2002): 24 bits ~ cos(24/64 * pi) ~ 0.38. Shingle cosine is stricter than the
# word cosine of AlNoamany et al. (< 0.10): a same-topic rewrite also reaches it, which is
# why this signal alone never makes a note. Edited pages (a date, a paragraph) stay < 12.
CONTENT_CHANGED_HAMMING = 24
# AlNoamany et al.: a word-count change of -85% or worse.
SHRINK = -0.85
# Fewer words than this on either side and the simhash is noise: text is not compared.
MIN_WORDS_TO_COMPARE = 40
# Title word-set Jaccard below this is a different title ("Vorming aanvragen | Veilig
# Online" vs "Vormingen | Veilig Online" is 0.4: the same page, renamed).
TITLE_CHANGED = 0.3
# The register's title "matched" the page when this share of its words was in the title.
REGISTER_MATCHED = 0.5

# The fingerprint reads the start of the main text: enough to tell what a page is about,
# and a 1 MB page costs no more than a long article (~3 ms).
FINGERPRINT_CHARS = 20_000

_WEIGHTS = {"content": 0.45, "shrunk": 0.25, "title": 0.25, "language": 0.2, "register": 0.15}
DRIFT_MIN_SCORE = 0.5  # e.g. content + title, content + language, shrink + title

_STOP = wordset(
    "de het een en van voor in op met te aan bij over naar om of la le les des du un une et"
    " pour dans sur au aux avec par the a an and of for to in on at with by der die das und"
    " fur mit von zu im am den dem ein eine home accueil startseite"
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a page looked like, small enough to store per URL and run."""

    title: str | None
    language: str | None
    fingerprint: int  # unsigned 64-bit simhash of the main text's word 3-shingles
    word_count: int  # whitespace-separated words of the main text


@dataclass(frozen=True, slots=True)
class DriftNote:
    """A big change: ``score`` in [0, 1] (higher is more different) and why."""

    score: float
    evidence: tuple[str, ...]


def snapshot(page: PageFacts, language: str | None) -> Snapshot:
    """The snapshot of a fetched page; ``language`` as the extractor decided it."""
    doc = page.doc
    return Snapshot(
        title=page.shown_title,
        language=language,
        fingerprint=simhash64(shingles(words(doc.main_text[:FINGERPRINT_CHARS]))),
        word_count=doc.main_words,
    )


def to_signed64(value: int) -> int:
    """The fingerprint as a signed 64-bit int, for a BIGINT column."""
    return value - (1 << 64) if value >= 1 << 63 else value


def from_signed64(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def _title_words(title: str | None) -> set[str]:
    return {w for w in words(title or "") if w not in _STOP and len(w) > 1}


def title_similarity(a: str | None, b: str | None) -> float:
    """Jaccard similarity of the titles' word sets (stop words aside); 1.0 if both empty."""
    wa, wb = _title_words(a), _title_words(b)
    if not wa and not wb:
        return 1.0
    return len(wa & wb) / len(wa | wb)


def _register_match(register_title: str, title: str | None) -> float:
    """Share of the register title's words found in ``title``."""
    wanted = _title_words(register_title)
    if not wanted:
        return 1.0
    return len(wanted & _title_words(title)) / len(wanted)


def drift(first: Snapshot, now: Snapshot, register_title: str) -> DriftNote | None:
    """A DriftNote when the page now differs enough from its first snapshot, else None."""
    evidence: list[str] = []
    signals: set[str] = set()

    if min(first.word_count, now.word_count) >= MIN_WORDS_TO_COMPARE:
        bits = hamming(first.fingerprint, now.fingerprint)
        if bits >= CONTENT_CHANGED_HAMMING:
            signals.add("content")
            evidence.append(f"the text is unlike the text first seen ({bits} of 64 bits differ)")
    if first.word_count >= MIN_WORDS_TO_COMPARE:
        change = (now.word_count - first.word_count) / first.word_count
        if change <= SHRINK:
            signals.add("shrunk")
            evidence.append(f"the text shrank from {first.word_count} to {now.word_count} words")

    if first.title and now.title:
        similarity = title_similarity(first.title, now.title)
        if similarity < TITLE_CHANGED:
            signals.add("title")
            evidence.append(f"the title changed from '{first.title}' to '{now.title}'")
    if first.language and now.language and first.language != now.language:
        signals.add("language")
        evidence.append(f"the language changed from '{first.language}' to '{now.language}'")
    if register_title and now.title:
        then, today = (
            _register_match(register_title, first.title),
            _register_match(register_title, now.title),
        )
        if then >= REGISTER_MATCHED and today < TITLE_CHANGED:
            signals.add("register")
            evidence.append(f"the title no longer matches the register's '{register_title}'")

    if not signals & {"content", "shrunk"}:
        return None  # only the title or language moved: the text is what it was
    score = min(1.0, sum(_WEIGHTS[s] for s in signals))
    if score < DRIFT_MIN_SCORE:
        return None
    return DriftNote(round(score, 2), tuple(evidence))
