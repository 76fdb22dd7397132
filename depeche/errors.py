"""Named exceptions; the CLI turns each into one clear sentence and a non-zero exit."""

from __future__ import annotations

import re
from pathlib import Path


class DepecheError(Exception):
    "Base class for errors a user can act on."


class ConfigError(DepecheError):
    "The settings (file, environment or flags) are invalid."


class SourceNotFound(DepecheError):
    "A file or folder given as a source does not exist."


class WarehouseError(DepecheError):
    "The DuckDB warehouse cannot be opened or written."


class WarehouseLocked(WarehouseError):
    "Another process holds the DuckDB warehouse (DuckDB allows one writer, or readers only)."

    def __init__(self, message: str, holder: str = "another process") -> None:
        super().__init__(message)
        self.holder = holder


class QueryError(DepecheError):
    "A SQL query given to `depeche sql` failed."


class ModelMissing(DepecheError):
    "The spaCy model needed for NER is not installed."


class ClusterError(DepecheError):
    "The Dask cluster given for the transform stage cannot be reached or started."


_LOCK = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")


def lock_holder(message: str) -> str | None:
    """Who holds the warehouse, from DuckDB's lock error: "PID 123 (duckdb -ui)"; None when
    the error is not a lock conflict."""
    if "Could not set lock" not in message and "Conflicting lock" not in message:
        return None
    found = _LOCK.search(message)
    if not found:
        return "another process"
    program, pid = found.groups()
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        command = ""
    return f"PID {pid} ({command or program})"
