"""The `depeche` command, run as a user runs it: a real process, a real warehouse."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

BIN = Path(sys.executable).parent / "depeche"


def run(*args: str, cwd: Path | None = None, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        **extra_env,
    }
    return subprocess.run(
        [str(BIN), *args], capture_output=True, text=True, timeout=600, cwd=cwd, env=env
    )


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds ingested once by `depeche ingest`, as a user would."""
    base = tmp_path_factory.mktemp("cli")
    shutil.copytree(Path(__file__).parent.parent / "seeds", base / "seeds")
    db = base / "wh.duckdb"
    result = run("ingest", "seeds", "--warehouse", str(db), cwd=base)
    assert result.returncode == 0, result.stderr
    assert "5 new, 0 updated" in result.stdout and "sources unchanged   0" in result.stdout
    assert "boilerplate removed 9 lines" in result.stdout
    return db


@pytest.mark.parametrize(
    "command", [[], ["ingest"], ["sql"], ["reprocess"], ["regroup"], ["serve"]]
)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "Usage" in result.stdout
    if command:
        assert "Example: depeche " + command[0] in " ".join(result.stdout.split())


def test_sql_shows_the_seeds_titles_bylines_and_tags(ingested: Path) -> None:
    result = run(
        "sql",
        "select title, author, tags from articles order by source_uri",
        "--warehouse",
        str(ingested),
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 5
    assert rows[1] == {
        "title": "La Corée du Sud révèle l’échange de missiles entre la Russie et la Corée du Nord",
        "author": "Sara",
        "tags": ["Corée du Sud", "Russie", "Corée du Nord"],
    }
    assert all(r["title"] and not r["title"].startswith("Home") for r in rows)


def test_sql_csv_and_table_formats(ingested: Path) -> None:
    out = run(
        "sql",
        "select kind, count(*) n from paragraphs group by kind order by kind",
        "-w",
        str(ingested),
        "-f",
        "csv",
    ).stdout
    assert list(csv.reader(io.StringIO(out))) == [["kind", "n"], ["body", "42"], ["heading", "12"]]
    table = run("sql", "select count(*) as articles from articles", "-w", str(ingested)).stdout
    assert "| articles |" in table and "| 5        |" in table and "1 row" in table


def test_sql_does_not_lock_out_other_readers(ingested: Path) -> None:
    con = duckdb.connect(str(ingested), read_only=True)
    try:
        assert run("sql", "select 1", "-w", str(ingested)).returncode == 0
    finally:
        con.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "no/such/folder"], "depeche: source no/such/folder does not exist"),
        (
            ["sql", "select 1", "-w", "no/such.duckdb"],
            "depeche: warehouse no/such.duckdb does not exist; run `depeche ingest` first",
        ),
        (["regroup", "-w", "no/such.duckdb"], "depeche: warehouse no/such.duckdb does not exist"),
        (["reprocess", "-w", "no/such.duckdb"], "depeche: warehouse no/such.duckdb does not exist"),
    ],
)
def test_missing_paths_give_one_sentence(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip() == message
    assert "Traceback" not in result.stderr + result.stdout


def test_serve_without_a_prefect_server_gives_one_sentence(tmp_path: Path) -> None:
    result = run("serve", "--cron", "0 2 * * *", cwd=tmp_path, PREFECT_API_URL="")
    assert result.returncode != 0
    assert result.stderr.startswith("depeche: no Prefect server: start one with")
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--cron", "0 25 * * *"],
            "depeche: invalid schedule '0 25 * * *' (UTC): Invalid cron string",
        ),
        (["--cron", "0 2 * * *", "--timezone", "Mars/Base"], "(Mars/Base): Invalid timezone"),
        ([], "depeche: no schedule: give --cron"),
    ],
)
def test_serve_with_a_bad_or_no_schedule_gives_one_sentence(
    tmp_path: Path, args: list[str], message: str
) -> None:
    # The API is never contacted: the schedule is checked first.
    result = run(
        "serve",
        *args,
        "-w",
        str(tmp_path / "wh.duckdb"),
        cwd=tmp_path,
        PREFECT_API_URL="http://127.0.0.1:9/api",
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_malformed_query_gives_one_sentence(ingested: Path) -> None:
    result = run("sql", "selec title from articles", "-w", str(ingested))
    assert result.returncode != 0
    assert result.stderr.startswith("depeche: query failed: Parser Error: syntax error")
    assert len(result.stderr.strip().splitlines()) == 1
    result = run("sql", "select nope from articles", "-w", str(ingested))
    assert result.returncode != 0 and "Binder Error" in result.stderr
    assert "Traceback" not in result.stderr


def test_sql_cannot_write(ingested: Path) -> None:
    result = run("sql", "delete from articles", "-w", str(ingested))
    assert result.returncode != 0 and "read-only" in result.stderr.lower()
    assert run(
        "sql", "select count(*) from articles", "-w", str(ingested), "-f", "csv"
    ).stdout.split() == ["count_star()", "5"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_warehouse_gives_one_sentence_as_user(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = run(
        "ingest", str(Path(__file__).parent.parent / "seeds"), "-w", str(locked / "x.duckdb")
    )
    assert result.returncode != 0
    assert result.stderr.strip() == f"depeche: warehouse {locked / 'x.duckdb'} is not writable"


def test_warehouse_that_is_not_a_database_gives_one_sentence(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.duckdb"
    bogus.write_text("these are my notes, not a database\n" * 100)
    seeds = str(Path(__file__).parent.parent / "seeds")
    result = run("ingest", seeds, "-w", str(bogus))
    assert result.returncode != 0
    assert result.stderr.startswith(f"depeche: cannot open warehouse {bogus}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert bogus.read_text().startswith("these are my notes")  # left untouched


def test_warehouse_path_that_is_a_directory_gives_one_sentence(tmp_path: Path) -> None:
    seeds = str(Path(__file__).parent.parent / "seeds")
    result = run("ingest", seeds, "-w", str(tmp_path))
    assert result.returncode != 0
    assert result.stderr.startswith(f"depeche: cannot open warehouse {tmp_path}")
    assert "Traceback" not in result.stderr


def test_warehouse_under_a_file_gives_one_sentence(tmp_path: Path) -> None:
    """Works as root too, where permission bits do not stop a write."""
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    seeds = str(Path(__file__).parent.parent / "seeds")
    result = run("ingest", seeds, "-w", str(blocker / "wh.duckdb"))
    assert result.returncode != 0
    assert result.stderr.startswith(f"depeche: cannot open warehouse {blocker / 'wh.duckdb'}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_url_to_a_private_address_is_refused_by_default(tmp_path: Path) -> None:
    from tests.webserver import Site

    site = Site().start()
    try:
        db = tmp_path / "web.duckdb"
        result = run("ingest", f"{site.base}/article/1.html", "-w", str(db))
    finally:
        site.stop()
    assert result.returncode == 0, result.stderr
    assert "1 x fetch: the address is private, loopback or reserved" in result.stdout
    assert site.hits["/article/1.html"] == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("select stage, reason from rejects").fetchall() == [
            ("fetch", "the address is private, loopback or reserved; not fetched by default")
        ]
    finally:
        con.close()


def test_sources_file(tmp_path: Path) -> None:
    from depeche.sources import read_sources_file

    (tmp_path / "in").mkdir()
    shutil.copy(
        Path(__file__).parent.parent / "seeds" / "004_4ea4bb0a10ff803b.txt", tmp_path / "in"
    )
    spec = tmp_path / "sources.toml"
    spec.write_text(
        '[[source]]\npath = "in"\nlanguage = "fr"\n\n'
        '[[source]]\nurl = "https://example.org/feed.xml"\nkind = "feed"\n'
    )
    assert read_sources_file(spec) == ([tmp_path / "in"], ["https://example.org/feed.xml"])
    bad = tmp_path / "bad.toml"
    bad.write_text('[[source]]\nkind = "feed"\n')
    result = run("ingest", "--sources", str(bad), "-w", str(tmp_path / "x.duckdb"))
    assert result.returncode != 0
    assert (
        result.stderr.strip()
        == f"depeche: sources file {bad}: source 1 needs exactly one of url or path"
    )


def test_full_text_search_with_french_stemming(ingested: Path) -> None:
    out = run(
        "sql", "select count(*) from search_paragraphs('soldat')", "-w", str(ingested), "-f", "csv"
    ).stdout
    assert out.split() == ["count_star()", "20"]  # "soldat" finds "soldats"
    top = run(
        "sql",
        "select text from search_paragraphs('soldats Koursk') limit 1",
        "-w",
        str(ingested),
        "-f",
        "json",
    ).stdout
    assert "Koursk" in top and "soldats" in top
