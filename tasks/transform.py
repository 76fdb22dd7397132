"""The CPU-bound stages (read → extract → clean → normalise → segment → entities), fanned out
over worker processes.

Each stage stays a pure function in its own module; this module chains them per document
and runs chunks of documents in a process pool, so both cores extract and tag while the
flow's process validates and loads the previous batch. One Prefect task per batch, not per
stage: per-stage tasks would ship every batch between processes six times and cost a
Prefect API round trip each.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NONE

from tasks.clean import clean_document
from tasks.documents import Document, Reject
from tasks.entities import find_mentions, load_model, ner_status
from tasks.extract import extract_document
from tasks.normalise import normalise_document
from tasks.read import read_document
from tasks.segment import segment_document


@dataclass
class Transformed:
    """What the CPU stages made of a batch: documents, rejects and seconds per stage."""

    documents: list[Document] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    unchanged: int = 0
    seconds: Counter[str] = field(default_factory=Counter)

    def merge(self, other: Transformed) -> None:
        self.documents += other.documents
        self.rejects += other.rejects
        self.unchanged += other.unchanged
        self.seconds.update(other.seconds)


def transform_chunk(
    paths: list[Path],
    max_bytes: int,
    model: str,
    languages: tuple[str, ...],
    known: dict[str, str] | None = None,
) -> Transformed:
    """Run every CPU stage over a few files; pure apart from reading them.

    ``known`` maps article ids to the raw hash already loaded: a file whose bytes match is
    counted as unchanged and goes no further.
    """
    known = known or {}
    out = Transformed()
    clock = time.perf_counter
    for path in paths:
        t0 = clock()
        doc = read_document(path, max_bytes)
        t1 = clock()
        out.seconds["read"] += t1 - t0
        if isinstance(doc, Reject):
            out.rejects.append(doc)
            continue
        if known.get(doc.article_id) == doc.raw_hash:
            out.unchanged += 1
            continue
        doc.raw = b""  # hashed already; the bytes need not travel back
        extracted = extract_document(doc)
        t2 = clock()
        out.seconds["extract"] += t2 - t1
        if isinstance(extracted, Reject):
            out.rejects.append(extracted)
            continue
        cleaned = clean_document(extracted)
        t3 = clock()
        normalised = normalise_document(cleaned)
        t4 = clock()
        out.documents.append(segment_document(normalised))
        t5 = clock()
        out.seconds["clean"] += t3 - t2
        out.seconds["normalise"] += t4 - t3
        out.seconds["segment"] += t5 - t4
    t0 = clock()
    for doc in out.documents:
        doc.ner_status = ner_status(doc.language, languages)
    todo = [d for d in out.documents if d.ner_status == "done"]
    if todo:
        find_mentions(todo, load_model(model))
    out.seconds["entities"] += clock() - t0
    return out


_POOL: ProcessPoolExecutor | None = None
_POOL_SIZE = 0


def _init_worker() -> None:
    """One BLAS thread per worker: the workers already use every core."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"


def _pool(workers: int) -> ProcessPoolExecutor:
    """The process pool, started once per process (spawned: Prefect runs threads)."""
    global _POOL, _POOL_SIZE
    if _POOL is None or workers != _POOL_SIZE:
        if _POOL is not None:
            _POOL.shutdown(cancel_futures=True)
        _POOL = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
        )
        _POOL_SIZE = workers
    return _POOL


@atexit.register
def _shutdown() -> None:
    if _POOL is not None:
        _POOL.shutdown(cancel_futures=True)


def transform_paths(
    paths: list[Path],
    *,
    max_bytes: int,
    model: str,
    languages: tuple[str, ...],
    workers: int,
    known: dict[str, str] | None = None,
    chunk_size: int = 8,
) -> Transformed:
    """Transform files in order, in worker processes when there are enough of them."""
    result = Transformed()
    if workers <= 1 or len(paths) <= chunk_size:
        result.merge(transform_chunk(paths, max_bytes, model, languages, known))
        return result
    chunks = [paths[i : i + chunk_size] for i in range(0, len(paths), chunk_size)]
    pool = _pool(workers)
    futures = [pool.submit(transform_chunk, c, max_bytes, model, languages, known) for c in chunks]
    for future in futures:
        result.merge(future.result())
    return result


@task(name="transform", cache_policy=NONE)
def transform_batch(
    paths: list[Path],
    max_bytes: int,
    model: str,
    languages: tuple[str, ...],
    workers: int,
    known: dict[str, str],
) -> Transformed:
    """Read, extract, clean, normalise, segment and tag a batch of files."""
    logger = get_run_logger()
    result = transform_paths(
        paths,
        max_bytes=max_bytes,
        model=model,
        languages=languages,
        workers=workers,
        known=known,
    )
    for reject in result.rejects:
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
