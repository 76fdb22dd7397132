"""Stage 8, load: write a batch into DuckDB in one transaction, through Arrow.

Loads are idempotent: a batch deletes its articles' old rows and inserts the new ones in
the same transaction, so a retry or a rerun never duplicates rows. Every connection is
opened for one batch and closed, so that readers are locked out only briefly.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from prefect import get_run_logger, task
from prefect.cache_policies import NONE

from depeche.errors import WarehouseError, WarehouseLocked, lock_holder
from depeche.settings import PIPELINE_VERSION
from tasks.documents import Reject, article_id_for
from tasks.linking import Known
from tasks.read import locations
from tasks.validate import Batch
from warehouse import literal, load_fts, sql

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

# pandas and pyarrow are imported where a batch needs them: a run without new or changed
# sources does not (0.27 s of its 2.2 s).
_PARAM = re.compile(r"\$(\w+)")


def statements(script: str) -> list[str]:
    """Split an SQL file into statements (our files put one ';' at the end of each)."""
    script = re.sub(r"--[^\n]*", "", script)  # our SQL files keep no '--' inside strings
    return [s.strip() for s in script.split(";") if s.strip()]


def run_script(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """Run ``warehouse/<name>.sql`` statement by statement, its named parameters
    (``$name``) given as literals (``warehouse.literal``: our SQL files hold no ``$``
    elsewhere); returns the connection, whose ``fetchall()`` gives the last statement's
    rows."""
    params = params or {}
    for statement in statements(sql(name)):
        con.execute(_PARAM.sub(lambda m: literal(params[m.group(1)]), statement))
    return con


@contextmanager
def connect(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse, translating DuckDB's errors into ``WarehouseError``."""
    try:
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
    except (duckdb.Error, OSError) as exc:
        if holder := lock_holder(str(exc)):
            raise WarehouseLocked(f"warehouse {path} is locked by {holder}", holder) from exc
        raise WarehouseError(f"cannot open warehouse {path}: {_first_line(exc)}") from exc
    try:
        if not read_only:
            con.execute(f"SET disabled_compression_methods = '{NOT_COMPRESSED_WITH}'")
            con.execute(f"SET threads = {WRITE_THREADS}")
        yield con
    finally:
        con.close()


#: Compression DuckDB is not to try when it writes the warehouse. Every batch closes the
#: file, and so checkpoints it; trying FSST on every string column was 40 % of that
#: checkpoint's CPU, and of building the search index, for 1.5 % of the file (FSST won
#: few segments: paragraph texts stay uncompressed either way). Measured on the
#: throughput corpus: checkpoints 1.70 -> 0.92 CPU s, search index 3.1-3.8 -> 2.6 s.
NOT_COMPRESSED_WITH = "fsst"
#: Cores a run keeps busy while it writes the warehouse, which DuckDB's threads would
#: only contend for: the workers during the batches, grouping's two processes while the
#: search index is built. On 2 cores, one DuckDB thread instead of two cut the end of a
#: 2,005-document run (grouping beside the index) from 10.4 to 8.8 CPU s, 8.35 to 7.7 s.
BUSY_CORES = 2
# From the machine's cores, not DuckDB's current setting: connections to a warehouse this
# process holds open share one instance, whose setting each would lower again.
WRITE_THREADS = max(1, (os.cpu_count() or 1) - BUSY_CORES)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


#: Timeouts of the warehouse tasks, generous: a DuckDB file on a slow disk, or a lock held
#: by another writer for a while, is no reason to fail; a hung one is.
WAREHOUSE_TIMEOUT = 300
LOAD_TIMEOUT = 900


#: DuckDB's buffer for grouping and the search index. The connections of one process
#: share one DuckDB instance, and this limit: the two, which run at the same time at the
#: end of a run, stay within it together, and the run's memory stays flat as the
#: warehouse grows (DuckDB spills or re-reads beyond it).
MEMORY_LIMIT = "1GB"


#: A run that changed more than this share of the indexed articles builds the full-text
#: index again instead of updating it (at half, the two took 4.3 and 6.2 s on 3,854
#: articles; past it they are close, and a build renumbers the index densely).
REBUILD_SHARE = 0.5


def _search_index_present(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE (schema_name = 'main' AND table_name IN "
        "('paragraph_search', 'search_articles')) OR "
        "(schema_name = 'fts_main_paragraph_search' AND table_name = 'docs')"
    ).fetchone()
    return bool(found and found[0] == 3)


def build_search_index(
    path: Path, *, only_if_missing: bool = False, full: bool = False, timeout: float = LOAD_TIMEOUT
) -> str | None:
    """Bring the full-text index over paragraphs up to date: updated for the articles
    whose text changed since it was built, or built again when there is none yet, when
    ``full``, or when more than ``REBUILD_SHARE`` of the articles changed. With
    ``only_if_missing``, only a missing index is built.

    Returns:
        What was done, for the log; None when the fts extension is not available.

    Raises:
        WarehouseError: the work took longer than ``timeout`` seconds and was
            interrupted; it runs in a worker thread, which Prefect's own timeout cannot
            stop.
    """
    with connect(path) as con:
        present = _search_index_present(con)
        if only_if_missing and present:
            return "present"
        if not load_fts(con):
            return None
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute("SET enable_progress_bar = false")  # a run's log, not a terminal's
        # One transaction: an interrupted build or update leaves the index as it was.
        con.execute("BEGIN TRANSACTION")
        with _interrupted_after(con, timeout):
            try:
                stale, fresh, indexed = run_script(con, "search_index_changes").fetchone()  # type: ignore[misc]
                if full or not present or stale + fresh > REBUILD_SHARE * indexed:
                    run_script(con, "create_search_index")
                    done = f"built over {indexed - stale + fresh:,} article(s)"
                elif stale or fresh:
                    run_script(con, "update_search_index")
                    done = f"updated: {stale} article(s) out, {fresh} in, of {indexed:,}"
                else:
                    done = "up to date"
                con.execute("COMMIT")
            except duckdb.InterruptException as exc:
                con.execute("ROLLBACK")
                raise WarehouseError(
                    f"{path}: the full-text index took over {timeout:g} s and was interrupted"
                ) from exc
    return done


@contextmanager
def _interrupted_after(con: duckdb.DuckDBPyConnection, seconds: float) -> Iterator[None]:
    """Interrupt ``con``'s statements once ``seconds`` have passed, until the block ends
    (again and again: an interrupt that falls between two statements is lost)."""
    done = threading.Event()

    def watch() -> None:
        if done.wait(seconds):
            return
        while True:
            con.interrupt()
            if done.wait(0.05):
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


@contextmanager
def held_open(path: Path) -> Iterator[None]:
    """Keep the warehouse open in this process while tasks in several threads open and
    close their own connections to it: they share one DuckDB instance, and none opens it
    while another closes it (DuckDB 1.5 can then fail with "Unique file handle conflict",
    duckdb/duckdb-python#392). A warehouse another process holds is not held: the tasks
    meet the lock themselves."""
    with ExitStack() as stack:
        with suppress(WarehouseError):
            stack.enter_context(connect(path))
        yield


def ensure_schema(path: Path) -> None:
    """Create the warehouse file and its tables if they do not exist."""
    with connect(path) as con:
        apply_schema(con, path)


def apply_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Create the tables that do not exist and (re)create the views, on an open warehouse."""
    try:
        run_script(con, "create_tables")
        run_script(con, "views")
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot write warehouse {path}: {_first_line(exc)}") from exc


def known_sources(path: Path, article_ids: list[str]) -> dict[str, tuple[str, int, int]]:
    """article_id -> (raw_hash, size, mtime_ns) of the given articles, as last loaded by
    this pipeline version."""
    with connect(path) as con:
        rows = run_script(
            con, "select_known_sources", {"pipeline_version": PIPELINE_VERSION, "ids": article_ids}
        ).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def unchanged_by_stat(
    paths: list[Path], known: dict[str, tuple[str, int, int]], ids: list[str]
) -> tuple[list[Path], int, dict[str, str]]:
    """Split paths into those to process and a count of those unchanged since their load.

    A file with the size and modification time recorded at its last load is unchanged
    without being read. For the others, the known raw hashes are returned so that a file
    touched but not changed is recognised once read.
    """
    todo: list[Path] = []
    hashes: dict[str, str] = {}
    unchanged = 0
    for path, article_id in zip(paths, ids, strict=True):
        entry = known.get(article_id)
        if entry is not None:
            raw_hash, size, mtime_ns = entry
            try:
                stat = path.stat()
            except OSError:
                stat = None
            if stat is not None and (stat.st_size, stat.st_mtime_ns) == (size, mtime_ns):
                unchanged += 1
                continue
            hashes[article_id] = raw_hash
        todo.append(path)
    return todo, unchanged, hashes


def known_urls(path: Path, urls: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """Archived URLs among ``urls``: url -> (etag, last_modified)."""
    with connect(path) as con:
        rows = run_script(con, "select_known_urls", {"urls": urls}).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def archive_frame(fetched: list) -> pd.DataFrame:
    """``raw_documents`` rows for fetched responses (tasks.fetch.Fetched), bodies gzipped."""
    import hashlib
    import json

    import pandas as pd

    return pd.DataFrame(
        [
            (
                f.location,
                f.final_url,
                f.status,
                json.dumps(f.headers),
                f.fetched_at,
                f.compress().body_gz if f.status == 200 else None,
                hashlib.sha256(f.body).hexdigest() if f.status == 200 else None,
                f.headers.get("etag"),
                f.headers.get("last-modified"),
            )
            for f in fetched
        ],
        columns=[
            "url",
            "final_url",
            "status",
            "headers",
            "fetched_at",
            "body",
            "raw_hash",
            "etag",
            "last_modified",
        ],
    )


def known_entities(path: Path) -> list[Known]:
    """The warehouse's entities with their merge keys."""
    with connect(path) as con:
        rows = con.execute(statements(sql("select_known_entities"))[0]).fetchall()
    return [Known(entity_id=r[0], label=r[1], key=r[2]) for r in rows]


@dataclass
class LoadStats:
    """What one batch load changed."""

    new: int = 0
    updated: int = 0
    duplicates: int = 0  # same cleaned text as another article: loaded as its source
    staged: int = 0  # articles written to the staging folder (the warehouse was locked)
    paragraphs: int = 0
    boilerplate: int = 0
    mentions: int = 0
    rejects: int = 0
    seconds: float = 0.0  # wall time of the load, for the run's durations by stage


def _arrow(frame: pd.DataFrame) -> pa.Table:
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False)


def rejects_frame(rejects: list[Reject], run_id: str) -> pd.DataFrame:
    """The ``rejects`` rows of a batch."""
    import pandas as pd

    return pd.DataFrame(
        [(run_id, r.source_uri, r.stage, r.reason, r.detail) for r in rejects],
        columns=["run_id", "source_uri", "stage", "reason", "detail"],
    )


def sources_frame(articles: pd.DataFrame | None, rejects: list[Reject]) -> pd.DataFrame:
    """The state of each source of the batch: loaded articles and identifiable rejects."""
    import pandas as pd

    columns = ["article_id", "source_uri", "raw_hash", "source_size", "source_mtime_ns"]
    rows = []
    if articles is not None and len(articles):
        rows += [(*r, "article") for r in articles[columns].itertuples(index=False)]
    rows += [
        (
            article_id_for(r.location),
            r.source_uri,
            r.raw_hash,
            r.source_size,
            r.source_mtime_ns,
            "rejected",
        )
        for r in rejects
        if r.location and r.source_size is not None
    ]
    frame = pd.DataFrame(rows, columns=[*columns, "outcome"])
    frame["source_size"] = frame["source_size"].astype("Int64")
    frame["source_mtime_ns"] = frame["source_mtime_ns"].astype("Int64")
    return frame


def load(
    path: Path, batch: Batch, rejects: list[Reject], run_id: str, archive: list | None = None
) -> LoadStats:
    """Write one batch and its rejects in a single transaction.

    Args:
        path: the DuckDB file.
        batch: validated tables of the batch's articles.
        rejects: the batch's rejects, from any stage.
        run_id: the run loading them.

    Returns:
        Counts of what was written.
    """
    import pandas as pd

    frames = batch.frames
    stats = LoadStats(rejects=len(rejects))
    now = datetime.now()
    with connect(path) as con:
        try:
            con.execute("BEGIN TRANSACTION")
            articles = frames.get("articles")
            if articles is not None and len(articles):
                ids = list(articles["article_id"])
                existing = {
                    r[0]
                    for r in con.execute(
                        "SELECT article_id FROM articles WHERE "
                        f"list_contains({literal(ids)}, article_id)"
                    ).fetchall()
                }
                for name in (
                    "articles",
                    "paragraphs",
                    "boilerplate",
                    "entities",
                    "entity_aliases",
                    "mentions",
                    "quantities",
                ):
                    con.register(f"batch_{name}", _arrow(frames[name]))
                run_script(con, "merge_batch", {"run_id": run_id, "ingested_at": now})
                duplicates = {
                    r[0] for r in con.execute("SELECT source_id FROM batch_duplicates").fetchall()
                }
                stats.duplicates = len(duplicates)
                stats.updated = len(existing - duplicates)
                stats.new = len(set(ids) - existing - duplicates)
                for name in ("paragraphs", "boilerplate", "mentions"):
                    kept = ~frames[name]["article_id"].isin(duplicates)
                    setattr(stats, name, int(kept.sum()))
            if rejects:
                con.register("batch_rejects", _arrow(rejects_frame(rejects, run_id)))
                run_script(con, "insert_rejects", {"rejected_at": now})
            if archive is not None and len(archive):
                raw = archive if isinstance(archive, pd.DataFrame) else archive_frame(archive)
                con.register("batch_raw", _arrow(raw))
                run_script(con, "merge_raw_documents", {"run_id": run_id})
            states = sources_frame(articles, rejects)
            if len(states):
                con.register("batch_sources", _arrow(states))
                run_script(
                    con,
                    "merge_sources",
                    {"pipeline_version": PIPELINE_VERSION, "run_id": run_id, "seen_at": now},
                )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise WarehouseError(f"cannot load into warehouse {path}: {_first_line(exc)}") from exc
    return stats


@task(name="search_index", cache_policy=NONE, retries=2, retry_delay_seconds=2)
def search_index_task(warehouse: Path, changed: bool, after: threading.Event | None = None) -> bool:
    """Update the full-text index over paragraphs if the run changed articles, or build
    it if there is none yet (I/O: retried). Submitted while the flow groups: the index is
    DuckDB's work, which releases the GIL, so it gets the core grouping leaves idle; it
    starts when ``after`` is set (grouping's helper process is done with that core), or
    after ``LOAD_TIMEOUT`` at the latest. Prefect cannot interrupt a blocking call in a
    worker thread: the bound is inside (``LOAD_TIMEOUT``, then DuckDB's interrupt)."""
    logger = get_run_logger()
    if after is not None:
        after.wait(LOAD_TIMEOUT)
    started = time.perf_counter()
    try:
        built = build_search_index(warehouse, only_if_missing=not changed)
    except WarehouseLocked as exc:
        logger.warning(
            "%s: locked by %s; the full-text index is rebuilt by the next run that loads articles",
            warehouse,
            exc.holder,
        )
        return False
    if built is None:
        logger.warning("%s: full-text search unavailable (fts extension missing)", warehouse)
        return False
    logger.info("%s: full-text index %s (%.2f s)", warehouse, built, time.perf_counter() - started)
    return True


@task(
    name="skip_unchanged",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=2,
    timeout_seconds=WAREHOUSE_TIMEOUT,
)
def skip_unchanged(paths: list[Path], warehouse: Path) -> tuple[list[Path], int, dict[str, str]]:
    """Drop files unchanged since this pipeline version loaded them (I/O: retried)."""
    ids = [article_id_for(location) for location in locations(paths)]
    try:
        known = known_sources(warehouse, ids)
    except WarehouseLocked as exc:
        get_run_logger().warning(
            "%s: locked by %s; cannot tell unchanged files, all %d are processed",
            warehouse,
            exc.holder,
            len(paths),
        )
        known = {}
    todo, unchanged, hashes = unchanged_by_stat(paths, known, ids)
    if unchanged:
        get_run_logger().info(
            "%s: %d of %d file(s) unchanged since their last load (first: %s)",
            warehouse,
            unchanged,
            len(paths),
            paths[0],
        )
    return todo, unchanged, hashes


@task(
    name="known_entities",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=2,
    timeout_seconds=WAREHOUSE_TIMEOUT,
)
def known_entities_task(warehouse: Path) -> list[Known]:
    """Read the entities new mentions may join (I/O: retried)."""
    try:
        return known_entities(warehouse)
    except WarehouseLocked as exc:
        get_run_logger().warning(
            "%s: locked by %s; new mentions are linked within the batch only", warehouse, exc.holder
        )
        return []


@task(
    name="load", cache_policy=NONE, retries=2, retry_delay_seconds=2, timeout_seconds=LOAD_TIMEOUT
)
def load_batch(
    warehouse: Path, batch: Batch, rejects: list[Reject], run_id: str, archive: list | None = None
) -> LoadStats:
    """Load a batch (I/O: retried; idempotent, so a retry cannot duplicate rows)."""
    logger = get_run_logger()
    started = time.perf_counter()
    try:
        stats = load(warehouse, batch, rejects, run_id, archive)
    except WarehouseLocked as exc:
        from tasks.staging import stage_batch

        folder = stage_batch(warehouse, run_id, batch, rejects, archive)
        articles = batch.frames.get("articles")
        stats = LoadStats(staged=0 if articles is None else len(articles), rejects=len(rejects))
        logger.warning(
            "%s: locked by %s; batch of %d article(s) and %d reject(s) staged in %s",
            warehouse,
            exc.holder,
            stats.staged,
            len(rejects),
            folder,
        )
        return stats
    stats.seconds = time.perf_counter() - started
    logger.info(
        "%s: loaded %d new and %d updated articles, %d paragraphs, %d mentions, %d rejects",
        warehouse,
        stats.new,
        stats.updated,
        stats.paragraphs,
        stats.mentions,
        stats.rejects,
    )
    return stats
