"""Stage 6, validate: build the batch's tables and check them with the Pandera models.

A failing row rejects its whole article (a half-loaded article would mislead a query),
with a reason that names the table, the column and the rule.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from prefect import get_run_logger, task
from prefect.cache_policies import NONE

from depeche.settings import PIPELINE_VERSION
from tasks.documents import Document, Reject
from tasks.entities import entity_frames, resolve_mentions
from tasks.gazetteer import index_kept_in
from tasks.linking import Known

if TYPE_CHECKING:
    import pandas as pd

STAGE = "validate"

ARTICLE_COLUMNS = [
    "article_id",
    "source_uri",
    "url",
    "title",
    "title_source",
    "author",
    "published",
    "sitename",
    "tags",
    "categories",
    "language",
    "format",
    "encoding",
    "text",
    "content_hash",
    "raw_hash",
    "ner_status",
    "pipeline_version",
    "source_size",
    "source_mtime_ns",
]


@dataclass
class Batch:
    """The tables of one batch, ready to load, with the documents they came from."""

    documents: dict[str, Document] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)


QUANTITY_COLUMNS = [
    "article_id",
    "position",
    "start",
    "end",
    "surface",
    "value",
    "unit",
    "unit_key",
    "qualifier",
    "sentence",
]


def quantity_frames(docs: list[Document]) -> dict[str, pd.DataFrame]:
    """Table ``quantities``: every figure with its unit, qualifier and sentence."""
    import pandas as pd

    frame = pd.DataFrame(
        [
            (
                d.article_id,
                q.position,
                q.start,
                q.end,
                q.surface,
                q.value,
                q.unit,
                q.unit_key,
                q.qualifier,
                q.sentence,
            )
            for d in docs
            for q in d.quantities
        ],
        columns=QUANTITY_COLUMNS,
    )
    return {"quantities": frame}


def content_hash(doc: Document) -> str:
    """Hash of what the article says: title and cleaned paragraphs."""
    payload = (doc.title or "") + "\n\n" + doc.body_text
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def article_frames(docs: list[Document]) -> dict[str, pd.DataFrame]:
    """Tables ``articles``, ``paragraphs`` and ``boilerplate`` for cleaned documents."""
    import pandas as pd

    articles = pd.DataFrame(
        [
            {
                "article_id": d.article_id,
                "source_uri": d.source_uri,
                "url": d.url or d.location,
                "title": d.title or "",
                "title_source": d.title_source,
                "author": d.author,
                "published": d.published.isoformat() if d.published else None,
                "sitename": d.sitename,
                "tags": list(d.tags),
                "categories": list(d.categories),
                "language": d.language,
                "format": d.fmt,
                "encoding": d.encoding,
                "text": d.body_text,
                "content_hash": content_hash(d),
                "raw_hash": d.raw_hash,
                "ner_status": d.ner_status,
                "pipeline_version": PIPELINE_VERSION,
                "source_size": d.source_size,
                "source_mtime_ns": d.source_mtime_ns,
            }
            for d in docs
        ],
        columns=ARTICLE_COLUMNS,
    )
    paragraphs = pd.DataFrame(
        [(d.article_id, p.position, p.kind, p.text) for d in docs for p in d.paragraphs],
        columns=["article_id", "position", "kind", "text"],
    )
    boilerplate = pd.DataFrame(
        [(d.article_id, r.position, r.text, r.rule) for d in docs for r in d.removed],
        columns=["article_id", "position", "text", "rule"],
    )
    return {"articles": articles, "paragraphs": paragraphs, "boilerplate": boilerplate}


def _describe(table: str, case: pd.Series) -> str:
    """One sentence for one Pandera failure case."""
    column = case.get("column")
    where = f"{table}.{column}" if isinstance(column, str) else table
    value = case.get("failure_case")
    shown = str(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return f"{where} fails '{case.get('check')}' (value: {shown})"


def _articles_of(
    index: object, frame: pd.DataFrame, mentions: pd.DataFrame | None, docs: dict[str, Document]
) -> list[str]:
    """The articles a failing row belongs to (an entity belongs to those mentioning it)."""
    import pandas as pd

    if index is None or pd.isna(index):
        return list(docs)  # a schema-wide failure concerns the whole batch
    if "article_id" in frame.columns:
        return [frame.loc[index, "article_id"]]
    if "entity_id" in frame.columns and mentions is not None:
        entity = frame.loc[index, "entity_id"]
        return list(mentions.loc[mentions["entity_id"] == entity, "article_id"].unique())
    return list(docs)


def validate_frames(
    frames: dict[str, pd.DataFrame], docs: dict[str, Document]
) -> tuple[dict[str, pd.DataFrame], list[Reject]]:
    """Validate each table lazily; reject the articles of failing rows.

    Args:
        frames: table name to DataFrame; every table but ``entities`` has ``article_id``.
        docs: the batch's documents by article id, for the rejects' source URIs.

    Returns:
        The validated (coerced) tables without the rejected articles, and the rejects.
    """
    # Imported here: Pandera and the models take half a second to import, which a run
    # with nothing new to validate (an unchanged rerun) need not pay.
    import pandera.errors

    from schemas.tables import MODELS

    reasons: dict[str, list[str]] = {}
    validated: dict[str, pd.DataFrame] = {}
    for table, frame in frames.items():
        model = MODELS[table]
        try:
            validated[table] = model.validate(frame, lazy=True)
        except pandera.errors.SchemaErrors as exc:
            validated[table] = frame
            for _, case in exc.failure_cases.iterrows():
                ids = _articles_of(case.get("index"), frame, frames.get("mentions"), docs)
                for article_id in ids:
                    reasons.setdefault(article_id, []).append(_describe(table, case))
    rejects = [
        Reject(
            docs[a].source_uri, STAGE, "record failed validation", "; ".join(dict.fromkeys(r))
        ).about(docs[a])
        for a, r in reasons.items()
        if a in docs
    ]
    bad = set(reasons)
    for table, frame in validated.items():
        if "article_id" in frame.columns and bad:
            validated[table] = frame[~frame["article_id"].isin(bad)].reset_index(drop=True)
    return validated, rejects


@task(name="validate", cache_policy=NONE)
def validate_batch(
    docs: list[Document],
    min_text_chars: int,
    known: list[Known] | None = None,
    cache: Path | None = None,
) -> tuple[Batch, list[Reject]]:
    """Reject near-empty articles, then build and validate the batch's tables (places
    resolve through the gazetteer, whose index is kept in the ``cache`` folder)."""
    logger = get_run_logger()
    short = [d for d in docs if len(d.body_text) < min_text_chars]
    rejects = [
        Reject(
            d.source_uri,
            "clean",
            "too little article text after cleaning",
            f"{len(d.body_text)} characters, fewer than the minimum of {min_text_chars}; "
            "the input may hold only navigation or boilerplate",
        ).about(d)
        for d in short
    ]
    docs = [d for d in docs if len(d.body_text) >= min_text_chars]
    by_id = {d.article_id: d for d in docs}
    with index_kept_in(cache):
        resolver = resolve_mentions(docs, known or [])
    frames, invalid = validate_frames(
        {**article_frames(docs), **entity_frames(docs, resolver), **quantity_frames(docs)}, by_id
    )
    rejects += invalid
    for reject in rejects:
        logger.warning("%s: rejected at %s: %s", reject.source_uri, reject.stage, reject.detail)
    rejected_uris = {r.source_uri for r in invalid}
    kept = {a: d for a, d in by_id.items() if d.source_uri not in rejected_uris}
    return Batch(documents=kept, frames=frames), rejects
