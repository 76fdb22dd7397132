"""Language detection with py3langid's model kept unpacked in the cache folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.segment import _identifier, detect_language
from tests.helpers import SEEDS

TEXTS = [
    *(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))),
    "The ministry said on Tuesday that the talks would resume next week in Geneva.",
    "Die Regierung hat am Dienstag neue Maßnahmen gegen die Inflation angekündigt.",
    "El gobierno anunció el martes nuevas medidas contra la inflación en el país.",
    "Il governo ha annunciato martedì nuove misure contro l'inflazione nel paese.",
    "ok ok",  # too short: und
]


@pytest.fixture(autouse=True)
def _fresh_identifier():
    _identifier.cache_clear()
    yield
    _identifier.cache_clear()


def _answers(folder: Path | None) -> list[tuple[str, float]]:
    _identifier.cache_clear()
    identifier = _identifier(folder)
    return [identifier.classify(t[:1000]) for t in TEXTS]


def test_kept_model_gives_the_shipped_models_answers(tmp_path: Path) -> None:
    shipped = _answers(None)
    assert [lang for lang, _ in shipped[:5]] == ["fr"] * 5
    assert [lang for lang, _ in shipped[5:9]] == ["en", "de", "es", "it"]
    assert _answers(tmp_path) == shipped  # unpacked now, and kept
    kept = list(tmp_path.glob("langid-*.marshal"))
    assert len(kept) == 1 and kept[0].stat().st_size > 50_000_000
    assert _answers(tmp_path) == shipped  # read back from the kept file
    assert [detect_language(t, tmp_path) for t in TEXTS] == [
        *["fr"] * 5,
        "en",
        "de",
        "es",
        "it",
        "und",
    ]


def test_damaged_kept_model_is_unpacked_and_written_again(tmp_path: Path) -> None:
    shipped = _answers(None)
    _answers(tmp_path)
    (kept,) = tmp_path.glob("langid-*.marshal")
    kept.write_bytes(kept.read_bytes()[:1000])  # cut short
    assert _answers(tmp_path) == shipped
    assert kept.stat().st_size > 50_000_000  # written again, whole
