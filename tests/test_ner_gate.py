"""NER gate on French newspaper text annotated by others (HIPE-2022 NewsEye): our entity
stage must beat raw spaCy on micro F1 without losing more than 2 points of recall."""

from __future__ import annotations

import os

import pytest

from benchmarks.quality import BENCH

if not (BENCH / "newseye-fr").is_dir():
    if os.environ.get("CI"):
        raise RuntimeError(f"NER benchmark data missing at {BENCH}")
    pytest.skip("NER benchmark data not found", allow_module_level=True)


def test_entity_stage_beats_raw_spacy_without_losing_recall() -> None:
    from benchmarks.ner import evaluate

    results = evaluate()
    raw, ours = results["spaCy"]["micro"], results["depeche"]["micro"]
    assert ours[2] > raw[2], (raw, ours)
    assert ours[1] >= raw[1] - 0.02, (raw, ours)
    for label in ("PER", "LOC", "ORG"):
        assert results["depeche"][label][2] >= results["spaCy"][label][2] - 0.01, label
