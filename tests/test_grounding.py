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


# a source with no reporting verb: the checks after "drops who said it"
FACTS = ("Syrian President Bashar al-Assad is very weak. Despite his weakness, Bashar would not be driven from power, as "
         "2,000 officers remain loyal to the regime.")


@pytest.mark.parametrize("written, why", [
    ("Bashar al-Assad would be driven from power.", "fact changed: dropped negation"),
    ("Chilean President Bashar al-Assad is weak.", "word not in the source"),
    ("The regime was not weak.", "says too little of its source"),
    ("The officers said that he would not be driven from power.", "drops every name"),
    ("Bashar would not be driven from power, as 2,000 officers remain loyal to the", "broken"),
])
def test_gate_refuses(written, why):
    assert gate(written, FACTS).startswith(why)


def test_gate_refuses_a_negation_word_its_source_lacks_even_where_it_has_another():
    source = "The Icelandic side was noncommittal on specific U.S. suggestions and made none of its own."
    assert gate("The Icelandic side was not noncommittal.", source) == "a negation its source lacks: 'not'"
    assert gate("The Icelandic side was noncommittal on U.S. suggestions and made none of its own.", source) is None


def test_gate_refuses_a_pronoun_or_connective_its_source_does_not_open_with():
    """The writer had made "President Rajapakse" a "He" in a summary's first sentence (dev 06NEWDELHI27)."""
    source = ("Sri Lanka's newly elected President Mahinda Rajapakse emphasized the importance of bilateral relations by "
              "making his first visit abroad to India on December 27-30.")
    assert gate("He emphasized the importance of bilateral relations by making his first visit abroad to India on "
                "December 27-30.", source) == "opens leaning on what it left out"
    assert gate("However, Dagan did not predict that Bashar would be driven from power.", SOURCE) is not None
    separately = "Separately, Goyal said the BJP leadership is convinced that Modi can appeal to Indian voters."
    assert gate(separately, separately) is None  # the source's own opening


def test_gate_takes_the_subject_s_words_but_holds_what_is_said_against_the_sentence():
    """A subject's "NOT" is no negation the written sentence dropped (dev 06REYKJAVIK102 had every copied
    sentence refused for it)."""
    sentence = "Post briefed Gudjonsson March 23 on the President's budget requests for Iraq."
    grounding = Grounding(sentence + "\nICELAND: ADDITIONAL IRAQ ASSISTANCE NOT CURRENTLY ON THE TABLE")
    assert gate(sentence, sentence, grounding) is None
    assert gate("Post briefed Gudjonsson March 23 on the President's budget requests for Iraq.", sentence,
                Grounding(sentence)) is None


@pytest.mark.parametrize("written, source, why", [
    # what a blind reading of the writer found, dev cables 06BRASILIA2003, 06KABUL3719, 05LIMA4861, 07KABUL2998
    ("Two of the biggest problems with Lula's administration are runaway public spending.",
     "Aleluia said two of the biggest problems with Lula's administration are runaway public spending.", "drops who said it"),
    ("The ADZ concept was approved by Karzai at the PAG meeting.",
     "The ADZ concept was approved in principle by Karzai at the PAG meeting.", "drops a hedge: 'principle'"),
    ("The JNE also announced that it will rule Fujimori ineligible to run for President.",
     "The JNE, on 11/9, also provided an indication that it will rule Fujimori ineligible to run for President.",
     "drops a hedge: 'indication'"),
    ("The conference is on cooperation between Afghanistan, Azerbaijan, Turkey, Tajikistan, and Pakistan.",
     "The conference is on cooperation between Afghanistan, Azerbaijan, Turkey, Turkmenistan, Iran, Tajikistan, and "
     "Pakistan.", "drops part of a list"),
    ("Mobilink offers rates as low as USD 0.013/minute for calls and USD 0.",
     "Mobilink offers rates as low as USD 0.013/minute for calls and USD 0.016/SMS text message.",
     "broken: a number cut at its decimal point"),
    ("Mobilink offers rates as low as USD 0.013/minute for calls and USD 0..",  # the LM's "." after the cut
     "Mobilink offers rates as low as USD 0.013/minute for calls and USD 0.016/SMS text message.",
     "broken: a number cut at its decimal point"),
    # a second blind reading: 07KABUL185 ("United States" is no reporting verb), 07BUENOSAIRES1850 (one of two kept)
    ("Some in the Pakistani media were calling for jihad against the United States.",
     "Karzai noted that some in the Pakistani media were calling for jihad against the United States.",
     "drops who said it"),
    ("While he believes that corruption is a problem in Argentina, its scale is overstated.",
     "Mr. Fleitas claims that, while he believes that corruption is a problem in Argentina, its scale is overstated.",
     "drops who said it"),
])
def test_gate_keeps_who_said_it_how_sure_it_is_and_whole_lists(written, source, why):
    assert gate(written, source) == why


def test_gate_passes_a_compression_that_keeps_those():
    source = ("As the Ambassador was about to leave, Sarkozy went to the line of floor-to-ceiling windows that open "
              "from the interior minister's office to the gardens, and called over his nine-year old son, Louis, who "
              "was playing on the lawn (Sarkozy lives with his family in apartments above his office).")
    assert gate("As the Ambassador was about to leave, Sarkozy called over his nine-year old son, Louis, who was "
                "playing on the lawn.", source) is None
    assert gate("The talks resume on May 3 in the United States.", "The talks resume on May 3 in the United States, "
                "in Washington.") is None  # "May" and "States" are neither a hedge nor a reporting verb
    listed = "Spanta asked for help with the conference of Afghanistan, Iran, Turkey and Pakistan in Herat, he said."
    assert gate("Spanta asked for help with the conference in Herat, he said.", listed) is None  # the list left out whole


def test_gate_passes_a_faithful_shorter_sentence():
    assert gate("Dagan told the Ambassador that Bashar al-Assad is very weak but did not predict his fall from "
                "power.", SOURCE) == "word not in the source: 'fall'"
    assert gate("Dagan told the Ambassador June 17 that Bashar al-Assad is very weak but did not predict that he "
                "would be driven from power, citing 2,000 officers.", SOURCE) is None
    # "did not predict that he would be" is not "would not be": the source's reporting words stay
    assert gate("Dagan told the Ambassador June 17 that Bashar al-Assad is very weak but would not be driven "
                "from power.", SOURCE) == "drops who said it"


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


@pytest.fixture(scope="module")
def tiny_tokenizer(tmp_path_factory):
    from causal_helpers import build_tiny_causal
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(build_tiny_causal(tmp_path_factory.mktemp("tok") / "lm"))


def _step(tok, source: str, written: str, ranked: list[str], top_k: int = 2) -> list[str]:
    """The tokens grounded decoding leaves open after `written`, when the LM ranks the first token of
    each text in `ranked` first (in that order) and every other token below them ("<eos>": the end)."""
    from summarizer.model.grounding import GroundedDecoding

    decoding = GroundedDecoding(tok, [Grounding(source)], top_k=top_k, widen=8)
    ids = [tok.eos_token_id if text == "<eos>" else tok(text, add_special_tokens=False)["input_ids"][0] for text in ranked]
    filler = [t for t in range(len(tok)) if t not in ids][:8 - len(ids)]  # the rest of the 8 judged
    return ["<eos>" if t == tok.eos_token_id else decoding.piece(t) for t in decoding.open_tokens(0, written, ids + filler)]


def test_decoding_completes_a_begun_word_rather_than_ending_inside_it(tiny_tokenizer):
    """The LM would end "Jung" (or go on with a space); the source's word is "Junge"."""
    open_ = _step(tiny_tokenizer, "Stang and Junge depart on March 3.", "Stang and Jung", ["<eos>", " depart"])
    assert open_ and all("Junge".startswith("Jung" + piece) for piece in open_)


def test_decoding_ends_only_after_a_sentence_s_end(tiny_tokenizer):
    source = "Stang and Junge depart on March 3."
    assert "<eos>" not in _step(tiny_tokenizer, source, "Stang and Junge depart", ["<eos>", " on"])
    assert "<eos>" in _step(tiny_tokenizer, source, "Stang and Junge depart on March 3.", ["<eos>", " on"])


def test_decoding_keeps_the_source_s_next_word_among_its_candidates(tiny_tokenizer):
    """Only the 2 likeliest are judged first, and both are allowed; the source's own next word ranks
    fourth and stays open all the same."""
    tok = tiny_tokenizer
    source = "Minister Lund left on Tuesday."
    lund = tok.decode(tok(" Lund", add_special_tokens=False)["input_ids"][:1])
    open_ = _step(tok, source, "Minister", [" the", " a", " zebra", " Lund"])
    assert {" the", " a", lund} <= set(open_) and " zebra" not in open_


def test_choose_takes_the_likeliest_open_token_judging_lazily(tiny_tokenizer):
    """`choose` judges tokens one by one in the order of the scores; it must pick what the whole open set
    gives: its likeliest token that repeats no 4-gram of what was written, else the end."""
    import torch

    from summarizer.model.grounding import GroundedDecoding

    tok = tiny_tokenizer
    source = "Stang and Junge depart on March 3. Stang and Junge return on March 9."
    decoding = GroundedDecoding(tok, [Grounding(source)], top_k=4, widen=64)
    generator = torch.Generator().manual_seed(0)
    for written in ["", "Stang and Jung", "Stang and Junge depart on March 3. Stang and Junge", "Junge will"]:
        ids = tok(written, add_special_tokens=False)["input_ids"] if written else []
        for _ in range(20):
            scores = torch.randn(len(tok), generator=generator)
            ranked = torch.topk(scores, 64).indices.tolist()
            opened = [t for t in decoding.open_tokens(0, written, ranked) if t not in decoding._repeats(ids)]
            expected = max(opened, key=lambda t: scores[t].item()) if opened else tok.eos_token_id
            assert decoding.choose(0, ids, scores) == expected, written
    repeated = tok("Stang and Junge depart on March 3. Stang and Junge depart", add_special_tokens=False)["input_ids"]
    again = repeated[len(tok("Stang and Junge depart on March 3. Stang and Junge", add_special_tokens=False)["input_ids"]):]
    written, banned = repeated[:-len(again)], decoding._repeats(repeated[:-len(again)])
    assert again[0] in banned  # the LM's likeliest token would say "Junge depart" twice
    scores = torch.zeros(len(tok))
    scores[again[0]] = 10.0
    assert decoding.choose(0, written, scores) not in banned
