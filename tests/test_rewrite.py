"""The select-then-rewrite summary: sentence pairs, the training-side copy pointer, and the model path."""
from __future__ import annotations

import json
import random
import re

import pytest

from summarizer.cable import Cable, Paragraph, Tag
from summarizer.training.rewrite_pairs import best_sources, coverage, rewrite_pairs
from test_model_support import WORDS, fast_decoding, one_thread, tiny_config, word_tokenizer  # noqa: F401

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
    from collections import Counter

    assert coverage(Counter("a a b".split()), Counter("a b c".split())) == pytest.approx(2 / 3)
    assert coverage(Counter(), Counter("a".split())) == 0.0


def _cable(summary: str | None, body=SENTENCES) -> Cable:
    paras = [Paragraph(number=k + 1, marking="C", text=t, start=0, end=0) for k, t in enumerate(body)]
    if summary:
        paras.insert(0, Paragraph(number=None, marking=None, text=summary, start=0, end=0))
    return Cable(id="06TEST1", subject="ENERGY", tags=[Tag("ENRG", "subject")], summary=summary, paragraphs=paras,
                 summary_paragraphs=[0] if summary else [])


def test_rewrite_pairs_keep_covered_sentences_only():
    summary = ("Japan and Russia agreed to expand energy cooperation. "
               "Zebras invaded the capital overnight without warning today. "  # nothing in the body says so
               "Budget passed.")  # too short to learn from
    pairs = rewrite_pairs(_cable(summary))
    assert [p.target for p in pairs] == ["Japan and Russia agreed to expand energy cooperation."]
    assert pairs[0].sources == (SENTENCES[1],)
    assert pairs[0].cable_id == "06TEST1"


def test_no_pairs_without_a_summary():
    assert rewrite_pairs(_cable(None)) == []


# ------------------------------------------------------------------ the model path


def _copy_cable(i: int) -> Cable:
    """A cable whose own summary restates one of its body sentences (what rewrite pairs need)."""
    rng = random.Random(i)
    body = [" ".join(rng.choice(WORDS) for _ in range(10)).capitalize() + "." for _ in range(4)]
    return _cable(body[1], body)


def test_rewriter_trains_and_writes_only_deletions_of_the_cable(tmp_path):
    from summarizer.model import load_model
    from summarizer.reading import is_subsequence, words
    from summarizer.training.loop import train_on

    cables = [_copy_cable(i) for i in range(24)]
    cfg = tiny_config(tmp_path / "m", ["tasks=rewrite", "max_steps=6", "prompt_side=decoder"])
    out = fast_decoding(train_on(cfg, cables, [_copy_cable(100 + i) for i in range(4)], log=lambda *_: None))
    settings = json.loads((out / "summarizer_config.json").read_text())
    assert settings["tasks"]["rewrite"]["copy_bonus"] is not None
    model = load_model(str(out))
    body = ["Officials said the summit would open talks on border security, he said.",
            "The minister met the ambassador on Monday (as expected) after the budget debate."]
    cable = _cable(None, body)
    [pred] = model.predict([cable])
    written = pred.summary.split("\n")
    assert len(written) == 2
    for source, sentence in zip(body, written):  # each one its source, or its source with a unit left out
        assert sentence == source or (is_subsequence(words(sentence), words(source)) and len(sentence) < len(source))


def test_training_batch_marks_where_the_copy_bonus_applies():
    from summarizer.training.loop import collate
    from summarizer.training.pairs import Example

    # source 10 11 12; target 11 12 13 (13 is not in the source): 12 follows 11 in the source
    ex = Example("rewrite", None, src=[1, 10, 11, 12, 2], tgt=[11, 12, 13, 3], allowed=frozenset({3, 10, 11, 12}),
                 text_start=1)
    b = collate([ex], pad_id=0, start_id=1, device="cpu", vocab_size=20)
    assert b["labels"][0].tolist() == [11, 12, -100, 3]  # 13 cannot be written under the constraint: not scored
    assert b["allowed"][0].nonzero().flatten().tolist() == [3, 10, 11, 12]
    # decoder input is [start, 11, 12, 13]: the first token may start the source (10), after 11 comes 12;
    # position 2 is not scored and nothing follows 13
    assert sorted(map(tuple, b["copy_at"].tolist())) == [(0, 0, 10), (0, 1, 12)]


def test_a_model_directory_with_a_tags_classifier_takes_its_tags(tmp_path):
    from summarizer.model import load_model
    from summarizer.tagging.fit import FitConfig, fit_classifier
    from test_model_support import make_cable, train_tiny

    out = fast_decoding(train_tiny(tmp_path / "m", steps=2))
    cables = [make_cable(i) for i in range(40)]
    tagger = fit_classifier(cables, FitConfig())
    tagger.save(out)
    model = load_model(str(out))
    assert model.tagger is not None
    cable = make_cable(3)
    [pred] = model.predict([cable])
    assert pred.tags == tagger.predict(cable)[: model.settings.max_tags]


def test_an_unreadable_tags_classifier_is_a_model_error(tmp_path):
    from summarizer.model import ModelError, load_model
    from test_model_support import train_tiny

    out = train_tiny(tmp_path / "m", steps=1)
    (out / "tagger.safetensors").write_bytes(b"not safetensors")
    (out / "tagger.json").write_text("{}")
    with pytest.raises(ModelError, match="TAGS classifier"):
        load_model(str(out))


def test_the_copy_pointer_keeps_its_place_in_the_source():
    from summarizer.model.constrain import continuations, positions

    # the source reads "5 6 7 and 10 11 12 and 13", with 9 for "and"
    src = [5, 6, 7, 9, 10, 11, 12, 9, 13]
    where = positions(src)
    assert continuations(src, where, [6, 7, 9]) == {10}  # copying "6 7 and": the first "and"
    assert continuations(src, where, [11, 12, 9]) == {13}  # the second
    assert continuations(src, where, [4, 9]) == {10, 13}  # 4 is not in the source: "and" alone matches both
    assert continuations(src, where, [13]) == set()  # the end of the source
    assert continuations(src, where, [4]) == set()
    assert continuations(src, where, []) == set()
    # anchored at the text's start (after a special token 1): what was copied from the start goes on there
    src = [1, 9, 5, 6, 9, 7]  # "[CLS] the minister met the press"
    where = positions(src)
    assert continuations(src, where, [9], text_start=1) == {5}
    assert continuations(src, where, [9]) == {5, 7}
    assert continuations(src, where, [], text_start=1) == {9}
    assert continuations(src, where, [6, 9], text_start=1) == {7}  # not copied from the start: the longest match


def test_cached_encoder_states_give_the_same_loss(tmp_path):
    import torch

    from summarizer.model.settings import read_prompt
    from summarizer.training.loop import EncoderCache, collate, logits_width, seq2seq_loss
    from summarizer.training.modeling import build_model, build_tokenizer, freeze_encoder
    from summarizer.training.pairs import build_rewrite_examples

    cfg = tiny_config(tmp_path / "m", ["tasks=rewrite", "prompt_side=decoder"])
    cables = [_copy_cable(i) for i in range(6)]
    tokenizer, kept = build_tokenizer(cfg, texts=[c.body for c in cables])
    model = build_model(cfg, tokenizer, kept)
    assert not EncoderCache.usable(model)
    freeze_encoder(model, cfg.encoder_layers)
    assert EncoderCache.usable(model)
    model.eval()  # no dropout: the two losses must agree
    examples = build_rewrite_examples(cables, tokenizer, read_prompt("rewrite.txt"), 64, 32, 0.6, "decoder")
    cache = EncoderCache(model)
    b = collate(examples[:4], tokenizer.pad_token_id, model.config.decoder_start_token_id, "cpu", logits_width(model))
    bonus = torch.tensor(2.0)
    plain = seq2seq_loss(model, b, per_example=True, copy_bonus=bonus)
    cached = seq2seq_loss(model, cache.add(examples[:4], b), per_example=True, copy_bonus=bonus)
    assert len(cache.states) == 4
    assert torch.allclose(plain, cached, atol=1e-5)
    # a second batch sharing two examples reuses their states (same loss as computed fresh)
    batch = examples[2:6]
    b2 = collate(batch, tokenizer.pad_token_id, model.config.decoder_start_token_id, "cpu", logits_width(model))
    assert torch.allclose(seq2seq_loss(model, cache.add(batch, b2), per_example=True, copy_bonus=bonus),
                          seq2seq_loss(model, b2, per_example=True, copy_bonus=bonus), atol=1e-5)
    assert len(cache.states) == 6
