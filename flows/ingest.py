"""The ingest flow: wires the stage tasks from ``tasks/`` over batches of documents.

While one batch is validated and loaded here, the next one is already being read,
extracted, cleaned and tagged in worker processes.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run

from depeche.settings import Settings
from tasks.load import known_entities_task, load_batch, skip_unchanged
from tasks.read import batched, discover
from tasks.report import RunSummary, finish_run, start_run
from tasks.transform import Transformed, transform_batch
from tasks.validate import validate_batch


def _run_name() -> str:
    """'ingest seeds -> depeche.duckdb': what was ingested, visible in the Prefect UI."""
    settings = flow_run.parameters.get("settings")
    try:
        sources = ", ".join(p.name for p in settings.sources[:3])
        more = f" (+{len(settings.sources) - 3})" if len(settings.sources) > 3 else ""
        return f"ingest {sources}{more} -> {settings.warehouse.name}"
    except AttributeError:
        return "ingest"


def _submit(
    paths: list[Path], settings: Settings, known: dict[str, str]
) -> PrefectFuture[Transformed]:
    """Start reading, extracting, cleaning and tagging a batch in the background."""
    return transform_batch.submit(
        paths,
        settings.max_file_bytes,
        settings.spacy_model,
        settings.ner_languages,
        settings.workers,
        known,
    )


@flow(name="ingest", flow_run_name=_run_name, log_prints=False, validate_parameters=False)
def ingest(settings: Settings) -> RunSummary:
    """Ingest the configured sources into the warehouse and return the run's figures."""
    logger = get_run_logger()
    summary = start_run(settings.warehouse, flow_run.id)
    paths = discover(settings.sources, settings.extensions)
    summary.sources = len(paths)
    todo, unchanged, known = skip_unchanged(paths, settings.warehouse)
    summary.articles_unchanged = unchanged
    batches = batched(todo, settings.batch_size)
    logger.info(
        "%s: %d file(s), %d unchanged, %d to process in %d batch(es)",
        settings.warehouse,
        len(paths),
        unchanged,
        len(todo),
        len(batches),
    )
    upcoming = _submit(batches[0], settings, known) if batches else None
    for number, paths_batch in enumerate(batches, start=1):
        assert upcoming is not None
        future = upcoming
        upcoming = _submit(batches[number], settings, known) if number < len(batches) else None
        transformed = future.result()
        entities = known_entities_task(settings.warehouse)
        batch, rejects = validate_batch(transformed.documents, settings.min_text_chars, entities)
        rejects = transformed.rejects + rejects
        stats = load_batch(settings.warehouse, batch, rejects, summary.run_id)
        summary.add(stats, rejects, transformed.unchanged, transformed.seconds)
        logger.info(
            "batch %d/%d: %d file(s), %d unchanged, %d loaded, %d rejected (first: %s)",
            number,
            len(batches),
            len(paths_batch),
            transformed.unchanged,
            stats.new + stats.updated,
            len(rejects),
            paths_batch[0],
        )
    return finish_run(summary)
