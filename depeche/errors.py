"""Named exceptions; the CLI turns each into one clear sentence and a non-zero exit."""


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
