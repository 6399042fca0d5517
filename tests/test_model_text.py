"""Truecasing and detokenizing an uncased model's output against the cable's own text."""
from __future__ import annotations

import pytest

from summarizer.model.text import CasingTable, detokenize, ends_sentence, restore, truecase

SOURCE = (
    "Prime Minister Koizumi plans to raise the Northern Territories dispute with President Putin. "
    "The U.S. and MOFA (MLAT) said 1.4 (b)(d) on the \"Ring of Fire\". Russo-Japanese relations: "
    "post-summit progress -- Putin's visit cost 2,000 yen, he/she said. I'm sure it isn't 5%, $3.5 million. "
    "A U.S.-Japan MLAT."
)


@pytest.mark.parametrize("word,form", [
    ("koizumi", "Koizumi"), ("mofa", "MOFA"), ("putin", "Putin"), ("northern", "Northern"),
    ("the", "the"), ("russo-japanese", "Russo-Japanese"), ("putin's", "Putin's"), ("u.s", "U.S"),
])
def test_casing_table_takes_most_frequent_form(word, form):
    assert CasingTable.from_text(SOURCE).get(word) == form


def test_sentence_initial_capital_is_weak_evidence():
    table = CasingTable.from_text("The talks ended. We met the minister. Then the minister left. The end.")
    assert table.get("the") == "the"  # three mid-sentence "the" beat two sentence-initial "The"
    assert table.get("then") == "Then"  # only ever seen sentence-initially: keeps its capital


def test_all_caps_text_is_ignored():
    caps = "THE MINISTER MET PRESIDENT PUTIN IN MOSCOW ON MONDAY TO DISCUSS THE PIPELINE AND ENERGY."
    assert len(CasingTable.from_text(caps)) == 0
    assert truecase("the minister met putin.", CasingTable.from_text(caps)) == "The minister met putin."


def test_corpus_table_is_the_fallback_and_drops_plain_lower_words():
    corpus = CasingTable.from_texts(["Ambassador Smith met NATO officials in Brussels.",
                                     "NATO officials met Smith in Brussels again."], min_count=2)
    assert corpus.get("nato") == "NATO" and corpus.get("brussels") == "Brussels"
    assert corpus.get("officials") is None  # usual form is lower case: not stored
    cable = CasingTable.from_text("Smith said the meeting went well.")
    assert truecase("smith met nato in brussels.", cable, corpus) == "Smith met NATO in Brussels."


def test_truecase_capitalises_sentence_starts_and_i():
    assert truecase("the talks ended. i think they failed! next week? maybe.", CasingTable()) == \
        "The talks ended. I think they failed! Next week? Maybe."


def test_abbreviations_do_not_start_a_sentence():
    assert not ends_sentence("U.S.") and not ends_sentence("Amb.") and ends_sentence("said.")
    out = truecase("the u.s. and japan met.", CasingTable.from_text(SOURCE))
    assert out == "The U.S. and japan met."


def test_model_capitals_are_kept():
    assert truecase("the DPRK said", CasingTable.from_text("the dprk said")) == "The DPRK said"


@pytest.mark.parametrize("spaced,joined", [
    ("russo - japanese relations : post - summit progress", "russo-japanese relations: post-summit progress"),
    ("putin ' s visit", "putin's visit"),
    ("it isn ' t 5 % , $ 3 . 5 million .", "it isn't 5%, $3.5 million."),
    ("the ( mlat ) said", "the (mlat) said"),
    ("on the \" ring of fire \" .", "on the \"ring of fire\"."),
    ("progress - - putin", "progress -- putin"),
    ("cost 2 , 000 yen", "cost 2,000 yen"),
    ("he / she said", "he/she said"),
    ("the u . s . and", "the u.s. and"),
    ("1 . 4 ( b )", "1.4 (b)"),
    ("met the u . s . - - - and the u . n . envoy", "met the u.s. -- and the u.n. envoy"),
    ("they left . a new", "they left. a new"),
    ("a u . s . - japan mlat", "a u.s.-japan mlat"),  # as the source writes it
    ("the u . s . - the envoy", "the u.s. - the envoy"),  # the source has no "u.s.-the"
])
def test_detokenize(spaced, joined):
    assert detokenize(spaced, SOURCE) == joined


def test_detokenize_keeps_sentence_breaks_not_in_source():
    # "said . 4" is a sentence end followed by a number: not joined, the source has no "said.4"
    assert detokenize("he said . 4 ships left .", SOURCE) == "he said. 4 ships left."


def test_restore_end_to_end():
    out = restore("prime minister koizumi met putin ' s envoy on the \" ring of fire \" .", SOURCE)
    assert out == "Prime Minister Koizumi met Putin's envoy on the \"Ring of Fire\"."


def test_save_and_load(tmp_path):
    t = CasingTable({"nato": "NATO"})
    t.save(tmp_path / "t.json")
    assert CasingTable.load(tmp_path / "t.json").get("NATO") == "NATO"
