"""Where the transform batches run: the flow's own task runner, or a Dask cluster.

The choice is made per run from the settings (``task_runner``, ``dask_address``), inside
the flow: a served deployment or a work-pool worker loads the flow from its entrypoint,
so a task runner fixed when the flow is served would be lost.

On Dask each batch is one task (about 80 ms of overhead per task on a local cluster, so
batches, not documents, travel), run in the Dask worker's own process: ``workers`` is 1
there, because Dask's worker processes are daemons that cannot start a process pool, and
the cluster is the parallelism.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from prefect.context import FlowRunContext
from prefect.task_runners import TaskRunner

from depeche.errors import ClusterError
from depeche.settings import Settings
from tasks.transform import stop_workers


@dataclass
class BatchRunner:
    """The task runner batches are submitted to, how many it takes at once, and how many
    worker processes each transform task may start itself."""

    runner: TaskRunner
    in_flight: int
    task_workers: int
    where: str

    def submit(self, task: Any, wait_for: list | None = None, **parameters: Any) -> Any:
        """Submit ``task`` with keyword parameters (as ``task.submit`` does for the flow's
        own runner)."""
        return self.runner.submit(task, parameters, wait_for=wait_for)


@contextmanager
def batch_runner(settings: Settings) -> Iterator[BatchRunner]:
    """The runner for this flow run's batches, started and shut down around the run.

    Raises:
        ClusterError: the Dask scheduler cannot be reached, or a LocalCluster not started.
    """
    if settings.task_runner == "local":
        context = FlowRunContext.get()
        if context is None or context.task_runner is None:
            raise RuntimeError("batch_runner() is for use inside a flow run")
        # Two batches in flight: one transformed while the previous one is loaded.
        try:
            yield BatchRunner(context.task_runner, 2, settings.workers, "local")
        finally:
            # The worker processes and their fork server hold a spaCy model (about 550
            # MB, shared): once the batches are done, grouping and the search index get it.
            stop_workers()
        return
    with ExitStack() as stack:
        stack.enter_context(_api_for_workers(settings))
        runner = stack.enter_context(_dask_runner(settings))
        try:
            threads = sum(runner.client.nthreads().values())
        except (OSError, TimeoutError) as exc:
            raise ClusterError(_cluster_message(settings, exc)) from exc
        where = settings.dask_address or f"LocalCluster of {settings.workers} process(es)"
        # One batch per Dask thread, plus one queued so that no worker waits for the flow.
        yield BatchRunner(runner, max(threads, 1) + 1, 1, f"Dask {where}")


@contextmanager
def _api_for_workers(settings: Settings) -> Iterator[None]:
    """Dask workers report their task runs to the flow's Prefect API, whose address they
    get with the task. Without a server (``PREFECT_API_URL`` unset) the flow's process runs
    a temporary one; each worker would start its own, so they are given that one's address
    instead. A remote cluster cannot reach it: that needs a real server.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    if settings.dask_address:
        raise ClusterError(
            "a remote Dask cluster needs a Prefect server its workers can reach: start one "
            "(`prefect server start`) and set PREFECT_API_URL"
        )
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the temporary server this process already runs
    if not server.running:
        yield
        return
    with temporary_settings({PREFECT_API_URL: server.api_url}):
        yield


def _dask_runner(settings: Settings) -> Any:
    """A DaskTaskRunner for the configured scheduler, or for a LocalCluster of ours."""
    from prefect_dask import DaskTaskRunner

    client_kwargs = {"timeout": settings.dask_connect_timeout}
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address, client_kwargs=client_kwargs)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": settings.workers,
            "threads_per_worker": 1,  # spaCy and trafilatura hold the GIL: processes, not threads
            "processes": True,
            "dashboard_address": None,
        },
        client_kwargs=client_kwargs,
    )


def _cluster_message(settings: Settings, exc: BaseException) -> str:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if settings.dask_address:
        return f"cannot reach the Dask scheduler at {settings.dask_address}: {detail}"
    return f"cannot start a local Dask cluster: {detail}"
