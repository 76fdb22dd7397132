"""Stories and duplicates: the thresholds measured on labelled articles, and the cost of
grouping as the warehouse grows.

``--measure``: ingests the seeds (one story told by five outlets) with unrelated French
articles nobody here wrote (the HIPE-2022 NewsEye documents as text files, and the
French pages of the extraction benchmarks), then prints, for the entity similarity
that joins an article to a story, the scores of the positives (each seed against the
story of the other four) and of the negatives (every other article against the seeds'
story, and against each other), and the near-duplicate Jaccard of labelled article
pairs (a bench article and a republished copy with typical edits: positives; the seeds,
one story but different articles: negatives).

``--scale``: builds a synthetic warehouse of N articles recombining paragraphs of the
bench pages (some paragraphs shared, as wire copy is) with entity mentions drawn from a
Zipf law and publication dates spread over time, and groups it in runs of 500 new
articles, as ingest would. Time per run should stay flat (total time linear in N).

Run: ``python -m benchmarks.stories --measure`` / ``--scale 10000``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from benchmarks.quality import BENCH, trafeval_docs

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


# --- labelled corpus ---------------------------------------------------------------------


def hipe_texts(limit: int | None = None) -> list[tuple[str, str]]:
    """(document id, text) of the HIPE-2022 NewsEye French documents."""
    from benchmarks.ner import read_hipe

    docs = []
    for path in sorted((BENCH / "newseye-fr").glob("*.tsv")):
        docs += [(d.doc_id, d.text) for d in read_hipe(path)]
    return docs[:limit] if limit else docs


def french_pages() -> list[tuple[str, bytes]]:
    """French HTML pages of the extraction benchmarks."""
    pages = [
        (re.sub(r"\W+", "_", url)[:60], gzip.decompress(path.read_bytes()))
        for url, path, _, _, lang in trafeval_docs()
        if lang == "fr"
    ]
    truth = json.loads((BENCH / "fundus-pages" / "truth.dev.json").read_text("utf-8"))
    pages += [
        (key, gzip.decompress((BENCH / "fundus-pages" / "html" / f"{key}.html.gz").read_bytes()))
        for key in sorted(truth)
        if key.startswith("fr_")
    ]
    return pages


def labelled_corpus(folder: Path, hipe: int | None = None) -> Path:
    """The seeds plus unrelated French articles, as files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed in sorted(SEEDS.iterdir()):
        (folder / seed.name).write_bytes(seed.read_bytes())
    for doc_id, text in hipe_texts(hipe):
        # NewsEye texts are OCR'd pages in one block: one paragraph per sentence group.
        lines = re.sub(r"(?<=[.!?]) (?=[A-ZÀ-Ý])", "\n\n", text)
        (folder / f"hipe_{doc_id}.txt").write_text(lines, "utf-8")
    for key, html in french_pages():
        (folder / f"page_{key}.html").write_bytes(html)
    return folder


def is_seed(source_uri: str) -> bool:
    return Path(source_uri).name[:3].isdigit()


# --- measurement -----------------------------------------------------------------------


def entity_scores(warehouse: Path) -> tuple[list[float], list[float], list[float]]:
    """Scores of the story similarity on a grouped warehouse: each seed against the other
    four (positives), each seed against one other (positives, the case of a story's second
    article), and unrelated articles against the seeds' story and each other."""
    from tasks.stories import ArticleProfile, StoryState, cosine, idf, tf

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT a.article_id, a.source_uri, m.entity_id, count(*) FROM articles a "
            "JOIN mentions m USING (article_id) GROUP BY ALL"
        ).fetchall()
        total = con.execute("SELECT count(*) FROM articles").fetchone()[0]  # type: ignore[index]
    entities: dict[str, dict[str, int]] = {}
    seeds: set[str] = set()
    for article, uri, entity, n in rows:
        entities.setdefault(article, {})[entity] = n
        if is_seed(uri):
            seeds.add(article)
    df: dict[str, int] = {}
    for counts in entities.values():
        for e in counts:
            df[e] = df.get(e, 0) + 1
    weights = idf(df, total)
    now = datetime.now()

    def story(members: list[str]) -> StoryState:
        s = StoryState("s", now, now)
        for m in members:
            s.add(ArticleProfile(m, now, entities[m]))
        return s

    positives = [
        cosine(tf(entities[a]), story(sorted(seeds - {a})).vector, weights) for a in sorted(seeds)
    ]
    pairs = [
        cosine(tf(entities[a]), story([b]).vector, weights)
        for a in sorted(seeds)
        for b in sorted(seeds)
        if a != b
    ]
    others = sorted(set(entities) - seeds)
    seed_story = story(sorted(seeds))
    negatives = [cosine(tf(entities[a]), seed_story.vector, weights) for a in others]
    negatives += [
        cosine(tf(entities[a]), tf(entities[b]), weights)
        for i, a in enumerate(others)
        for b in others[i + 1 :]
    ]
    return positives, pairs, negatives


def republished(text: str, rng: random.Random) -> str:
    """A copy as another outlet republishes it: a new lede, the last paragraph cut, a few
    words changed."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if len(paragraphs) > 3:
        paragraphs = paragraphs[:-1]
    paragraphs.insert(0, "Selon une dépêche reprise par notre rédaction ce matin.")
    words = "\n\n".join(paragraphs).split(" ")
    for _ in range(max(1, len(words) // 50)):
        words[rng.randrange(len(words))] = "modifié"
    return " ".join(words)


def near_duplicate_scores(warehouse: Path) -> tuple[list[float], list[float]]:
    from tasks.lsh import jaccard, shingles

    rng = random.Random(7)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        texts = con.execute("SELECT source_uri, text FROM articles ORDER BY source_uri").fetchall()
    seeds = [t for uri, t in texts if is_seed(uri)]
    others = [t for uri, t in texts if not is_seed(uri) and len(t) > 1000]
    positives = [jaccard(shingles(t), shingles(republished(t, rng))) for t in others]
    negatives = [
        jaccard(shingles(a), shingles(b)) for i, a in enumerate(seeds) for b in seeds[i + 1 :]
    ]
    return positives, negatives


def _describe(name: str, values: list[float]) -> str:
    q = statistics.quantiles(values, n=20, method="inclusive") if len(values) > 1 else values * 19
    return (
        f"{name:<10} n={len(values):<5} min {min(values):.3f}  p5 {q[0]:.3f}  "
        f"median {statistics.median(values):.3f}  p95 {q[-1]:.3f}  max {max(values):.3f}"
    )


def measure(hipe: int | None, keep: Path | None = None) -> None:
    from depeche.settings import load_settings
    from flows.ingest import ingest
    from tasks.group import NEAR_DUPLICATE
    from tasks.stories import ENTITY_THRESHOLD

    with tempfile.TemporaryDirectory() as tmp:
        warehouse = keep or Path(tmp) / "w.duckdb"
        if not warehouse.exists():
            corpus = labelled_corpus(Path(tmp) / "corpus", hipe)
            ingest(load_settings(sources=[corpus], warehouse=warehouse))
        pos, pairs, neg = entity_scores(warehouse)
        print("Story similarity (entity cosine, idf-weighted), labelled articles:")
        print(" ", _describe("seed vs 4", pos))
        print(" ", _describe("seed vs 1", pairs))
        print(" ", _describe("unrelated", neg))
        print(
            f"  threshold in use {ENTITY_THRESHOLD}: "
            f"{sum(p >= ENTITY_THRESHOLD for p in pos + pairs)} of {len(pos + pairs)} positives "
            f"and {sum(n >= ENTITY_THRESHOLD for n in neg)} of {len(neg)} negatives at or above"
        )
        pos, neg = near_duplicate_scores(warehouse)
        print("Near-duplicate articles (Jaccard of word 3-shingles):")
        print(" ", _describe("republished", pos))
        print(" ", _describe("seed pairs", neg))
        print(
            f"  threshold in use {NEAR_DUPLICATE}: {sum(p >= NEAR_DUPLICATE for p in pos)} of "
            f"{len(pos)} positives, {sum(n >= NEAR_DUPLICATE for n in neg)} of {len(neg)} "
            "negatives at or above"
        )
        with duckdb.connect(str(warehouse), read_only=True) as con:
            stories = con.execute(
                "SELECT s.articles, list(a.source_uri ORDER BY a.source_uri) FROM stories s "
                "JOIN story_articles sa USING (story_id) JOIN articles a USING (article_id) "
                "GROUP BY s.story_id, s.articles ORDER BY s.articles DESC LIMIT 3"
            ).fetchall()
        print("Largest stories:", [(n, [Path(u).name for u in m][:6]) for n, m in stories])


# --- scaling ---------------------------------------------------------------------------


def synthetic(count: int, seed: int = 3) -> dict[str, pd.DataFrame]:
    """``count`` articles about ``count // 5`` events, from bench paragraphs.

    Each paragraph is a bench paragraph with its words shuffled (so that paragraphs are
    as distinct as real ones, with the same words), and one article in five starts with
    a paragraph of an earlier article of its event (wire copy). An article names five
    entities of its event and a few drawn from a Zipf law over 5,000 (the "France"s),
    and is dated near its event's day, events spread over a year.
    """
    from benchmarks.throughput import bench_pages
    from tasks.extract import extract_document
    from tasks.read import document_from_bytes

    rng = random.Random(seed)
    pool: list[str] = []
    for html in bench_pages()[: max(30, min(300, count // 10))]:
        doc = extract_document(document_from_bytes(html, "bench", "bench:page", name="p.html"))
        pool += [b.text for b in getattr(doc, "blocks", []) if len(b.text.split()) >= 12]
    start = datetime(2026, 1, 1)
    events = max(1, count // 5)
    common = [f"common{i}" for i in range(5000)]
    zipf = [1 / (i + 1) for i in range(len(common))]
    articles, paragraphs, mentions = [], [], []
    by_event: dict[int, list[str]] = {}
    plan = []
    for _ in range(count):
        event = rng.randrange(events)
        plan.append((start + timedelta(days=event * 365 / events, hours=rng.randrange(48)), event))
    plan.sort()  # articles arrive roughly in time order, as a crawl brings them
    for n, (when, event) in enumerate(plan):
        article_id = f"a{n:06d}"
        texts = []
        for _ in range(12):
            words = rng.choice(pool).split()
            rng.shuffle(words)
            texts.append(" ".join(words))
        if by_event.get(event) and rng.random() < 0.2:
            texts[0] = rng.choice(by_event[event])
        by_event.setdefault(event, []).append(texts[1])
        for position, text in enumerate(texts):
            paragraphs.append((article_id, position, text, "body"))
        named = [f"event{event}_{k}" for k in range(5)] + rng.choices(common, weights=zipf, k=5)
        for entity in named:
            mentions.append((article_id, rng.randrange(12), 0, 1, entity, entity))
        articles.append((article_id, f"synthetic/{n}", "\n\n".join(texts), str(n), when))
    return {
        "articles": pd.DataFrame(
            articles, columns=["article_id", "source_uri", "text", "content_hash", "first_seen"]
        ),
        "paragraphs": pd.DataFrame(paragraphs, columns=["article_id", "position", "text", "kind"]),
        "mentions": pd.DataFrame(
            mentions, columns=["article_id", "position", "start", "end", "surface", "entity_id"]
        ),
        "events": pd.DataFrame(
            [(f"a{n:06d}", event) for n, (_, event) in enumerate(plan)],
            columns=["article_id", "event"],
        ),
    }


def scale(count: int, step: int) -> None:
    from tasks.group import group
    from tasks.load import ensure_schema

    data = synthetic(count)
    print(f"synthetic corpus: {count} articles, {len(data['paragraphs'])} paragraphs")
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "w.duckdb"
        ensure_schema(warehouse)
        timings = []
        for start in range(0, count, step):
            with duckdb.connect(str(warehouse)) as con:
                ids = data["articles"]["article_id"].iloc[start : start + step]
                a = data["articles"].iloc[start : start + step]
                con.register("a", a)
                con.execute(
                    "INSERT INTO articles BY NAME SELECT article_id, source_uri, text, "
                    "content_hash, first_seen, first_seen AS ingested_at, 'x' AS title, "
                    "'fr' AS language, 'text' AS format, 'x' AS raw_hash, 'done' AS ner_status, "
                    "'x' AS pipeline_version, 'r' AS run_id FROM a"
                )
                for name in ("paragraphs", "mentions"):
                    frame = data[name][data[name]["article_id"].isin(ids)]
                    con.register("f", frame)
                    con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM f")
                    if name == "mentions":
                        con.execute(
                            "INSERT OR IGNORE INTO entities (entity_id, name, label) "
                            "SELECT DISTINCT entity_id, entity_id, 'PER' FROM f"
                        )
                    con.unregister("f")
            began = time.perf_counter()
            stats = group(warehouse, window_days=7)
            spent = time.perf_counter() - began
            timings.append(spent)
            print(
                f"  run {len(timings):>3}: +{stats.articles} articles (total {start + step:>6}) "
                f"grouped in {spent:6.2f} s, {stats.stories} stories touched"
            )
        with duckdb.connect(str(warehouse), read_only=True) as con:
            figures = con.execute(
                "SELECT (SELECT count(*) FROM stories), (SELECT count(DISTINCT cluster_id) "
                "FROM paragraph_clusters), (SELECT count(*) FROM near_duplicates)"
            ).fetchone()
            con.register("events", data["events"])
            purity = con.execute(
                "SELECT avg(CASE WHEN n_events = 1 THEN 1.0 ELSE 0.0 END), "
                "(SELECT avg(CASE WHEN n_stories = 1 THEN 1.0 ELSE 0.0 END) FROM ("
                "  SELECT event, count(DISTINCT story_id) AS n_stories FROM story_articles "
                "  JOIN events USING (article_id) GROUP BY event)) "
                "FROM (SELECT story_id, count(DISTINCT event) AS n_events FROM story_articles "
                "JOIN events USING (article_id) GROUP BY story_id)"
            ).fetchone()
    first = statistics.median(timings[: max(1, len(timings) // 4)])
    last = statistics.median(timings[-max(1, len(timings) // 4) :])
    print(
        f"total {sum(timings):.1f} s for {count} articles ({count / sum(timings):.0f} articles/s); "
        f"median run time first quarter {first:.2f} s, last quarter {last:.2f} s "
        f"(ratio {last / first:.2f}; 1.0 = linear total)"
    )
    print(f"stories {figures[0]}, paragraph clusters {figures[1]}, near-duplicates {figures[2]}")
    print(
        f"stories holding one event only: {purity[0]:.1%}; events kept in one story: "
        f"{purity[1]:.1%} ({count // 5} events)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measure", action="store_true", help="thresholds on labelled articles")
    parser.add_argument("--hipe", type=int, default=None, help="HIPE documents to use (all)")
    parser.add_argument("--warehouse", type=Path, help="keep (or reuse) the labelled warehouse")
    parser.add_argument("--scale", type=int, default=0, help="articles in the scaling run")
    parser.add_argument("--step", type=int, default=500, help="new articles per grouping run")
    args = parser.parse_args()
    if args.measure:
        measure(args.hipe, args.warehouse)
    if args.scale:
        scale(args.scale, args.step)
    if not (args.measure or args.scale):
        measure(args.hipe)
        scale(10_000, args.step)


if __name__ == "__main__":
    main()
