"""Per-cable time of the project's model against other systems on the same dev cables, alternated cable by
cable (A B A B) in one process, so that the load of a shared machine falls on both alike.

    python -m eval.bench_writer [--model DIR] [--writer causal] [--vs smollm2,extractive] [--limit 40] [--data CORPUS] [--out DIR]

Each system gets each cable alone (`System.predict([item])`, as `eval.score` gives it: own summary removed);
the first 2 cables warm up and are not counted. Reports per system the wall and CPU seconds per cable
(p50, p95, mean) and, against the model, the ratio model / system cable by cable (median). torch's thread
count is the same for all (the smollm2 peer sets one thread when it loads) and is printed with the figures.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from eval.systems import make_item, make_system
from summarizer.commands._io import add_writer_option
from summarizer.inputs import read_records
from summarizer.parsing import parse

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "cables-dev.jsonl.gz"
WARM_UP = 2


def _stats(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"p50": round(statistics.median(ordered), 3), "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
            "mean": round(statistics.fmean(ordered), 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--model", help="model directory of --system model (default: the shipped one)")
    add_writer_option(ap)
    ap.add_argument("--vs", default="smollm2", help="comma-separated systems to alternate with the model")
    ap.add_argument("--limit", type=int, default=40, help="cables timed (after the warm-up)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)

    import torch

    names = ["model"] + [n.strip() for n in args.vs.split(",") if n.strip()]
    systems = {n: make_system(n, model_dir=args.model, writer=args.writer if n == "model" else None) for n in names}
    cables = []
    for rec in read_records(args.data):
        if rec.raw is not None:
            cables.append(parse(rec.raw, rec.hints))
        if len(cables) >= args.limit + WARM_UP:
            break
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    for k, cable in enumerate(cables):
        order = names if k % 2 == 0 else names[::-1]  # A B, then B A: neither always runs first
        for n in order:
            item = make_item(cable, systems[n])
            t, c = time.perf_counter(), time.process_time()
            systems[n].predict([item])
            if k >= WARM_UP:
                wall[n].append(time.perf_counter() - t)
                cpu[n].append(time.process_time() - c)
    report = {
        "settings": {"data": args.data, "cables": len(wall["model"]), "warm_up": WARM_UP, "model": args.model or "shipped",
                     "torch_threads": torch.get_num_threads(), "order": "alternated cable by cable"},
        "wall_seconds": {n: _stats(v) for n, v in wall.items()},
        "cpu_seconds": {n: _stats(v) for n, v in cpu.items()},
        "model_over": {n: round(statistics.median(a / b for a, b in zip(wall["model"], wall[n]) if b > 0), 3)
                       for n in names[1:]},
    }
    print(json.dumps(report, indent=1))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bench_writer.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
