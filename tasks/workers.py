"""The worker processes: the transform pool, forked from a server that loaded the stages
and the spaCy model once, and grouping's spawned helper; what each runs before its first
task.

Kept apart from tasks/transform.py on purpose: a spawned process (grouping's helper, the
fork server) imports the module of its initializer or preload before running it, and
tasks/transform.py imports Prefect (a second of CPU, for nothing) and, through
tasks/pipeline.py, numpy, which reads its thread settings once, at import.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver
from pathlib import Path

#: A run with this many documents or fewer is transformed in the flow's own process:
#: starting workers (imports, spaCy model) costs seconds that a few files never repay.
INLINE_BELOW = 64

#: What the fork server is to load (tasks/preload.py): it is a new interpreter, started
#: with the environment of the moment it starts.
PRELOAD_MODEL = "DEPECHE_PRELOAD_MODEL"
PRELOAD_CACHE = "DEPECHE_PRELOAD_CACHE"


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


# --- the transform pool --------------------------------------------------------------
#
# Each transform worker needs the stages (trafilatura, the cleaner...), the spaCy model
# and the language identifier: about 2.2 CPU s of imports and loading, with the pattern
# cache. Spawned, every worker paid it; forked from one server that loaded them first
# (multiprocessing's forkserver, its preload being tasks/preload.py), they pay it once,
# start warm, and share the model's memory. The server is not the flow's process: that
# one runs threads (Prefect's), which a fork would copy mid-work.


def transform_pool(workers: int, model: str, cache: Path | None) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes forked from the fork server (started if needed)."""
    start_server(model, cache)
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("forkserver"),
        initializer=init_worker,
    )


def start_server(model: str, cache: Path | None) -> None:
    """Start the fork server, loading what ``model``'s workers need, unless it runs.

    A server started for another model still serves: its workers load the model they
    are asked for themselves (tasks/entities.py), as spawned ones did.
    """
    multiprocessing.set_forkserver_preload(["tasks.preload"])
    told = {PRELOAD_MODEL: model, PRELOAD_CACHE: str(cache or "")}
    before = {name: os.environ.get(name) for name in told}
    os.environ.update(told)
    try:
        forkserver.ensure_running()  # starts it, and returns: it loads on its own
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def stop_server() -> None:
    """Stop the fork server, if it runs, without waiting for it to finish loading: its
    memory (the model) goes back before what follows the batches. The next pool starts
    a new one."""
    server = forkserver._forkserver  # type: ignore[attr-defined]
    with server._lock:  # no other thread starts one meanwhile
        pid = server._forkserver_pid
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        server._stop_unlocked()  # reaps it, forgets its address (CPython's own tests use it)


def warm_up(model: str, cache: Path | None) -> None:
    """Load what a worker's first batch needs: the stages, the model, the language
    identifier (each loaded once per process, so the batch finds them loaded)."""
    from tasks.entities import load_model
    from tasks.pipeline import transform_chunk  # noqa: F401  trafilatura, the cleaner...
    from tasks.segment import language_identifier

    load_model(model, cache)
    language_identifier(cache)


# --- the server started ahead, while the CLI imports Prefect ------------------------------
#
# For its first two seconds a run has one core busy (the CLI's imports, Prefect creating
# the flow run, listing the files) and the other idle. The CLI starts the fork server
# then, before it imports Prefect, so that it loads on that idle core and the workers
# fork warm when the first batch comes. A run with nothing to transform (an unchanged
# rerun, which the CLI does not start it for) stops it unfinished.

_AHEAD = False


def worth_starting_ahead(paths: list[Path], urls: int, warehouse: Path) -> bool:
    """Whether a run will likely want transform workers: more sources than the flow's
    process takes on its own, and, for files alone, one of them changed since the
    warehouse was last written (else the run is most likely an unchanged rerun, which
    the server would only slow). A wrong guess costs time, never output."""
    if len(paths) + urls <= INLINE_BELOW:
        return False
    if urls:
        return True
    try:
        written = warehouse.stat().st_mtime_ns
    except OSError:
        return True  # a first run
    return any(path.stat().st_mtime_ns >= written for path in paths)


def start_ahead(model: str, cache: Path | None) -> None:
    """Start the fork server now, loading ``model``'s stages."""
    global _AHEAD
    try:
        start_server(model, cache)
    except OSError:  # no socket for it, no process: the run starts one itself, or says why
        return
    _AHEAD = True


def take_ahead() -> bool:
    """Whether the server was started ahead (and not yet taken): the run now owns it."""
    global _AHEAD
    ahead, _AHEAD = _AHEAD, False
    return ahead


@atexit.register
def stop_ahead() -> None:
    """Stop the server started ahead, if no run took it."""
    if take_ahead():
        stop_server()
