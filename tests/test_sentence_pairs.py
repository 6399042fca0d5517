"""The causal writer's training pairs: each own-summary sentence with the body sentence(s) that cover it."""
from __future__ import annotations

from collections import Counter

import pytest

from summarizer.cable import Cable, Paragraph, Tag
from summarizer.training.sentence_pairs import best_sources, coverage, sentence_pairs

SENTENCES = [
    "The minister met the ambassador on Monday.",
    "Japan and Russia agreed to expand energy cooperation on the new pipeline.",
    "Officials said the summit would open talks on border security.",
    "Parliament passed the budget after a long debate.",
]


@pytest.mark.parametrize("target, expected", [
    ("Japan and Russia agreed to expand energy cooperation.", [1]),  # one sentence covers it
    ("Officials said the summit would open border talks.", [2]),
    # the words come from two sentences: both are sources, in document order
    ("The minister met the ambassador and parliament passed the budget.", [0, 3]),
])
def test_best_sources(target, expected):
    idx, cov = best_sources(target, SENTENCES)
    assert idx == expected
    assert cov >= 0.7


def test_best_sources_without_sentences():
    assert best_sources("Anything at all here.", []) == ([], 0.0)


def test_coverage_is_clipped_recall():
    assert coverage(Counter("a a b".split()), Counter("a b c".split())) == pytest.approx(2 / 3)
    assert coverage(Counter(), Counter("a".split())) == 0.0


def _cable(summary: str | None, body=SENTENCES) -> Cable:
    paras = [Paragraph(number=k + 1, marking="C", text=t, start=0, end=0) for k, t in enumerate(body)]
    if summary:
        paras.insert(0, Paragraph(number=None, marking=None, text=summary, start=0, end=0))
    return Cable(id="06TEST1", subject="ENERGY", tags=[Tag("ENRG", "subject")], summary=summary, paragraphs=paras,
                 summary_paragraphs=[0] if summary else [])


def test_sentence_pairs_keep_covered_sentences_only():
    summary = ("Japan and Russia agreed to expand energy cooperation. "
               "Zebras invaded the capital overnight without warning today. "  # nothing in the body says so
               "Budget passed.")  # too short to learn from
    pairs = sentence_pairs(_cable(summary))
    assert [p.target for p in pairs] == ["Japan and Russia agreed to expand energy cooperation."]
    assert pairs[0].sources == (SENTENCES[1],)
    assert pairs[0].cable_id == "06TEST1"


def test_no_pairs_without_a_summary():
    assert sentence_pairs(_cable(None)) == []
