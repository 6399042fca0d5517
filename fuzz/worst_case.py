"""Worst-case time of the whole `/summarize` path: every fuzz generator, answered within the budget.

    python -m fuzz.worst_case [--sizes 1000000 200000] [--budget 5] [--cap 30] [--only NAME ...] [--json OUT]

The parser's own pass (`fuzz.big_inputs`) stops at the parse. This one sends each input through what a
client of `summarizer serve` gets (`SummaryService.summarize`: the size checks, parse, the cable limits,
the sentence selector, the tags classifier, the support finder and the scores) on the
shipped model (or `--model`), and judges the CPU time of the call (all threads of the process) against the
budget: every input the limits admit must be answered, and every other refused, in at most `--budget`
seconds of CPU. Inputs are each generator of `fuzz.generators` at each size, twice (as they are, and
in the middle of a real cable, so the "not a cable" check lets them through to the model), real cables joined up
to the size, and text built to sit just inside the limits (the most words, the most paragraphs, the most
sentences, the longest words). A call still running at `--cap` seconds of CPU is a hang. Exit status 1
when any input is over the budget, hangs or fails with anything but a clear refusal (`InputError`).
"""
from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import time
from pathlib import Path

from fuzz.big_inputs import fit, real_based
from fuzz.check import Interrupted, _alarm
from fuzz.generators import PATHOLOGICAL
from summarizer.app.service import SummaryService, seed_text
from summarizer.inputs import MAX_INPUT_BYTES, InputError
from summarizer.limits import MAX_PARAGRAPHS, MAX_WORDS

BUDGET_S = 5.0  # issue 15: every input the limits admit answered in at most 5 s of CPU
HEAD = "TAGS: PREL ECON\nSUBJECT: WORST CASE\n\n1. (C) "


def _words(rng: random.Random, n: int, length: tuple[int, int] = (2, 9)) -> list[str]:
    """`n` random lower-case words, nearly all distinct (no cache of stems or tokens helps)."""
    return ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(*length)))
            for _ in range(n)]


def at_the_limits(size: int, rng: random.Random) -> dict[str, str]:
    """Cables just inside the word and paragraph limits: the most work the limits let one request ask for."""
    n = MAX_WORDS - 50  # room for the header's words
    words = _words(rng, n)
    per_para = n // MAX_PARAGRAPHS - 2  # each paragraph's number and marking count as words too
    long_len = max(10, size // n - 2)
    return {
        "limit-words-one-line": HEAD + " ".join(words),
        "limit-words-sentences": HEAD + " ".join(
            " ".join(words[i:i + 12]).capitalize() + "." for i in range(0, n, 12)),
        "limit-words-one-word-sentences": HEAD + " ".join(w.capitalize() + "." for w in words),
        "limit-paragraphs": HEAD + "\n\n".join(
            f"{k + 2}. (C) " + " ".join(words[k * per_para:(k + 1) * per_para]).capitalize() + "."
            for k in range(MAX_PARAGRAPHS - 2)),
        "limit-long-words": HEAD + " ".join(
            " ".join(_words(rng, 8, (long_len, long_len))).capitalize() + "." for _ in range(n // 8)),
        "limit-upper-words": HEAD + " ".join(
            " ".join(words[i:i + 12]).upper() + "." for i in range(0, n, 12)),
    }


def inside_cable(text: str, size: int) -> str:
    """`text` in the middle of a real cable's body, the whole cut to `size` bytes: the selector still finds
    real sentences around it, so the writer, the tagger and the support finder all run on what it left."""
    seed = seed_text()
    middle = seed.index("5. (C)")  # a paragraph boundary halfway through the body
    room = size - len(seed.encode("utf-8")) - 2
    return seed[:middle] + fit(text, max(0, room)) + "\n\n" + seed[middle:]


def build_inputs(sizes: list[int], only: list[str] | None, rng: random.Random) -> dict[str, str]:
    inputs: dict[str, str] = {}
    for size in sizes:
        if not only or "limits" in only:
            inputs.update({f"{k}@{size}": fit(v, size) for k, v in at_the_limits(size, rng).items()})
        if not only or "real" in only:
            inputs.update({f"{k}@{size}": fit(v, size) for k, v in real_based(size, rng).items()})
        for name, make in PATHOLOGICAL.items():
            if only and name not in only:
                continue
            text = make(size)
            inputs[f"{name}@{size}"] = fit(text, size)
            inputs[f"cable+{name}@{size}"] = inside_cable(text, size)
    return inputs


def run_one(service, text: str, cap_s: float) -> dict:
    """One `/summarize` call under a CPU-time alarm (SIGPROF, main thread): outcome and CPU seconds."""
    old = signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, cap_s)
    t0, w0 = time.process_time(), time.perf_counter()
    try:
        answer = service.summarize(text)
        outcome, detail = "answered", f"{len(answer['summary'].split())} summary words"
    except InputError as e:
        outcome, detail = "refused", str(e)
    except Interrupted:
        outcome, detail = "hang", f"still running at {cap_s:g} s of CPU"
    except Exception as e:  # noqa: BLE001 - what the benchmark is for: any other failure is a finding
        outcome, detail = "crash", f"{type(e).__name__}: {e}"
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)
    return {"outcome": outcome, "cpu_s": round(time.process_time() - t0, 3),
            "wall_s": round(time.perf_counter() - w0, 3), "detail": " ".join(detail.split())[:160]}


def run(service, inputs: dict[str, str], budget_s: float, cap_s: float, progress=None) -> list[dict]:
    results = []
    for k, (name, text) in enumerate(inputs.items(), start=1):
        r = {"input": name, "bytes": len(text.encode("utf-8", errors="surrogatepass")),
             **run_one(service, text, cap_s)}
        r["ok"] = r["outcome"] in ("answered", "refused") and r["cpu_s"] <= budget_s
        results.append(r)
        if progress:
            progress(k, len(inputs), r)
    return results


def report(results: list[dict], settings: dict, top: int = 15) -> str:
    answered = [r for r in results if r["outcome"] == "answered"]
    lines = [f"settings: {json.dumps(settings)}",
             f"inputs: {len(results)}; answered {len(answered)}, refused "
             f"{sum(r['outcome'] == 'refused' for r in results)}, hang {sum(r['outcome'] == 'hang' for r in results)}, "
             f"crash {sum(r['outcome'] == 'crash' for r in results)}; over the budget "
             f"{sum(not r['ok'] for r in results)}",
             f"slowest answered: {max((r['cpu_s'] for r in answered), default=0):.2f} s CPU; "
             f"slowest of all: {max((r['cpu_s'] for r in results), default=0):.2f} s CPU",
             "", "| input | bytes | outcome | CPU s | wall s | detail |", "|---|---:|---|---:|---:|---|"]
    for r in sorted(results, key=lambda r: (r["ok"], -r["cpu_s"]))[:top]:
        lines.append(f"| {r['input']} | {r['bytes']:,} | {r['outcome']} | {r['cpu_s']:.2f} | {r['wall_s']:.2f} | "
                     f"{r['detail'][:80]} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[MAX_INPUT_BYTES, MAX_INPUT_BYTES // 5],
                    help="bytes of UTF-8 per input (default: the limit and a fifth of it)")
    ap.add_argument("--budget", type=float, default=BUDGET_S, help="CPU seconds one call may take")
    ap.add_argument("--cap", type=float, default=30.0, help="stop one call after this many CPU seconds")
    ap.add_argument("--only", nargs="*", help="generator names, 'limits' or 'real' (default: all)")
    ap.add_argument("--model", help="model directory (default: the shipped model)")
    ap.add_argument("--top", type=int, default=15, help="rows of the slowest inputs to print")
    ap.add_argument("--json", type=Path, help="write every result here")
    args = ap.parse_args(argv)
    unknown = set(args.only or []) - {*PATHOLOGICAL, "limits", "real"}
    if unknown:
        ap.error(f"unknown generator(s): {', '.join(sorted(unknown))}")

    from summarizer.model import load_model  # the torch import: after the arguments are checked

    service = SummaryService(load_model(args.model))
    service.warm_up()
    inputs = build_inputs(args.sizes, args.only, random.Random(0))
    settings = {"sizes": args.sizes, "budget_s": args.budget, "cap_s": args.cap, "model": service.model_name,
                "inputs": len(inputs), "max_words": MAX_WORDS, "max_paragraphs": MAX_PARAGRAPHS}

    def progress(k, n, r):
        if r["cpu_s"] > 1 or not r["ok"]:
            print(f"[{k}/{n}] {r['input']}: {r['outcome']} {r['cpu_s']:.2f} s CPU", file=sys.stderr, flush=True)

    results = run(service, inputs, args.budget, args.cap, progress)
    print(report(results, settings, args.top))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"settings": settings, "results": results}, indent=1), encoding="utf-8")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
