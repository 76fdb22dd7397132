"""The throughput benchmark, run at a tiny size so that it cannot rot (it is not a timed
test: figures are printed, not asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.quality import BENCH

REPO = Path(__file__).resolve().parent.parent


def _benchmark(*args: str, timeout: int = 600) -> str:
    """Run ``python -m benchmarks.<args>`` from the repository; its output, once it passed."""
    result = subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.skipif(not BENCH.is_dir(), reason="benchmark data not present")
def test_throughput_benchmark_smoke() -> None:
    out = _benchmark("benchmarks.throughput", "--smoke", timeout=900)
    for section in (
        "depeche ingest, end to end",
        "baseline (bare libraries)",
        "depeche stages alone",
        "ratio depeche/baseline",
        "CPU seconds: depeche",
        "spaCy model load in a fresh process",
        "Unchanged rerun",
        "Peak RSS of the process tree",
        "the same as PSS",
        "Unchanged rerun at",
        "Full-text index after",
        "DuckDB load",
        "Start-up",
    ):
        assert section in out, f"missing {section!r} in:\n{out}"
    assert "45 loaded, 0 rejected" in out
    # every round runs with the cache folder a machine's first run leaves
    assert "the cache folder now holds: gazetteer, langid, patterns" in out
    assert "45 documents: read, extract" in out  # the bound transforms every document
    assert "(median of 2)" in out and "45 unchanged)" in out  # reruns skip every file


@pytest.mark.skipif(not BENCH.is_dir(), reason="benchmark data not present")
def test_fetch_benchmark_smoke() -> None:
    out = _benchmark("benchmarks.fetch", "--pages", "20", "--latency", "0.01")
    assert "politeness off" in out and "politeness on" in out
    assert "20 loaded" in out


@pytest.mark.skipif(not BENCH.is_dir(), reason="benchmark data not present")
def test_stories_benchmark_smoke() -> None:
    out = _benchmark("benchmarks.stories", "--scale", "300", "--step", "100")
    assert "synthetic corpus: 300 articles, 3600 paragraphs" in out
    assert out.count("grouped in") == 3 and "1.0 = linear total" in out
    assert "stories holding one event only" in out
