"""The ingest flow on web sources served by a real local HTTP server: what a user sees in
the warehouse for feeds, sitemaps, articles and misbehaving endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from depeche.settings import load_settings
from tests.helpers import query
from tests.webserver import Site

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    s = Site().start()
    yield s
    s.stop()


def _ingest(urls: list[str], warehouse: Path, **kw):  # type: ignore[no-untyped-def]
    from flows.ingest import ingest

    settings = load_settings(
        sources=[],
        urls=urls,
        warehouse=warehouse,
        allow_private_addresses=True,
        fetch_host_delay=0,
        fetch_read_timeout=1,
        fetch_retries=1,
        max_file_bytes=2_000_000,
        **kw,
    )
    return ingest(settings)


def test_web_sources_end_to_end(site: Site, warehouse: Path) -> None:
    b = site.base
    bad = ["/404", "/410", "/500", "/slow", "/loop", "/endless", "/bomb", "/pdf", "/private/x.html"]
    good = [
        "/feed.xml",
        "/sitemap_index.xml",
        "/article/6.html",
        "/moved",
        "/cp1252",
        "/503",
        "/429",
    ]
    summary = _ingest([b + p for p in good + bad], warehouse)
    articles = {r[0] for r in query(warehouse, "SELECT source_uri FROM articles")}
    assert articles == {f"{b}/article/{i}.html" for i in (1, 2, 3, 4, 5, 6)} | {
        f"{b}/moved",
        f"{b}/cp1252",
        f"{b}/503",
        f"{b}/429",
    }
    rejects = dict(query(warehouse, "SELECT source_uri, reason FROM rejects WHERE stage = 'fetch'"))
    assert rejects == {
        f"{b}/404": "HTTP 404",
        f"{b}/410": "HTTP 410",
        f"{b}/500": "HTTP 500",
        f"{b}/slow": "timed out",
        f"{b}/loop": "redirect loop",
        f"{b}/endless": "response is over the size limit of 2000000 bytes",
        f"{b}/bomb": "response is over the size limit of 2000000 bytes",
        f"{b}/pdf": "not an HTML page",
        f"{b}/private/x.html": "disallowed by robots.txt",
    }
    # Every input is accounted for, and the run says so by reason.
    assert summary.sources == len(articles) + len(rejects)
    assert summary.reject_reasons["fetch: HTTP 404"] == 1
    (detail,) = query(warehouse, "SELECT detail FROM rejects WHERE source_uri = ?", [f"{b}/500"])[0]
    assert "(tries: 2)" in detail
    # The wrong charset header did not garble the text; the redirect kept its final URL.
    (text,) = query(warehouse, "SELECT text FROM articles WHERE source_uri = ?", [f"{b}/cp1252"])[0]
    assert "Trois jours après les pluies torrentielles" in text
    (url,) = query(warehouse, "SELECT url FROM articles WHERE source_uri = ?", [f"{b}/moved"])[0]
    assert url.endswith("/article/7.html") or "courrier-du-sud" in url
    # Raw responses are archived.
    assert query(warehouse, "SELECT count(*) FROM raw_documents WHERE status = 200") == [(10,)]

    hits = site.hits["/article/1.html"]
    again = _ingest([b + "/feed.xml"], warehouse)
    assert (again.articles_new, again.articles_unchanged) == (0, 3)
    assert site.hits["/article/1.html"] == hits  # archived: not fetched again


def test_refresh_uses_conditional_get(site: Site, warehouse: Path) -> None:
    url = f"{site.base}/etag"
    first = _ingest([url], warehouse)
    assert first.articles_new == 1
    refreshed = _ingest([url], warehouse, refresh=True)
    assert (refreshed.articles_new, refreshed.articles_updated, refreshed.articles_unchanged) == (
        0,
        0,
        1,
    )
    assert query(warehouse, "SELECT status FROM raw_documents WHERE url LIKE '%/etag'") == [(200,)]


def test_reprocess_reextracts_from_the_archive_without_the_network(warehouse: Path) -> None:
    from flows.ingest import reprocess

    own = Site().start()
    try:
        first = _ingest([f"{own.base}/feed.xml"], warehouse)
    finally:
        own.stop()  # no network from here on
    assert first.articles_new == 3
    before = query(warehouse, "SELECT article_id, text FROM articles ORDER BY 1")
    again = reprocess(load_settings(warehouse=warehouse))
    assert (again.sources, again.articles_updated, again.rejects) == (3, 3, 0)
    assert query(warehouse, "SELECT article_id, text FROM articles ORDER BY 1") == before
