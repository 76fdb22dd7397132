"""One typed settings object for the whole pipeline.

Layers, lowest to highest: the defaults below, a TOML file (``depeche.toml`` in the
working directory, or the path in ``DEPECHE_CONFIG``), environment variables
(``DEPECHE_<FIELD>``), then the CLI flags, which the CLI passes as keyword arguments.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field
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
    spacy_model: str = Field("fr_core_news_md", description="spaCy model used for French NER.")
    ner_languages: tuple[str, ...] = Field(
        ("fr",), description="Languages the NER model is run on; others are skipped, with why."
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
