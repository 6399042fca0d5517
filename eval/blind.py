"""A blind reading sheet: two scoring runs' summaries of the same cables, in random order, beside the
cable's own summary, and the key to unblind them afterwards.

    python -m eval.blind RUN_A RUN_B [--n 30] [--seed 0] --out DIR

RUN_A and RUN_B are `eval.score --out` directories over the same data. The cables are drawn (seeded) from
those with an own summary whose two summaries differ; DIR/sheet.md shows for each the own summary and the
two summaries as "1" and "2"; DIR/key.json says which run each was.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path


def _rows(run: Path) -> dict[str, dict]:
    rows = {}
    with open(run / "per_cable.jsonl", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if "error" not in r:
                rows[r["id"]] = r
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_a", type=Path)
    ap.add_argument("run_b", type=Path)
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    a, b = _rows(args.run_a), _rows(args.run_b)
    ids = sorted(i for i in a.keys() & b.keys()
                 if a[i].get("reference") and a[i].get("summary") != b[i].get("summary"))
    rng = random.Random(args.seed)
    chosen = rng.sample(ids, min(args.n, len(ids)))
    sheet, key = [f"# Blind reading: {len(chosen)} cables (seed {args.seed})", ""], {}
    for k, cable_id in enumerate(chosen, 1):
        first, second = (a, b) if rng.random() < 0.5 else (b, a)
        key[cable_id] = {"1": str(args.run_a if first is a else args.run_b), "2": str(args.run_a if second is a else args.run_b)}
        sheet += [f"## {k}. {cable_id}", "", f"**Own summary:** {a[cable_id]['reference']}", "",
                  f"**1:** {' '.join(first[cable_id]['summary'].split())}", "",
                  f"**2:** {' '.join(second[cable_id]['summary'].split())}", "", "Better: ", ""]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sheet.md").write_text("\n".join(sheet), encoding="utf-8")
    (args.out / "key.json").write_text(json.dumps(key, indent=1), encoding="utf-8")
    print(f"{len(chosen)} cables: {args.out / 'sheet.md'} (key: {args.out / 'key.json'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
