"""Stage 10, group: syndicated paragraphs, near-duplicate articles and stories, kept up
to date incrementally at the end of each run.

Only the articles grouping has not seen in their current version are processed, in
chunks, so a run's cost follows what it loaded, not the size of the warehouse: their
LSH band keys are stored, candidates come from one join on those keys, each candidate
is checked exactly (``tasks.clusters``), and stories are extended in time order
(``tasks.stories``). ``regroup`` forgets everything and groups the whole warehouse again
the same way.

What a chunk's texts give by themselves (folded words, bigrams, band keys, shingle
hashes: ``tasks.features``) is computed for the next chunk in a helper process while
this one is checked and its stories extended, when the run has more than one core.
"""

from __future__ import annotations

import gc
import itertools
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from prefect import get_run_logger, task
from prefect.cache_policies import NONE

from depeche.errors import WarehouseLocked
from tasks.clusters import (
    MIN_SHARED_BANDS,
    THRESHOLD,
    ClusterRow,
    Forest,
    Para,
    cluster_rows,
    member_row,
)
from tasks.features import ChunkFeatures, ParagraphRows, chunk_features
from tasks.load import LOAD_TIMEOUT, MEMORY_LIMIT, _arrow, connect, run_script
from tasks.logs import run_logger
from tasks.lsh import BANDS, bigrams, containment, hashed_jaccard, shingle_hashes
from tasks.stories import ArticleProfile, StoryState, assign, idf
from tasks.workers import spawn_pool
from warehouse import literal, quote_ident

if TYPE_CHECKING:
    import pandas as pd

#: Jaccard of word 3-shingles at or above which two articles are near-duplicates
#: (measured on labelled pairs, README "Duplicates").
NEAR_DUPLICATE = 0.3
#: Articles grouped per pass (and per transaction): bounds memory whatever the size of
#: a run.
CHUNK = 500
#: An entity named by more than this share of the articles does not make stories
#: candidates by itself (it still counts in the similarity, with a low weight).
COMMON_SHARE = 0.05
#: Articles whose shingle hashes are kept from one chunk to the next (about 7 kB each):
#: the republications of an article meet it again in later chunks.
SHINGLE_CACHE = 5000
#: Paragraphs whose word bigrams are kept from one chunk to the next (about 6 kB each,
#: 60 MB in all): a syndicated paragraph's copies in later chunks are checked against it
#: without folding it again (24,000 foldings, 1 s, in a 2,000-article run without it).
GRAMS_CACHE = 10000


@dataclass
class GroupStats:
    articles: int = 0
    clusters: int = 0  # clusters written (new or rebuilt)
    near_duplicates: int = 0
    stories: int = 0  # stories created or extended (not counting those merged away)
    seconds: float = 0.0


def _select(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> list[tuple]:
    """The rows of the last statement of ``warehouse/<name>.sql`` (earlier ones prepare)."""
    return run_script(con, name, params).fetchall()


def _register(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    con.register(name, _arrow(frame))


def _register_ids(con: duckdb.DuckDBPyConnection, name: str, column: str, ids) -> None:  # type: ignore[no-untyped-def]
    if not ids:  # a run that loaded nothing: no pyarrow, nor the pandas DuckDB imports for it
        con.register(name, con.sql(f"SELECT NULL::VARCHAR AS {quote_ident(column)} WHERE false"))
        return
    import pyarrow as pa

    con.register(
        name,
        pa.table(
            {column: pa.array(sorted(ids) if isinstance(ids, set) else list(ids), pa.string())}
        ),
    )


def _bands_frame(ids: list[tuple], keys, columns: list[str]) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Band rows (id columns..., band, bucket) for the non-empty key rows."""
    import numpy as np
    import pandas as pd

    nonempty = keys.any(axis=1) if len(ids) else np.zeros(0, dtype=bool)
    kept = [ident for ident, keep in zip(ids, nonempty.tolist(), strict=True) if keep]
    frame = pd.DataFrame(
        {
            name: np.repeat(np.asarray([ident[i] for ident in kept], dtype=object), BANDS)
            for i, name in enumerate(columns)
        }
    )
    frame["band"] = np.tile(np.arange(BANDS, dtype=np.uint8), len(kept))
    frame["bucket"] = keys[nonempty].reshape(-1).astype(np.int64)
    return frame


def _read_chunk(
    con: duckdb.DuckDBPyConnection, chunk: list[str]
) -> tuple[ParagraphRows, list[tuple[str, str]]]:
    """What ``chunk_features`` needs of these articles: their paragraphs in order, and
    the stored text of any article without paragraphs (none, as loaded)."""
    _register_ids(con, "reading", "article_id", chunk)
    try:
        rows = _select(con, "group_chunk_paragraphs")
    finally:
        con.unregister("reading")
    read = {a for a, _, _, _ in rows}
    return rows, _article_texts(con, [a for a in chunk if a not in read])


def _article_texts(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[tuple[str, str]]:
    """(article id, stored text) of these articles."""
    if not ids:
        return []
    _register_ids(con, "texts_of", "article_id", ids)
    try:
        return con.execute(
            "SELECT article_id, text FROM articles WHERE article_id IN "
            "(SELECT article_id FROM texts_of)"
        ).fetchall()
    finally:
        con.unregister("texts_of")


def _keep_newest(cache: dict, limit: int) -> None:
    """Drop the oldest entries of ``cache`` (insertion order) beyond ``limit``."""
    for stale in list(itertools.islice(cache, max(0, len(cache) - limit))):
        del cache[stale]


def _cluster_paragraphs(
    con: duckdb.DuckDBPyConnection,
    features: ChunkFeatures,
    dirty: list[tuple],
    grams_of: dict[tuple[str, int], frozenset[str]],
) -> int:
    """Store the chunk's paragraph bands, check their candidates, write the clusters they
    join.

    Clusters are connected components of checked pairs. A cluster already stored stands
    in the graph as one node (its members are connected by construction), a candidate
    pair already connected is not checked again, and a cluster that only gains younger
    members keeps its rows: the new ones are added, measured against its origin. Only
    clusters that merge, or get an older origin, are read whole and rewritten. The rows
    are the ones a rebuild of every touched cluster would give.

    ``grams_of`` holds the bigrams of paragraphs folded so far in this run, by (article
    id, position); this chunk's are added, and only the most recent ``GRAMS_CACHE`` are
    kept for the next chunk.
    """
    import pandas as pd

    kept = features.paragraphs
    grams_of.update(((a, p), grams) for (a, p, _), grams in zip(kept, features.grams, strict=True))
    bands = _bands_frame(
        [(a, p) for a, p, _ in kept], features.paragraph_keys, ["article_id", "position"]
    )
    if len(bands):
        _register(con, "new_bands", bands)
        con.execute("INSERT INTO paragraph_bands BY NAME SELECT * FROM new_bands")
        con.unregister("new_bands")
    probe = pd.DataFrame(
        [(a, p) for a, p, _ in kept] + dirty, columns=["article_id", "position"]
    ).drop_duplicates()
    if not len(probe):
        return 0
    _register(con, "probe", probe)
    pairs = _select(con, "group_paragraph_candidates", {"min_bands": MIN_SHARED_BANDS})
    nodes = pd.DataFrame(
        list(probe.itertuples(index=False, name=None)) + [(b, q) for _, _, b, q in pairs],
        columns=["article_id", "position"],
    ).drop_duplicates()
    _register(con, "nodes", nodes)
    info = _select(con, "group_paragraph_nodes")
    paras = {(a, p): Para(a, p, t, (seen, a, p)) for a, p, t, seen, _ in info}
    cluster_of = {(a, p): c for a, p, _, _, c in info if c is not None}

    def grams(key: tuple[str, int]) -> frozenset[str]:
        if key not in grams_of:
            grams_of[key] = bigrams(paras[key].text)
        return grams_of[key]

    forest = Forest(paras)
    for key, cluster_id in cluster_of.items():
        forest.union(key, ("cluster", cluster_id))
    for a, p, b, q in pairs:
        x, y = (a, p), (b, q)
        if (
            x in paras
            and y in paras
            and forest.find(x) != forest.find(y)
            and containment(grams(x), grams(y)) >= THRESHOLD
        ):
            forest.union(x, y)
    groups = []
    for group in forest.groups():
        stored = {k[1] for k in group if k[0] == "cluster"}
        fresh = [paras[k] for k in group if k[0] != "cluster" and k not in cluster_of]
        if fresh and (stored or len(group) > 1):
            groups.append((stored, fresh))
    origins = {
        c: Para(a, p, t, (seen, a, p))
        for c, a, p, t, seen in _select(
            con,
            "group_cluster_members",
            {"ids": sorted({c for s, _ in groups for c in s}), "origins_only": True},
        )
    }
    out: list[ClusterRow] = []
    rebuild: list[tuple[set[str], list[Para]]] = []
    for stored, fresh in groups:
        if len(stored) == 1:
            origin = origins[next(iter(stored))]
            if all(p.order > origin.order for p in fresh):
                # Younger members join as they are; the rows already there stay.
                target = grams(origin.key) if origin.key in paras else bigrams(origin.text)
                cluster_id = next(iter(stored))
                out += [member_row(cluster_id, p, target, grams_of) for p in fresh]
                continue
        if stored:
            rebuild.append((stored, fresh))
        else:
            out += cluster_rows(fresh, grams_of)
    gone = sorted({c for stored, _ in rebuild for c in stored})
    if gone:
        members: dict[str, list[Para]] = {}
        for c, a, p, t, seen in _select(
            con, "group_cluster_members", {"ids": gone, "origins_only": False}
        ):
            members.setdefault(c, []).append(paras.get((a, p)) or Para(a, p, t, (seen, a, p)))
        for stored, fresh in rebuild:
            out += cluster_rows([m for c in sorted(stored) for m in members[c]] + fresh, grams_of)
        con.execute(
            f"DELETE FROM paragraph_clusters WHERE list_contains({literal(gone)}, cluster_id)"
        )
    frame = pd.DataFrame(
        [(r.cluster_id, r.article_id, r.position, r.similarity, r.is_origin) for r in out],
        columns=["cluster_id", "article_id", "position", "similarity", "is_origin"],
    )
    _register(con, "new_clusters", frame)
    con.execute("INSERT INTO paragraph_clusters BY NAME SELECT * FROM new_clusters")
    for name in ("probe", "nodes", "new_clusters"):
        con.unregister(name)
    _keep_newest(grams_of, GRAMS_CACHE)
    return int(frame["cluster_id"].nunique()) if len(frame) else 0


def _near_duplicates(con: duckdb.DuckDBPyConnection, features: ChunkFeatures, cache: dict) -> int:
    """Store the chunk's article bands and link the articles close to one seen before or
    with.

    Shingles are kept as hashes (``tasks.lsh.shingle_hashes``) in ``cache``, from one
    chunk to the next: an article is compared with many others (all its republications)
    and cut into shingles once per run.
    """
    import pandas as pd

    bands = _bands_frame([(a,) for a in features.articles], features.article_keys, ["article_id"])
    if len(bands):
        _register(con, "new_bands", bands)
        con.execute("INSERT INTO article_bands BY NAME SELECT * FROM new_bands")
        con.unregister("new_bands")
    cache.update(zip(features.articles, features.hashes, strict=True))
    pairs = _select(con, "group_article_candidates")
    missing = sorted({x for p in pairs for x in p[:2] if x not in cache})
    for a, t in _article_texts(con, missing):
        cache[a] = shingle_hashes(t)
    links = {}
    for a, b, seen_a, seen_b in pairs:
        later, earlier = (a, b) if (seen_a, a) > (seen_b, b) else (b, a)
        if (later, earlier) in links:
            continue
        similarity = hashed_jaccard(cache[a], cache[b])
        if similarity >= NEAR_DUPLICATE:
            links[(later, earlier)] = round(similarity, 4)
    _keep_newest(cache, SHINGLE_CACHE)
    frame = pd.DataFrame(
        [(a, b, s) for (a, b), s in links.items()],
        columns=["article_id", "similar_to", "similarity"],
    )
    if len(frame):
        _register(con, "new_links", frame)
        con.execute(
            "INSERT INTO near_duplicates BY NAME SELECT * FROM new_links n WHERE NOT EXISTS ("
            "SELECT 1 FROM near_duplicates d WHERE d.article_id = n.article_id "
            "AND d.similar_to = n.similar_to)"
        )
        con.unregister("new_links")
    return len(frame)


def _stories(con: duckdb.DuckDBPyConnection, window_days: int, now: datetime) -> set[str]:
    """Attach the chunk's articles to stories; returns the stories touched."""
    import pandas as pd

    rows = _select(con, "group_profiles")
    content = {r[0]: r[3] for r in rows}
    profiles = [
        ArticleProfile(
            article_id=a,
            when=happened,
            source=source,
            entities=dict(entities or {}),
            clusters=frozenset(clusters or ()),
            near=frozenset(near or ()),
        )
        for a, happened, source, _, entities, clusters, near in rows
    ]
    if not profiles:
        return set()
    frequency = _select(con, "group_entity_frequency")
    total = frequency[0][2] if frequency else 0
    limit = max(50, COMMON_SHARE * total)
    _register_ids(con, "common", "entity_id", [e for e, n, _ in frequency if n > limit])
    earliest = min(p.when for p in profiles)
    latest = max(p.when for p in profiles)
    stories = [
        StoryState(
            story_id=s,
            first=first,
            last=last,
            members=set(members or ()),
            clusters=set(clusters or ()),
            vector=dict(vector or {}),
        )
        for s, first, last, members, clusters, vector in _select(
            con,
            "group_candidate_stories",
            {"earliest": earliest, "latest": latest, "window_days": window_days},
        )
    ]
    grouping = assign(profiles, stories, idf({e: n for e, n, _ in frequency}, total), window_days)
    assignments = grouping.assignments
    for gone, kept in grouping.merged.items():
        con.execute(
            f"UPDATE story_articles SET story_id = {literal(kept)}, "
            "reason = CASE reason WHEN 'first' THEN 'merged' ELSE reason END "
            f"WHERE story_id = {literal(gone)}"
        )
    frame = pd.DataFrame(
        [
            (x.story_id, x.article_id, content[x.article_id], x.score, x.reason, now)
            for x in assignments
        ],
        columns=["story_id", "article_id", "content_hash", "score", "reason", "joined_at"],
    )
    _register(con, "new_members", frame)
    con.execute("INSERT INTO story_articles BY NAME SELECT * FROM new_members")
    con.unregister("new_members")
    con.unregister("common")
    return set(grouping.touched) | set(grouping.merged)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused for one chunk: the chunk makes millions of small
    objects (bigram sets, shingles, rows) that form no cycles, and every pass of the
    collector walked them all (about a tenth of grouping's time). What garbage a chunk
    leaves is collected after it, when the collector runs again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _helper_process(wanted: bool) -> Iterator[ProcessPoolExecutor | None]:
    """One spawned process for ``chunk_features``, or None."""
    if not wanted:
        yield None
        return
    helper = spawn_pool(1)
    try:
        yield helper
    finally:
        helper.shutdown(cancel_futures=True)


def _features_in_turn(
    con: duckdb.DuckDBPyConnection,
    chunks: list[list[str]],
    helper: ProcessPoolExecutor | None,
    warehouse: Path,
    core_free: threading.Event | None = None,
) -> Iterator[ChunkFeatures]:
    """The features of each chunk, in order. With a helper, the next chunk's are computed
    there while the caller groups this one: the same pure function on the same input, so
    the same features. A helper that died is done without (computed here).

    ``core_free`` is set as soon as the helper is done with the last chunk: its core is
    then free (for the search index) while the caller still groups the chunk before.
    """
    upcoming: tuple[Future[ChunkFeatures] | None, tuple] | None = None
    for number, chunk in enumerate(chunks):
        future, read = upcoming or (None, _read_chunk(con, chunk))
        upcoming = None
        if helper is not None and number + 1 < len(chunks):
            following = _read_chunk(con, chunks[number + 1])
            upcoming = (_submitted(helper, following), following)
            last = upcoming[0]
            if core_free is not None and last is not None and number + 2 == len(chunks):
                last.add_done_callback(lambda _: core_free.set())
        features = _result(future, warehouse) if future is not None else None
        yield features if features is not None else chunk_features(*read)


def _submitted(helper: ProcessPoolExecutor, read: tuple) -> Future[ChunkFeatures] | None:
    try:
        return helper.submit(chunk_features, *read)
    except (BrokenProcessPool, RuntimeError):  # broken, or shut down
        return None


def _result(future: Future[ChunkFeatures], warehouse: Path) -> ChunkFeatures | None:
    """The helper's features; None when it failed (it died, ran out of memory, or could
    not send them back): the chunk is then prepared here, as without a helper."""
    try:
        return future.result()
    except Exception as exc:
        run_logger(__name__).warning(
            "%s: grouping's helper process failed (%s: %s); preparing the chunk here",
            warehouse,
            type(exc).__name__,
            exc,
        )
        return None


def group(
    warehouse: Path,
    window_days: int = 7,
    *,
    helper: bool = False,
    chunk_size: int = CHUNK,
    core_free: threading.Event | None = None,
) -> GroupStats:
    """Group every article not grouped in its current version; see the module doc.

    With ``helper``, the texts of the next chunk are folded, shingled and banded in a
    helper process while this one is grouped (a run with more than one worker).
    ``core_free`` is set once grouping no longer keeps a second core busy: when the helper
    has prepared the last chunk, when the last chunk starts (without a helper: at once),
    or when grouping ends or fails.
    """
    try:
        return _group(warehouse, window_days, helper, chunk_size, core_free)
    finally:
        if core_free is not None:
            core_free.set()


def _group(
    warehouse: Path,
    window_days: int,
    helper: bool,
    chunk_size: int,
    core_free: threading.Event | None,
) -> GroupStats:
    started = datetime.now()
    stats = GroupStats()
    with connect(warehouse) as con:
        # A bounded buffer, and one transaction per chunk: memory stays flat however many
        # articles a run loaded (DuckDB keeps a transaction's changes until it commits).
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        pending = [r[0] for r in _select(con, "group_pending")]
        stats.articles = len(pending)
        con.execute("BEGIN TRANSACTION")
        _register_ids(con, "pending", "article_id", pending)
        run_script(con, "group_forget")
        dirty = [tuple(r) for r in con.execute("SELECT * FROM dirty_paragraphs").fetchall()]
        left = {r[0] for r in con.execute("SELECT story_id FROM left_stories").fetchall()}
        touched = set(left)
        shingle_cache: dict[str, object] = {}  # article id -> shingle hashes, for this run
        grams_cache: dict[tuple[str, int], frozenset[str]] = {}  # paragraph -> bigrams
        chunks = [pending[i : i + chunk_size] for i in range(0, len(pending), chunk_size)]
        if not chunks and (dirty or left):
            chunks = [[]]  # no article to group, but clusters and stories to mend
        with _helper_process(helper and len(chunks) > 1) as process:
            in_turn = _features_in_turn(con, chunks, process, warehouse, core_free)
            for number, chunk in enumerate(chunks):
                first = number == 0
                if core_free is not None and (process is None or number == len(chunks) - 1):
                    core_free.set()
                _register_ids(con, "chunk", "article_id", chunk)
                with _collector_paused():
                    features = next(in_turn)  # computed or received here, collector paused
                    stats.clusters += _cluster_paragraphs(
                        con, features, dirty if first else [], grams_cache
                    )
                    stats.near_duplicates += _near_duplicates(con, features, shingle_cache)
                    new = _stories(con, window_days, started) | (left if first else set())
                touched |= new
                if new:
                    _register_ids(con, "touched", "story_id", new)
                    run_script(con, "group_update_stories", {"now": started})
                con.unregister("chunk")
                # Articles of later chunks stay pending (no story_articles row) until
                # theirs commits: a run cut short leaves them to the next one.
                con.execute("COMMIT")
                con.execute("BEGIN TRANSACTION")
        con.execute("COMMIT")
        # Stories touched and still there (not merged into another).
        touched_ids = literal(sorted(touched))
        stats.stories = con.execute(
            f"SELECT count(*) FROM stories WHERE list_contains({touched_ids}, story_id)"
        ).fetchone()[0]  # type: ignore[index]
    stats.seconds = (datetime.now() - started).total_seconds()
    return stats


@task(
    name="group", cache_policy=NONE, retries=2, retry_delay_seconds=2, timeout_seconds=LOAD_TIMEOUT
)
def group_task(
    warehouse: Path,
    window_days: int,
    helper: bool = False,
    core_free: threading.Event | None = None,
) -> GroupStats:
    """Group the run's new and updated articles (I/O: retried; one transaction); see
    ``group`` for ``core_free``."""
    try:
        stats = group(warehouse, window_days, helper=helper, core_free=core_free)
    except WarehouseLocked as exc:
        get_run_logger().warning(
            "%s: locked by %s; grouping is left to the next run", warehouse, exc.holder
        )
        return GroupStats()
    get_run_logger().info(
        "%s: grouped %d article(s): %d paragraph cluster(s) written, %d near-duplicate(s), "
        "%d stor(y/ies) touched in %.1f s",
        warehouse,
        stats.articles,
        stats.clusters,
        stats.near_duplicates,
        stats.stories,
        stats.seconds,
    )
    return stats


@task(
    name="regroup",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=2,
    timeout_seconds=LOAD_TIMEOUT,
)
def regroup_task(warehouse: Path, window_days: int, helper: bool = False) -> GroupStats:
    """Forget all grouping and group the whole warehouse again (I/O: retried)."""
    stats = regroup(warehouse, window_days, helper=helper)
    get_run_logger().info(
        "%s: regrouped %d article(s) into %d stor(y/ies) in %.1f s",
        warehouse,
        stats.articles,
        stats.stories,
        stats.seconds,
    )
    return stats


def regroup(
    warehouse: Path,
    window_days: int = 7,
    *,
    helper: bool = False,
    chunk_size: int = CHUNK,
    core_free: threading.Event | None = None,
) -> GroupStats:
    """Forget all grouping and group the whole warehouse again, oldest articles first
    (``core_free``: see ``group``)."""
    with connect(warehouse) as con:
        for table in (
            "paragraph_clusters",
            "paragraph_bands",
            "article_bands",
            "near_duplicates",
            "story_articles",
            "stories",
        ):
            con.execute(f"DELETE FROM {table}")
    return group(warehouse, window_days, helper=helper, chunk_size=chunk_size, core_free=core_free)


__all__ = ["BANDS", "GroupStats", "group", "group_task", "regroup", "regroup_task"]
