"""Stage 4, normalise: Unicode NFC and a model-friendly view of the text.

Stored text keeps its typography (’, « », non-breaking spaces). NER reads ``ner_view``,
which swaps those characters one for one, so every offset the model returns is also an
offset into the stored text.
"""

from __future__ import annotations

import re
import unicodedata

from tasks.documents import Document

# One character in, one character out: offsets stay valid.
_NER_MAP = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "‛": "'",
        "ʼ": "'",
        "´": "'",
        "`": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2007": " ",
        "\u2002": " ",
        "\u2003": " ",
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
    }
)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def normalise_text(text: str) -> str:
    """NFC, invisible characters (zero-width, soft hyphen) removed, spaces collapsed."""
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    return re.sub(r"[ \t\u00a0\u202f]{2,}", " ", text).strip()


def ner_view(text: str) -> str:
    """The text as NER should read it; same length as ``text``, offsets unchanged."""
    return text.translate(_NER_MAP)


# A word glued to the next one when a line break or a tag was lost: "ActualitéLa Corée".
# Three lower-case letters before the capital keep "McDonald" and "iPhone" whole.
_GLUED = re.compile(r"(?<=[a-zß-öø-ÿ]{3})(?=[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ])")


def ner_input(text: str) -> tuple[str, list[int]]:
    """``ner_view`` with glued words split, and where each character of it comes from.

    Returns the text for the model and, for each of its characters, the offset in ``text``
    (an inserted space points at the character after it), so entity offsets map back.
    """
    view = ner_view(text)
    cuts = [m.start() for m in _GLUED.finditer(view)]
    if not cuts:
        return view, list(range(len(view) + 1))
    parts, origin, last = [], [], 0
    for cut in cuts:
        parts += [view[last:cut], " "]
        origin += [*range(last, cut), cut]
        last = cut
    parts.append(view[last:])
    origin += [*range(last, len(view) + 1)]
    return "".join(parts), origin


def normalise_document(doc: Document) -> Document:
    """Normalise every text field of a cleaned document."""
    for block in doc.blocks:
        block.text = normalise_text(block.text)
    doc.blocks = [b for b in doc.blocks if b.text]
    for removed in doc.removed:
        # A line of only invisible characters keeps its audit row, spelled out.
        removed.text = normalise_text(removed.text) or " ".join(
            f"U+{ord(c):04X}" for c in removed.text
        )
    if doc.title:
        doc.title = normalise_text(doc.title)
    if doc.author:
        doc.author = normalise_text(doc.author)
    doc.tags = [normalise_text(t) for t in doc.tags if normalise_text(t)]
    return doc
