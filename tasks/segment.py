"""Stage 5, segment: ordered paragraphs, each a ``heading`` or ``body``; language detection."""

from __future__ import annotations

import hashlib
import io
import re
from functools import lru_cache
from pathlib import Path

from tasks.documents import Document, Paragraph
from tasks.pattern_cache import read_kept, write_kept

_HEADING_END = re.compile(r"[.,;:!?…]$")


def is_heading(text: str, next_text: str | None) -> bool:
    """A short line with no closing punctuation, followed by text, reads as a heading."""
    if next_text is None or len(text) > 120 or len(text.split()) > 15:
        return False
    if _HEADING_END.search(text.rstrip("»\"”' ")) or text.rstrip().endswith(("»", "”")):
        return False
    return bool(re.match(r"[\w«\"“'(]", text)) and text[:1] == text[:1].upper()


_LANGID_FORMAT = 1


def _langid_model_file() -> Path:
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    path = Path(MODEL_FILE)
    return path if path.is_absolute() else Path(MODEL_DIR) / path


def _unpacked_model(folder: Path | None) -> bytes | None:
    """py3langid's model as the npz it ships xz-compressed (68 MB): unpacking it takes
    0.6 s, in every process that detects a language. Kept unpacked in ``folder`` (next
    to the spaCy patterns, ``tasks.pattern_cache``), it loads in about 0.2 s. None when
    there is no folder: the package's own loader unpacks it."""
    if folder is None:
        return None
    import lzma

    packed = _langid_model_file()
    stat = packed.stat()
    tag = f"{_LANGID_FORMAT} {packed} {stat.st_size} {stat.st_mtime_ns}".encode()
    kept = folder / f"langid-{hashlib.sha256(tag).hexdigest()[:32]}.marshal"
    stored = read_kept(kept)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == _LANGID_FORMAT:
        return stored[1]  # type: ignore[no-any-return]
    with lzma.open(packed) as source:
        unpacked = source.read()
    write_kept(kept, (_LANGID_FORMAT, unpacked))
    return unpacked


@lru_cache(maxsize=1)
def _identifier(folder: Path | None = None):  # type: ignore[no-untyped-def]
    """py3langid's identifier, its model read unpacked from ``folder`` when kept there;
    the same model, so the same answers (tests/test_segment.py)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    unpacked = _unpacked_model(folder)
    if unpacked is not None:
        import numpy as np

        try:
            # What py3langid.modelio.load_model does after unpacking (py3langid 0.4.0).
            from py3langid.modelio import _to_array

            with np.load(io.BytesIO(unpacked), allow_pickle=False) as data:
                return LanguageIdentifier(
                    np.asarray(data["ptc"]),
                    np.asarray(data["pc"]),
                    data["classes"].tolist(),
                    _to_array(data["nextmove"]),
                    data["out_feat"].tolist(),
                    norm_probs=True,
                    tk_row=_to_array(data["nextmove_row"]),
                )
        except (ImportError, KeyError, ValueError, OSError):  # another layout: as shipped
            pass
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def language_identifier(cache: Path | None = None):  # type: ignore[no-untyped-def]
    """The identifier ``detect_language`` uses, loaded once per process."""
    return _identifier(cache)


def detect_language(text: str, cache: Path | None = None) -> str:
    """ISO 639-1 code of the text's language, or ``und`` when unsure (the model kept
    unpacked in the ``cache`` folder, when given)."""
    if len(text.split()) < 5:
        return "und"
    lang, prob = _identifier(cache).classify(text[:1000])
    return lang if prob >= 0.5 else "und"


def segment_document(doc: Document, cache: Path | None = None) -> Document:
    """Turn kept blocks into ordered paragraphs and detect the language (see
    ``detect_language`` for ``cache``)."""
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
    doc.language = detect_language(doc.body_text, cache)
    return doc
