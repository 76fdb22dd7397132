"""Entities analysts can trust: cleaner spans, fewer false entities, and one entity per
real-world person, organisation or place.

Three steps, each explainable (every merge is recorded with its rule in
``entity_aliases``):

1. ``refine``: trim what is not the name (elided articles "l’OTAN" -> "OTAN", determiners,
   punctuation), drop what is not an entity (MISC headings and sentences, lower-case
   fragments), fix labels the model gets wrong in a checkable way (an unknown acronym
   tagged as a place is an organisation; a one-word "person" the gazetteer knows is a
   place).
2. ``link_within``: in one article, short and titled forms point to the full name
   introduced there ("Shin", "M. Cho" -> "Shin Won-sik", "Cho Tae-yong"), and an acronym
   to its expansion when the text gives both ("Service national de renseignement (NIS)").
3. ``Resolver``: across articles, names that differ only in case, accents, hyphens or
   spacing share a key; near-miss typos join an existing entity under guards (same
   number of words, same first word, one edit); places resolve through the gazetteer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from tasks.documents import Document, Mention
from tasks.gazetteer import Place, lookup
from tasks.text import fold

_ELISION = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu|presqu)['’]", re.I)
_DETERMINERS = {
    "le",
    "la",
    "les",
    "un",
    "une",
    "des",
    "du",
    "de",
    "son",
    "sa",
    "ses",
    "leur",
    "leurs",
    "ce",
    "cet",
    "cette",
    "ces",
    "notre",
    "nos",
    "votre",
    "vos",
    "mon",
    "ma",
    "mes",
    "the",
    "a",
    "an",
    "his",
    "her",
    "their",
    "its",
}
HONORIFICS = {
    "m",
    "mm",
    "mme",
    "mmes",
    "mlle",
    "dr",
    "pr",
    "me",
    "mgr",
    "mr",
    "mrs",
    "ms",
    "sir",
    "président",
    "presidente",
    "présidente",
    "president",
    "ministre",
    "général",
    "general",
    "colonel",
    "sénateur",
    "senator",
    "maire",
    "pape",
    "roi",
    "reine",
    "prince",
    "princesse",
    "docteur",
    "professeur",
    "herr",
    "frau",
    "señor",
    "señora",
}
_PRONOUNS = {"il", "elle", "ils", "elles", "lui", "eux", "on", "nous", "vous", "je", "tu"}
#: Capitalised common nouns the model tags as places ("les deux États", "le Nord").
_GENERIC_PLACES = {
    "etat",
    "etats",
    "nord",
    "sud",
    "est",
    "ouest",
    "region",
    "pays",
    "nation",
    "state",
    "states",
    "north",
    "south",
    "east",
    "west",
    "land",
    "staat",
    "staaten",
}
_ACRONYM_DEF = re.compile(
    r"(?P<exp>[A-ZÀ-Ý][\w’'-]*(?:\s+[\w’'-]+){1,8}?)\s*\((?P<acr>[A-Z][A-Z0-9&]{1,9})\)"
)
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")


def strip_honorifics(name: str) -> str:
    """'M. Poutine' -> 'Poutine', 'le président Yoon Suk-yeol' -> 'Yoon Suk-yeol'."""
    words = name.split()
    while len(words) > 1 and (fold(words[0]) in HONORIFICS or fold(words[0]) in _DETERMINERS):
        words = words[1:]
    return " ".join(words)


def entity_key(name: str) -> str:
    """The key entities are merged on: folded, without honorifics."""
    return fold(strip_honorifics(name))


def entity_id(label: str, key: str) -> str:
    """Stable id of an entity from its label and key."""
    return hashlib.sha256(f"{label}|{key}".encode()).hexdigest()[:16]


# --- 1. refine -------------------------------------------------------------------------


def refine_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Move a span's edges past punctuation, elided articles and determiners."""
    while True:
        surface = text[start:end]
        if m := _EDGE.match(surface):
            start += m.end()
            continue
        if (m := _EDGE.search(surface)) and m.start() > 0:
            end = start + m.start()
            continue
        m = _ELISION.match(surface)
        if m and m.end() < len(surface) and surface[m.end()].isupper():
            start += m.end()
            continue
        first = surface.split(" ", 1)
        if len(first) == 2 and first[0] in _DETERMINERS and first[1][:1].isupper():
            start += len(first[0]) + 1
            continue
        return start, end


def keep(surface: str, label: str, paragraph: str, kind: str, start: int) -> bool:
    """False for what is not an entity: fragments, headings and sentences tagged MISC."""
    words = surface.split()
    if len(surface) < 2 or (not surface[0].isupper() and not surface[0].isdigit()):
        return False  # names start with a capital: "ministre de la Défense" is a role
    if label == "LOC" and len(words) == 1 and fold(surface) in _GENERIC_PLACES:
        return False
    if fold(surface) in _PRONOUNS or len(words) > 8:
        return False
    if len(surface) >= 0.8 * len(paragraph.strip()) and len(words) > 1:
        return False  # the whole heading or sentence, not a name inside it
    if (
        kind == "heading"
        and start == 0
        and label != "PER"
        and all(w[:1].islower() for w in words[1:])
    ):
        return False  # a heading's capitalised first words: "Pacte de défense mutuelle …"
    if label == "MISC":
        if kind == "heading" or len(words) > 4:
            return False
        if start == 0 and len(words) == 1:
            return False  # a capitalised sentence opener
    return True


def fix_label(surface: str, label: str) -> str:
    """Correct labels where a check is possible."""
    if label == "LOC" and re.fullmatch(r"[A-Z]{2,6}", surface) and lookup(surface) is None:
        return "ORG"
    if label == "PER" and len(surface.split()) == 1 and lookup(surface) is not None:
        return "LOC"
    return label


def refine(doc: Document) -> None:
    """Trim, filter and relabel a document's mentions in place."""
    paragraphs = {p.position: p for p in doc.paragraphs}
    kept: list[Mention] = []
    for m in doc.mentions:
        para = paragraphs[m.position]
        start, end = refine_span(para.text, m.start, m.end)
        surface = para.text[start:end]
        if not keep(surface, m.label, para.text, para.kind, start):
            continue
        kept.append(Mention(m.position, start, end, surface, m.label, "", surface, "exact"))
    doc.mentions = kept


# --- 2. within one article -------------------------------------------------------------


def acronyms(doc: Document) -> dict[str, str]:
    """Acronym -> expansion, where the text gives both: 'Service … (NIS)'."""
    found: dict[str, str] = {}
    for para in doc.paragraphs:
        for m in _ACRONYM_DEF.finditer(para.text):
            acr, exp = m.group("acr"), m.group("exp")
            words = exp.split()
            initials = [w for w in words if w[:1].isupper()]
            # Keep the shortest tail of the expansion that still starts with a capital and
            # covers the acronym's initials ("le Service national de renseignement").
            while len(words) > 1 and (not words[0][:1].isupper() or fold(words[0]) in _DETERMINERS):
                words = words[1:]
            if len(initials) >= 1 and len(words) >= 2:
                found.setdefault(acr, " ".join(words))
    return found


def link_within(doc: Document) -> None:
    """Point short, titled and acronym forms at the full name given in the same article."""
    full: dict[str, str] = {}  # folded full name -> full name as written
    for m in doc.mentions:
        if m.label == "PER":
            bare = strip_honorifics(m.surface)
            if len(bare.split()) >= 2:
                full.setdefault(fold(bare), bare)
    expansions = acronyms(doc)
    for m in doc.mentions:
        if m.label == "PER":
            bare = strip_honorifics(m.surface)
            titled = bare != m.surface
            key = fold(bare)
            if len(bare.split()) == 1 and key:
                # "Shin" -> "Shin Won-sik"; "Yo-jong" -> "Kim Yo-jong": the short form is the
                # first or last words of exactly one full name of the article.
                matches = {
                    f
                    for f in full
                    if f != key and (f.startswith(key + " ") or f.endswith(" " + key))
                }
                if len(matches) == 1:
                    m.name = full[matches.pop()]
                    m.method = "honorific_short_form" if titled else "short_form"
                    continue
            if titled:
                m.name, m.method = bare, "honorific"
        elif m.surface in expansions:
            m.name, m.label, m.method = expansions[m.surface], "ORG", "acronym"
        elif (key := fold(m.surface)) and any(fold(e) == key for e in expansions.values()):
            m.label = "ORG"


# --- 3. across articles ---------------------------------------------------------------


@dataclass
class Known:
    """An entity the warehouse already has."""

    entity_id: str
    label: str
    key: str


@dataclass
class EntityRow:
    """What the entities table holds for one entity."""

    entity_id: str
    name: str
    label: str
    country_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geonameid: int | None = None


class Resolver:
    """Gives each mention an entity id, merging with known entities under guards."""

    def __init__(self, known: Iterable[Known] = ()) -> None:
        self.by_key: dict[tuple[str, str], str] = {}
        # (label, first word) -> keys: typo candidates share both.
        self.keys_by_head: dict[tuple[str, str], list[str]] = {}
        self.entities: dict[str, EntityRow] = {}
        self.aliases: dict[tuple[str, str], tuple[str, float]] = {}
        for k in known:
            self._register(k.label, k.key, k.entity_id)

    def _register(self, label: str, key: str, eid: str) -> None:
        if (label, key) not in self.by_key:
            self.by_key[(label, key)] = eid
            head = key.split(" ", 1)[0]
            self.keys_by_head.setdefault((label, head), []).append(key)

    def _typo_of(self, label: str, key: str) -> tuple[str, float] | None:
        """An existing key one edit away, with the same words count and first word."""
        if len(key) < 8:
            return None
        words = key.split()
        best: tuple[str, float] | None = None
        for other in self.keys_by_head.get((label, words[0]), []):
            other_words = other.split()
            if len(other_words) != len(words) or other_words[0] != words[0]:
                continue
            if abs(len(other) - len(key)) > 1 or any(c.isdigit() for c in key + other):
                continue
            if Levenshtein.distance(key, other, score_cutoff=1) <= 1:
                score = 1 - 1 / max(len(key), len(other))
                if best is None or score > best[1]:
                    best = (other, score)
        return best

    def resolve(self, m: Mention) -> str:
        """The entity id of a mention (registering a new entity when needed)."""
        fixed = fix_label(m.surface, m.label)
        if fixed != m.label:
            m.label = fixed
            m.name = m.surface if m.method != "acronym" else m.name
        method, score = m.method, 1.0
        place: Place | None = None
        if m.label == "LOC" and (found := lookup(m.name)) is not None:
            place, geo_method, score = found
            key = f"geo:{place.geonameid}"
            method = geo_method if geo_method != "gazetteer" or m.method == "exact" else m.method
        else:
            key = entity_key(m.name)
            if (m.label, key) not in self.by_key and (typo := self._typo_of(m.label, key)):
                key, score = typo
                method = "typo"
        eid = self.by_key.get((m.label, key))
        if eid is None:
            eid = entity_id(m.label, key)
            self._register(m.label, key, eid)
        if eid not in self.entities:
            row = EntityRow(eid, m.name if method != "typo" else m.surface, m.label)
            if place is not None:
                row.country_code, row.latitude, row.longitude = (
                    place.country_code,
                    place.latitude,
                    place.longitude,
                )
                row.geonameid = place.geonameid
            self.entities[eid] = row
        if method == "exact" and fold(m.surface) != fold(self.entities[eid].name):
            method = "variant"
        alias = (eid, m.surface)
        if alias not in self.aliases or self.aliases[alias][1] < score:
            self.aliases[alias] = (method, score)
        m.entity_id = eid
        return eid
