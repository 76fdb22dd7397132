"""Stage 8b, staging: keep a run's output when another process holds the warehouse.

DuckDB lets one process write, or any number read, and while one holds the file no other
can open it at all. A run that finds the warehouse locked writes each batch it would have
loaded to ``<warehouse>.staging/<run_id>/batch-NNNN/`` as Parquet files (the same tables
the load would write, rejects and raw pages included), and the run's figures to
``run.json`` when it ends. ``merge_staged`` loads them through the same ``tasks.load.load``
as any batch, in order, deleting each folder once its transaction committed: a merge cut
short loads that batch again, which the idempotent load makes harmless. Runs merge what
is staged at their start, and retry within the run with backoff before they end.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

from prefect import get_run_logger, task
from prefect.cache_policies import NONE

from depeche.errors import WarehouseLocked
from depeche.settings import PIPELINE_VERSION
from tasks.documents import Reject
from tasks.load import LOAD_TIMEOUT, archive_frame, connect, ensure_schema, load, run_script
from tasks.validate import Batch

if TYPE_CHECKING:
    import pandas as pd

_REJECT_FIELDS = [f.name for f in fields(Reject)]


def staging_dir(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".staging")


def stage_batch(
    warehouse: Path, run_id: str, batch: Batch, rejects: list[Reject], archive: list | None
) -> Path:
    """Write a batch that could not be loaded; returns its folder."""
    import pandas as pd

    run_dir = staging_dir(warehouse) / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    number = len(list(run_dir.glob("batch-*"))) + 1
    final = run_dir / f"batch-{number:04d}"
    partial = run_dir / f".partial-{number:04d}"  # renamed when complete: never half-read
    partial.mkdir()
    for name, frame in batch.frames.items():
        frame.to_parquet(partial / f"{name}.parquet", index=False)
    pd.DataFrame(
        [[getattr(r, f) for f in _REJECT_FIELDS] for r in rejects], columns=_REJECT_FIELDS
    ).astype({"source_size": "Int64", "source_mtime_ns": "Int64"}).to_parquet(
        partial / "rejects.parquet", index=False
    )
    if archive:
        archive_frame(archive).to_parquet(partial / "archive.parquet", index=False)
    partial.rename(final)
    return final


def stage_run(warehouse: Path, params: dict) -> Path:
    """Write the figures of a run whose ``runs`` row could not be written."""
    run_dir = staging_dir(warehouse) / params["run_id"]
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "run.json"
    path.write_text(json.dumps(params, default=str, indent=1), "utf-8")
    return path


def staged_batches(warehouse: Path) -> list[Path]:
    root = staging_dir(warehouse)
    return sorted(root.glob("*/batch-*")) if root.exists() else []


def _read_batch(folder: Path) -> tuple[Batch, list[Reject], pd.DataFrame | None]:
    """A staged batch as ``stage_batch`` wrote it: its tables, rejects and archive."""
    import pandas as pd

    frames = {
        p.stem: pd.read_parquet(p)
        for p in folder.glob("*.parquet")
        if p.stem not in ("rejects", "archive")
    }
    rows = pd.read_parquet(folder / "rejects.parquet").astype(object)
    rejects = [
        Reject(**{k: (None if pd.isna(v) else v) for k, v in r.items()})
        for r in rows.to_dict("records")
    ]
    archive = folder / "archive.parquet"
    return Batch(frames=frames), rejects, pd.read_parquet(archive) if archive.exists() else None


@dataclass
class MergeStats:
    batches: int = 0
    articles: int = 0
    runs: int = 0


def merge_staged(warehouse: Path) -> MergeStats:
    """Load everything staged for ``warehouse``, oldest first (raises WarehouseLocked)."""
    stats = MergeStats()
    root = staging_dir(warehouse)
    if not root.exists():
        return stats
    ensure_schema(warehouse)  # the warehouse may not even have had its tables then
    for run_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for folder in sorted(run_dir.glob("batch-*")):
            batch, rejects, archive = _read_batch(folder)
            loaded = load(warehouse, batch, rejects, run_dir.name, archive)
            shutil.rmtree(folder)
            stats.batches += 1
            stats.articles += loaded.new + loaded.updated + loaded.duplicates
        record = run_dir / "run.json"
        if record.exists():
            with connect(warehouse) as con:
                run_script(con, "finish_run", json.loads(record.read_text("utf-8")))
            record.unlink()
            stats.runs += 1
        if not any(run_dir.iterdir()):
            run_dir.rmdir()
    if not any(root.iterdir()):
        root.rmdir()
    return stats


def run_params(summary) -> dict:  # type: ignore[no-untyped-def]
    """The parameters of ``finish_run.sql`` for a run summary."""
    params = {k: v for k, v in asdict(summary).items() if not isinstance(v, dict | list)}
    return {**params, "pipeline_version": PIPELINE_VERSION}


@task(name="merge_staged", cache_policy=NONE, timeout_seconds=LOAD_TIMEOUT)
def merge_staged_task(warehouse: Path, wait_seconds: float = 0.0) -> MergeStats | None:
    """Merge staged batches, retrying with backoff for up to ``wait_seconds`` while the
    warehouse is locked; None when it stayed locked (the next run merges them)."""
    logger = get_run_logger()
    if not staging_dir(warehouse).exists():
        return MergeStats()
    deadline = time.monotonic() + wait_seconds
    delay = 1.0
    while True:
        try:
            stats = merge_staged(warehouse)
        except WarehouseLocked as exc:
            if time.monotonic() + delay > deadline:
                logger.warning(
                    "%s: still locked by %s; %d staged batch(es) kept in %s, merged by the "
                    "next run",
                    warehouse,
                    exc.holder,
                    len(staged_batches(warehouse)),
                    staging_dir(warehouse),
                )
                return None
            logger.info("%s: locked by %s; merging again in %.0f s", warehouse, exc.holder, delay)
            time.sleep(delay)
            delay = min(delay * 2, 30.0)
            continue
        if stats.batches or stats.runs:
            logger.info(
                "%s: merged %d staged batch(es) (%d article(s)) and %d run record(s) from %s",
                warehouse,
                stats.batches,
                stats.articles,
                stats.runs,
                staging_dir(warehouse),
            )
        return stats


__all__ = [
    "MergeStats",
    "merge_staged",
    "merge_staged_task",
    "run_params",
    "stage_batch",
    "stage_run",
    "staged_batches",
    "staging_dir",
]
