"""The deletion writer: the seq2seq model rewrites a sentence by leaving out whole units of it.

Decoding is greedy under a monotonic pointer: the decoder writes the source sentence's tokens in
order, and the only other token it may write is the one just after a deletable unit
(`summarizer.compression.deletable_units`) when it stands at that unit's first token. Everywhere
else one token is allowed, so greedy decoding is fully decided by the choices at those few places,
and they are found without stepping token by token: the decoder reads the whole planned output in
one teacher-forced pass, and the first place where the model prefers the jump (by more than
`keep_margin`, the learned copy bonus) is taken; the pass is then repeated for what follows. The
output is exactly what token-by-token constrained greedy decoding would write, at one or two decoder
passes a sentence; a sentence without units costs no model call at all.

Only raw scores of the sentence's own tokens are compared (no softmax), so the decoder's output layer
is applied to those tokens alone (`_own_token_scores`), not to the whole vocabulary: the same dot
products, at a few dozen columns instead of 18,000.

The words are then cut from the original sentence text (its case and spacing kept, no detokenizing or
truecasing), and `accept` keeps the source sentence whole when the result fails a reader check.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from summarizer.compression import Unit, accept, delete, deletable_units


@dataclass
class _Row:
    text: str
    units: list[Unit]
    ids: list[int]  # the sentence's tokens, no special tokens
    spans: list[tuple[int, int]]  # each unit as [first token, token after it)
    kept: list[int] = field(default_factory=list)  # source positions written, in order
    decided: int = 0  # output positions before this are settled
    taken: list[int] = field(default_factory=list)  # indexes of the units left out


def token_spans(units: list[Unit], offsets: list[tuple[int, int]]) -> list[tuple[int, int] | None]:
    """Each unit as token positions [a, b): the tokens whose characters lie inside it, and b a token
    after it (a trailing clause ends before the final mark's token). None where the unit's edges fall
    inside a token."""
    out: list[tuple[int, int] | None] = []
    for u in units:
        inside = [k for k, (s, e) in enumerate(offsets) if s >= u.start and e <= u.end and e > s]
        after = next((k for k, (s, _) in enumerate(offsets) if s >= u.end), None)
        ok = inside and after is not None and inside == list(range(inside[0], inside[-1] + 1)) and after == inside[-1] + 1
        out.append((inside[0], after) if ok else None)
    return out


def write(model, tokenizer, prefix: list[int], sentences: list[str], keep_margin: float, max_tokens: int,
          device: str = "cpu", batch_size: int = 32) -> list[str]:
    """Each sentence as the model compresses it (or whole). `prefix`: the decoder's forced start (the
    start token and the task prompt); `max_tokens`: the encoder's limit, specials included."""
    outputs = list(sentences)
    rows: dict[int, _Row] = {}
    for i, text in enumerate(sentences):
        units = deletable_units(text)
        if not units:
            continue
        enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        if len(enc["input_ids"]) + 2 > max_tokens:
            continue  # the encoder would read it cut: keep it whole
        spans = token_spans(units, enc["offset_mapping"])
        good = [(u, s) for u, s in zip(units, spans) if s is not None]
        if good:
            ids = list(enc["input_ids"])
            rows[i] = _Row(text, [u for u, _ in good], ids, [s for _, s in good], kept=list(range(len(ids))))
    order = sorted(rows, key=lambda i: -len(rows[i].ids))
    for start in range(0, len(order), max(1, batch_size)):
        batch = {i: rows[i] for i in order[start:start + batch_size]}
        _decide(model, tokenizer, prefix, batch, keep_margin, device)
        for i, row in batch.items():
            written = delete(row.text, [row.units[k] for k in row.taken])
            outputs[i] = accept(row.text, written)
    return outputs


def _decide(model, tokenizer, prefix: list[int], rows: dict[int, _Row], keep_margin: float, device: str) -> None:
    import torch

    keys = list(rows)
    enc = tokenizer([rows[i].text for i in keys], padding=True, return_tensors="pt")
    enc = {k: v.to(device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}
    with torch.inference_mode():
        memory = model.get_encoder()(**enc).last_hidden_state
    live = list(range(len(keys)))
    pad = tokenizer.pad_token_id or 0  # (after each plan's end: the decoder is causal, so never read)
    head = model.get_output_embeddings()
    while live:
        plans = [prefix + [rows[keys[b]].ids[p] for p in rows[keys[b]].kept] for b in live]
        width = max(len(p) for p in plans)
        dec = torch.tensor([p + [pad] * (width - len(p)) for p in plans], device=device)
        with torch.inference_mode(), _without_output_layer(head) as bare:
            out = model(encoder_outputs=(memory[live],), attention_mask=enc["attention_mask"][live],
                        decoder_input_ids=dec).logits
        still = []
        for n, b in enumerate(live):
            row = rows[keys[b]]
            if bare:
                score = _own_token_scores(out[n], row.ids, head)
            else:
                score = lambda position, token, logits=out[n]: float(logits[position, token])  # noqa: E731
            if _take_first_jump(row, score, len(prefix), keep_margin):
                still.append(b)
        live = still


@contextlib.contextmanager
def _without_output_layer(head):
    """The model's forward returning the states its output layer (a Linear) reads instead of its logits;
    yields False, and changes nothing, for any other kind of head."""
    import torch

    if not isinstance(head, torch.nn.Linear):
        yield False
        return
    head.forward = lambda hidden: hidden  # an instance attribute: nn.Module calls it instead of Linear's
    try:
        yield True
    finally:
        del head.forward


def _own_token_scores(hidden, ids: list[int], head):
    """score(position, token) for the sentence's own tokens, from the states the output layer reads: the
    layer's rows for those tokens only, one small product per pass."""
    import torch

    tokens = sorted(set(ids))
    column = {t: k for k, t in enumerate(tokens)}
    index = torch.tensor(tokens, device=hidden.device)
    with torch.inference_mode():
        table = torch.nn.functional.linear(hidden, head.weight[index], None if head.bias is None else head.bias[index])
    return lambda position, token: float(table[position, column[token]])


def _take_first_jump(row: _Row, score, offset: int, keep_margin: float) -> bool:
    """Settle `row`'s plan up to its first jump the model prefers; True when one was taken (the plan
    after it needs another pass). `score(offset - 1 + k, token)` scores `token` as the k-th written one."""
    where = {p: k for k, p in enumerate(row.kept)}
    starts: dict[int, list[int]] = {}  # a unit's first token -> the units opening there
    for u, (a, b) in enumerate(row.spans):
        k = where.get(a)
        if k is not None and k >= row.decided and b in where and all(p in where for p in range(a, b)):
            starts.setdefault(a, []).append(u)  # (else written already, or cut with an earlier unit)
    for a in sorted(starts):
        position = offset - 1 + where[a]
        # greedy: the best of the jumps open here, against copying on (which earns the margin)
        u = max(starts[a], key=lambda u: score(position, row.ids[row.spans[u][1]]))
        b = row.spans[u][1]
        if score(position, row.ids[b]) > score(position, row.ids[a]) + keep_margin:
            row.kept = [p for p in row.kept if not a <= p < b]
            row.decided = where[a] + 1
            row.taken.append(u)
            return True
    return False
