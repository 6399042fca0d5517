"""Sentence-level training pairs for the causal writer (`writer.py`): body sentence(s) → one sentence of
the own summary.

Whole-cable pairs are too few (~3k) and too long for a small generator to learn from; a summary
sentence is mostly a rewrite of one or two body sentences, so each summary sentence is paired with the
body sentences that cover it best (by unigram overlap, as ROUGE counts it). A pair is kept only when the
sources cover most of the target's words: the writer must learn to compress and restate what it is
shown, not to add what it is not.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from summarizer.cable import Cable
from summarizer.selection.features import body_sentences, words
from summarizer.sentences import split_sentences

MAX_SOURCES = 2  # the writer is shown one selected sentence, or two fused
MIN_COVERAGE = 0.7  # share of the target's words that must occur in the sources
MIN_GAIN = 0.15  # a second source must add this much coverage of the target
MIN_TARGET_WORDS = 5


@dataclass(frozen=True)
class SentencePair:
    cable_id: str | None
    sources: tuple[str, ...]  # in document order
    target: str
    coverage: float  # share of the target's words found in the sources


def coverage(target: Counter, source: Counter) -> float:
    """Clipped unigram recall of `target` by `source` (ROUGE-1 recall)."""
    total = sum(target.values())
    return sum(min(n, source[w]) for w, n in target.items()) / total if total else 0.0


def _f1(target: Counter, source: Counter) -> float:
    hit = sum(min(n, source[w]) for w, n in target.items())
    if not hit:
        return 0.0
    p, r = hit / sum(source.values()), hit / sum(target.values())
    return 2 * p * r / (p + r)


def best_sources(target: str, sentences: list[str]) -> tuple[list[int], float]:
    """Indices (document order) of up to MAX_SOURCES sentences covering `target`, and their coverage.

    The first is the sentence with the best unigram F1 (recall alone would pick the longest); each next
    one must raise the coverage by MIN_GAIN."""
    tgt = Counter(words(target))
    bags = [Counter(words(s)) for s in sentences]
    if not tgt or not bags:
        return [], 0.0
    first = max(range(len(bags)), key=lambda i: (_f1(tgt, bags[i]), -i))
    chosen, bag = [first], Counter(bags[first])
    cov = coverage(tgt, bag)
    while len(chosen) < MAX_SOURCES:
        gains = [(coverage(tgt, bag + bags[i]) - cov, -i) for i in range(len(bags)) if i not in chosen]
        if not gains:
            break
        gain, neg_i = max(gains)
        if gain < MIN_GAIN:
            break
        chosen.append(-neg_i)
        bag += bags[-neg_i]
        cov += gain
    return sorted(chosen), cov


def sentence_pairs(cable: Cable, min_coverage: float = MIN_COVERAGE) -> list[SentencePair]:
    """One pair per own-summary sentence that the body covers well enough."""
    if not cable.summary:
        return []
    sentences = [s.text for s in body_sentences(cable)]
    out = []
    for target in split_sentences(cable.summary):
        if len(words(target)) < MIN_TARGET_WORDS:
            continue
        idx, cov = best_sources(target, sentences)
        if idx and cov >= min_coverage:
            out.append(SentencePair(cable.id, tuple(sentences[i] for i in idx), target.strip(), round(cov, 3)))
    return out
