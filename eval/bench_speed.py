"""Speed of the shipped model (or `--model`, `--writer`) on dev: start-up and `predict` per cable.

    python -m eval.bench_speed [--data ../shared/data/cables-dev.jsonl.gz] [--limit 669]
                               [--model DIR] [--writer extractive|causal] [--out DIR]

Reports (CPU seconds of this process, all threads):
- `load_seconds`: wall seconds of `load_model` (imports of torch and transformers included);
- `predict`: p50 / p95 / mean CPU seconds per cable of `CableSummarizer.predict`, one cable a call, over
  --limit dev cables (own summaries removed, as `eval.score` gives them).
Writes DIR/bench_speed.json when --out is given and prints the settings beside the figures.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from eval.systems import strip_summary
from summarizer.commands._io import add_writer_option
from summarizer.inputs import read_records
from summarizer.parsing import parse

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "cables-dev.jsonl.gz"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--limit", type=int, default=669, help="dev cables to time (default: all)")
    ap.add_argument("--model", help="model directory (default: the shipped model)")
    add_writer_option(ap)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)

    t = time.perf_counter()
    from summarizer.model import load_model  # timed: the torch and transformers imports are part of start-up

    model = load_model(args.model, writer=args.writer)
    load_seconds = time.perf_counter() - t
    cables = []
    for rec in read_records(args.data):
        if rec.raw is not None:
            cables.append(strip_summary(parse(rec.raw, rec.hints)))
        if len(cables) >= args.limit:
            break
    model.predict(cables[:8])
    per_cable = []
    for cable in cables:
        t = time.process_time()
        model.predict([cable], batch_size=1)
        per_cable.append(time.process_time() - t)
    report = {
        "settings": {"data": args.data, "cables": len(cables), "model": model.name, "writer": model.writer_name},
        "load_seconds": round(load_seconds, 2),
        "predict": {"p50": round(_percentile(per_cable, 0.5), 4), "p95": round(_percentile(per_cable, 0.95), 4),
                    "mean": round(statistics.fmean(per_cable), 4)},
    }
    print(json.dumps(report, indent=1))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bench_speed.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
