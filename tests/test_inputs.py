"""`summarizer.inputs`: reading one cable or a corpus, and turning bad input into reasons, not crashes."""
from __future__ import annotations

import gzip
import io
import json
import random
import sys
from pathlib import Path

import pytest

from summarizer.inputs import MAX_INPUT_BYTES, InputError, Record, decode_text, is_corpus, read_records, read_text


@pytest.mark.parametrize(
    ("path", "corpus"),
    [("a.jsonl", True), ("a.jsonl.gz", True), ("a.ndjson", True), ("a.txt", False), ("-", False), ("a.json", False), ("a.gz", False)],
)
def test_is_corpus(path: str, corpus: bool) -> None:
    assert is_corpus(path) is corpus


# --- decode_text -------------------------------------------------------------------------------------

def test_decode_utf8_and_bom() -> None:
    assert decode_text("\ufeffTAGS: PREL ¶1.".encode("utf-8")) == "TAGS: PREL ¶1."


def test_decode_latin1_fallback() -> None:
    assert decode_text("Brasília".encode("latin-1")) == "Brasília"


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty"), (b" \n\t\n", "empty"), (b"abc\x00def", "binary"), (b"\x00" * 10, "binary"),
     (b"a" * (MAX_INPUT_BYTES + 1), "limit")],
    ids=["empty", "blank", "nul", "all_nul", "oversize"],
)
def test_decode_rejects(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as e:
        decode_text(data, "x.txt")
    assert "\n" not in str(e.value)  # one line for the user
    assert str(e.value).startswith("x.txt")


def test_decode_accepts_exactly_the_limit() -> None:
    assert len(decode_text(b"a" * MAX_INPUT_BYTES)) == MAX_INPUT_BYTES


# --- single cables -----------------------------------------------------------------------------------

def test_read_text_file(tmp_path: Path) -> None:
    f = tmp_path / "c.txt"
    f.write_text("TAGS: PREL\n", encoding="utf-8")
    assert read_text(str(f)) == "TAGS: PREL\n"
    assert list(read_records(str(f))) == [Record(line=1, id=None, raw="TAGS: PREL\n")]


def test_read_text_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_text(str(tmp_path / "missing.txt"))
    with pytest.raises(InputError, match="no such file"):
        read_text(str(tmp_path))


def test_read_text_stdin(monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("¶1. (C) Text.".encode("utf-8"))))
    assert read_text("-") == "¶1. (C) Text."


def test_read_text_stdin_oversize(monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a" * (MAX_INPUT_BYTES + 5000))))
    with pytest.raises(InputError, match="standard input"):
        read_text("-")


# --- corpora -----------------------------------------------------------------------------------------

def _write(path: Path, lines: list[str]) -> str:
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return str(path)


@pytest.mark.parametrize("name", ["c.jsonl", "c.jsonl.gz"])
def test_corpus_records_and_hints(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path / name, [json.dumps({"id": "06TOKYO3797", "raw": "TAGS: PREL", "tags": ["PREL"], "format": "x"})])
    (rec,) = read_records(path)
    assert rec == Record(line=1, id="06TOKYO3797", raw="TAGS: PREL", hints={"id": "06TOKYO3797", "tags": ["PREL"], "format": "x"})


def test_corpus_every_bad_line_is_a_record(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "A1", "raw": "ok"}),
        "{not json",
        json.dumps({"id": "A3"}),
        json.dumps({"id": "A4", "raw": 42}),
        json.dumps({"id": "A5", "raw": "  "}),
        json.dumps({"id": 6, "raw": "ok"}),
        json.dumps("a string"),
        "",
        json.dumps({"id": "A9", "raw": "x" * (MAX_INPUT_BYTES + 1)}),
    ]
    recs = list(read_records(_write(tmp_path / "bad.jsonl", lines)))
    assert [r.line for r in recs] == [1, 2, 3, 4, 5, 6, 7, 9]  # the blank line 8 is no record
    ok = [r for r in recs if r.error is None]
    assert [(r.line, r.id) for r in ok] == [(1, "A1"), (6, None)]  # a non-string id is no id
    errors = {r.line: (r.id, r.error) for r in recs if r.error}
    assert "invalid JSON" in errors[2][1]
    assert errors[3] == ("A3", "no `raw` text field")
    assert errors[4][0] == "A4" and "raw" in errors[4][1]
    assert errors[5] == ("A5", "`raw` is empty")
    assert "not a JSON object" in errors[7][1]
    assert errors[9][0] == "A9" and "over" in errors[9][1]


def test_corpus_invalid_utf8_is_replaced_not_fatal(tmp_path: Path) -> None:
    f = tmp_path / "bytes.jsonl"
    f.write_bytes(b'{"id": "B1", "raw": "caf\xe9 TAGS: PREL"}\n')
    (rec,) = read_records(str(f))
    assert rec.error is None and rec.raw.startswith("caf") and rec.raw.endswith("TAGS: PREL")


def test_corpus_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(read_records(str(tmp_path / "none.jsonl.gz")))


def test_truncated_gzip_yields_up_to_the_fault(tmp_path: Path) -> None:
    rng = random.Random(3)
    lines = [json.dumps({"id": f"C{i}", "raw": f"{rng.getrandbits(1200):x}"}) for i in range(60)]
    data = gzip.compress(("\n".join(lines) + "\n").encode("utf-8"))
    f = tmp_path / "cut.jsonl.gz"
    f.write_bytes(data[: len(data) * 2 // 3])
    recs = list(read_records(str(f)))
    good, last = recs[:-1], recs[-1]
    assert 10 < len(good) < 60
    assert [r.id for r in good] == [f"C{i}" for i in range(len(good))]
    assert all(r.error is None for r in good)
    assert last.error and "unreadable after line" in last.error and last.line == len(good) + 1


def test_not_gzip_data_with_gz_name(tmp_path: Path) -> None:
    f = tmp_path / "fake.jsonl.gz"
    f.write_bytes(b'{"id": "X", "raw": "plain, not gzip"}\n')
    recs = list(read_records(str(f)))
    assert len(recs) == 1 and recs[0].error and "unreadable" in recs[0].error
