"""Extraction quality benchmark: `make bench` (or `python -m benchmarks.extraction`).

Prints, for the public datasets in ../shared/bench, one table of body-text scores
(precision, recall, F1; French subset separately) for bare trafilatura (default and
favor_precision) and for depeche, and one table of metadata scores on fundus-pages.
``--pin`` writes depeche's scores to benchmarks/quality_pins.json, the quality gate's
baseline (tests/test_quality_gate.py).
"""

from __future__ import annotations

import argparse
import json
import os
import time

from benchmarks.quality import BENCH, PINS, SYSTEMS, body_table, score_fundus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pin", action="store_true", help="write depeche's scores as the new pins")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if not BENCH.is_dir():
        raise SystemExit(f"benchmark data not found at {BENCH} (set DEPECHE_BENCH)")
    started = time.perf_counter()
    rows = body_table(SYSTEMS, args.workers)
    print("\nBody text (each dataset with its own metric)\n")
    print(f"{'dataset':18} {'system':22} {'subset':6} {'pages':>5} {'P':>6} {'R':>6} {'F1':>6}")
    for r in rows:
        print(
            f"{r.dataset:18} {r.system:22} {r.subset:6} {r.pages:5d} "
            f"{r.precision:6.3f} {r.recall:6.3f} {r.f1:6.3f}"
        )
    best = {}
    for r in rows:
        if r.subset == "all":
            best.setdefault(r.dataset, {})[r.system] = r.f1
    print()
    for dataset, by_system in best.items():
        ours = by_system["depeche"]
        for system, score in by_system.items():
            if system != "depeche":
                print(f"{dataset}: depeche F1 - {system} F1 = {ours - score:+.3f}")
    meta = {
        m.system: m
        for s in ("trafilatura", "depeche")
        for m in score_fundus(s, args.workers)
        if m.subset == "all"
    }
    fr = {
        m.system: m
        for s in ("trafilatura", "depeche")
        for m in score_fundus(s, args.workers)
        if m.subset == "fr"
    }
    print("\nMetadata on fundus-pages (share of pages right; body: shingle F1)\n")
    print(
        f"{'system':22} {'subset':6} {'pages':>5} {'title':>6} {'author':>6} {'date':>6} "
        f"{'body F1':>7}"
    )
    for subset, table in (("all", meta), ("fr", fr)):
        for m in table.values():
            print(
                f"{m.system:22} {subset:6} {m.pages:5d} {m.title:6.3f} {m.author:6.3f} "
                f"{m.date:6.3f} {m.body_f1:7.3f}"
            )
    print("\ndepeche misses:", json.dumps(meta["depeche"].misses))
    print(f"\n({time.perf_counter() - started:.0f} s, {args.workers} worker(s))")
    if args.pin:
        pins = {
            "scrapinghub-aeb": round(best["scrapinghub-aeb"]["depeche"], 4),
            "trafilatura-eval": round(best["trafilatura-eval"]["depeche"], 4),
            "fundus-body": round(meta["depeche"].body_f1, 4),
            "fundus-title": round(meta["depeche"].title, 4),
            "fundus-author": round(meta["depeche"].author, 4),
            "fundus-date": round(meta["depeche"].date, 4),
        }
        PINS.write_text(json.dumps(pins, indent=2) + "\n", "utf-8")
        print(f"pinned to {PINS}: {pins}")


if __name__ == "__main__":
    main()
