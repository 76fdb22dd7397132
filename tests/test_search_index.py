"""The full-text index: updated for what changed as a full build would be, bounded in
time, all or nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from depeche.errors import WarehouseError
from tasks.load import build_search_index, ensure_schema
from warehouse import load_fts

_ROWS = (
    "INSERT INTO paragraphs SELECT 'a' || (i // 20), i % 20, 'body', "
    "'Les soldats de la garnison ' || i || ' attendent la relève à Koursk depuis ' "
    "|| (i % 97) || ' jours.' FROM range($start, $stop) t(i)"
)


def _indexed(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM paragraph_search").fetchone()[0]  # type: ignore[index]
    finally:
        con.close()


def test_a_build_past_its_bound_is_interrupted_and_the_previous_index_stays(
    tmp_path: Path,
) -> None:
    db = tmp_path / "w.duckdb"
    ensure_schema(db)
    with duckdb.connect(str(db)) as con:
        con.execute(_ROWS, {"start": 0, "stop": 30_000})
    assert build_search_index(db)
    assert _indexed(db) == 30_000
    with duckdb.connect(str(db)) as con:
        con.execute(_ROWS, {"start": 30_000, "stop": 30_010})
    # The build runs in a worker thread, which Prefect's timeout cannot stop: its own
    # bound interrupts DuckDB, and the transaction leaves the index of the last build.
    with pytest.raises(WarehouseError, match="took over 0 s and was interrupted"):
        build_search_index(db, full=True, timeout=0)
    assert _indexed(db) == 30_000
    assert build_search_index(db, only_if_missing=True) and _indexed(db) == 30_000
    assert build_search_index(db) and _indexed(db) == 30_010


_FTS = "fts_main_paragraph_search"
QUERIES = ("soldats Koursk", "garnison", "relève attendue", "okapi", "président")


def search_state(db: Path) -> dict[str, list[tuple]]:
    """What the index answers, and what it is made of, by paragraph and term rather than
    by the index's internal numbering (which a full build and an update may differ in)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert load_fts(con)
        state = {
            "docs": f"SELECT name, len FROM {_FTS}.docs",
            "dict": f"SELECT term, df FROM {_FTS}.dict",
            "terms": f"SELECT d.name, k.term, count(*) FROM {_FTS}.terms "
            f"JOIN {_FTS}.docs d USING (docid) JOIN {_FTS}.dict k USING (termid) GROUP BY ALL",
            "stats": f"SELECT * FROM {_FTS}.stats",
            "paragraph_search": "SELECT * FROM paragraph_search",
            "search_articles": "SELECT * FROM search_articles",
        }
        out = {name: sorted(con.execute(q).fetchall()) for name, q in state.items()}
        for q in QUERIES:
            out[q] = con.execute(
                "SELECT article_id, position, score FROM search_paragraphs($q) "
                "ORDER BY score DESC, article_id, position",
                {"q": q},
            ).fetchall()
        return out
    finally:
        con.close()


_WORDS = "soldats Koursk garnison relève attendue zèbre président frontière"


def _add_articles(con: duckdb.DuckDBPyConnection, ids: range, version: str = "") -> None:
    """Articles of three paragraphs each, words drawn from a small vocabulary (so that
    terms are shared and their document frequencies matter)."""
    for i in ids:
        con.execute("DELETE FROM paragraphs WHERE article_id = $a", {"a": f"a{i}"})
        con.execute("DELETE FROM articles WHERE article_id = $a", {"a": f"a{i}"})
        words = _WORDS.split()
        paragraphs = [
            " ".join(words[(i * k + j) % len(words)] for j in range(3 + (i + k) % 5)) + version
            for k in range(1 if version else 3)
        ]
        text = "\n\n".join(paragraphs)
        con.execute(
            "INSERT INTO articles (article_id, source_uri, title, language, format, text, "
            "content_hash, raw_hash, ner_status, pipeline_version, run_id, ingested_at, "
            "text_hash) VALUES ($a, $a, 't', 'fr', 'text', $t, 'h', 'h', 'done', 'v', 'r', "
            "now(), sha256($t))",
            {"a": f"a{i}", "t": text},
        )
        for k, paragraph in enumerate(paragraphs):
            con.execute(
                "INSERT INTO paragraphs VALUES ($a, $k, 'body', $t)",
                {"a": f"a{i}", "k": k, "t": paragraph},
            )


def test_an_update_gives_what_a_full_build_gives(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    ensure_schema(db)
    with duckdb.connect(str(db)) as con:
        _add_articles(con, range(40))
    assert build_search_index(db) == "built over 40 article(s)"
    with duckdb.connect(str(db)) as con:
        _add_articles(con, range(40, 45))  # new
        _add_articles(con, range(3), version=" okapi relève nouvelle")  # changed, shorter
        con.execute("DELETE FROM paragraphs WHERE article_id IN ('a10', 'a11')")  # gone
        con.execute("DELETE FROM articles WHERE article_id IN ('a10', 'a11')")
    full = tmp_path / "full.duckdb"
    shutil.copy(db, full)
    assert build_search_index(db) == "updated: 5 article(s) out, 8 in, of 40"
    assert build_search_index(full, full=True) == "built over 43 article(s)"
    updated, built = search_state(db), search_state(full)
    assert updated == built
    assert {r[0] for r in updated["okapi"]} == {"a0", "a1", "a2"}  # the changed texts
    assert not [r for r in updated["garnison"] if r[0] in ("a10", "a11")]
    assert len(updated["docs"]) == 43 * 3 - 3 * 2
    # Nothing changed since: nothing to do. Most articles changed: built again.
    assert build_search_index(db) == "up to date"
    with duckdb.connect(str(db)) as con:
        _add_articles(con, range(45, 90))
    assert build_search_index(db) == "built over 88 article(s)"


def test_a_warehouse_indexed_by_an_older_version_is_built_once(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    ensure_schema(db)
    with duckdb.connect(str(db)) as con:
        _add_articles(con, range(10))
    assert build_search_index(db)
    with duckdb.connect(str(db)) as con:
        con.execute("DROP TABLE search_articles")  # as versions before the update left it
    assert build_search_index(db, only_if_missing=True) == "built over 10 article(s)"
    assert build_search_index(db, only_if_missing=True) == "present"
