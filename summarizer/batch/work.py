"""One chunk of corpus records → one output row per record, the same rows whichever engine runs them.

Each row is the `summarizer summarize` row (`summarizer.pipeline.summary_row`) plus `input`; a record that
cannot be read, parsed or summarized gets `{id, line, error, input}` with the same error texts. Nothing here
knows about processes or Ray.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from summarizer.inputs import Record
from summarizer.limits import cable_limit_error
from summarizer.pipeline import process_records, summary_row


@dataclass
class EngineOptions:
    """What an engine needs besides the shards: where the model is and how to spread the work."""

    model_dir: str | None  # None: the shipped default model
    model_sha256: str
    device: str | None  # None: cuda when the worker sees a GPU, else cpu
    workers: int
    cpus_per_worker: float  # torch threads per worker (local), num_cpus per actor (ray)
    gpus_per_worker: float
    batch_size: int
    writer: str | None = None  # `--writer`: None for the directory's default writer
    address: str | None = None  # ray only: the cluster to join
    after_chunk: Callable[[], None] | None = None  # each worker (process or actor) calls it after every chunk


def load(model_dir: str | None, device: str | None, threads: int | None = None, writer: str | None = None):
    """The model for one worker (raises ModelError); `threads` caps torch's intra-op threads."""
    from summarizer.model import load_model

    if threads:
        import torch

        torch.set_num_threads(max(1, int(threads)))
    return load_model(model_dir, device=device, writer=writer)  # generation lengths capped at load (summarizer.limits)


def summarize_records(model, records: list[Record], batch_size: int, source: str) -> list[dict]:
    """Rows for `records` (in order), as `summarizer summarize` writes them (`summarizer.pipeline`), each
    with the shard it came from as `input`."""
    return [summary_row(result) | {"input": source} for result in process_records(
        records, lambda cables: model.predict(cables, batch_size=batch_size), batch_size,
        check=lambda cable: cable_limit_error(cable, model))]


def record_to_json(rec: Record) -> dict:
    return {"line": rec.line, "id": rec.id, "raw": rec.raw, "hints": rec.hints, "error": rec.error}


def record_from_json(d: dict) -> Record:
    return Record(line=d["line"], id=d["id"], raw=d["raw"], hints=d.get("hints") or {}, error=d["error"])
