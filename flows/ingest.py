"""The ingest flow: wires the stage tasks from ``tasks/`` over batches of documents."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from depeche.settings import Settings
from tasks.clean import clean_batch
from tasks.entities import entities_batch
from tasks.extract import extract_batch
from tasks.load import load_batch, skip_unchanged
from tasks.normalise import normalise_batch
from tasks.read import batched, discover, read_files
from tasks.report import RunSummary, finish_run, start_run
from tasks.segment import segment_batch
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


@flow(name="ingest", flow_run_name=_run_name, log_prints=False, validate_parameters=False)
def ingest(settings: Settings) -> RunSummary:
    """Ingest the configured sources into the warehouse and return the run's figures."""
    logger = get_run_logger()
    summary = start_run(settings.warehouse, flow_run.id)
    paths = discover(settings.sources, settings.extensions)
    summary.sources = len(paths)
    batches = list(batched(paths, settings.batch_size))
    logger.info("%s: %d file(s) in %d batch(es)", settings.warehouse, len(paths), len(batches))
    for number, paths_batch in enumerate(batches, start=1):
        docs, rejects = read_files(paths_batch, settings.max_file_bytes)
        docs, unchanged = skip_unchanged(docs, settings.warehouse)
        summary.articles_unchanged += unchanged
        docs, extract_rejects = extract_batch(docs)
        docs = segment_batch(normalise_batch(clean_batch(docs)))
        batch, validate_rejects = validate_batch(docs, settings.min_text_chars)
        batch, entity_rejects = entities_batch(batch, settings.spacy_model, settings.ner_languages)
        rejects += extract_rejects + validate_rejects + entity_rejects
        stats = load_batch(settings.warehouse, batch, rejects, summary.run_id)
        summary.add(stats, rejects)
        logger.info(
            "batch %d/%d: %d read, %d unchanged, %d loaded, %d rejected (first file %s)",
            number,
            len(batches),
            len(paths_batch),
            unchanged,
            stats.new + stats.updated,
            len(rejects),
            paths_batch[0],
        )
    return finish_run(summary)
