"""summarizer/pipeline.py: one result per record, in order; a bad record or a failing cable costs only its
own row."""
from __future__ import annotations

import logging
from pathlib import Path

from summarizer.inputs import Record
from summarizer.model import Prediction
from summarizer.parsing import NOT_A_CABLE
from summarizer.pipeline import process_records, summary_row

SEED = (Path(__file__).resolve().parents[1] / "summarizer" / "data" / "examples" / "06TOKYO3797.txt").read_text(
    encoding="utf-8")


def record(line: int, raw: str | None = SEED, error: str | None = None) -> Record:
    return Record(line=line, id=f"06TOKYO{line}", raw=raw, hints={"id": f"06TOKYO{line}"}, error=error)


class FakeModel:
    """Predicts the cable's id as its summary; a batch holding the cable `bad` fails, as does `bad` alone."""

    def __init__(self, bad: str | None = None):
        self.bad = bad
        self.calls: list[list[str]] = []

    def predict(self, cables):
        self.calls.append([c.id for c in cables])
        if any(c.id == self.bad for c in cables):
            raise RuntimeError("out of memory")
        return [Prediction(summary=c.id, tags=["PREL"], topics=["External political relations"]) for c in cables]


def test_results_come_in_input_order_with_error_rows_in_place() -> None:
    model = FakeModel()
    records = [record(1), record(2, error="invalid JSON: expecting value at column 1"), record(3),
               record(4, raw="hello there, nothing of a cable"), record(5)]
    rows = [summary_row(r) for r in process_records(records, model.predict, batch_size=2)]
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r.get("summary") for r in rows] == ["06TOKYO1", None, "06TOKYO3", None, "06TOKYO5"]
    assert rows[1] == {"id": "06TOKYO2", "line": 2, "error": "invalid JSON: expecting value at column 1"}
    assert rows[3]["error"] == NOT_A_CABLE
    assert rows[0]["scores"]["tags_f1"] > 0 and rows[0]["reference_summary"]  # the seed has its own summary
    assert model.calls == [["06TOKYO1"], ["06TOKYO3"], ["06TOKYO5"]]  # an error row first flushes what is pending


def test_a_failing_cable_fails_alone_and_the_retry_is_logged(caplog) -> None:
    model = FakeModel(bad="06TOKYO2")
    with caplog.at_level(logging.WARNING, logger="summarizer.pipeline"):
        rows = [summary_row(r) for r in process_records([record(n) for n in (1, 2, 3)], model.predict, batch_size=3)]
    assert [r.get("summary") for r in rows] == ["06TOKYO1", None, "06TOKYO3"]
    assert rows[1]["error"] == "model failed: RuntimeError: out of memory"
    assert model.calls == [["06TOKYO1", "06TOKYO2", "06TOKYO3"], ["06TOKYO1"], ["06TOKYO2"], ["06TOKYO3"]]
    assert "a batch of 3 cables failed" in caplog.text
