"""Golden tests on the five seed articles: every content paragraph kept, every boilerplate
line removed and recorded with its rule, metadata where the text states it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.documents import Document
from tests.helpers import SEEDS, process

GOLDEN = json.loads((Path(__file__).parent / "golden" / "seeds.json").read_text("utf-8"))


def _doc(name: str) -> Document:
    doc = process(SEEDS / name)
    assert isinstance(doc, Document), doc
    return doc


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_seed_matches_golden(name: str) -> None:
    doc = _doc(name)
    want = GOLDEN[name]
    assert doc.title == want["title"]
    assert doc.author == want["author"]
    assert doc.tags == want["tags"]
    assert [[p.kind, p.text] for p in doc.paragraphs] == want["paragraphs"]
    assert [[r.position, r.rule, r.text] for r in doc.removed] == want["boilerplate"]
    assert doc.language == "fr"


def test_every_input_line_is_title_paragraph_or_boilerplate() -> None:
    """Nothing disappears silently: each non-blank line is accounted for."""
    for path in sorted(SEEDS.glob("*.txt")):
        doc = _doc(path.name)
        lines = [" ".join(line.split()) for line in path.read_text("utf-8").splitlines()]
        lines = [line for line in lines if line]
        kept = [p.text for p in doc.paragraphs] + [r.text for r in doc.removed]
        for line in lines:
            assert (
                line in kept
                or line == doc.title
                or any(line.endswith(r.text) or line.startswith(r.text) for r in doc.removed)
            ), f"{path.name}: line lost: {line[:60]!r}"


def test_second_seed_byline_and_tags_become_metadata() -> None:
    doc = _doc("001_ab8cf38a567ce122.txt")
    assert doc.author == "Sara"
    assert doc.tags == ["Corée du Sud", "Russie", "Corée du Nord"]
    body = doc.body_text
    assert "by Sara" not in body and "You may also like" not in body
    assert "Leave a Comment" not in body
    rules = {r.text: r.rule for r in doc.removed}
    assert rules["Home Actualité"] == "nav_crumb"
    assert rules["by Sara"] == "byline"
    assert rules["Corée du Sud, Russie, Corée du Nord"] == "tag_list"
    assert rules["You may also like"] == "related_links"
    assert rules["Leave a Comment"] == "comments"
    assert (
        doc.title
        == "La Corée du Sud révèle l’échange de missiles entre la Russie et la Corée du Nord"
    )
    assert [r.rule for r in doc.removed].count("duplicate_title") == 2


def test_first_seed_teaser_without_accents_and_stray_code_removed() -> None:
    doc = _doc("000_8c78461b93641d49.txt")
    rules = {r.text: r.rule for r in doc.removed}
    assert rules == {
        "La Coree du Sud affirme que Moscou a transfere des": "title_teaser",
        "fr-02": "stray_code",
    }
    assert doc.paragraphs[-1].text.endswith("lors d’une attaque ukrainienne à Koursk.")
    headings = [p.text for p in doc.paragraphs if p.kind == "heading"]
    assert headings == ["Egalement une aide financière"]


def test_seed_without_title_line_gets_headline_from_its_lede_and_keeps_the_lede() -> None:
    doc = _doc("003_21e7d322c4209062.txt")
    assert doc.title_source == "lede"
    assert doc.title == (
        "La Russie a fourni des missiles antiaériens à la Corée du Nord "
        "en échange de l'envoi de troupes"
    )
    assert doc.paragraphs[0].text.startswith("La Russie a fourni des missiles antiaériens")
    assert doc.removed == []


def test_seed_with_single_newlines_keeps_headings() -> None:
    doc = _doc("004_4ea4bb0a10ff803b.txt")
    assert [p.text for p in doc.paragraphs if p.kind == "heading"] == [
        "Soldats nord-coréens en Russie",
        "Augmentation du nombre d’essais d’armes en Corée du Nord",
    ]
    assert len(doc.paragraphs) == 7
