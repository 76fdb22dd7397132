"""The transform workers, forked from a server that loaded the model; the CLI starts it
ahead: used by the run, or stopped unfinished."""

from __future__ import annotations

import os
import shutil
import time
from multiprocessing import forkserver
from pathlib import Path

import pytest

from depeche.cli import _worth_workers_ahead
from depeche.errors import ModelMissing
from depeche.settings import load_settings
from tasks import transform, workers
from tasks.entities import _load_model
from tests.helpers import SEEDS
from tests.test_cli import run

MODEL = "fr_core_news_md"
CACHE = Path(os.environ["DEPECHE_CACHE_DIR"])


def _server_pid() -> int | None:
    return forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat", "rb") as fh:
        return int(fh.read().rsplit(b")", 1)[1].split()[1])


def _models_loaded() -> int:
    """Run in a worker: how many spaCy models its process holds."""
    return _load_model.cache_info().currsize


def test_the_run_transforms_in_workers_forked_warm_from_the_server_started_ahead() -> None:
    workers.start_ahead(MODEL, CACHE)
    server = _server_pid()
    assert server is not None
    assert workers.PRELOAD_MODEL not in os.environ  # told to the server alone
    try:
        pool = transform._pool(2, MODEL, CACHE)
        assert workers._AHEAD is False  # the run took it
        # Before any batch, a worker already holds the model: loaded once, by the server.
        assert pool.submit(_models_loaded).result() == 1
        paths = sorted(SEEDS.glob("*.txt"))
        result = transform.transform_paths(
            paths, max_bytes=10_000_000, model=MODEL, languages=("fr",), workers=2, cache=CACHE
        )
        assert transform._POOL is pool
        assert {_parent(p.pid) for p in pool._processes.values()} == {server}
        assert len(result.documents) == len(paths)
        assert all(d.mentions for d in result.documents)  # tagged by the preloaded model
    finally:
        transform.stop_workers()
    assert transform._POOL is None
    assert _server_pid() is None
    assert not Path(f"/proc/{server}").exists()  # stopped and reaped: its memory is back


def test_a_run_with_no_work_stops_the_server_unfinished() -> None:
    workers.start_ahead(MODEL, CACHE)
    server = _server_pid()
    assert server is not None
    started = time.monotonic()
    transform.stop_workers()  # what the flow does when its batches are done
    # Terminated while loading (2 CPU seconds at least), not waited for: an unchanged
    # rerun does not pay for the model it does not use.
    assert time.monotonic() - started < 1.0
    assert _server_pid() is None
    assert not Path(f"/proc/{server}").exists()
    assert workers._AHEAD is False


def test_a_server_that_cannot_load_its_model_still_forks_workers_that_say_why() -> None:
    missing = "xx_no_such_model"
    workers.start_ahead(missing, CACHE)  # its preload fails: the server must live on
    try:
        with pytest.raises(ModelMissing, match=f"spaCy model {missing} is not installed"):
            transform.transform_paths(
                sorted(SEEDS.glob("*.txt")),
                max_bytes=10_000_000,
                model=missing,
                languages=("fr",),
                workers=2,
                cache=CACHE,
            )
    finally:
        transform.stop_workers()


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
    ahead = "transform: 2 worker process(es), forked from a server started ahead while Prefect"
    first = run("ingest", str(many), "--warehouse", str(warehouse), "--workers", "2")
    assert first.returncode == 0, first.stderr
    assert ahead in first.stdout + first.stderr
    again = run("ingest", str(many), "--warehouse", str(warehouse), "--workers", "2")
    assert again.returncode == 0, again.stderr
    assert "transform:" not in again.stdout + again.stderr  # nothing to transform
