"""The transform workers the CLI starts ahead: taken by the run, or stopped unfinished."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

from depeche.cli import _worth_workers_ahead
from depeche.settings import load_settings
from tasks import transform, workers
from tests.helpers import SEEDS
from tests.test_cli import run

MODEL = "fr_core_news_md"
CACHE = Path(os.environ["DEPECHE_CACHE_DIR"])


def _processes(pool) -> list:  # type: ignore[no-untyped-def]
    return list(pool._processes.values())


def _exitcodes(processes: list) -> list[int | None]:
    """Their exit codes, once known (the pool's own thread may be the one reaping them)."""
    deadline = time.monotonic() + 5
    while any(p.exitcode is None for p in processes) and time.monotonic() < deadline:
        time.sleep(0.01)
    return [p.exitcode for p in processes]


def test_the_run_transforms_in_the_pool_started_ahead(tmp_path: Path) -> None:
    workers.start_ahead(2, MODEL, CACHE)
    assert workers._AHEAD is not None
    pool = workers._AHEAD[0]
    assert len(_processes(pool)) == 2  # both workers now, warming up
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


def test_a_run_with_no_work_stops_the_workers_unfinished() -> None:
    workers.start_ahead(2, MODEL, CACHE)
    assert workers._AHEAD is not None
    started = _processes(workers._AHEAD[0])
    transform.stop_workers()  # what the flow does when its batches are done
    assert workers._AHEAD is None
    # terminated while loading, not left to finish: an unchanged rerun does not wait
    assert _exitcodes(started) == [-signal.SIGTERM] * 2


def test_a_pool_of_another_size_is_not_taken() -> None:
    workers.start_ahead(2, MODEL, CACHE)
    assert workers._AHEAD is not None
    started = _processes(workers._AHEAD[0])
    assert workers.take_ahead(3) is None
    assert _exitcodes(started) == [-signal.SIGTERM] * 2


def test_a_first_run_starts_its_workers_ahead_and_an_unchanged_rerun_does_not(
    tmp_path: Path,
) -> None:
    many = tmp_path / "many"
    many.mkdir()
    for number in range(workers.INLINE_BELOW + 1):
        shutil.copy(SEEDS / "001_ab8cf38a567ce122.txt", many / f"{number:03}.txt")
    warehouse = tmp_path / "wh.duckdb"
    assert not _worth_workers_ahead(load_settings(sources=[SEEDS], workers=2))  # 5: inline
    assert not _worth_workers_ahead(load_settings(sources=[many], workers=1))
    assert not _worth_workers_ahead(load_settings(sources=[many], task_runner="dask"))
    ahead = "transform: 2 worker process(es), started ahead while Prefect loaded"
    first = run("ingest", str(many), "--warehouse", str(warehouse), "--workers", "2")
    assert first.returncode == 0, first.stderr
    assert ahead in first.stdout + first.stderr
    again = run("ingest", str(many), "--warehouse", str(warehouse), "--workers", "2")
    assert again.returncode == 0, again.stderr
    assert "transform:" not in again.stdout + again.stderr  # nothing to transform
