"""One typed settings object for the whole pipeline.

Layers, lowest to highest: the defaults below, a TOML file (``depeche.toml`` in the
working directory, or the path in ``DEPECHE_CONFIG``), environment variables
(``DEPECHE_<FIELD>``), then the CLI flags, which the CLI passes as keyword arguments.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from depeche.errors import ConfigError

#: Bumped whenever extraction or cleaning changes what an unchanged source produces,
#: so that a rerun reprocesses sources instead of skipping them as unchanged.
PIPELINE_VERSION = "3"

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WAREHOUSE = REPO_ROOT / "warehouse" / "depeche.duckdb"
DEFAULT_SOURCES = REPO_ROOT / "seeds"


def user_cache_dir() -> Path | None:
    """``$XDG_CACHE_HOME/depeche``, by default ``~/.cache/depeche``; None (no cache) for
    an account without a home directory: a shared folder such as /tmp is no place for
    files a run trusts."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            return None
    return Path(base) / "depeche"


class Settings(BaseSettings):
    """Everything a run can be configured with."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """CLI flags beat the environment, which beats the TOML file, which beats defaults."""
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if settings_cls.model_config.get("toml_file"):
            sources.append(TomlConfigSettingsSource(settings_cls))
        return tuple(sources)

    model_config = SettingsConfigDict(env_prefix="DEPECHE_", extra="forbid")

    warehouse: Path = Field(DEFAULT_WAREHOUSE, description="DuckDB file the run loads into.")
    sources: list[Path] = Field(
        default_factory=lambda: [DEFAULT_SOURCES], description="Files or folders to ingest."
    )
    extensions: tuple[str, ...] = Field(
        (".txt", ".html", ".htm", ".txt.gz", ".html.gz", ".htm.gz"),
        description="File endings picked up when a folder is given.",
    )
    max_file_bytes: int = Field(
        5_000_000, gt=0, description="Files larger than this (after gunzip) are rejected."
    )
    batch_size: int = Field(200, gt=0, description="Documents per batch task.")
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        gt=0,
        description="Worker processes for the CPU stages; 1 runs them in the flow's process.",
    )
    min_text_chars: int = Field(
        200, ge=0, description="Articles with less body text than this are rejected."
    )
    lock_wait_seconds: float = Field(
        60.0,
        ge=0,
        description="When another process holds the warehouse, how long a run waits (with "
        "backoff) to merge what it staged before leaving it to the next run.",
    )
    story_window_days: int = Field(
        7, ge=0, description="An article joins a story only within this many days of its span."
    )
    spacy_model: str = Field("fr_core_news_md", description="spaCy model used for French NER.")
    ner_languages: tuple[str, ...] = Field(
        ("fr",), description="Languages the NER model is run on; others are skipped, with why."
    )
    cache_dir: Path | None = Field(
        default_factory=user_cache_dir,
        description="Where a machine keeps what every run would otherwise compute again "
        "(the spaCy tokenizer's compiled patterns, 1.3 MB, and the gazetteer's index); "
        "empty keeps nothing. On a Dask cluster, each worker machine uses this path.",
    )

    @field_validator("cache_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        """``DEPECHE_CACHE_DIR=`` turns the cache off (an empty path would mean here)."""
        return None if isinstance(value, str) and not value.strip() else value

    # Web sources (tasks/fetch.py).
    urls: list[str] = Field(
        default_factory=list, description="Article, feed or sitemap URLs to ingest."
    )
    refresh: bool = Field(
        False, description="Fetch again URLs already archived (conditional GET: 304 = unchanged)."
    )
    fetch_concurrency: int = Field(8, gt=0, description="Requests in flight at once, all hosts.")
    fetch_per_host: int = Field(2, gt=0, description="Requests in flight at once to one host.")
    fetch_host_delay: float = Field(
        1.0, ge=0, description="Seconds between two requests to one host (robots.txt may ask more)."
    )
    fetch_connect_timeout: float = Field(10.0, gt=0)
    fetch_read_timeout: float = Field(20.0, gt=0)
    fetch_retries: int = Field(3, ge=0, description="Retries on timeouts, 429 and 5xx.")
    fetch_max_redirects: int = Field(5, ge=0)
    obey_robots: bool = Field(True, description="Obey robots.txt and its crawl-delay.")
    allow_private_addresses: bool = Field(
        False, description="Allow loopback and private addresses (intranets, tests)."
    )
    max_urls_per_feed: int = Field(
        1000, gt=0, description="Article URLs taken from one feed or sitemap."
    )
    # Operations (depeche/runners.py, depeche/serve.py).
    schedule: str | None = Field(
        None,
        description="Cron schedule of `depeche serve` for sources without their own "
        "(a sources file may give each source a schedule).",
    )
    schedule_timezone: str = Field("UTC", description="IANA time zone the cron reads in.")
    deployment_name: str = Field("depeche-ingest", description="Name of the served deployment.")
    task_runner: Literal["local", "dask"] = Field(
        "local",
        description="Where the transform batches run: worker processes of the flow's "
        "machine, or a Dask cluster.",
    )
    dask_address: str | None = Field(
        None,
        description="Scheduler of the Dask cluster (tcp://host:8786); none starts a "
        "LocalCluster of `workers` processes for the run.",
    )
    dask_connect_timeout: float = Field(
        20.0, gt=0, description="Seconds to wait for the Dask scheduler."
    )

    def fetch_settings(self):  # type: ignore[no-untyped-def]
        """The fetcher's settings (tasks.fetch.FetchSettings)."""
        from tasks.fetch import FetchSettings

        return FetchSettings(
            connect_timeout=self.fetch_connect_timeout,
            read_timeout=self.fetch_read_timeout,
            max_bytes=self.max_file_bytes,
            max_redirects=self.fetch_max_redirects,
            retries=self.fetch_retries,
            host_delay=self.fetch_host_delay,
            per_host=self.fetch_per_host,
            obey_robots=self.obey_robots,
            allow_private=self.allow_private_addresses,
        )


def _config_path() -> Path | None:
    """The TOML settings file in force, if any."""
    explicit = os.environ.get("DEPECHE_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"settings file {path} does not exist")
        return path
    local = Path.cwd() / "depeche.toml"
    return local if local.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from defaults, file, environment and the given overrides.

    Args:
        overrides: values from the CLI; ``None`` means "not given" and is ignored.

    Returns:
        The validated settings.
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    path = _config_path()
    try:
        if path is None:
            return Settings(**given)
        toml_cls = type(
            "FileSettings",
            (Settings,),
            {"model_config": {**Settings.model_config, "toml_file": path}},
        )
        return toml_cls(**given)
    except (ValueError, OSError) as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc


def as_settings(value: Settings | Mapping[str, Any]) -> Settings:
    """The settings a flow run was given: deployments pass them as JSON, so a mapping is
    completed from the layers (file, environment) of the machine that runs the flow."""
    if isinstance(value, Settings):
        return value
    return load_settings(**dict(value))
