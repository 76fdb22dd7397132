"""Imported once, by the transform pool's fork server (tasks/workers.py): loads what a
worker's first batch needs, so that every worker forked from it starts warm."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tasks.workers import PRELOAD_CACHE, PRELOAD_MODEL, init_worker, warm_up

init_worker()  # before numpy is imported: it reads its thread settings once
_model = os.environ.get(PRELOAD_MODEL)
if _model:
    try:
        _cache = os.environ.get(PRELOAD_CACHE)
        warm_up(_model, Path(_cache) if _cache else None)
    except Exception as exc:  # the workers load it themselves, and a batch says what fails
        print(
            f"depeche: the transform workers' server could not load {_model} ({exc}); "
            "each worker loads what it needs itself",
            file=sys.stderr,
        )
