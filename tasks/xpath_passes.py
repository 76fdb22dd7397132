"""trafilatura's hottest XPath expressions, answered by Python passes inside the extract stage.

Before and during its main extraction, trafilatura (2.3.1) deletes the page's infinite-scroll
containers, comment sections and boilerplate (navigation, sharing, cookie banners, hidden
elements), then looks for the element holding the main text, by evaluating XPath
expressions over every element of the tree. libxml2 expands ``.//*`` and tests each
predicate node by node, and the ``re:test`` predicates call back into Python: a fifth of
the extraction time. The same selections are made here by one walk over the elements
each, with the same regular expressions (trafilatura's own token lists), in document
order: the same elements, so the same extraction (tests/test_extract_identity.py compares
the two on every tree trafilatura evaluates them on, across the bench pages).

The passes answer only inside the extract stage (``SHORTCUTS``, set by
``tasks.extract.extract_html``); any other caller in the process gets trafilatura's own
XPath. An expression whose text is not the one these passes were written for (another
trafilatura version) keeps its XPath: an upgrade loses speed, never correctness.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Callable
from contextvars import ContextVar

from lxml import etree
from trafilatura import settings, xpaths

# The module, not the function trafilatura's package exports under the same name.
_baseline = importlib.import_module("trafilatura.baseline")

#: True inside the extract stage: trafilatura's shortcuts of tasks/extract.py and the
#: passes of this module answer for trafilatura's own code.
SHORTCUTS: ContextVar[bool] = ContextVar("trafilatura_shortcuts", default=False)

Elements = list[etree._Element]

# The regular expressions of trafilatura's predicates, from its own token lists (private
# names of 2.3.1): a version without them gets no passes, and its own XPaths.
try:
    _COMMENTS_ID = re.compile(f"^(?:{xpaths._COMMENTS_ID}|disqus_thread|dsq-comments)")
    _COMMENTS_CLASS = re.compile(xpaths._COMMENTS_CLASS)
    _COMMENT_LIST_ID = re.compile(f"^(?:{xpaths._COMMENTS_ID})")
    _CONSENT = re.compile(xpaths._alt(xpaths._CONSENT_ID_CLASS_TOKENS))
    _DISCARD_ID = re.compile(
        xpaths._alt(xpaths._OVERALL_DISCARD_BOTH_TOKENS + xpaths._OVERALL_DISCARD_ID_TOKENS)
    )
    _DISCARD_CLASS = re.compile(
        xpaths._alt(xpaths._OVERALL_DISCARD_BOTH_TOKENS + xpaths._OVERALL_DISCARD_CLASS_TOKENS)
    )
    _ARTICLE_ID = re.compile(xpaths._alt(xpaths._ARTICLE_CONTENT_ID_TOKENS))
    _ARTICLE_CLASS = re.compile(xpaths._alt(xpaths._ARTICLE_CONTENT_CLASS_TOKENS))
    _STORY_ID = re.compile(xpaths._alt(xpaths._STORY_ID_TOKENS))
    _STORY_CLASS = re.compile(xpaths._alt(xpaths._STORY_CLASS_TOKENS))
    _MAIN_ID = re.compile(xpaths._alt(xpaths._MAIN_CONTENT_ID_TOKENS))
    _MAIN_CLASS = re.compile(xpaths._alt(xpaths._MAIN_CONTENT_CLASS_TOKENS))
    # EXSLT's re:test(..., 'i') is Python's re.search with IGNORECASE (lxml's own code).
    _COOKIE_CONSENT = re.compile(settings._COOKIE_CONSENT_RE, re.IGNORECASE)
    _TOKENS_FOUND = True
except (AttributeError, TypeError, ValueError, re.error):
    _TOKENS_FOUND = False


def _first(el: etree._Element, a: str, b: str) -> str:
    """XPath ``string(@a|@b)``: the value of whichever attribute the tag gives first."""
    va, vb = el.get(a), el.get(b)
    if va is None:
        return vb or ""
    if vb is None:
        return va
    keys = el.keys()
    return va if keys.index(a) < keys.index(b) else vb


_SCROLL = re.compile("mvp-post-add-(?:box|wrap)|infinite-?scroll")
_APPENDED = re.compile("mvp-post-add-(?:box|wrap)")


def scroll_containers(tree: etree._Element) -> Elements:
    """RAW_TREE_PRUNE_XPATH[0]: infinite-scroll containers, unless they hold the <h1>."""
    out = []
    for el in tree.iterdescendants("div", "section", "aside"):
        ident, cls = el.get("id", ""), el.get("class", "")
        if not (_SCROLL.search(ident) or _SCROLL.search(cls)):
            continue
        if (
            next(el.iterdescendants("h1"), None) is None
            or _APPENDED.search(ident)
            or _APPENDED.search(cls)
        ):
            out.append(el)
    return out


def share_buttons(tree: etree._Element) -> Elements:
    """RAW_TREE_PRUNE_XPATH[1]: Elementor's share-button containers."""
    return [
        el
        for el in tree.iterdescendants("div", "section", "aside")
        if "elementor-share-buttons" in el.get("class", "")
    ]


def comment_sections(tree: etree._Element) -> Elements:
    """REMOVE_COMMENTS_AND_LISTS_XPATH[0]: comment sections, and lists of comments."""
    out = []
    for el in tree.iterdescendants("div", "list", "section", "details", "ol", "ul"):
        ident, cls = el.get("id", ""), el.get("class", "")
        if not (_COMMENTS_ID.search(ident) or _COMMENTS_CLASS.search(cls)):
            continue
        if (
            el.tag not in ("ol", "ul")
            or _COMMENT_LIST_ID.search(ident)
            or _COMMENTS_CLASS.search(cls)
        ):
            out.append(el)
    return out


def boilerplate_sections(tree: etree._Element) -> Elements:
    """OVERALL_DISCARD_XPATH[0]: navigation, sharing, newsletters, consent, ads, related."""
    out = []
    for el in tree.iterdescendants("div", "item", "list", "p", "section", "span"):
        if (
            el.get("data-lp-replacement-content") is not None
            or "nav" in el.get("role", "").replace("N", "n")
            or "MostPopularStories" in el.get("data-component", "")
            or _CONSENT.search(_first(el, "id", "class"))
            or _DISCARD_ID.search(el.get("id", ""))
            or _DISCARD_CLASS.search(el.get("class", ""))
        ):
            out.append(el)
    return out


_HIDDEN_ID = re.compile("reader-comments|akismet")
_HIDDEN_CLASS = re.compile(
    "^hide-|comments-title|nocomments|-reply-|message|akismet|suggest-links|-hide-|"
    "hide-print| hidden| hide|noprint|notloaded"
)


def hidden_elements(tree: etree._Element) -> Elements:
    """OVERALL_DISCARD_XPATH[1]: hidden elements, comment titles and replies."""
    out = []
    for el in tree.iterdescendants(etree.Element):
        cls, ident, style = el.get("class"), el.get("id"), el.get("style")
        if cls is None and ident is None and style is None:
            if el.get("aria-hidden") == "true":
                out.append(el)
            continue
        if (
            cls == "comments-title"
            or _first(el, "id", "class").startswith("reply-")
            or "hidden" in _first(el, "id", "style")
            or (style is not None and ("display:none" in style or "display: none" in style))
            or (ident is not None and _HIDDEN_ID.search(ident) is not None)
            or (cls is not None and _HIDDEN_CLASS.search(cls) is not None)
            or el.get("aria-hidden") == "true"
        ):
            out.append(el)
    return out


_BASIC_CLEAN_TAGS = frozenset(
    ("aside", "fencedframe", "footer", "script", "style", "svg", "template")
)


def basic_clean(tree: etree._Element) -> Elements:
    """settings.BASIC_CLEAN_XPATH (baseline.basic_cleaning): asides, footers, scripts,
    styles, vector images, templates and cookie banners. trafilatura measures the whole
    page's text with it (``html2txt``) on every page whose extraction is short, and its
    justext rescue cleans with it."""
    out = []
    for el in tree.iterdescendants(etree.Element):
        tag, cls, ident = el.tag, el.get("class"), el.get("id")
        if (
            tag in _BASIC_CLEAN_TAGS
            or (tag == "div" and "footer" in _first(el, "class", "id"))
            or (cls is not None and _COOKIE_CONSENT.search(cls) is not None)
            or (ident is not None and _COOKIE_CONSENT.search(ident) is not None)
        ):
            out.append(el)
    return out


# BODY_XPATH[0], [2] and [3]: where the main text is, tried in turn (main_extractor).
_CONTAINERS = ("article", "div", "main", "section")
_FULLTEXT = re.compile("fulltext", re.IGNORECASE)


def article_bodies(tree: etree._Element) -> Elements:
    """BODY_XPATH[0], ``.//*[...][1]``: the ``[1]`` is per parent, so every element that
    is the first of its siblings to match (in document order)."""
    out: Elements = []
    parents: set[etree._Element] = set()
    for el in tree.iterdescendants(*_CONTAINERS):
        ident, cls = el.get("id"), el.get("class")
        if (
            cls in ("post", "entry")
            or el.get("itemprop") == "articleBody"
            or ident == "articleContent"
            or (ident is not None and _ARTICLE_ID.search(ident) is not None)
            or (cls is not None and _ARTICLE_CLASS.search(cls) is not None)
        ):
            parent = el.getparent()
            if parent not in parents:
                parents.add(parent)
                out.append(el)
    return out


def story_body(tree: etree._Element) -> Elements:
    """BODY_XPATH[2], ``(.//*[...])[1]``: the first story container in document order."""
    for el in tree.iterdescendants(*_CONTAINERS):
        ident, cls = el.get("id", ""), el.get("class", "")
        if (
            el.get("role") == "article"
            or ident in ("article", "story")
            or cls in ("postarea", "art-postcontent", "text", "cell", "story")
            or _STORY_ID.search(ident)
            or _FULLTEXT.search(cls)
            or _STORY_CLASS.search(cls)
        ):
            return [el]
    return []


def main_content(tree: etree._Element) -> Elements:
    """BODY_XPATH[3], ``(.//*[...])[1]``: the first main-content container."""
    for el in tree.iterdescendants(*_CONTAINERS):
        ident, cls = el.get("id", ""), el.get("class", "")
        if (
            ident == "content"
            or cls == "content"
            or _MAIN_ID.search(ident)
            or _MAIN_CLASS.search(cls)
            or "main-content" in ident.replace("C", "c").replace("M", "m")
            or "main-content" in cls.replace("C", "c").replace("M", "m")
            or "page-content" in cls.replace("C", "c").replace("P", "p")
        ):
            return [el]
    return []


class Pass:
    """Stands in a trafilatura XPath list for ``xpath``: ``function`` answers inside the
    extract stage, the XPath itself everywhere else."""

    def __init__(self, xpath: etree.XPath, function: Callable[[etree._Element], Elements]):
        self.xpath = xpath
        self.path = xpath.path
        self.function = function

    def __call__(self, tree: etree._Element, **variables: object) -> object:
        """The selected elements, as the XPath would return them."""
        if SHORTCUTS.get() and not variables and isinstance(tree, etree._Element):
            return self.function(tree)
        return self.xpath(tree, **variables)

    def __str__(self) -> str:  # trafilatura logs its expressions
        return self.path

    __repr__ = __str__


#: (list in trafilatura.xpaths, index) -> (sha1 of the XPath text of 2.3.1, its pass)
PASSES: dict[tuple[str, int], tuple[str, Callable[[etree._Element], Elements]]] = {
    ("RAW_TREE_PRUNE_XPATH", 0): ("c15751070b078a64", scroll_containers),
    ("RAW_TREE_PRUNE_XPATH", 1): ("12b073ccb20e9633", share_buttons),
    ("REMOVE_COMMENTS_AND_LISTS_XPATH", 0): ("7e7d885e629a5119", comment_sections),
    ("OVERALL_DISCARD_XPATH", 0): ("d00545c1e3acd7dd", boilerplate_sections),
    ("OVERALL_DISCARD_XPATH", 1): ("8c88600b03181df7", hidden_elements),
    ("BODY_XPATH", 0): ("2465b9ddf0fc1b9b", article_bodies),
    ("BODY_XPATH", 2): ("b9c180cd18240e44", story_body),
    ("BODY_XPATH", 3): ("1e7b8c5b36e9e0e8", main_content),
}


#: (trafilatura module, global XPath it calls) -> (sha1 of the XPath text of 2.3.1, its pass)
MODULE_PASSES: dict[tuple[object, str], tuple[str, Callable[[etree._Element], Elements]]] = {
    (_baseline, "BASIC_CLEAN_XPATH"): ("841f8efcd6f3ebba", basic_clean),
}


def _digest(path: str) -> str:
    return hashlib.sha1(path.encode()).hexdigest()[:16]


def html_class_lookup() -> etree.ElementNamespaceClassLookup:
    """The element classes ``lxml.html`` gives (``HtmlElement``, and its form classes by
    tag name), chosen in C: lxml.html's own lookup is a Python method called for every
    element Python touches, 2 % of the extract stage (timed on the bench pages)."""
    from lxml import html

    lookup = etree.ElementNamespaceClassLookup(
        etree.ElementDefaultClassLookup(
            element=html.HtmlElement,
            comment=html.HtmlComment,
            pi=html.HtmlProcessingInstruction,
            entity=html.HtmlEntity,
        )
    )
    lookup.get_namespace(None).update(html.HtmlElementClassLookup()._element_classes)
    return lookup


def install_class_lookup() -> None:
    """``html_class_lookup`` on the parsers trafilatura and readability parse pages with:
    the same classes for every element, found faster (tests/test_extract_identity.py)."""
    from lxml import html
    from trafilatura import utils

    lookup = html_class_lookup()
    for parser in (utils.HTML_PARSER, html.html_parser):
        parser.set_element_class_lookup(lookup)


def _pass_for(
    entry: object, digest: str, function: Callable[[etree._Element], Elements]
) -> Pass | None:
    """What answers for ``entry`` (a trafilatura XPath, or the pass already put there):
    the pass, when the XPath's text is the one ``function`` was written for; else None."""
    if isinstance(entry, Pass):
        return entry
    if isinstance(entry, etree.XPath) and _digest(entry.path) == digest:
        return Pass(entry, function)
    return None


def install() -> list[Pass]:
    """Put the passes in trafilatura's XPath lists, in place, so that every trafilatura
    module that imported a list sees them, and in the module globals of ``MODULE_PASSES``.

    Returns:
        The passes in place: one per expression whose text is the one its pass was
        written for; none when trafilatura's token lists are not there.
    """
    if not _TOKENS_FOUND:
        return []
    installed = []
    for (name, index), (digest, function) in PASSES.items():
        entries = getattr(xpaths, name, None)
        entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
        if (placed := _pass_for(entry, digest, function)) is not None:
            entries[index] = placed  # type: ignore[index]
            installed.append(placed)
    for (module, name), (digest, function) in MODULE_PASSES.items():
        if (placed := _pass_for(getattr(module, name, None), digest, function)) is not None:
            setattr(module, name, placed)
            installed.append(placed)
    return installed
