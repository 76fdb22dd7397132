"""Numeric claims: every figure in the text with its value, unit or counted noun, qualifier
and sentence, so that analysts can compare what each source reports.

French formats: "10 000" (space, non-breaking or narrow space as thousands separator),
"10.000" (dot as thousands separator), "1,5 million", "1500", "240 mm". Years in dates
("depuis août 2023") are not claims and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.documents import Document

_NUMBER = r"\d{1,3}(?:[ \u00a0\u202f.]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?"
_SCALE = {
    "mille": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "milliard": 1e9,
    "milliards": 1e9,
    "thousand": 1e3,
    "thousands": 1e3,
    "billion": 1e9,
    "billions": 1e9,
    "md": 1e9,
}
_QUALIFIERS = [
    ("plus de", "more than"),
    ("moins de", "less than"),
    ("près de", "nearly"),
    ("environ", "about"),
    ("quelque", "about"),
    ("quelques", "about"),
    ("à peu près", "about"),
    ("au moins", "at least"),
    ("au plus", "at most"),
    ("jusqu'à", "up to"),
    ("jusqu’à", "up to"),
    ("un total de", "total"),
    ("plus d'", "more than"),
    ("more than", "more than"),
    ("over", "more than"),
    ("about", "about"),
    ("around", "about"),
    ("nearly", "nearly"),
    ("at least", "at least"),
    ("up to", "up to"),
]
_ADDITIONAL = {"autres", "supplémentaires", "nouveaux", "nouvelles", "additional", "more"}
_UNITS = {
    "mm",
    "cm",
    "m",
    "km",
    "kg",
    "g",
    "t",
    "%",
    "€",
    "$",
    "euros",
    "euro",
    "dollars",
    "dollar",
    "ans",
    "an",
    "jours",
    "heures",
    "km²",
    "ha",
    "mètres",
    "tonnes",
    "kilomètres",
    "°c",
}
_MONTHS = {
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
}
_WORD = re.compile(r"[^\W\d_][\w’'-]*|%|€|\$")
_FIGURE = re.compile(rf"(?<![\w,.])(?P<num>{_NUMBER})(?![\w])")
_SENTENCE = re.compile(r"[^.!?…]+(?:[.!?…]+|$)")
_LETTERS = re.compile(r"[^\W\d_]+")
_SPACES = re.compile(r"[ \u00a0\u202f]")
_THOUSANDS_DOTS = re.compile(r"\d{1,3}(?:\.\d{3})+")
_SKIP_BEFORE_NOUN = {
    "de",
    "d",
    "des",
    "du",
    "le",
    "la",
    "les",
    "l",
    "ses",
    "leurs",
    "nos",
    "nombre",
    "total",
    "of",
    "the",
    "their",
}


@dataclass(slots=True)
class Quantity:
    """One figure in a paragraph; offsets index into the paragraph's stored text."""

    position: int
    start: int
    end: int
    surface: str
    value: float
    unit: str | None
    unit_key: str | None
    qualifier: str | None
    sentence: str


def parse_number(text: str) -> float | None:
    """'10 000' -> 10000, '10.000' -> 10000, '1,5' -> 1.5, '13' -> 13."""
    compact = _SPACES.sub("", text)
    if _THOUSANDS_DOTS.fullmatch(compact):
        compact = compact.replace(".", "")  # dots as thousands separators
    compact = compact.replace(",", ".")
    try:
        return float(compact)
    except ValueError:
        return None


def unit_key(noun: str) -> str:
    """A crude singular, lower-cased: 'soldats' -> 'soldat', 'conteneurs' -> 'conteneur'."""
    word = noun.casefold()
    if len(word) > 3 and word.endswith(("s", "x")) and not word.endswith("ss"):
        word = word[:-1]
    return word


def _sentence_at(text: str, offset: int, sentences: list[re.Match[str]]) -> str:
    """The sentence of ``text`` (split as ``sentences``) that holds ``offset``."""
    for m in sentences:
        if m.start() <= offset < m.end():
            return m.group(0).strip()
    return text.strip()


def find_quantities(position: int, text: str) -> list[Quantity]:
    """Every figure in one paragraph."""
    found: list[Quantity] = []
    sentences: list[re.Match[str]] | None = None  # split when a figure is found
    for m in _FIGURE.finditer(text):
        raw = m.group("num")
        value = parse_number(raw)
        if value is None:
            continue
        before = text[max(0, m.start() - 40) : m.start()].casefold()
        after_words = _WORD.findall(text[m.end() : m.end() + 60])
        words_before = _LETTERS.findall(before)
        plain_year = re.fullmatch(r"\d{4}", raw) and 1800 <= value <= 2100
        if plain_year and (
            (
                words_before
                and words_before[-1] in _MONTHS | {"en", "depuis", "in", "since", "année"}
            )
            or not after_words
            or after_words[0].casefold() in _MONTHS
        ):
            continue  # a year, not a figure
        end = m.end()
        scale = 1.0
        rest = after_words
        if rest and rest[0].casefold() in _SCALE:
            scale = _SCALE[rest[0].casefold()]
            end = text.index(rest[0], end) + len(rest[0])
            rest = rest[1:]
        stripped = before.rstrip()
        qualifier = next((q for phrase, q in _QUALIFIERS if stripped.endswith(phrase)), None)
        noun_words = list(rest)
        if noun_words and noun_words[0].casefold() in _ADDITIONAL:
            qualifier = qualifier or "additional"
            noun_words = noun_words[1:]
        # "11 000 le nombre de soldats", "10 000 de ses soldats": skip to the noun.
        while noun_words and noun_words[0].casefold().rstrip("'’") in _SKIP_BEFORE_NOUN:
            noun_words = noun_words[1:]
        unit = None
        if noun_words:
            first = noun_words[0]
            if first.casefold() in _UNITS or first[0].islower():
                unit = first
                following = " ".join(w.casefold() for w in noun_words[1:3])
                if following.startswith(("de plus", "supplémentaires", "more")):
                    qualifier = qualifier or "additional"
        if sentences is None:
            sentences = list(_SENTENCE.finditer(text))
        found.append(
            Quantity(
                position=position,
                start=m.start(),
                end=end,
                surface=text[m.start() : end],
                value=value * scale,
                unit=unit,
                unit_key=unit_key(unit) if unit else None,
                qualifier=qualifier,
                sentence=_sentence_at(text, m.start(), sentences),
            )
        )
    return found


def document_quantities(doc: Document) -> list[Quantity]:
    """Every figure in a document's paragraphs."""
    return [q for p in doc.paragraphs for q in find_quantities(p.position, p.text)]
