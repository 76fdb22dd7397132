"""Every Prefect task's options, checked in one place: no task is ever served from a
cache, retries are on I/O only, and the I/O tasks the flow calls directly have timeouts."""

from __future__ import annotations

import importlib
import pkgutil

from prefect.cache_policies import NONE
from prefect.tasks import Task

import tasks

#: Tasks that touch the warehouse (or the archive in it): retried, with a timeout.
WAREHOUSE_IO = {
    "start_run",
    "finish_run",
    "fail_run",
    "skip_unchanged",
    "known_entities",
    "load",
    "skip_fetched",
    "archived_urls",
    "read_archive",
    "group",
    "regroup",
    "search_index",
}
#: Submitted to a task runner (worker threads or Dask): Prefect cannot interrupt a
#: blocking call there, so the bound is inside (httpx timeouts per request for fetch,
#: DuckDB's interrupt after LOAD_TIMEOUT for the search index).
SUBMITTED = {"transform", "fetch", "search_index"}


def _all_tasks() -> dict[str, Task]:
    found: dict[str, Task] = {}
    for module in pkgutil.iter_modules(tasks.__path__):
        loaded = importlib.import_module(f"tasks.{module.name}")
        found.update({t.name: t for t in vars(loaded).values() if isinstance(t, Task)})
    return found


def test_no_task_is_ever_served_from_a_cache() -> None:
    found = _all_tasks()
    assert set(found) >= WAREHOUSE_IO | SUBMITTED
    assert {name for name, t in found.items() if t.cache_policy is not NONE} == set()


def test_retries_on_io_only_and_timeouts_on_direct_io() -> None:
    found = _all_tasks()
    assert {name for name, t in found.items() if t.retries} == WAREHOUSE_IO
    for name in WAREHOUSE_IO - SUBMITTED:
        assert found[name].timeout_seconds, f"{name} has no timeout"
    assert found["expand_sources"].timeout_seconds  # network, bounded as a whole
    for name in SUBMITTED | {"validate"}:
        assert found[name].timeout_seconds is None, name
