"""Duplicates, near-duplicates and stories, through the ingest flow on real files."""

from __future__ import annotations

import random
import shutil
import threading
from pathlib import Path

import duckdb
import pytest

from depeche.settings import load_settings
from tasks.clusters import Para, cluster
from tasks.group import NEAR_DUPLICATE
from tests.helpers import SEEDS, query

pytestmark = pytest.mark.usefixtures("prefect_harness")

STORY = "SELECT story_id FROM stories"
MEMBERS = (
    "SELECT s.story_id, list(a.source_uri ORDER BY a.source_uri) FROM story_articles s "
    "JOIN articles a USING (article_id) GROUP BY 1 ORDER BY 1"
)


def _ingest(sources: list[Path], warehouse: Path, **kw):  # type: ignore[no-untyped-def]
    from flows.ingest import ingest

    return ingest(load_settings(sources=sources, warehouse=warehouse, **kw))


def _names(uris: list[str]) -> list[str]:
    return sorted(Path(u).name for u in uris)


def test_seeds_form_one_story_and_unrelated_articles_stay_apart(
    tmp_path: Path, warehouse: Path
) -> None:
    from benchmarks.stories import labelled_corpus

    corpus = labelled_corpus(tmp_path / "corpus", hipe=30)
    summary = _ingest([corpus], warehouse)
    assert summary.articles_new >= 40
    stories = dict(query(warehouse, MEMBERS))
    seed_names = sorted(p.name for p in SEEDS.iterdir())
    seed_story = [s for s, members in stories.items() if "000_" in members[0]]
    assert len(seed_story) == 1
    assert _names(stories[seed_story[0]]) == seed_names  # all five seeds, nothing else
    ((label, headline, articles),) = query(
        warehouse,
        "SELECT label, headline, articles FROM stories WHERE story_id = ?",
        [seed_story[0]],
    )
    # The headline is the story's first article's (the one that founded it).
    assert articles == 5 and query(
        warehouse,
        "SELECT a.title FROM story_articles s JOIN articles a USING (article_id) "
        "WHERE s.reason = 'first' AND s.story_id = ?",
        [seed_story[0]],
    ) == [(headline,)]
    assert label.startswith("Corée du Nord, Russie") and label.endswith(headline)


def test_grouping_is_incremental_and_stable(tmp_path: Path) -> None:
    seeds = sorted(SEEDS.iterdir())
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    for path in seeds[:3]:
        shutil.copy(path, first)
    for path in seeds[3:]:
        shutil.copy(path, second)
    split = tmp_path / "split.duckdb"
    _ingest([first], split)
    before = {story for (story,) in query(split, STORY)}
    _ingest([first, second], split)  # the first three are unchanged: only two new ones
    whole = tmp_path / "whole.duckdb"
    _ingest([first, second], whole)
    # The story grew in place (an id of the first run; two early stories merged when the
    # later articles linked them), with the members a single run gives.
    ((story, members),) = query(split, MEMBERS)
    assert story in before and _names(members) == sorted(p.name for p in seeds)
    ((whole_story, whole_members),) = query(whole, MEMBERS)
    assert _names(whole_members) == _names(members)
    clusters = "SELECT * FROM paragraph_clusters ORDER BY ALL"
    assert _groups(split) == _groups(whole)  # ids follow origins, which arrival decides
    # The incremental clusters are the ones the in-memory reference finds.
    rows = query(
        whole,
        "SELECT p.article_id, p.position, p.text, a.first_seen FROM paragraphs p "
        "JOIN articles a USING (article_id) WHERE kind = 'body'",
    )
    reference = cluster(Para(a, p, t, (s, a, p)) for a, p, t, s in rows)
    before = query(whole, clusters)
    assert sorted((r.cluster_id, r.article_id, r.position) for r in reference) == sorted(
        (c, a, p) for c, a, p, _, _ in before
    )
    # An unchanged rerun touches nothing; regrouping from scratch gives the same ids.
    assert _ingest([first, second], whole).stories == 0
    from flows.ingest import regroup

    regroup(load_settings(warehouse=whole))
    assert query(whole, STORY) == [(whole_story,)]
    assert query(whole, clusters) == before


def _groups(db: Path) -> set[frozenset[tuple[str, int]]]:
    """Clusters as sets of (file name, paragraph position), whatever their ids."""
    rows = query(
        db,
        "SELECT c.cluster_id, a.source_uri, c.position FROM paragraph_clusters c "
        "JOIN articles a USING (article_id)",
    )
    groups: dict[str, set[tuple[str, int]]] = {}
    for cluster_id, uri, position in rows:
        groups.setdefault(cluster_id, set()).add((Path(uri).name, position))
    return {frozenset(g) for g in groups.values()}


def test_exact_duplicates_are_one_article_with_every_source(
    seed_copy: Path, warehouse: Path
) -> None:
    original = seed_copy / "002_742c2e54956e4d5d.txt"
    shutil.copy(original, seed_copy / "mirror_of_002.txt")
    summary = _ingest([seed_copy], warehouse)
    assert (summary.articles_new, summary.articles_duplicate) == (5, 1)
    assert query(warehouse, "SELECT count(*) FROM articles") == [(5,)]
    rows = query(
        warehouse,
        "SELECT article_id, list(source_uri ORDER BY source_uri) FROM article_sources "
        "GROUP BY 1 HAVING count(*) > 1",
    )
    assert len(rows) == 1 and _names(rows[0][1]) == [original.name, "mirror_of_002.txt"]
    assert query(warehouse, "SELECT articles_duplicate FROM runs") == [(1,)]
    # The copy is a source now: unchanged, it is skipped like any other next time.
    again = _ingest([seed_copy], warehouse)
    assert (again.articles_new, again.articles_unchanged) == (0, 6)
    # Edited, it becomes an article of its own and leaves the first one's sources.
    (seed_copy / "mirror_of_002.txt").write_text(
        original.read_text("utf-8") + "\n\nUn paragraphe ajouté par le second site.", "utf-8"
    )
    edited = _ingest([seed_copy], warehouse)
    assert (edited.articles_new, edited.articles_duplicate) == (1, 0)
    assert query(warehouse, "SELECT count(*) FROM article_sources") == [(6,)]
    assert query(warehouse, "SELECT count(DISTINCT article_id) FROM article_sources") == [(6,)]


def test_near_duplicate_articles_are_linked_and_distinct_ones_are_not(
    seed_copy: Path, warehouse: Path
) -> None:
    from benchmarks.stories import republished

    original = seed_copy / "001_ab8cf38a567ce122.txt"
    copy = republished(original.read_text("utf-8"), random.Random(1))
    (seed_copy / "republished_001.txt").write_text(copy, "utf-8")
    _ingest([seed_copy], warehouse)
    links = query(
        warehouse,
        "SELECT a.source_uri, b.source_uri, d.similarity FROM near_duplicates d "
        "JOIN articles a ON a.article_id = d.article_id "
        "JOIN articles b ON b.article_id = d.similar_to",
    )
    assert len(links) == 1  # the five seeds share wire copy but are not near-duplicates
    assert {Path(links[0][0]).name, Path(links[0][1]).name} == {
        original.name,
        "republished_001.txt",
    }
    assert links[0][2] >= NEAR_DUPLICATE


def test_analysis_views_on_the_seeds(seed_copy: Path, warehouse: Path) -> None:
    _ingest([seed_copy], warehouse)

    def by_name(sql: str) -> list[tuple]:
        return [(Path(r[0]).name[:3], *r[1:]) for r in query(warehouse, sql)]

    claims = by_name(
        "SELECT source, unit_key, figures FROM story_claims "
        "WHERE unit_key IN ('soldat', 'conteneur') ORDER BY unit_key, source"
    )
    assert claims == [
        ("001", "conteneur", [13000.0]),
        ("002", "conteneur", [13000.0]),
        ("000", "soldat", [10000.0]),
        ("001", "soldat", [10000.0]),
        ("002", "soldat", [1500.0, 10000.0]),
        ("003", "soldat", [10000.0]),
        ("004", "soldat", [11000.0]),
    ]
    timeline = by_name("SELECT source, reason FROM story_timeline ORDER BY happened, source")
    assert [t[0] for t in timeline] == ["000", "001", "002", "003", "004"]
    reasons = sorted(t[1] for t in timeline)
    assert reasons.count("first") == 1  # the story's founder; the others joined it
    assert set(reasons) <= {"first", "syndicated paragraphs", "entities", "merged"}
    pairs = query(
        warehouse,
        "SELECT articles FROM story_entity_pairs "
        "WHERE entity = 'Corée du Nord' AND other_entity = 'Russie'",
    )
    assert pairs == [(5,)]
    shin = by_name(
        "SELECT source, mentions FROM entity_mentions_by_source "
        "WHERE name = 'Shin Won-sik' ORDER BY source"
    )
    assert shin == [("000", 3), ("001", 2), ("003", 2)]
    assert query(
        warehouse,
        "SELECT sum(mentions) FROM entity_mentions_by_article WHERE name = 'Shin Won-sik'",
    ) == [(7,)]
    removed = by_name(
        "SELECT source, rule, lines FROM removals_by_rule_and_site ORDER BY rule, source"
    )
    assert ("001", "nav_crumb", 1) in removed and ("000", "stray_code", 1) in removed
    assert sum(r[2] for r in removed) == 9


VOCABULARY = (  # noqa: SIM905 (a word list, wrapped)
    "gouvernement ministre accord frontière soldats missiles ville région conseil rapport "
    "président sommet alliance sanctions économie marché usine port navire élection "
    "parlement tribunal enquête témoin réseau énergie pétrole gaz blé récolte prix "
    "hausse baisse grève syndicat hôpital école université chercheur satellite lancement"
).split()


def _paragraph(rng: random.Random, words: int = 30) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(words)).capitalize() + "."


def _edit(text: str, rng: random.Random) -> str:
    """The same paragraph with one word in ten replaced (a light rewrite)."""
    words = text.split()
    for i in range(0, len(words), 10):
        words[i] = rng.choice(VOCABULARY)
    return " ".join(words)


def _clusters(db: Path) -> set[tuple]:
    return set(query(db, "SELECT * FROM paragraph_clusters"))


def _reference(db: Path) -> set[tuple]:
    rows = query(
        db,
        "SELECT p.article_id, p.position, p.text, a.first_seen FROM paragraphs p "
        "JOIN articles a USING (article_id) WHERE kind = 'body'",
    )
    return {
        (r.cluster_id, r.article_id, r.position, r.similarity, r.is_origin)
        for r in cluster(Para(a, p, t, (s, a, p)) for a, p, t, s in rows)
    }


def test_clusters_grow_and_merge_across_runs_as_a_full_regroup_finds_them(
    tmp_path: Path,
) -> None:
    """A cluster that gains younger members keeps its rows; one linking two clusters
    merges them under the older origin; every step equals the in-memory reference."""
    rng = random.Random(7)
    x, y = _paragraph(rng), _paragraph(rng)
    folder = tmp_path / "articles"
    folder.mkdir()
    warehouse = tmp_path / "w.duckdb"

    def write(name: str, *paragraphs: str) -> None:
        body = [f"Article {name} sur la crise", *paragraphs, _paragraph(rng)]
        (folder / f"{name}.txt").write_text("\n\n".join(body), "utf-8")

    write("a", x, _paragraph(rng))
    write("b", _edit(x, rng), _paragraph(rng))
    write("c", y, _paragraph(rng))
    write("d", _edit(y, rng), _paragraph(rng))
    _ingest([folder], warehouse)
    first = _clusters(warehouse)
    assert len({row[0] for row in first}) == 2 and first == _reference(warehouse)

    write("e", _edit(x, rng), _paragraph(rng))  # joins the cluster of a and b
    _ingest([folder], warehouse)
    grown = _clusters(warehouse)
    assert first < grown and len(grown - first) == 1  # old rows kept, one row added
    assert grown == _reference(warehouse)

    write("f", x + " " + y)  # one paragraph holding both wire texts links the clusters
    _ingest([folder], warehouse)
    merged = _clusters(warehouse)
    assert len({row[0] for row in merged}) == 1 and merged == _reference(warehouse)
    origin_a = {row[0] for row in first if row[4]} & {row[0] for row in merged}
    assert len(origin_a) == 1  # the merged cluster keeps the id of the oldest origin

    from flows.ingest import regroup

    regroup(load_settings(warehouse=warehouse))
    assert _clusters(warehouse) == merged


def test_hashed_shingles_measure_the_same_jaccard_as_the_shingles_themselves() -> None:
    from tasks.lsh import hashed_jaccard, jaccard, shingle_hashes, shingles

    texts = [p.read_text("utf-8") for p in sorted(SEEDS.iterdir())]
    texts.append(texts[1].replace("Corée", "Coree")[: len(texts[1]) // 2])
    for a in texts:
        assert len(shingle_hashes(a)) == len(shingles(a))
        for b in texts:
            assert hashed_jaccard(shingle_hashes(a), shingle_hashes(b)) == pytest.approx(
                jaccard(shingles(a), shingles(b)), abs=1e-12
            )


def test_one_pass_word_helpers_give_what_the_folded_text_gives() -> None:
    # Grouping reads words, bigrams and their signature keys in one pass; the band keys
    # stored by earlier versions were computed from fold() and signature_keys(), and
    # new texts must keep meeting them in the same buckets.
    from tasks.lsh import (
        band_keys,
        bigrams,
        bigrams_and_keys,
        shingle_keys_of,
        shingles,
        signature_keys,
    )
    from tasks.text import fold, fold_words

    texts = [p.read_text("utf-8") for p in sorted(SEEDS.iterdir())]
    texts += [
        "L'été à Séoul : « il a dit », de la pluie_et du vent... 12,5 % !",
        "de la de la et le",  # stop words only: every bigram is kept
        "Ａｂｃ ﬁn ǅ ΣΊΣΥΦΟΣ straße Москва 東京 2024",
        "",
    ]
    texts += [line for t in texts[:5] for line in t.splitlines() if line.strip()]
    for text in texts:
        assert fold_words(text) == fold(text).split()
        grams, keys = bigrams_and_keys(text)
        assert grams == bigrams(text)
        assert sorted(keys) == sorted(signature_keys(grams))
        assert sorted(shingle_keys_of(fold_words(text))) == sorted(signature_keys(shingles(text)))
    grams = [bigrams(t) for t in texts]
    assert (
        band_keys([bigrams_and_keys(t)[1] for t in texts])
        == band_keys([signature_keys(g) for g in grams])
    ).all()
    # An article's words are its paragraphs' words in order (grouping folds each paragraph
    # once, for both): its text is the paragraphs joined by blank lines.
    paragraphs = texts[4:]
    assert fold_words("\n\n".join(paragraphs)) == [w for p in paragraphs for w in fold_words(p)]


def test_grouping_folds_articles_from_their_paragraphs(seed_copy: Path, tmp_path: Path) -> None:
    """The articles' features grouping builds from their paragraphs (each folded once) are
    those of the articles' stored text, on a real run's warehouse."""
    from tasks.clusters import eligible
    from tasks.features import ARTICLE_SAMPLE, chunk_features
    from tasks.group import _read_chunk
    from tasks.load import connect
    from tasks.lsh import band_keys, shingle_hashes, shingle_keys_of
    from tasks.text import fold_words

    warehouse = tmp_path / "w.duckdb"
    _ingest([seed_copy], warehouse)
    with connect(warehouse) as con:
        ids = [a for (a,) in con.execute("SELECT article_id FROM articles").fetchall()]
        rows, without_paragraphs = _read_chunk(con, ids)
        texts = dict(con.execute("SELECT article_id, text FROM articles").fetchall())
        body = con.execute("SELECT text FROM paragraphs WHERE kind = 'body'").fetchall()
    features = chunk_features(rows, without_paragraphs)
    assert len(ids) == 5 and without_paragraphs == []
    assert sorted(features.articles) == sorted(ids)
    assert len(features.paragraphs) == sum(eligible(t) for (t,) in body) > 0
    for article, hashes in zip(features.articles, features.hashes, strict=True):
        assert (hashes == shingle_hashes(texts[article])).all()
    assert (
        features.article_keys
        == band_keys(
            [shingle_keys_of(fold_words(texts[a])) for a in features.articles],
            sample=ARTICLE_SAMPLE,
        )
    ).all()


#: What grouping writes, without the times it writes it at.
GROUPING = {
    "paragraph_clusters": "SELECT * FROM paragraph_clusters ORDER BY ALL",
    "paragraph_bands": "SELECT * FROM paragraph_bands ORDER BY ALL",
    "article_bands": "SELECT * FROM article_bands ORDER BY ALL",
    "near_duplicates": "SELECT * FROM near_duplicates ORDER BY ALL",
    "story_articles": "SELECT * EXCLUDE (joined_at) FROM story_articles ORDER BY ALL",
    "stories": "SELECT * EXCLUDE (updated_at) FROM stories ORDER BY ALL",
}


def _features_fields(features) -> list:  # type: ignore[no-untyped-def]
    return [
        features.paragraphs,
        features.grams,
        features.paragraph_keys.tolist(),
        features.articles,
        features.article_keys.tolist(),
        [h.tolist() for h in features.hashes],
    ]


def test_a_helper_process_changes_nothing_but_the_time(tmp_path: Path, warehouse: Path) -> None:
    """Grouping with a helper process preparing each next chunk writes what grouping
    alone writes; and a helper that dies mid-way is done without."""
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from benchmarks.stories import labelled_corpus
    from tasks.group import _features_in_turn, _result, regroup
    from tasks.load import connect

    _ingest([labelled_corpus(tmp_path / "corpus", hipe=12)], warehouse)
    alone = regroup(warehouse, helper=False, chunk_size=6)
    written = {table: query(warehouse, sql) for table, sql in GROUPING.items()}
    helped = regroup(warehouse, helper=True, chunk_size=6)
    assert alone.articles == helped.articles >= 18  # three chunks or more
    assert (alone.stories, alone.clusters) == (helped.stories, helped.clusters)
    assert {table: query(warehouse, sql) for table, sql in GROUPING.items()} == written
    # Paragraphs of earlier chunks are checked with the bigrams kept from their chunk:
    # the clusters are those of one chunk holding every article.
    regroup(warehouse, helper=False, chunk_size=10_000)
    clusters = GROUPING["paragraph_clusters"]
    assert query(warehouse, clusters) == written["paragraph_clusters"]
    assert len({row[0] for row in written["paragraph_clusters"]}) >= 3

    with connect(warehouse) as con:
        ids = [a for (a,) in con.execute("SELECT article_id FROM articles ORDER BY 1").fetchall()]
        chunks = [ids[i : i + 6] for i in range(0, len(ids), 6)]
        expected = [_features_fields(f) for f in _features_in_turn(con, chunks, None, warehouse)]
        helper = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        try:
            helper.submit(int).result()  # started
            for process in list(helper._processes.values()):
                process.kill()  # as the out-of-memory killer would
            got = [_features_fields(f) for f in _features_in_turn(con, chunks, helper, warehouse)]
        finally:
            helper.shutdown()
    assert got == expected and len(got) >= 3
    # A helper that dies while computing, or fails to send its result back, leaves a
    # failed future: the chunk is then prepared here.
    for failure in (BrokenProcessPool("killed"), MemoryError(), OSError("pipe")):
        failed: Future = Future()
        failed.set_exception(failure)
        assert _result(failed, warehouse) is None


class _Freed(threading.Event):
    """Records how many articles were still to group when grouping freed its core."""

    def __init__(self, warehouse: Path) -> None:
        super().__init__()
        self.warehouse = warehouse
        self.pending: list[int] = []

    def set(self) -> None:
        if not self.is_set():
            con = duckdb.connect(str(self.warehouse))  # the instance grouping holds open
            try:
                self.pending += con.execute(
                    "SELECT count(*) FROM articles a WHERE NOT EXISTS "
                    "(SELECT 1 FROM story_articles s WHERE s.article_id = a.article_id)"
                ).fetchone()  # type: ignore[operator]
            finally:
                con.close()
        super().set()


def test_grouping_frees_the_second_core_for_the_index_once_its_helper_is_done(
    warehouse: Path, tmp_path: Path
) -> None:
    """The flow builds the search index on the core grouping's helper process leaves:
    once the helper has prepared the last chunk (it has nothing more to do), from the
    start without a helper, and at once when grouping fails."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from depeche.errors import WarehouseError
    from tasks.group import _features_in_turn, group, regroup
    from tasks.load import connect

    _ingest([SEEDS], warehouse)
    helped = _Freed(warehouse)
    regroup(warehouse, helper=True, chunk_size=2, core_free=helped)
    # Chunks of 2, 2 and 1 article(s): the last is given to the helper once the first
    # is grouped (3 pending), and grouped itself after the second (1 pending); the core
    # is freed in between, when the helper is done with it.
    assert helped.pending in ([3], [1])
    # The helper's last result frees the core by itself, before the caller asks for it.
    with connect(warehouse) as con:
        ids = [a for (a,) in con.execute("SELECT article_id FROM articles ORDER BY 1").fetchall()]
        process = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        try:
            freed = threading.Event()
            in_turn = _features_in_turn(con, [ids[:3], ids[3:]], process, warehouse, freed)
            next(in_turn)  # the first chunk (the helper prepares the second meanwhile)
            assert freed.wait(120)
            assert next(in_turn).articles == ids[3:]
        finally:
            process.shutdown()
    alone = _Freed(warehouse)
    regroup(warehouse, helper=False, chunk_size=2, core_free=alone)
    assert alone.pending == [5]
    failed = threading.Event()
    with pytest.raises(WarehouseError):
        group(tmp_path, core_free=failed)  # a folder: not a warehouse
    assert failed.is_set()
