"""Compression by deletion: the units a sentence may lose, the gate, and the writer's decoding."""
from __future__ import annotations

import random

import pytest

from summarizer.compression import accept, deletable_units, delete
from test_model_support import WORDS, one_thread, tiny_config  # noqa: F401


def _cut(sentence: str) -> list[str]:
    return [sentence[u.start:u.end] for u in deletable_units(sentence)]


# ------------------------------------------------------------------------------ the units
@pytest.mark.parametrize("sentence, units", [
    ("The plan, however, failed to win support among the poor.", [", however,"]),
    ("Officials were pleased with the result (at least in public) after the vote.", [" (at least in public)"]),
    ("The minister will travel to the region next week, he said.", [", he said"]),
    ("The talks went well, according to the ministry.", [", according to the ministry"]),
    # nested units are both offered
    ("The vote, he said, was close (as expected) in the end, officials noted.", [", he said,", " (as expected)"]),
])
def test_units_a_sentence_may_lose(sentence, units):
    assert _cut(sentence) == units


@pytest.mark.parametrize("sentence", [
    "The talks covered trade, energy and security.",  # the end of a list, not a clause
    "Japan, Russia, however, and China met.",  # a comma before it in its clause: a list
    "The deal was signed (USD 500 million) on Monday.",  # a number
    "The minister met the press (Itamaraty) on Monday.",  # a name
    "He said the plan would go ahead, although not this year.",  # a negation
    "He repeated the warning, saying \"never again\" to reporters.",  # a quote
    "THE PLAN, HOWEVER, FAILED TO WIN SUPPORT.",  # no case: names cannot be seen
])
def test_no_unit_holds_a_fact_or_a_list_item(sentence):
    assert _cut(sentence) == []


def test_delete_joins_the_rest_with_single_spaces():
    s = "The plan, however, failed (at least in part) last year, he said."
    units = deletable_units(s)
    assert delete(s, units) == "The plan failed last year."
    assert delete(s, []) == s


def test_the_gate_keeps_the_source_whole_when_the_edit_fails_a_check():
    source = "Officials were pleased (Diyanet), according to the ministry."
    assert accept(source, "Officials were pleased (Diyanet).") == source  # four words: a fragment
    source = "The minister will travel to the region next week, he said."
    assert accept(source, "The minister will travel to the region next week.") == "The minister will travel to the region next week."
    assert accept(source, "The minister will travel to the.") == source  # ends on a function word
    assert accept(source, "The minister will travel to the region next month.") == source  # a changed word is no deletion
    source = "Talks on 5 May went well for the two sides, he said."
    assert accept(source, "Talks went well for the two sides.") == source  # a number and a date dropped


# ------------------------------------------------------------------------------ the writer
def _sentence(rng: random.Random) -> str:
    ws = rng.sample(WORDS, 13)  # distinct: a repeated word would fail the reader checks
    return f"{' '.join(ws[:6]).capitalize()}, however, {' '.join(ws[6:11])} (as expected) {ws[11]} {ws[12]} today, he said."


def _greedy_reference(model, tokenizer, prefix, sentence, margin):
    """Token-by-token greedy decoding under the monotonic pointer, written out plainly: at each step
    the allowed tokens are the next source token (with the margin) and, at a unit's first token, the
    token after that unit."""
    import torch

    from summarizer.model.deletion import token_spans

    units = deletable_units(sentence)
    enc = tokenizer(sentence, add_special_tokens=False, return_offsets_mapping=True)
    ids = enc["input_ids"]
    spans = [s for s in token_spans(units, enc["offset_mapping"]) if s is not None]
    full = tokenizer(sentence, return_tensors="pt")
    p, written = 0, []
    while p < len(ids):
        dec = torch.tensor([prefix + [ids[q] for q in written]])
        with torch.inference_mode():
            scores = model(input_ids=full["input_ids"], attention_mask=full["attention_mask"], decoder_input_ids=dec).logits[0, -1]
        best, to = float(scores[ids[p]]) + margin, p
        for a, b in spans:
            if a == p and float(scores[ids[b]]) > best:
                best, to = float(scores[ids[b]]), b
        written.append(to)
        p = to + 1
    kept = set(written)
    taken = [u for u, s in zip(units, token_spans(units, enc["offset_mapping"])) if s and s[0] not in kept]
    return accept(sentence, delete(sentence, taken))


@pytest.fixture(scope="module")
def tiny_writer(tmp_path_factory):
    from summarizer.training.modeling import build_model, build_tokenizer

    rng = random.Random(0)
    sentences = [_sentence(rng) for _ in range(12)]
    cfg = tiny_config(tmp_path_factory.mktemp("m") / "m", ["tasks=rewrite", "prompt_side=decoder"])
    tokenizer, kept = build_tokenizer(cfg, texts=sentences)
    model = build_model(cfg, tokenizer, kept).eval()
    return model, tokenizer, [model.config.decoder_start_token_id], sentences


@pytest.mark.parametrize("margin", [-4.0, -0.5, 0.0, 0.5, 1e9, -1e9])
def test_the_writer_writes_what_token_by_token_greedy_decoding_writes(tiny_writer, margin):
    from summarizer.model.deletion import write

    model, tokenizer, prefix, sentences = tiny_writer
    out = write(model, tokenizer, prefix, sentences, keep_margin=margin, max_tokens=128, batch_size=5)
    assert out == [_greedy_reference(model, tokenizer, prefix, s, margin) for s in sentences]


def test_the_writer_only_leaves_out_whole_units(tiny_writer):
    from summarizer.model.deletion import write

    model, tokenizer, prefix, sentences = tiny_writer
    # a margin of -inf: every unit the model can jump is taken; +inf: nothing is
    cut = write(model, tokenizer, prefix, sentences, keep_margin=-1e9, max_tokens=128)
    assert write(model, tokenizer, prefix, sentences, keep_margin=1e9, max_tokens=128) == sentences
    for s, c in zip(sentences, cut):
        assert c != s
        assert ", however," not in c and "(as expected)" not in c and "he said" not in c
        assert c.endswith("today.")


def test_a_sentence_the_encoder_would_cut_is_kept_whole(tiny_writer):
    from summarizer.model.deletion import write

    model, tokenizer, prefix, sentences = tiny_writer
    assert write(model, tokenizer, prefix, sentences[:2], keep_margin=-1e9, max_tokens=8) == sentences[:2]


# ------------------------------------------------------------------------------ real cables
@pytest.mark.parametrize("sentence, written", [  # the shipped writer's own deletions on dev cables
    ("We fully expect, however, that the Ag Minister will try to find other means to realize his vision of a "
     "biotech-free Italy.",
     "We fully expect that the Ag Minister will try to find other means to realize his vision of a biotech-free Italy."),
    ("Greater engagement with Middle East states, including Syria, fits into two broader goals of Indian foreign "
     "(and domestic) policy, particularly under the ruling UPA government.",
     "Greater engagement with Middle East states, including Syria, fits into two broader goals of Indian foreign "
     "policy, particularly under the ruling UPA government."),
    ("The Foreign Ministry is preparing the Protocol for submission to the Legislative Assembly, which is expected "
     "to approve signature authority.",
     "The Foreign Ministry is preparing the Protocol for submission to the Legislative Assembly."),
])
def test_real_deletions_are_whole_units(sentence, written):
    units = deletable_units(sentence)
    assert any(delete(sentence, [u]) == written for u in units)
    assert accept(sentence, written) == written


def test_the_shipped_model_writes_only_copies_and_clean_deletions_of_real_cables():
    from eval.systems import strip_summary
    from shared_data import DEV
    from summarizer.inputs import read_records
    from summarizer.model import load_model
    from summarizer.parsing import parse
    from summarizer.reading import check_summary

    if not DEV.is_file():
        pytest.skip(f"shared data not found at {DEV}")
    cables = []
    for rec in read_records(str(DEV)):
        cables.append(strip_summary(parse(rec.raw, rec.hints)))
        if len(cables) == 24:
            break
    model = load_model()
    checks = [c for cable, pred in zip(cables, model.predict(cables)) for c in check_summary(pred.summary, cable.body)]
    assert len(checks) > 50
    assert all(c.edit in ("copy", "deletion") and not c.fragment and not c.broken and not c.facts for c in checks)


def test_scoring_only_the_sentences_own_tokens_writes_what_the_whole_vocabulary_writes(monkeypatch):
    """The output layer applied to a sentence's own tokens gives the same decisions as whole-vocabulary
    logits (checked on all 669 dev cables when it landed; here on the first 900 sentences the selector picks)."""
    import contextlib

    from shared_data import DEV
    from summarizer.inputs import read_records
    from summarizer.model import deletion, load_model
    from summarizer.parsing import parse

    if not DEV.is_file():
        pytest.skip(f"shared data not found at {DEV}")
    model = load_model()
    sentences = []
    for rec in read_records(str(DEV)):
        sentences += model._sentences_to_rewrite(parse(rec.raw, rec.hints))
        if len(sentences) >= 900:
            break
    ts = model.settings.tasks["rewrite"]
    args = (model.model, model.tokenizer, model._decoder_prefix("rewrite"), sentences, ts.copy_bonus,
            ts.max_source_tokens, model.device)
    own = deletion.write(*args)

    @contextlib.contextmanager
    def whole_vocabulary(head):
        yield False

    monkeypatch.setattr(deletion, "_without_output_layer", whole_vocabulary)
    assert deletion.write(*args) == own
    assert sum(o != s for o, s in zip(own, sentences)) >= 5  # some deletions were decided, not only copies
