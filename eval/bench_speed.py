"""Speed of the shipped model on dev: start-up, `predict` per cable, and the writer with and without its
output-layer cut, alternated in one process so that the load of a shared machine cancels out.

    python -m eval.bench_speed [--data ../shared/data/cables-dev.jsonl.gz] [--limit 669] [--rounds 4]
                               [--model DIR] [--out DIR]

Reports (CPU seconds of this process, all threads):
- `load_seconds`: wall seconds of `load_model` (imports of torch and transformers included);
- `predict`: p50 / p95 / mean CPU seconds per cable of `CableSummarizer.predict`, one cable a call, over
  --limit dev cables (own summaries removed, as `eval.score` gives them);
- `writer`: the deletion writer on every sentence the selector picks, A B A B for --rounds: scores of
  the sentence's own tokens (shipped) against whole-vocabulary logits, the ratio pair by pair, and whether
  the two wrote the same sentences.
Writes DIR/bench_speed.json when --out is given and prints the settings beside the figures.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time
from pathlib import Path

from eval.systems import strip_summary
from summarizer.inputs import read_records
from summarizer.parsing import parse

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "cables-dev.jsonl.gz"


@contextlib.contextmanager
def _whole_vocabulary(head):
    yield False  # what `deletion._without_output_layer` yields for a head it cannot cut


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def writer_ab(model, cables, rounds: int) -> dict:
    from summarizer.model import deletion

    sentences = [s for c in cables for s in model._sentences_to_rewrite(c)]
    ts = model.settings.tasks["rewrite"]
    args = (model.model, model.tokenizer, model._decoder_prefix("rewrite"), sentences, ts.copy_bonus,
            ts.max_source_tokens, model.device, 32)
    shipped = deletion._without_output_layer
    variants = {"own_tokens": shipped, "whole_vocabulary": _whole_vocabulary}
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    outputs = {}
    try:
        for r in range(rounds + 1):  # the first round warms up
            for name, cut in variants.items():
                deletion._without_output_layer = cut
                t = time.process_time()
                outputs[name] = deletion.write(*args)
                if r:
                    seconds[name].append(time.process_time() - t)
    finally:
        deletion._without_output_layer = shipped
    ratios = [a / b for a, b in zip(seconds["own_tokens"], seconds["whole_vocabulary"])]
    return {"sentences": len(sentences), "seconds": seconds, "ratio_own_over_whole": [round(r, 3) for r in ratios],
            "ratio_median": round(statistics.median(ratios), 3),
            "same_output": outputs["own_tokens"] == outputs["whole_vocabulary"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--limit", type=int, default=669, help="dev cables to time (default: all)")
    ap.add_argument("--rounds", type=int, default=4, help="A B rounds of the writer comparison")
    ap.add_argument("--model", help="model directory (default: the shipped model)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)

    t = time.perf_counter()
    from summarizer.model import load_model  # timed: the torch and transformers imports are part of start-up

    model = load_model(args.model)
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
        "settings": {"data": args.data, "cables": len(cables), "rounds": args.rounds, "model": model.name},
        "load_seconds": round(load_seconds, 2),
        "predict": {"p50": round(_percentile(per_cable, 0.5), 4), "p95": round(_percentile(per_cable, 0.95), 4),
                    "mean": round(statistics.fmean(per_cable), 4)},
        "writer": writer_ab(model, cables, args.rounds),
    }
    print(json.dumps(report, indent=1))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bench_speed.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
