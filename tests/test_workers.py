"""The transform worker the CLI starts ahead: taken by the run, or stopped unfinished."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

from depeche.cli import _start_worker_ahead
from depeche.settings import load_settings
from tasks import transform, workers
from tests.helpers import SEEDS

MODEL = "fr_core_news_md"
CACHE = Path(os.environ["DEPECHE_CACHE_DIR"])


def _processes(pool) -> list:  # type: ignore[no-untyped-def]
    return list(pool._processes.values())


def test_the_run_transforms_in_the_pool_started_ahead(tmp_path: Path) -> None:
    workers.start_ahead(2, MODEL, CACHE)
    assert workers._AHEAD is not None
    pool = workers._AHEAD[0]
    assert len(_processes(pool)) == 1  # one worker now, on the idle core
    try:
        paths = sorted(SEEDS.glob("*.txt"))
        result = transform.transform_paths(
            paths, max_bytes=10_000_000, model=MODEL, languages=("fr",), workers=2, cache=CACHE
        )
        assert transform._POOL is pool  # the run's pool is the one started ahead
        assert workers._AHEAD is None
        assert len(result.documents) == len(paths)
        assert all(d.mentions for d in result.documents)  # tagged by the warmed-up model
    finally:
        transform.stop_workers()
    assert transform._POOL is None


def test_a_run_with_no_work_stops_the_worker_unfinished() -> None:
    workers.start_ahead(2, MODEL, CACHE)
    assert workers._AHEAD is not None
    started = _processes(workers._AHEAD[0])
    transform.stop_workers()  # what the flow does when its batches are done
    assert workers._AHEAD is None
    # terminated while loading, not left to finish: an unchanged rerun does not wait
    assert [p.exitcode for p in started] == [-signal.SIGTERM]


def test_a_pool_of_another_size_is_not_taken() -> None:
    workers.start_ahead(2, MODEL, CACHE)
    assert workers._AHEAD is not None
    started = _processes(workers._AHEAD[0])
    assert workers.take_ahead(3) is None
    assert [p.exitcode for p in started] == [-signal.SIGTERM]


def test_the_cli_starts_a_worker_ahead_only_for_a_run_that_wants_workers(
    tmp_path: Path,
) -> None:
    many = tmp_path / "many"
    many.mkdir()
    for number in range(workers.INLINE_BELOW + 1):
        shutil.copy(SEEDS / "001_ab8cf38a567ce122.txt", many / f"{number:03}.txt")
    try:
        _start_worker_ahead(load_settings(sources=[SEEDS], workers=2))
        assert workers._AHEAD is None  # five files: transformed in the flow's process
        _start_worker_ahead(load_settings(sources=[many], workers=1))
        assert workers._AHEAD is None  # one worker: the flow's process
        _start_worker_ahead(load_settings(sources=[many], workers=2, task_runner="dask"))
        assert workers._AHEAD is None  # the Dask cluster's workers do the work
        warehouse = tmp_path / "wh.duckdb"
        _start_worker_ahead(load_settings(sources=[many], workers=2, warehouse=warehouse))
        assert workers._AHEAD is not None  # a first run
        workers.stop_ahead()
        warehouse.write_bytes(b"")  # written after the files: most likely a rerun
        _start_worker_ahead(load_settings(sources=[many], workers=2, warehouse=warehouse))
        assert workers._AHEAD is None
        (many / "new.txt").write_text("Un article de plus.")
        _start_worker_ahead(load_settings(sources=[many], workers=2, warehouse=warehouse))
        assert workers._AHEAD is not None  # a file changed since the last run
    finally:
        workers.stop_ahead()
