"""The ingest flow: wires the stage tasks from ``tasks/`` over batches of documents.

While one batch is validated and loaded here, the next one is already being read,
extracted, cleaned and tagged in worker processes.
"""

from __future__ import annotations

import threading
from collections import deque
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.states import State
from prefect.utilities.annotations import quote

from depeche import heartbeat, parameters
from depeche.runners import BatchRunner, batch_runner
from depeche.settings import Settings, as_settings
from tasks.fetch import FetchResult
from tasks.group import GroupStats, group_task, regroup_task
from tasks.load import (
    held_open,
    known_entities_task,
    load_batch,
    search_index_task,
    skip_unchanged,
)
from tasks.read import batched, discover, last_batch
from tasks.report import (
    RunSummary,
    fail_run,
    final_state,
    finish_run,
    start_run,
)
from tasks.staging import merge_staged_task
from tasks.transform import Transformed, transform_batch, workers_for
from tasks.validate import validate_batch
from tasks.web import (
    archived_urls,
    expand_sources,
    fetch_batch,
    read_archive,
    skip_fetched,
)

# Here, not in the CLI: a deployment's flow-run process imports this module, not the CLI.
heartbeat.install()  # flow runs end when their work does (depeche/heartbeat.py)


def _run_name() -> str:
    """'ingest seeds -> depeche.duckdb': what was ingested, visible in the Prefect UI."""
    try:
        settings = as_settings(flow_run.parameters.get("settings") or {})
        sources = ", ".join(p.name for p in settings.sources[:3])
        more = f" (+{len(settings.sources) - 3})" if len(settings.sources) > 3 else ""
        return f"ingest {sources}{more} -> {settings.warehouse.name}"
    except Exception:  # a name must never fail the run
        return "ingest"


def _submit(
    runner: BatchRunner,
    unit: list[Path] | PrefectFuture[FetchResult] | FetchResult,
    settings: Settings,
    known: dict[str, str],
    documents: int,
) -> PrefectFuture[Transformed]:
    """Start transforming a batch (files, or the pages a fetch task is getting) of a run
    that transforms ``documents`` in all."""
    return runner.submit(
        transform_batch,
        sources=unit,
        max_bytes=settings.max_file_bytes,
        model=settings.spacy_model,
        languages=settings.ner_languages,
        workers=workers_for(documents, runner.task_workers),
        known=known,
        cache=settings.cache_dir,
    )


@parameters.install  # the settings recorded without importing FastAPI (depeche/parameters.py)
@flow(name="ingest", flow_run_name=_run_name, log_prints=False, validate_parameters=False)
def ingest(settings: Settings) -> State:
    """Ingest the configured files and URLs into the warehouse; the run's figures are the
    result of its final state (completed, with a warning when inputs were rejected)."""
    settings = as_settings(settings)
    merge_staged_task(settings.warehouse)  # what an earlier run staged behind a lock
    summary = start_run(settings.warehouse, flow_run.id)
    try:
        with batch_runner(settings) as runner:
            _ingest(settings, summary, runner)
        # The transform workers (and their NER models) are gone by now: grouping and the
        # search index get the memory.
        return final_state(_group_and_finish(settings, summary))
    except Exception:
        fail_run(summary)  # the runs row says failed, with what was loaded before
        raise


def _ingest(settings: Settings, summary: RunSummary, runner: BatchRunner) -> None:
    """The batches of the ingest flow (wiring only)."""
    logger = get_run_logger()
    paths = discover(settings.sources, settings.extensions) if settings.sources else []
    todo, unchanged, known = skip_unchanged(quote(paths), settings.warehouse)
    summary.articles_unchanged = unchanged
    size, last = settings.batch_size, last_batch(settings.batch_size)
    units: list = list(batched(todo, size, last))
    url_rejects: list = []
    prefetched: dict = {}
    conditional: dict = {}
    urls: list[str] = []
    if settings.urls:
        found, prefetched, url_rejects = expand_sources(settings)
        urls, archived, conditional, hashes = skip_fetched(
            found, settings.warehouse, settings.refresh
        )
        known = {**known, **hashes}
        summary.articles_unchanged += archived
        summary.sources += archived
        units += [("urls", b) for b in batched(urls, size, last)]  # type: ignore[arg-type]
    summary.sources += len(paths) + len(urls) + len(url_rejects)
    logger.info(
        "%s: %d file(s) (%d unchanged) and %d URL(s) to process in %d batch(es) on %s",
        settings.warehouse,
        len(paths),
        unchanged,
        len(urls),
        len(units),
        runner.where,
    )

    previous_fetch: list = []
    total = len(todo) + len(urls)

    def start(unit):  # type: ignore[no-untyped-def]
        if isinstance(unit, tuple):  # URLs: fetch in a thread, then transform in workers
            # One fetch at a time, in batch order: two would share the per-host slots and
            # the first batch would wait for the second's pages.
            fetching = runner.submit(
                fetch_batch,
                wait_for=previous_fetch[-1:],
                urls=unit[1],
                settings=settings,
                conditional=conditional,
                prefetched=prefetched,
            )
            previous_fetch.append(fetching)
            return _submit(runner, fetching, settings, known, total), unit[1]
        return _submit(runner, unit, settings, known, total), unit

    upcoming = deque(start(unit) for unit in units[: runner.in_flight - 1])
    for number in range(1, len(units) + 1):
        future, members = upcoming.popleft()
        if number + len(upcoming) <= len(units) - 1:
            upcoming.append(start(units[number + len(upcoming)]))
        transformed = future.result()
        entities = known_entities_task(settings.warehouse)
        # quote(): Prefect would otherwise walk every object of a batch (documents, their
        # paragraphs and mentions) looking for futures, twice per task: that walk cost
        # more CPU than validating and loading.
        batch, rejects = validate_batch(
            quote(transformed.documents),
            settings.min_text_chars,
            quote(entities),
            settings.cache_dir,
        )
        rejects = transformed.rejects + rejects
        if number == 1 and url_rejects:
            rejects = url_rejects + rejects
        stats = load_batch(
            settings.warehouse,
            quote(batch),
            quote(rejects),
            summary.run_id,
            quote(transformed.archive),
        )
        summary.add(stats, rejects, transformed.unchanged, transformed.seconds)
        logger.info(
            "batch %d/%d: %d source(s), %d unchanged, %d loaded, %d rejected (first: %s)",
            number,
            len(units),
            len(members),
            transformed.unchanged,
            stats.new + stats.updated,
            len(rejects),
            members[0],
        )
    if not units and url_rejects:
        from tasks.validate import Batch

        summary.add(
            load_batch(settings.warehouse, Batch(), url_rejects, summary.run_id), url_rejects
        )


def _group_and_finish(settings: Settings, summary: RunSummary) -> RunSummary:
    """After the batches: merge what was staged, group, and close the run (wiring only)."""
    # The warehouse was locked: wait for it (with backoff) and merge what was staged.
    if (
        summary.articles_staged
        and merge_staged_task(settings.warehouse, settings.lock_wait_seconds) is not None
    ):
        summary.articles_staged = 0
    return _index_group_finish(settings, summary)


def _index_group_finish(settings: Settings, summary: RunSummary) -> RunSummary:
    """The search index (DuckDB's work, in a thread) while this thread groups (wiring)."""
    with held_open(settings.warehouse):  # the two threads share one DuckDB instance
        # With more than one core, a helper process prepares each next chunk's texts;
        # the index is built on that core once the helper is done with it.
        core_free = threading.Event()
        index = search_index_task.submit(settings.warehouse, summary.changed, quote(core_free))
        try:
            summary.stories = group_task(
                settings.warehouse,
                settings.story_window_days,
                settings.workers > 1,
                quote(core_free),
            ).stories
        finally:
            core_free.set()  # grouping sets it itself, unless it could not even start
        index.result()
        return finish_run(summary)  # still held: one opening of the file less


@parameters.install
@flow(name="reprocess", log_prints=False, validate_parameters=False)
def reprocess(settings: Settings) -> RunSummary:
    """Extract, clean and load again every archived web page, without the network."""
    settings = as_settings(settings)
    logger = get_run_logger()
    summary = start_run(settings.warehouse, flow_run.id)
    urls = archived_urls(settings.warehouse)
    summary.sources = len(urls)
    units = batched(urls, settings.batch_size)  # type: ignore[arg-type]
    logger.info(
        "%s: %d archived page(s) in %d batch(es)", settings.warehouse, len(urls), len(units)
    )
    with batch_runner(settings) as runner:  # the workers stop before grouping
        for number, unit in enumerate(units, start=1):
            archive = read_archive(settings.warehouse, unit)
            transformed = _submit(runner, archive, settings, {}, len(urls)).result()
            entities = known_entities_task(settings.warehouse)
            batch, rejects = validate_batch(
                quote(transformed.documents),
                settings.min_text_chars,
                quote(entities),
                settings.cache_dir,
            )
            rejects = transformed.rejects + rejects
            stats = load_batch(settings.warehouse, quote(batch), quote(rejects), summary.run_id)
            summary.add(stats, rejects, 0, transformed.seconds)
            logger.info("batch %d/%d reprocessed (first: %s)", number, len(units), unit[0])
    return _index_group_finish(settings, summary)


@parameters.install
@flow(name="regroup", log_prints=False, validate_parameters=False)
def regroup(settings: Settings) -> GroupStats:
    """Forget all grouping and group the whole warehouse again (ingest groups new articles
    itself; this is for a changed threshold or window)."""
    return regroup_task(settings.warehouse, settings.story_window_days, settings.workers > 1)
