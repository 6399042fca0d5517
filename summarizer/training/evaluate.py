"""Scoring a written model directory on dev cables, next to the lead-words baseline on the same cables.

The model is loaded exactly as the product loads it (`summarizer.model.load_model`), so the figures are
those of what ships. ROUGE and tag F1 come from `summarizer.metrics`, as in the scoring script;
`python -m eval.score` remains the reference measurement.
"""
from __future__ import annotations

import time
from pathlib import Path

from summarizer.metrics import predictable_codes, rouge
from summarizer.model import load_model
from summarizer.sentences import split_sentences


def lead_words(cable, target_words: int) -> str:
    out, n = [], 0
    for s in split_sentences(cable.body):
        w = len(s.split())
        if out and (n >= target_words or abs(n + w - target_words) > abs(n - target_words)):
            break
        out.append(s)
        n += w
    return "\n".join(out)


def evaluate_dir(model_dir: str | Path, dev_cables, n: int, log=print, batch_size: int = 8) -> dict:
    cables = [c for c in dev_cables if c.summary and c.summary.strip() and c.body.strip()][:n]
    if not cables:
        return {}
    model = load_model(str(model_dir), device=None)
    t = time.time()
    preds = []
    for s in range(0, len(cables), batch_size):
        preds.extend(model.predict(cables[s:s + batch_size], batch_size=batch_size))
    seconds = (time.time() - t) / len(cables)

    def mean_rouge(texts):
        rows = [rouge(p, c.summary) for p, c in zip(texts, cables)]
        return {k: sum(r[k] for r in rows) / len(rows) for k in rows[0]}

    tp = fp = fn = 0
    n_tags = 0
    for p, c in zip(preds, cables):
        gold = set(predictable_codes(c.tag_codes))
        if not gold:
            continue
        n_tags += 1
        pred = set(p.tags)
        tp, fp, fn = tp + len(pred & gold), fp + len(pred - gold), fn + len(gold - pred)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 100 * 2 * prec * rec / (prec + rec) if prec + rec else 0.0

    model_row = {**mean_rouge([p.summary for p in preds]), "tags_f1_micro": f1, "seconds_per_cable": seconds}
    lead_row = mean_rouge([lead_words(c, len(c.summary.split())) for c in cables])
    result = {"n_summaries": len(cables), "n_tags": n_tags,
              "systems": {"model": model_row, "lead-words (same cables)": lead_row},
              "examples": [{"id": c.id, "summary": p.summary, "tags": p.tags, "topics": p.topics}
                           for p, c in list(zip(preds, cables))[:3]]}
    log("dev: " + " | ".join(f"{k}: R1 {v['rouge1']:.1f} R2 {v['rouge2']:.1f} RLsum {v['rougeLsum']:.1f}"
                             for k, v in result["systems"].items())
        + f" | tag F1 {f1:.1f} | {seconds:.2f} s/cable")
    return result
