"""Text resemblance: word shingles, their Jaccard similarity, and a 64-bit simhash.

Shingles (Broder 1997) are runs of ``SHINGLE_WORDS`` consecutive words; two texts that
share most runs are the same text with edits. Simhash (Charikar 2002; Manku et al. 2007 use
64 bits and call Hamming distance <= 3 near-duplicates) compresses a shingle set into one
integer a database can keep, so a page seen today can be compared with the page as first
seen without storing its text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

__all__ = ["SHINGLE_WORDS", "hamming", "jaccard", "shingle_set", "shingles", "simhash64"]

SHINGLE_WORDS = 3
MAX_SHINGLES = 20_000  # a longer text adds nothing a fingerprint can show, only time
_MASK = (1 << 64) - 1


def shingles(tokens: Sequence[str], size: int = SHINGLE_WORDS) -> list[str]:
    """The word ``size``-grams of ``tokens``; a text shorter than that is one shingle."""
    if not tokens:
        return []
    if len(tokens) <= size:
        return [" ".join(tokens)]
    count = min(len(tokens) - size + 1, MAX_SHINGLES)
    return [" ".join(tokens[i : i + size]) for i in range(count)]


def shingle_set(tokens: Sequence[str], size: int = SHINGLE_WORDS) -> frozenset[str]:
    return frozenset(shingles(tokens, size))


def jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    """|a & b| / |a | b|; 1.0 for two empty sets (nothing differs)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _hash64(feature: str) -> int:
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def simhash64(features: Iterable[str]) -> int:
    """Charikar's simhash of a set of features (repeats count once), as an unsigned 64-bit
    int; 0 for no features. Bit i is set when most features' hashes have bit i set."""
    hashes = {_hash64(f) for f in features}
    if not hashes:
        return 0
    # Count the ones per bit column in C (str.count) rather than 64 Python loops per hash.
    rows = [format(h, "064b") for h in hashes]
    half = len(rows) / 2
    columns = map("".join, zip(*rows, strict=True))
    bits = "".join("1" if column.count("1") > half else "0" for column in columns)
    return int(bits, 2) & _MASK


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & _MASK).bit_count()
