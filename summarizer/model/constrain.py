"""Source-constrained decoding: the rewriter may only write what its source sentence holds.

A small generator trained on a few thousand pairs invents names and numbers when left free. This
logits processor forbids every token that is not in the row's source, apart from a closed list of
function words, punctuation and inflection pieces (so "the Minister said he would" can become "the
Minister will"), and adds `copy_bonus` to the token that continues the source from where the last
written tokens were copied (`continuations`): the beam then prefers copying whole phrases and leaves
them only where the model is sure. An additive bonus cannot keep a rare word: "pursuing" may sit 15
nats below "the". So decoding may also mix in a copy distribution, as a pointer-generator network does
with its switch fixed at `copy_probability`: p = (1 - q)·p_model + q·uniform(continuations). Copying
then never costs more than log q, and the model leaves the source only where it is sure.
The bonus is learned in training (`summarizer.training.loop`), where the softmax is restricted the same way.
"""
from __future__ import annotations

FUNCTION_WORDS = frozenset("""
a an the and or but nor so yet if then than that this these those there here it its it's they them their
theirs he him his she her hers we us our you your i me my who whom whose which what when where why how
is are was were be been being am has have had having do does did done will would shall should can could
may might must not no also too very more most less least only just even still already both each either
neither all any some such other another own same few many much several
of in on at by for with from to into onto over under about after before during between among against
through without within upon toward towards across along around since until while because although though
as like per via including according
said says say told noted stated added
, . ; : - -- ' " ( ) ! ?
""".split())
# WordPiece continuation pieces that inflect a copied word.
INFLECTIONS = ("##s", "##es", "##ed", "##d", "##ing", "##ly")


def allowed_token_ids(tokenizer) -> set[int]:
    """Ids the rewriter may always write: function words, punctuation, inflections, special tokens."""
    ids: set[int] = set()
    for word in FUNCTION_WORDS:
        ids.update(tokenizer(word, add_special_tokens=False)["input_ids"])
    vocab = tokenizer.get_vocab()
    ids.update(vocab[p] for p in INFLECTIONS if p in vocab)
    ids.update(i for i in (tokenizer.eos_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id) if i is not None)
    return ids


def make_processor(source_ids: list[list[int]], always: set[int], num_beams: int, copy_bonus: float,
                   text_start: int | None = None, start_len: int = 0, copy_probability: float = 0.0):
    """A `LogitsProcessor` for a batch whose row b was encoded from `source_ids[b]`, with the text
    starting at position `text_start` of each row (after special tokens); the decoder's first
    `start_len` tokens are forced and not part of what is written."""
    import math

    import torch
    from transformers import LogitsProcessor

    share = math.log(copy_probability) if copy_probability > 0 else 0.0  # then divided among the continuations

    class SourceConstraint(LogitsProcessor):
        def __init__(self) -> None:
            self.masks: torch.Tensor | None = None
            self.where = [positions(ids) for ids in source_ids]

        def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
            if self.masks is None or self.masks.size(-1) != scores.size(-1):
                self.masks = _masks(source_ids, always, scores.size(-1), scores.device)
            rows = torch.arange(scores.size(0), device=scores.device) // num_beams
            scores = scores.masked_fill(~self.masks[rows], float("-inf"))
            nexts = []
            for r, written in enumerate(input_ids[:, start_len:].tolist()):
                b = r // num_beams
                nexts.append(continuations(source_ids[b], self.where[b], written, text_start))
            if copy_bonus:
                for r, nxt in enumerate(nexts):
                    if nxt:
                        scores[r, list(nxt)] += copy_bonus
            # Renormalised over what is allowed, as in training: beam search compares these across beams.
            live = torch.isfinite(scores).any(-1)
            scores[live] = torch.log_softmax(scores[live], dim=-1)
            if copy_probability > 0:
                for r, nxt in enumerate(nexts):
                    # a continuation another processor ruled out (a repeated n-gram) stays out
                    cols = [t for t in nxt if math.isfinite(scores[r, t])] if live[r] else []
                    if cols:
                        scores[r] += math.log1p(-copy_probability)
                        each = scores.new_full((len(cols),), share - math.log(len(cols)))
                        scores[r, cols] = torch.logaddexp(scores[r, cols], each)
            return scores

    return SourceConstraint()


MATCH = 8  # written tokens the copy pointer matches against the source to know where it is


def positions(ids: list[int]) -> dict[int, list[int]]:
    """token → the positions where it occurs in `ids`."""
    out: dict[int, list[int]] = {}
    for j, t in enumerate(ids):
        out.setdefault(t, []).append(j)
    return out


def continuations(source: list[int], where: dict[int, list[int]], written: list[int],
                  text_start: int | None = None) -> set[int]:
    """The tokens that continue `source` where `written` was being copied from: after each place that
    matches the longest suffix (up to MATCH tokens) of `written`. Matching one token alone would let a
    common word ("the", "and") jump to any of its continuations, and the copy would come out in
    fragments ("Turkish elites and State"). With `text_start` (where the source's text starts), an
    output copied from the start so far stays anchored there: nothing written yet continues at the
    start, and "The" goes on as the source's first "The" does, not as every "the" in it does."""
    if not written:
        return {source[text_start]} if text_start is not None and text_start < len(source) else set()
    ends = where.get(written[-1], [])
    k = 1
    while k < min(MATCH, len(written)):
        longer = [j for j in ends if j >= k and source[j - k] == written[-k - 1]]
        if not longer:
            break
        ends, k = longer, k + 1
    if text_start is not None and k == len(written):
        anchored = [j for j in ends if j - k + 1 == text_start]
        ends = anchored or ends
    return {source[j + 1] for j in ends if j + 1 < len(source)}


def _masks(source_ids: list[list[int]], always: set[int], vocab: int, device):
    import torch

    masks = torch.zeros((len(source_ids), vocab), dtype=torch.bool)
    keep = torch.tensor(sorted(i for i in always if i < vocab), dtype=torch.long)
    masks[:, keep] = True
    for b, ids in enumerate(source_ids):
        masks[b, torch.tensor([i for i in ids if i < vocab], dtype=torch.long)] = True
    return masks.to(device)
