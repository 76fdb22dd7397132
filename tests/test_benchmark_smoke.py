"""The throughput benchmark, run at a tiny size so that it cannot rot (it is not a timed
test: figures are printed, not asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.quality import BENCH

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not BENCH.is_dir(), reason="benchmark data not present")
def test_throughput_benchmark_smoke() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.throughput", "--smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for section in (
        "depeche ingest, end to end",
        "baseline (bare libraries)",
        "ratio depeche/baseline",
        "Unchanged rerun",
        "Peak RSS of the process tree",
        "DuckDB load",
        "Start-up",
    ):
        assert section in out, f"missing {section!r} in:\n{out}"
    assert "45 loaded, 0 rejected" in out


@pytest.mark.skipif(not BENCH.is_dir(), reason="benchmark data not present")
def test_fetch_benchmark_smoke() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.fetch", "--pages", "20", "--latency", "0.01"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "politeness off" in result.stdout and "politeness on" in result.stdout
    assert "20 loaded" in result.stdout


@pytest.mark.skipif(not BENCH.is_dir(), reason="benchmark data not present")
def test_stories_benchmark_smoke() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.stories", "--scale", "300", "--step", "100"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "synthetic corpus: 300 articles, 3600 paragraphs" in out
    assert out.count("grouped in") == 3 and "1.0 = linear total" in out
    assert "stories holding one event only" in out
