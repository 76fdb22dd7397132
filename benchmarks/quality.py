"""Extraction quality against public benchmarks nobody here wrote (``../shared/bench``).

Each dataset is scored with its own metric, as its README describes:

- scrapinghub-aeb: multisets of 4-token shingles, per-page precision and recall averaged;
- trafilatura-eval: "with"/"without" snippets found in the output, counts summed (micro);
- fundus-pages: body with the AEB metric; title, author and date as exact matches.

Systems: bare trafilatura (default and ``favor_precision``) and our extract-and-clean
path, on the same pages in the same run.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

BENCH = Path(
    os.environ.get("DEPECHE_BENCH", Path(__file__).resolve().parents[2] / "shared" / "bench")
)
PINS = Path(__file__).with_name("quality_pins.json")

# --- systems ---------------------------------------------------------------------------


@dataclass
class Output:
    """What a system made of a page."""

    text: str
    title: str | None = None
    author: str | None = None
    date: str | None = None


def bare(html: bytes, *, favor_precision: bool = False) -> Output:
    """Bare trafilatura with the benchmarks' canonical options."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_formatting=False,
        favor_precision=favor_precision,
    )
    if doc is None:
        return Output("")
    return Output(doc.text or "", doc.title, doc.author, doc.date)


def bare_default(html: bytes) -> Output:
    return bare(html)


def bare_precision(html: bytes) -> Output:
    return bare(html, favor_precision=True)


def ours(html: bytes) -> Output:
    """Our read (decode) → extract → clean → normalise → segment path."""
    from tasks.clean import clean_document
    from tasks.documents import Reject
    from tasks.extract import extract_document
    from tasks.normalise import normalise_document
    from tasks.read import document_from_bytes
    from tasks.segment import segment_document

    doc = document_from_bytes(html, "bench", "bench:page", name="page.html")
    if isinstance(doc, Reject):
        return Output("")
    doc.fmt = "html"
    extracted = extract_document(doc)
    if isinstance(extracted, Reject):
        return Output("")
    done = segment_document(normalise_document(clean_document(extracted)))
    published = done.published.isoformat() if done.published else None
    return Output(done.body_text, done.title, done.author, published)


SYSTEMS: dict[str, Callable[[bytes], Output]] = {
    "trafilatura": bare_default,
    "trafilatura precision": bare_precision,
    "depeche": ours,
}

# --- datasets ------------------------------------------------------------------------


@cache
def aeb_pages() -> list[tuple[str, Path, str]]:
    """(id, html path, articleBody) for the scrapinghub dev half."""
    root = BENCH / "scrapinghub-aeb"
    truth = json.loads((root / "ground-truth.dev.json").read_text("utf-8"))
    return [(k, root / "html" / f"{k}.html.gz", v["articleBody"]) for k, v in sorted(truth.items())]


@cache
def trafeval_docs() -> list[tuple[str, Path, list[str], list[str], str]]:
    """(url, html path, with, without, language guess) for the trafilatura dev half."""
    root = BENCH / "trafilatura-eval"
    data = json.loads((root / "evaldata.dev.json").read_text("utf-8"))
    langs = json.loads((root / "lang_guess.dev.json").read_text("utf-8"))
    out = []
    for url, item in sorted(data.items()):
        lang = langs.get(url) or langs.get(item["file"]) or "?"
        out.append((url, root / "html" / f"{item['file']}.gz", item["with"], item["without"], lang))
    return out


@cache
def fundus_pages() -> list[tuple[str, Path, dict[str, Any]]]:
    """(key, html path, truth) for the fundus dev half."""
    root = BENCH / "fundus-pages"
    truth = json.loads((root / "truth.dev.json").read_text("utf-8"))
    return [(k, root / "html" / f"{k}.html.gz", v) for k, v in sorted(truth.items())]


def _html(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes())


# --- metrics -------------------------------------------------------------------------


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text)
    return Counter(tuple(tokens[i : i + n]) for i in range(max(len(tokens) - n + 1, 0)))


def shingle_scores(truth: str, pred: str) -> tuple[float, float]:
    """Per-page (precision, recall) of the scrapinghub metric."""
    t, p = _shingles(truth), _shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    if fp == 0 and fn == 0:
        return 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def snippet_counts(output: str, with_: list[str], without: list[str]) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) of the trafilatura-eval metric for one document."""
    out = _ws(output)
    tp = sum(1 for s in with_ if _ws(s) in out)
    fp = sum(1 for s in without if _ws(s) in out)
    return tp, fp, len(with_) - tp, len(without) - fp


# Apostrophe look-alikes: right and left single quotes, modifier letter, reversed, prime,
# grave and acute accents used as apostrophes.
_APOSTROPHES = str.maketrans(dict.fromkeys("’‘ʼ‛′`´", "'"))


def fold(text: str | None) -> str:
    """Unicode folding for metadata comparisons: accents, case, whitespace, apostrophes."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


def title_ok(truth: str, ours_: str | None) -> bool:
    return fold(truth) == fold(ours_)


def author_ok(truth: list[str], ours_: str | None) -> bool:
    mine = fold(ours_)
    return bool(mine) and any(fold(a) in mine for a in truth)


def date_ok(truth: str, ours_: str | None) -> bool:
    return bool(ours_) and ours_[:10] == truth[:10]


# --- scoring -------------------------------------------------------------------------


def _run(system: str, path: Path) -> Output:
    try:
        return SYSTEMS[system](_html(path))
    except Exception:  # a crash counts as an empty output, as upstream scores it
        return Output("")


def _map(system: str, paths: list[Path], workers: int) -> list[Output]:
    if workers <= 1:
        return [_run(system, p) for p in paths]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_run, [system] * len(paths), paths, chunksize=4))


@dataclass
class Score:
    dataset: str
    system: str
    subset: str
    precision: float
    recall: float
    f1: float
    pages: int


def score_aeb(system: str, workers: int = 2) -> Score:
    pages = aeb_pages()
    outputs = _map(system, [p for _, p, _ in pages], workers)
    pr = [shingle_scores(t, o.text) for (_, _, t), o in zip(pages, outputs, strict=True)]
    p = sum(x for x, _ in pr) / len(pr)
    r = sum(y for _, y in pr) / len(pr)
    return Score("scrapinghub-aeb", system, "all", p, r, f1(p, r), len(pages))


def score_trafeval(system: str, workers: int = 2) -> list[Score]:
    docs = trafeval_docs()
    outputs = _map(system, [d[1] for d in docs], workers)
    scores = []
    for subset, keep in (("all", lambda lang: True), ("fr", lambda lang: lang == "fr")):
        tp = fp = fn = 0
        n = 0
        for doc, out in zip(docs, outputs, strict=True):
            if not keep(doc[4]):
                continue
            a, b, c, _ = snippet_counts(out.text, doc[2], doc[3])
            tp, fp, fn, n = tp + a, fp + b, fn + c, n + 1
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
        scores.append(Score("trafilatura-eval", system, subset, p, r, f, n))
    return scores


@dataclass
class MetaScore:
    system: str
    subset: str
    title: float
    author: float
    date: float
    body_f1: float
    pages: int
    misses: dict[str, list[str]]


def score_fundus(system: str, workers: int = 2) -> list[MetaScore]:
    pages = fundus_pages()
    outputs = _map(system, [p for _, p, _ in pages], workers)
    scores = []
    for subset, keep in (("all", lambda c: True), ("fr", lambda c: c == "fr")):
        rows = [
            (k, t, o) for (k, _, t), o in zip(pages, outputs, strict=True) if keep(t["country"])
        ]
        if not rows:
            continue
        n = len(rows)
        misses: dict[str, list[str]] = {"title": [], "author": [], "date": []}
        for key, truth, out in rows:
            if not title_ok(truth["title"], out.title):
                misses["title"].append(key)
            if not author_ok(truth["authors"], out.author):
                misses["author"].append(key)
            if not date_ok(truth["publishing_date"], out.date):
                misses["date"].append(key)
        pr = [shingle_scores(t["body"], o.text) for _, t, o in rows]
        p = sum(x for x, _ in pr) / n
        r = sum(y for _, y in pr) / n
        scores.append(
            MetaScore(
                system,
                subset,
                1 - len(misses["title"]) / n,
                1 - len(misses["author"]) / n,
                1 - len(misses["date"]) / n,
                f1(p, r),
                n,
                misses,
            )
        )
    return scores


def body_table(systems: Iterable[str], workers: int = 2) -> list[Score]:
    rows: list[Score] = []
    for system in systems:
        rows.append(score_aeb(system, workers))
        rows += score_trafeval(system, workers)
    return rows
