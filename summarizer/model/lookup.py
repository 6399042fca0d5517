"""Greedy decoding that reads ahead in the source (prompt lookup decoding): the causal writer's loop.

A written sentence copies runs of the sentence it rewrites. At each step every row proposes, as a draft,
the prompt tokens that followed the last place its written text matched the prompt (its last 3, 2 or
1 tokens), and the LM reads each row's chosen token and its draft in one forward pass. The row keeps the
draft tokens that its own choice at each position agrees with, and the choice at the first disagreement:
the text is the one plain greedy decoding writes, in fewer passes. The rejected tokens stay in the cache,
masked out (each row has its own position ids), and a row that ends leaves the batch. Where the LM's logits
are its output embedding of its last hidden state (`scores_head`: checked once on the model itself), the
scores of a draft's position are computed only when the draft is still being followed there.

`choose(row, written, scores)` is the decoding's rule: the token row `row` writes after `written` (its
tokens so far), given the LM's scores for that position.
"""
from __future__ import annotations

import time
from typing import Callable

MATCH = 3  # the longest tail of the written text looked up in the prompt


def draft(written: list[int], prompt: list[int], ahead: int) -> list[int]:
    """Up to `ahead` prompt tokens that followed the first place where the longest tail (3, 2 or 1 tokens)
    of `written` occurs in `prompt`; [] when no tail occurs."""
    if ahead <= 0:
        return []
    for n in range(min(MATCH, len(written)), 0, -1):
        tail = written[-n:]
        for i in range(len(prompt) - n):
            if prompt[i:i + n] == tail:
                return prompt[i + n:i + n + ahead]
    return []


def scores_head(model):
    """The layer that turns the LM's last hidden states into its scores, where that is all there is between
    them (no soft-capping or scaling: one forward pass of a few tokens shows it); None where it is not."""
    import torch

    head, body = model.get_output_embeddings(), model.base_model
    if head is None or body is model:
        return None
    ids = torch.tensor([[1, 2, 3]], device=model.device)
    with torch.inference_mode():
        hidden = body(input_ids=ids).last_hidden_state
        same = torch.allclose(head(hidden).float(), model(input_ids=ids).logits.float(), atol=1e-3, rtol=1e-3)
    return head if same else None


def greedy_lookup(model, inputs: dict, prompts: list[list[int]], choose: Callable[[int, list[int], object], int],
                  eos: int, pad: int, max_new: int, ahead: int = 8, max_seconds: float | None = None,
                  head=None) -> list[list[int]]:
    """The tokens each row writes (its end token left out). `inputs`: input_ids, attention_mask (left padding
    allowed anywhere past a shared start) and a cache holding the ids' first part; `prompts[row]`: the ids
    its drafts are taken from; `head`: `scores_head(model)`, or None to score every position."""
    import torch

    ids, mask, cache = inputs["input_ids"], inputs["attention_mask"], inputs["cache"]
    device = ids.device
    positions = (mask.long().cumsum(1) - 1).clamp(min=0)
    seen = cache.get_seq_length()
    out = model(input_ids=ids[:, seen:], attention_mask=mask, position_ids=positions[:, seen:], cache=cache,
                use_cache=True, logits_to_keep=1).logits[:, -1].float()
    rows = list(range(ids.shape[0]))  # the batch's rows, by the index each had in `ids`
    written: list[list[int]] = [[] for _ in rows]
    chosen = [choose(r, [], out[i]) for i, r in enumerate(rows)]
    next_position = positions[:, -1] + 1
    start = time.monotonic()
    while True:
        going = []
        for i, r in enumerate(rows):
            if chosen[i] != eos:
                written[r].append(chosen[i])
                if len(written[r]) < max_new:
                    going.append(i)
        if not going or (max_seconds is not None and time.monotonic() - start > max_seconds):
            break
        if len(going) < len(rows):  # finished rows leave the batch
            keep = torch.tensor(going, device=device)
            cache.batch_select_indices(keep)
            mask, next_position = mask[keep], next_position[keep]
            rows, chosen = [rows[i] for i in going], [chosen[i] for i in going]
        drafts = [draft(written[r], prompts[r], min(ahead, max_new - len(written[r]) - 1)) for r in rows]
        width = 1 + max(len(d) for d in drafts)
        step = torch.tensor([[c] + d + [pad] * (width - 1 - len(d)) for c, d in zip(chosen, drafts)], device=device)
        fresh = torch.tensor([[1] * (1 + len(d)) + [0] * (width - 1 - len(d)) for d in drafts], device=device)
        before = mask.shape[1]
        mask = torch.cat([mask, fresh.to(mask.dtype)], dim=1)
        step_inputs = dict(input_ids=step, attention_mask=mask, cache=cache, use_cache=True,
                           position_ids=next_position[:, None] + torch.arange(width, device=device))
        if head is None:
            out = model(**step_inputs).logits
            scores = lambda batch, at: out[batch, at].float()  # noqa: E731
        else:
            hidden = model.base_model(**step_inputs).last_hidden_state
            scores = lambda batch, at: head(hidden[batch, at]).float()  # noqa: E731
        # position by position, the rows still following their drafts: each keeps the draft tokens its own
        # choice agrees with, and the choice at the first disagreement
        following, kept = list(range(len(rows))), [0] * len(rows)
        for at in range(width):
            agreed = []
            for i, row_scores in zip(following, scores(following, at)):
                r, d = rows[i], drafts[i]
                token = choose(r, written[r] + d[:at], row_scores)
                if at < len(d) and token == d[at] and token != eos:
                    agreed.append(i)
                    kept[i] += 1
                else:
                    chosen[i] = token
            following = agreed
            if not following:
                break
        for i, r in enumerate(rows):
            written[r] += drafts[i][:kept[i]]
            mask[i, before + 1 + kept[i]:] = 0  # the draft's rejected tokens: in the cache, never attended to
        next_position += 1 + torch.tensor(kept, device=device)
    return written
