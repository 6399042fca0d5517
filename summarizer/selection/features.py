"""Sentence features for salience: pure functions of a cable and a document-frequency table."""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from summarizer.cable import Cable
from summarizer.sentences import split_sentences

_WORD = re.compile(r"[a-z0-9]+")
_ATTRIBUTION = re.compile(r"\b(?:said|told|noted|stated|explained|added|asserted|claimed)\b", re.I)
_FORWARD = re.compile(r"\b(?:will|would|plans?|expects?|intends?)\b", re.I)
_EMBASSY = re.compile(r"\b(?:we|embassy|post|mission|poloff|econoff)\b", re.I)
_COMMENT = re.compile(r"^\W*(?:begin\s+|end\s+)?comments?\b", re.I)

FEATURE_NAMES = [
    "bias", "first_sentence", "in_first_3", "in_first_6", "log_index", "relative_index",
    "first_paragraph", "second_paragraph", "relative_paragraph", "first_in_paragraph", "log_index_in_paragraph",
    "log_length", "short", "long", "subject_recall", "subject_any", "centrality", "idf_centrality",
    "has_digit", "has_quote", "is_comment", "attribution", "forward_looking", "embassy_voice", "log_sentences",
    "likeness_mean", "likeness_max", "comment_overlap", "has_comment",
]


@dataclass(frozen=True)
class Sentence:
    text: str
    paragraph: int  # index among the body paragraphs
    index: int  # index within its paragraph


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def body_sentences(cable: Cable) -> list[Sentence]:
    return [Sentence(s, pi, si) for pi, p in enumerate(cable.body_paragraphs) for si, s in enumerate(split_sentences(p))]


def sentence_features(cable: Cable, sentences: list[Sentence], idf: dict[str, float], default_idf: float,
                      likeness: dict[str, float] | None = None, default_likeness: float = 0.0) -> np.ndarray:
    """One row of FEATURE_NAMES per sentence. `likeness`: word → log-odds that a word of the body is in
    the summary too (`summary_likeness`); a sentence of such words ("will", "GOJ", "reform") is what
    summaries restate. The overlap with the cable's comment counts too: summaries often restate it."""
    likeness = likeness or {}
    toks = [words(s.text) for s in sentences]
    subject = set(words(cable.subject or ""))
    comment = set(words(cable.comment or ""))
    doc_tf = Counter(w for t in toks for w in t)
    n, n_par = len(sentences), max(1, len(cable.body_paragraphs))
    rows = []
    for k, (s, t) in enumerate(zip(sentences, toks)):
        length = len(t) or 1
        uniq = set(t)
        centrality = sum(min(doc_tf[w], 5) for w in uniq) / (1 + math.sqrt(length))
        idf_centrality = sum(idf.get(w, default_idf) * min(doc_tf[w], 5) for w in uniq) / (1 + math.sqrt(length))
        overlap = len(subject & uniq)
        like = [likeness.get(w, default_likeness) for w in uniq] or [default_likeness]
        rows.append([
            1.0, k == 0, k < 3, k < 6, math.log1p(k), k / n, s.paragraph == 0, s.paragraph == 1,
            s.paragraph / n_par, s.index == 0, math.log1p(s.index),
            math.log1p(length), length < 8, length > 40, overlap / (len(subject) or 1), overlap > 0,
            centrality / 10, idf_centrality / 50, any(c.isdigit() for c in s.text), '"' in s.text,
            bool(_COMMENT.match(s.text)), bool(_ATTRIBUTION.search(s.text)), bool(_FORWARD.search(s.text)),
            bool(_EMBASSY.search(s.text)), math.log1p(n),
            sum(like) / len(like), max(like), len(comment & uniq) / max(1, len(uniq)), bool(comment),
        ])
    return np.asarray(rows, dtype=np.float32).reshape(len(rows), len(FEATURE_NAMES))
