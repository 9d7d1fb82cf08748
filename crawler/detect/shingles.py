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
    # zip of shifted slices, joined by map: the loop runs in C (3x faster than a comprehension)
    shifted = [tokens[i : i + count] for i in range(size)]
    return list(map(" ".join, zip(*shifted, strict=True)))


def shingle_set(tokens: Sequence[str], size: int = SHINGLE_WORDS) -> frozenset[str]:
    return frozenset(shingles(tokens, size))


def jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    """|a & b| / |a | b|; 1.0 for two empty sets (nothing differs)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


# Copied per feature: a copy costs less than building a hasher with its parameters (the
# template is never updated, so threads may share it).
_BLAKE2B_64 = hashlib.blake2b(digest_size=8)
# _BIT_TABLES[j] maps a byte to its bit (7 - j): 0 or 1. Bit 7 first, as the digest reads
# big-endian: the fingerprint's most significant bit is the first byte's top bit.
_BIT_TABLES = tuple(bytes((value >> bit) & 1 for value in range(256)) for bit in range(7, -1, -1))


def simhash64(features: Iterable[str]) -> int:
    """Charikar's simhash of a set of features (repeats count once), as an unsigned 64-bit
    int; 0 for no features. Bit i is set when most features' hashes have bit i set; a
    feature's hash is its 8-byte BLAKE2b digest, read big-endian (stored fingerprints depend
    on exactly this: tests pin known values)."""
    digests: set[bytes] = set()
    for feature in set(features):  # a repeat is not hashed again (menus, footers, lists)
        hasher = _BLAKE2B_64.copy()
        hasher.update(feature.encode())
        digests.add(hasher.digest())
    if not digests:
        return 0
    # Counting runs in C: for each of the 64 bit columns, one translate (byte -> its bit as
    # 0/1) and one count over the column's bytes; 4x faster than a loop per hash and bit.
    joined = b"".join(digests)
    half = len(digests) / 2
    bits = 0
    for byte in range(8):
        column = joined[byte::8]
        for table in _BIT_TABLES:
            bits = (bits << 1) | (column.translate(table).count(1) > half)
    return bits


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & _MASK).bit_count()
