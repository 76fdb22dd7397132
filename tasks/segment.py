"""Stage 5, segment: ordered paragraphs, each a ``heading`` or ``body``; language detection."""

from __future__ import annotations

import re
from functools import lru_cache

from tasks.documents import Document, Paragraph

_HEADING_END = re.compile(r"[.,;:!?…]$")


def is_heading(text: str, next_text: str | None) -> bool:
    """A short line with no closing punctuation, followed by text, reads as a heading."""
    if next_text is None or len(text) > 120 or len(text.split()) > 15:
        return False
    if _HEADING_END.search(text.rstrip("»\"”' ")) or text.rstrip().endswith(("»", "”")):
        return False
    return bool(re.match(r"[\w«\"“'(]", text)) and text[:1] == text[:1].upper()


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language, or ``und`` when unsure."""
    if len(text.split()) < 5:
        return "und"
    lang, prob = _identifier().classify(text[:1000])
    return lang if prob >= 0.5 else "und"


def segment_document(doc: Document) -> Document:
    """Turn kept blocks into ordered paragraphs and detect the language."""
    paragraphs: list[Paragraph] = []
    blocks = doc.blocks
    for i, block in enumerate(blocks):
        if block.kind is not None:
            kind = block.kind
        else:
            nxt = blocks[i + 1].text if i + 1 < len(blocks) else None
            kind = "heading" if is_heading(block.text, nxt) else "body"
        paragraphs.append(Paragraph(len(paragraphs), kind, block.text))
    # A document that ends on a "heading" has a short last paragraph, not a heading.
    doc.paragraphs = paragraphs
    doc.language = detect_language(doc.body_text)
    return doc
