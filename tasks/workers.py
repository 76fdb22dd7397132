"""What a worker process of the transform pool (and grouping's helper) runs before its
first task, and the pools themselves.

Kept apart from tasks/transform.py on purpose: a spawned worker imports the module of its
initializer before running it, and tasks/transform.py imports Prefect (a second of CPU per
worker, for nothing) and, through tasks/pipeline.py, numpy, which reads its thread settings
once, at import.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor


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
