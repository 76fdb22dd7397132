"""What a worker process of the transform pool runs before its first chunk.

Kept apart from tasks/transform.py on purpose: a spawned worker imports the module of its
initializer before running it, and tasks/transform.py imports Prefect (a second of CPU per
worker, for nothing) and, through tasks/pipeline.py, numpy, which reads its thread settings
once, at import.
"""

from __future__ import annotations

import os


def init_worker() -> None:
    """One BLAS thread per worker: the workers already use every core."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
