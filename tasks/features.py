"""What grouping computes from a chunk's texts alone: folded words, paragraph bigrams,
LSH band keys of paragraphs and articles, and articles' shingle hashes.

Pure, and importing only numpy (when it runs) and the text helpers, so that
``tasks.group`` can have the next chunk's features computed in a helper process while it
checks candidates and extends stories for the current one (``chunk_features`` is the same
function either way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tasks.clusters import eligible
from tasks.lsh import (
    band_keys,
    bigrams_and_keys_of,
    shingle_hashes_of,
    shingle_keys_of,
    words,
)

if TYPE_CHECKING:
    import numpy as np

#: One article shingle in this many enters its signature (see tasks.lsh.band_keys).
ARTICLE_SAMPLE = 4

#: A chunk's paragraphs as read: (article id, position, kind, text), in article order.
ParagraphRows = list[tuple[str, int, str, str]]


@dataclass
class ChunkFeatures:
    """The features of one chunk of articles, in the order they were read."""

    #: Body paragraphs long enough to cluster (``tasks.clusters.eligible``): (id, position,
    #: text), with their word bigrams and their band keys (one row each).
    paragraphs: list[tuple[str, int, str]]
    grams: list[frozenset[str]]
    paragraph_keys: np.ndarray
    #: The chunk's articles, with their band keys (one row each) and shingle hashes.
    articles: list[str]
    article_keys: np.ndarray
    hashes: list[np.ndarray]


def chunk_features(rows: ParagraphRows, texts: list[tuple[str, str]]) -> ChunkFeatures:
    """The features of the articles whose paragraphs are ``rows``, plus of those given by
    their whole ``texts`` (article id, text) instead.

    An article's text is its paragraphs joined by blank lines (``Document.body_text``),
    and no word spans a blank line, so its words are its paragraphs' words in order: each
    paragraph is folded once, for both similarities. A paragraph syndicated word for word
    (a quarter of the bench corpus's) is folded, cut into bigrams and banded once per
    chunk, its copies sharing the result.
    """
    import numpy as np

    body: list[tuple[str, int, str]] = []
    article_words: dict[str, list[str]] = {}
    folded: dict[str, list[str]] = {}  # text -> words: syndicated copies are folded once
    for a, p, kind, t in rows:
        w = folded.get(t)
        if w is None:
            w = folded[t] = words(t)
        article_words.setdefault(a, []).extend(w)
        if kind == "body" and eligible(t):
            body.append((a, p, t))
    for a, t in texts:
        article_words[a] = words(t)
    # Each distinct text's bigrams and band keys once; its copies share them.
    distinct = {t: i for i, t in enumerate(dict.fromkeys(t for _, _, t in body))}
    grams_and_keys = [bigrams_and_keys_of(folded[t]) for t in distinct]
    keys = band_keys([k for _, k in grams_and_keys])  # = keys_of(grams)
    copies = [distinct[t] for _, _, t in body]
    return ChunkFeatures(
        paragraphs=body,
        grams=[grams_and_keys[i][0] for i in copies],
        paragraph_keys=keys[np.asarray(copies, dtype=np.intp)] if copies else keys,
        articles=list(article_words),
        article_keys=band_keys(
            [shingle_keys_of(w) for w in article_words.values()], sample=ARTICLE_SAMPLE
        ),
        hashes=[shingle_hashes_of(w) for w in article_words.values()],
    )
