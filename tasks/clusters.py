"""Syndicated paragraphs: near-duplicate paragraphs across articles (wire copy, lightly
rewritten) grouped into clusters, with the earliest-seen one marked as the origin.

Similarity is the containment of word bigrams, |A ∩ B| / min(|A|, |B|), so that a wire
paragraph merged into a longer one still matches. MinHash LSH (datasketch) on the same
bigrams proposes candidate pairs; each is then checked exactly. Thresholds were measured
on labelled pairs of the seeds (README, "Syndicated paragraphs").
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

from tasks.clean import fold

#: Paragraphs shorter than this are too generic to call syndicated.
MIN_WORDS = 12
#: Containment at or above which two paragraphs are one syndicated text.
THRESHOLD = 0.6
#: Jaccard level at which LSH proposes candidates: well below every measured positive
#: (0.26 the lowest), since LSH is probabilistic; candidates are then checked exactly.
LSH_THRESHOLD = 0.1
NUM_PERM = 128


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph to cluster; ``order`` says which was seen first."""

    article_id: str
    position: int
    text: str
    order: tuple


@dataclass(slots=True)
class ClusterRow:
    cluster_id: str
    article_id: str
    position: int
    similarity: float
    is_origin: bool


def bigrams(text: str) -> set[str]:
    words = fold(text).split()
    return {f"{a} {b}" for a, b in itertools.pairwise(words)}


def containment(a: set[str] | frozenset[str], b: set[str] | frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def cluster(paragraphs: Iterable[Para]) -> list[ClusterRow]:
    """Cluster near-duplicate paragraphs of different articles (singletons left out).

    Identical texts (same bigram set) are joined directly and enter the LSH index once:
    copies are the common case of syndication, and this keeps the index small.
    """
    items = [p for p in paragraphs if len(p.text.split()) >= MIN_WORDS]
    shingles = [frozenset(bigrams(p.text)) for p in items]
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_of: dict[frozenset[str], int] = {}
    for i, sh in enumerate(shingles):
        if sh in first_of:
            parent[find(i)] = find(first_of[sh])  # an exact copy
        else:
            first_of[sh] = i
    unique = list(first_of.values())
    hashes = MinHash.bulk(
        [[s.encode("utf-8") for s in shingles[i]] for i in unique], num_perm=NUM_PERM
    )
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for i, m in zip(unique, hashes, strict=True):
            session.insert(i, m, check_duplication=False)
    for i, m in zip(unique, hashes, strict=True):
        for j in lsh.query(m):
            if j <= i or find(i) == find(j):
                continue
            if containment(shingles[i], shingles[j]) >= THRESHOLD:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(items)):
        groups.setdefault(find(i), []).append(i)
    rows: list[ClusterRow] = []
    for members in groups.values():
        if len({items[i].article_id for i in members}) < 2:
            continue
        origin = min(members, key=lambda i: items[i].order)
        key = f"{items[origin].article_id}:{items[origin].position}"
        cluster_id = hashlib.sha256(key.encode()).hexdigest()[:16]
        for i in sorted(members, key=lambda i: items[i].order):
            rows.append(
                ClusterRow(
                    cluster_id,
                    items[i].article_id,
                    items[i].position,
                    round(containment(shingles[i], shingles[origin]), 4),
                    i == origin,
                )
            )
    return rows
