"""Syndicated paragraphs: near-duplicate paragraphs across articles (wire copy, lightly
rewritten) grouped into clusters, with the earliest-seen one marked as the origin.

Similarity is the containment of word bigrams, |A ∩ B| / min(|A|, |B|), so that a wire
paragraph merged into a longer one still matches. MinHash LSH band keys (``tasks.lsh``)
on the same bigrams propose candidate pairs; each is then checked exactly, and clusters
are the connected components of the checked pairs. Thresholds were measured on labelled
pairs of the seeds (README, "Syndicated paragraphs").

The functions here are pure: ``tasks.group`` finds candidates for new paragraphs with a
join on the keys stored in the warehouse; ``cluster`` does the same in memory for a
whole set, and serves as the reference the incremental path must agree with.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from tasks.lsh import band_keys, bigrams, containment, signature_keys

__all__ = [
    "MIN_WORDS",
    "THRESHOLD",
    "ClusterRow",
    "Forest",
    "Para",
    "bigrams",
    "cluster",
    "containment",
]

#: Paragraphs shorter than this are too generic to call syndicated.
MIN_WORDS = 12
#: Containment at or above which two paragraphs are one syndicated text.
THRESHOLD = 0.6
#: LSH band keys two paragraphs must share to be checked: with 64 bands of 2 rows, a pair
#: with Jaccard 0.3 shares 5.8 on average (two or more: 98 %), an unrelated pair with
#: Jaccard 0.02 one in 40 times, and two almost never; so the checks stop growing with
#: the warehouse (README, "Stories").
MIN_SHARED_BANDS = 2

Key = tuple[str, int]


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph to cluster; ``order`` says which was seen first."""

    article_id: str
    position: int
    text: str
    order: tuple

    @property
    def key(self) -> Key:
        return (self.article_id, self.position)


@dataclass(slots=True)
class ClusterRow:
    cluster_id: str
    article_id: str
    position: int
    similarity: float
    is_origin: bool


def eligible(text: str) -> bool:
    return len(text.split()) >= MIN_WORDS


def keys_of(grams: list[frozenset[str]]):  # type: ignore[no-untyped-def]
    """LSH band keys of paragraphs, from their bigrams (one row per paragraph)."""
    return band_keys([signature_keys(g) for g in grams])


class Forest:
    """Union-find over hashable nodes: which nodes are already connected, cheaply."""

    def __init__(self, nodes: Iterable[Hashable] = ()) -> None:
        self.parent: dict = {n: n for n in nodes}

    def add(self, node: Hashable) -> None:
        self.parent.setdefault(node, node)

    def find(self, node: Hashable) -> Hashable:
        parent = self.parent
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(self, a: Hashable, b: Hashable) -> None:
        self.add(a)
        self.add(b)
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb

    def groups(self) -> list[list]:
        """The components, each in the order its nodes were added."""
        out: dict = {}
        for node in self.parent:
            out.setdefault(self.find(node), []).append(node)
        return list(out.values())


def components(nodes: Iterable[Hashable], edges: Iterable[tuple[Hashable, Hashable]]) -> list[list]:
    """Connected components of a graph (union-find), each in the order nodes were given."""
    forest = Forest(nodes)
    for a, b in edges:
        forest.union(a, b)
    return forest.groups()


def cluster_rows(members: list[Para], grams_of: dict | None = None) -> list[ClusterRow]:
    """The rows of one cluster, or none when all its paragraphs come from one article."""
    if len({p.article_id for p in members}) < 2:
        return []
    grams_of = grams_of if grams_of is not None else {}
    ordered = sorted(members, key=lambda p: p.order)
    origin = ordered[0]
    cluster_id = hashlib.sha256(f"{origin.article_id}:{origin.position}".encode()).hexdigest()[:16]
    grams = grams_of.get(origin.key) or bigrams(origin.text)
    return [ClusterRow(cluster_id, origin.article_id, origin.position, 1.0, True)] + [
        member_row(cluster_id, p, grams, grams_of) for p in ordered[1:]
    ]


def member_row(
    cluster_id: str, member: Para, origin_grams: frozenset[str], grams_of: dict
) -> ClusterRow:
    """The row of a cluster member that is not its origin: how much of it the origin holds."""
    grams = grams_of.get(member.key) or bigrams(member.text)
    return ClusterRow(
        cluster_id,
        member.article_id,
        member.position,
        round(containment(grams, origin_grams), 4),
        False,
    )


def cluster(paragraphs: Iterable[Para]) -> list[ClusterRow]:
    """Cluster near-duplicate paragraphs of different articles, all in memory."""
    items = [p for p in paragraphs if eligible(p.text)]
    grams = [bigrams(p.text) for p in items]
    keys = keys_of(grams)
    buckets: dict[tuple[int, int], list[int]] = {}
    for i, row in enumerate(keys):
        for band, key in enumerate(row.tolist()):
            buckets.setdefault((band, key), []).append(i)
    shared: dict[tuple[int, int], int] = {}
    for group in buckets.values():
        for i in group:
            for j in group:
                if i < j:
                    shared[(i, j)] = shared.get((i, j), 0) + 1
    pairs = {pair for pair, n in shared.items() if n >= MIN_SHARED_BANDS}
    edges = [
        (i, j)
        for i, j in sorted(pairs)
        if items[i].article_id != items[j].article_id
        and containment(grams[i], grams[j]) >= THRESHOLD
    ]
    grams_of = {p.key: g for p, g in zip(items, grams, strict=True)}
    rows: list[ClusterRow] = []
    for members in components(range(len(items)), edges):
        rows += cluster_rows([items[i] for i in members], grams_of)
    return rows
