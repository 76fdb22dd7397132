"""The warehouse's SQL, kept as files beside this module, and the default database path."""

from __future__ import annotations

from datetime import datetime
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


def literal(value: object) -> str:
    """``value`` as an SQL literal: how values enter our statements.

    Not bound as parameters: DuckDB (1.5.5) imports pandas, and with it pyarrow and
    numpy, to bind any value (it first asks whether the value is ``pandas.NA``), which
    was 0.27 s of the 2.2 s of an unchanged rerun. A string is quoted by doubling its
    quotes, which DuckDB's standard strings take literally (a backslash is no escape).

    Args:
        value: None, a bool, int, str or datetime, or a list or tuple of them.

    Raises:
        TypeError: a value of another type.
        ValueError: a string holding a NUL character.
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("an SQL string cannot hold a NUL character")
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, datetime):  # the TIMESTAMP(TZ) a bound datetime becomes
        kind = "TIMESTAMPTZ" if value.tzinfo is not None else "TIMESTAMP"
        return f"{kind} '{value.isoformat(sep=' ')}'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"no SQL literal for a {type(value).__name__}")


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
