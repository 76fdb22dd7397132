"""Stage 7, entities: spaCy NER on French paragraphs, canonical entities and mentions.

The model runs on ``ner_input`` of each paragraph: typographic apostrophes, quotes and
spaces swapped one for one, glued words split, with a map back so that mention offsets
index into ``paragraphs.text``. Only the NER pipe and the
tok2vec it needs are loaded: the parser, tagger and lemmatiser cost time and memory and
NER does not use them.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from depeche.errors import ModelMissing
from tasks.documents import Document, Mention
from tasks.linking import Known, Resolver, link_within, refine
from tasks.normalise import ner_input, ner_view
from tasks.pattern_cache import cached_compiles

if TYPE_CHECKING:
    import pandas as pd
    from spacy.language import Language

LABELS = {"PER": "PER", "PERSON": "PER", "ORG": "ORG", "LOC": "LOC", "GPE": "LOC", "MISC": "MISC"}
_NOT_NEEDED = ["morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter", "tagger"]


def load_model(name: str, cache: Path | None = None) -> Language:
    """Load the spaCy model once per process, with only the pipes NER needs; with a
    ``cache`` folder, the tokenizer's large patterns compile once per machine
    (``tasks.pattern_cache``)."""
    with cached_compiles(cache):
        return _load_model(name)


@lru_cache(maxsize=2)
def _load_model(name: str) -> Language:
    import spacy

    try:
        return spacy.load(name, exclude=_NOT_NEEDED)
    except OSError as exc:
        raise ModelMissing(
            f"spaCy model {name} is not installed; run `make run` or "
            f"`pip install {name.replace('_', '-')}`"
        ) from exc


def ner_status(language: str, languages: tuple[str, ...]) -> str:
    """``done`` when NER runs on this language, else why it was skipped."""
    if language in languages:
        return "done"
    if language == "und":
        return "skipped: the language could not be detected"
    return f"skipped: no NER model for language '{language}'"


def find_mentions(docs: list[Document], nlp: Language, batch_size: int = 64) -> None:
    """Run NER over the paragraphs of ``docs``, then refine and link within each article."""
    jobs = [(d, p, ner_input(p.text)) for d in docs for p in d.paragraphs]
    texts = (view for _, _, (view, _) in jobs)
    for (doc, para, (_, origin)), parsed in zip(
        jobs, nlp.pipe(texts, batch_size=batch_size), strict=True
    ):
        for ent in parsed.ents:
            label = LABELS.get(ent.label_)
            if label is None:
                continue
            start, end = origin[ent.start_char], origin[ent.end_char - 1] + 1
            surface = para.text[start:end]
            doc.mentions.append(Mention(para.position, start, end, surface, label, "", surface))
    for doc in docs:
        refine(doc)
        link_within(doc)


def raw_mentions(texts: list[str], nlp: Language) -> list[list[tuple[int, int, str]]]:
    """Bare spaCy spans (start, end, label) per text: the baseline of the NER evaluation."""
    out = []
    for parsed in nlp.pipe((ner_view(t) for t in texts), batch_size=64):
        out.append(
            [(e.start_char, e.end_char, LABELS.get(e.label_, e.label_)) for e in parsed.ents]
        )
    return out


def resolve_mentions(docs: list[Document], known: list[Known]) -> Resolver:
    """Give every mention of the batch an entity id, merging with the known entities."""
    resolver = Resolver(known)
    mentions = [m for doc in sorted(docs, key=lambda d: d.source_uri) for m in doc.mentions]
    # The most frequent forms register first, so that a rare misspelling joins the common
    # spelling rather than the other way round; the order is deterministic.
    frequency = Counter((m.label, m.name) for m in mentions)
    for m in sorted(mentions, key=lambda m: (-frequency[(m.label, m.name)], m.label, m.name)):
        resolver.resolve(m)
    return resolver


def entity_frames(
    docs: list[Document], resolver: Resolver | None = None
) -> dict[str, pd.DataFrame]:
    """Tables ``entities``, ``entity_aliases`` and ``mentions`` of a resolved batch."""
    import pandas as pd

    resolver = resolver or resolve_mentions(docs, [])
    mentions = pd.DataFrame(
        [
            (d.article_id, m.position, m.start, m.end, m.surface, m.entity_id)
            for d in docs
            for m in d.mentions
        ],
        columns=["article_id", "position", "start", "end", "surface", "entity_id"],
    )
    entities = pd.DataFrame(
        [
            (
                e.entity_id,
                e.name,
                e.label,
                key,
                e.country_code,
                e.latitude,
                e.longitude,
                e.geonameid,
            )
            for (label, key), eid in resolver.by_key.items()
            if (e := resolver.entities.get(eid)) is not None and e.label == label
        ],
        columns=[
            "entity_id",
            "name",
            "label",
            "key",
            "country_code",
            "latitude",
            "longitude",
            "geonameid",
        ],
    ).drop_duplicates("entity_id", keep="first", ignore_index=True)
    entities["geonameid"] = entities["geonameid"].astype("Int64")
    aliases = pd.DataFrame(
        [(eid, alias, method, score) for (eid, alias), (method, score) in resolver.aliases.items()],
        columns=["entity_id", "alias", "method", "score"],
    )
    return {"entities": entities, "entity_aliases": aliases, "mentions": mentions}
