"""Issue 15: hostile text on the summarize path (the splitter, characters that are not text)."""
from __future__ import annotations

import random
import time

from summarizer.sentences import split_sentences


def _random_words(n: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    words = "the minister said that U.S. officials met Dr. Smith on Jan. 5 in Washington. He agreed. 1. 2. (C)".split()
    out, size = [], 0
    while size < n:
        out.append(rng.choice(words))
        size += len(out[-1]) + 1
    return " ".join(out)


def test_one_long_paragraph_splits_in_linear_time():
    # Before the fix every candidate end searched back from the paragraph's start and copied the rest
    # of it: 400,000 characters took ~24 s of CPU. Now ~0.03 s; the bound leaves room for a busy machine.
    text = _random_words(400_000)
    t = time.process_time()
    sentences = split_sentences(text)
    assert time.process_time() - t < 2.0
    assert " ".join(sentences).split() == text.split()


def test_letter_less_pieces_without_end_are_joined_in_linear_time():
    text = " ".join(f"{i}." for i in range(100_000)) + " Done."
    t = time.process_time()
    sentences = split_sentences(text)
    assert time.process_time() - t < 2.0
    assert sentences == [text]
