"""A warehouse held by another process: the run stages its output and merges it later,
losing nothing and loading nothing twice."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from depeche.settings import load_settings
from tasks.staging import staging_dir
from tests.helpers import query

pytestmark = pytest.mark.usefixtures("prefect_harness")

# Holds a read-write connection, as a notebook or the DuckDB CLI would, until told to go:
# a line on stdin, or (with an argument) the first staged batch appearing.
HOLDER = """
import sys, time, duckdb
from pathlib import Path
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
if len(sys.argv) > 2:
    while not list(Path(sys.argv[2]).glob("*/batch-*")):
        time.sleep(0.2)
    time.sleep(1)
else:
    sys.stdin.readline()
con.close()
"""


def _hold(warehouse: Path, until_staged: bool = False) -> subprocess.Popen[str]:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-c", HOLDER, str(warehouse)]
    if until_staged:
        args.append(str(staging_dir(warehouse)))
    holder = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def _ingest(sources: list[Path], warehouse: Path, **kw):  # type: ignore[no-untyped-def]
    from flows.ingest import ingest

    return ingest(load_settings(sources=sources, warehouse=warehouse, **kw))


def _tables(db: Path) -> dict[str, list[tuple]]:
    """Every table a user reads, minus run ids and timestamps."""
    return {
        name: query(db, f"SELECT * EXCLUDE ({exclude}) FROM {name} ORDER BY ALL")
        for name, exclude in [
            ("articles", "run_id, ingested_at, first_seen"),
            ("paragraphs", "kind"),
            ("boilerplate", "rule"),
            ("entities", "name"),
            ("entity_aliases", "score"),
            ("mentions", "surface"),
            ("quantities", "sentence"),
            ("paragraph_clusters", "similarity"),
            ("stories", "updated_at, first_seen, last_seen"),
            ("story_articles", "joined_at"),
            ("article_sources", "first_seen, run_id"),
            ("sources", "run_id, seen_at"),
            ("rejects", "run_id, rejected_at"),
        ]
    }


@pytest.fixture
def undisturbed(seed_copy: Path, tmp_path: Path) -> dict[str, list[tuple]]:
    (seed_copy / "empty.txt").write_text("", "utf-8")  # a reject goes through staging too
    warehouse = tmp_path / "undisturbed.duckdb"
    _ingest([seed_copy], warehouse)
    return _tables(warehouse)


def test_a_lock_held_through_the_run_is_merged_by_the_next_run(
    seed_copy: Path,
    warehouse: Path,
    undisturbed: dict[str, list[tuple]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    holder = _hold(warehouse)
    try:
        with caplog.at_level(logging.INFO):
            summary = _ingest([seed_copy], warehouse, lock_wait_seconds=2)
        assert (summary.articles_new, summary.articles_staged, summary.rejects) == (0, 5, 1)
        assert any(f"locked by PID {holder.pid}" in r.getMessage() for r in caplog.records)
        staged = staging_dir(warehouse)
        assert len(list(staged.glob("*/batch-*"))) == 1
        assert len(list(staged.glob("*/run.json"))) == 1
    finally:
        holder.communicate("go\n", timeout=30)
    again = _ingest([seed_copy], warehouse)  # merges first, then finds nothing changed
    assert (again.articles_new, again.articles_updated, again.articles_unchanged) == (0, 0, 6)
    assert not staging_dir(warehouse).exists()
    assert _tables(warehouse) == undisturbed
    runs = query(warehouse, "SELECT status, articles_staged > 0 FROM runs ORDER BY started_at")
    assert runs == [("completed_with_rejects", True), ("completed", False)]


def test_a_lock_released_during_the_run_is_merged_within_it(
    seed_copy: Path, warehouse: Path, undisturbed: dict[str, list[tuple]]
) -> None:
    holder = _hold(warehouse, until_staged=True)  # lets go one second after staging
    try:
        summary = _ingest([seed_copy], warehouse, lock_wait_seconds=60)
    finally:
        holder.communicate(timeout=60)
    assert (summary.articles_staged, summary.stories) == (0, 1)
    assert not staging_dir(warehouse).exists()
    assert _tables(warehouse) == undisturbed
    assert query(warehouse, "SELECT count(*), min(status) FROM runs") == [
        (1, "completed_with_rejects")
    ]


DEPECHE = Path(sys.executable).parent / "depeche"


def _table(warehouse: Path) -> None:
    import duckdb

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE TABLE articles AS SELECT 'Séisme' AS title")


def test_sql_waits_while_a_writer_holds_the_warehouse(warehouse: Path) -> None:
    _table(warehouse)
    holder = _hold(warehouse)
    query_ = subprocess.Popen(
        [str(DEPECHE), "sql", "SELECT title FROM articles", "-w", str(warehouse), "-f", "csv"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The query is waiting, not failed; then the writer lets go.
        with pytest.raises(subprocess.TimeoutExpired):
            query_.wait(timeout=3)
    finally:
        holder.communicate("go\n", timeout=30)
    out, err = query_.communicate(timeout=60)
    assert query_.returncode == 0, err
    assert out.splitlines() == ["title", "Séisme"]
    assert f"is being written by PID {holder.pid}" in err


def test_sql_says_who_holds_the_warehouse_when_waiting_is_over(warehouse: Path) -> None:
    _table(warehouse)
    holder = _hold(warehouse)
    try:
        result = subprocess.run(
            [str(DEPECHE), "sql", "SELECT 1", "-w", str(warehouse), "--wait", "1"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        holder.communicate("go\n", timeout=30)
    assert result.returncode == 1
    said = " ".join(result.stderr.split())  # the terminal may wrap the sentence
    assert f"depeche: warehouse {warehouse} is locked by PID {holder.pid}" in said
    assert "Traceback" not in result.stderr
