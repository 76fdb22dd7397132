"""The ``depeche`` command: a thin layer over the flow and the warehouse.

Heavy imports (Prefect, spaCy, trafilatura) happen inside the commands that need them, so
that ``depeche --help`` and ``depeche sql`` start fast. Named errors become one sentence
on stderr and a non-zero exit; no traceback reaches the user for bad input.
"""

from __future__ import annotations

import atexit
import csv
import gc
import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from depeche.errors import (
    ConfigError,
    DepecheError,
    QueryError,
    SourceNotFound,
    WarehouseError,
    WarehouseLocked,
    lock_holder,
)
from depeche.settings import DEFAULT_WAREHOUSE

app = typer.Typer(
    help="depeche: ingest news articles into a DuckDB warehouse of clean text and entities.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# An offline machine must not log telemetry errors; users can still override both.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

WarehouseOption = Annotated[
    Path | None,
    typer.Option(
        "--warehouse", "-w", help=f"DuckDB file [default: {DEFAULT_WAREHOUSE.name} in warehouse/]"
    ),
]


class Runner(StrEnum):
    """Where `depeche ingest` runs the transform batches."""

    local = "local"
    dask = "dask"


TaskRunnerOption = Annotated[
    Runner | None,
    typer.Option(
        "--task-runner",
        help="local: worker processes of this machine; dask: a Dask cluster (see "
        "--dask-address). [default: local]",
    ),
]
DaskAddressOption = Annotated[
    str | None,
    typer.Option(
        "--dask-address",
        help="Scheduler of the Dask cluster, e.g. tcp://10.0.0.5:8786; without it a local "
        "cluster of --workers processes is started for the run.",
    ),
]
WorkersOption = Annotated[
    int | None, typer.Option("--workers", help="Worker processes (or local Dask workers).")
]


class Format(StrEnum):
    """Output formats of ``depeche sql``."""

    table = "table"
    csv = "csv"
    json = "json"


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"depeche: {message}", err=True)
    raise typer.Exit(code)


@app.command()
def ingest(
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files or folders (.txt, .html, .htm, optionally .gz), or URLs of articles, "
            "RSS/Atom/JSON feeds and sitemaps. [default: seeds/]"
        ),
    ] = None,
    warehouse: WarehouseOption = None,
    sources_file: Annotated[
        Path | None,
        typer.Option("--sources", help="A sources.toml naming files and URLs to ingest."),
    ] = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Fetch archived URLs again (conditional GET).")
    ] = False,
    batch_size: Annotated[int | None, typer.Option(help="Documents per batch.")] = None,
    max_file_bytes: Annotated[
        int | None, typer.Option(help="Reject files or responses larger than this many bytes.")
    ] = None,
    task_runner: TaskRunnerOption = None,
    dask_address: DaskAddressOption = None,
    workers: WorkersOption = None,
) -> None:
    """Ingest articles into the warehouse through the Prefect flow.

    Example: depeche ingest seeds/ https://example.org/feed.xml --warehouse my.duckdb
    (on a Dask cluster: depeche ingest seeds/ --task-runner dask --dask-address tcp://host:8786)
    """
    from depeche.settings import load_settings
    from depeche.sources import read_sources_file, split_sources
    from tasks.workers import start_ahead, stop_ahead

    try:
        paths, urls = split_sources(sources or [])
        if sources_file is not None:
            more_paths, more_urls = read_sources_file(sources_file)
            paths, urls = paths + more_paths, urls + more_urls
        given = bool(sources) or sources_file is not None
        settings = load_settings(
            sources=paths if given else None,
            urls=urls if given else None,
            warehouse=warehouse,
            refresh=refresh or None,
            batch_size=batch_size,
            max_file_bytes=max_file_bytes,
            task_runner=task_runner.value if task_runner else None,
            dask_address=dask_address,
            workers=workers,
        )
        for source in settings.sources:
            if not source.exists():
                raise SourceNotFound(f"source {source} does not exist")
        # Decided before the check below opens the warehouse (which would make every run
        # look like an unchanged rerun), and started before it imports Prefect.
        if _worth_workers_ahead(settings):
            start_ahead(settings.spacy_model, settings.cache_dir)
        _check_writable(settings.warehouse)
    except DepecheError as exc:
        stop_ahead()
        _fail(str(exc))
        return
    try:
        from flows.ingest import ingest as ingest_flow

        _run_flow("ingest", ingest_flow, settings)
    finally:
        stop_ahead()  # unless the run took it: it would go on loading after the CLI ends


def _worth_workers_ahead(settings) -> bool:  # type: ignore[no-untyped-def]
    """Whether to start the transform workers' fork server while the CLI imports Prefect
    (on the core the imports leave idle): the run will likely want workers (enough sources changed
    since the warehouse was last written, no Dask cluster; tasks/workers.py)."""
    from tasks.read import discover
    from tasks.workers import worth_starting_ahead

    if settings.task_runner != "local" or settings.workers <= 1:
        return False
    try:
        paths = discover(settings.sources, settings.extensions)
        return worth_starting_ahead(paths, len(settings.urls), settings.warehouse)
    except (DepecheError, OSError):
        return False  # the flow says what is wrong


@app.command("serve")
def serve_command(
    warehouse: WarehouseOption = None,
    sources_file: Annotated[
        Path | None,
        typer.Option(
            "--sources", help="A sources.toml; each source's `schedule` (cron) is a schedule."
        ),
    ] = None,
    cron: Annotated[
        str | None,
        typer.Option(
            "--cron",
            help="Cron schedule, e.g. '0 2 * * *' (2:00 every night) [default: `schedule` "
            "of the settings]",
        ),
    ] = None,
    timezone: Annotated[
        str | None, typer.Option("--timezone", help="Time zone of the cron. [default: UTC]")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Deployment name. [default: depeche-ingest]")
    ] = None,
    task_runner: TaskRunnerOption = None,
    dask_address: DaskAddressOption = None,
    workers: WorkersOption = None,
) -> None:
    """Serve the ingest flow as a Prefect deployment on a cron schedule, until Ctrl-C.

    Needs a Prefect server (`prefect server start`, then PREFECT_API_URL set to its API).
    Without --sources, runs ingest the settings' sources (default: seeds/).

    Example: depeche serve --cron "0 2 * * *" --warehouse warehouse/depeche.duckdb
    """
    from depeche.settings import load_settings

    try:
        api = _prefect_api_url()
        settings = load_settings(
            warehouse=warehouse,
            schedule=cron,
            schedule_timezone=timezone,
            deployment_name=name,
            task_runner=task_runner.value if task_runner else None,
            dask_address=dask_address,
            workers=workers,
        )
        if sources_file is not None:
            from depeche.sources import read_sources_file

            paths, urls = read_sources_file(sources_file)
            settings = settings.model_copy(update={"sources": paths, "urls": urls})
        _check_writable(settings.warehouse)
        from depeche.serve import schedules_for, serve

        schedules_for(settings, sources_file)  # fail here, in one sentence, on a bad cron
    except DepecheError as exc:
        _fail(str(exc))
        return
    try:
        serve(settings, sources_file)
    except DepecheError as exc:
        _fail(str(exc))
    except OSError as exc:  # httpx's connection errors are OSErrors underneath
        _fail(f"cannot reach the Prefect API at {api}: {exc}")


def _prefect_api_url() -> str:
    """The Prefect API `depeche serve` registers with; a served deployment needs a server
    that outlives the command, so Prefect's ephemeral API will not do."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        raise ConfigError(
            "no Prefect server: start one with `prefect server start`, then "
            "`export PREFECT_API_URL=http://127.0.0.1:4200/api`"
        )
    return str(url)


@app.command("regroup")
def regroup_command(warehouse: WarehouseOption = None) -> None:
    """Rebuild syndicated paragraph clusters, near-duplicates and stories from scratch.

    Ingest keeps them up to date for new articles; regroup is for after a change of
    threshold or of story_window_days.

    Example: depeche regroup --warehouse warehouse/depeche.duckdb
    """
    settings = _existing_warehouse(warehouse)
    from flows.ingest import regroup as regroup_flow

    _run_flow(
        "regroup",
        regroup_flow,
        settings,
        lambda s: (
            f"{s.articles} article(s) regrouped into {s.stories} stor(y/ies) "
            f"in {settings.warehouse}"
        ),
    )


def _run_flow(name: str, flow_fn, settings, render=None) -> None:  # type: ignore[no-untyped-def]
    """Run a flow and print its result; any failure becomes one sentence, not a traceback."""
    try:
        result = flow_fn(settings)
    except Exception as exc:
        cause = exc
        while cause.__cause__ is not None and not isinstance(cause, DepecheError):
            cause = cause.__cause__
        message = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        _fail(message if isinstance(cause, DepecheError) else f"{name} failed: {message}")
        return
    typer.echo((render or _summary_text)(result))


@app.command()
def reprocess(warehouse: WarehouseOption = None) -> None:
    """Extract, clean and load again every archived web page, without the network
    (for example after a cleaning rule improves).

    Example: depeche reprocess --warehouse warehouse/depeche.duckdb
    """
    settings = _existing_warehouse(warehouse)
    from flows.ingest import reprocess as reprocess_flow

    _run_flow("reprocess", reprocess_flow, settings)


def _existing_warehouse(warehouse: Path | None):  # type: ignore[no-untyped-def]
    """Settings for a command that works on an existing, writable warehouse; else exit."""
    from depeche.settings import load_settings

    try:
        settings = load_settings(warehouse=warehouse)
        if not settings.warehouse.exists():
            raise WarehouseError(f"warehouse {settings.warehouse} does not exist")
        _check_writable(settings.warehouse)
    except DepecheError as exc:
        _fail(str(exc))
    return settings


def _check_writable(path: Path) -> None:
    """Fail early, with one sentence, when the warehouse cannot be written."""
    import duckdb

    from tasks.load import connect

    parent = path.parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise WarehouseError(f"warehouse {path} is not writable")
    try:
        with connect(path) as con:
            con.execute("SELECT 1")
    except WarehouseLocked as exc:  # the run stages its output and merges it later
        print(f"depeche: {exc}; the run stages what it cannot load", file=sys.stderr)
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot open warehouse {path}: {exc}") from exc


def _summary_text(summary) -> str:  # type: ignore[no-untyped-def]
    lines = [
        f"Run {summary.run_id} {summary.status} -> {summary.warehouse}",
        f"  sources found       {summary.sources}",
        f"  articles loaded     {summary.articles_new} new, {summary.articles_updated} updated",
        f"  sources unchanged   {summary.articles_unchanged} (skipped: same as last time)",
        f"  duplicates          {summary.articles_duplicate} (same text as another article)",
        f"  paragraphs          {summary.paragraphs}",
        f"  entities            {summary.entities} ({summary.mentions} mentions)",
        f"  boilerplate removed {summary.boilerplate_lines} lines",
        f"  stories             {summary.stories} touched",
        f"  rejects             {summary.rejects}",
    ]
    lines += [f"    {count} x {reason}" for reason, count in sorted(summary.reject_reasons.items())]
    return "\n".join(lines)


@app.command("sql")
def sql_command(
    query: Annotated[str, typer.Argument(help="The SQL query to run (read-only).")],
    warehouse: WarehouseOption = None,
    output: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    max_rows: Annotated[int, typer.Option(help="Rows shown in table format.")] = 1000,
    wait: Annotated[
        float,
        typer.Option(help="Seconds to wait while a run is writing (it holds the file briefly)."),
    ] = 30.0,
) -> None:
    """Run a read-only SQL query against the warehouse and print the result.

    Example: depeche sql "select title, author, tags from articles"
    """
    path = warehouse or Path(os.environ.get("DEPECHE_WAREHOUSE", DEFAULT_WAREHOUSE))
    try:
        columns, rows = run_query(path, query, wait)
    except DepecheError as exc:
        _fail(str(exc))
        return
    if output is Format.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif output is Format.json:
        typer.echo(
            json.dumps(
                [dict(zip(columns, r, strict=True)) for r in rows],
                ensure_ascii=False,
                default=str,
                indent=2,
            )
        )
    else:
        typer.echo(render_table(columns, rows, max_rows))


def run_query(path: Path, query: str, wait: float = 30.0) -> tuple[list[str], list[tuple]]:
    """Run ``query`` on a read-only connection; return column names and rows.

    A run holds the warehouse for a moment per batch: while it does, wait (with backoff,
    up to ``wait`` seconds) rather than fail.
    """
    import time

    import duckdb

    if not path.exists():
        raise WarehouseError(f"warehouse {path} does not exist; run `depeche ingest` first")
    deadline, delay, told = time.monotonic() + wait, 0.1, False
    while True:
        try:
            con = duckdb.connect(str(path), read_only=True)
            break
        except duckdb.Error as exc:
            holder = lock_holder(str(exc))
            if holder is None:
                raise WarehouseError(
                    f"cannot open warehouse {path}: {str(exc).splitlines()[0]}"
                ) from exc
            if time.monotonic() + delay > deadline:
                raise WarehouseLocked(
                    f"warehouse {path} is locked by {holder} (waited {wait:g} s; "
                    "try again, or close that program's connection)",
                    holder,
                ) from exc
            if not told:
                print(f"depeche: {path} is being written by {holder}; waiting", file=sys.stderr)
                told = True
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    from warehouse import load_fts

    load_fts(con)  # for search_paragraphs(); cheap, and optional
    try:
        cursor = con.execute(query)
        if cursor.description is None:
            return [], []
        columns = [d[0] for d in cursor.description]
        return columns, cursor.fetchall()
    except duckdb.Error as exc:
        raise QueryError(f"query failed: {str(exc).splitlines()[0]}") from exc
    finally:
        con.close()


def _cell(value: object, width: int = 60) -> str:
    text = "NULL" if value is None else str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(columns: list[str], rows: list[tuple], max_rows: int) -> str:
    """A plain text table; long cells are cut to 60 characters."""
    shown = [[_cell(v) for v in row] for row in rows[:max_rows]]
    widths = [max([len(c)] + [len(r[i]) for r in shown]) for i, c in enumerate(columns)]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    out = [
        line,
        "| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)) + " |",
        line,
    ]
    out += [
        "| " + " | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) + " |" for r in shown
    ]
    out.append(line)
    more = f", {len(rows) - max_rows} more not shown" if len(rows) > max_rows else ""
    out.append(f"{len(rows)} row{'s' if len(rows) != 1 else ''}{more}")
    return "\n".join(out)


def main() -> None:
    """Entry point of the ``depeche`` console script."""
    # At exit, once the other exit handlers (Prefect's log flush, the worker pool) have
    # run: what the command built is frozen, so the interpreter's last garbage
    # collections skip it instead of walking all of it (about 0.3 s at every exit).
    # Registered first, it runs last, and only when the process really ends.
    atexit.register(gc.freeze)
    app()


if __name__ == "__main__":
    main()
