"""What a machine computes once for all its runs (``Settings.cache_dir``): the spaCy
model's large tokenizer pattern, and the gazetteer's index."""

from __future__ import annotations

import json
import marshal
import re
import subprocess
import sys
from pathlib import Path
from re import _parser  # type: ignore[attr-defined]

import pytest

from tasks.pattern_cache import MIN_CHARS, cache_file, cached_compiles, install

#: A pattern over the size limit, built like spaCy's (an alternation of many words with
#: character classes), and strings it does and does not match.
WORDS = [rf"mot{i}-\w+" for i in range(7_000)]
LARGE = "(?i)" + "|".join(f"(?:{w})" for w in WORDS)
PROBES = ["mot17-été", "MOT6999-abc", "mot7000-abc", "mot5-", "xmot5-a", "mot42-Ç", "mot3-z9"]


def _matches(pattern: re.Pattern) -> list[bool]:
    return [bool(pattern.match(s)) for s in PROBES]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times Python parsed a pattern of the large size (a spy on ``re``)."""
    calls: list[int] = []
    real = _parser.parse

    def spy(p, flags=0):  # type: ignore[no-untyped-def]
        if isinstance(p, str) and len(p) >= MIN_CHARS:
            calls.append(len(p))
        return real(p, flags)

    monkeypatch.setattr(_parser, "parse", spy)
    re.purge()
    yield calls
    re.purge()


def test_the_compiler_it_replaces_is_this_pythons() -> None:
    """Fails when Python's re._compiler.compile changed: the cache is then off (every
    worker compiles the tokenizer's pattern again, 2.5 s) until it is checked anew."""
    assert len(LARGE) >= MIN_CHARS
    assert install()


def test_a_large_pattern_is_compiled_once_then_read(tmp_path: Path, parses: list[int]) -> None:
    expected = _matches(re.compile(LARGE))
    assert parses == [len(LARGE)]
    re.purge()
    with cached_compiles(tmp_path) as used:
        first = re.compile(LARGE)
        re.purge()  # re's own in-memory cache would hide the second compile
        second = re.compile(LARGE)
    assert used
    assert parses == [len(LARGE)] * 2  # the cold compile parsed; the second read the file
    assert cache_file(tmp_path, LARGE, 0).is_file()
    for pattern in (first, second):
        assert (pattern.pattern, pattern.flags, pattern.groups) == (LARGE, re.I | re.U, 0)
        assert _matches(pattern) == expected
    assert expected == [True, True, False, False, False, True, True]


def test_small_patterns_and_compiles_outside_the_block_are_left_alone(
    tmp_path: Path, parses: list[int]
) -> None:
    with cached_compiles(tmp_path):
        assert re.compile("(?i)a[bc]+d").match("ABCD")
    with cached_compiles(None) as used:
        re.compile(LARGE)
    re.purge()
    re.compile(LARGE)
    assert not used
    assert parses == [len(LARGE)] * 2
    assert not any(tmp_path.iterdir())


def _other_program(data: bytes) -> bytes:
    """The file with one literal of its program changed ('m' matched as 'n')."""
    payload, checksum = marshal.loads(data)
    *head, code, groups, groupindex, indexgroup = marshal.loads(payload)
    code[code.index(ord("m"))] = ord("n")
    payload = marshal.dumps((*head, code, groups, groupindex, indexgroup))
    return marshal.dumps((payload, checksum))


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        _other_program,  # a valid stream and program: only the checksum tells
        lambda data: b"not a marshal stream",
    ],
    ids=["truncated", "altered", "garbage"],
)
def test_a_damaged_file_is_compiled_again_and_rewritten(
    tmp_path: Path, parses: list[int], damage
) -> None:  # type: ignore[no-untyped-def]
    path = cache_file(tmp_path, LARGE, 0)
    with cached_compiles(tmp_path):
        expected = _matches(re.compile(LARGE))
    good = path.read_bytes()
    path.write_bytes(damage(good))
    re.purge()
    with cached_compiles(tmp_path):
        again = re.compile(LARGE)
    assert _matches(again) == expected
    assert parses == [len(LARGE)] * 2  # compiled again, not read
    assert path.read_bytes() == good  # and written again, whole


def test_a_file_others_could_have_written_is_not_read(tmp_path: Path, parses: list[int]) -> None:
    """A program handed to ``_sre`` is trusted: a cache file writable by others (or not
    the user's own) is compiled anew instead, and written again for this user only."""
    path = cache_file(tmp_path, LARGE, 0)
    with cached_compiles(tmp_path):
        re.compile(LARGE)
    assert path.stat().st_mode & 0o777 == 0o600  # this user's only
    path.chmod(0o666)
    re.purge()
    with cached_compiles(tmp_path):
        assert _matches(re.compile(LARGE))[0]
    assert parses == [len(LARGE)] * 2  # compiled again, not read
    assert path.stat().st_mode & 0o777 == 0o600


def test_an_unwritable_folder_costs_only_the_time(tmp_path: Path, parses: list[int]) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder should be")
    with cached_compiles(blocked / "cache"):
        assert _matches(re.compile(LARGE))[0]
    assert parses == [len(LARGE)]


_LOAD = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
from tasks.entities import load_model
cache = Path(sys.argv[1]) if sys.argv[1] != "-" else None
nlp = load_model("fr_core_news_md", cache)
seconds = time.perf_counter() - started
doc = nlp("Aujourd'hui, l'ex-ministre est arrivé à Saint-Étienne avec Emmanuel Macron.")
print(json.dumps({"tokens": [t.text for t in doc], "ents": [(e.text, e.label_) for e in doc.ents],
                  "seconds": seconds}))
"""


def _load(cache: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _LOAD, cache],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return json.loads(done.stdout)


def test_the_model_loaded_from_the_cache_tokenizes_and_tags_the_same(tmp_path: Path) -> None:
    """Fresh processes, as the workers: no cache, a cold one (written), a warm one (read)."""
    plain, cold = _load("-"), _load(str(tmp_path))
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].suffix == ".sre"
    stamp = files[0].stat().st_mtime_ns
    warm = _load(str(tmp_path))
    assert files[0].stat().st_mtime_ns == stamp  # read, not written again
    assert plain["tokens"] == cold["tokens"] == warm["tokens"]
    assert "Aujourd'hui" in plain["tokens"] and "Saint-Étienne" in plain["tokens"]
    assert plain["ents"] == cold["ents"] == warm["ents"]
    assert ["Emmanuel Macron", "PER"] in plain["ents"]


def test_the_cache_folder_is_the_users_unless_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from depeche.settings import load_settings

    monkeypatch.delenv("DEPECHE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert load_settings().cache_dir == tmp_path / "xdg" / "depeche"
    monkeypatch.setenv("DEPECHE_CACHE_DIR", str(tmp_path / "mine"))
    assert load_settings().cache_dir == tmp_path / "mine"
    monkeypatch.setenv("DEPECHE_CACHE_DIR", "")
    assert load_settings().cache_dir is None  # off, rather than the working directory


def test_the_gazetteer_index_is_built_once_then_read(tmp_path: Path) -> None:
    from tasks.gazetteer import _build_index, _kept_file, _read_kept, _write_kept

    built = _build_index()
    path = _kept_file(tmp_path)
    assert _read_kept(path) is None
    _write_kept(path, built)
    kept = _read_kept(path)
    assert kept == built
    index, _ = kept  # type: ignore[misc]
    assert index["kiev"] is index["kyiv"]  # one place under several names, as built
    assert index["kiev"].country_code == "UA"
    data = path.read_bytes()
    middle = len(data) // 2
    path.write_bytes(data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :])
    assert _read_kept(path) is None  # one bit off: the checksum tells, built again
    path.write_bytes(data[:1000])
    assert _read_kept(path) is None  # cut short


_LOOKUP = """
import json, sys
from pathlib import Path
from tasks.gazetteer import index_kept_in, lookup
with index_kept_in(Path(sys.argv[1])):
    found = [lookup(n) for n in ("Kiew", "Pyonyang", "Moscou", "NIS", "Corée du Nord")]
print(json.dumps([None if f is None else [f[0].name, f[0].country_code, f[1]] for f in found]))
"""


def test_a_process_reads_the_gazetteer_index_another_built(tmp_path: Path) -> None:
    def run() -> list:
        done = subprocess.run(
            [sys.executable, "-c", _LOOKUP, str(tmp_path)],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        return json.loads(done.stdout)

    first = run()
    (kept,) = tmp_path.glob("gazetteer-*.marshal")
    stamp = kept.stat().st_mtime_ns
    assert run() == first
    assert kept.stat().st_mtime_ns == stamp  # read, not built and written again
    assert first[0][:2] == ["Kyiv", "UA"] and first[1][2] == "gazetteer_typo"
    assert first[3] is None and first[4][1] == "KP"
