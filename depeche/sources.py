"""Where to ingest from: file paths and URLs on the command line, or a sources file.

A sources file (TOML) lists sources with their kind, language hint and schedule:

    [[source]]
    url = "https://example.org/feed.xml"
    kind = "feed"            # article | feed | sitemap | file (informative: kinds are sniffed)
    language = "fr"
    schedule = "0 * * * *"   # cron, used by `depeche serve`

    [[source]]
    path = "seeds/"
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from depeche.errors import ConfigError


def is_url(text: str) -> bool:
    """http(s) and any other scheme count as URLs (the fetcher refuses non-HTTP ones)."""
    head = text.split("://", 1)
    return len(head) == 2 and head[0].isalpha()


def split_sources(items: list[str]) -> tuple[list[Path], list[str]]:
    """Separate file paths from URLs, keeping order within each."""
    paths = [Path(i) for i in items if not is_url(i)]
    urls = [i for i in items if is_url(i)]
    return paths, urls


def _entries(path: Path) -> list[dict]:
    """The ``[[source]]`` tables of a sources file, checked."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"sources file {path} does not exist") from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"sources file {path} cannot be read: {exc}") from exc
    entries = data.get("source", [])
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or ("url" in entry) == ("path" in entry):
            raise ConfigError(f"sources file {path}: source {n} needs exactly one of url or path")
    return entries


def _split(path: Path, entries: list[dict]) -> tuple[list[Path], list[str]]:
    paths: list[Path] = []
    urls: list[str] = []
    for entry in entries:
        if "url" in entry:
            urls.append(str(entry["url"]))
        else:
            target = Path(entry["path"])
            paths.append(target if target.is_absolute() else path.parent / target)
    return paths, urls


def read_sources_file(path: Path) -> tuple[list[Path], list[str]]:
    """Paths and URLs named by a sources file; paths are relative to the file."""
    return _split(path, _entries(path))


def sources_by_schedule(path: Path) -> dict[str | None, tuple[list[Path], list[str]]]:
    """The paths and URLs of a sources file grouped by their cron schedule (``None``: the
    sources without one), for `depeche serve`."""
    groups: dict[str | None, list[dict]] = {}
    for entry in _entries(path):
        groups.setdefault(entry.get("schedule") or None, []).append(entry)
    return {cron: _split(path, entries) for cron, entries in groups.items()}


def schedules(path: Path) -> list[str]:
    """The cron schedules named in a sources file (for `depeche serve`)."""
    return sorted(cron for cron in sources_by_schedule(path) if cron)
