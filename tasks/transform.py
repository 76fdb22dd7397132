"""The CPU-bound stages fanned out over worker processes, as one Prefect task per batch.

Each stage stays a pure function in its own module, chained per document by
``tasks.pipeline.transform_chunk``; here chunks of documents run in a process pool, so
both cores extract and tag while the flow's process validates and loads the previous
batch. One task per batch, not per stage: per-stage tasks would ship every batch between
processes six times and cost a Prefect API round trip each.
"""

from __future__ import annotations

import atexit
import threading
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NONE

from tasks.documents import Transformed, article_id_for
from tasks.fetch import FetchResult
from tasks.logs import run_logger
from tasks.read import locations
from tasks.workers import INLINE_BELOW, stop_server, take_ahead, transform_pool

_POOL: ProcessPoolExecutor | None = None
_POOL_SIZE = 0


_POOL_LOCK = threading.Lock()
_INLINE_LOCK = threading.Lock()


def _pool(workers: int, model: str, cache: Path | None) -> ProcessPoolExecutor:
    """The process pool, started once per process (forked from the fork server, which
    loaded the stages and the model: tasks/workers.py).

    Two batches are in flight at once, so two threads may ask at the same time: the lock
    makes sure only one pool is ever started.
    """
    with _POOL_LOCK:
        return _pool_locked(workers, model, cache)


def _pool_locked(workers: int, model: str, cache: Path | None) -> ProcessPoolExecutor:
    global _POOL, _POOL_SIZE
    if _POOL is None or workers != _POOL_SIZE:
        if _POOL is not None:
            _POOL.shutdown(cancel_futures=True)
        ahead = take_ahead()  # the CLI may have started the server (tasks/workers.py)
        _POOL = transform_pool(workers, model, cache)
        _POOL_SIZE = workers
        run_logger(__name__).info(
            "transform: %d worker process(es)%s",
            workers,
            ", forked from a server started ahead while Prefect loaded" if ahead else "",
        )
    return _POOL


@atexit.register
def stop_workers() -> None:
    """Stop the worker processes and their fork server (they start again with the next
    batch that needs them)."""
    global _POOL, _POOL_SIZE
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.shutdown(cancel_futures=True)
        _POOL, _POOL_SIZE = None, 0
        take_ahead()  # a server started ahead and never used is stopped here too
        stop_server()


def workers_for(documents: int, workers: int) -> int:
    """Worker processes for a run transforming ``documents`` (1: the flow's process)."""
    return 1 if documents <= INLINE_BELOW else workers


def _known_for(items: list, known: dict[str, str]) -> dict[str, str]:
    """The entries of ``known`` for these sources only, so each chunk ships little."""
    if not known:
        return {}
    files = locations([p for p in items if isinstance(p, Path)])  # as skip_unchanged does
    pages = [p.location for p in items if not isinstance(p, Path)]
    ids = (article_id_for(location) for location in files + pages)
    return {i: known[i] for i in ids if i in known}


def transform_paths(
    paths: list[Path],
    *,
    max_bytes: int,
    model: str,
    languages: tuple[str, ...],
    workers: int,
    known: dict[str, str] | None = None,
    chunk_size: int = 8,
    cache: Path | None = None,
) -> Transformed:
    """Transform files in order, in worker processes when there are enough of them."""
    # Imported here: the stages (trafilatura, htmldate, ...) are the workers' business; a
    # run with nothing to transform does not pay for them.
    from tasks.pipeline import transform_chunk

    result = Transformed()
    if workers <= 1:
        # Two batches may be in flight in two threads; one spaCy model is not to be shared.
        with _INLINE_LOCK:
            result.merge(transform_chunk(paths, max_bytes, model, languages, known, cache))
        return result
    chunks = [paths[i : i + chunk_size] for i in range(0, len(paths), chunk_size)]
    pool = _pool(workers, model, cache)
    known = known or {}
    futures = [
        pool.submit(transform_chunk, c, max_bytes, model, languages, _known_for(c, known), cache)
        for c in chunks
    ]
    for future in futures:
        result.merge(future.result())
    return result


@task(name="transform", cache_policy=NONE)
def transform_batch(
    sources: list[Path] | FetchResult,
    max_bytes: int,
    model: str,
    languages: tuple[str, ...],
    workers: int,
    known: dict[str, str],
    cache: Path | None = None,
) -> Transformed:
    """Read (or take fetched pages), extract, clean, normalise, segment and tag a batch."""
    logger = get_run_logger()
    fetched = sources if isinstance(sources, FetchResult) else None
    items: list = fetched.fetched if fetched is not None else list(sources)
    result = transform_paths(
        items,
        max_bytes=max_bytes,
        model=model,
        languages=languages,
        workers=workers,
        known=known,
        cache=cache,
    )
    if fetched is not None:
        result.rejects = fetched.rejects + result.rejects
        result.unchanged += len(fetched.not_modified)
        result.archive = fetched.fetched + fetched.not_modified
    for reject in result.rejects:
        if reject.stage != "fetch":
            logger.warning(
                "%s: rejected at %s: %s (%s)",
                reject.source_uri,
                reject.stage,
                reject.reason,
                reject.detail,
            )
    skipped = Counter(d.ner_status for d in result.documents if d.ner_status != "done")
    if skipped:
        first = next(d.source_uri for d in result.documents if d.ner_status != "done")
        logger.info(
            "NER not run on %d article(s) (first: %s): %s",
            sum(skipped.values()),
            first,
            dict(skipped),
        )
    return result
