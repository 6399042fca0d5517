"""The `summarizer parse` contract (SPEC: command-line contract), through `summarizer.cli.main`.

Single file, `-` for standard input, `.jsonl` and `.jsonl.gz` corpora, `--out FILE`; exit 2 with a
one-line reason for bad input; in corpus mode bad records are reported by line and id on stderr, each
still gets one output line, and a final summary line counts them.
"""
from __future__ import annotations

import gzip
import io
import json
import random
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from summarizer.cli import main
from summarizer.inputs import MAX_INPUT_BYTES

SPEC_FIELDS = {"id", "date", "classification", "origin", "subject", "tags", "references", "classified_by",
               "summary", "body", "paragraphs", "warnings"}
SEED = resources.files("summarizer").joinpath("data", "examples", "06TOKYO3797.txt").read_text(encoding="utf-8")
SHORT = (
    "C O N F I D E N T I A L TOKYO 003797\n\nTAGS: PREL JA\nSUBJECT: A SHORT CABLE\n\n"
    "1. (C) Summary: Japan will raise the dispute. End Summary.\n\n2. (C) The meeting lasted an hour.\n"
)


def run(argv: list[str], capsys) -> tuple[int, list[dict], str]:
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, [json.loads(line) for line in out.splitlines()], err


def stdin_bytes(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def write_corpus(path: Path, lines: list[str]) -> Path:
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


# --- single cables ---------------------------------------------------------------------------------

def test_single_file(tmp_path: Path, capsys) -> None:
    f = tmp_path / "seed.txt"
    f.write_text(SEED, encoding="utf-8")
    rc, rows, err = run(["parse", str(f)], capsys)
    assert rc == 0 and err == ""
    assert len(rows) == 1
    row = rows[0]
    assert SPEC_FIELDS <= row.keys()
    assert row["id"] == "06TOKYO3797"
    assert row["date"] == "2006-07-07T04:08"
    assert row["tags"] == ["PREL", "PTER", "ENRG", "RS", "JA"]
    assert row["summary"].startswith("Prime Minister Koizumi plans")
    assert row["summary"] not in row["body"]
    assert all({"number", "marking", "text"} <= p.keys() for p in row["paragraphs"])
    assert "line" not in row  # only corpus records carry their line number


def test_stdin(monkeypatch, capsys) -> None:
    stdin_bytes(monkeypatch, SHORT.encode("utf-8"))
    rc, rows, err = run(["parse", "-"], capsys)
    assert rc == 0 and err == ""
    assert rows[0]["subject"] == "A SHORT CABLE"
    assert rows[0]["summary"] == "Japan will raise the dispute."
    assert rows[0]["body"] == "The meeting lasted an hour."


def test_out_file(tmp_path: Path, capsys) -> None:
    f, out = tmp_path / "c.txt", tmp_path / "sub" / "out.jsonl"
    f.write_text(SHORT, encoding="utf-8")
    out.parent.mkdir()
    rc = main(["parse", str(f), "--out", str(out)])
    captured = capsys.readouterr()
    assert rc == 0 and captured.out == ""
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1 and rows[0]["tags"] == ["PREL", "JA"]


def test_latin1_file_is_read(tmp_path: Path, capsys) -> None:
    f = tmp_path / "latin1.txt"
    f.write_bytes(SHORT.replace("an hour", "une heure à Tokyo").encode("latin-1"))
    rc, rows, _ = run(["parse", str(f)], capsys)
    assert rc == 0 and "à Tokyo" in rows[0]["body"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (b"", "empty"),
        (b"  \n\n\t \n", "empty"),
        (b"Dear John, thanks for lunch. See you on Monday.\n", "does not look like a cable"),
        (b"x" * (MAX_INPUT_BYTES + 10), "limit"),
    ],
    ids=["binary", "empty", "blank", "not_a_cable", "oversize"],
)
def test_bad_single_input_exit_2_one_line(tmp_path: Path, capsys, content: bytes, reason: str) -> None:
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    rc, rows, err = run(["parse", str(f)], capsys)
    assert rc == 2
    assert rows == []
    assert len(err.strip().splitlines()) == 1
    assert reason in err and err.startswith("summarizer parse:")


def test_missing_file(tmp_path: Path, capsys) -> None:
    rc, rows, err = run(["parse", str(tmp_path / "nope.txt")], capsys)
    assert rc == 2 and rows == []
    assert err.strip().count("\n") == 0 and "no such file" in err


def test_missing_corpus(tmp_path: Path, capsys) -> None:
    rc, rows, err = run(["parse", str(tmp_path / "nope.jsonl.gz")], capsys)
    assert rc == 2 and rows == [] and "no such file" in err


@pytest.mark.parametrize(("data", "reason"), [(b"", "empty"), (b"\x00\x01\x02binary", "binary")], ids=["empty", "binary"])
def test_bad_stdin(monkeypatch, capsys, data: bytes, reason: str) -> None:
    stdin_bytes(monkeypatch, data)
    rc, rows, err = run(["parse", "-"], capsys)
    assert rc == 2 and rows == [] and reason in err and len(err.strip().splitlines()) == 1


# --- corpora -----------------------------------------------------------------------------------------

def _records(n: int) -> list[str]:
    return [json.dumps({"id": f"06TOKYO{3797 + i}", "raw": SHORT.replace("003797", f"{3797 + i:06d}"), "origin": "Embassy Tokyo"})
            for i in range(n)]


@pytest.mark.parametrize("name", ["corpus.jsonl", "corpus.jsonl.gz"])
def test_corpus(tmp_path: Path, capsys, name: str) -> None:
    f = write_corpus(tmp_path / name, _records(3))
    rc, rows, err = run(["parse", str(f)], capsys)
    assert rc == 0
    assert [r["id"] for r in rows] == ["06TOKYO3797", "06TOKYO3798", "06TOKYO3799"]
    assert [r["line"] for r in rows] == [1, 2, 3]
    assert all(r["origin"] == "Embassy Tokyo" for r in rows)  # page metadata is used as hints
    assert err.strip().splitlines()[-1] == "summarizer parse: 3 ok, 0 bad record(s)"


def test_corpus_bad_records_reported_by_line_and_id(tmp_path: Path, capsys) -> None:
    good = _records(2)
    lines = [
        good[0],
        '{"id": "07BROKEN1", "raw": "1. (C) text',  # invalid JSON
        json.dumps({"id": "07NORAW2", "text": "no raw here"}),  # missing raw
        json.dumps({"id": "07EMPTY3", "raw": "   "}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "07LETTER4", "raw": "Dear John, thanks for lunch."}),  # not a cable
        good[1],
    ]
    f = write_corpus(tmp_path / "mixed.jsonl", lines)
    rc, rows, err = run(["parse", str(f)], capsys)
    assert rc == 2
    assert len(rows) == len(lines)  # one output line per record, bad ones included
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert "error" in rows[1] and "invalid JSON" in rows[1]["error"]
    assert rows[2]["id"] == "07NORAW2" and "raw" in rows[2]["error"]
    assert rows[3]["id"] == "07EMPTY3" and "error" in rows[3]
    assert "error" in rows[4]
    assert rows[5]["id"] == "07LETTER4"  # parsed, with its warnings, but counted as bad
    assert rows[6]["id"] == "06TOKYO3798" and "error" not in rows[6]
    err_lines = err.strip().splitlines()
    assert any(x.startswith("summarizer parse: line 2:") and "invalid JSON" in x for x in err_lines)
    assert any(x.startswith("summarizer parse: line 3 (07NORAW2):") for x in err_lines)
    assert any(x.startswith("summarizer parse: line 4 (07EMPTY3):") for x in err_lines)
    assert any(x.startswith("summarizer parse: line 5:") for x in err_lines)
    assert any(x.startswith("summarizer parse: line 6 (07LETTER4):") for x in err_lines)
    assert err_lines[-1] == "summarizer parse: 2 ok, 5 bad record(s)"


def test_corpus_blank_lines_are_skipped(tmp_path: Path, capsys) -> None:
    good = _records(2)
    f = write_corpus(tmp_path / "blank.jsonl", [good[0], "", "   ", good[1]])
    rc, rows, err = run(["parse", str(f)], capsys)
    assert rc == 0 and [r["line"] for r in rows] == [1, 4]
    assert err.strip().splitlines()[-1] == "summarizer parse: 2 ok, 0 bad record(s)"


def test_truncated_gzip_corpus(tmp_path: Path, capsys) -> None:
    # Records that do not compress away (a random note each), so half the file holds many of them.
    rng = random.Random(7)
    lines = [json.dumps({"id": f"06TOKYO{i}", "raw": SHORT + f"\n3. (C) Note {rng.getrandbits(800):x}.\n"}) for i in range(40)]
    data = gzip.compress(("\n".join(lines) + "\n").encode("utf-8"))
    f = tmp_path / "cut.jsonl.gz"
    f.write_bytes(data[: len(data) // 2])
    rc, rows, err = run(["parse", str(f)], capsys)
    assert rc == 2
    good = [r for r in rows if "error" not in r]
    assert 0 < len(good) < 40
    assert [r["line"] for r in good] == list(range(1, len(good) + 1))  # everything up to the fault
    assert "error" in rows[-1] and "unreadable" in rows[-1]["error"]
    assert f"line {len(good) + 1}" in err
    assert err.strip().splitlines()[-1] == f"summarizer parse: {len(good)} ok, 1 bad record(s)"


def test_corpus_out_file(tmp_path: Path, capsys) -> None:
    f = write_corpus(tmp_path / "c.jsonl.gz", _records(2))
    out = tmp_path / "out.jsonl"
    rc = main(["parse", str(f), "--out", str(out)])
    captured = capsys.readouterr()
    assert rc == 0 and captured.out == ""
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    assert "2 ok, 0 bad" in captured.err


# --- the installed command, end to end -------------------------------------------------------------

def test_subprocess_stdin_and_exit_codes(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "summarizer.cli", "parse", "-"]
    ok = subprocess.run(cmd, input=SHORT.encode(), capture_output=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    row = json.loads(ok.stdout.decode().strip())
    assert row["summary"] == "Japan will raise the dispute."
    bad = subprocess.run(cmd, input=b"\x00\x01binary", capture_output=True, timeout=60)
    assert bad.returncode == 2 and bad.stdout == b""
    assert len(bad.stderr.decode().strip().splitlines()) == 1
