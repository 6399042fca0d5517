"""Pure metric functions for the offline scorer (`python -m eval.score`).

Everything here is deterministic and free of I/O:
- `rouge`: ROUGE-1/2/L/Lsum F1 ×100 with `rouge-score`, stemming on, both texts split by the
  project's sentence splitter and joined with newlines (so ROUGE-Lsum is summary-level);
- `bootstrap_ci`: percentile bootstrap interval of a mean, seeded;
- `tag_scores`: TAGS micro/macro precision, recall and F1, overall and by tag kind;
- `faithfulness` (from `summarizer.facts`): names, acronyms and numbers in an output that never occur in its source;
- `word_count`, `percentile`: length and speed helpers.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from typing import Callable, Iterable, Sequence

import numpy as np

from summarizer.facts import FAITHFULNESS_SETTINGS, extract_units, faithfulness, faithfulness_summary  # noqa: F401 - the scorer's names
from summarizer.sentences import split_sentences

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
ROUGE_SETTINGS = {
    "package": "rouge-score",
    "types": list(ROUGE_TYPES),
    "measure": "F1 x 100",
    "use_stemmer": True,
    "sentence_splitter": "summarizer.sentences.split_sentences, sentences joined with newlines",
}


# ----------------------------------------------------------------------------------------- ROUGE
@lru_cache(maxsize=1)
def _scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), split_summaries=False, tokenizer=_rouge_tokenizer())


def load_rouge() -> None:
    """Import rouge-score now rather than at the first score: its nltk import takes 0.5-2 s (more where
    transformers has not already imported scipy), which `summarizer serve` spends while the model loads."""
    _scorer()


def prepare_for_rouge(text: str) -> str:
    """The text as ROUGE sees it: one sentence a line (the project's splitter)."""
    return "\n".join(split_sentences(text or ""))


def rouge(prediction: str, reference: str) -> dict[str, float]:
    """ROUGE-1/2/L/Lsum F1 ×100 of `prediction` against `reference`."""
    scores = _scorer().score(prepare_for_rouge(reference), prepare_for_rouge(prediction))
    return {k: 100.0 * scores[k].fmeasure for k in ROUGE_TYPES}


@lru_cache(maxsize=1)
def _rouge_tokenizer():
    """rouge-score's own tokenizer (`use_stemmer=True`), with each word's Porter stem computed once: the
    stemmer was most of the cost of scoring a cable and of the page's support highlighting."""
    from rouge_score import tokenizers

    tokenizer = tokenizers.DefaultTokenizer(use_stemmer=True)
    tokenizer._stemmer.stem = lru_cache(maxsize=200_000)(tokenizer._stemmer.stem)
    return tokenizer


def rouge_tokens(text: str) -> list[str]:
    """The tokens `rouge-score` compares (lower case, alphanumeric, Porter-stemmed)."""
    return _rouge_tokenizer().tokenize(text or "")


def ngram_f1(pred_ngrams: Counter, ref_ngrams: Counter) -> float:
    """F1 (0..1) of two n-gram multisets, as ROUGE-N computes it."""
    if not pred_ngrams or not ref_ngrams:
        return 0.0
    overlap = sum((pred_ngrams & ref_ngrams).values())
    if overlap == 0:
        return 0.0
    p = overlap / sum(pred_ngrams.values())
    r = overlap / sum(ref_ngrams.values())
    return 2 * p * r / (p + r)


def ngrams(tokens: Sequence[str], n: int) -> Counter:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


# ------------------------------------------------------------------------------------- bootstrap
def bootstrap_ci(
    values: Sequence[float], n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Percentile bootstrap interval for the mean of `values`; None for an empty list.

    Deterministic: the same values, resamples and seed always give the same interval.
    """
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    if arr.size == 0:
        return None
    if arr.size == 1:
        return (float(arr[0]), float(arr[0]))
    rng = np.random.default_rng(seed)
    means = np.empty(n_resamples)
    chunk = max(1, 2_000_000 // arr.size)  # bound the index matrix's memory
    for lo in range(0, n_resamples, chunk):
        hi = min(n_resamples, lo + chunk)
        idx = rng.integers(0, arr.size, size=(hi - lo, arr.size))
        means[lo:hi] = arr[idx].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    lo_q, hi_q = np.quantile(means, [alpha, 1.0 - alpha])
    return (float(lo_q), float(hi_q))


def mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return float(sum(vals) / len(vals)) if vals else None


# ------------------------------------------------------------------------------------------ tags
def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def tag_f1(predicted: Sequence[str], gold: Sequence[str]) -> float:
    """F1 (0..1) of one cable's predicted tag codes against its own TAGS (as sets)."""
    pred, ref = set(predicted), set(gold)
    if not pred and not ref:
        return 1.0
    return _prf(len(pred & ref), len(pred - ref), len(ref - pred))[2]


_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,5}$")


def normalise_code(code: str) -> str:
    """A TAGS code as the scorer compares it: upper case, single spaces."""
    return " ".join(str(code).split()).upper()


def is_predictable_code(code: str) -> bool:
    """Whether a TAGS code is one a model is asked to predict (not a person tag such as "OVIP (BIDEN, JOSEPH)")."""
    return bool(_CODE.match(code.strip()))


def predictable_codes(codes: Sequence[str]) -> list[str]:
    """The predictable TAGS codes (`is_predictable_code`), upper-cased."""
    return [c.strip().upper() for c in codes if is_predictable_code(c)]


def cable_scores(summary: str | None, tags: Sequence[str], cable) -> dict | None:
    """One cable's `scores` (the SPEC's row): ROUGE-1/2/L/Lsum against its own summary and `tags_f1`
    against its own TAGS, ×100 and rounded to 2 places; a key is absent where the cable has no such
    reference, and the whole is None when it has neither."""
    out: dict = {}
    if cable.summary and cable.summary.strip():
        out.update({k: round(v, 2) for k, v in rouge(summary or "", cable.summary).items()})
    gold = predictable_codes(cable.tag_codes)
    if gold:
        out["tags_f1"] = round(100 * tag_f1([c.upper() for c in tags], gold), 2)
    return out or None


def tag_scores(
    pairs: Sequence[tuple[Sequence[str], Sequence[str]]],
    kind_of: Callable[[str], str] | None = None,
) -> dict:
    """TAGS scores over cables: `pairs` = [(predicted codes, gold codes), ...], each a set per cable.

    micro: precision/recall/F1 from tag decisions pooled over all cables;
    macro: the mean over tag codes (any code that is gold or predicted somewhere) of each code's F1;
    samples: the mean over cables of each cable's F1.
    With `kind_of`, the same scores restricted to each kind of code (both sides filtered).
    All values are ×100. Empty input gives None values.
    """
    out = _tag_block(pairs)
    if kind_of is not None:
        kinds = sorted({kind_of(c) for p, g in pairs for c in (*p, *g)})
        out["by_kind"] = {}
        for kind in kinds:
            sub = [
                ([c for c in p if kind_of(c) == kind], [c for c in g if kind_of(c) == kind])
                for p, g in pairs
            ]
            sub = [(p, g) for p, g in sub if p or g]
            block = _tag_block(sub)
            block["n_gold"] = sum(len(set(g)) for _, g in sub)
            block["n_predicted"] = sum(len(set(p)) for p, _ in sub)
            out["by_kind"][kind] = block
    return out


def _tag_block(pairs) -> dict:
    if not pairs:
        return {k: None for k in ("micro_p", "micro_r", "micro_f1", "macro_f1", "samples_f1")} | {"n": 0}
    tp = fp = fn = 0
    per_code: dict[str, list[int]] = {}
    for pred, gold in pairs:
        pred, gold = set(pred), set(gold)
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
        for c in pred | gold:
            counts = per_code.setdefault(c, [0, 0, 0])
            counts[0] += c in pred and c in gold
            counts[1] += c in pred and c not in gold
            counts[2] += c in gold and c not in pred
    p, r, f = _prf(tp, fp, fn)
    macro = sum(_prf(*v)[2] for v in per_code.values()) / len(per_code) if per_code else 0.0
    samples = sum(tag_f1(pr, g) for pr, g in pairs) / len(pairs)
    return {
        "n": len(pairs),
        "micro_p": 100 * p,
        "micro_r": 100 * r,
        "micro_f1": 100 * f,
        "macro_f1": 100 * macro,
        "samples_f1": 100 * samples,
    }


# ------------------------------------------------------------------------------- length / speed
_WORD = re.compile(r"\S+")


def word_count(text: str | None) -> int:
    """Words = runs of non-space characters."""
    return len(_WORD.findall(text or ""))


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100, linear interpolation); None for no values."""
    vals = sorted(v for v in values if v is not None and not math.isnan(v))
    if not vals:
        return None
    return float(np.percentile(np.asarray(vals), q))


def greedy_oracle(sentences: Sequence[str], reference: str, max_sentences: int = 30) -> list[int]:
    ref_tok = rouge_tokens(reference)
    ref1, ref2 = ngrams(ref_tok, 1), ngrams(ref_tok, 2)
    sent_tok = [rouge_tokens(s) for s in sentences]
    s1 = [ngrams(t, 1) for t in sent_tok]
    s2 = [ngrams(t, 2) for t in sent_tok]
    chosen: list[int] = []
    cur1, cur2 = Counter(), Counter()
    best = 0.0
    while len(chosen) < max_sentences:
        pick, pick_score = None, best
        for i in range(len(sentences)):
            if i in chosen or not sent_tok[i]:
                continue
            score = ngram_f1(cur1 + s1[i], ref1) + ngram_f1(cur2 + s2[i], ref2)
            if score > pick_score + 1e-12:
                pick, pick_score = i, score
        if pick is None:
            break
        chosen.append(pick)
        cur1 += s1[pick]
        cur2 += s2[pick]
        best = pick_score
    return sorted(chosen)
