"""Choose a select-then-rewrite model's keep margin and length on dev (a tuning script, not a test).

    python -m eval.tune_rewrite --model summarizer/model/default --limit 80 --bonus 0,1,2.6 --length-scale 1.2,1.4

Runs the model over the first N dev cables with an own summary (own summary removed, as `eval.score`
does) for every combination of keep margin (`copy_bonus`: how much more the model must prefer leaving a
unit out than copying on) and selector length scale, and prints one row each: ROUGE F1 ×100, words
written, the share of sentences the writer shortened, CPU seconds a cable. The first row is the
selector's own sentences at the shipped length, the text the writer starts from. Pick on dev only; then
write the choice into the model directory (`summarizer_config.json`: `copy_bonus`; `selector.json`:
`length_scale`) and score it with `eval.score`.
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import time

from summarizer.metrics import rouge
from eval.systems import strip_summary
from summarizer.inputs import read_records
from summarizer.parsing import parse


def floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x]


def dev_cables(path: str, limit: int) -> list:
    out = []
    for rec in read_records(path):
        cable = parse(rec.raw, rec.hints)
        if cable.summary and cable.body:
            out.append(cable)
            if len(out) >= limit:
                break
    return out


def _plain(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def edited_share(outputs: list[str], given: list[list[str]]) -> float:
    """The share of written sentences (one a line) that are not a given sentence copied whole (case,
    spacing and punctuation aside): how much the rewriter changed."""
    lines = [(_plain(ln), {_plain(s) for s in g}) for o, g in zip(outputs, given) for ln in o.splitlines() if ln.strip()]
    return sum(ln not in g for ln, g in lines) / max(1, len(lines))


def row(name: str, outputs: list[str], references: list[str], seconds: float, edited: float | None = None) -> str:
    scores = [rouge(o, r) for o, r in zip(outputs, references)]
    mean = {k: statistics.mean(s[k] for s in scores) for k in scores[0]}
    words = statistics.mean(len(o.split()) for o in outputs)
    share = "–" if edited is None else f"{100 * edited:.0f}"
    return (f"| {name} | {mean['rouge1']:.2f} | {mean['rouge2']:.2f} | {mean['rougeLsum']:.2f} | {words:.0f} "
            f"| {share} | {seconds / len(outputs):.2f} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="a model directory with a rewrite task and a selector")
    ap.add_argument("--data", default="../shared/data/cables-dev.jsonl.gz")
    ap.add_argument("--limit", type=int, default=80, help="dev cables with an own summary")
    ap.add_argument("--bonus", type=floats, default=[], help="keep margins (default: the directory's copy_bonus)")
    ap.add_argument("--length-scale", type=floats, default=[], help="selector length scales (default: the directory's)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)

    import torch

    from summarizer.model import load_model

    torch.set_num_threads(args.threads)
    model = load_model(args.model)
    task = model.settings.tasks.get("rewrite")
    if task is None or model.selector is None:
        ap.error(f"{args.model} has no rewrite task or no sentence selector")
    cables = dev_cables(args.data, args.limit)
    inputs = [strip_summary(c) for c in cables]
    references = [c.summary for c in cables]
    print(f"settings: model={args.model} data={args.data} cables={len(cables)} threads={args.threads}")
    print("| decoding | R-1 | R-2 | R-Lsum | words | edited % | CPU s/cable |\n|---|---:|---:|---:|---:|---:|---:|")
    t0 = time.process_time()
    selected = [" ".join(s.text for s in model.selector.select(c)) for c in inputs]
    print(row(f"selector's sentences, length ×{model.selector.length_scale}", selected, references,
              time.process_time() - t0), flush=True)
    grid = itertools.product(args.bonus or [task.copy_bonus], args.length_scale or [model.selector.length_scale])
    for bonus, scale in grid:
        task.copy_bonus = bonus
        model.selector.length_scale = scale
        t0 = time.process_time()
        outputs = [p.summary for p in model.predict(inputs)]
        seconds = time.process_time() - t0
        given = [[s.text for s in model.selector.select(c)] for c in inputs]
        print(row(f"rewrite: margin {bonus:g}, length ×{scale:g}", outputs, references,
                  seconds, edited_share(outputs, given)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
