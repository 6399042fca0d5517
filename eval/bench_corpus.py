"""Query speed of the corpus index (`summarizer.corpus`): the real train+dev index and a synthetic one.

    python -m eval.bench_corpus --real OUT_DIR [--synthetic 250000] [--repeat 7] [--out DIR] [--keep FILE]

--real: the --out of a `summarizer batch` run over train+dev (its index.sqlite is searched as it is).
--synthetic N: an index of N cables made from the real ones (their text, TAGS, stations and summaries,
each cable used N/6,201 times under a new id with a date spread over 1985-2010), written straight into a
fresh index (no model, no batch run); built in a temporary folder and deleted after, unless --keep.
Every query of QUERIES runs once to warm up, then --repeat times, through `summarizer.corpus.query.search`
as the page calls it (count, one page of rows, months and top TAGS). Reported: p50, p95 and max ms over
all runs of all queries and the slowest query, and per query its p50 and matches. Writes DIR/bench_corpus.json
and prints Markdown tables.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from summarizer.corpus.index import IndexRow, write_rows
from summarizer.corpus.query import Query, facets, search
from summarizer.corpus.schema import index_file, open_for_writing, open_read_only
from summarizer.parsing import parse

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
SPLITS = ("cables-train.jsonl.gz", "cables-dev.jsonl.gz")

QUERIES: dict[str, Query] = {
    "everything, newest first": Query(),
    "a common word": Query(text="government"),
    "a rare word": Query(text="fisheries"),
    "a phrase": Query(text='"prime minister"'),
    "AND / OR": Query(text="nuclear AND (iran OR korea)"),
    "a prefix": Query(text="nucl*"),
    "NEAR": Query(text="NEAR(oil pipeline, 10)"),
    "a station": Query(stations=("Embassy Cairo",)),
    "phrase + station + TAGS": Query(text='"prime minister"', stations=("Embassy London",), tags=("PREL",)),
    "date range + classification": Query(date_from="2005", date_to="2007-06", classifications=("SECRET",)),
    "two TAGS by score": Query(tags=("PREL", "IR"), sort="score"),
    "a common word by score": Query(text="government", sort="score"),
    "two words by relevance": Query(text="iran nuclear", sort="relevance"),
    "page 2,000 of everything": Query(page=2000),
}


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def measure(path: Path, repeat: int) -> dict:
    conn = open_read_only(path)
    try:
        t = time.perf_counter()
        f = facets(conn)
        facet_ms = (time.perf_counter() - t) * 1000
        per_query, every = {}, []
        for name, q in QUERIES.items():
            search(conn, q)  # warm-up: the pages it reads are in the OS cache after this
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                answer = search(conn, q)
                times.append((time.perf_counter() - t) * 1000)
            every += times
            per_query[name] = {"p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
                               "matches": answer.total}
    finally:
        conn.close()
    slowest = max(per_query, key=lambda k: per_query[k]["p50_ms"])
    return {"index": str(path), "cables": f.cables, "bytes": path.stat().st_size, "facets_ms": round(facet_ms, 1),
            "p50_ms": round(percentile(every, 50), 1), "p95_ms": round(percentile(every, 95), 1),
            "max_ms": round(max(every), 1), "slowest_query": slowest, "queries": per_query}


def real_templates() -> list[IndexRow]:
    """One row per train+dev cable, parsed from the corpus; the own summary (or the first paragraph)
    stands in for the model's."""
    out = []
    for split in SPLITS:
        with gzip.open(DATA / split, "rt", encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                hints = {k: v for k, v in rec.items() if k != "raw"}
                cable = parse(rec["raw"], hints)
                lead = cable.summary or (cable.body_paragraphs[0] if cable.body_paragraphs else "")
                out.append(IndexRow(record="", input=split, line=0, id=cable.id, date=cable.date, station=cable.origin,
                                    classification=cable.classification, subject=cable.subject,
                                    tags=[t.code.upper() for t in cable.tags],
                                    tag_names=[f"{t.code} {t.name}" if t.name else t.code for t in cable.tags],
                                    summary=cable.summary, model_summary=lead[:1200], topics=["-"],
                                    evidence=[{"sentence": lead[:200], "supported": True, "paragraphs": [1],
                                               "scores": [0.5]}],
                                    hints=hints, raw=rec["raw"], body=cable.body))
    return out


def build_synthetic(path: Path, n: int, seed: int = 0) -> float:
    templates = real_templates()
    rng = random.Random(seed)
    t = time.perf_counter()
    conn = open_for_writing(path)
    conn.execute("PRAGMA journal_mode = OFF")  # a throw-away file: no crash safety needed while it is built
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    batch = 5000
    for start in range(0, n, batch):
        rows = []
        for i in range(start, min(n, start + batch)):
            tpl = templates[i % len(templates)]
            year = rng.randint(1985, 2010)
            date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00"
            scores = {"rouge1": rng.uniform(10, 70), "rouge2": rng.uniform(0, 40), "tags_f1": rng.uniform(0, 100)}
            rows.append(IndexRow(**{**tpl.__dict__, "record": f"synthetic:{i}", "line": i + 1,
                                    "id": f"{year % 100:02d}SYNTH{i}", "date": date, "scores": scores}))
        conn.execute("BEGIN")
        write_rows(conn, rows)
        conn.execute("COMMIT")
        print(f"bench_corpus: {min(n, start + batch):,} of {n:,} synthetic cables written", flush=True)
    conn.execute("INSERT INTO cable_text (cable_text) VALUES ('optimize')")
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - t


def table(results: list[dict]) -> str:
    lines = ["| index | cables | size | query p50 | p95 | max | slowest query (p50) | facets |",
             "|---|---:|---:|---:|---:|---:|---|---:|"]
    for r in results:
        slow = r["queries"][r["slowest_query"]]["p50_ms"]
        lines.append(f"| {r['name']} | {r['cables']:,} | {r['bytes'] / 1e6:,.0f} MB | {r['p50_ms']} ms | "
                     f"{r['p95_ms']} ms | {r['max_ms']} ms | {r['slowest_query']} ({slow} ms) | {r['facets_ms']} ms |")
    lines += ["", "| query | " + " | ".join(f"{r['name']}: p50 ms (matches)" for r in results) + " |",
              "|---|" + "---:|" * len(results)]
    for name in QUERIES:
        cells = [f"{r['queries'][name]['p50_ms']} ({r['queries'][name]['matches']:,})" for r in results]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.bench_corpus", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real", help="a batch OUT_DIR (or its index.sqlite) over train+dev")
    ap.add_argument("--synthetic", type=int, default=250_000, help="cables in the synthetic index (0: none)")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--keep", help="write the synthetic index here and keep it (reused when it exists)")
    ap.add_argument("--out", default="reports/bench_corpus")
    args = ap.parse_args(argv)
    results = []
    if args.real:
        results.append({"name": "train+dev", **measure(index_file(Path(args.real)), args.repeat)})
    if args.synthetic:
        with tempfile.TemporaryDirectory(prefix="bench-corpus-") as tmp:
            path = Path(args.keep) if args.keep else Path(tmp) / "synthetic.sqlite"
            build = None
            if not path.exists():
                build = round(build_synthetic(path, args.synthetic), 1)
            results.append({"name": "synthetic", "build_seconds": build, **measure(path, args.repeat)})
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {"load_average": os.getloadavg()[0], "repeat": args.repeat, "results": results}
    (out / "bench_corpus.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
