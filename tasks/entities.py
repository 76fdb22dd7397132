"""Stage 7, entities: spaCy NER on French paragraphs, canonical entities and mentions.

The model runs on ``ner_view`` of each paragraph (same length as the stored text), so
mention offsets index straight into ``paragraphs.text``. Only the NER pipe and the
tok2vec it needs are loaded: the parser, tagger and lemmatiser cost time and memory and
NER does not use them.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

from depeche.errors import ModelMissing
from tasks.clean import fold
from tasks.documents import Document, Mention
from tasks.normalise import ner_view

if TYPE_CHECKING:
    from spacy.language import Language

LABELS = {"PER": "PER", "PERSON": "PER", "ORG": "ORG", "LOC": "LOC", "GPE": "LOC", "MISC": "MISC"}
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_NOT_NEEDED = ["morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter", "tagger"]


@lru_cache(maxsize=2)
def load_model(name: str) -> Language:
    """Load the spaCy model once per process, with only the pipes NER needs."""
    import spacy

    try:
        return spacy.load(name, exclude=_NOT_NEEDED)
    except OSError as exc:
        raise ModelMissing(
            f"spaCy model {name} is not installed; run `make run` or "
            f"`pip install {name.replace('_', '-')}`"
        ) from exc


def entity_key(name: str) -> str:
    """Variants that differ only in case, accents, hyphens or spacing share a key."""
    return fold(name.replace("-", " "))


def entity_id(label: str, name: str) -> str:
    """Stable id of an entity: the same label and key always give the same id."""
    return hashlib.sha256(f"{label}|{entity_key(name)}".encode()).hexdigest()[:16]


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Move span edges inward past punctuation and spaces (quotes, brackets, dashes)."""
    surface = text[start:end]
    lead = _EDGE.match(surface)
    if lead:
        start += lead.end()
    tail = _EDGE.search(text[start:end])
    if tail and tail.start() > 0:
        end = start + tail.start()
    return start, end


def ner_status(language: str, languages: tuple[str, ...]) -> str:
    """``done`` when NER runs on this language, else why it was skipped."""
    if language in languages:
        return "done"
    if language == "und":
        return "skipped: the language could not be detected"
    return f"skipped: no NER model for language '{language}'"


def find_mentions(docs: list[Document], nlp: Language, batch_size: int = 64) -> None:
    """Run NER over the paragraphs of ``docs`` and fill ``Document.mentions``."""
    jobs = [(d, p) for d in docs for p in d.paragraphs]
    texts = (ner_view(p.text) for _, p in jobs)
    for (doc, para), parsed in zip(jobs, nlp.pipe(texts, batch_size=batch_size), strict=True):
        for ent in parsed.ents:
            label = LABELS.get(ent.label_)
            if label is None:
                continue
            start, end = trim_span(para.text, ent.start_char, ent.end_char)
            surface = para.text[start:end]
            if not 2 <= end - start <= 200 or not any(ch.isalpha() for ch in surface):
                continue
            doc.mentions.append(
                Mention(
                    para.position, start, end, surface, label, entity_id(label, surface), surface
                )
            )


def entity_frames(docs: list[Document]) -> dict[str, pd.DataFrame]:
    """Tables ``entities`` (first surface seen names the entity) and ``mentions``."""
    mentions = pd.DataFrame(
        [
            (d.article_id, m.position, m.start, m.end, m.surface, m.entity_id)
            for d in docs
            for m in d.mentions
        ],
        columns=["article_id", "position", "start", "end", "surface", "entity_id"],
    )
    entities = pd.DataFrame(
        [(m.entity_id, m.name, m.label) for d in docs for m in d.mentions],
        columns=["entity_id", "name", "label"],
    ).drop_duplicates("entity_id", keep="first", ignore_index=True)
    return {"entities": entities, "mentions": mentions}
