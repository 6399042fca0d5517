"""`summarizer summarize` with a tiny trained model: the SPEC row, corpus mode, bad records, bad --model."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from test_model_support import fast_decoding, one_thread, run_command, train_tiny


SEED = Path(__file__).resolve().parents[1] / "summarizer" / "data" / "examples" / "06TOKYO3797.txt"
ROW_KEYS = {"id", "summary", "topics", "tags", "reference_summary", "scores", "seconds", "writer"}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return fast_decoding(train_tiny(tmp_path_factory.mktemp("cmd") / "m", steps=3))


def _run(argv):
    return run_command(["summarize", *argv])


def test_single_cable_row(model_dir, capsys):
    assert _run([str(SEED), "--model", str(model_dir)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    row = json.loads(out[0])
    assert set(row) == ROW_KEYS
    assert row["id"] == "06TOKYO3797"
    assert row["reference_summary"].startswith("Prime Minister Koizumi")
    assert set(row["scores"]) >= {"rouge1", "rouge2", "rougeL", "rougeLsum", "tags_f1"}
    assert isinstance(row["summary"], str) and isinstance(row["tags"], list) and row["seconds"] >= 0


def test_corpus_mode_reports_bad_records_and_drops_none(model_dir, tmp_path, capsys):
    raw = SEED.read_text()
    lines = [
        json.dumps({"id": "A", "raw": raw}),
        "{not json",
        json.dumps({"id": "B"}),  # no raw
        json.dumps({"id": "C", "raw": "hello, this is not a cable at all"}),
        json.dumps({"id": "D", "raw": raw}),
    ]
    corpus = tmp_path / "c.jsonl.gz"
    with gzip.open(corpus, "wt") as f:
        f.write("\n".join(lines) + "\n")
    out_file = tmp_path / "out.jsonl"
    rc = _run([str(corpus), "--model", str(model_dir), "--out", str(out_file), "--batch-size", "2"])
    assert rc == 2  # bad records present
    rows = [json.loads(x) for x in out_file.read_text().splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5]  # every record, in order
    assert [("error" in r) for r in rows] == [False, True, True, True, False]
    assert set(rows[0]) == ROW_KEYS | {"line"}
    err = capsys.readouterr().err
    assert "line 2" in err and "line 3 (B)" in err and "2 ok, 3 bad record(s)" in err


def test_bad_model_dir_is_an_input_error(tmp_path):
    msg = _run([str(SEED), "--model", str(tmp_path / "missing")])
    assert msg.startswith("InputError:") and "does not exist" in msg and "\n" not in msg


def test_missing_input_file(model_dir, tmp_path):
    msg = _run([str(tmp_path / "nope.txt"), "--model", str(model_dir)])
    assert msg.startswith("InputError:") and "no such file" in msg
