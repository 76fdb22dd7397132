"""Entities analysts can trust: golden expectations on the seeds, and each linking rule
with its guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.documents import Document, Mention, Paragraph
from tasks.entities import resolve_mentions
from tasks.gazetteer import lookup
from tasks.linking import Known, Resolver, entity_key, keep, link_within, refine_span
from tasks.pipeline import transform_chunk
from tests.helpers import SEEDS

GOLDEN = {
    ("LOC", "Chine"),
    ("LOC", "Corée du Nord"),
    ("LOC", "Corée du Sud"),
    ("LOC", "Koursk"),
    ("LOC", "Kiev"),
    ("LOC", "Moscou"),
    ("LOC", "Occident"),
    ("LOC", "Pyongyang"),
    ("LOC", "Russie"),
    ("LOC", "Séoul"),
    ("LOC", "Ukraine"),
    ("LOC", "États-Unis"),
    ("ORG", "OTAN"),
    ("ORG", "SBS"),
    ("ORG", "Service national de renseignement"),
    ("ORG", "The Wall Street Journal"),
    ("ORG", "Yonhap"),
    ("PER", "Cho Tae-yong"),
    ("PER", "Choe Son Hui"),
    ("PER", "Kim Jong Un"),
    ("PER", "Lee Seong Kweun"),
    ("PER", "Park Sunwon"),
    ("PER", "Sergueï Lavrov"),
    ("PER", "Shin Won-sik"),
    ("PER", "Vladimir Poutine"),
    ("PER", "Volodymyr Zelensky"),
    ("PER", "Yoon Suk-yeol"),
}


@pytest.fixture(scope="module")
def seeds() -> tuple[list[Document], Resolver]:
    result = transform_chunk(sorted(SEEDS.glob("*.txt")), 5_000_000, "fr_core_news_md", ("fr",))
    return result.documents, resolve_mentions(result.documents, [])


def _surfaces(docs: list[Document], resolver: Resolver) -> dict[str, set[str]]:
    """Entity id -> surfaces mentioning it."""
    out: dict[str, set[str]] = {}
    for d in docs:
        for m in d.mentions:
            out.setdefault(m.entity_id, set()).add(m.surface)
    return out


def _entity_of(docs: list[Document], surface: str) -> str:
    ids = {m.entity_id for d in docs for m in d.mentions if m.surface == surface}
    assert len(ids) == 1, (surface, ids)
    return ids.pop()


def test_one_entity_per_real_person_organisation_and_place(seeds) -> None:  # type: ignore[no-untyped-def]
    docs, resolver = seeds
    by_id = _surfaces(docs, resolver)
    # The display name is the most complete, most frequent surface of each entity.
    named = set()
    for eid, surfaces in by_id.items():
        label = resolver.entities[eid].label
        counts = {s: sum(m.surface == s for d in docs for m in d.mentions) for s in surfaces}
        # The same order as warehouse/finish_run.sql: most words (without a title), most
        # mentions, longest, then alphabetical.
        best = min(
            counts, key=lambda s: (-(len(s.split()) - s.startswith("M. ")), -counts[s], -len(s), s)
        )
        named.add((label, best))
    assert named == GOLDEN


@pytest.mark.parametrize(
    "group",
    [
        {"Shin", "Shin Won-sik", "Shin Won-sika"},
        {"Kim Jong Un", "Kim Jong-un"},
        {"Kiev", "Kyiv"},
        {"Pyongyang", "Pyonyang"},
        {"NIS", "Service national de renseignement"},
        {"M. Cho", "Cho Tae-yong"},
        {"M. Poutine", "Vladimir Poutine"},
        {"Etats-Unis", "États-Unis"},
    ],
)
def test_variants_share_one_entity(seeds, group: set[str]) -> None:  # type: ignore[no-untyped-def]
    docs, _ = seeds
    assert len({_entity_of(docs, s) for s in group}) == 1


def test_no_heading_or_fragment_among_entities(seeds) -> None:  # type: ignore[no-untyped-def]
    docs, _ = seeds
    surfaces = {m.surface for d in docs for m in d.mentions}
    for fragment in (
        "Déclarations",
        "Pacte de défense",
        "Egalement",
        "États",
        "Nord",
        "ministre de la Défense nationale",
        "Home ActualitéLa Corée du Sud",
    ):
        assert fragment not in surfaces
    labels = {m.surface: m.label for d in docs for m in d.mentions}
    assert labels["SBS"] == "ORG" and labels["Pyonyang"] == "LOC"


def test_places_carry_country_and_coordinates(seeds) -> None:  # type: ignore[no-untyped-def]
    docs, resolver = seeds
    kyiv = resolver.entities[_entity_of(docs, "Kiev")]
    assert kyiv.country_code == "UA" and kyiv.latitude == pytest.approx(50.45, abs=0.1)
    assert resolver.entities[_entity_of(docs, "Corée du Nord")].country_code == "KP"


def test_aliases_record_the_rule_that_joined_them(seeds) -> None:  # type: ignore[no-untyped-def]
    _, resolver = seeds
    methods = {alias: method for (_, alias), (method, _) in resolver.aliases.items()}
    assert methods["Shin"] == "short_form"
    assert methods["M. Cho"] == "honorific_short_form"
    assert methods["NIS"] == "acronym"
    assert methods["Pyonyang"] == "gazetteer_typo"
    assert methods["Kiev"] == "gazetteer"
    assert methods["Shin Won-sika"] == "typo"


# --- rules and guards -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        ("selon l’OTAN, les", (6, 12), "OTAN"),
        ("jusqu'à l'Ukraine", (8, 17), "Ukraine"),
        ("« la Russie »", (0, 13), "Russie"),
        ("Shin Won-sik,", (0, 13), "Shin Won-sik"),
    ],
)
def test_refine_span(text: str, span: tuple[int, int], expected: str) -> None:
    start, end = refine_span(text, *span)
    assert text[start:end] == expected


@pytest.mark.parametrize(
    ("surface", "label", "kind", "start", "kept"),
    [
        ("il", "PER", "body", 5, False),
        ("ministre de la Défense", "ORG", "body", 5, False),
        ("Déclarations", "MISC", "heading", 0, False),
        ("Pacte de défense", "ORG", "heading", 0, False),
        ("Russie", "LOC", "heading", 20, True),
        ("États", "LOC", "body", 10, False),
        ("Kim Jong Un", "PER", "heading", 16, True),
    ],
)
def test_keep(surface: str, label: str, kind: str, start: int, kept: bool) -> None:
    paragraph = "Déclarations de Kim Jong Un et d'autres choses encore à dire sur la Russie"
    assert keep(surface, label, paragraph, kind, start) is kept


def _doc(*texts: str, mentions: list[tuple[int, str, str]]) -> Document:
    doc = Document(source_uri="x", location="file:///x")
    doc.paragraphs = [Paragraph(i, "body", t) for i, t in enumerate(texts)]
    for pos, surface, label in mentions:
        start = texts[pos].index(surface)
        doc.mentions.append(Mention(pos, start, start + len(surface), surface, label, "", surface))
    return doc


def test_short_form_links_only_when_unambiguous() -> None:
    doc = _doc(
        "Kim Jong-un et Kim Yo-jong sont arrivés.",
        "Kim a parlé.",
        "Yo-jong aussi.",
        mentions=[
            (0, "Kim Jong-un", "PER"),
            (0, "Kim Yo-jong", "PER"),
            (1, "Kim", "PER"),
            (2, "Yo-jong", "PER"),
        ],
    )
    link_within(doc)
    names = {m.surface: m.name for m in doc.mentions}
    assert names["Kim"] == "Kim"  # two full names share "Kim": no guess
    assert names["Yo-jong"] == "Kim Yo-jong"


def test_acronym_links_to_expansion_given_in_text() -> None:
    doc = _doc(
        "Le Bureau fédéral d'enquête (FBI) a ouvert une enquête.",
        "Le FBI confirme.",
        mentions=[(1, "FBI", "ORG")],
    )
    link_within(doc)
    assert (doc.mentions[0].name, doc.mentions[0].method) == ("Bureau fédéral d'enquête", "acronym")


def _mention(surface: str, label: str = "PER") -> Mention:
    return Mention(0, 0, len(surface), surface, label, "", surface)


def test_typo_merges_with_guards() -> None:
    resolver = Resolver()
    shin = resolver.resolve(_mention("Shin Won-sik"))
    assert resolver.resolve(_mention("Shin Won-sika")) == shin
    kim = resolver.resolve(_mention("Kim Jong-un"))
    assert resolver.resolve(_mention("Kim Yo-jong")) != kim  # another person
    assert resolver.resolve(_mention("Kim Jong-il")) != kim  # two edits: another person
    assert resolver.resolve(_mention("KIM JONG UN")) == kim  # case and hyphens only
    assert resolver.resolve(_mention("Shin Won-sik", "ORG")) != shin  # labels never merge


def test_known_entities_are_joined_across_runs() -> None:
    first = Resolver()
    eid = first.resolve(_mention("Volodymyr Zelensky"))
    later = Resolver([Known(eid, "PER", entity_key("Volodymyr Zelensky"))])
    assert later.resolve(_mention("Volodymyr Zelenski")) == eid


def test_gazetteer_exonyms_and_guards() -> None:
    kiev, kyiv, kiew = lookup("Kiev"), lookup("Kyiv"), lookup("Kiew")
    assert kiev and kyiv and kiew and kiev[0] == kyiv[0] == kiew[0]
    assert lookup("Pyonyang")[0].name == "Pyongyang"  # type: ignore[index]
    assert lookup("NIS") is None and lookup("Shin") is None
    assert lookup("Moscou")[0].country_code == "RU"  # type: ignore[index]


def test_seed_quantities_per_source(seeds) -> None:  # type: ignore[no-untyped-def]
    docs, _ = seeds
    soldiers = {
        Path(d.source_uri).name[:3]: sorted(
            (q.value, q.qualifier or "") for q in d.quantities if q.unit_key == "soldat"
        )
        for d in docs
    }
    assert soldiers["000"] == [(10000.0, "about"), (10000.0, "about")]
    assert soldiers["002"][:2] == [(1500.0, "additional"), (1500.0, "additional")]
    assert soldiers["003"] == [(10000.0, "more than")]
    assert soldiers["004"] == [(11000.0, "about")]
    containers = [q for d in docs for q in d.quantities if q.unit_key == "conteneur"]
    assert {(q.value, q.qualifier) for q in containers} == {(13000.0, "more than")}


def test_glued_words_are_split_for_the_model_and_offsets_map_back() -> None:
    from tasks.entities import find_mentions, load_model

    text = "Le ministre a rencontré Vladimir Poutine hier.Emmanuel Macron était aussi présent."
    glued = text.replace("hier. ", "hier.").replace("hier.Emmanuel", "hierEmmanuel")
    doc = Document(source_uri="x", location="file:///x")
    doc.paragraphs = [Paragraph(0, "body", glued)]
    find_mentions([doc], load_model("fr_core_news_md"))
    found = {(m.surface, glued[m.start : m.end]) for m in doc.mentions}
    assert ("Emmanuel Macron", "Emmanuel Macron") in found
