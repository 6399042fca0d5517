"""What the causal writer may write (`summarizer.model.grounding`): the word rules, the gate, and the
decoding that holds any LM, even a random one, to its source's words."""
from __future__ import annotations

import re

import pytest

from summarizer.model.grounding import Grounding, gate, stem

SOURCE = ("Mossad Chief Meir Dagan told the Ambassador June 17 that Syrian President Bashar al-Assad is very weak. "
          "Despite his weakness, Dagan did not predict that Bashar would be driven from power, citing 2,000 "
          'officers who remain "fiercely loyal to the regime."')


@pytest.mark.parametrize("text", [
    "Dagan told the Ambassador that Assad is weak.",  # source words and function words
    "DAGAN SAID BASHAR IS WEAK",  # the same words in capitals
    "Despite Bashar's weakness",  # a sentence-initial capital of a source word
    "the weakened regime",  # a variant: the stem of a source word and a suffix
    "On June 17 Dagan said 2,000 officers remained loyal",  # a date and a number as the source writes them
    'Dagan said officers remain "fiercely loyal',  # an open quotation copying the source
])
def test_allows_the_sources_words(text):
    assert Grounding(SOURCE).allows(text)


@pytest.mark.parametrize("text, word", [
    ("In 2014 Dagan", "2014"),  # a number the source lacks
    ("Chilean officials", "Chilean"),  # a name the source lacks
    ("Dagan forecast", "forecast"),  # a content word the source lacks, no variant of one of its words
    ("Bashar is strong", "strong"),
    ("Dagan mcCAIN", "mcCAIN"),  # inner capitals are taken only as the source writes them
])
def test_refuses_what_the_source_does_not_hold(text, word):
    g = Grounding(SOURCE)
    assert not g.allows(text)
    assert g.first_foreign_word(text) == word


def test_a_quotation_is_the_sources_own_text():
    g = Grounding(SOURCE)
    assert g.allows('Dagan said officers remain "loyal')  # a piece of the source's text
    assert not g.allows('Dagan said officers remain "fiercely loyal regime')  # skips the source's words
    assert g.first_foreign_word('officers remain "fiercely loyal to Dagan."') is not None
    assert g.first_foreign_word('officers remain "fiercely loyal to the regime."') is None


def test_a_begun_word_is_judged_by_what_it_can_still_become():
    g = Grounding(SOURCE)
    assert g.allows("Syrian Pres")  # may still become "President"
    assert not g.allows("Syrian Presx")
    assert g.allows("the weakn")  # on its way to "weakness"
    assert not g.allows("the weakcomcomcomcom")  # a stem plus more than any suffix


def test_stem_strips_one_common_suffix():
    assert stem("weakness") == stem("weak") == "weak"
    assert stem("negotiations") == stem("negotiation") == "negoti"
    assert stem("met") == "met"  # too short to strip


@pytest.mark.parametrize("written, why", [
    ("Dagan said that Bashar al-Assad would be driven from power.", "fact changed: dropped negation"),
    ("Dagan did not say that Chilean President Bashar al-Assad is weak.", "word not in the source"),
    ("The Ambassador was not told that.", "says too little of its source"),
    ("He did not predict that he would be driven from power.", "drops every name"),
    ("Dagan did not predict that Bashar would be driven from power, citing the", "broken"),
])
def test_gate_refuses(written, why):
    assert gate(written, SOURCE).startswith(why)


def test_gate_passes_a_faithful_shorter_sentence():
    assert gate("Dagan told the Ambassador that Bashar al-Assad is very weak but did not predict his fall from "
                "power.", SOURCE) == "word not in the source: 'fall'"
    assert gate("Dagan told the Ambassador June 17 that Bashar al-Assad is very weak but would not be driven "
                "from power.", SOURCE) is None


def test_a_random_lm_writes_only_the_sources_words(tmp_path):
    """Whatever a (random) LM prefers, grounded decoding leaves it only the source's words: every draft
    is a text `allows`, or ends cut inside a word the source has begun (the gate refuses those)."""
    from causal_helpers import build_tiny_causal
    from summarizer.model.writer import CausalWriter, WriterSettings

    sentences = [s for s in re.split(r"(?<=\.) ", SOURCE)] + [
        "Foreign Minister Anders Lund told the Ambassador on February 9 that talks resume in March."]
    for seed in (0, 1):
        writer = CausalWriter(WriterSettings(base=str(build_tiny_causal(tmp_path / f"lm{seed}", seed)),
                                             prompt_file=None, max_new_tokens=40, precision="fp32"))
        for w in writer.write_many([("Syria", [s]) for s in sentences]):
            g = Grounding(w.source + "\nSyria")
            whole = re.sub(r"\w+$", "", w.draft)  # (a draft the token limit cut inside a word)
            assert g.first_foreign_word(whole) is None, (w.source, w.draft)
            assert (w.text == w.draft) == (w.refused is None)
            if w.refused:
                assert w.text == w.source  # a refused draft gives way to its source sentence
