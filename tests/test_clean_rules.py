"""Each cleaning rule on text not taken from the seeds, with the guard that keeps content."""

from __future__ import annotations

import pytest

from tasks.clean import byline_names, clean_document, line_rule, parse_date, split_crumb, tag_items
from tasks.documents import Block, Document
from tasks.segment import segment_document

BODY = (
    "Le gouvernement a présenté mardi un projet de loi sur l'énergie, qui prévoit de nouvelles "
    "aides pour les ménages les plus modestes et un calendrier de mise en oeuvre sur trois ans."
)
BODY_EN = (
    "The government presented an energy bill on Tuesday, which sets out new support for the "
    "poorest households and a three-year timetable for putting it into effect."
)


def _clean(*lines: str, fmt: str = "text", title: str | None = None) -> Document:
    doc = Document(source_uri="x.txt", location="file:///x.txt", fmt=fmt, title=title)
    doc.blocks = [Block(i, line) for i, line in enumerate(lines)]
    return segment_document(clean_document(doc))


def _rules(doc: Document) -> dict[str, str]:
    return {r.text: r.rule for r in doc.removed}


@pytest.mark.parametrize(
    ("line", "crumb", "rest"),
    [
        (
            "Home ActualitéLa Corée du Sud révèle tout",
            "Home Actualité",
            "La Corée du Sud révèle tout",
        ),
        ("Accueil > Monde > Le Japon vote", "Accueil > Monde", "Le Japon vote"),
        ("Home News World Floods hit the valley", "Home News World", "Floods hit the valley"),
        ("PolitiqueLe Sénat adopte le budget", "Politique", "Le Sénat adopte le budget"),
    ],
)
def test_crumb_split_off(line: str, crumb: str, rest: str) -> None:
    assert split_crumb(line) == (crumb, rest)


@pytest.mark.parametrize(
    "line",
    ["Accueil des réfugiés : la mairie ouvre un centre", "Monde du travail en crise", "Homeland"],
)
def test_crumb_guard_keeps_ordinary_titles(line: str) -> None:
    assert split_crumb(line) is None


def test_crumb_trail_line_removed_and_title_found() -> None:
    doc = _clean("Accueil > International > Asie", "Séisme au Japon : des dégâts importants", BODY)
    assert _rules(doc) == {"Accueil > International > Asie": "nav_crumb"}
    assert doc.title == "Séisme au Japon : des dégâts importants"


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("by Sara", "Sara"),
        ("By John Smith and Jane Doe", "John Smith and Jane Doe"),
        ("Par Jean-Pierre Dupont", "Jean-Pierre Dupont"),
        ("Par Marie de La Tour, envoyée spéciale à Kiev", "Marie de La Tour"),
        ("Written by Anna Lee | Reuters", "Anna Lee"),
    ],
)
def test_byline(line: str, names: str) -> None:
    assert byline_names(line) == names


@pytest.mark.parametrize(
    "line",
    [
        "Par ailleurs, le ministre a démenti.",
        "By then the talks had collapsed.",
        "Par la suite",
        "De Gaulle a répondu.",
    ],
)
def test_byline_guard(line: str) -> None:
    assert byline_names(line) is None


def test_byline_becomes_author_and_is_recorded() -> None:
    doc = _clean("Un titre de test assez long", "Par Claire Martin", BODY)
    assert doc.author == "Claire Martin"
    assert _rules(doc) == {"Par Claire Martin": "byline"}


def test_tag_lines() -> None:
    assert tag_items("Tags: Ukraine, Russie, OTAN", header=False) == ["Ukraine", "Russie", "OTAN"]
    assert tag_items("Mots-clés : énergie ; Sénat", header=False) == ["énergie", "Sénat"]
    assert tag_items("Politique · Europe · Élections", header=True) == [
        "Politique",
        "Europe",
        "Élections",
    ]
    # Guards: a sentence, a single item without prefix, a list outside the header.
    assert tag_items("Paris, Lyon et Marseille ont voté.", header=True) is None
    assert tag_items("Ukraine", header=True) is None
    assert tag_items("Corée du Sud, Russie, Corée du Nord", header=False) is None


def test_tag_line_in_body_without_prefix_is_kept() -> None:
    doc = _clean("Un titre de test assez long", BODY, "Russie, Ukraine", BODY_EN)
    assert "Russie, Ukraine" in [p.text for p in doc.paragraphs]
    assert doc.tags == []


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Leave a Reply", "comments"),
        ("12 commentaires", "comments"),
        ("Réagir", "comments"),
        ("Vous aimerez aussi", "related_links"),
        ("À lire aussi : La Bourse chute", "related_links"),
        ("READ MORE: Floods in Spain", "related_links"),
        ("Partager sur Facebook", "share_social"),
        ("Facebook Twitter LinkedIn Email", "share_social"),
        ("Suivez-nous", "share_social"),
        ("Inscrivez-vous à notre newsletter", "subscribe"),
        ("Subscribe to our newsletter", "subscribe"),
        ("Article réservé aux abonnés", "subscribe"),
        ("Nous utilisons des cookies pour améliorer votre expérience. Accepter", "cookie_notice"),
        ("Publicité", "advertisement"),
        ("Advertisement", "advertisement"),
        ("Photo : AFP", "media_credit"),
        ("© 2024 Le Journal. Tous droits réservés.", "media_credit"),
        ("3 min read", "reading_time"),
        ("Temps de lecture : 4 min", "reading_time"),
        ("Retour en haut", "navigation"),
        ("Article suivant", "navigation"),
        ("fr-02", "stray_code"),
        ("***", "stray_code"),
        ("#12", "stray_code"),
    ],
)
def test_line_rules(line: str, rule: str) -> None:
    assert line_rule(line) == rule


@pytest.mark.parametrize(
    "line",
    [
        BODY,
        BODY_EN,
        "Les cookies de Noël sont une tradition alsacienne très ancienne.",
        "Il a partagé son expérience avec les étudiants.",
        "La newsletter du ministère, lancée en 2019, compte désormais des milliers de lecteurs "
        "qui la reçoivent chaque semaine et la commentent abondamment sur les réseaux sociaux.",
        "Soldats nord-coréens en Russie",
        "10 000 soldats",
        "Share prices fell sharply on Monday as investors weighed the latest figures.",
    ],
)
def test_line_rules_keep_content(line: str) -> None:
    assert line_rule(line) is None


def test_related_tail_removed_to_the_end_but_body_kept() -> None:
    doc = _clean(
        "Un titre de test assez long",
        BODY,
        "You may also like",
        "Floods hit the valley again",
        "Ten things to know about the budget",
        "Leave a Comment",
    )
    assert _rules(doc) == {
        "You may also like": "related_links",
        "Floods hit the valley again": "related_links",
        "Ten things to know about the budget": "related_links",
        "Leave a Comment": "comments",
    }
    assert [p.text for p in doc.paragraphs] == [BODY]


def test_related_marker_inside_article_takes_one_link_only() -> None:
    doc = _clean(
        "Un titre de test assez long",
        BODY,
        "Lire aussi",
        "La Bourse chute",
        "Les réactions",
        BODY_EN,
    )
    assert _rules(doc) == {"Lire aussi": "related_links", "La Bourse chute": "related_links"}
    assert [(p.kind, p.text) for p in doc.paragraphs] == [
        ("body", BODY),
        ("heading", "Les réactions"),
        ("body", BODY_EN),
    ]


def test_title_duplicates_and_teasers_ignore_case_and_accents() -> None:
    title = "Élections européennes : la participation en forte hausse"
    doc = _clean(
        title,
        "ELECTIONS EUROPEENNES : LA PARTICIPATION EN FORTE HAUSSE",
        "Elections europeennes : la participation",
        BODY,
    )
    assert doc.title == title
    assert [r.rule for r in doc.removed] == ["duplicate_title", "title_teaser"]


def test_teaser_of_a_later_paragraph_is_removed() -> None:
    doc = _clean("Un titre de test assez long", "Le gouvernement a présenté mardi un projet", BODY)
    assert _rules(doc) == {"Le gouvernement a présenté mardi un projet": "teaser_duplicate"}


def test_dateline_becomes_published_date() -> None:
    doc = _clean("Un titre de test assez long", "Publié le 8 novembre 2024 à 10h32", BODY)
    assert str(doc.published) == "2024-11-08"
    assert _rules(doc) == {"Publié le 8 novembre 2024 à 10h32": "dateline"}


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Updated: 2024-03-05 10:00", "2024-03-05"),
        ("Mis à jour le 05/03/2024", "2024-03-05"),
        ("Published March 5, 2024", "2024-03-05"),
        ("Publié le 1er mars 2024", "2024-03-01"),
    ],
)
def test_parse_date(text: str, iso: str) -> None:
    assert str(parse_date(text)) == iso


def test_html_title_loses_site_suffix() -> None:
    doc = Document(
        source_uri="x.html",
        location="file:///x.html",
        fmt="html",
        title="Séisme au Japon - Le Quotidien",
        sitename="Le Quotidien",
    )
    doc.blocks = [Block(0, "Séisme au Japon", "heading"), Block(1, BODY, "body")]
    doc = clean_document(doc)
    assert doc.title == "Séisme au Japon"
    assert [r.rule for r in doc.removed] == ["duplicate_title"]
