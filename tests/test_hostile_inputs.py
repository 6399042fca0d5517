"""Issue 15, hostile input: what an outside probe found that broke a whole run or a whole command.

- a deeply nested JSON line in a corpus is one bad record, not the end of the run (summarize, batch,
  the page's Batch tab), and a JSON error message reads as a sentence;
- a SIGKILLed `summarizer batch` leaves no worker or resource tracker behind, and its rerun resumes.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from app_helpers import tiny_model_dir, tiny_service
from test_batch import ROOT, synthetic_raw
from test_model_support import run_command

from summarizer.cli import main
from summarizer.inputs import MAX_JSON_DEPTH, read_records


def _cli(argv: list[str], capsys) -> tuple[int, str, str]:
    rc = main(argv)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def _shard_rows(out: Path) -> list[dict]:
    m = json.loads((out / "manifest.json").read_text())
    rows = []
    for s in m["plan"]["shards"]:
        rows += [json.loads(x) for x in (out / "shards" / s["name"]).read_text().splitlines()]
    return rows


# ------------------------------------------------------------------------------------ deep JSON nesting
GOOD_IDS = [f"08GOOD{i}" for i in range(5)]
DEEP_LINES = (2, 4, 6)  # the lines of the corpus below that nest too deep


def _deep_corpus(path: Path) -> Path:
    """Five good cables around three lines nested too deep: a bare array 100,000 deep (json.loads
    raises RecursionError), a `raw` that opens 100,000 arrays, and a complete record whose hints nest
    600 deep (json.loads reads it, but pickling it for a batch worker raises RecursionError)."""
    good = [json.dumps({"id": rid, "raw": synthetic_raw(i)}) for i, rid in enumerate(GOOD_IDS)]
    deep_hints = json.dumps({"id": "DEEPHINTS", "raw": synthetic_raw(9)})[:-1] + ', "h": ' + "[" * 600 + "]" * 600 + "}"
    lines = [good[0], "[" * 100_000, good[1], '{"raw": ' + "[" * 100_000, good[2], deep_hints, good[3], good[4]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _assert_deep_rows(rows: list[dict]) -> None:
    assert [r["id"] for r in rows if not r.get("error")] == GOOD_IDS  # every good record, in order
    bad = {r["line"]: r["error"] for r in rows if r.get("error")}
    assert sorted(bad) == list(DEEP_LINES)
    assert all(e == f"nesting too deep: JSON nested over {MAX_JSON_DEPTH} levels" for e in bad.values()), bad


def test_deep_nesting_is_one_bad_record(tmp_path):
    recs = list(read_records(str(_deep_corpus(tmp_path / "c.jsonl"))))
    assert [r.line for r in recs] == list(range(1, 9))
    assert [r.line for r in recs if r.error] == list(DEEP_LINES)
    assert [r.id for r in recs if not r.error] == GOOD_IDS


def test_summarize_corpus_with_deep_nesting(tmp_path, capsys):
    corpus = _deep_corpus(tmp_path / "c.jsonl")
    rc, out, err = _cli(["summarize", str(corpus), "--model", str(tiny_model_dir())], capsys)
    assert rc == 2 and "Traceback" not in err
    _assert_deep_rows([json.loads(x) for x in out.splitlines()])
    assert "summarizer summarize: line 2: nesting too deep" in err
    assert err.strip().splitlines()[-1] == "summarizer summarize: 5 ok, 3 bad record(s)"


def test_batch_with_deep_nesting(tmp_path, capsys):
    corpus = _deep_corpus(tmp_path / "c.jsonl")
    out = tmp_path / "out"
    rc, _, err = _cli(["batch", str(corpus), "--out", str(out), "--model", str(tiny_model_dir())], capsys)
    assert rc == 2 and "Traceback" not in err
    _assert_deep_rows(_shard_rows(out))
    assert f"summarizer batch: {corpus}: line 6 (DEEPHINTS): nesting too deep" in err


def test_page_batch_with_deep_nesting(tmp_path):
    corpus = _deep_corpus(tmp_path / "upload.jsonl")
    r = tiny_service().run_batch(str(corpus), 100, out_dir=tmp_path / "out")
    _assert_deep_rows(r.rows)
    assert r.averages["failed"] == 3 and r.averages["summarized"] == 5


@pytest.mark.parametrize("line, message", [
    ('{"id": "X", "raw": "tab\there"}', "invalid JSON: invalid control character at column 24"),
    ('{"id": "X", "raw": "never closed', "invalid JSON: unterminated string starting at column 20"),
    ('{"id": "X" "raw": 1}', "invalid JSON: expecting ',' delimiter at column 12"),
])
def test_invalid_json_message_reads_well(tmp_path, line, message):
    f = tmp_path / "c.jsonl"
    f.write_text(line + "\n", encoding="utf-8")
    [rec] = read_records(str(f))
    assert rec.error == message


# ----------------------------------------------------------------------------------- a killed batch run
def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    """Those of `procs` still running (a zombie has ended; it only waits for PID 1 to reap it)."""
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def test_killed_batch_leaves_no_process_behind(tmp_path):
    corpus = tmp_path / "c.jsonl"
    ids = [f"08KILL{i}" for i in range(10)]
    corpus.write_text("".join(json.dumps({"id": rid, "raw": synthetic_raw(i)}) + "\n" for i, rid in enumerate(ids)),
                      encoding="utf-8")
    out, model = tmp_path / "out", tiny_model_dir()
    argv = [str(corpus), "--out", str(out), "--model", str(model), "--shard-size", "2", "--batch-size", "1"]
    env = dict(os.environ, SUMMARIZER_BATCH_TEST_DELAY="1.0")  # every chunk takes a second
    log = tmp_path / "stderr.txt"
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "summarizer.batch", *argv], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    children: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None and not any((out / "shards").glob("*.jsonl")):
            time.sleep(0.05)
        assert proc.poll() is None, log.read_text()  # mid-run: a shard done, the worker busy on the next
        children = psutil.Process(proc.pid).children(recursive=True)
        assert any("spawn_main" in " ".join(c.cmdline()) for c in children), children  # the worker
        os.kill(proc.pid, signal.SIGKILL)  # the parent alone, as the OOM killer would
        proc.wait()
        t = time.monotonic()
        while _alive(children) and time.monotonic() - t < 5:
            time.sleep(0.1)
        left = [(c.pid, " ".join(c.cmdline())[:80]) for c in _alive(children)]
        assert left == [], f"still running {time.monotonic() - t:.1f} s after the parent was killed: {left}"
    finally:
        for c in _alive(children):
            c.kill()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    kept = {p.name for p in (out / "shards").glob("*.jsonl")}
    assert 0 < len(kept) < 5
    assert run_command(["batch", *argv]) == 0  # resumes: the kept shards, the rest redone
    rows = _shard_rows(out)
    assert [(r["id"], r["line"]) for r in rows] == [(rid, n) for n, rid in enumerate(ids, start=1)]
    assert json.loads((out / "manifest.json").read_text())["runs"][-1]["shards_skipped"] == len(kept)
