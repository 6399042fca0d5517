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
The processor also does the n-gram ban (`no_repeat`) itself: an n-gram may come back as often as the
source has it. transformers' ban allows none, which breaks copying "XXXXXXXXXXXX" (several identical
WordPiece pieces) or "the minister ... the minister said", and the decoder then wanders off.
The bonus is learned in training (`summarizer.training.loop`), where the softmax is restricted the same way.
"""
from __future__ import annotations

from collections import Counter

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
# Words whose loss turns a sentence around ("was due not to the attacks"): when the source goes on with
# one, it is copied.
NEGATIONS = ("not", "no", "never", "n't", "neither", "nor", "without")
# WordPiece continuation pieces that inflect a copied word.
INFLECTIONS = ("##s", "##es", "##ed", "##d", "##ing", "##ly")


def negation_token_ids(tokenizer) -> frozenset[int]:
    """Ids of the NEGATIONS that are one token each."""
    ids = (tokenizer(w, add_special_tokens=False)["input_ids"] for w in NEGATIONS)
    return frozenset(x[0] for x in ids if len(x) == 1)


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
                   text_start: int | None = None, start_len: int = 0, copy_probability: float = 0.0,
                   no_repeat: int = 0, end_ids: frozenset[int] = frozenset(),
                   negation_ids: frozenset[int] = frozenset()):
    """A `LogitsProcessor` for a batch whose row b was encoded from `source_ids[b]`, with the text
    starting at position `text_start` of each row (after special tokens); the decoder's first
    `start_len` tokens are forced and not part of what is written. `no_repeat`: the n of the n-gram
    ban (0: none); pass it here instead of as `no_repeat_ngram_size` to `generate`. `end_ids` (the
    end-of-sequence tokens) are banned while the pointer places the last written token only in the middle
    of the source: a copied "Jan." or "S.J." does not end the sentence ("... for his Jan."). A token
    of `negation_ids` that continues the source must be written."""
    import math

    import torch
    from transformers import LogitsProcessor

    share = math.log(copy_probability) if copy_probability > 0 else 0.0  # then divided among the continuations

    class SourceConstraint(LogitsProcessor):
        def __init__(self) -> None:
            self.masks: torch.Tensor | None = None
            self.where = [positions(ids) for ids in source_ids]
            self.ngrams = [ngram_counts(ids, no_repeat) for ids in source_ids] if no_repeat > 1 else None

        def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
            # The edits below are many small per-row ones: on a GPU each would be a kernel launch and
            # each finiteness test a sync, so they are made on a CPU copy (a few hundred kB) and sent back.
            device = scores.device
            scores = scores.to("cpu")
            if self.masks is None or self.masks.size(-1) != scores.size(-1):
                self.masks = _masks(source_ids, always, scores.size(-1), "cpu")
            rows = torch.arange(scores.size(0)) // num_beams
            scores = scores.masked_fill(~self.masks[rows], float("-inf"))
            nexts = []
            for r, written in enumerate(input_ids[:, start_len:].tolist()):
                b = r // num_beams
                nexts.append(continuations(source_ids[b], self.where[b], written, text_start))
                if self.ngrams is not None:
                    banned = repeats_past_source(written, self.ngrams[b], no_repeat)
                    if banned:
                        scores[r, banned] = float("-inf")
                if end_ids and written and nexts[-1] and not nexts[-1] & end_ids:
                    scores[r, list(end_ids)] = float("-inf")
                # (after the ban: a negation the ban ruled out is not forced, which would leave no token)
                negation = [t for t in nexts[-1] & negation_ids if math.isfinite(scores[r, t])]
                if negation:
                    keep = scores[r, negation].clone()
                    scores[r] = float("-inf")
                    scores[r, negation] = keep
            if copy_bonus:
                for r, nxt in enumerate(nexts):
                    if nxt:
                        scores[r, list(nxt)] += copy_bonus
            # Renormalised over what is allowed, as in training: beam search compares these across beams.
            live = torch.isfinite(scores).any(-1)
            scores[live] = torch.log_softmax(scores[live], dim=-1)
            if copy_probability > 0:
                for r, nxt in enumerate(nexts):
                    # a continuation the n-gram ban ruled out stays out
                    cols = [t for t in nxt if math.isfinite(scores[r, t])] if live[r] else []
                    if cols:
                        scores[r] += math.log1p(-copy_probability)
                        each = scores.new_full((len(cols),), share - math.log(len(cols)))
                        scores[r, cols] = torch.logaddexp(scores[r, cols], each)
            return scores.to(device)

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


def ngram_counts(ids: list[int], n: int) -> dict[tuple[int, ...], dict[int, int]]:
    """(the first n - 1 tokens of each n-gram of `ids`) → {its last token: how often}."""
    out: dict[tuple[int, ...], dict[int, int]] = {}
    for j in range(len(ids) - n + 1):
        nxt = out.setdefault(tuple(ids[j:j + n - 1]), {})
        nxt[ids[j + n - 1]] = nxt.get(ids[j + n - 1], 0) + 1
    return out


def repeats_past_source(written: list[int], source_ngrams: dict[tuple[int, ...], dict[int, int]], n: int) -> list[int]:
    """The tokens that would complete an n-gram `written` already has as often as the source has it
    (at least once): the n-gram ban, relaxed to allow the source's own repeats."""
    if len(written) < n - 1:
        return []
    key = written[len(written) - n + 1:]
    seen = Counter(written[j + n - 1] for j in range(len(written) - n + 1) if written[j:j + n - 1] == key)
    allowed = source_ngrams.get(tuple(key), {})
    return [t for t, c in seen.items() if c >= max(1, allowed.get(t, 0))]


def _masks(source_ids: list[list[int]], always: set[int], vocab: int, device):
    import torch

    masks = torch.zeros((len(source_ids), vocab), dtype=torch.bool)
    keep = torch.tensor(sorted(i for i in always if i < vocab), dtype=torch.long)
    masks[:, keep] = True
    for b, ids in enumerate(source_ids):
        masks[b, torch.tensor([i for i in ids if i < vocab], dtype=torch.long)] = True
    return masks.to(device)
