"""NER evaluation on French newspaper text annotated by others (HIPE-2022 NewsEye, in
../shared/bench/newseye-fr): raw spaCy against our entity stage, same model, same text,
same run. Strict spans: a hit needs the same boundaries and label.

Run: `python -m benchmarks.ner` (or `make bench`). Also prints entity-stage throughput
in words per second against bare `nlp.pipe`.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from benchmarks.quality import BENCH

LABELS = {"pers": "PER", "per": "PER", "loc": "LOC", "org": "ORG"}
EVALUATED = ("PER", "LOC", "ORG")


@dataclass
class GoldDoc:
    doc_id: str
    text: str
    spans: set[tuple[int, int, str]]


def read_hipe(path: Path) -> list[GoldDoc]:
    """Rebuild each document's text from its tokens, with gold PER/LOC/ORG spans."""
    docs: list[GoldDoc] = []
    doc_id = ""
    parts: list[str] = []
    spans: set[tuple[int, int, str]] = set()
    current: list = []  # [start, end, label] of the entity being read
    offset = 0

    def close() -> None:
        if current:
            spans.add((current[0], current[1], current[2]))
            current.clear()

    for line in [*path.read_text("utf-8").splitlines(), "# hipe2022:document_id = END"]:
        if line.startswith("# hipe2022:document_id"):
            close()
            if parts:
                docs.append(GoldDoc(doc_id, "".join(parts), set(spans)))
            doc_id, parts, spans, offset = line.split("=", 1)[1].strip(), [], set(), 0
            continue
        if not line or line.startswith("#") or line.startswith("TOKEN\t"):
            continue
        cols = line.split("\t")
        token, tag, misc = cols[0], cols[1], cols[-1]
        start, offset = offset, offset + len(token)
        parts.append(token)
        if tag.startswith("B-"):
            close()
            if label := LABELS.get(tag[2:].lower()):
                current.extend([start, offset, label])
        elif tag.startswith("I-") and current:
            current[1] = offset
        else:
            close()
        if "NoSpaceAfter" not in misc:
            parts.append(" ")
            offset += 1
    return docs


def raw_spans(docs: list[GoldDoc], nlp) -> list[set[tuple[int, int, str]]]:  # type: ignore[no-untyped-def]
    from tasks.entities import raw_mentions

    return [
        {(s, e, label) for s, e, label in found if label in EVALUATED}
        for found in raw_mentions([d.text for d in docs], nlp)
    ]


def our_spans(docs: list[GoldDoc], nlp) -> list[set[tuple[int, int, str]]]:  # type: ignore[no-untyped-def]
    from tasks.documents import Document, Paragraph
    from tasks.entities import find_mentions, resolve_mentions

    ours = []
    for gold in docs:
        doc = Document(source_uri=gold.doc_id, location=gold.doc_id)
        doc.paragraphs = [Paragraph(0, "body", gold.text)]
        ours.append(doc)
    find_mentions(ours, nlp)
    resolve_mentions(ours, [])  # label fixes happen at resolution
    return [{(m.start, m.end, m.label) for m in d.mentions if m.label in EVALUATED} for d in ours]


def score(
    gold: list[GoldDoc], found: list[set[tuple[int, int, str]]]
) -> dict[str, tuple[float, float, float, int]]:
    """Per label and micro: precision, recall, F1, gold count."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, f in zip(gold, found, strict=True):
        for span in f:
            (tp if span in g.spans else fp)[span[2]] += 1
        for span in g.spans:
            if span not in f:
                fn[span[2]] += 1
    out = {}
    for label in (*EVALUATED, "micro"):
        keys = EVALUATED if label == "micro" else (label,)
        t = sum(tp[k] for k in keys)
        p_ = t / (t + sum(fp[k] for k in keys)) if t + sum(fp[k] for k in keys) else 0.0
        r = t / (t + sum(fn[k] for k in keys)) if t + sum(fn[k] for k in keys) else 0.0
        f1 = 2 * p_ * r / (p_ + r) if p_ + r else 0.0
        out[label] = (p_, r, f1, t + sum(fn[k] for k in keys))
    return out


def evaluate(
    model: str = "fr_core_news_md",
) -> dict[str, dict[str, tuple[float, float, float, int]]]:
    from tasks.entities import load_model

    files = sorted((BENCH / "newseye-fr").glob("*.tsv"))
    gold = [d for f in files for d in read_hipe(f)]
    nlp = load_model(model)
    return {
        "spaCy": score(gold, raw_spans(gold, nlp)),
        "depeche": score(gold, our_spans(gold, nlp)),
    }


def throughput(model: str = "fr_core_news_md", repeats: int = 3) -> tuple[float, float, int]:
    """Words per second: bare nlp.pipe vs our entity stage (NER + refine + link + resolve)."""
    from tasks.entities import load_model

    files = sorted((BENCH / "newseye-fr").glob("*.tsv"))
    gold = [d for f in files for d in read_hipe(f)]
    words = sum(len(d.text.split()) for d in gold)
    nlp = load_model(model)
    bare, ours = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        list(nlp.pipe([d.text for d in gold], batch_size=64))
        bare.append(time.perf_counter() - started)
        started = time.perf_counter()
        our_spans(gold, nlp)
        ours.append(time.perf_counter() - started)
    bare.sort()
    ours.sort()
    return words / bare[len(bare) // 2], words / ours[len(ours) // 2], words


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    if not BENCH.is_dir():
        raise SystemExit(f"benchmark data not found at {BENCH} (set DEPECHE_BENCH)")
    results = evaluate()
    print("\nNER on HIPE-2022 NewsEye French (dev + dev2), strict spans\n")
    print(f"{'system':10} {'label':6} {'gold':>5} {'P':>6} {'R':>6} {'F1':>6}")
    for system, table in results.items():
        for label, (p, r, f, n) in table.items():
            print(f"{system:10} {label:6} {n:5d} {p:6.3f} {r:6.3f} {f:6.3f}")
    raw, ours = results["spaCy"]["micro"], results["depeche"]["micro"]
    print(f"\nmicro F1 {ours[2] - raw[2]:+.3f}, recall {ours[1] - raw[1]:+.3f} (depeche - spaCy)")
    bare_wps, our_wps, words = throughput()
    print(
        f"\nEntity stage: {our_wps:,.0f} words/s vs bare nlp.pipe {bare_wps:,.0f} words/s "
        f"(ratio {our_wps / bare_wps:.2f}; {words} words, median of 3, one core)"
    )


if __name__ == "__main__":
    main()
