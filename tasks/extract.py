"""Stage 2, extract: main text and metadata.

HTML goes through trafilatura. Plain text has no markup, so its blocks are its lines
(hard-wrapped paragraphs are joined back) and the title is inferred from the first line.
"""

from __future__ import annotations

import re

import trafilatura
from htmldate import find_date
from lxml import etree
from trafilatura import metadata as tmeta
from trafilatura.utils import load_html

from tasks.documents import Block, Document, Reject
from tasks.metadata import choose_authors, choose_title, first_h1, stated_metadata
from tasks.metadata import parse_date as parse_stated_date

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


def _split_tags(values: list[str] | None) -> list[str]:
    """Tags from trafilatura come as comma-joined strings, sometimes repeated."""
    out: list[str] = []
    for value in values or []:
        for tag in value.split(","):
            tag = squash(tag)
            if tag and tag.lower() not in {t.lower() for t in out}:
                out.append(tag)
    return out


def extract_html(doc: Document) -> Document | Reject:
    """Extract main text with trafilatura; metadata from what the page states first."""
    tree = load_html(doc.text)
    if tree is None:
        return Reject(doc.source_uri, STAGE, "HTML could not be parsed", "no document tree")
    stated = stated_metadata(tree)
    h1 = first_h1(tree)
    try:
        # Metadata comes from what the page states (tasks/metadata.py); trafilatura's own
        # metadata pass costs a third of the extraction time and is used only as a
        # fallback below, piece by piece.
        result = trafilatura.bare_extraction(
            tree, include_comments=False, include_tables=True, with_metadata=False
        )
    except (ValueError, etree.LxmlError) as exc:
        return Reject(doc.source_uri, STAGE, "HTML could not be parsed", str(exc))
    if result is None or result.body is None or not squash(result.text or ""):
        return Reject(
            doc.source_uri,
            STAGE,
            "no article text found in the HTML",
            "the page holds only navigation, boilerplate or markup",
        )
    doc.blocks = _blocks_from_body(result.body)
    doc.sitename = stated.sitename or tmeta.extract_sitename(tree)
    fallback_title = None if stated.titles or h1 else tmeta.extract_title(tree)
    title = choose_title(stated, h1, fallback_title)
    doc.title, doc.title_source = (title, "html") if title else (None, None)
    # Who wrote it: what the page states, then its visible byline (tasks/metadata.py),
    # with trafilatura's byline search as the layout fallback; else the outlet itself.
    authors = choose_authors(stated, tree, lambda: squash(tmeta.extract_author(tree) or ""))
    if not authors and doc.sitename:
        authors = [doc.sitename]
    doc.author = ", ".join(authors) if authors else None
    doc.published = stated.published
    if doc.published is None:
        # htmldate on stated places only: its free-text search invents dates from years.
        found = find_date(tree, extensive_search=False, original_date=True)
        doc.published = parse_stated_date(found)
    doc.url = stated.url
    doc.tags = stated.tags or _split_tags(tmeta.extract_catstags("tag", tree))
    doc.categories = stated.sections
    return doc


def extract_document(doc: Document) -> Document | Reject:
    """Extract one document by its format."""
    return extract_html(doc) if doc.fmt == "html" else extract_text(doc)
