"""Greedy decoding that reads ahead in the source (prompt lookup decoding): the causal writer's loop.

A written sentence copies runs of the sentence it rewrites. At each step every row proposes, as a draft,
the prompt tokens that followed the last place its written text matched the prompt (its last 3, 2 or
1 tokens), and the LM reads each row's chosen token and its draft in one forward pass. The row keeps the
draft tokens that its own choice at each position agrees with, and the choice at the first disagreement:
the text is the one plain greedy decoding writes, in fewer passes. The rejected tokens stay in the cache,
masked out (each row has its own position ids), and a row that ends leaves the batch.

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


def greedy_lookup(model, inputs: dict, prompts: list[list[int]], choose: Callable[[int, list[int], object], int],
                  eos: int, pad: int, max_new: int, ahead: int = 8, max_seconds: float | None = None) -> list[list[int]]:
    """The tokens each row writes (its end token left out). `inputs`: input_ids, attention_mask (left padding
    allowed anywhere past a shared start) and a cache holding the ids' first part; `prompts[row]`: the ids
    its drafts are taken from."""
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
        out = model(input_ids=step, attention_mask=mask, cache=cache, use_cache=True,
                    position_ids=next_position[:, None] + torch.arange(width, device=device)).logits.float()
        for i, r in enumerate(rows):
            d, kept = drafts[i], 0
            while True:
                token = choose(r, written[r] + d[:kept], out[i, kept])
                if kept < len(d) and token == d[kept] and token != eos:
                    kept += 1
                    continue
                break
            written[r] += d[:kept]
            chosen[i] = token
            mask[i, before + 1 + kept:] = 0  # the draft's rejected tokens: in the cache, never attended to
            next_position[i] += 1 + kept
    return written
