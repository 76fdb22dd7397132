"""Helpers shared by the tests: run the pure stages without Prefect, query a warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tasks.clean import clean_document
from tasks.documents import Document, Reject
from tasks.extract import extract_document
from tasks.normalise import normalise_document
from tasks.read import read_document
from tasks.segment import segment_document

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


def process(path: Path, max_bytes: int = 5_000_000) -> Document | Reject:
    """Read, extract, clean, normalise and segment one file with the stage functions."""
    doc = read_document(path, max_bytes)
    if isinstance(doc, Reject):
        return doc
    doc = extract_document(doc)
    if isinstance(doc, Reject):
        return doc
    return segment_document(normalise_document(clean_document(doc)))


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of ``sql`` on a read-only connection to ``db``."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
