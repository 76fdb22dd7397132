"""The warehouse's SQL, kept as files beside this module, and the default database path."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent


@cache
def sql(name: str) -> str:
    """The text of ``warehouse/<name>.sql``."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def quote_ident(name: str) -> str:
    """Quote an SQL identifier; the only way dynamic names enter a statement."""
    return '"' + name.replace('"', '""') + '"'


def load_fts(con) -> bool:  # type: ignore[no-untyped-def]
    """Load DuckDB's fts extension from its registry package; False when unavailable.

    (INSTALL fts would download it at run time, which fails offline.)
    """
    import duckdb

    try:
        from importlib.resources import files

        base = files("duckdb_extension_fts") / "extensions" / f"v{duckdb.__version__}"
        con.load_extension(str(base / "fts.duckdb_extension"))
        return True
    except (ImportError, duckdb.Error, OSError):
        return False
