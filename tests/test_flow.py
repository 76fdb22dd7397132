"""The ingest flow under a real Prefect API, against real DuckDB files."""

from __future__ import annotations

import gzip
import logging
import shutil
from pathlib import Path

import pytest

from depeche.settings import load_settings
from tasks.load import build_search_index
from tests.helpers import query
from tests.test_search_index import search_state

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.usefixtures("prefect_harness")


def _ingest(sources: list[Path], warehouse: Path, **kw):  # type: ignore[no-untyped-def]
    from flows.ingest import ingest

    return ingest(load_settings(sources=sources, warehouse=warehouse, **kw))


def _snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every user-facing table's content, minus run bookkeeping columns."""
    return {
        "articles": query(
            db, "SELECT * EXCLUDE (run_id, ingested_at, first_seen) FROM articles ORDER BY 1"
        ),
        "paragraphs": query(db, "SELECT * FROM paragraphs ORDER BY ALL"),
        "boilerplate": query(db, "SELECT * FROM boilerplate ORDER BY ALL"),
        "entities": query(db, "SELECT * FROM entities ORDER BY ALL"),
        "mentions": query(db, "SELECT * FROM mentions ORDER BY ALL"),
    }


def test_seeds_end_to_end(seed_copy: Path, warehouse: Path) -> None:
    summary = _ingest([seed_copy], warehouse)
    assert (summary.status, summary.articles_new, summary.rejects) == ("completed", 5, 0)
    rows = query(
        warehouse, "SELECT source_uri, title, author, tags, language FROM articles ORDER BY 1"
    )
    assert [Path(r[0]).name for r in rows] == sorted(p.name for p in seed_copy.iterdir())
    assert all(r[1] and r[4] == "fr" for r in rows)
    assert rows[1][2:4] == ("Sara", ["Corée du Sud", "Russie", "Corée du Nord"])
    (paragraphs,) = query(warehouse, "SELECT count(*) FROM paragraphs")[0]
    assert paragraphs == summary.paragraphs == 54
    rules = dict(query(warehouse, "SELECT rule, count(*) FROM boilerplate GROUP BY rule"))
    assert rules == {
        "nav_crumb": 1,
        "duplicate_title": 2,
        "byline": 1,
        "tag_list": 1,
        "related_links": 1,
        "comments": 1,
        "title_teaser": 1,
        "stray_code": 1,
    }
    # Mentions point into the stored paragraph text.
    bad = query(
        warehouse,
        "SELECT count(*) FROM mentions m JOIN paragraphs p USING (article_id, position) "
        'WHERE substr(p.text, m.start + 1, m."end" - m.start) <> m.surface',
    )
    assert bad == [(0,)]
    people = {r[0] for r in query(warehouse, "SELECT name FROM entities WHERE label = 'PER'")}
    assert {"Shin Won-sik", "Cho Tae-yong", "Vladimir Poutine"} <= people
    (run,) = query(warehouse, "SELECT status, articles_new, paragraphs, flow_run_id FROM runs")
    assert run[:3] == ("completed", 5, 54) and run[3]
    (status,) = query(warehouse, "SELECT DISTINCT ner_status FROM articles")
    assert status == ("done",)


def test_rerun_is_idempotent_and_a_changed_source_replaces_its_rows(
    seed_copy: Path, warehouse: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _ingest([seed_copy], warehouse)
    first = _snapshot(warehouse)
    again = _ingest([seed_copy], warehouse)
    assert (again.articles_new, again.articles_updated, again.articles_unchanged) == (0, 0, 5)
    assert _snapshot(warehouse) == first

    target = seed_copy / "002_742c2e54956e4d5d.txt"
    lines = target.read_text("utf-8").splitlines()
    target.write_text("\n".join(lines[:5]) + "\n", "utf-8")  # title + two paragraphs
    with caplog.at_level(logging.INFO):
        changed = _ingest([seed_copy], warehouse)
    # The full-text index is updated for the changed article only, and answers as a full
    # build would.
    assert any(
        "full-text index updated: 1 article(s) out, 1 in, of 5" in r.getMessage()
        for r in caplog.records
    )
    full = warehouse.with_name("full.duckdb")
    shutil.copy(warehouse, full)
    assert build_search_index(full, full=True) == "built over 5 article(s)"
    assert search_state(warehouse) == search_state(full)
    assert (changed.articles_new, changed.articles_updated, changed.articles_unchanged) == (0, 1, 4)
    (article_id,) = query(
        warehouse, "SELECT article_id FROM articles WHERE source_uri = ?", [str(target)]
    )[0]
    assert query(
        warehouse, "SELECT count(*) FROM paragraphs WHERE article_id = ?", [article_id]
    ) == [(2,)]
    assert query(warehouse, "SELECT count(*) FROM articles") == [(5,)]
    # Nothing stale: no mention points at a paragraph that no longer exists.
    assert query(
        warehouse,
        "SELECT count(*) FROM mentions m ANTI JOIN paragraphs p USING (article_id, position)",
    ) == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM runs") == [(3,)]


def test_bad_inputs_become_rejects_and_the_run_goes_on(tmp_path: Path, warehouse: Path) -> None:
    src = tmp_path / "mixed"
    src.mkdir()
    shutil.copy(
        Path(__file__).parent.parent / "seeds" / "002_742c2e54956e4d5d.txt", src / "good.txt"
    )
    shutil.copy(FIXTURES / "article_fr.html", src / "good.html")
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (src / "cp1252.txt").write_bytes(
        (
            "Un accord signé à Genève\n\n" + "Les négociateurs ont conclu l’accord après des "
            "semaines d’échanges, a indiqué le ministère des Affaires étrangères à Genève. " * 3
        ).encode("cp1252")
    )
    shutil.copy(FIXTURES / "nav_only.html", src / "nav_only.html")
    html = (FIXTURES / "article_fr.html").read_bytes()
    (src / "truncated.html").write_bytes(html[: int(len(html) * 0.7)])
    (src / "huge.txt").write_bytes(b"mot " * 300_000)
    (src / "bomb.html.gz").write_bytes(gzip.compress(b"<p>" + b"a" * 3_000_000))

    summary = _ingest([src], warehouse, max_file_bytes=1_000_000)
    assert summary.status == "completed_with_rejects"
    articles = {Path(r[0]).name for r in query(warehouse, "SELECT source_uri FROM articles")}
    rejects = {
        Path(r[0]).name: r[1:]
        for r in query(warehouse, "SELECT source_uri, stage, reason FROM rejects")
    }
    assert articles == {"good.txt", "good.html", "cp1252.txt", "truncated.html"}
    assert rejects == {
        "empty.txt": ("read", "file is empty"),
        "binary.txt": ("read", "file is not text or HTML"),
        "nav_only.html": ("clean", "too little article text after cleaning"),
        "huge.txt": ("read", "file is over the size limit of 1000000 bytes"),
        "bomb.html.gz": ("read", "file is over the size limit of 1000000 bytes"),
    }
    # Every input is accounted for.
    assert len(articles) + len(rejects) == summary.sources == 9
    (text,) = query(warehouse, "SELECT text FROM articles WHERE source_uri LIKE '%cp1252.txt'")[0]
    assert "négociateurs ont conclu l’accord" in text
    assert query(warehouse, "SELECT status, rejects FROM runs") == [("completed_with_rejects", 5)]


def test_language_without_a_model_is_loaded_with_ner_skipped(
    tmp_path: Path, warehouse: Path
) -> None:
    src = tmp_path / "en.txt"
    src.write_text(
        "Floods hit the valley\n\n"
        + "Heavy rain caused the river to burst its banks on Tuesday night, forcing hundreds of "
        "residents to leave their homes, local officials said on Wednesday morning. " * 2,
        "utf-8",
    )
    _ingest([src], warehouse)
    assert query(warehouse, "SELECT language, ner_status FROM articles") == [
        ("en", "skipped: no NER model for language 'en'")
    ]
    assert query(warehouse, "SELECT count(*) FROM mentions") == [(0,)]


def test_run_publishes_summary_artifact(seed_copy: Path, warehouse: Path) -> None:
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    summary = _ingest([seed_copy], warehouse)

    async def read() -> list:
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    key=ArtifactFilterKey(any_=["depeche-ingest-summary"])
                )
            )

    artifacts = asyncio.run(read())
    mine = [a for a in artifacts if summary.run_id in (a.data or "")]
    assert mine, "no summary artifact for this run"
    assert "| articles new | 5 |" in mine[0].data


def test_the_run_records_its_settings_as_prefect_would(seed_copy: Path, warehouse: Path) -> None:
    """The settings a flow run records (depeche/parameters.py, without FastAPI) are the
    JSON Prefect's own conversion gives; other parameters take Prefect's own path."""
    import asyncio
    from uuid import UUID

    from fastapi.encoders import jsonable_encoder
    from prefect import Flow
    from prefect.client.orchestration import get_client

    from flows.ingest import ingest, regroup, reprocess

    settings = load_settings(sources=[seed_copy], warehouse=warehouse)
    ingest(settings)
    ((flow_run_id,),) = query(warehouse, "SELECT flow_run_id FROM runs")

    async def read():  # type: ignore[no-untyped-def]
        async with get_client() as client:
            return await client.read_flow_run(UUID(flow_run_id))

    recorded = asyncio.run(read()).parameters
    assert recorded == {"settings": jsonable_encoder(settings)}
    assert recorded["settings"]["sources"] == [str(seed_copy)]
    for flow in (ingest, reprocess, regroup):
        assert flow.serialize_parameters({"settings": settings}) == Flow.serialize_parameters(
            flow, {"settings": settings}
        )
        plain = {"settings": {"warehouse": str(warehouse)}, "n": 3}
        assert flow.serialize_parameters(plain) == Flow.serialize_parameters(flow, plain)


def _corpus(folder: Path, copies: int) -> Path:
    """Seeds and the HTML fixture, each copied with a varying first paragraph."""
    folder.mkdir()
    seeds = sorted((Path(__file__).parent.parent / "seeds").glob("*.txt"))
    html = (FIXTURES / "article_fr.html").read_text("utf-8")
    for n in range(copies):
        for seed in seeds:
            lines = seed.read_text("utf-8").split("\n")
            lines.insert(2, f"Variante {n} de la dépêche, publiée pour le test numéro {n}.\n")
            (folder / f"{n:03d}-{seed.name}").write_text("\n".join(lines), "utf-8")
        (folder / f"{n:03d}-page.html").write_text(
            html.replace("<p>Trois jours", f"<p>Variante {n}. Trois jours"), "utf-8"
        )
    return folder


def test_worker_processes_give_the_same_warehouse_as_one_process(tmp_path: Path) -> None:
    # 72 files, more than a run does in its own process, in batches of 10: every batch
    # goes through the worker pool (several chunks each).
    corpus = _corpus(tmp_path / "corpus", copies=12)
    one, two = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    cache = tmp_path / "cache"
    s1 = _ingest([corpus], one, workers=1, batch_size=10)
    s2 = _ingest([corpus], two, workers=2, batch_size=10, cache_dir=cache)
    assert (s1.articles_new, s2.articles_new, s2.rejects) == (72, 72, 0)
    assert _snapshot(one) == _snapshot(two)
    # The workers (fresh processes) compiled the tokenizer's large pattern into the
    # settings' cache folder, for the next run's workers (tasks/pattern_cache.py).
    assert [p.suffix for p in cache.glob("*.sre")] == [".sre"]


def test_the_flow_process_leaves_extraction_and_ner_to_the_workers() -> None:
    # The flow's process validates, loads and groups; importing the extraction stage,
    # spaCy or the HTTP stack there would cost every run (an unchanged rerun included)
    # for nothing.
    import subprocess
    import sys

    heavy = (
        "trafilatura",
        "htmldate",
        "justext",
        "spacy",
        "tasks.extract",
        "tasks.clean",
        "courlan",  # URL runs only
        "charset_normalizer",  # undeclared encodings only, in the workers
    )
    code = (
        "import sys, flows.ingest, tasks.group, tasks.validate; "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_an_unchanged_rerun_imports_neither_pandas_pyarrow_nor_numpy(
    seed_copy: Path, warehouse: Path
) -> None:
    # DuckDB imports pandas (and with it pyarrow and numpy) to bind any parameter value or
    # register an Arrow table, and grouping's hashing needs numpy: 0.3 s of the 2.2 s an
    # unchanged rerun of 2,005 files took, for nothing. The rerun runs as a user runs it,
    # in its own process, against this session's API.
    import os
    import subprocess
    import sys

    from prefect.settings import PREFECT_API_URL

    _ingest([seed_copy], warehouse)
    heavy = ("pandas", "pyarrow", "numpy")
    code = (
        "import atexit, sys; "
        f"atexit.register(lambda: print([m for m in {heavy!r} if m in sys.modules])); "
        "sys.argv[0] = 'depeche'; from depeche.cli import main; main()"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, "ingest", str(seed_copy), "--warehouse", str(warehouse)],
        env={**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "sources unchanged   5" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_touched_but_unchanged_file_is_not_reloaded(seed_copy: Path, warehouse: Path) -> None:
    import os

    _ingest([seed_copy], warehouse)
    before = _snapshot(warehouse)
    target = seed_copy / "000_8c78461b93641d49.txt"
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
    again = _ingest([seed_copy], warehouse)
    assert (again.articles_new, again.articles_updated, again.articles_unchanged) == (0, 0, 5)
    assert _snapshot(warehouse) == before


def test_unchanged_rejected_file_is_not_processed_again(tmp_path: Path, warehouse: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    shutil.copy(Path(__file__).parent.parent / "seeds" / "002_742c2e54956e4d5d.txt", src / "ok.txt")
    first = _ingest([src], warehouse)
    assert (first.articles_new, first.rejects) == (1, 1)
    again = _ingest([src], warehouse)
    assert (again.articles_new, again.rejects, again.articles_unchanged) == (0, 0, 2)
    assert query(warehouse, "SELECT count(*) FROM rejects") == [(1,)]
    (src / "empty.txt").write_text(
        "Un titre enfin écrit\n\n" + "Le texte de l'article est maintenant complet et long. " * 6,
        "utf-8",
    )
    fixed = _ingest([src], warehouse)
    assert (fixed.articles_new, fixed.rejects, fixed.articles_unchanged) == (1, 0, 1)
    assert query(warehouse, "SELECT outcome, count(*) FROM sources GROUP BY 1") == [("article", 2)]


def test_seed_entities_aliases_and_figures_in_the_warehouse(
    seed_copy: Path, warehouse: Path
) -> None:
    from tests.test_entities import GOLDEN

    _ingest([seed_copy], warehouse)
    assert set(query(warehouse, "SELECT label, name FROM entities")) == GOLDEN
    aliases = dict(
        query(
            warehouse,
            "SELECT alias, e.name FROM entity_aliases a JOIN entities e USING (entity_id) "
            "WHERE a.method IN ('short_form', 'honorific_short_form', 'acronym', 'gazetteer_typo')",
        )
    )
    assert aliases == {
        "Shin": "Shin Won-sik",
        "M. Cho": "Cho Tae-yong",
        "M. Poutine": "Vladimir Poutine",
        "M. Park": "Park Sunwon",
        "NIS": "Service national de renseignement",
        "Pyonyang": "Pyongyang",
    }
    (kyiv,) = query(
        warehouse, "SELECT country_code, round(latitude) FROM entities WHERE name = 'Kiev'"
    )
    assert kyiv == ("UA", 50.0)
    figures = dict(
        query(
            warehouse,
            "SELECT regexp_extract(source, '(\\d{3})_', 1), figures FROM figures_by_source "
            "WHERE unit_key = 'soldat'",
        )
    )
    assert figures == {
        "000": [10000.0],
        "001": [10000.0],
        "002": [1500.0, 10000.0],
        "003": [10000.0],
        "004": [11000.0],
    }


def test_a_run_that_cannot_finish_is_recorded_as_failed(seed_copy: Path, warehouse: Path) -> None:
    from depeche.errors import ModelMissing

    with pytest.raises(ModelMissing, match="spaCy model xx_no_such_model is not installed"):
        _ingest([seed_copy], warehouse, spacy_model="xx_no_such_model")
    assert query(warehouse, "SELECT status, finished_at IS NOT NULL FROM runs") == [
        ("failed", True)
    ]


def test_ingest_groups_the_seeds_syndicated_paragraphs(seed_copy: Path, warehouse: Path) -> None:
    _ingest([seed_copy], warehouse)
    pair = query(
        warehouse,
        "SELECT count(DISTINCT c.cluster_id) FROM paragraph_clusters c "
        "JOIN paragraphs p USING (article_id, position) "
        "WHERE p.text LIKE 'L’agence de renseignement%13 000 conteneurs%'",
    )
    assert pair == [(1,)]
    assert query(warehouse, "SELECT count(*) FROM paragraph_clusters WHERE is_origin") == [(3,)]


def test_a_removed_line_of_invisible_characters_keeps_its_audit_row(
    seed_copy: Path, warehouse: Path
) -> None:
    seed = seed_copy / "001_ab8cf38a567ce122.txt"
    lines = seed.read_text("utf-8").splitlines()
    lines.insert(4, "\u200b\u200b")  # zero-width spaces, as pasted text sometimes carries
    seed.write_text("\n".join(lines), "utf-8")
    summary = _ingest([seed_copy], warehouse)
    assert (summary.articles_new, summary.rejects) == (5, 0)
    assert query(warehouse, "SELECT rule FROM boilerplate WHERE text = 'U+200B U+200B'") == [
        ("stray_code",)
    ]


def test_a_flow_run_ends_with_its_work_and_keeps_its_heartbeat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Prefect's heartbeat thread slept in one-second steps and was joined when the flow
    ended, so every run (an unchanged rerun too) waited up to a second after its work.
    depeche/heartbeat.py keeps the heartbeats and drops the wait."""
    import threading
    import time

    from prefect import flow
    from prefect.flow_engine import FlowRunEngine

    from depeche import heartbeat

    assert heartbeat.install()  # written for this Prefect's heartbeat; else Prefect's own
    beats: list[threading.Thread] = []
    emit = FlowRunEngine._emit_flow_run_heartbeat

    def recorded(engine, *args):  # type: ignore[no-untyped-def]
        emitted = emit(engine, *args)
        beats.append(threading.current_thread())
        return emitted

    monkeypatch.setattr(FlowRunEngine, "_emit_flow_run_heartbeat", recorded)
    ended: list[float] = []

    @flow(name="quick")
    def quick() -> None:
        deadline = time.monotonic() + 30
        while not beats and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # the first beat is out, its thread waiting for the next
        ended.append(time.monotonic())

    quick()
    after = time.monotonic() - ended[0]
    assert beats and beats[0] is not threading.current_thread()  # it still beats
    assert not beats[0].is_alive()  # and the beating thread is gone with the run
    # Prefect's own loop is joined at its next whole second, most of a second after this
    # flow's work (0.83 s measured); here what is left is sending the final state (0.02 s).
    assert after < 0.5, after


def test_heartbeats_keep_their_interval_and_stop_with_the_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """depeche/heartbeat.py beats at the engine's interval while the run lasts, then stops
    at once: none after the run, and no wait for the next one."""
    import itertools
    import threading
    import time
    from types import SimpleNamespace

    from prefect import flow_engine

    from depeche.heartbeat import send_heartbeats

    monkeypatch.setattr(flow_engine, "MINIMUM_HEARTBEAT_INTERVAL", 0)
    beats: list[float] = []
    engine = SimpleNamespace(  # Prefect's engine, as the heartbeat uses it
        heartbeat_seconds=0.2,
        flow_run=None,
        logger=SimpleNamespace(debug=lambda *a, **k: None),
        _build_heartbeat_event_template=lambda: ({}, []),
        _emit_flow_run_heartbeat=lambda resource, related: beats.append(time.monotonic()),
    )
    threads = set(threading.enumerate())
    with send_heartbeats(engine):
        time.sleep(1.0)
        left = time.monotonic()
    stopped = time.monotonic() - left
    count = len(beats)
    time.sleep(0.2)
    assert count >= 3  # one at the start, then one every 0.2 s (fewer on a busy machine)
    assert all(b >= a + 0.19 for a, b in itertools.pairwise(beats))  # and never faster
    assert len(beats) == count  # none after the run
    assert stopped < 0.1  # under half an interval: the thread did not sleep it out
    assert set(threading.enumerate()) == threads
