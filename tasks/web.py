"""The Prefect tasks of the web sources: expand feeds and sitemaps, skip what is archived,
fetch batches. The fetching itself is in ``tasks/fetch.py``."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NONE

from depeche.errors import WarehouseLocked
from depeche.settings import Settings
from tasks.documents import Reject, article_id_for
from tasks.fetch import Fetched, FetchResult, canonical_url, expand, fetch_all, fetcher_for
from tasks.load import WAREHOUSE_TIMEOUT, known_sources, known_urls

#: Expanding feeds and sitemaps is bounded per request by the fetcher's own timeouts and
#: retries; this bounds the whole, for a source list that keeps a run waiting too long.
EXPAND_TIMEOUT = 1800


@task(name="expand_sources", cache_policy=NONE, timeout_seconds=EXPAND_TIMEOUT)
def expand_sources(settings: Settings) -> tuple[list[str], dict[str, Fetched], list[Reject]]:
    """Turn the configured URLs into article URLs (feeds and sitemaps give their links)."""
    logger = get_run_logger()
    fetcher = fetcher_for(settings.fetch_settings())
    urls, prefetched, rejects = expand(fetcher, settings.urls, settings.max_urls_per_feed)
    logger.info(
        "%d source URL(s) (first: %s) give %d article URL(s); %d failed",
        len(settings.urls),
        settings.urls[0] if settings.urls else "-",
        len(urls),
        len(rejects),
    )
    return urls, prefetched, rejects


@task(
    name="skip_fetched",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=2,
    timeout_seconds=WAREHOUSE_TIMEOUT,
)
def skip_fetched(
    urls: list[str], warehouse: Path, refresh: bool
) -> tuple[list[str], int, dict[str, tuple[str | None, str | None]], dict[str, str]]:
    """Drop URLs already archived, unless refreshing (then fetch them conditionally).

    Returns the URLs to fetch, how many were skipped, what a conditional GET sends for each
    archived URL, and the raw hashes loaded before (a page fetched again with the same
    bytes is unchanged).
    """
    canonical = [canonical_url(u) for u in urls]
    try:
        known = known_urls(warehouse, canonical)
        sources = known_sources(warehouse, [article_id_for(c) for c in canonical])
    except WarehouseLocked as exc:
        get_run_logger().warning(
            "%s: locked by %s; cannot tell archived URLs, all %d are fetched",
            warehouse,
            exc.holder,
            len(urls),
        )
        known, sources = {}, {}
    hashes = {article_id: entry[0] for article_id, entry in sources.items()}
    if refresh:
        return urls, 0, known, hashes
    todo = [u for u in urls if canonical_url(u) not in known]
    if len(todo) < len(urls):
        get_run_logger().info(
            "%d URL(s) already archived, not fetched again (use --refresh)", len(urls) - len(todo)
        )
    return todo, len(urls) - len(todo), known, hashes


@task(name="fetch", cache_policy=NONE)
def fetch_batch(
    urls: list[str],
    settings: Settings,
    conditional: dict[str, tuple[str | None, str | None]],
    prefetched: dict[str, Fetched],
) -> FetchResult:
    """Fetch a batch of article URLs; failures become rejects with stage ``fetch``."""
    logger = get_run_logger()
    ready = [prefetched[canonical_url(u)] for u in urls if canonical_url(u) in prefetched]
    todo = [u for u in urls if canonical_url(u) not in prefetched]
    result = fetch_all(
        fetcher_for(settings.fetch_settings()), todo, conditional, settings.fetch_concurrency
    )
    result.fetched = ready + result.fetched
    for reject in result.rejects:
        logger.warning(
            "%s: rejected at fetch: %s %s", reject.source_uri, reject.reason, reject.detail
        )
    return result


@task(
    name="archived_urls",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=2,
    timeout_seconds=WAREHOUSE_TIMEOUT,
)
def archived_urls(warehouse: Path) -> list[str]:
    """Every URL whose response body is archived."""
    from tasks.load import connect, sql, statements

    with connect(warehouse) as con:
        return [r[0] for r in con.execute(statements(sql("select_archived_urls"))[0]).fetchall()]


@task(
    name="read_archive",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=2,
    timeout_seconds=WAREHOUSE_TIMEOUT,
)
def read_archive(warehouse: Path, urls: list[str]) -> FetchResult:
    """Archived responses as if just fetched: reprocessing needs no network."""
    import gzip
    import json

    from tasks.load import connect, run_script

    with connect(warehouse) as con:
        rows = run_script(con, "select_archived", {"urls": urls}).fetchall()
    return FetchResult(
        fetched=[
            Fetched(url, final_url, status, json.loads(headers), gzip.decompress(body), 0, at)
            for url, final_url, status, headers, at, body in rows
        ]
    )
