"""Shared fixtures: one Prefect test harness per session, seed copies, tmp warehouses."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

from tests.helpers import SEEDS

# The suite's own cache folder (tasks/pattern_cache.py), not the user's.
_CACHE = tempfile.mkdtemp(prefix="depeche-test-cache-")
os.environ["DEPECHE_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A real, temporary Prefect API for the whole session (it costs ~8 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """A private copy of seeds/, so tests may edit or add files."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """Path of a fresh DuckDB file (created by the run under test)."""
    return tmp_path / "wh" / "test.duckdb"
