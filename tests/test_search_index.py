"""The full-text index build: bounded in time, all or nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from depeche.errors import WarehouseError
from tasks.load import build_search_index, ensure_schema

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
        build_search_index(db, timeout=0)
    assert _indexed(db) == 30_000
    assert build_search_index(db, only_if_missing=True) and _indexed(db) == 30_000
    assert build_search_index(db) and _indexed(db) == 30_010
