"""What a model answers for one cable. Its own module, free of torch, so that a process that only
receives predictions (the page's, `summarizer.model.process`) can unpickle them without importing torch."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Prediction:
    summary: str
    tags: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    subject: str | None = None  # the free-text label the subject task wrote, if any
    chunks: int = 0  # how many encoder-sized chunks the body was read in
    written: int = 0  # sentences a causal writer wrote (0: no such writer)
    refused: list[str] = field(default_factory=list)  # why the gate refused each of those it refused
    writer: str = ""  # which writer wrote the summary (`CableSummarizer.writer_name`)
    done: bool = True  # False: the summary so far, while a writer is still writing it (`CableSummarizer.stream`)
