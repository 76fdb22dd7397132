"""MinHash signatures and LSH band keys, computed in bulk with numpy.

The band keys are stored in DuckDB (``paragraph_bands``, ``article_bands``), so that a
new text finds its candidates with one join against everything seen before, instead of
an index rebuilt in memory from the whole warehouse at every run. Two texts whose
signatures agree on all rows of one band share a key; each candidate pair is then
checked exactly by the caller.

Hashes are deterministic (crc32 of the shingle, fixed permutations), so keys computed
in different runs and processes agree.

numpy is imported when texts are hashed, not with this module: a run that loaded nothing
imports grouping but hashes no text (numpy was 0.05 s of an unchanged rerun).
"""

from __future__ import annotations

import itertools
import operator
import zlib
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING

from tasks.text import fold_words

if TYPE_CHECKING:
    import numpy as np

NUM_PERM = 128
#: 64 bands of 2 rows: a pair with Jaccard 0.26 (the lowest measured between syndicated
#: seed paragraphs) is proposed with probability 0.99, one with 0.1 with 0.47.
BANDS = 64
ROWS = NUM_PERM // BANDS


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The fixed permutations (a, b) and the band rows' mixing factors, drawn once."""
    import numpy as np

    rng = np.random.RandomState(1)
    # Multiply-shift hashing (a * h + b mod 2**64, high bits): universal, and no modulo.
    a = rng.randint(1, 1 << 62, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
    b = rng.randint(0, 1 << 62, size=NUM_PERM, dtype=np.uint64)
    mix = rng.randint(1, 1 << 62, size=ROWS, dtype=np.uint64) | np.uint64(1)
    return a, b, mix


#: Function words of French and English: a shingle made only of these ("de la", "il a",
#: "of the") says nothing about a text and makes unrelated texts collide in the bands.
STOP_WORDS = frozenset(
    """a au aux avec ce ces cet cette dans de des du elle en et eux il ils je la le les leur
    leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa
    se ses son sur ta te tes toi ton tu un une vos votre vous c d j l m n s t y etait ete
    est sont a ont avait avaient sera seront fait plus tout tous toute toutes aussi comme si
    lors selon entre apres avant depuis sans sous chez cela ceci ca dont ou quand alors
    the of and to in is was for on that with as by at from it its be are were this which an
    or but not has have had he she they we you his her their our will would been also than
    after before into over about more""".split()  # noqa: SIM905 (a list literal, folded)
)


def words(text: str) -> list[str]:
    return fold_words(text)


def bigrams(text: str) -> frozenset[str]:
    """Word bigrams of the folded text: what paragraph similarity is measured on."""
    return frozenset(f"{a} {b}" for a, b in itertools.pairwise(words(text)))


def bigrams_and_keys(text: str) -> tuple[frozenset[str], list[str]]:
    """``bigrams(text)`` and their ``signature_keys``, from one pass over the words."""
    return bigrams_and_keys_of(words(text))


def bigrams_and_keys_of(w: list[str]) -> tuple[frozenset[str], list[str]]:
    """``bigrams_and_keys`` of a list of folded words."""
    grams, keys = _grams_and_keys(w, 2)
    return frozenset(grams), keys


def shingles(text: str, n: int = 3) -> frozenset[str]:
    """Word n-grams of the folded text: what article similarity is measured on."""
    return shingles_of(words(text), n)


def shingles_of(w: list[str], n: int = 3) -> frozenset[str]:
    """Word n-grams of a list of folded words."""
    return frozenset(" ".join(w[i : i + n]) for i in range(max(len(w) - n + 1, 0)))


def shingle_keys_of(w: list[str], n: int = 3) -> list[str]:
    """``signature_keys(shingles_of(w, n))``, from one pass over the words."""
    return _grams_and_keys(w, n)[1]


def _grams_and_keys(w: list[str], n: int) -> tuple[list[str], list[str]]:
    """The word n-grams of ``w`` in order, and their ``signature_keys``, in one pass."""
    # zip over the word list shifted by 0..n-1: one tuple per n-gram, in order.
    grams = list(map(" ".join, zip(*(w[k:] for k in range(n)), strict=False)))
    stop = list(map(STOP_WORDS.__contains__, w))
    # Whether each n-gram is made of stop words only, without a Python loop: the flags
    # of the words it starts at, then and-ed with those of the n - 1 words that follow.
    only_stop: Iterator[bool] = iter(stop)
    for k in range(1, n):
        only_stop = map(operator.and_, only_stop, stop[k:])
    kept = set(itertools.compress(grams, map(operator.not_, only_stop)))
    return grams, list(kept) if kept else list(set(grams))


def signature_keys(grams: frozenset[str]) -> list[str]:
    """The shingles a signature is built from: those made only of stop words ("de la",
    "il a") are left out, since they make unrelated texts collide in the bands."""
    kept = [g for g in grams if not STOP_WORDS.issuperset(g.split())]
    return kept or list(grams)


def band_keys(sets: Sequence[Iterable[str]], sample: int = 1) -> np.ndarray:
    """One row of ``BANDS`` int64 band keys per set (all-zero rows for empty sets).

    With ``sample`` > 1 only the shingles whose hash is a multiple of it count: the same
    ones in every text, so Jaccard is preserved in expectation, at 1/sample of the cost
    (for long texts, such as whole articles).
    """
    import numpy as np

    lengths = []
    values: list[int] = []
    for items in sets:
        hashed = list(map(zlib.crc32, map(str.encode, items)))  # UTF-8
        lengths.append(len(hashed))
        values += hashed
    out = np.zeros((len(lengths), BANDS), dtype=np.int64)
    if not values:
        return out
    h = np.asarray(values, dtype=np.uint64)
    lengths_arr = np.asarray(lengths)
    if sample > 1:
        keep = h % np.uint64(sample) == 0
        owner = np.repeat(np.arange(len(lengths_arr)), lengths_arr)
        lengths_arr = np.bincount(owner[keep], minlength=len(lengths_arr))
        h = h[keep]
        if not len(h):
            return out
    nonempty = lengths_arr > 0
    starts = np.concatenate(([0], np.cumsum(lengths_arr)[:-1]))[nonempty]
    # One permutation at a time: arrays the size of the shingles, not 128 times that.
    minima = np.empty((len(starts), NUM_PERM), dtype=np.uint64)
    permuted = np.empty_like(h)
    a, b, mix = _permutations()
    shift = np.uint64(32)
    with np.errstate(over="ignore"):
        for k in range(NUM_PERM):
            np.multiply(h, a[k], out=permuted)
            permuted += b[k]
            permuted >>= shift
            minima[:, k] = np.minimum.reduceat(permuted, starts)
        mixed = (minima.reshape(len(minima), BANDS, ROWS) * mix).sum(axis=2)
    out[nonempty] = mixed.view(np.int64)
    return out


_GRAM_MIX = 0x9E3779B97F4A7C15


def shingle_hashes(text: str, n: int = 3) -> np.ndarray:
    """The word n-grams of ``shingles(text, n)`` as sorted unique 64-bit hashes: a compact
    set (8 bytes a shingle instead of a string) to measure Jaccard with ``hashed_jaccard``.

    Words hash to 64 bits (crc32 and adler32 side by side) and n-grams combine them in
    order, so two different shingles share a hash with negligible probability (about one
    pair in 2**64).
    """
    return shingle_hashes_of(words(text), n)


def shingle_hashes_of(w: list[str], n: int = 3) -> np.ndarray:
    """``shingle_hashes`` of a list of folded words."""
    import numpy as np

    if len(w) < n:
        return np.zeros(0, dtype=np.uint64)
    encoded = list(map(str.encode, w))  # UTF-8
    h = np.fromiter(map(zlib.crc32, encoded), dtype=np.uint64, count=len(w))
    h <<= np.uint64(32)
    h |= np.fromiter(map(zlib.adler32, encoded), dtype=np.uint64, count=len(w))
    combined = h[: len(h) - n + 1].copy()
    with np.errstate(over="ignore"):
        for i in range(1, n):
            combined *= np.uint64(_GRAM_MIX)
            combined ^= h[i : len(h) - n + 1 + i]
    return np.unique(combined)


def hashed_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard of two ``shingle_hashes`` sets."""
    import numpy as np

    if not len(a) or not len(b):
        return 0.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    """|A ∩ B| / min(|A|, |B|): a paragraph merged into a longer one still matches."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
