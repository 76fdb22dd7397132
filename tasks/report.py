"""Stage 9, report: the ``runs`` row and the Prefect artifacts that summarise a run."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE
from prefect.states import Completed, State

from depeche.errors import WarehouseLocked
from depeche.settings import PIPELINE_VERSION
from tasks.documents import Reject
from tasks.load import (
    WAREHOUSE_TIMEOUT,
    LoadStats,
    apply_schema,
    connect,
    run_script,
)
from warehouse import literal


@dataclass
class RunSummary:
    """The figures of one ingest run, as shown by the CLI, the artifact and ``runs``."""

    run_id: str
    warehouse: str
    flow_run_id: str | None = None
    started_at: datetime = field(default_factory=datetime.now)
    finished_at: datetime | None = None
    status: str = "running"
    sources: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    articles_duplicate: int = 0
    articles_staged: int = 0  # loaded into the staging folder: the warehouse was locked
    stories: int = 0
    paragraphs: int = 0
    boilerplate_lines: int = 0
    mentions: int = 0
    rejects: int = 0
    entities: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    boilerplate_rules: dict[str, int] = field(default_factory=dict)
    reject_rows: list[dict[str, str]] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether the run loaded new or updated articles."""
        return bool(self.articles_new or self.articles_updated)

    def add(
        self,
        stats: LoadStats,
        rejects: list[Reject],
        unchanged: int = 0,
        seconds: Mapping[str, float] | None = None,
    ) -> None:
        """Fold one batch's figures into the run's."""
        self.articles_unchanged += unchanged
        for stage, spent in {**(seconds or {}), "load": stats.seconds}.items():
            self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + spent
        self.articles_new += stats.new
        self.articles_updated += stats.updated
        self.articles_duplicate += stats.duplicates
        self.articles_staged += stats.staged
        self.paragraphs += stats.paragraphs
        self.boilerplate_lines += stats.boilerplate
        self.mentions += stats.mentions
        self.rejects += len(rejects)
        reasons = Counter(self.reject_reasons)
        reasons.update(f"{r.stage}: {r.reason}" for r in rejects)
        self.reject_reasons = dict(reasons)
        self.reject_rows += [
            {"source": r.source_uri, "stage": r.stage, "reason": r.reason, "detail": r.detail}
            for r in rejects
        ]


@task(
    name="start_run",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=2,
    timeout_seconds=WAREHOUSE_TIMEOUT,
)
def start_run(warehouse: Path, flow_run_id: str | None) -> RunSummary:
    """Create the schema if needed and record the run as running."""
    summary = RunSummary(run_id=uuid.uuid4().hex, warehouse=str(warehouse), flow_run_id=flow_run_id)
    try:
        with connect(warehouse) as con:  # one connection: schema, then the runs row
            apply_schema(con, warehouse)
            run_script(
                con,
                "start_run",
                {
                    "run_id": summary.run_id,
                    "flow_run_id": flow_run_id,
                    "started_at": summary.started_at,
                    "pipeline_version": PIPELINE_VERSION,
                },
            )
    except WarehouseLocked as exc:
        get_run_logger().warning(
            "%s: locked by %s; run %s goes on, and stages what it cannot load",
            warehouse,
            exc.holder,
            summary.run_id,
        )
        return summary
    get_run_logger().info("%s: run %s started", warehouse, summary.run_id)
    return summary


def markdown(summary: RunSummary) -> str:
    """The run summary as markdown, for the Prefect UI."""
    took = (
        f", {(summary.finished_at - summary.started_at).total_seconds():.1f} s"
        if summary.finished_at
        else ""
    )
    lines = [
        f"# depeche ingest: {summary.status}",
        "",
        f"Warehouse `{summary.warehouse}`, run `{summary.run_id}`{took}.",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| sources found | {summary.sources} |",
        f"| articles new | {summary.articles_new} |",
        f"| articles updated | {summary.articles_updated} |",
        f"| articles unchanged | {summary.articles_unchanged} |",
        f"| duplicates (same text as another article) | {summary.articles_duplicate} |",
        f"| stories touched | {summary.stories} |",
        f"| paragraphs | {summary.paragraphs} |",
        f"| boilerplate lines removed | {summary.boilerplate_lines} |",
        f"| entities | {summary.entities} |",
        f"| mentions | {summary.mentions} |",
        f"| rejects | {summary.rejects} |",
    ]
    if summary.articles_staged:
        lines += [
            "",
            f"**The warehouse was locked by another process**: {summary.articles_staged} "
            f"article(s) are staged in `{summary.warehouse}.staging/` and will be merged by "
            "the next run (nothing is lost).",
        ]
    if summary.boilerplate_rules:
        lines += ["", "## Boilerplate removed by rule", "", "| rule | lines |", "|---|---:|"]
        lines += [f"| {k} | {v} |" for k, v in summary.boilerplate_rules.items()]
    if summary.reject_rows:
        by_reason = Counter((r["stage"], r["reason"]) for r in summary.reject_rows)
        lines += [
            "",
            "## Rejects by stage and reason",
            "",
            "| stage | reason | count |",
            "|---|---|---:|",
        ]
        lines += [f"| {st} | {why} | {n} |" for (st, why), n in sorted(by_reason.items())]
    if summary.stage_seconds:
        lines += [
            "",
            "## Seconds by stage",
            "",
            "CPU seconds summed over worker processes for the transform stages (read to "
            "entities), wall seconds for the load.",
            "",
            "| stage | s |",
            "|---|---:|",
        ]
        lines += [f"| {k} | {v:.2f} |" for k, v in summary.stage_seconds.items()]
    return "\n".join(lines)


def final_state(summary: RunSummary) -> State:
    """The flow run's final state: Completed, named "Completed with rejects" (and saying
    how many, in the message the UI shows) when inputs were rejected. Its result is the
    summary."""
    if not summary.rejects:
        return Completed(data=summary, message=f"{summary.articles_new} new article(s)")
    return Completed(
        data=summary,
        name="Completed with rejects",
        message=f"{summary.rejects} input(s) rejected; see artifact depeche-ingest-rejects",
    )


def _record(summary: RunSummary, warehouse: Path) -> None:
    """Write the run's figures to ``runs``."""
    from tasks.staging import run_params

    with connect(warehouse) as con:
        run_script(con, "finish_run", run_params(summary))
        (summary.entities,) = con.execute(
            f"SELECT entities FROM runs WHERE run_id = {literal(summary.run_id)}"
        ).fetchone() or (0,)
        summary.boilerplate_rules = dict(
            run_script(con, "select_run_boilerplate", {"run_id": summary.run_id}).fetchall()
        )


@task(
    name="finish_run",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=2,
    timeout_seconds=WAREHOUSE_TIMEOUT,
)
def finish_run(summary: RunSummary) -> RunSummary:
    """Record the run's figures in ``runs`` and publish its artifacts."""
    logger = get_run_logger()
    summary.finished_at = datetime.now()
    summary.status = "completed_with_rejects" if summary.rejects else "completed"
    warehouse = Path(summary.warehouse)
    from tasks.staging import run_params, stage_run

    try:
        _record(summary, warehouse)
    except WarehouseLocked as exc:
        stage_run(warehouse, run_params(summary))
        logger.warning(
            "%s: locked by %s; the runs row of run %s is staged and merged by the next run",
            warehouse,
            exc.holder,
            summary.run_id,
        )
    create_markdown_artifact(
        key="depeche-ingest-summary", markdown=markdown(summary), description="ingest run summary"
    )
    if summary.reject_rows:
        create_table_artifact(
            key="depeche-ingest-rejects", table=summary.reject_rows, description="rejected inputs"
        )
        logger.warning(
            "%s: %d input(s) rejected: %s", warehouse, summary.rejects, summary.reject_reasons
        )
    logger.info("%s: run %s %s", warehouse, summary.run_id, summary.status)
    return summary


@task(
    name="fail_run",
    cache_policy=NONE,
    retries=1,
    retry_delay_seconds=2,
    timeout_seconds=WAREHOUSE_TIMEOUT,
)
def fail_run(summary: RunSummary) -> None:
    """Record a run that could not finish as failed, with the figures it reached."""
    summary.finished_at = datetime.now()
    summary.status = "failed"
    from tasks.staging import run_params, stage_run

    try:
        with connect(Path(summary.warehouse)) as con:
            run_script(con, "finish_run", run_params(summary))
    except WarehouseLocked:  # recorded by the next run, like a staged batch
        stage_run(Path(summary.warehouse), run_params(summary))
    except Exception as exc:  # the warehouse itself may be what failed
        get_run_logger().error("%s: could not record the failed run: %s", summary.warehouse, exc)
