"""Extract-stage speed: our ``extract_document`` against bare ``trafilatura.extract``.

One process, every HTML page of ../shared/bench, the two timed page by page in turn (so
that noise from a shared machine falls on both alike). Prints median and mean ms/page for
each and their ratio, then where our time goes, part by part (the parts of
``tasks.extract.extract_html``, timed one after another on the same pages).

Run: `python -m benchmarks.extract_speed` (see --help). ``--profile`` adds the functions
that cost most under cProfile; ``--dump FILE`` writes every page's extracted fields as
JSON, to compare two versions of the code (``--compare FILE``).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trafilatura
from htmldate import find_date
from trafilatura import metadata as tmeta
from trafilatura.utils import load_html

from benchmarks.quality import BENCH
from benchmarks.throughput import bench_pages
from tasks.documents import Document, Reject
from tasks.extract import (
    SHORTCUTS,
    _blocks_from_body,
    byline_author,
    extract_document,
    squash,
    tag_links,
)
from tasks.metadata import choose_authors, choose_title, headings, stated_metadata
from tasks.read import document_from_bytes


def _doc(page: bytes) -> Document:
    """The page as the read stage hands it to extract (decoded, not timed)."""
    doc = document_from_bytes(page, "bench", "bench:page", name="page.html")
    assert isinstance(doc, Document)
    doc.fmt = "html"
    return doc


def fields(result: Document | Reject) -> dict[str, Any]:
    """Everything the extract stage decides about a page, as JSON values."""
    if isinstance(result, Reject):
        return {"reject": [result.reason, result.detail]}
    return {
        "blocks": [[b.position, b.text, b.kind] for b in result.blocks],
        "title": result.title,
        "title_source": result.title_source,
        "author": result.author,
        "published": result.published.isoformat() if result.published else None,
        "sitename": result.sitename,
        "url": result.url,
        "tags": result.tags,
        "categories": result.categories,
    }


def time_pages(
    pages: list[bytes], repeat: int
) -> tuple[list[float], list[float], list[dict[str, Any]]]:
    """Per page, the best of ``repeat`` timings (ms) of bare and ours; our fields."""
    docs = [_doc(p) for p in pages]
    bare_ms, ours_ms, out = [], [], []
    clock = time.perf_counter
    for page, doc in zip(pages, docs, strict=True):
        best_bare = best_ours = float("inf")
        result: Document | Reject | None = None
        for _ in range(repeat):
            t0 = clock()
            trafilatura.extract(page)
            t1 = clock()
            fresh = Document(doc.source_uri, doc.location, fmt="html", text=doc.text)
            result = extract_document(fresh)
            t2 = clock()
            best_bare, best_ours = min(best_bare, t1 - t0), min(best_ours, t2 - t1)
        bare_ms.append(best_bare * 1000)
        ours_ms.append(best_ours * 1000)
        assert result is not None
        out.append(fields(result))
    return bare_ms, ours_ms, out


def parts(pages: list[bytes]) -> dict[str, list[float]]:
    """ms per page of each part of ``extract_html``, in its order."""
    spent: dict[str, list[float]] = defaultdict(list)
    clock = time.perf_counter

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        t0 = clock()
        value = fn()
        spent[name].append((clock() - t0) * 1000)
        return value

    for page in pages:
        text = _doc(page).text
        tree = timed("load_html", lambda text=text: load_html(text))
        if tree is None:
            continue
        stated = timed("stated_metadata", lambda tree=tree: stated_metadata(tree))
        h1, after_crumb = timed("headings", lambda tree=tree: headings(tree))
        shortcut = SHORTCUTS.set(True)  # as inside extract_html
        result = timed(
            "bare_extraction",
            lambda tree=tree: trafilatura.bare_extraction(
                tree, include_comments=False, include_tables=True, with_metadata=False
            ),
        )
        SHORTCUTS.reset(shortcut)
        if result is None or result.body is None or not squash(result.text or ""):
            continue
        timed("blocks", lambda body=result.body: _blocks_from_body(body))
        sitename = timed(
            "sitename",
            lambda tree=tree, stated=stated: stated.sitename or tmeta.extract_sitename(tree),
        )

        def title(tree=tree, stated=stated, h1=h1, after=after_crumb) -> Any:  # type: ignore[no-untyped-def]
            fallback = None if stated.titles or h1 else tmeta.extract_title(tree)
            return choose_title(stated, h1, fallback, after)

        timed("title", title)
        timed(
            "authors",
            lambda tree=tree, stated=stated: choose_authors(
                stated, tree, lambda: squash(byline_author(tree) or "")
            ),
        )
        if stated.published is None:
            timed("find_date", lambda tree=tree: find_date(tree, extensive_search=False))
        else:
            spent["find_date"].append(0.0)
        if not stated.tags:
            timed("tag_links", lambda tree=tree: tag_links(tree))
        else:
            spent["tag_links"].append(0.0)
        del sitename
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="timings per page; best is kept")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages (0: all)")
    parser.add_argument("--every", type=int, default=1, help="every Nth page only")
    parser.add_argument("--profile", action="store_true", help="cProfile our path, top 30")
    parser.add_argument("--dump", type=Path, help="write every page's extracted fields here")
    parser.add_argument("--compare", type=Path, help="check the fields against such a dump")
    args = parser.parse_args()
    if not BENCH.is_dir():
        raise SystemExit(f"benchmark data not found at {BENCH} (set DEPECHE_BENCH)")
    pages = bench_pages()[:: args.every]
    if args.limit:
        pages = pages[: args.limit]
    for page in pages[:5]:  # warm-up: imports, compiled XPath, justext stoplists
        trafilatura.extract(page)
        extract_document(_doc(page))

    bare_ms, ours_ms, out = time_pages(pages, args.repeat)
    n = len(pages)
    print(f"{n} pages, best of {args.repeat}, one process\n")
    print(f"{'':24} {'median':>8} {'mean':>8}   ms/page")
    print(f"{'trafilatura.extract':24} {statistics.median(bare_ms):8.2f} {sum(bare_ms) / n:8.2f}")
    print(f"{'depeche extract':24} {statistics.median(ours_ms):8.2f} {sum(ours_ms) / n:8.2f}")
    ratio_median = statistics.median(ours_ms) / statistics.median(bare_ms)
    ratio_total = sum(ours_ms) / sum(bare_ms)
    print(f"{'ratio ours / bare':24} {ratio_median:8.3f} {ratio_total:8.3f}")

    print("\nParts of extract_html (timed separately, same pages)\n")
    spent = parts(pages)
    for name, values in spent.items():
        print(
            f"{name:24} median {statistics.median(values):7.2f}  mean {sum(values) / n:7.2f}"
            f"  ({sum(1 for v in values if v > 0)} pages)"
        )

    if args.profile:
        docs = [_doc(p) for p in pages]
        profiler = cProfile.Profile()
        profiler.enable()
        for doc in docs:
            extract_document(doc)
        profiler.disable()
        print()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    if args.dump:
        args.dump.write_text(json.dumps(out, ensure_ascii=False, indent=0), "utf-8")
        print(f"\nfields of {n} pages written to {args.dump}")
    if args.compare:
        before = json.loads(args.compare.read_text("utf-8"))
        differ = [i for i, (a, b) in enumerate(zip(before, out, strict=True)) if a != b]
        print(f"\n{len(differ)} of {n} pages differ from {args.compare}: {differ[:20]}")
        if differ:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
