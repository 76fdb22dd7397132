"""justext's paragraph maker, with the same paragraphs, made faster inside the extract stage.

trafilatura (2.3.1) runs justext (3.0) when its own extraction is short or unclean: on a
tenth of the pages, for a tenth of the extract stage's time (17 ms a page). justext walks
the page's elements into paragraphs, and most of its time goes to work done again and
again: every paragraph start builds the element path twice (as a dotted path and as an
XPath, joined from the whole stack of open elements), asks the previous paragraph for its
length (``Paragraph.__len__``: its text joined and normalised again), and the
classification asks each paragraph for its text five times, normalising it each time.

Here the paths grow and shrink with the stack (one string per open element), a
paragraph's text is normalised once for the text nodes it has, and the stop-word density
splits the text once. Every value justext reads is the one it computes itself:
``tests/test_extract_identity.py`` compares the paragraphs on real pages. Like the passes
of ``tasks/xpath_passes.py``, these answer only inside the extract stage (``SHORTCUTS``);
any other caller gets justext's own classes.
"""

from __future__ import annotations

import re

import trafilatura.external
from justext.core import ParagraphMaker, PathInfo
from justext.paragraph import Paragraph
from lxml import etree

from tasks.xpath_passes import SHORTCUTS

# justext.utils.normalize_whitespace: a run of white space becomes "\n" when it holds a
# "\n" or "\r", else " "; done here without a Python callback per run.
_BREAKING_RUN = re.compile(r"\s*[\n\r]\s*")
_SPACE_RUN = re.compile(r"[^\S\n\r]{2,}|[^\S \n\r]")


def normalize_whitespace(text: str) -> str:
    """``justext.utils.normalize_whitespace``, the same string."""
    if "\n" in text or "\r" in text:
        text = _BREAKING_RUN.sub("\n", text)
    return _SPACE_RUN.sub(" ", text)


class StackPath(PathInfo):
    """justext's ``PathInfo``, its ``dom`` and ``xpath`` kept for each open element."""

    def __init__(self) -> None:
        super().__init__()
        self._doms = [""]
        self._xpaths = ["/"]

    @property
    def dom(self) -> str:
        return self._doms[-1]

    @property
    def xpath(self) -> str:
        return self._xpaths[-1]

    def append(self, tag_name: str) -> StackPath:
        elements = self._elements
        children = elements[-1][2] if elements else {}
        order = children.get(tag_name, 0) + 1
        children[tag_name] = order
        elements.append((tag_name, order, {}))
        nested = len(elements) > 1
        self._doms.append(f"{self._doms[-1]}.{tag_name}" if nested else tag_name)
        self._xpaths.append(f"{self._xpaths[-1] if nested else ''}/{tag_name}[{order}]")
        return self

    def pop(self) -> StackPath:
        self._elements.pop()
        self._doms.pop()
        self._xpaths.pop()
        return self


class OnceParagraph(Paragraph):
    """justext's ``Paragraph``, its text normalised once for the text nodes it holds."""

    def __init__(self, path: PathInfo) -> None:
        super().__init__(path)
        self._text_of: tuple[int, int] = (0, 0)  # (id, length) of the nodes the text is of
        self._text = ""

    @property
    def text(self) -> str:
        nodes = self.text_nodes
        if self._text_of != (id(nodes), len(nodes)):
            self._text = normalize_whitespace("".join(nodes).strip())
            self._text_of = (id(nodes), len(nodes))
        return self._text

    def append_text(self, text: str) -> str:
        text = normalize_whitespace(text)
        self.text_nodes.append(text)
        return text

    def stopwords_density(self, stopwords: frozenset[str]) -> float:
        words = self.text.split()
        if not words:
            return 0
        return sum(word.lower() in stopwords for word in words) / len(words)


class StackParagraphMaker(ParagraphMaker):
    """justext's ``ParagraphMaker`` with the classes above, inside the extract stage."""

    @classmethod
    def make_paragraphs(cls, root: etree._Element) -> list[Paragraph]:
        if not SHORTCUTS.get():
            return ParagraphMaker.make_paragraphs(root)
        return super().make_paragraphs(root)

    def __init__(self) -> None:
        self.path = StackPath()
        self.paragraphs: list[Paragraph] = []
        self.paragraph: OnceParagraph | None = None
        self.link = False
        self.br = False
        self._start_new_pragraph()

    def _start_new_pragraph(self) -> None:
        # justext tests ``self.paragraph`` (its length: the text) before its text nodes.
        previous = self.paragraph
        if previous is not None and previous.text_nodes and previous.text:
            self.paragraphs.append(previous)
        self.paragraph = OnceParagraph(self.path)


def install() -> None:
    """The maker above where trafilatura's justext check calls ``ParagraphMaker``."""
    if trafilatura.external.ParagraphMaker is ParagraphMaker:
        trafilatura.external.ParagraphMaker = StackParagraphMaker  # type: ignore[misc]
