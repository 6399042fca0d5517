"""Which paragraphs of the cable support each sentence of a summary (by word overlap).

For every summary sentence the paragraphs the model read are ranked by how much of the sentence they
contain: the idf-weighted share of the sentence's content words found in the paragraph (words rare in
this cable count more than words every paragraph has), blended with the share of its content-word
bigrams found there (phrases, not just words). Tokens are the ones ROUGE compares (lower case,
alphanumeric, Porter-stemmed), minus common function words. The best paragraph supports the sentence
when it reaches `MIN_SCORE`; a second one does when it comes close to the best. A sentence no paragraph
supports is flagged: a reader should check it (it may be made up).

Pure functions, no model and no Gradio: the page turns the result into `HighlightedText` values, and the
corpus index (`summarizer.corpus`) stores the same evidence for every cable of a batch run.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from summarizer.cable import Cable, Paragraph
from summarizer.metrics import rouge_tokens
from summarizer.sentences import split_sentences

MIN_SCORE = 0.25  # least overlap for a paragraph to count as support
SECOND_RATIO = 0.75  # another paragraph also supports when it scores at least this share of the best
MAX_SUPPORT = 2  # paragraphs listed per summary sentence
BIGRAM_WEIGHT = 0.4

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own said same
    says she should so some such than that the their theirs them themselves then there these they this
    those through to too under until up very was we were what when where which while who whom why will
    with would you your yours yourself yourselves per via upon may might must shall one two
    """.split()
)
_STEMMED_STOPWORDS: frozenset[str] | None = None


@dataclass
class Support:
    index: int  # 0-based position of the sentence in the summary
    sentence: str
    paragraphs: list[tuple[int, float]] = field(default_factory=list)  # (paragraph index, score 0..1), best first
    best: float = 0.0  # the best paragraph's score, even when below MIN_SCORE

    @property
    def label(self) -> str:
        return f"S{self.index + 1}"

    @property
    def supported(self) -> bool:
        return bool(self.paragraphs)


def _stopwords() -> frozenset[str]:
    global _STEMMED_STOPWORDS
    if _STEMMED_STOPWORDS is None:
        stemmed = {t for w in STOPWORDS for t in rouge_tokens(w)}
        _STEMMED_STOPWORDS = frozenset(stemmed | STOPWORDS)
    return _STEMMED_STOPWORDS


def content_tokens(text: str) -> list[str]:
    """The text's content words as ROUGE sees them (stemmed), in order, function words left out."""
    stop = _stopwords()
    return [t for t in rouge_tokens(text) if t not in stop and not re.fullmatch(r"\d", t)]


def _bigrams(tokens: list[str]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:]))


def find_support(sentences: list[str], paragraphs: list[str], min_score: float = MIN_SCORE,
                 max_support: int = MAX_SUPPORT) -> list[Support]:
    """One `Support` per summary sentence: the paragraphs (indexes into `paragraphs`) that back it."""
    para_tokens = [content_tokens(p) for p in paragraphs]
    para_sets = [set(t) for t in para_tokens]
    para_bigrams = [_bigrams(t) for t in para_tokens]
    df = Counter(w for s in para_sets for w in s)
    n = len(paragraphs)

    def idf(w: str) -> float:
        return math.log((n + 1) / (df.get(w, 0) + 0.5)) + 0.1

    out: list[Support] = []
    for i, sentence in enumerate(sentences):
        toks = content_tokens(sentence)
        words = set(toks)
        sup = Support(index=i, sentence=sentence)
        out.append(sup)
        if not words or not paragraphs:
            continue
        total = sum(idf(w) for w in words)
        grams = _bigrams(toks)
        scored = []
        for j in range(n):
            uni = sum(idf(w) for w in words & para_sets[j]) / total
            if grams:
                score = (1 - BIGRAM_WEIGHT) * uni + BIGRAM_WEIGHT * len(grams & para_bigrams[j]) / len(grams)
            else:
                score = uni
            scored.append((score, -j))
        scored.sort(reverse=True)
        best = scored[0][0]
        sup.best = round(best, 3)
        if best < min_score:
            continue
        for score, neg_j in scored[:max_support]:
            if score >= min_score and score >= SECOND_RATIO * best:
                sup.paragraphs.append((-neg_j, round(score, 3)))
    return out


def paragraph_labels(supports: list[Support], n_paragraphs: int) -> list[str | None]:
    """For each paragraph, the labels ("S1", "S1+S3") of the summary sentences it supports, or None."""
    labels: list[list[str]] = [[] for _ in range(n_paragraphs)]
    for sup in supports:
        for j, _ in sup.paragraphs:
            if 0 <= j < n_paragraphs and sup.label not in labels[j]:
                labels[j].append(sup.label)
    return ["+".join(ls) if ls else None for ls in labels]


@dataclass
class Evidence:
    """A summary against its cable: the summary's sentences, the paragraphs the model read and which of
    them back each sentence."""

    sentences: list[str]
    body_index: list[int]  # indexes into cable.paragraphs of the paragraphs the model read
    supports: list[Support]


def cable_evidence(cable: Cable, summary: str) -> Evidence:
    """Which paragraphs of `cable` the model read (all but the own summary) and which back each sentence."""
    skip = set(cable.summary_paragraphs)
    body_index = [i for i, p in enumerate(cable.paragraphs) if i not in skip and p.text.strip()]
    if not body_index:  # nothing but a summary: the model read whatever text there was
        body_index = [i for i, p in enumerate(cable.paragraphs) if p.text.strip()]
    sentences = split_sentences(summary)
    supports = find_support(sentences, [cable.paragraphs[i].text for i in body_index])
    return Evidence(sentences=sentences, body_index=body_index, supports=supports)


def paragraph_number(paragraphs: list[Paragraph], i: int) -> int:
    """The cable's own number of paragraph i, or its 1-based position when it has none."""
    p = paragraphs[i]
    return p.number if p.number is not None else i + 1


def evidence_json(cable: Cable, evidence: Evidence) -> list[dict]:
    """Per summary sentence: whether it is supported, by which paragraphs (the cable's numbers) and how well."""
    paras = cable.paragraphs
    return [{"sentence": s.sentence, "supported": s.supported,
             "paragraphs": [paragraph_number(paras, evidence.body_index[j]) for j, _ in s.paragraphs],
             "scores": [score for _, score in s.paragraphs]}
            for s in evidence.supports]
