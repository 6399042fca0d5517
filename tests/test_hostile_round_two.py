"""Issue 28, hostile clients round two: each finding of the second outside probe, as a regression test
that failed before its fix (see docs/reliability.md, "Hostile clients, round two")."""
from __future__ import annotations

import gzip
import json
import tracemalloc

import pytest

from summarizer.app import service as svc
from summarizer.app.service import SummaryService
from summarizer.inputs import MAX_HINT_CHARS, InputError, read_records
from summarizer.model.prediction import Prediction


class FakeModel:
    """Answers at once (these tests are about reading uploads, not the model)."""

    name = "fake"

    def __init__(self):
        self.cables = 0

    def predict(self, cables, batch_size=8):
        self.cables += len(cables)
        return [Prediction(summary="A summary.", tags=["PREL"], topics=[]) for _ in cables]


def gz(path, parts) -> None:
    """A .jsonl.gz written part by part (bytes), so that a big upload is never whole in memory here."""
    with gzip.open(path, "wb", compresslevel=9) as f:
        for part in parts:
            f.write(part)


# ---------------------------------------------------------------- 1. padded fields in a Batch upload
PADDED = json.dumps({"raw": "", "pad": "x" * 7_900_000}).encode() + b"\n"


def test_padding_fields_of_a_batch_upload_are_not_kept(tmp_path):
    """60 lines `{"raw": "", "pad": "x" * 7,900,000}` (463 KB gzipped) took the page's process from 290 MB
    to 764 MB and left it at 463 MB: every line's padding was kept for the whole request."""
    upload = tmp_path / "padded.jsonl.gz"
    gz(upload, (PADDED for _ in range(60)))
    tracemalloc.start()
    try:
        r = SummaryService(FakeModel()).run_batch(str(upload), 5000, out_dir=tmp_path / "out")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r.averages["records"] == 60 and all(row["error"] == "`raw` is empty" for row in r.rows)
    print(f"peak {peak / 1e6:.0f} MB of Python objects for 60 padded lines")
    assert peak < 80e6  # one line at a time (the line, its JSON), where keeping them all is 470 MB


def test_a_long_field_is_dropped_with_a_warning_and_short_ones_kept(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "06TOKYO3797", "raw": svc.seed_text(), "subject": "S" * 300,
                                  "tags": ["PREL", "JA"], "pad": "x" * (MAX_HINT_CHARS + 1),
                                  "deep": [["y" * 100] * 200]}) + "\n", encoding="utf-8")
    [rec] = read_records(str(corpus))
    assert rec.raw and set(rec.hints) == {"id", "subject", "tags"} and rec.hints["subject"] == "S" * 300
    assert rec.warnings == [f"field(s) `pad`, `deep` not kept: a field besides `raw` is at most {MAX_HINT_CHARS:,} "
                            "characters, and a record has at most 64 of them"]


def test_an_id_of_megabytes_is_not_kept(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "I" * 5_000_000, "raw": ""}) + "\n", encoding="utf-8")
    [rec] = read_records(str(corpus))
    assert rec.id is None and rec.hints == {} and rec.error == "`raw` is empty"


def test_batch_rows_kept_for_the_page_are_bounded(tmp_path):
    """The preview keeps 200 rows with their texts clipped; the files hold every row whole."""
    upload = tmp_path / "many.jsonl"
    upload.write_text("".join(json.dumps({"id": f"X{i}", "raw": ""}) + "\n" for i in range(450)), encoding="utf-8")
    r = SummaryService(FakeModel()).run_batch(str(upload), 5000, out_dir=tmp_path / "out")
    assert len(r.rows) == svc.PREVIEW_ROWS and r.averages["records"] == 450 and not r.more
    lines = (tmp_path / "out" / "many-summaries.jsonl").read_text().splitlines()
    assert len(lines) == 451 and json.loads(lines[-1])["averages"]["records"] == 450
