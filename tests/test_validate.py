"""Pandera validation: failing rows reject their article, with a reason a person reads."""

from __future__ import annotations

from datetime import date

from tasks.documents import Document
from tasks.validate import article_frames, validate_frames
from tests.helpers import SEEDS, process


def _seed_docs() -> dict[str, Document]:
    docs = [process(p) for p in sorted(SEEDS.glob("*.txt"))]
    return {d.article_id: d for d in docs if isinstance(d, Document)}


def test_valid_seeds_pass() -> None:
    docs = _seed_docs()
    frames, rejects = validate_frames(article_frames(list(docs.values())), docs)
    assert rejects == []
    assert len(frames["articles"]) == 5 and len(frames["paragraphs"]) == 54


def test_failing_rows_reject_their_article_only() -> None:
    docs = _seed_docs()
    first, second, *_ = docs.values()
    first.published = date(2999, 1, 1)
    second.paragraphs[3].kind = "sidebar"
    frames, rejects = validate_frames(article_frames(list(docs.values())), docs)
    by_uri = {r.source_uri: r for r in rejects}
    assert set(by_uri) == {first.source_uri, second.source_uri}
    assert by_uri[first.source_uri].stage == "validate"
    assert (
        "articles.published fails 'published date is not in the future'"
        in by_uri[first.source_uri].detail
    )
    assert "paragraphs.kind fails 'isin" in by_uri[second.source_uri].detail
    assert "sidebar" in by_uri[second.source_uri].detail
    # The rejected articles are gone from every table; the others are whole.
    for name in ("articles", "paragraphs", "boilerplate"):
        ids = set(frames[name]["article_id"])
        assert first.article_id not in ids and second.article_id not in ids
    assert len(frames["articles"]) == 3
