"""Corpus records → one result per record, in input order: read, parse, check, predict, score.

Every corpus reader goes through `process_records`: `summarizer summarize` on a corpus, the batch workers
(local and Ray) and the page's Batch tab. A record that cannot be read, parsed or summarized gets a
result with `error` (the same texts everywhere); the good cables are predicted in batches, and a batch
that fails is retried cable by cable so that only the cable that fails loses its summary.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from summarizer.cable import Cable
from summarizer.inputs import Record
from summarizer.limits import cable_limit_error
from summarizer.metrics import cable_scores
from summarizer.parsing import NOT_A_CABLE, parse

log = logging.getLogger("summarizer.pipeline")

Predict = Callable[[list[Cable]], list]  # cables → one prediction each (`CableSummarizer.predict`)
Check = Callable[[Cable], "str | None"]  # why a parsed cable cannot be summarized, or None


@dataclass
class Result:
    """One record's outcome: its cable and prediction, or the error that stopped it."""

    record: Record
    cable: Cable | None = None
    prediction: object | None = None
    seconds: float | None = None  # model time (a batch's time shared out)
    error: str | None = None

    @property
    def id(self) -> str | None:
        """The cable's id (the record's own, when it gave one), else the record's."""
        return (self.cable.id if self.cable else None) or self.record.id


def parse_record(rec: Record, check: Check = cable_limit_error) -> tuple[Cable | None, str | None]:
    """(cable, None), or (cable or None, why no summary): unreadable, parser failure, not a cable, or over a
    limit (`check`; by default the paragraph and word limits, which need no model)."""
    if rec.error:
        return None, rec.error
    try:
        cable = parse(rec.raw, rec.hints)
    except Exception as e:  # noqa: BLE001 - a parser bug must not lose the record
        return None, f"parse failed: {type(e).__name__}: {e}"
    if NOT_A_CABLE in cable.warnings:
        return cable, NOT_A_CABLE
    return cable, check(cable)


def model_failed(e: Exception) -> str:
    """One line for a prediction that raised (torch's allocator and generate's checks can write several)."""
    return " ".join(f"model failed: {type(e).__name__}: {e}".split())


def predict_each(predict: Predict, cables: list[Cable]) -> list[tuple]:
    """(prediction, seconds, error) per cable. When the batch fails, each cable is retried alone so
    that only the one that fails gets an error and the others still get summaries."""
    t = time.perf_counter()
    try:
        preds = predict(cables)
        each = (time.perf_counter() - t) / len(cables)
        return [(p, each, None) for p in preds]
    except Exception as e:  # noqa: BLE001 - find the cable that failed
        if len(cables) > 1:
            log.warning("a batch of %d cables failed (%s); retrying them one at a time", len(cables), model_failed(e))
        results = []
        for c in cables:
            t1 = time.perf_counter()
            try:
                [p] = predict([c])
                results.append((p, time.perf_counter() - t1, None))
            except Exception as e:  # noqa: BLE001
                results.append((None, time.perf_counter() - t1, model_failed(e)))
        return results


def process_records(records: Iterable[Record], predict: Predict, batch_size: int,
                    check: Check = cable_limit_error) -> Iterator[Result]:
    """A result per record, in order, predicting up to `batch_size` good cables at once."""
    pending: list[tuple[Record, Cable]] = []

    def flush() -> Iterator[Result]:
        outcomes = predict_each(predict, [c for _, c in pending]) if pending else []
        for (rec, cable), (pred, seconds, error) in zip(pending, outcomes):
            yield Result(rec, cable, pred, seconds, error)
        pending.clear()

    for rec in records:
        cable, error = parse_record(rec, check)
        if error:
            yield from flush()  # keep the results in input order
            yield Result(rec, cable, error=error)
            continue
        pending.append((rec, cable))
        if len(pending) >= batch_size:
            yield from flush()
    yield from flush()


def summary_row(result: Result) -> dict:
    """The SPEC's `summarize` row for a result (`line` included), or its error row."""
    if result.error:
        return {"id": result.id, "line": result.record.line, "error": result.error}
    cable, pred = result.cable, result.prediction
    return {
        "id": cable.id,
        "summary": pred.summary,
        "topics": pred.topics,
        "tags": pred.tags,
        "reference_summary": cable.summary,
        "scores": cable_scores(pred.summary, pred.tags, cable),
        "seconds": round(result.seconds, 3),
        "writer": pred.writer,
        "line": result.record.line,
    }
