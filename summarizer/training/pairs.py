"""Training pairs from the cable corpus, built with the project's parser.

Every cable gives up to three examples, told apart by the task prompt (prefix): in front of the encoder
input (`prompt_side="encoder"`, T5 style) or forced as the first decoder tokens (`prompt_side="decoder"`:
the decoder sees the task directly, and one encoder pass can serve every task):
- `summarize`: body → the cable's own summary (only cables that have one);
- `tags`: body → its TAGS codes ("prel pgov ja"; person tags such as "OVIP (BIDEN, JOSEPH)" left out);
- `subject`: body → its SUBJECT line.
The body never contains the own summary (the parser removes it), so a summary target never leaks into its input.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from summarizer.cable import Cable
from summarizer.inputs import read_records
from summarizer.metrics import is_predictable_code
from summarizer.model.chunking import special_wrap
from summarizer.parsing import parse


@dataclass
class Example:
    task: str
    cable_id: str | None
    src: list[int]  # encoder input ids (prompt + body start + special tokens)
    tgt: list[int]  # target ids, eos included
    prefix: list[int] = field(default_factory=list)  # forced decoder prefix (prompt_side="decoder"), not scored


def load_cables(path: str | Path, limit: int = 0, log=print) -> list[Cable]:
    """Parse every readable record of a corpus file; unreadable/unparsable ones are counted and skipped."""
    cables: list[Cable] = []
    bad = 0
    for rec in read_records(str(path)):
        if rec.error or rec.raw is None:
            bad += 1
            continue
        try:
            cables.append(parse(rec.raw, rec.hints))
        except Exception:  # noqa: BLE001 - a training run skips what the parser cannot read
            bad += 1
        if limit and len(cables) >= limit:
            break
    if bad:
        log(f"{path}: skipped {bad} unreadable record(s)")
    return cables


def tag_target(cable: Cable) -> str:
    return " ".join(c for c in cable.tag_codes if is_predictable_code(c))


def targets(cable: Cable, tasks: list[str]) -> dict[str, str]:
    """task → target text for this cable (tasks the cable cannot serve are left out)."""
    out = {}
    if not cable.body.strip():
        return out
    if "summarize" in tasks and cable.summary and cable.summary.strip():
        out["summarize"] = cable.summary.strip()
    if "tags" in tasks:
        t = tag_target(cable)
        if t:
            out["tags"] = t
    if "subject" in tasks and cable.subject and cable.subject.strip():
        out["subject"] = cable.subject.strip()
    return out


def eos_id(tokenizer) -> int:
    for attr in ("eos_token_id", "sep_token_id"):
        v = getattr(tokenizer, attr, None)
        if v is not None:
            return v
    raise ValueError("tokenizer has neither an eos nor a sep token")


def build_examples(cables: list[Cable], tokenizer, prompts: dict[str, str], tasks: list[str],
                   src_len: int, tgt_len: int, aux_tgt_len: int, aux_src_len: int | None = None,
                   prompt_side: str = "encoder") -> list[Example]:
    """Tokenize every (task, body, target) of `cables`; bodies are tokenized once and truncated to fit."""
    eos = eos_id(tokenizer)
    head, tail = special_wrap(tokenizer)
    n_special = len(head) + len(tail)
    prompt_ids = {t: tokenizer(prompts[t], add_special_tokens=False)["input_ids"] for t in tasks}
    items = [(c, targets(c, tasks)) for c in cables]
    items = [(c, t) for c, t in items if t]
    if not items:
        return []
    bodies = tokenizer([c.body for c, _ in items], add_special_tokens=False, truncation=True,
                       max_length=src_len)["input_ids"]
    flat = [(i, task, text) for i, (_, t) in enumerate(items) for task, text in t.items()]
    tgt_ids = tokenizer([text for _, _, text in flat], add_special_tokens=False, truncation=True,
                        max_length=tgt_len)["input_ids"]
    examples = []
    for (i, task, _), tgt in zip(flat, tgt_ids):
        limit = (tgt_len if task == "summarize" else aux_tgt_len) - 1
        size = src_len if task == "summarize" or not aux_src_len else min(src_len, aux_src_len)
        if prompt_side == "decoder":
            src = head + bodies[i][:size - n_special] + tail
            examples.append(Example(task=task, cable_id=items[i][0].id, src=src, tgt=tgt[:limit] + [eos],
                                    prefix=list(prompt_ids[task])))
            continue
        room = size - n_special - len(prompt_ids[task])
        src = head + prompt_ids[task] + bodies[i][:room] + tail
        examples.append(Example(task=task, cable_id=items[i][0].id, src=src, tgt=tgt[:limit] + [eos]))
    return examples

