"""Quality gate: our extraction scores on public benchmarks must not drop below their pins.

The pins (benchmarks/quality_pins.json) are written by `make bench-pin` after an
improvement; a drop of more than 0.005 F1 (or one fundus page for metadata) fails here.
"""

from __future__ import annotations

import json
import os

import pytest

from benchmarks.quality import BENCH, PINS, score_aeb, score_fundus, score_trafeval

PIN = json.loads(PINS.read_text("utf-8"))
TOLERANCE = 0.005

if not BENCH.is_dir():
    if os.environ.get("CI"):
        raise RuntimeError(f"benchmark data missing at {BENCH}: the quality gate cannot run")
    pytest.skip(f"benchmark data not found at {BENCH}", allow_module_level=True)

WORKERS = min(os.cpu_count() or 1, 2)


def test_scrapinghub_f1_holds() -> None:
    score = score_aeb("depeche", WORKERS)
    assert score.f1 >= PIN["scrapinghub-aeb"] - TOLERANCE, score


def test_trafilatura_eval_f1_holds() -> None:
    score = next(s for s in score_trafeval("depeche", WORKERS) if s.subset == "all")
    assert score.f1 >= PIN["trafilatura-eval"] - TOLERANCE, score


def test_fundus_metadata_and_body_hold() -> None:
    score = next(s for s in score_fundus("depeche", WORKERS) if s.subset == "all")
    one_page = 1 / score.pages
    assert score.body_f1 >= PIN["fundus-body"] - TOLERANCE, score
    assert score.title >= PIN["fundus-title"] - one_page, score.misses["title"]
    assert score.author >= PIN["fundus-author"] - one_page, score.misses["author"]
    assert score.date >= PIN["fundus-date"] - one_page, score.misses["date"]
