"""The corpus index of a batch run (`summarizer index`, and `summarizer batch` at the end of each run):
every record exactly once after reruns, redone shards and a batch killed half way and resumed; the
cable's metadata, own summary, model summary, scores and evidence in its row; bad OUT_DIRs refused with
one line. A tiny model and short synthetic cables (tests/test_batch.py) keep it quick."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from corpus_helpers import sample_rows
from test_batch import corpus_lines, expected_lines, run_and_kill, second_input
from test_model_support import fast_decoding, run_command, train_tiny

from summarizer.corpus.index import write_rows
from summarizer.corpus.query import Query, search
from summarizer.corpus.schema import open_for_writing, open_read_only


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return fast_decoding(train_tiny(tmp_path_factory.mktemp("index") / "m", steps=3))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    p = tmp_path_factory.mktemp("corpus") / "cables.jsonl"
    p.write_text("\n".join(corpus_lines()) + "\n", encoding="utf-8")
    return p


def records(out: Path) -> list[tuple]:
    with sqlite3.connect(out / "index.sqlite") as c:
        return c.execute("SELECT input, line, id, error IS NULL FROM cables ORDER BY input, line").fetchall()


def assert_once(out: Path, expected: list[tuple[str, int]]) -> None:
    """Every (input, line) of the run exactly once in the index, and each full-text match a live row once."""
    got = records(out)
    assert [(i, n) for i, n, _, _ in got] == sorted(expected)
    with sqlite3.connect(out / "index.sqlite") as c:
        assert c.execute("SELECT count(DISTINCT record) FROM cables").fetchone()[0] == len(expected)
        assert c.execute("SELECT count(*) FROM cable_tags t LEFT JOIN cables c ON c.rowid = t.cable "
                         "WHERE c.rowid IS NULL").fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM cable_docs").fetchone()[0] == len(expected)
    conn = open_read_only(out / "index.sqlite")
    try:
        hits = search(conn, Query(text="summary OR minister", page_size=200))
        assert len({h.rowid for h in hits.hits}) == len(hits.hits) == hits.total
    finally:
        conn.close()


def test_batch_indexes_every_record_with_its_fields(corpus, model_dir, tmp_path, capsys):
    out = tmp_path / "out"
    argv = [str(corpus), "--out", str(out), "--model", str(model_dir), "--shard-size", "4", "--batch-size", "2"]
    assert run_command(["batch", *argv]) == 2  # the corpus holds bad records
    assert "index: 11 record(s)" in capsys.readouterr().err
    lines = expected_lines(corpus.read_text().splitlines())
    assert_once(out, [(str(corpus), n) for n in lines])
    with sqlite3.connect(out / "index.sqlite") as c:
        c.row_factory = sqlite3.Row
        rows = {r["line"]: r for r in c.execute("SELECT c.*, d.summary, d.model_summary, d.evidence FROM cables c "
                                                "JOIN cable_docs d ON d.rowid = c.rowid")}
    good = rows[1]
    assert good["id"] == "08TESTVILLE100" and good["classification"] == "CONFIDENTIAL"
    assert good["tags"] == "PREL ECON JA" and "PREL External political relations" in good["tag_names"]
    assert good["summary"] and good["model_summary"] is not None and good["rouge1"] is not None
    evidence = json.loads(good["evidence"])
    assert all(set(e) == {"sentence", "supported", "paragraphs", "scores"} for e in evidence)
    assert rows[3]["error"].startswith("invalid JSON") and rows[6]["id"] == "NORAW"

    # a rerun keeps every shard and indexes nothing again; `summarizer index` neither
    assert run_command(["batch", *argv]) == 2
    assert "0 shard(s) indexed now, 3 kept" in capsys.readouterr().err
    assert run_command(["index", str(out)]) == 0
    assert_once(out, [(str(corpus), n) for n in lines])

    # a shard lost and redone by the next run is indexed again, replacing its records
    (out / "shards" / "000-cables-00001.jsonl").unlink()
    assert run_command(["batch", *argv]) == 2
    assert "1 shard(s) indexed now, 2 kept" in capsys.readouterr().err
    assert_once(out, [(str(corpus), n) for n in lines])


def test_killed_batch_resumed_indexes_every_record_once(corpus, model_dir, tmp_path, capsys):
    out = tmp_path / "out"
    second = second_input(tmp_path)
    inputs = [str(corpus), str(second)]
    shards = run_and_kill(inputs, out, model_dir, shards_done=2)
    kept = sorted(p.name for p in shards.glob("*.jsonl"))
    assert not (out / "index.sqlite").exists()  # the killed run never reached its index

    # indexing the killed run takes its complete shards only
    capsys.readouterr()
    assert run_command(["index", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"{len(kept)} shard(s) indexed now, 0 kept" in err and "not finished yet" in err
    assert len(records(out)) == 2 * len(kept)

    # the resumed run indexes the rest, not what is there already
    assert run_command(["batch", *inputs, "--out", str(out), "--model", str(model_dir), "--batch-size", "1"]) == 2
    err = capsys.readouterr().err
    assert f"{len(kept)} kept" in err
    expected = [(str(corpus), n) for n in expected_lines(corpus.read_text().splitlines())]
    expected += [(str(second), n) for n in (1, 2, 3)]
    assert_once(out, expected)
    assert [r[2] for r in records(out) if r[0] == str(second)] == ["09SECOND0", "09SECOND1", "09SECOND2"]


def test_write_rows_replaces_a_record_indexed_twice(tmp_path):
    conn = open_for_writing(tmp_path / "index.sqlite")
    rows = sample_rows(10)
    for _ in range(3):
        conn.execute("BEGIN")
        write_rows(conn, rows)
        conn.execute("COMMIT")
    assert conn.execute("SELECT count(*) FROM cables").fetchone()[0] == 10
    assert conn.execute("SELECT count(*) FROM cable_tags").fetchone()[0] == sum(len(set(r.tags)) for r in rows)
    conn.close()
    conn = open_read_only(tmp_path / "index.sqlite")
    assert search(conn, Query(text="fisheries")).total == 2  # cables 0 and 5, once each
    conn.close()


def test_index_command_refuses_bad_out_dirs(corpus, model_dir, tmp_path):
    assert run_command(["index", str(tmp_path / "missing")]).startswith("InputError: ")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no manifest.json" in run_command(["index", str(empty)])

    out = tmp_path / "out"
    moved = tmp_path / "moved.jsonl"
    moved.write_text(corpus.read_text())
    assert run_command(["batch", str(moved), "--out", str(out), "--model", str(model_dir), "--no-index",
                        "--shard-size", "50"]) == 2
    assert not (out / "index.sqlite").exists()
    assert "2 input path(s) given for the 1" in run_command(["index", str(out), "--input", "a", "--input", "b"])
    moved.write_text(corpus.read_text().replace("TESTVILLE", "OTHERTOWN"))
    assert "has changed since" in run_command(["index", str(out)])
    moved.unlink()
    assert "is not there" in run_command(["index", str(out)])
    assert run_command(["index", str(out), "--input", str(corpus)]) == 0  # the same file, somewhere else
    (out / "index.sqlite").write_bytes(b"garbage" * 1000)
    msg = run_command(["index", str(out), "--input", str(corpus)])
    assert "is not a corpus index" in msg and "\n" not in msg
