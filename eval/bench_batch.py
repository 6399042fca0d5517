"""Throughput of `summarizer batch`: cables/s for each engine and worker count, alternated in one run.

    python -m eval.bench_batch [--data ../shared/data/cables-dev.jsonl.gz] [--limit 300] [--rounds 2]
                               [--model DIR] [--engines local,ray] [--workers 1,2] [--batch-size 8] [--out DIR]

Each configuration (engine × workers) runs the real command (`summarizer.commands.batch`) on the first
--limit records of --data into a fresh output directory, with `--no-index`; then the index of that output
is built on its own (`summarizer.corpus.index.update_index`, as the command's last step does) and timed.
The configurations are alternated: round 1 runs them in order, round 2 in reverse, and so on (A B B A),
so that a change in the load of a shared machine falls on all of them; the table gives the median over
the rounds. Reported per configuration, from each run's manifest: `cables_per_second` (records / engine
seconds: from starting the workers to the last shard written, so worker start-up, model loading and Ray
start-up included, which is what a user waits for), `speedup` against 1 worker of the same engine,
`first_rows_seconds` (engine start to the first chunk back: the start-up), `cables_per_second_after_first`
(the steady rate after that), `model_seconds_per_cable` (mean model time a worker spent per cable),
`index_seconds_per_cable` (the index step, one process) and `wall_seconds` (the whole command, hashing
and planning included, the index not). The machine's load average is recorded before each run: on a
shared machine the figures are only comparable within one report.

Then the costs that do not spread over workers, per cable, on the first run's output (`serial`): the
driver's reading and chunking of the input, its JSON encoding of a chunk for Ray, its shard writing, and
the index step split into building the rows (parsing again, the evidence: could run in the workers) and
the SQLite writes (one writer per index file); and the bytes per cable of input, shards and index.
Writes DIR/bench_batch.json and prints two Markdown tables.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from summarizer.commands._io import add_writer_option

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "cables-dev.jsonl.gz"
MEDIANS = ("cables_per_second", "first_rows_seconds", "cables_per_second_after_first", "model_seconds_per_cable",
           "index_seconds_per_cable", "wall_seconds", "load_avg_before")


def _subset(data: str, limit: int, dest: Path) -> Path:
    opener = gzip.open if data.endswith(".gz") else open
    out = dest / "bench.jsonl"
    with opener(data, "rt", encoding="utf-8") as f, open(out, "w", encoding="utf-8") as g:
        n = 0
        for line in f:
            if n >= limit:
                break
            if line.strip():
                g.write(line)
                n += 1
    return out


def _one(corpus: Path, out: Path, engine: str, workers: int, args) -> dict:
    from summarizer.commands.batch import main
    from summarizer.corpus.index import update_index

    argv = [str(corpus), "--out", str(out), "--engine", engine, "--workers", str(workers),
            "--batch-size", str(args.batch_size), "--no-index"]
    if args.model:
        argv += ["--model", args.model]
    if args.writer:
        argv += ["--writer", args.writer]
    load = os.getloadavg()[0]
    t = time.perf_counter()
    rc = main(argv)
    wall = time.perf_counter() - t
    if rc not in (0, 2):
        raise SystemExit(f"bench_batch: {engine} with {workers} worker(s) failed (exit {rc})")
    index = update_index(out)
    m = json.loads((out / "manifest.json").read_text())
    last = m["runs"][-1]
    return {"engine": engine, "workers": workers, "records": m["counts"]["records"], "ok": m["counts"]["ok"],
            "cpus_per_worker": last["settings"]["cpus_per_worker"], "engine_seconds": last["engine_seconds"],
            "cables_per_second": last["cables_per_second"], "first_rows_seconds": last["first_rows_seconds"],
            "cables_per_second_after_first": last["cables_per_second_after_first"],
            "model_seconds_per_cable": m["averages"]["seconds_per_cable"],
            "index_seconds_per_cable": round(index.seconds / max(1, index.cables), 4), "wall_seconds": round(wall, 2),
            "load_avg_before": round(load, 2), "model": m["model"]["dir"]}


def _serial_costs(corpus: Path, out: Path) -> dict:
    """Milliseconds per cable of the work one process does whatever the number of workers, and bytes
    per cable, measured on the batch output `out` of `corpus`."""
    from summarizer.batch import manifest
    from summarizer.batch.shards import Plan, ShardWriter, input_chunks, iter_chunks, read_shard, shard_dir
    from summarizer.batch.work import record_to_json
    from summarizer.corpus.index import index_row, write_rows
    from summarizer.corpus.schema import open_for_writing

    plan = Plan.from_json(manifest.read_run(out)["plan"])
    inp = plan.inputs[0]
    ms = {}
    t = time.perf_counter()
    chunks = list(iter_chunks(plan, [sh.name for sh in plan.shards], 8))
    ms["driver_read_ms"] = time.perf_counter() - t
    t = time.perf_counter()
    for c in chunks:
        json.dumps([record_to_json(r) for r in c.records])
    ms["driver_ray_encode_ms"] = time.perf_counter() - t
    rows = [row for sh in plan.shards for row in read_shard(shard_dir(out) / sh.name)]
    by_line = {row["line"]: row for row in rows}
    writer = ShardWriter(out / "rewrite", plan)
    t = time.perf_counter()
    for c in chunks:
        writer.add(c.shard, c.number, [by_line[r.line] for r in c.records])
    writer.close()
    ms["driver_shard_write_ms"] = time.perf_counter() - t
    records = [r for c in input_chunks(inp, plan.shards, plan.shard_size, inp.path) for r in c.records]
    t = time.perf_counter()
    index_rows = [index_row(by_line[r.line], r, inp.sha256) for r in records]
    ms["index_rows_ms"] = time.perf_counter() - t
    conn = open_for_writing(out / "rewrite" / "index.sqlite")
    t = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    write_rows(conn, index_rows)
    conn.execute("COMMIT")
    ms["index_sqlite_write_ms"] = time.perf_counter() - t
    conn.close()
    n = len(records)
    costs = {k: round(v * 1000 / n, 3) for k, v in ms.items()}
    costs.update(cables=n, input_bytes=round(Path(inp.path).stat().st_size / n),
                 shard_bytes=round(sum((shard_dir(out) / sh.name).stat().st_size for sh in plan.shards) / n),
                 index_bytes=round((out / "index.sqlite").stat().st_size / n))
    return costs


def _summary(runs: list[dict], base_workers: int) -> list[dict]:
    """One row per configuration: the median of each figure over the rounds, and the speedup of the
    median rate against `base_workers` workers of the same engine."""
    rows = []
    for key in dict.fromkeys((r["engine"], r["workers"]) for r in runs):
        mine = [r for r in runs if (r["engine"], r["workers"]) == key]
        row = {"engine": key[0], "workers": key[1], "cpus_per_worker": mine[0]["cpus_per_worker"], "rounds": len(mine),
               "cables_per_second_each": [r["cables_per_second"] for r in mine]}
        for k in MEDIANS:
            values = [r[k] for r in mine if r[k] is not None]
            row[k] = round(statistics.median(values), 4) if values else None
        rows.append(row)
    for row in rows:
        base = next(x for x in rows if x["engine"] == row["engine"] and x["workers"] == base_workers)
        row["speedup"] = round(row["cables_per_second"] / base["cables_per_second"], 2) if base["cables_per_second"] else None
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(DEFAULT_DATA.resolve()))
    p.add_argument("--limit", type=int, default=300, help="records of --data to run (default 300)")
    p.add_argument("--rounds", type=int, default=2, help="times each configuration runs, alternated (default 2)")
    p.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    add_writer_option(p)
    p.add_argument("--engines", default="local,ray")
    p.add_argument("--workers", default="1,2", help="worker counts, comma-separated (default 1,2)")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--out", default="reports/bench_batch")
    args = p.parse_args(argv)

    from summarizer.model.loading import DEFAULT_MODEL_DIR
    from summarizer.model.settings import SETTINGS_FILE

    if not args.model and not (DEFAULT_MODEL_DIR / SETTINGS_FILE).is_file():
        raise SystemExit(f"bench_batch: no shipped model at {DEFAULT_MODEL_DIR}; pass --model DIR")
    engines = [e for e in args.engines.split(",") if e]
    if "ray" in engines:
        import importlib.util

        if importlib.util.find_spec("ray") is None:
            print("bench_batch: Ray is not installed (pip install -e '.[ray]'): skipping the ray engine",
                  file=sys.stderr)
            engines.remove("ray")
    counts = [int(w) for w in args.workers.split(",")]
    configs = [(e, w) for e in engines for w in counts]
    report_dir = Path(args.out)
    report_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    runs = []
    try:
        corpus = _subset(args.data, args.limit, tmp)
        for r in range(args.rounds):
            for engine, w in configs if r % 2 == 0 else configs[::-1]:
                print(f"bench_batch: round {r + 1}, {engine}, {w} worker(s) ...", file=sys.stderr)
                out = tmp / f"{engine}-{w}-{r}"
                runs.append(_one(corpus, out, engine, w, args) | {"round": r + 1})
                if len(runs) > 1:
                    shutil.rmtree(out, ignore_errors=True)
        print("bench_batch: the serial costs ...", file=sys.stderr)
        serial = _serial_costs(corpus, tmp / f"{configs[0][0]}-{configs[0][1]}-0")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = _summary(runs, min(counts))
    report = {"data": args.data, "limit": args.limit, "rounds": args.rounds, "batch_size": args.batch_size,
              "cpus": os.cpu_count(), "model": runs[0]["model"] if runs else None, "summary": rows,
              "serial": serial, "runs": runs}
    (report_dir / "bench_batch.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n{args.limit} records of {Path(args.data).name}, batch size {args.batch_size}, {os.cpu_count()} CPUs, "
          f"model {report['model']}; median of {args.rounds} alternated round(s)\n")
    print("| engine | workers | CPUs/worker | cables/s (each round) | speedup | start-up s | cables/s after start-up | "
          "model s/cable | index s/cable | wall s | load avg |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        each = ", ".join(f"{x:g}" for x in r["cables_per_second_each"])
        print(f"| {r['engine']} | {r['workers']} | {r['cpus_per_worker']:g} | {r['cables_per_second']:g} ({each}) | "
              f"{r['speedup']} | {r['first_rows_seconds']} | {r['cables_per_second_after_first']} | "
              f"{r['model_seconds_per_cable']} | {r['index_seconds_per_cable']} | {r['wall_seconds']} | "
              f"{r['load_avg_before']} |")
    print("\n| per cable, one process | ms |\n|---|---:|")
    for k, v in serial.items():
        if k.endswith("_ms"):
            print(f"| {k[:-3].replace('_', ' ')} | {v} |")
    print(f"\nbytes per cable: input {serial['input_bytes']:,}, shards {serial['shard_bytes']:,}, "
          f"index {serial['index_bytes']:,} ({serial['cables']} cables)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
