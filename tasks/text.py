"""The folded form texts are compared in, shared by the cleaner, entity linking and
grouping. Kept apart from tasks/clean.py so that the flow's process, which links
entities and groups articles but never cleans, does not import the extraction stage
(trafilatura, htmldate) with it."""

from __future__ import annotations

import re
import unicodedata

_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_NON_WORD = re.compile(r"[\W_]+")


_WORD = re.compile(r"[^\W_]+")


def _unaccented(text: str) -> str:
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form used to compare lines."""
    return _NON_WORD.sub(" ", _unaccented(text).casefold()).strip()


def fold_words(text: str) -> list[str]:
    """The words of ``fold(text)`` (``fold(text).split()``), found in one pass."""
    return _WORD.findall(_unaccented(text).casefold())
