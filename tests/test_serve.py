"""`depeche serve` against a real Prefect server: `prefect server start` on a free local
port, `depeche serve` in a subprocess, runs triggered through the API as the UI does.

One server and one served deployment for the module; three runs of it: the seeds
(completed, with its artifacts), inputs that are all rejected (completed with a warning),
and a warehouse that cannot be opened (failed).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from depeche.serve import run_parameters
from depeche.settings import load_settings
from tests.helpers import SEEDS, query

BIN = Path(sys.executable).parent
DEPLOYMENT = "ingest/depeche-ingest"
CRON = "0 2 * * *"
LAST_RUN = (
    "SELECT started_at, status, sources, articles_new, articles_updated, articles_unchanged, "
    "paragraphs, entities, rejects FROM runs ORDER BY started_at DESC LIMIT 1"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until(check, timeout: float, what: str, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} not ready after {timeout} s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    """SIGINT (what Ctrl-C sends), then kill whatever is left of the process group."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@dataclass
class Served:
    api: str
    base: Path
    warehouse: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A Prefect server and `depeche serve` (the seeds, by a sources file with a cron)."""
    base = tmp_path_factory.mktemp("serve")
    shutil.copytree(SEEDS, base / "seeds")
    (base / "sources.toml").write_text(
        f'[[source]]\npath = "seeds/"\nschedule = "{CRON}"\n', "utf-8"
    )
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(base / "prefect-home"),  # the server's own SQLite database
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",  # pick up triggered runs within a second
    }
    server_log = base / "server.log"
    with server_log.open("w") as out:
        server = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{api}/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    serve_log = base / "serve.log"
    try:
        _wait_until(healthy, 180, "prefect server", server_log)
        warehouse = base / "wh.duckdb"
        with serve_log.open("w") as out:
            serving = subprocess.Popen(
                [
                    str(BIN / "depeche"),
                    "serve",
                    "--sources",
                    "sources.toml",
                    "--warehouse",
                    str(warehouse),
                    "--workers",
                    "1",
                ],
                cwd=base,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_until(
                lambda: "is being served" in serve_log.read_text() or serving.poll() is not None,
                120,
                "depeche serve",
                serve_log,
            )
            assert serving.poll() is None, serve_log.read_text()
            yield Served(api, base, warehouse, env)
        finally:
            _stop(serving)
    finally:
        _stop(server)


def _client(served: Served):  # type: ignore[no-untyped-def]
    """A Prefect client of the test's server (not the session's harness)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: served.api}):
        return get_client(sync_client=True)


def _run(served: Served, **changes: object):  # type: ignore[no-untyped-def]
    """Trigger a run of the deployment, as the UI's "Run" button does, and wait for it."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    parameters = None
    if changes:
        settings = load_settings(warehouse=served.warehouse, workers=1)
        parameters = run_parameters(settings, **changes)
    with temporary_settings({PREFECT_API_URL: served.api}):
        run = run_deployment(DEPLOYMENT, parameters=parameters, timeout=300, poll_interval=1)
    assert run.state is not None and run.state.is_final(), (
        f"run {run.name} not finished: {run.state}\n" + (served.base / "serve.log").read_text()
    )
    return run


def _artifacts(served: Served, flow_run_id) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with _client(served) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key: a for a in found if a.key}


def test_served_deployment_has_the_sources_file_schedule(served: Served) -> None:
    with _client(served) as client:
        deployment = client.read_deployment_by_name(DEPLOYMENT)
    assert deployment.entrypoint == "flows.ingest.ingest"
    [schedule] = deployment.schedules
    assert (schedule.schedule.cron, schedule.active) == (CRON, True)
    settings = schedule.parameters["settings"]
    assert settings["sources"] == [str(served.base / "seeds")]
    assert settings["warehouse"] == str(served.warehouse)


def test_triggered_run_completes_with_its_artifacts(served: Served) -> None:
    run = _run(served)
    assert run.state.type.value == "COMPLETED", run.state
    assert run.state.name == "Completed"
    assert run.name == "ingest seeds -> wh.duckdb"
    artifacts = _artifacts(served, run.id)
    summary = artifacts["depeche-ingest-summary"].data
    assert "| articles new | 5 |" in summary
    assert "| paragraphs | 54 |" in summary
    assert "## Boilerplate removed by rule" in summary and "| duplicate_title | 2 |" in summary
    assert "## Seconds by stage" in summary and "| entities |" in summary
    assert "depeche-ingest-rejects" not in artifacts
    assert query(served.warehouse, "SELECT count(*) FROM articles") == [(5,)]
    assert query(served.warehouse, "SELECT flow_run_id FROM runs") == [(str(run.id),)]


def test_run_with_rejects_completes_with_a_warning_and_a_rejects_table(served: Served) -> None:
    bad = served.base / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.html").write_bytes(b"\x00\x01\x02 not text \x00" * 20)
    run = _run(served, sources=[bad])
    assert run.state.type.value == "COMPLETED"
    assert run.state.name == "Completed with rejects"
    assert "2 input(s) rejected" in run.state.message
    artifacts = _artifacts(served, run.id)
    rows = artifacts["depeche-ingest-rejects"].data
    assert {Path(r["source"]).name for r in _table(rows)} == {"empty.txt", "binary.html"}
    summary = artifacts["depeche-ingest-summary"].data
    assert "## Rejects by stage and reason" in summary
    assert "| read | file is empty | 1 |" in summary


def test_last_nights_run_query(served: Served) -> None:
    """The README's answer to "what did last night's run do?"."""
    result = subprocess.run(
        [str(BIN / "depeche"), "sql", LAST_RUN, "--warehouse", str(served.warehouse), "-f", "csv"],
        capture_output=True,
        text=True,
        env=served.env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    header, last = result.stdout.splitlines()[:2]
    assert header.startswith("started_at,status,sources,articles_new")
    assert last.split(",")[1:] in (
        ["completed_with_rejects", "2", "0", "0", "0", "0", "0", "2"],  # after the rejects run
        ["completed", "5", "5", "0", "0", "54", "27", "0"],  # when run alone
    )


def test_run_that_cannot_open_the_warehouse_fails(served: Served) -> None:
    folder = served.base / "not-a-file.duckdb"
    folder.mkdir()
    run = _run(served, warehouse=folder)
    assert run.state.type.value == "FAILED", run.state
    assert "cannot open warehouse" in (run.state.message or "")


def _table(data: object) -> list[dict]:
    import json

    return json.loads(data) if isinstance(data, str) else data  # type: ignore[return-value]


def test_prefect_yaml_deploys_to_a_work_pool_and_a_worker_runs_it(
    served: Served, tmp_path: Path
) -> None:
    """prefect.yaml, as the README says to use it: a process work pool, `prefect deploy`,
    and a worker on the pool running a triggered run from this checkout."""
    from tests.helpers import REPO

    env = {
        **served.env,
        "DEPECHE_HOME": str(REPO),
        "DEPECHE_WAREHOUSE": str(tmp_path / "pool.duckdb"),
        "DEPECHE_SOURCES": f'["{served.base / "seeds"}"]',
        "DEPECHE_WORKERS": "1",
    }
    prefect = str(BIN / "prefect")

    def cli(*args: str) -> None:
        result = subprocess.run(
            [prefect, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, result.stdout + result.stderr

    cli("work-pool", "create", "depeche", "--type", "process")
    cli("--no-prompt", "deploy", "--all")
    with _client(served) as client:
        deployment = client.read_deployment_by_name("ingest/depeche-ingest-pool")
    assert deployment.work_pool_name == "depeche"
    assert [s.schedule.cron for s in deployment.schedules] == ["0 2 * * *"]
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: served.api}):
        run = run_deployment("ingest/depeche-ingest-pool", timeout=0)
    worker = subprocess.run(
        [prefect, "worker", "start", "--pool", "depeche", "--run-once"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert worker.returncode == 0, worker.stdout + worker.stderr
    with _client(served) as client:
        state = client.read_flow_run(run.id).state
    assert state is not None and state.is_completed(), worker.stdout + worker.stderr
    assert query(tmp_path / "pool.duckdb", "SELECT count(*) FROM articles") == [(5,)]
