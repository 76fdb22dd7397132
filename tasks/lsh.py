"""MinHash signatures and LSH band keys, computed in bulk with numpy.

The band keys are stored in DuckDB (``paragraph_bands``, ``article_bands``), so that a
new text finds its candidates with one join against everything seen before, instead of
an index rebuilt in memory from the whole warehouse at every run. Two texts whose
signatures agree on all rows of one band share a key; each candidate pair is then
checked exactly by the caller.

Hashes are deterministic (crc32 of the shingle, fixed permutations), so keys computed
in different runs and processes agree.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Iterable, Sequence
from functools import cache

import numpy as np

from tasks.clean import fold

NUM_PERM = 128
#: 64 bands of 2 rows: a pair with Jaccard 0.26 (the lowest measured between syndicated
#: seed paragraphs) is proposed with probability 0.99, one with 0.1 with 0.47.
BANDS = 64
ROWS = NUM_PERM // BANDS
_rng = np.random.RandomState(1)
# Multiply-shift hashing (a * h + b mod 2**64, high bits): universal, and no modulo.
_A = _rng.randint(1, 1 << 62, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
_B = _rng.randint(0, 1 << 62, size=NUM_PERM, dtype=np.uint64)
_MIX = _rng.randint(1, 1 << 62, size=ROWS, dtype=np.uint64) | np.uint64(1)
_SHIFT = np.uint64(32)


@cache
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.fr.stop_words import STOP_WORDS as FR

    return frozenset(fold(w) for w in FR | EN)


def words(text: str) -> list[str]:
    return fold(text).split()


def bigrams(text: str) -> frozenset[str]:
    """Word bigrams of the folded text: what paragraph similarity is measured on."""
    return frozenset(f"{a} {b}" for a, b in itertools.pairwise(words(text)))


def shingles(text: str, n: int = 3) -> frozenset[str]:
    """Word n-grams of the folded text: what article similarity is measured on."""
    w = words(text)
    return frozenset(" ".join(w[i : i + n]) for i in range(max(len(w) - n + 1, 0)))


def signature_keys(grams: frozenset[str]) -> list[str]:
    """The shingles a signature is built from: those made only of stop words ("de la",
    "il a") are left out, since they make unrelated texts collide in the bands."""
    stop = _stop_words()
    kept = [g for g in grams if not stop.issuperset(g.split())]
    return kept or list(grams)


def band_keys(sets: Sequence[Iterable[str]]) -> np.ndarray:
    """One row of ``BANDS`` int64 band keys per set (all-zero rows for empty sets)."""
    lengths = []
    values: list[int] = []
    for items in sets:
        hashed = [zlib.crc32(s.encode("utf-8")) for s in items]
        lengths.append(len(hashed))
        values += hashed
    out = np.zeros((len(lengths), BANDS), dtype=np.int64)
    if not values:
        return out
    h = np.asarray(values, dtype=np.uint64)[:, None]
    with np.errstate(over="ignore"):
        permuted = (h * _A + _B) >> _SHIFT  # (shingles, NUM_PERM)
    lengths_arr = np.asarray(lengths)
    nonempty = lengths_arr > 0
    starts = np.concatenate(([0], np.cumsum(lengths_arr)[:-1]))[nonempty]
    minima = np.minimum.reduceat(permuted, starts, axis=0)  # (nonempty sets, NUM_PERM)
    with np.errstate(over="ignore"):
        mixed = (minima.reshape(len(minima), BANDS, ROWS) * _MIX).sum(axis=2)
    out[nonempty] = mixed.view(np.int64)
    return out


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    """|A ∩ B| / min(|A|, |B|): a paragraph merged into a longer one still matches."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
