"""`depeche serve`: the ingest flow as a Prefect deployment on a cron schedule.

The schedules come from the settings (``schedule``: ``--cron``, ``DEPECHE_SCHEDULE`` or
``depeche.toml``) and from a sources file, whose sources may each name a cron: every cron
becomes one schedule of the deployment, whose runs ingest the sources of that cron (sources
without one follow ``schedule``). The settings travel as the run's JSON parameters, so the
Prefect UI shows exactly what a run was given, and a run triggered by hand (UI, `prefect
deployment run`) ingests every source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from depeche.errors import ConfigError
from depeche.settings import Settings


def run_parameters(settings: Settings, **changes: Any) -> dict[str, Any]:
    """The flow run parameters for these settings (JSON; paths made absolute, since the
    runner may start flow runs from another directory)."""
    updated = settings.model_copy(update=changes)
    updated.warehouse = updated.warehouse.absolute()
    updated.sources = [p.absolute() for p in updated.sources]
    return {"settings": updated.model_dump(mode="json")}


def schedules_for(settings: Settings, sources_file: Path | None = None) -> list[Any]:
    """One Prefect cron schedule per cron, each with the sources it ingests.

    Raises:
        ConfigError: no schedule is given anywhere, or a cron string is invalid.
    """
    groups: dict[str | None, tuple[list[Path], list[str]]] = {}
    if sources_file is not None:
        from depeche.sources import sources_by_schedule

        groups = sources_by_schedule(sources_file)
    crons: dict[str, dict[str, Any]] = {}
    if not groups:
        if settings.schedule:
            crons[settings.schedule] = run_parameters(settings)
    else:
        unscheduled = groups.pop(None, None)
        if unscheduled is not None and settings.schedule:
            groups[settings.schedule] = _merge(groups.get(settings.schedule), unscheduled)
        for cron, (paths, urls) in groups.items():
            assert cron is not None
            crons[cron] = run_parameters(settings, sources=paths, urls=urls)
    if not crons:
        raise ConfigError(
            "no schedule: give --cron, set `schedule` in depeche.toml or DEPECHE_SCHEDULE, "
            "or a `schedule` for sources in the sources file"
        )
    return [
        _cron(cron, settings.schedule_timezone, parameters, f"{settings.deployment_name}-{n}")
        for n, (cron, parameters) in enumerate(sorted(crons.items()), start=1)
    ]


def _merge(
    a: tuple[list[Path], list[str]] | None, b: tuple[list[Path], list[str]]
) -> tuple[list[Path], list[str]]:
    return (a[0] + b[0], a[1] + b[1]) if a else b


def _cron(cron: str, timezone: str, parameters: dict[str, Any], slug: str) -> Any:
    """A Prefect cron schedule; a bad cron or time zone is one sentence, not a traceback."""
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.schedules import Cron
    from pydantic import ValidationError

    try:
        CronSchedule(cron=cron, timezone=timezone)  # what the API would refuse
        return Cron(cron, timezone=timezone, parameters=parameters, slug=slug)
    except ValueError as exc:
        errors = exc.errors() if isinstance(exc, ValidationError) else []
        detail = errors[0]["msg"].removeprefix("Value error, ") if errors else str(exc)
        raise ConfigError(f"invalid schedule {cron!r} ({timezone}): {detail}") from exc


def serve(settings: Settings, sources_file: Path | None = None, limit: int = 1) -> None:
    """Serve the ingest flow until interrupted: register the deployment with its schedules
    on the Prefect API in force (``PREFECT_API_URL``), then poll for its runs and execute
    them in subprocesses of this process.

    Args:
        settings: the settings every run is given (sources replaced per schedule).
        sources_file: a sources file whose sources may carry their own schedules.
        limit: flow runs executed at once (1: two runs never write the warehouse together).
    """
    from prefect.deployments.runner import EntrypointType

    from flows.ingest import ingest

    schedules = schedules_for(settings, sources_file)
    ingest.serve(
        name=settings.deployment_name,
        schedules=schedules,
        parameters=run_parameters(settings),
        description="Ingest news articles into the DuckDB warehouse "
        f"{settings.warehouse.absolute()} (depeche).",
        tags=["depeche"],
        limit=limit,
        # Loaded as flows.ingest:ingest from the installed package, whatever the directory.
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
