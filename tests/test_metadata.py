"""Title and author rules on small pages written the way publishers write them.

Each page goes through the real read and extract stages; the assertions are on what a
user gets in ``articles.title`` and ``articles.author``.
"""

from __future__ import annotations

import json

from lxml import html as lxml_html

from benchmarks.quality import fold
from tasks.documents import Document
from tasks.extract import extract_document
from tasks.metadata import is_outlet, name_like, stated_metadata, visible_bylines
from tasks.read import document_from_bytes

BODY = """
<p>Der Stadtrat hat am Dienstagabend nach langer Debatte beschlossen, die Brücke über den
Kanal bis zum Herbst vollständig zu sanieren und den Verkehr währenddessen umzuleiten.</p>
<p>Anwohnerinnen und Anwohner hatten seit Jahren auf die Sanierung gedrängt, weil die alte
Konstruktion bei jedem Lastwagen spürbar schwankte und Risse im Beton sichtbar wurden.</p>
<p>Die Kosten von rund zwölf Millionen Euro teilen sich Stadt und Land; der Bund beteiligt
sich über ein Förderprogramm für kommunale Infrastruktur mit einem weiteren Zuschuss.</p>
"""


def page(head: str = "", header: str = "", after: str = "", ld: dict | None = None) -> Document:
    """Read and extract a news page built from its parts."""
    if ld is not None:
        head += f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    html = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>"
        f"<nav><a href='/'>Start</a> <a href='/politik'>Politik</a></nav>"
        f"<main><article><header>{header}</header>{BODY}{after}</article></main>"
        f"<footer><p>© Stadtbote</p></footer></body></html>"
    )
    doc = document_from_bytes(html.encode(), "test", "test:page", name="page.html")
    assert isinstance(doc, Document)
    doc.fmt = "html"
    out = extract_document(doc)
    assert isinstance(out, Document)
    return out


# --- titles ----------------------------------------------------------------------------


def test_stated_headline_two_statements_agree_on_wins_over_an_unrelated_h1() -> None:
    # a live ticker: the h1 is the latest entry, the article's headline is stated twice
    doc = page(
        head="<title>Brückensanierung: alle Entwicklungen</title>",
        header="<h1>Ticker: Stadtrat stimmt ab +++ Brücke wird gesperrt</h1>",
        ld={"@type": "NewsArticle", "headline": "Brückensanierung: alle Entwicklungen"},
    )
    assert doc.title == "Brückensanierung: alle Entwicklungen"


def test_a_lone_unrelated_stated_title_leaves_the_h1() -> None:
    doc = page(
        header="<h1>Kanalbrücke wird bis Herbst saniert</h1>",
        ld={"@type": "Article", "headline": "Verfahren zur Sanierung von Brücken"},
    )
    assert doc.title == "Kanalbrücke wird bis Herbst saniert"


def test_h1_wins_over_stated_titles_that_only_add_a_suffix() -> None:
    doc = page(
        head=(
            "<title>Kanalbrücke wird saniert - Stadtbote Ratgeber</title>"
            '<meta property="og:title" content="Kanalbrücke wird saniert - Stadtbote Ratgeber">'
        ),
        header="<h1>Kanalbrücke wird saniert</h1>",
    )
    assert doc.title == "Kanalbrücke wird saniert"


def test_stated_headline_that_matches_the_h1_still_wins() -> None:
    doc = page(
        head='<meta property="og:title" content="Kanalbrücke wird bis Herbst saniert">',
        header="<h1>Kanalbrücke wird bis Herbst saniert!</h1>",
    )
    assert doc.title == "Kanalbrücke wird bis Herbst saniert"


def test_soft_hyphens_in_the_h1_do_not_hide_a_match() -> None:
    doc = page(
        head='<meta property="og:title" content="Sanierung: Kanalbrücke wird gesperrt">',
        header="<h1>Sanierung: Kanal&shy;brü&shy;cke wird ge&shy;sperrt</h1>",
    )
    assert doc.title == "Sanierung: Kanalbrücke wird gesperrt"


SEO_TITLE = "Kanalbrücke: Sanierung bis Herbst beschlossen"


def test_heading_after_a_breadcrumb_h1_picks_the_stated_title_it_shows() -> None:
    # The site's one h1 is the trail's last item (its SEO title, as JSON-LD and <title>
    # say); the reader sees the h2 after the trail, which OpenGraph states.
    doc = page(
        head=(
            f"<title>{SEO_TITLE} | Stadtbote</title>"
            '<meta property="og:title" content="Brücke über den Kanal: Stadtrat stimmt für'
            ' Sanierung">'
        ),
        header=(
            '<nav aria-label="Breadcrumb"><ol><li><a href="/">Start</a></li>'
            f"<li><h1>{SEO_TITLE}</h1></li></ol></nav>"
            "<h2><span>Brücke über den Kanal</span> <span>Stadtrat stimmt für Sanierung</span>"
            "</h2>"
        ),
        ld={"@type": "NewsArticle", "headline": SEO_TITLE},
    )
    assert doc.title == "Brücke über den Kanal: Stadtrat stimmt für Sanierung"


def test_breadcrumb_h1_stays_when_the_next_heading_matches_no_stated_title() -> None:
    # The next heading is a section of the text: nothing the page states matches it.
    doc = page(
        head=f'<meta property="og:title" content="{SEO_TITLE}">',
        header=(
            '<div class="breadcrumbs"><a href="/">Start</a> › '
            f'<h1 class="breadcrumb_last">{SEO_TITLE}</h1></div>'
        ),
        after="<h2>Wie es weitergeht</h2><p>Die Arbeiten beginnen im März.</p>",
        ld={"@type": "NewsArticle", "headline": SEO_TITLE},
    )
    assert doc.title == SEO_TITLE


def test_an_h1_outside_a_breadcrumb_ignores_the_headings_after_it() -> None:
    doc = page(
        head='<meta property="og:title" content="Stadtrat stimmt für Sanierung">',
        header="<h1>Kanalbrücke wird bis Herbst saniert</h1><h2>Stadtrat stimmt für Sanierung</h2>",
        ld={"@type": "NewsArticle", "headline": "Kanalbrücke wird bis Herbst saniert"},
    )
    assert doc.title == "Kanalbrücke wird bis Herbst saniert"


def test_a_stated_title_that_is_the_outlet_name_is_ignored() -> None:
    doc = page(
        head=(
            '<meta property="og:title" content="Stadtbote">'
            '<meta property="og:site_name" content="Stadtbote">'
        ),
        header="<h1>Kanalbrücke wird bis Herbst saniert</h1>",
    )
    assert doc.title == "Kanalbrücke wird bis Herbst saniert"


# --- authors ---------------------------------------------------------------------------


def test_outlet_initials_in_the_author_tag_yield_to_the_visible_byline() -> None:
    doc = page(
        head=(
            '<meta name="author" content="SBO">'
            '<meta property="og:site_name" content="Stadt Bote Online">'
        ),
        header=(
            "<h1>Kanalbrücke wird saniert</h1>"
            '<p class="meta-info">von <a href="/autoren/maria-muster">Dr. Maria Muster</a></p>'
        ),
    )
    assert doc.author == "Dr. Maria Muster"


def test_labelled_byline_with_linked_names() -> None:
    doc = page(
        header=(
            "<h1>Kanalbrücke wird saniert</h1><ul>"
            '<li class="information-item">3 Minuten Lesezeit</li>'
            '<li class="information-item">Von:\n <span class="person-link">'
            '<a href="/jane-doe">Jane  DOE</a>,</span>\n'
            '<span class="person-link"><a href="/john-roe">John Roe</a></span></li></ul>'
        ),
    )
    assert doc.author == "Jane DOE, John Roe"


def test_person_the_page_labels_as_editor_is_not_the_author() -> None:
    doc = page(
        header='<h1>Kanalbrücke wird saniert</h1><div class="author-2">Naufal Zuhdi</div>',
        after=(
            '<div class="info-author">Editor : '
            '<a class="author" href="/author/112/heryadi">Heryadi</a></div>'
        ),
        ld={
            "@type": "NewsArticle",
            "headline": "Kanalbrücke wird saniert",
            "author": {"@type": "Person", "name": "Heryadi"},
        },
    )
    assert doc.author == "Naufal Zuhdi"


def test_editors_are_named_when_nobody_else_is() -> None:
    doc = page(
        header="<h1>跨运河大桥将于秋季前完成修缮</h1>",
        after='<div class="edit cf">(责编：牛镛、岳弘彬)</div>',
    )
    assert doc.author == "牛镛, 岳弘彬"


def test_outlet_stated_as_author_stays_when_no_byline_names_a_person() -> None:
    doc = page(
        head='<meta property="og:site_name" content="Der Stadtbote">',
        header="<h1>Kanalbrücke wird saniert</h1>",
        after="<p>Die <strong>von Montag, den 1. Mai bis Sonntag</strong> gesperrt.</p>",
        ld={
            "@type": "NewsArticle",
            "headline": "Kanalbrücke wird saniert",
            "author": {"@type": "Person", "name": "Der Stadtbote"},
        },
    )
    assert doc.author == "Der Stadtbote"


def test_stated_people_win_over_visible_bylines() -> None:
    doc = page(
        header='<h1>Kanalbrücke wird saniert</h1><p class="byline">Von Max Muster</p>',
        ld={
            "@type": "NewsArticle",
            "headline": "Kanalbrücke wird saniert",
            "author": [{"@type": "Person", "name": "Erika Mustermann"}],
        },
    )
    assert doc.author == "Erika Mustermann"


def test_text_that_starts_like_a_byline_is_not_one() -> None:
    tree = lxml_html.fromstring(
        "<html><body><article>"
        "<p>Von München bis Aachen: Im Netz der Agenten</p>"
        "<p>By the end of the year the bridge will be closed</p>"
        "<h2>Von Anna Schmidt</h2>"
        "</article><nav><p>Von Redaktion Stadtbote</p></nav></body></html>"
    )
    seen = visible_bylines(tree)
    assert seen.labelled == [] and seen.by_class == [] and seen.editors == []


def test_name_like_and_outlet_checks() -> None:
    assert name_like("Dr. Max Kolter") and name_like("Ludwig van Beethoven")
    assert name_like("María R. Sahuquillo") and name_like("牛镛")
    assert not name_like("bis Aachen: Im Netz") and not name_like("20.10.2025")
    assert not name_like("3 Minuten Lesezeit")
    sites = ["Legal Tribune Online", "lto.de", "Der Postillon", "der-postillon.com"]
    assert is_outlet("LTO", sites) and is_outlet("DER POSTILLON", sites[2:])
    assert is_outlet("der postillon", sites[3:])
    assert not is_outlet("Max Kolter", sites)


def test_site_names_come_from_every_statement() -> None:
    tree = lxml_html.fromstring(
        "<html><head>"
        '<meta property="og:site_name" content="RP ONLINE">'
        '<meta name="application-name" content="Kinder werden schneller">'
        '<link rel="canonical" href="https://www.rp-online.de/nrw/artikel">'
        "</head><body></body></html>"
    )
    assert stated_metadata(tree).site_names == ["RP ONLINE", "rp-online.de"]


def test_benchmark_fold_treats_apostrophe_look_alikes_alike() -> None:
    assert fold("L’État d´ici") == fold("l'Etat d'ici") == fold("L\u02bcÉtat d`ici")
