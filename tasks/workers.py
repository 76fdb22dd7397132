"""What a worker process of the transform pool (and grouping's helper) runs before its
first task, and the pools themselves.

Kept apart from tasks/transform.py on purpose: a spawned worker imports the module of its
initializer before running it, and tasks/transform.py imports Prefect (a second of CPU per
worker, for nothing) and, through tasks/pipeline.py, numpy, which reads its thread settings
once, at import.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

#: A run with this many documents or fewer is transformed in the flow's own process:
#: starting workers (imports, spaCy model) costs seconds that a few files never repay.
INLINE_BELOW = 64


def spawn_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of spawned processes (the flow's process runs threads, which fork would
    copy mid-work), each started by ``init_worker``."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
    )


def init_worker() -> None:
    """One BLAS thread per worker: the workers already use every core."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"


# --- the workers started ahead, while the CLI imports Prefect -----------------------------
#
# For its first two seconds a run has one core busy (the CLI's imports, Prefect creating
# the flow run, listing the files) and the other idle, and the transform workers started
# only when the flow had batches for them, each then loading the stages and the spaCy
# model (about 1.6 CPU s with the pattern cache). The CLI starts them ahead instead, each
# warming up, before it imports Prefect; the flow's pool is that pool. A run with
# nothing to transform (an unchanged rerun, which the CLI does not start them for) stops
# them unfinished.

_AHEAD: tuple[ProcessPoolExecutor, int] | None = None


def worth_starting_ahead(paths: list[Path], urls: int, warehouse: Path) -> bool:
    """Whether a run will likely want transform workers: more sources than the flow's
    process takes on its own, and, for files alone, one of them changed since the
    warehouse was last written (else the run is most likely an unchanged rerun, which
    the workers would only slow). A wrong guess costs time, never output."""
    if len(paths) + urls <= INLINE_BELOW:
        return False
    if urls:
        return True
    try:
        written = warehouse.stat().st_mtime_ns
    except OSError:
        return True  # a first run
    return any(path.stat().st_mtime_ns >= written for path in paths)


def warm_up(model: str, cache: Path | None) -> None:
    """Load what a worker's first batch needs: the stages, the model, the language
    identifier (each loaded once per process, so the batch finds them loaded)."""
    from tasks.entities import load_model
    from tasks.pipeline import transform_chunk  # noqa: F401  trafilatura, the cleaner...
    from tasks.segment import language_identifier

    load_model(model, cache)
    language_identifier(cache)


def start_ahead(workers: int, model: str, cache: Path | None) -> None:
    """Start the transform pool of ``workers`` processes, each warming up."""
    global _AHEAD
    stop_ahead()
    pool = spawn_pool(workers)
    for _ in range(workers):  # one warm-up each: a spawned pool starts a process per task
        pool.submit(warm_up, model, cache)
    _AHEAD = (pool, workers)


def take_ahead(workers: int) -> ProcessPoolExecutor | None:
    """The pool started ahead, if it has ``workers`` processes (else it is stopped)."""
    global _AHEAD
    ahead, _AHEAD = _AHEAD, None
    if ahead is None:
        return None
    if ahead[1] == workers:
        return ahead[0]
    stop_now(ahead[0])
    return None


@atexit.register
def stop_ahead() -> None:
    """Stop the pool started ahead, if no run took it."""
    global _AHEAD
    ahead, _AHEAD = _AHEAD, None
    if ahead is not None:
        stop_now(ahead[0])


def stop_now(pool: ProcessPoolExecutor) -> None:
    """Stop a pool without waiting for the work it has (a warm-up no batch needs)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # Python 3.11
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
