"""The extract stage's shortcuts change nothing: the same fields as trafilatura's own path.

``tasks/extract.py`` skips trafilatura's readability comparison when it cannot change the
result, and reads bylines and tag links with faster equivalents of trafilatura's
functions; ``tasks/xpath_passes.py`` answers trafilatura's pruning XPaths with Python
passes. Here every field of the extracted document is compared, on real pages of
../shared/bench, with the path that calls trafilatura's own functions throughout.
"""

from __future__ import annotations

import gzip
import os
import re
from collections import Counter
from copy import copy
from pathlib import Path

import pytest
import trafilatura.core
import trafilatura.external
import trafilatura.utils
from justext.core import ParagraphMaker, classify_paragraphs, revise_paragraph_classification
from justext.utils import get_stoplist
from lxml.etree import tostring
from trafilatura import metadata as tmeta
from trafilatura.external import try_readability
from trafilatura.utils import load_html, trim

from benchmarks.extract_speed import fields
from benchmarks.quality import BENCH
from tasks import extract, justext_passes, xpath_passes
from tasks.documents import Document
from tasks.read import document_from_bytes

if not BENCH.is_dir():
    if os.environ.get("CI"):
        raise RuntimeError(f"benchmark data missing at {BENCH}: the identity checks cannot run")
    pytest.skip(f"benchmark data not found at {BENCH}", allow_module_level=True)

# Every seventh page of the three datasets (92 of 643) keeps this under ten seconds; all
# 643 agree (python -m benchmarks.extract_speed --dump/--compare across two versions).
PAGES = sorted(BENCH.glob("*/html/*.gz"))[::7]
# Pages whose extraction is short or unclean enough for trafilatura's justext check (16
# of the 643), which reads the cleaned copy of the page extract_html has made only then.
JUSTEXT_PAGES = [
    BENCH / "fundus-pages/html/de_Focus.html.gz",
    BENCH / "fundus-pages/html/es_MallorcaMagazin.html.gz",
    BENCH / "trafilatura-eval/html/caymancompass.com-prison.html.gz",
    BENCH / "trafilatura-eval/html/fifplay.com.settings.html.gz",
]


def _document(path: Path) -> Document:
    doc = document_from_bytes(gzip.decompress(path.read_bytes()), "bench", "bench:page")
    assert isinstance(doc, Document)
    doc.fmt = "html"
    return doc


def test_extracted_fields_match_trafilaturas_own_path(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: Counter[str] = Counter()
    cannot_win = extract.readability_cannot_win

    def counted(*args: object) -> bool:
        decided = cannot_win(*args)  # type: ignore[arg-type]
        seen["readability skipped"] += decided
        return decided

    monkeypatch.setattr(extract, "readability_cannot_win", counted)
    make = extract._CleanedLater.make

    def made(later: extract._CleanedLater):  # type: ignore[no-untyped-def]
        seen["cleaned copy made for justext"] += 1
        return make(later)

    monkeypatch.setattr(extract._CleanedLater, "make", made)
    for path in PAGES + JUSTEXT_PAGES:
        fast = fields(extract.extract_document(_document(path)))
        with monkeypatch.context() as own:
            own.setattr(trafilatura.core, "_prepare_tree", extract._own_prepare_tree)
            own.setattr(trafilatura.core, "_extract_and_compare", extract._own_extract_and_compare)
            own.setattr(trafilatura.external, "justext_rescue", extract._own_justext_rescue)
            own.setattr(extract, "handed_over", lambda tree: tree)  # trafilatura copies it
            own.setattr(trafilatura.external, "ParagraphMaker", ParagraphMaker)
            own.setattr(extract, "byline_author", tmeta.extract_author)
            own.setattr(extract, "tag_links", lambda tree: tmeta.extract_catstags("tag", tree))
            for xpath_pass in xpath_passes.install():
                own.setattr(xpath_pass, "function", xpath_pass.xpath)
            slow = fields(extract.extract_document(_document(path)))
        assert fast == slow, path.name
        seen["author"] += bool(fast.get("author"))
        seen["tags"] += bool(fast.get("tags"))
    # the sample covers what the shortcuts decide
    assert seen["readability skipped"] > 20, seen
    assert seen["cleaned copy made for justext"] >= len(JUSTEXT_PAGES), seen
    assert seen["author"] > 50 and seen["tags"] > 20, seen


def test_tag_links_answer_as_trafilaturas_own() -> None:
    with_links = 0
    for path in sorted(BENCH.glob("*/html/*.gz"))[::3]:  # all 643 pages agree
        tree = load_html(gzip.decompress(path.read_bytes()))
        expected = tmeta.extract_catstags("tag", tree)
        assert extract.tag_links(tree) == expected, path.name
        with_links += bool(expected)
    assert with_links > 10  # the comparison covers pages with tag links, too


def test_readability_bound_holds_on_real_pages() -> None:
    bounded = 0
    for path in PAGES:
        page = load_html(gzip.decompress(path.read_bytes()))
        bound = extract.readability_bound(page)
        if bound is None:
            continue
        found = try_readability(copy(page))
        length = len(trim(tostring(found, method="text", encoding="utf-8").decode("utf-8")))
        assert length <= bound, path.name
        bounded += 1
    assert bounded > 0.9 * len(PAGES)


def test_shortcuts_apply_only_inside_the_extract_stage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Other callers of trafilatura in the process (benchmarks, threads) get its own path."""
    given: list[int] = []  # elements of the page readability is handed, call by call
    own = extract._compare_extraction
    passes: Counter[str] = Counter()

    def recorded(cleaned, raw_tree, body, text, options):  # type: ignore[no-untyped-def]
        given.append(len(raw_tree))
        return own(cleaned, raw_tree, body, text, options)

    def counted(xpath_pass: xpath_passes.Pass):  # type: ignore[no-untyped-def]
        def run(tree):  # type: ignore[no-untyped-def]
            passes[xpath_pass.path] += 1
            return xpath_pass.xpath(tree)

        return run

    monkeypatch.setattr(extract, "_compare_extraction", recorded)
    monkeypatch.setattr(trafilatura.core, "compare_extraction", recorded)
    for xpath_pass in xpath_passes.install():
        monkeypatch.setattr(xpath_pass, "function", counted(xpath_pass))
    for path in PAGES[:20]:
        extract.extract_document(_document(path))
    assert 0 in given  # some pages skip readability in the extract stage
    # and every pass answers there (basic cleaning only on pages with a short extraction)
    assert len(passes) == len(xpath_passes.PASSES) + len(xpath_passes.MODULE_PASSES)
    given.clear()
    passes.clear()
    for path in PAGES[:20]:
        page = load_html(gzip.decompress(path.read_bytes()))
        before = tostring(page)
        trafilatura.bare_extraction(page, include_comments=False)
        assert tostring(page) == before, path.name  # a caller's tree is copied, not changed
    assert given and 0 not in given
    assert not passes
    assert not extract.SHORTCUTS.get()


def test_xpath_passes_select_what_trafilaturas_xpaths_select(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On every tree trafilatura evaluates them on (raw, cleaned, converted to its own
    tags), across a third of the bench pages (all 643 agree), each pass selects the
    XPath's elements in the XPath's order."""
    calls: Counter[str] = Counter()
    selected: Counter[str] = Counter()

    def checked(xpath_pass: xpath_passes.Pass):  # type: ignore[no-untyped-def]
        fast = xpath_pass.function

        def run(tree):  # type: ignore[no-untyped-def]
            found = fast(tree)
            assert found == xpath_pass.xpath(tree), xpath_pass.function.__name__
            calls[fast.__name__] += 1
            selected[fast.__name__] += len(found)
            return found

        return run

    installed = xpath_passes.install()
    # written for this trafilatura
    assert len(installed) == len(xpath_passes.PASSES) + len(xpath_passes.MODULE_PASSES)
    for xpath_pass in installed:
        monkeypatch.setattr(xpath_pass, "function", checked(xpath_pass))
    pages = sorted(BENCH.glob("*/html/*.gz"))[::3]
    for path in pages:
        extract.extract_document(_document(path))
    # the pruning passes answer on every page; the body ones when the earlier found none
    assert len(calls) == len(installed) and min(calls.values()) > 50, calls
    # the pages exercise the passes: each one prunes something on them
    functions = [*xpath_passes.PASSES.values(), *xpath_passes.MODULE_PASSES.values()]
    assert {f.__name__ for _, f in functions} == {
        name for name, count in selected.items() if count
    }, selected


def test_pages_parse_to_the_element_classes_of_lxml_html() -> None:
    """The C lookup the extract stage installs gives every element the class lxml.html's
    own lookup gives it: forms and their fields their own classes, others HtmlElement."""
    from lxml import etree, html

    page = (
        b"<html><body><!-- note --><form><label>Name</label><input name=q>"
        b"<select><option>a</option></select><textarea>t</textarea></form>"
        b"<div><p>text <b>bold</b></p><FORM></FORM></div></body></html>"
    )
    pages = [page] + [gzip.decompress(p.read_bytes()) for p in PAGES[:10]]
    for raw in pages:
        own = html.document_fromstring(raw, parser=html.HTMLParser())
        fast_parser = html.HTMLParser()
        fast_parser.set_element_class_lookup(xpath_passes.html_class_lookup())
        fast = html.document_fromstring(raw, parser=fast_parser)
        assert [type(e) for e in own.iter()] == [type(e) for e in fast.iter()]
    tree = load_html(page)  # trafilatura's parser, as the extract stage has it
    assert {type(e).__name__ for e in tree.iter()} >= {
        "FormElement",
        "InputElement",
        "SelectElement",
        "TextareaElement",
        "LabelElement",
    }
    assert all(isinstance(e, (html.HtmlElement, etree._Comment)) for e in tree.iter())


def test_rare_characters_remove_what_trafilaturas_pattern_removes() -> None:
    pattern = re.compile(extract.RareCharacters.CLASS)
    matched = [chr(c) for c in range(0x110000) if pattern.fullmatch(chr(c))]
    assert tuple(matched) == extract.RareCharacters.CHARACTERS
    installed = trafilatura.utils.INVALID_XML_CHARS
    assert isinstance(installed, extract.RareCharacters)
    page = "<html><body><p>Déjà vu\u00a0: 10\u202f000 soldats</p></body></html>"
    assert installed.sub("", page) is page
    for character in matched:
        dirty = page.replace("vu", f"v{character}u{character}")
        assert installed.sub("", dirty) == pattern.sub("", dirty) == page


def _paragraphs(maker: type[ParagraphMaker], page: object) -> list[tuple[object, ...]]:
    """Every value justext computes for the page's paragraphs, as trafilatura runs it."""
    paragraphs = maker.make_paragraphs(page)
    stoplist = get_stoplist("English")
    classify_paragraphs(paragraphs, stoplist, 50, 150, 0.1, 0.2, 0.25, True)
    revise_paragraph_classification(paragraphs, 150)
    return [
        (
            *(p.dom_path, p.xpath, p.text, p.text_nodes, p.chars_count_in_links, p.tags_count),
            *(p.words_count, p.stopwords_density(stoplist), p.links_density(), p.is_heading),
            *(p.cf_class, p.class_type, p.heading),
        )
        for p in paragraphs
    ]


def test_justext_passes_make_justexts_own_paragraphs() -> None:
    assert trafilatura.external.ParagraphMaker is justext_passes.StackParagraphMaker
    made = 0
    for path in JUSTEXT_PAGES + PAGES[:12]:
        page = load_html(gzip.decompress(path.read_bytes()))
        own = _paragraphs(ParagraphMaker, page)
        token = extract.SHORTCUTS.set(True)
        try:
            fast = _paragraphs(justext_passes.StackParagraphMaker, page)
        finally:
            extract.SHORTCUTS.reset(token)
        assert fast == own, path.name
        made += len(fast)
    assert made > 1000
    # outside the extract stage, justext's own paragraphs
    page = load_html(gzip.decompress(JUSTEXT_PAGES[0].read_bytes()))
    outside = justext_passes.StackParagraphMaker.make_paragraphs(page)
    assert type(outside[0]) is not justext_passes.OnceParagraph


def test_justext_whitespace_normalised_as_justext_does() -> None:
    from justext.utils import normalize_whitespace

    pieces = [" ", "\n", "\r", "\t", "\x0b", "\x1c", "\x85", "\xa0", "\u2028", "\u3000", "a", "é"]
    texts = [""] + [a + b + c for a in pieces for b in pieces for c in pieces]
    texts += ["  Déjà\u00a0 vu \r\n\t  10\u202f000 \n", "a  b\tc\n\n d"]
    for text in texts:
        assert justext_passes.normalize_whitespace(text) == normalize_whitespace(text), repr(text)
