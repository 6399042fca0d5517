"""Long inputs: bodies longer than the encoder are read in paragraph-boundary chunks, nothing dropped."""
from __future__ import annotations

import re

import pytest

from test_model_support import one_thread, make_cable, save_tiny_t5

from summarizer.model import load_model
from summarizer.model.chunking import chunk_paragraphs, split_units


def words(texts):
    return [w for t in texts for w in t.split()]


def count_words(texts):
    return [len(t.split()) for t in texts]


def test_paragraphs_are_packed_in_order_without_loss():
    paras = [f"para{i} " + " ".join(f"w{i}_{k}" for k in range(n)) for i, n in enumerate([5, 30, 2, 50, 8, 8, 1])]
    chunks = chunk_paragraphs(paras, count_words, budget=20)
    assert words(chunks) == words(paras)  # every word, once, in order
    assert all(len(c.split()) <= 20 for c in chunks)
    # short paragraphs share a chunk; a chunk boundary never falls inside a paragraph that fits
    assert any(c.count("\n") >= 1 for c in chunks)
    for p in paras:
        if len(p.split()) <= 20:
            assert any(p in c.split("\n") for c in chunks)


def test_overlong_paragraph_splits_on_sentences_then_words():
    long_sentence = " ".join(f"x{k}" for k in range(45))
    para = "First short sentence here. Second one follows. " + long_sentence + ". Last."
    units = split_units([para], count_words, budget=10)
    assert all(n <= 10 for _, n in units)
    assert words(t for t, _ in units) == para.split()
    assert units[0][0] == "First short sentence here."


def test_empty_and_blank_paragraphs():
    assert chunk_paragraphs([], count_words, 10) == []
    assert chunk_paragraphs(["", "  "], count_words, 10) == []


def test_budget_must_be_positive():
    with pytest.raises(ValueError):
        chunk_paragraphs(["a"], count_words, 0)


@pytest.fixture(scope="module")
def t5(tmp_path_factory):
    m = load_model(str(save_tiny_t5(tmp_path_factory.mktemp("t5c") / "t5")), device="cpu")
    m.settings.tasks["summarize"].generation.update(max_new_tokens=4, min_new_tokens=1, num_beams=1)
    m.settings.chunk_min_new_tokens = 2
    return m


def test_cable_longer_than_encoder_gets_every_paragraph_into_a_chunk(t5):
    cable = make_cable(7, n_paragraphs=40, words_per_paragraph=25)  # ~1,000 tokens vs a 64-token encoder
    paras = cable.body_paragraphs
    chunks = t5.chunk(paras)
    assert len(chunks) > 10
    budget = t5.settings.tasks["summarize"].max_source_tokens
    prompt = t5.settings.tasks["summarize"].prompt
    for c in chunks:  # each chunk fits the encoder with its prompt and </s>
        assert len(t5.tokenizer(prompt + c)["input_ids"]) <= budget
    joined = "\n".join(chunks)
    for p in paras:
        assert p in joined
    assert words(chunks) == words(paras)
    pred = t5.predict([cable], batch_size=4)[0]
    assert pred.chunks == len(chunks)


def test_one_huge_paragraph_and_empty_cable_do_not_crash(t5):
    from summarizer.cable import Cable, Paragraph

    huge = " ".join(["minister said japan"] * 400) + "."
    c = Cable(id="X", paragraphs=[Paragraph(number=1, marking=None, text=huge, start=0, end=0)])
    empty = Cable(id="E")
    p_huge, p_empty = t5.predict([c, empty], batch_size=2)
    assert p_huge.chunks > 1 and isinstance(p_huge.summary, str)
    assert p_empty.summary == "" and p_empty.chunks == 0


def test_chunk_summaries_are_joined_without_repeats():
    from summarizer.model.inference import _join_summaries

    out = _join_summaries(["The minister met Putin. Talks went well.", "Talks went well. Oil was discussed."])
    assert out == "The minister met Putin. Talks went well. Oil was discussed."
    assert re.sub(r"\s+", " ", out) == out
