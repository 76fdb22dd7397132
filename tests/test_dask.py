"""The transform stage on a real Dask cluster: a LocalCluster of two worker processes."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from depeche.errors import ClusterError
from tests.test_flow import _corpus, _ingest, _snapshot

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A LocalCluster of two worker processes, one thread each; yields its address."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local.scheduler_address


def test_dask_cluster_gives_the_same_warehouse_as_a_local_run(tmp_path: Path, cluster: str) -> None:
    corpus = _corpus(tmp_path / "corpus", copies=2)  # 12 files in 4 batches over 2 workers
    local, dask = tmp_path / "local.duckdb", tmp_path / "dask.duckdb"
    s1 = _ingest([corpus], local, workers=1, batch_size=3)
    started = time.perf_counter()
    s2 = _ingest([corpus], dask, batch_size=3, task_runner="dask", dask_address=cluster)
    print(f"dask run: {time.perf_counter() - started:.1f} s")
    assert (s1.articles_new, s2.articles_new, s2.rejects) == (12, 12, 0)
    assert _snapshot(local) == _snapshot(dask)
    # The transform stages ran in the workers: their CPU seconds came back with the batches.
    assert s2.stage_seconds["entities"] > 0


def test_unreachable_dask_scheduler_fails_the_run_with_one_sentence(
    seed_copy: Path, warehouse: Path
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    with pytest.raises(ClusterError, match=f"cannot reach the Dask scheduler at {address}"):
        _ingest(
            [seed_copy],
            warehouse,
            task_runner="dask",
            dask_address=address,
            dask_connect_timeout=2,
        )
