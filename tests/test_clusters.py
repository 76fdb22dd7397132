"""Syndicated paragraphs: the seeds' rewritten wire copy clusters, unrelated text does not."""

from __future__ import annotations

from pathlib import Path

from tasks.clusters import THRESHOLD, Para, bigrams, cluster, containment
from tasks.documents import Document
from tests.helpers import SEEDS, process

FIXTURES = Path(__file__).parent / "fixtures"

# Hand-labelled pairs of the seeds: (seed, first words) of two paragraphs.
SYNDICATED = [
    (
        ("001", "L’agence de renseignement a également"),
        ("002", "L’agence de renseignement sud-coréenne"),
    ),
    (
        ("001", "La Corée du Nord a déclaré le mois"),
        ("003", "Interrogé publiquement sur le déploiement"),
    ),
    (("001", "Des experts estiment que Pyongyang"), ("003", "Ce traité oblige les deux Etats")),
]
UNRELATED = [
    (("002", "La Corée du Nord a envoyé 1500"), ("004", "La Corée du Nord enverrait des systèmes")),
    (
        ("000", "Le conseiller à la sécurité nationale sud-coréen, Shin"),
        ("001", "La Russie a fourni à la Corée"),
    ),
    (("001", "La Russie a fourni à la Corée"), ("003", "La Russie a fourni des missiles")),
]


def _docs() -> dict[str, Document]:
    return {p.name[:3]: process(p) for p in sorted(SEEDS.glob("*.txt"))}  # type: ignore[misc]


def _text(docs: dict[str, Document], key: tuple[str, str]) -> str:
    return next(p.text for p in docs[key[0]].paragraphs if p.text.startswith(key[1]))


def test_threshold_separates_the_labelled_pairs() -> None:
    docs = _docs()
    for a, b in SYNDICATED:
        assert containment(bigrams(_text(docs, a)), bigrams(_text(docs, b))) >= THRESHOLD, (a, b)
    for a, b in UNRELATED:
        assert containment(bigrams(_text(docs, a)), bigrams(_text(docs, b))) < THRESHOLD, (a, b)


def test_seeds_cluster_and_unrelated_articles_stay_apart() -> None:
    docs = _docs()
    flood = process(FIXTURES / "article_fr.html")
    paras = [
        Para(key, p.position, p.text, (n, p.position))
        for n, (key, d) in enumerate([*docs.items(), ("flood", flood)])
        for p in d.paragraphs  # type: ignore[union-attr]
        if p.kind == "body"
    ]
    rows = cluster(paras)
    clusters: dict[str, set[tuple[str, str]]] = {}
    for r in rows:
        text = next(
            p.text for p in paras if (p.article_id, p.position) == (r.article_id, r.position)
        )
        clusters.setdefault(r.cluster_id, set()).add((r.article_id, text))
    assert len(clusters) == 3
    for a, b in SYNDICATED:
        assert any(
            {(a[0], _text(docs, a)), (b[0], _text(docs, b))} <= members
            for members in clusters.values()
        ), (a, b)
    assert all(article != "flood" for members in clusters.values() for article, _ in members)
    # The earliest-seen paragraph of each cluster is its origin, and ids are stable.
    origins = [r for r in rows if r.is_origin]
    assert len(origins) == 3 and all(r.similarity == 1.0 for r in origins)
    assert [r.cluster_id for r in cluster(paras)] == [r.cluster_id for r in rows]
