"""The causal writer's decoding loop (`summarizer.model.lookup`): drafts taken from the prompt, checked in one
forward pass, write what one token at a time writes, in fewer passes."""
from __future__ import annotations

import pytest

from summarizer.model.lookup import draft, greedy_lookup, scores_head


def test_a_draft_follows_the_longest_tail_of_the_written_text_found_in_the_prompt():
    prompt = [3, 4, 2, 3, 9, 8, 7]
    assert draft([1, 2, 3], prompt, 2) == [9, 8]  # "2 3" is found: not the first "3"
    assert draft([5, 3], prompt, 2) == [4, 2]  # only "3" is found
    assert draft([5, 6], prompt, 2) == []
    assert draft([2, 3], prompt, 0) == []
    assert draft([9, 8, 7], prompt, 4) == []  # nothing follows it


@pytest.fixture(scope="module")
def writer(tmp_path_factory):
    from causal_helpers import build_tiny_causal
    from summarizer.model.writer import CausalWriter, WriterSettings

    lm = build_tiny_causal(tmp_path_factory.mktemp("lookup") / "lm")
    return CausalWriter(WriterSettings(base=str(lm), prompt_file=None, precision="fp32"))


ITEMS = [("PORT REOPENS", "The terminal resumed loading on March 30 after the strike ended."),
         ("", "Two firms won contracts worth 9 million dollars to supply the new conveyor systems."),
         ("IRAN", "The Foreign Minister told the Ambassador that Iran would not accept the proposal.")]


def _rows(writer):
    from summarizer.model.writer import chat

    prompts = [chat(writer.tokenizer, writer.system, subject, [sentence]) for subject, sentence in ITEMS]
    return writer.tokenizer(prompts, add_special_tokens=False)["input_ids"]


def _decode(writer, rows, choose, ahead, max_new=20, head=None):
    """What each row writes, and the number of forward passes it took."""
    import torch

    passes = []
    hook = writer.model.base_model.register_forward_hook(lambda *_: passes.append(1))
    try:
        with torch.inference_mode():
            inputs = writer._inputs(rows)
            shared = len(writer._prefix[0])
            out = greedy_lookup(writer.model, inputs, [r[shared:] for r in rows], choose, writer.tokenizer.eos_token_id,
                                writer.tokenizer.pad_token_id, max_new, ahead, head=head)
    finally:
        hook.remove()
    return out, len(passes)


def test_without_drafts_it_writes_what_transformers_greedy_generate_writes(writer):
    import torch

    tok, rows = writer.tokenizer, _rows(writer)
    with torch.inference_mode():
        inputs = writer._inputs(rows)
        ids = writer.model.generate(**inputs, do_sample=False, max_new_tokens=20, pad_token_id=tok.pad_token_id,
                                    eos_token_id=[tok.eos_token_id])
    plain = [r[inputs["input_ids"].shape[1]:].tolist() for r in ids]
    plain = [r[:r.index(tok.eos_token_id)] if tok.eos_token_id in r else r for r in plain]
    argmax = lambda row, written, scores: int(scores.argmax())  # noqa: E731
    assert _decode(writer, rows, argmax, ahead=0)[0] == plain
    assert _decode(writer, rows, argmax, ahead=8)[0] == plain
    assert _decode(writer, rows, argmax, ahead=8, head=scores_head(writer.model))[0] == plain


def test_drafts_read_in_one_pass_get_the_scores_one_token_at_a_time_gets(writer):
    """A rule that mostly copies the prompt (so drafts are taken) and takes the LM's choice at every
    fourth token (so most of those drafts are cut short); row 0 ends early, so the batch shrinks. Both
    loops write the same, every position's scores agree, and the drafts save passes."""
    import torch

    rows = _rows(writer)
    writer._inputs(rows)  # the shared start, which the drafts leave out
    shared = len(writer._prefix[0])

    def rule(seen):
        def choose(row, written, scores):
            seen[(row, tuple(written))] = scores.clone()
            if row == 0 and len(written) == 5:
                return writer.tokenizer.eos_token_id
            if len(written) % 4 == 3:
                return int(scores.argmax())
            return (draft(written, rows[row][shared:], 1) or [rows[row][shared]])[0]
        return choose

    one, two, three = {}, {}, {}
    plain, plain_passes = _decode(writer, rows, rule(one), ahead=0)
    ahead, ahead_passes = _decode(writer, rows, rule(two), ahead=6)
    lazy, _ = _decode(writer, rows, rule(three), ahead=6, head=scores_head(writer.model))
    assert ahead == plain == lazy and len(plain[0]) == 5 and len(plain[1]) == 20
    assert set(three) == set(two) <= set(one) and len(two) > 20
    assert all(torch.allclose(two[k], one[k], atol=1e-4) and torch.allclose(three[k], one[k], atol=1e-4) for k in two)
    assert ahead_passes < plain_passes / 2


def test_the_scores_head_is_used_only_where_it_gives_the_lm_s_scores(writer):
    import torch

    assert scores_head(writer.model) is writer.model.lm_head
    writer.model.config.final_logit_softcapping = None
    capped = type(writer.model)(writer.model.config)
    capped.load_state_dict(writer.model.state_dict())
    capped.lm_head.weight = torch.nn.Parameter(capped.lm_head.weight * 1)  # untied, then made unlike the logits
    original = capped.forward
    capped.forward = lambda *a, **k: type("Out", (), {"logits": torch.tanh(original(*a, **k).logits)})()
    assert scores_head(capped) is None
