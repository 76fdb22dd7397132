"""How values enter our SQL: as literals (``warehouse.literal``), equal to bound values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import duckdb
import pytest

from warehouse import literal

VALUES = [
    None,
    True,
    False,
    0,
    -7,
    2**40,
    "",
    "it's",
    "''; DROP TABLE runs; --",
    "back\\slash \\' and $name",
    "ünïcödé ✓",
    datetime(2026, 1, 2, 3, 4, 5, 678901),
    datetime(2026, 1, 2, 3, 4, 5),
    datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    ["a", "it's"],
    ("x",),
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_literal_is_the_value_duckdb_binds(value: object) -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    bound = con.execute("SELECT $v", {"v": value}).fetchone()
    assert con.execute(f"SELECT {literal(value)}").fetchone() == bound


def test_an_empty_list_matches_nothing() -> None:
    con = duckdb.connect()
    assert con.execute(f"SELECT list_contains({literal([])}, 'a')").fetchone() == (False,)


@pytest.mark.parametrize("value", [1.5, b"bytes", {"a": 1}, object()], ids=repr)
def test_other_types_are_refused(value: object) -> None:
    with pytest.raises(TypeError):
        literal(value)


def test_a_nul_character_is_refused() -> None:
    with pytest.raises(ValueError):
        literal("a\x00b")
