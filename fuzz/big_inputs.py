"""The megabyte pass: every pathological generator, and real cables stretched, at the input limit.

    python -m fuzz.big_inputs [--size 1000000] [--cap 10] [--only NAME ...] [--json OUT]

The fuzzer works on inputs of a few kB (its -max_len); this pass gives the parser the biggest inputs the
service accepts (MAX_INPUT_BYTES of UTF-8): megabyte lines, a million pilcrows, nested markings, every
Unicode category, NUL bytes, and real cables joined, flattened and mutated up to the limit. Each is
parsed once under a cap of CPU time (`--cap`, default 10 s) and judged against the 1 s budget of CPU; the
process's peak RSS is reported after each. Exit status 1 when any input fails the budget.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import sys
from pathlib import Path

from fuzz.check import BUDGET_S, run_one
from fuzz.generators import PATHOLOGICAL, mutate
from fuzz.make_seeds import DEFAULT_DATA, real_cables
from summarizer.inputs import MAX_INPUT_BYTES


def fit(text: str, size: int) -> str:
    """`text` cut to at most `size` bytes of UTF-8 (lone surrogates count as 3)."""
    while True:
        n = len(text.encode("utf-8", errors="surrogatepass"))
        if n <= size:
            return text
        text = text[: max(0, len(text) * size // n - 1)]


def real_based(size: int, rng: random.Random) -> dict[str, str]:
    cables = real_cables([p for p in DEFAULT_DATA if p.is_file()], 300, rng)
    longest = max(cables, key=len)

    def fill(pieces, sep="\n\n"):
        out, total = [], 0
        while total < size:
            p = pieces[len(out) % len(pieces)]
            out.append(p)
            total += len(p) + len(sep)
        return sep.join(out)

    mutated = longest
    for _ in range(20):
        mutated = mutate(mutated, rng)
    return {
        "real-joined": fill(cables),
        "real-longest-repeated": fill([longest]),
        "real-flattened-joined": " ".join(fill(cables).split("\n")),
        "real-upper-joined": fill(cables).upper(),
        "real-mutated-repeated": fill([mutated or longest]),
        "real-crlf-joined": fill(cables).replace("\n", "\r\n"),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=MAX_INPUT_BYTES, help="bytes of UTF-8 per input (default: the limit)")
    ap.add_argument("--cap", type=float, default=10.0, help="stop one parse after this many seconds")
    ap.add_argument("--budget", type=float, default=BUDGET_S)
    ap.add_argument("--only", nargs="*", help="generator names (default: all, and the real-cable ones)")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)

    rng = random.Random(0)
    names = args.only or [*PATHOLOGICAL, "real"]
    inputs: dict[str, str] = {}
    for name in names:
        if name == "real":
            inputs.update({k: fit(v, args.size) for k, v in real_based(args.size, rng).items()})
        elif name in PATHOLOGICAL:
            inputs[name] = fit(PATHOLOGICAL[name](args.size), args.size)
        else:
            ap.error(f"unknown generator {name!r}")
    results = []
    for name, text in inputs.items():
        r = run_one(text, args.budget, args.cap)
        r.update(name=name, chars=len(text), bytes=len(text.encode("utf-8", errors="surrogatepass")),
                 peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
        results.append(r)
        flag = "" if r["outcome"] == "ok" else f"  <-- {r['outcome']}" + (f" in {r['where']}" if r["where"] else "")
        print(f"{name:28s} {r['bytes']:>9,} B {r['cpu_seconds']:8.3f} s CPU  rss {r['peak_rss_mb']:7.1f} MB{flag}",
              file=sys.stderr, flush=True)
        del text
    bad = [r for r in results if r["outcome"] != "ok"]
    summary = {"inputs": len(results), "size_bytes": args.size, "budget_s": args.budget, "cap_s": args.cap,
               "failed": len(bad), "slowest": max(results, key=lambda r: r["cpu_seconds"]) if results else None,
               "peak_rss_mb": max((r["peak_rss_mb"] for r in results), default=0), "results": results}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=1))
    print(f"big inputs: {len(results)} at {args.size:,} bytes, {len(bad)} over the {args.budget:g} s budget "
          f"({', '.join(r['name'] for r in bad) or 'none'}); peak RSS {summary['peak_rss_mb']} MB", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
