"""Paired bootstrap of two scoring runs on the same cables: is B's gain over A more than noise?

    python -m eval.paired A_DIR B_DIR [--resamples N] [--seed S]

Each DIR holds the `per_cable.jsonl` of `python -m eval.score` over the same corpus. For each ROUGE
score and the tag F1: the mean of B − A over the cables both scored, and the 95% percentile-bootstrap
interval of that mean (cables resampled, the pairs kept together).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from summarizer.metrics import ROUGE_TYPES, bootstrap_ci


def per_cable(directory: str) -> dict[tuple, dict]:
    path = Path(directory) / "per_cable.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file (run python -m eval.score --out {directory} first)")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {(r.get("record_id"), r.get("line")): r for r in rows}


def score(row: dict, name: str) -> float | None:
    if name == "tag_f1":
        return row.get("tag_f1")
    return (row.get("rouge") or {}).get(name)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a", help="the baseline run's directory")
    ap.add_argument("b", help="the run compared with it")
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    try:
        a, b = per_cable(args.a), per_cable(args.b)
    except FileNotFoundError as e:
        print(e, file=sys.stderr)
        return 2
    shared = sorted(set(a) & set(b), key=str)
    print(f"{args.b} − {args.a}: {len(shared)} cables in both; {args.resamples} resamples, seed {args.seed}")
    print("| score | n | A | B | B − A [95% CI] |\n|---|---:|---:|---:|---:|")
    for name in (*ROUGE_TYPES, "tag_f1"):
        pairs = [(score(a[k], name), score(b[k], name)) for k in shared]
        pairs = [(x, y) for x, y in pairs if x is not None and y is not None]
        if not pairs:
            continue
        diffs = [y - x for x, y in pairs]
        lo, hi = bootstrap_ci(diffs, args.resamples, args.seed)
        mean_a, mean_b = (sum(p[i] for p in pairs) / len(pairs) for i in (0, 1))
        print(f"| {name} | {len(pairs)} | {mean_a:.2f} | {mean_b:.2f} | {mean_b - mean_a:+.2f} [{lo:+.2f}, {hi:+.2f}] |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
