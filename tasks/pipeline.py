"""The CPU-bound stages chained per document: read → extract → clean → normalise →
segment → entities. Pure apart from reading the files, and free of Prefect, so that worker
processes import only what they run (see tasks/transform.py)."""

from __future__ import annotations

import time
from pathlib import Path

from tasks.clean import clean_document
from tasks.documents import Document, Reject, Transformed
from tasks.entities import find_mentions, load_model, ner_status
from tasks.extract import extract_document
from tasks.normalise import normalise_document
from tasks.quantities import document_quantities
from tasks.read import read_document
from tasks.segment import segment_document


def document_from_fetched(item) -> Document | Reject:  # type: ignore[no-untyped-def]
    """A document from a fetched response (``tasks.fetch.Fetched``), named by its URL."""
    from tasks.read import document_from_bytes

    doc = document_from_bytes(
        item.body, item.url, item.location, name=item.final_url, charset=item.charset
    )
    if isinstance(doc, Document):
        doc.fmt = "html" if "html" in item.content_type or doc.fmt == "html" else doc.fmt
        doc.url = item.final_url
    elif not doc.location:
        doc.location = item.location
    return doc


def transform_chunk(
    paths: list,
    max_bytes: int,
    model: str,
    languages: tuple[str, ...],
    known: dict[str, str] | None = None,
    cache: Path | None = None,
) -> Transformed:
    """Run every CPU stage over a few files; pure apart from reading them (and the
    model's compiled patterns in the ``cache`` folder, see ``tasks.entities.load_model``).

    ``known`` maps article ids to the raw hash already loaded: a file whose bytes match is
    counted as unchanged and goes no further.
    """
    known = known or {}
    out = Transformed()
    clock = time.perf_counter
    for path in paths:
        t0 = clock()
        doc = (
            read_document(path, max_bytes)
            if isinstance(path, Path)
            else document_from_fetched(path)
        )
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
            out.rejects.append(extracted.about(doc))
            continue
        extracted.text = ""  # the decoded input is not needed past extraction
        cleaned = clean_document(extracted)
        t3 = clock()
        normalised = normalise_document(cleaned)
        t4 = clock()
        segmented = segment_document(normalised, cache)
        segmented.blocks = []  # now its paragraphs; the blocks need not travel back
        out.documents.append(segmented)
        t5 = clock()
        out.seconds["clean"] += t3 - t2
        out.seconds["normalise"] += t4 - t3
        out.seconds["segment"] += t5 - t4
    t0 = clock()
    for doc in out.documents:
        doc.ner_status = ner_status(doc.language, languages)
    todo = [d for d in out.documents if d.ner_status == "done"]
    if todo:
        find_mentions(todo, load_model(model, cache))
    t1 = clock()
    out.seconds["entities"] += t1 - t0
    for doc in out.documents:
        doc.quantities = document_quantities(doc)
    out.seconds["quantities"] += clock() - t1
    return out
