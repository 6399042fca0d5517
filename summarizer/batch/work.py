"""One chunk of corpus records → one output row per record, the same rows whichever engine runs them.

A good record's row is built by `summarizer.commands.summarize.row` (the `summarizer summarize` row), plus
`input` and `line`; a record that cannot be read, parsed or summarized gets `{id, input, line, error}` with
the same error texts as `summarizer summarize`. Nothing here knows about processes or Ray.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass

from summarizer.inputs import Record


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
    address: str | None = None  # ray only: the cluster to join


def load(model_dir: str | None, device: str | None, threads: int | None = None):
    """The model for one worker (raises ModelError); `threads` caps torch's intra-op threads."""
    from summarizer.model import load_model

    if threads:
        import torch

        torch.set_num_threads(max(1, int(threads)))
    return load_model(model_dir, device=device)  # generation lengths capped at load (summarizer.limits)


def _error_row(rid, source: str, line: int, err: str) -> dict:
    return {"id": rid, "input": source, "line": line, "error": err}


def summarize_records(model, records: list[Record], batch_size: int, source: str) -> list[dict]:
    """Rows for `records` (in order): parse each, predict the good ones in one batch of at most
    `batch_size` cables, score. When the batch fails, each cable is retried alone so only the one that
    fails gets an `error` (what `summarizer summarize` does)."""
    from summarizer.commands.summarize import predict_each, row
    from summarizer.limits import cable_limit_error
    from summarizer.parsing import NOT_A_CABLE, parse

    rows: list[dict | None] = [None] * len(records)
    pending: list[tuple[int, Record, object]] = []
    for i, rec in enumerate(records):
        if rec.error:
            rows[i] = _error_row(rec.id, source, rec.line, rec.error)
            continue
        try:
            cable = parse(rec.raw, rec.hints)
        except Exception as e:  # noqa: BLE001 - a parser bug must not lose the record
            rows[i] = _error_row(rec.id, source, rec.line, f"parse failed: {type(e).__name__}: {e}")
            continue
        if NOT_A_CABLE in cable.warnings:
            rows[i] = _error_row(rec.id or cable.id, source, rec.line, NOT_A_CABLE)
            continue
        too_big = cable_limit_error(cable, model)  # paragraph and chunk limits (summarizer.limits)
        if too_big:
            rows[i] = _error_row(rec.id or cable.id, source, rec.line, too_big)
            continue
        pending.append((i, rec, cable))

    for start in range(0, len(pending), batch_size):
        group = pending[start:start + batch_size]
        results = predict_each(model, [c for _, _, c in group], batch_size)
        for (i, rec, cable), (pred, secs, err) in zip(group, results):
            if err:
                rows[i] = _error_row(cable.id or rec.id, source, rec.line, err)
            else:
                rows[i] = row(cable, pred, secs) | {"input": source, "line": rec.line}
    _test_delay()
    return rows  # type: ignore[return-value]


def _test_delay() -> None:
    """Testing aid: SUMMARIZER_BATCH_TEST_DELAY=SECONDS slows every chunk down, so a test can kill a run
    half way through reliably. Unset (the normal case) it costs nothing."""
    delay = os.environ.get("SUMMARIZER_BATCH_TEST_DELAY")
    if delay:
        time.sleep(float(delay))


def record_to_json(rec: Record) -> dict:
    return {"line": rec.line, "id": rec.id, "raw": rec.raw, "hints": rec.hints, "error": rec.error}


def record_from_json(d: dict) -> Record:
    return Record(line=d["line"], id=d["id"], raw=d["raw"], hints=d.get("hints") or {}, error=d["error"])
