"""Stories: articles about the same event, grouped as they arrive.

Each new article, in time order, joins the existing story it is closest to, or starts a
new one. An article is close to a story when, within ``window_days`` of the story's
span, it

- shares a syndicated paragraph cluster with one of its articles (score 1),
- is a near-duplicate of one of its articles (score 1), or
- names the same entities: cosine of entity vectors weighted by inverse document
  frequency (specific names count more than "France") at least ``ENTITY_THRESHOLD``.

A story's id derives from its first article, so the same inputs give the same ids, and
earlier stories are never recomputed: new articles attach to them. The threshold was
measured on labelled articles (README, "Stories").
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

#: Entity cosine at or above which an article joins a story (measured, see README).
ENTITY_THRESHOLD = 0.44


@dataclass(slots=True)
class ArticleProfile:
    """What an article brings to grouping."""

    article_id: str
    when: datetime
    entities: dict[str, int] = field(default_factory=dict)  # entity_id -> mentions
    source: str = ""  # path or URL as given: orders articles of the same moment
    clusters: frozenset[str] = frozenset()
    near: frozenset[str] = frozenset()  # near-duplicate article ids


@dataclass(slots=True)
class StoryState:
    """A story as grouping sees it: its span, members, clusters and entity vector."""

    story_id: str
    first: datetime
    last: datetime
    members: set[str] = field(default_factory=set)
    clusters: set[str] = field(default_factory=set)
    vector: dict[str, float] = field(default_factory=dict)  # entity_id -> summed tf

    def add(self, article: ArticleProfile) -> None:
        self._join({article.article_id}, article.clusters, tf(article.entities))
        self.first = min(self.first, article.when)
        self.last = max(self.last, article.when)

    def absorb(self, other: StoryState) -> None:
        """Take in a story merged into this one."""
        self._join(other.members, other.clusters, other.vector)
        self.first = min(self.first, other.first)
        self.last = max(self.last, other.last)

    def _join(self, members: set[str], clusters: frozenset[str] | set[str], vector: dict) -> None:
        self.members |= members
        self.clusters |= clusters
        for entity, weight in vector.items():
            self.vector[entity] = self.vector.get(entity, 0.0) + weight


@dataclass(frozen=True, slots=True)
class Assignment:
    story_id: str
    article_id: str
    score: float
    reason: str  # first | syndicated paragraphs | near duplicate | entities | merged


def story_id_for(article_id: str) -> str:
    return hashlib.sha256(f"story:{article_id}".encode()).hexdigest()[:16]


def tf(counts: Mapping[str, int]) -> dict[str, float]:
    return {e: 1.0 + math.log(n) for e, n in counts.items() if n > 0}


def idf(df: Mapping[str, int], articles: int) -> dict[str, float]:
    """Smoothed inverse document frequency of each entity."""
    return {e: math.log((1 + articles) / (1 + n)) + 1.0 for e, n in df.items()}


def cosine(a: Mapping[str, float], b: Mapping[str, float], weights: Mapping[str, float]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b[e] * weights.get(e, 1.0) ** 2 for e, v in a.items() if e in b)
    if not dot:
        return 0.0
    na = math.sqrt(sum((v * weights.get(e, 1.0)) ** 2 for e, v in a.items()))
    nb = math.sqrt(sum((v * weights.get(e, 1.0)) ** 2 for e, v in b.items()))
    return dot / (na * nb)


def score(
    article: ArticleProfile, story: StoryState, weights: Mapping[str, float]
) -> tuple[float, str]:
    """How close an article is to a story, and why."""
    if article.clusters & story.clusters:
        return 1.0, "syndicated paragraphs"
    if article.near & story.members:
        return 1.0, "near duplicate"
    return cosine(tf(article.entities), story.vector, weights), "entities"


def within(article: ArticleProfile, story: StoryState, window: timedelta) -> bool:
    return story.first - window <= article.when <= story.last + window


@dataclass
class Grouping:
    """What ``assign`` decided: each article's story, the stories touched (with their new
    state), and stories merged into another (merged id -> kept id)."""

    assignments: list[Assignment]
    touched: dict[str, StoryState]
    merged: dict[str, str]


def assign(
    articles: Iterable[ArticleProfile],
    stories: Iterable[StoryState],
    weights: Mapping[str, float],
    window_days: float = 7.0,
) -> Grouping:
    """Attach each article, in time order, to its closest story or start a new one.

    An article close to several stories joins them: the younger ones are merged into the
    oldest, which keeps its id. So the grouping does not depend on which of two related
    articles arrived first.
    """
    window = timedelta(days=window_days)
    pool: dict[str, StoryState] = {}
    by_key: dict[str, set[str]] = {}  # entity, cluster or member id -> story ids
    merged: dict[str, str] = {}

    def index(story: StoryState, keys: Iterable[str]) -> None:
        for key in keys:
            by_key.setdefault(key, set()).add(story.story_id)

    def keys_of(story: StoryState) -> list[str]:
        return [*story.vector, *story.clusters, *story.members]

    for story in stories:
        pool[story.story_id] = story
        index(story, keys_of(story))
    touched: dict[str, StoryState] = {}
    out: list[Assignment] = []
    for article in sorted(articles, key=lambda a: (a.when, a.source, a.article_id)):
        close: list[tuple[float, str, StoryState]] = []
        candidates = set().union(
            *(by_key.get(k, ()) for k in (*article.entities, *article.clusters, *article.near))
        )
        for story_id in sorted(candidates):
            story = pool[story_id]
            if not within(article, story, window):
                continue
            value, reason = score(article, story, weights)
            if reason != "entities" or value >= ENTITY_THRESHOLD:
                close.append((value, reason, story))
        if not close:
            story = StoryState(story_id_for(article.article_id), article.when, article.when)
            pool[story.story_id] = story
            out.append(Assignment(story.story_id, article.article_id, 1.0, "first"))
        else:
            value, reason, _ = max(close, key=lambda c: (c[0], c[2].story_id))
            story = min((c[2] for c in close), key=lambda s: (s.first, s.story_id))
            for _, _, other in close:
                if other is story:
                    continue
                story.absorb(other)
                merged[other.story_id] = story.story_id
                del pool[other.story_id]
                touched.pop(other.story_id, None)
                for key in keys_of(other):
                    by_key[key].discard(other.story_id)
                index(story, keys_of(other))
            out.append(Assignment(story.story_id, article.article_id, round(value, 4), reason))
        story.add(article)
        index(story, (*article.entities, *article.clusters, article.article_id))
        touched[story.story_id] = story

    def final(story_id: str) -> str:
        while story_id in merged:
            story_id = merged[story_id]
        return story_id

    out = [
        Assignment(
            final(a.story_id),
            a.article_id,
            a.score,
            "merged" if a.reason == "first" and a.story_id in merged else a.reason,
        )
        for a in out
    ]
    return Grouping(out, touched, {k: final(k) for k in merged})
