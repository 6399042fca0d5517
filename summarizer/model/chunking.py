"""Splitting a cable body that is longer than the encoder into chunks on paragraph boundaries.

Paragraphs are packed greedily, in order, into chunks of at most `budget` tokens. A paragraph longer
than the budget is split into sentences (the project's splitter), and a sentence longer than the budget
into runs of words, so every word of the body lands in exactly one chunk: nothing is dropped.
"""
from __future__ import annotations

import re
from typing import Callable

from summarizer.sentences import split_sentences

CountFn = Callable[[list[str]], list[int]]  # texts -> token counts (no special tokens)


def _sentences(text: str) -> list[str]:
    try:
        out = split_sentences(text)
        if out:
            return out
    except Exception:  # noqa: BLE001 - the splitter is a convenience here, never a failure
        pass
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def _split_words(text: str, n_tokens: int, budget: int) -> list[str]:
    words = text.split()
    if len(words) <= 1:
        return [text]
    n_pieces = -(-n_tokens // budget) + 1  # one extra piece of slack: token counts are not uniform
    per = max(1, -(-len(words) // n_pieces))
    return [" ".join(words[i:i + per]) for i in range(0, len(words), per)]


def split_units(paragraphs: list[str], count: CountFn, budget: int) -> list[tuple[str, int]]:
    """Paragraphs → units (paragraphs, or pieces of over-long ones) with their token counts, in order."""
    units: list[tuple[str, int]] = []
    paragraphs = [p.strip() for p in paragraphs if p and p.strip()]
    if not paragraphs:
        return units
    for text, n in zip(paragraphs, count(paragraphs)):
        if n <= budget:
            units.append((text, n))
            continue
        pieces = _sentences(text)
        counts = count(pieces)
        for piece, m in zip(pieces, counts):
            if m <= budget:
                units.append((piece, m))
                continue
            sub = _split_words(piece, m, budget)
            for s, k in zip(sub, count(sub)):
                while k > budget and len(s.split()) > 1:  # rare: very long "words"; halve until it fits
                    w = s.split()
                    half = len(w) // 2
                    a, b = " ".join(w[:half]), " ".join(w[half:])
                    ka, kb = count([a, b])
                    units.append((a, ka))
                    s, k = b, kb
                units.append((s, k))
    return units


def chunk_paragraphs(paragraphs: list[str], count: CountFn, budget: int, join: str = "\n") -> list[str]:
    """Pack paragraphs into chunk texts of at most `budget` tokens each (one paragraph a line)."""
    if budget < 1:
        raise ValueError("chunk budget must be at least one token")
    chunks: list[list[str]] = []
    sizes: list[int] = []
    for text, n in split_units(paragraphs, count, budget):
        if chunks and sizes[-1] + n <= budget:
            chunks[-1].append(text)
            sizes[-1] += n
        else:
            chunks.append([text])
            sizes.append(n)
    return [join.join(c) for c in chunks]


def special_wrap(tokenizer) -> tuple[list[int], list[int]]:
    """The special tokens the tokenizer puts before and after a single text ([CLS] … [SEP], … </s>)."""
    probe = "summary"
    bare = tokenizer(probe, add_special_tokens=False)["input_ids"]
    full = tokenizer(probe, add_special_tokens=True)["input_ids"]
    for i in range(len(full) - len(bare) + 1):
        if full[i:i + len(bare)] == bare:
            return full[:i], full[i + len(bare):]
    return [], []
