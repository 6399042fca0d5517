"""Per-cable scores of a prediction against the cable's own summary and TAGS (SPEC `scores` field).

Uses the scoring script's metric functions (`summarizer/metrics.py`: ROUGE with stemming over the project's
sentence split, tag F1) when they are importable, and the same definitions via `rouge-score` otherwise.
"""
from __future__ import annotations

import re

_CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,5}$")


def _metrics():
    try:
        from summarizer import metrics
        return metrics
    except Exception:  # noqa: BLE001 - eval/ is not part of every install
        return None


def rouge(prediction: str, reference: str) -> dict[str, float]:
    m = _metrics()
    if m is not None:
        return m.rouge(prediction, reference)
    from rouge_score import rouge_scorer

    from summarizer.sentences import split_sentences

    types = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    scorer = rouge_scorer.RougeScorer(types, use_stemmer=True)
    s = scorer.score("\n".join(split_sentences(reference)), "\n".join(split_sentences(prediction)))
    return {k: 100.0 * s[k].fmeasure for k in types}


def gold_codes(codes: list[str]) -> list[str]:
    """The TAGS codes a model is asked to predict (person tags such as "OVIP (BIDEN, JOSEPH)" left out)."""
    return [c.strip().upper() for c in codes if _CODE_RE.match(c.strip())]


def tag_f1(predicted: list[str], gold: list[str]) -> float:
    """Set F1 ×100 of one cable's predicted codes against its own."""
    p, g = {c.upper() for c in predicted}, {c.upper() for c in gold}
    if not p and not g:
        return 100.0
    tp = len(p & g)
    if tp == 0:
        return 0.0
    prec, rec = tp / len(p), tp / len(g)
    return 100.0 * 2 * prec * rec / (prec + rec)


def cable_scores(summary: str | None, tags: list[str], cable) -> dict | None:
    """`{"rouge1", "rouge2", "rougeL", "rougeLsum", "tags_f1"}` (×100) where the cable has a reference;
    keys are absent when it has no own summary / no TAGS; None when it has neither."""
    out: dict = {}
    if cable.summary and cable.summary.strip():
        out.update({k: round(v, 2) for k, v in rouge(summary or "", cable.summary).items()})
    gold = gold_codes(cable.tag_codes)
    if gold:
        out["tags_f1"] = round(tag_f1(tags, gold), 2)
    return out or None
