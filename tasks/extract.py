"""Stage 2, extract: main text and metadata.

HTML goes through trafilatura. Plain text has no markup, so its blocks are its lines
(hard-wrapped paragraphs are joined back) and the title is inferred from the first line.
"""

from __future__ import annotations

import re
from copy import copy, deepcopy
from functools import wraps

import trafilatura
import trafilatura.core
import trafilatura.external as external
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement
from trafilatura import metadata as tmeta
from trafilatura import utils as tutils
from trafilatura.baseline import block_text
from trafilatura.settings import Extractor
from trafilatura.utils import line_processing, load_html, trim
from trafilatura.xml import delete_element

from tasks.documents import Block, Document, Reject
from tasks.justext_passes import install as install_justext
from tasks.metadata import (
    choose_authors,
    choose_title,
    headings,
    stated_metadata,
)
from tasks.metadata import parse_date as parse_stated_date
from tasks.xpath_passes import SHORTCUTS, install, install_class_lookup

install()  # trafilatura's pruning XPaths answered by faster passes (tasks/xpath_passes.py)
install_class_lookup()  # the same element classes, looked up in C
install_justext()  # justext's paragraphs, made faster (tasks/justext_passes.py)


class RareCharacters:
    """trafilatura's ``INVALID_XML_CHARS`` (2.3.1: control characters and two
    non-characters, removed from every page before it is parsed), with ``sub`` asking first
    whether any of them is in the page at all. One ``in`` scan per character takes a third
    of the time of the regular expression's pass over a page that holds none of them, as
    1,999 of the 2,005 pages of the throughput corpus (0.25 against 0.75 ms a page)."""

    CLASS = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff]"
    CHARACTERS = tuple(map(chr, (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF)))

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern

    def sub(self, repl: str, string: str, count: int = 0) -> str:
        if any(character in string for character in self.CHARACTERS):
            return self.pattern.sub(repl, string, count)
        return string

    def __getattr__(self, name: str) -> object:
        return getattr(self.pattern, name)


if getattr(tutils.INVALID_XML_CHARS, "pattern", None) == RareCharacters.CLASS:
    tutils.INVALID_XML_CHARS = RareCharacters(tutils.INVALID_XML_CHARS)  # type: ignore[assignment]

STAGE = "extract"

_WS = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[^\s.])[.!?…](?=\s+[«\"“A-ZÀ-ÖØ-Þ])")
TITLE_MAX_CHARS = 250


def squash(text: str) -> str:
    """Collapse runs of white space (including non-breaking ones) to one space."""
    return _WS.sub(" ", text).strip()


# --- plain text ----------------------------------------------------------------------


def _is_hard_wrapped(lines: list[str]) -> bool:
    """True when the lines of one blank-line block are one paragraph wrapped at a width."""
    if len(lines) < 2:
        return False
    width = max(len(line) for line in lines)
    if not 40 <= width <= 100:
        return False
    return all(len(line) >= 0.6 * width for line in lines[:-1])


def text_blocks(text: str) -> list[Block]:
    """Split plain text into blocks: one per line, joining hard-wrapped paragraphs."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [squash(line) for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        pieces = [" ".join(lines)] if _is_hard_wrapped(lines) else lines
        for piece in pieces:
            blocks.append(Block(len(blocks), piece))
    return blocks


def is_title_like(text: str) -> bool:
    """A line that can be a headline: not too long and at most one sentence."""
    if len(text) > TITLE_MAX_CHARS or len(text.split()) < 2:
        return False
    return not _SENTENCE_END.search(text)


def title_from_lede(text: str) -> str:
    """Build a headline from a lede: its first sentence, cut at the attribution clause."""
    first = _SENTENCE_END.split(text, maxsplit=1)[0].rstrip(".!?… ")
    if len(first) <= 120:
        return first
    # "X did Y, a déclaré Z, ..." -> "X did Y": cut at the first comma after 40 characters.
    comma = first.find(",", 40)
    if 0 < comma <= 160:
        return first[:comma]
    cut = first[:120].rsplit(" ", 1)[0]
    return cut + "…"


def extract_text(doc: Document) -> Document:
    """Fill blocks (title left for the cleaner to pick, after crumb removal) from plain text."""
    doc.blocks = text_blocks(doc.text)
    return doc


# --- HTML ----------------------------------------------------------------------------

_BLOCK_TAGS = {"p", "head", "quote", "list", "table", "item", "row", "cell", "code", "lb"}


def _blocks_from_body(body: etree._Element) -> list[Block]:
    """Walk trafilatura's XML body into blocks, keeping headings as headings."""
    blocks: list[Block] = []

    def add(text: str | None, kind: str) -> None:
        text = squash(text or "")
        if text:
            blocks.append(Block(len(blocks), text, kind))

    def lines(element: etree._Element) -> list[str]:
        """The element's text, split where the page had line breaks (<br>)."""
        parts: list[str] = []

        def walk(node: etree._Element) -> None:
            parts.append("\n" if node.tag == "lb" else node.text or "")
            for sub in node:
                walk(sub)
                parts.append(sub.tail or "")

        walk(element)
        return "".join(parts).split("\n")

    for child in body:
        tag = child.tag
        if tag == "head":
            add(" ".join(lines(child)), "heading")
        elif tag == "list":
            for item in child.iter("item"):
                add(" ".join(lines(item)), "body")
        elif tag == "table":
            for row in child.iter("row"):
                cells = [squash("".join(c.itertext())) for c in row.iter("cell")]
                add(" | ".join(c for c in cells if c), "body")
        else:
            for line in lines(child):
                add(line, "body")
        add(child.tail, "body")
    return blocks


# trafilatura's tag links (``metadata.extract_catstags("tag", ...)``, 2.3.1): the XPath
# expressions of ``xpaths.TAGS_XPATHS`` in the same order, written so that libxml2 answers
# them faster: ``descendant::`` steps instead of ``//`` (the same nodes when no predicate
# counts positions), and ``starts-with`` instead of an EXSLT regular expression anchored
# at the start ("^(?:tag|postmeta|meta)"), which called back into Python for every <div>.
# tests/test_extract_identity.py compares the two on real pages.
_TAG_LINKS = tuple(
    etree.XPath(path)
    for path in (
        "/descendant::div[@class='tags']/descendant::a[@href]",
        "/descendant::p[starts-with(@class, 'entry-tags')]/descendant::a[@href]",
        "/descendant::div[@class='row' or @class='jp-relatedposts' or @class='entry-utility'"
        " or starts-with(@class, 'tag') or starts-with(@class, 'postmeta')"
        " or starts-with(@class, 'meta')]/descendant::a[@href]",
        "/descendant::*/@class[.='entry-meta' or contains(., 'topics')"
        " or contains(., 'tags-links')]/../descendant::a[@href]",
    )
)
_TAG_HREF = re.compile(r"/tag(?:y|ies|s)?/")


def tag_links(tree: etree._Element) -> list[str]:
    """The page's tag links, as ``trafilatura.metadata.extract_catstags("tag", tree)``."""
    found: list[str] = []
    for xpath in _TAG_LINKS:
        found = [block_text(a) for a in xpath(tree) if _TAG_HREF.search(a.attrib["href"])]
        if found:
            break
    return [t for t in dict.fromkeys(line_processing(x) for x in found if x) if t]


def _split_tags(values: list[str] | None) -> list[str]:
    """Tags from trafilatura come as comma-joined strings, sometimes repeated."""
    out: list[str] = []
    for value in values or []:
        for tag in value.split(","):
            tag = squash(tag)
            if tag and tag.lower() not in {t.lower() for t in out}:
                out.append(tag)
    return out


# trafilatura's byline search (``metadata.extract_author``, 2.3.1) evaluates five XPath
# expressions whose regular expressions call back into Python for every element of the
# page: about 8 ms a page. Here the attribute values those expressions test are read in
# one XPath call, the few elements whose values could match are kept, and the exact
# predicates (one function per XPath of ``trafilatura.xpaths``) are tested on those
# alone: the same answer (tests/test_read_extract.py compares the two on real pages) at
# a fraction of the cost. trafilatura tests the candidates on a copy of the page pruned of
# comments, sidebars, dates and figures; a candidate survives that pruning unless it or an
# ancestor is pruned, and only the surviving candidates' own subtrees need pruning to read
# their text, so the whole page is neither copied nor searched twice.
_BYLINE_ATTRIBUTES = etree.XPath(
    "//author|//@class|//@id|//@itemprop|//@rel|//@data-testid|//@data-component"
)
# A value that does not match its attribute's pattern cannot satisfy any predicate.
_MAY_BE_BYLINE = {
    "class": re.compile(
        r"uthor|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name|"
        r"screenname|writer|[Bb]yline|^(?:byl|BBL|username)$"
    ),
    "id": re.compile(r"uthor|zuozhe|bianji|xiaobian"),
    "itemprop": re.compile(r"author"),
    "rel": re.compile(r"^author$"),
    "data-testid": re.compile(r"^Author(?:Card|URL)$"),
    "data-component": re.compile(r"Byline"),
}
_DISCARD_TAGS = frozenset({"a", "div", "section", "span"})
_PRUNED_TAGS = frozenset({"time", "figure"})
_DISCARD_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(
    r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|"
    r"article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
_BYLINE_TAGS = (
    frozenset({"a", "address", "div", "link", "p", "span", "strong"}),
    frozenset({"a", "div", "h3", "h4", "p", "span"}),
)
_BYLINE_CLASS_0 = re.compile(r"author-?name|AuthorName|authorName")
_BYLINE_ID_1 = re.compile(r"author|zuozhe|bianji|xiaobian")
_BYLINE_CLASS_1 = re.compile(
    r"author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
_BYLINE_ID_2 = re.compile(r"[Aa]uthor")
_BYLINE_CLASS_2 = re.compile(r"[Aa]uthor|screenname|writer|[Bb]yline")
BYLINE_MAX_CHARS = 120


def _elements_with(found: list, patterns: dict[str, re.Pattern[str]]) -> list[etree._Element]:
    """Elements (in document order) among ``found`` or owning a value that may match."""
    out: list[etree._Element] = []
    for item in found:
        if isinstance(item, str):
            if not patterns[item.attrname].search(item):  # type: ignore[attr-defined]
                continue
            item = item.getparent()  # type: ignore[attr-defined]
        if not out or out[-1] is not item:
            out.append(item)
    return out


def _discarded(el: etree._Element) -> bool:
    """AUTHOR_DISCARD_XPATHS[0]: comment, sidebar, share and figure containers."""
    if el.tag not in _DISCARD_TAGS:
        return False
    ident, cls = el.get("id") or "", el.get("class") or ""
    return (
        ident == "comments"
        or cls in ("comments", "title", "date")
        or _DISCARD_ID.search(ident) is not None
        or _DISCARD_CLASS.search(cls) is not None
        or "Figure" in (el.get("data-component") or "")
    )


def _pruned(el: etree._Element) -> bool:
    """Whether trafilatura's byline search deletes ``el`` from its copy of the page."""
    return el.tag in _PRUNED_TAGS or _discarded(el)


def _survives_pruning(el: etree._Element, root: etree._Element) -> bool:
    """Whether ``el`` is still in the page once pruned (the root itself is never deleted)."""
    node: etree._Element | None = el
    while node is not None and node is not root:
        if _pruned(node):
            return False
        node = node.getparent()
    return True


def _pruned_text(el: etree._Element) -> str:
    """The text of ``el`` as in trafilatura's pruned copy of the page.

    Pruning deletes discarded elements, then times and figures, in page order, each
    deletion joining its tail to the previous sibling or the parent: inside ``el`` the
    same deletions on a copy of ``el`` alone give the same text.
    """
    if not any(_pruned(e) for e in el.iterdescendants()):
        return trim(" ".join(el.itertext()))
    sub = deepcopy(el)
    for e in [e for e in sub.iterdescendants() if _discarded(e)]:
        delete_element(e)
    for e in list(sub.iterdescendants("time", "figure")):
        delete_element(e)
    return trim(" ".join(sub.itertext()))


def _byline_candidates(tree: etree._Element) -> list[etree._Element]:
    """The elements AUTHOR_XPATHS select, in the order extract_metainfo tries them."""
    ranked: tuple[list[etree._Element], ...] = ([], [], [])
    for el in _elements_with(_BYLINE_ATTRIBUTES(tree), _MAY_BE_BYLINE):
        tag, cls, ident = el.tag, el.get("class"), el.get("id")
        itemprop = el.get("itemprop") or ""
        if tag == "author" or (
            tag in _BYLINE_TAGS[0]
            and (
                el.get("rel") == "author"
                or ident == "author"
                or cls == "author"
                or itemprop == "author name"
                or el.get("data-testid") in ("AuthorCard", "AuthorURL")
                or (cls is not None and _BYLINE_CLASS_0.search(cls) is not None)
            )
        ):
            ranked[0].append(el)
        if tag in _BYLINE_TAGS[1] and (
            cls in ("byline", "username", "byl", "BBL")
            or "author" in itemprop
            or (ident is not None and _BYLINE_ID_1.search(ident) is not None)
            or (cls is not None and _BYLINE_CLASS_1.search(cls) is not None)
        ):
            ranked[1].append(el)
        if (
            "Byline" in (el.get("data-component") or "")
            or "author" in itemprop
            or (ident is not None and _BYLINE_ID_2.search(ident) is not None)
            or (cls is not None and _BYLINE_CLASS_2.search(cls) is not None)
        ):
            ranked[2].append(el)
    return ranked[0] + ranked[1] + ranked[2]


def byline_author(tree: etree._Element) -> str | None:
    """The author named in the page's byline markup: ``trafilatura.metadata.extract_author``
    (bylines outside comments, sidebars, dates and figures), evaluated faster."""
    if next(tree.iter("rel"), None) is not None:
        # AUTHOR_XPATHS[0] also tests the text of <rel> children ("rel='me'"), which is
        # not done here: such pages (none seen so far) take trafilatura's own path.
        return tmeta.extract_author(tree)
    for el in _byline_candidates(tree):
        if not _survives_pruning(el, tree):
            continue
        content = _pruned_text(el)
        if content and 2 < len(content) < BYLINE_MAX_CHARS:
            return tmeta.normalize_authors(None, content)
    return None


# --- trafilatura's readability comparison, skipped when it cannot change the result -----
#
# After its own extraction, trafilatura (2.3.1, ``external.compare_extraction``) runs
# readability on the page and takes readability's text instead only under the conditions
# of ``external._prefer_readability``; in the balanced focus, with own text of length t
# and readability text of length r: never when r is 0 or t > 2r; else when t is 0, or
# r > 2t, or r > 2 x min_extracted_size and the own body has no <p> text or more tables
# than <p>. Readability drops the page's scripts and styles, then only keeps, moves and
# drops whole text nodes, and replaces an iframe's text by "VIDEO": so r (the trimmed
# length) is at most the page's text length without its scripts and styles, plus six per
# iframe (" VIDEO" may split a run of spaces). When that bound already rules readability
# out, readability is handed an empty page instead: it finds nothing, loses, and the rest
# of the comparison (the justext check) runs as before. Half of the bench pages are
# decided so, with the same output on all of them (tests/test_extract_identity.py checks
# real pages). Pages with an element whose text the parser keeps undecoded (xmp, noembed,
# noframes, plaintext: re-parsing readability's serialised output would lengthen it), an
# empty <title> (serialised "<title/>", it would swallow what follows) or a fencedframe
# (dropped with its elements, not only text) get no bound and keep the comparison.
_NO_BOUND_TAGS = ("xmp", "noembed", "noframes", "plaintext", "fencedframe")
# normalize-space collapses XML white space only: at least as long as the trimmed text.
_TEXT_LENGTH = etree.XPath("string-length(normalize-space(.))")
_IFRAMES = etree.XPath("count(.//iframe)")


def readability_bound(page: etree._Element) -> int | None:
    """At most how long the text readability extracts from ``page`` can be (None: unknown)."""
    if next(page.iter(*_NO_BOUND_TAGS), None) is not None:
        return None
    if any(len(title) == 0 and title.text is None for title in page.iter("title")):
        return None
    # Dropping a script removes its text, and with it that text's normalised length: its
    # non-space characters and the runs of spaces between them.
    code = sum(int(_TEXT_LENGTH(script)) for script in page.iter("script", "style"))
    return int(_TEXT_LENGTH(page)) - code + len(" VIDEO") * int(_IFRAMES(page))


def readability_cannot_win(
    body: etree._Element, len_text: int, bound: int, options: Extractor
) -> bool:
    """True when ``_prefer_readability`` (balanced focus) rejects every readability text of
    at most ``bound`` characters against an own extraction ``body`` of ``len_text``."""
    if bound == 0 or len_text > 2 * bound:
        return True
    if len_text == 0 or bound > 2 * len_text:
        return False
    if bound <= 2 * options.min_extracted_size:
        return True
    return bool(body.xpath(".//p//text()")) and len(body.findall(".//table")) <= len(
        body.findall(".//p")
    )


def _own(function):  # type: ignore[no-untyped-def]
    """trafilatura's own function, also when this module is imported again."""
    return getattr(function, "__wrapped__", function)


_compare_extraction = _own(external.compare_extraction)
_own_justext_rescue = _own(external.justext_rescue)
_own_prepare_tree = _own(trafilatura.core._prepare_tree)
_own_extract_and_compare = _own(trafilatura.core._extract_and_compare)


# --- trafilatura's copies of the page, made only when something reads them ---------------
#
# trafilatura (2.3.1, ``core``) keeps three copies of a page beside the one it extracts
# from: the tree it was handed (``bare_extraction``: ``extract_html`` has read what it needs
# from its own tree before, and hands it over, see ``_HandedOver``), the cleaned tree
# before tag conversion (``_prepare_tree``: read only by the justext check, which runs on
# a tenth of the pages) and the raw page for readability (``_extract_and_compare``: not
# read when readability is skipped, above). Not copying them saves 6 % of the extract stage.
# Inside ``extract_html`` the last two are made only when read: the cleaned tree is
# cleaned again from the raw page, which nothing changes until the comparison is over.


class _CleanedLater:
    """trafilatura's cleaned copy of ``tree`` before tag conversion, made when read."""

    __slots__ = ("options", "tree")

    def __init__(self, tree: HtmlElement, options: Extractor) -> None:
        self.tree, self.options = tree, options

    def make(self) -> HtmlElement:
        return trafilatura.core.tree_cleaning(copy(self.tree), self.options)


@wraps(_own_prepare_tree)
def _prepare_tree(
    tree: HtmlElement, options: Extractor, url: str | None
) -> tuple[HtmlElement, HtmlElement | _CleanedLater]:
    """``core._prepare_tree``, the pre-conversion copy made only if the justext check
    reads it (inside ``extract_html``, comments off; elsewhere trafilatura's own)."""
    if not SHORTCUTS.get() or options.comments:
        return _own_prepare_tree(tree, options, url)
    cleaned = trafilatura.core.tree_cleaning(copy(tree), options)
    return trafilatura.core.convert_tags(cleaned, options, url), _CleanedLater(tree, options)


@wraps(_own_justext_rescue)
def _justext_rescue(
    tree: HtmlElement | _CleanedLater, options: Extractor
) -> tuple[etree._Element, str]:
    """``external.justext_rescue``, making the cleaned copy ``_prepare_tree`` put off."""
    if isinstance(tree, _CleanedLater):
        tree = tree.make()
    return _own_justext_rescue(tree, options)


def _readability_skipped(
    tree: HtmlElement, body: etree._Element, text: str, options: Extractor
) -> bool:
    """Whether ``compare_extraction`` can leave readability out: it returns before
    readability runs (recall focus, long text), or readability cannot win (balanced)."""
    if options.focus == "recall":
        return len(text) > options.min_extracted_size * 10
    if options.focus != "balanced":
        return False
    bound = readability_bound(tree)  # the raw page, as readability would get it
    return bound is not None and readability_cannot_win(body, len(text), bound, options)


@wraps(_own_extract_and_compare)
def _extract_and_compare(
    cleaned_tree: HtmlElement,
    cleaned_backup: HtmlElement | _CleanedLater,
    tree: HtmlElement,
    options: Extractor,
) -> tuple[etree._Element, str]:
    """``core._extract_and_compare``, with readability handed an empty page when it is
    skipped, instead of a copy of the page, inside ``extract_html``; elsewhere (other
    callers, other threads) exactly trafilatura's own."""
    if not SHORTCUTS.get():
        return _own_extract_and_compare(cleaned_tree, cleaned_backup, tree, options)
    body, text = trafilatura.core.extract_content(cleaned_tree, options)
    if options.fast:
        return body, text
    skipped = _readability_skipped(tree, body, text, options)
    raw_tree = HtmlElement() if skipped else copy(tree)
    return _compare_extraction(cleaned_backup, raw_tree, body, text, options)


trafilatura.core._prepare_tree = _prepare_tree
trafilatura.core._extract_and_compare = _extract_and_compare
external.justext_rescue = _justext_rescue


class _HandedOver:
    """A tree given to ``trafilatura.bare_extraction`` to extract from, not to copy:
    its caller reads nothing from it afterwards (``load_html`` below)."""

    __slots__ = ("tree",)

    def __init__(self, tree: HtmlElement) -> None:
        self.tree = tree


def handed_over(tree: HtmlElement) -> HtmlElement | _HandedOver:
    """``tree``, for trafilatura to extract from without copying it first."""
    return _HandedOver(tree)


_own_load_html = _own(trafilatura.core.load_html)


@wraps(_own_load_html)
def _load_html(htmlobject: object, max_size: int | None = None) -> HtmlElement | None:
    """``utils.load_html`` as ``bare_extraction`` calls it; a handed-over tree is used as
    it is (``bare_extraction`` copies a tree it is given, for its caller's sake)."""
    if isinstance(htmlobject, _HandedOver):
        return htmlobject.tree
    return _own_load_html(htmlobject, max_size)  # type: ignore[arg-type]


trafilatura.core.load_html = _load_html


def extract_html(doc: Document) -> Document | Reject:
    """Extract main text with trafilatura; metadata from what the page states first."""
    tree = load_html(doc.text)
    if tree is None:
        return Reject(doc.source_uri, STAGE, "HTML could not be parsed", "no document tree")
    # Metadata is read first: extraction then works on the tree itself, not on a copy.
    stated = stated_metadata(tree)
    h1, after_crumb = headings(tree)
    sitename = stated.sitename or tmeta.extract_sitename(tree)
    fallback_title = None if stated.titles or h1 else tmeta.extract_title(tree)
    title = choose_title(stated, h1, fallback_title, after_crumb)
    # Who wrote it: what the page states, then its visible byline (tasks/metadata.py),
    # with the byline search trafilatura does (tasks.extract.byline_author) as the layout
    # fallback; else the outlet itself.
    authors = choose_authors(stated, tree, lambda: squash(byline_author(tree) or ""))
    published = stated.published
    if published is None:
        # htmldate on stated places only: its free-text search invents dates from years.
        published = parse_stated_date(find_date(tree, extensive_search=False, original_date=True))
    tags = stated.tags or _split_tags(tag_links(tree))
    shortcut = SHORTCUTS.set(True)  # see _extract_and_compare, tasks/xpath_passes.py
    try:
        # Metadata comes from what the page states (tasks/metadata.py); trafilatura's own
        # metadata pass costs a third of the extraction time and is used only as a
        # fallback above, piece by piece.
        result = trafilatura.bare_extraction(
            handed_over(tree), include_comments=False, include_tables=True, with_metadata=False
        )
    except (ValueError, etree.LxmlError) as exc:
        return Reject(doc.source_uri, STAGE, "HTML could not be parsed", str(exc))
    finally:
        SHORTCUTS.reset(shortcut)
    if result is None or result.body is None or not squash(result.text or ""):
        return Reject(
            doc.source_uri,
            STAGE,
            "no article text found in the HTML",
            "the page holds only navigation, boilerplate or markup",
        )
    doc.blocks = _blocks_from_body(result.body)
    doc.sitename = sitename
    doc.title, doc.title_source = (title, "html") if title else (None, None)
    if not authors and sitename:
        authors = [sitename]
    doc.author = ", ".join(authors) if authors else None
    doc.published = published
    doc.url = stated.url
    doc.tags = tags
    doc.categories = stated.sections
    return doc


def extract_document(doc: Document) -> Document | Reject:
    """Extract one document by its format."""
    return extract_html(doc) if doc.fmt == "html" else extract_text(doc)
