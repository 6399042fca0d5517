"""`summarizer batch`: the local engine end to end, resuming after SIGKILL, bad records carried through,
the same rows as `summarizer summarize` (the Ray engine: tests/test_ray.py). A tiny model
(tests/test_model_support.train_tiny) and a corpus of short synthetic cables keep it quick on a shared
2-core machine.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import slow_batch
from test_model_support import WORDS, fast_decoding, run_command, train_tiny

ROW_KEYS = {"id", "summary", "topics", "tags", "reference_summary", "scores", "seconds", "writer", "input", "line"}
N_GOOD = 8
BAD_LINES = {3: None, 6: "NORAW", 9: "NOTCABLE"}  # line -> id of the bad records in the corpus
ROOT = Path(__file__).resolve().parents[1]


def synthetic_raw(i: int) -> str:
    rng = random.Random(i)
    words = lambda n: " ".join(rng.choice(WORDS) for _ in range(n))  # noqa: E731
    return (f"C O N F I D E N T I A L TESTVILLE 000{100 + i}\n\nSIPDIS\n\nE.O. 12958: DECL: 03/04/2018\n"
            f"TAGS: PREL ECON JA\nSUBJECT: TESTVILLE: {words(4).upper()}\n\n"
            f"1. (C) Summary: {words(12)}. End Summary.\n\n2. (C) {words(25)}.\n\n3. (C) {words(20)}.\n")


def corpus_lines(n_good: int = N_GOOD) -> list[str]:
    """n_good short cables, with an invalid-JSON line (3), a record without `raw` (6), a blank line (7,
    not a record) and a record that is not a cable (9)."""
    lines = [json.dumps({"id": f"08TESTVILLE{100 + i}", "raw": synthetic_raw(i)}) for i in range(n_good)]
    lines.insert(2, "{not json")
    lines.insert(5, json.dumps({"id": "NORAW"}))
    lines.insert(6, "")
    lines.insert(8, json.dumps({"id": "NOTCABLE", "raw": "hello, this is not a cable at all"}))
    return lines


def expected_lines(lines: list[str]) -> list[int]:
    return [n for n, text in enumerate(lines, start=1) if text.strip()]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return fast_decoding(train_tiny(tmp_path_factory.mktemp("batch") / "m", steps=3))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    p = tmp_path_factory.mktemp("corpus") / "cables.jsonl"
    p.write_text("\n".join(corpus_lines()) + "\n", encoding="utf-8")
    return p


def _batch(argv: list[str]) -> int | str:
    return run_command(["batch", *argv])


def _rows(out: Path) -> list[dict]:
    m = json.loads((out / "manifest.json").read_text())
    rows = []
    for s in m["plan"]["shards"]:
        rows += [json.loads(x) for x in (out / "shards" / s["name"]).read_text().splitlines()]
    return rows


def _strip(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "seconds"}  # timings differ from run to run


@pytest.fixture(scope="module")
def local_run(model_dir, corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "out"
    rc = _batch([str(corpus), "--out", str(out), "--model", str(model_dir), "--shard-size", "4",
                 "--batch-size", "2", "--workers", "1"])
    return rc, out


def test_local_engine_end_to_end(local_run, corpus, model_dir, capsys):
    rc, out = local_run
    assert rc == 2  # the corpus holds bad records
    rows = _rows(out)
    lines = corpus.read_text().splitlines()
    assert [r["line"] for r in rows] == expected_lines(lines)  # every record once, in input order
    assert all(r["input"] == str(corpus) for r in rows)
    for r in rows:
        if r["line"] in BAD_LINES:
            assert set(r) == {"id", "input", "line", "error"} and r["error"] and r["id"] == BAD_LINES[r["line"]]
        else:
            assert set(r) == ROW_KEYS and r["id"].startswith("08TESTVILLE") and "error" not in r
            assert r["reference_summary"] and set(r["scores"]) >= {"rouge1", "rouge2", "rougeLsum", "tags_f1"}
    assert not list((out / "shards").glob("*.tmp"))

    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete"
    assert m["inputs"] == [{"path": str(corpus), "sha256": hashlib.sha256(corpus.read_bytes()).hexdigest(),
                            "bytes": corpus.stat().st_size, "records": N_GOOD + 3}]
    assert m["model"]["dir"] == str(model_dir.resolve()) and len(m["model"]["sha256"]) == 64
    assert m["settings"]["engine"] == "local" and m["settings"]["batch_size"] == 2
    assert m["counts"] == {"records": N_GOOD + 3, "ok": N_GOOD, "errors": 3, "shards": 3}
    assert m["averages"]["scored"]["rouge2"] == N_GOOD and m["averages"]["rouge2"] is not None
    assert m["runs"][-1]["status"] == "complete" and m["runs"][-1]["cables_per_second"] > 0


def test_same_rows_as_summarize(local_run, corpus, model_dir, tmp_path):
    _, out = local_run
    target = tmp_path / "summarize.jsonl"
    assert run_command(["summarize", str(corpus), "--model", str(model_dir), "--out", str(target),
                        "--batch-size", "2"]) == 2
    expected = [json.loads(x) for x in target.read_text().splitlines()]
    got = [{k: v for k, v in r.items() if k != "input"} for r in _rows(out)]
    assert [_strip(r) for r in got] == [_strip(r) for r in expected]


def test_rerun_skips_finished_shards_and_refuses_another_job(local_run, corpus, model_dir, tmp_path, capsys):
    _, out = local_run
    before = {p.name: p.stat().st_ino for p in (out / "shards").iterdir()}
    capsys.readouterr()
    assert _batch([str(corpus), "--out", str(out), "--model", str(model_dir), "--workers", "2"]) == 2
    assert {p.name: p.stat().st_ino for p in (out / "shards").iterdir()} == before  # nothing rewritten
    err = capsys.readouterr().err  # the bad records are reported by input, line and id, every run
    assert f"{corpus}: line 3: invalid JSON" in err and f"{corpus}: line 6 (NORAW): no `raw` text field" in err
    assert f"{corpus}: line 9 (NOTCABLE): no cable header" in err and f"{N_GOOD} ok, 3 bad record(s)" in err
    m = json.loads((out / "manifest.json").read_text())
    assert m["runs"][-1]["shards_skipped"] == 3 and m["runs"][-1]["records"] == 0
    assert m["counts"]["records"] == N_GOOD + 3

    other = tmp_path / "other.jsonl"
    other.write_text(corpus.read_text().replace("TESTVILLE", "OTHERTOWN"))
    msg = _batch([str(other), "--out", str(out), "--model", str(model_dir)])
    assert msg.startswith("InputError:") and "inputs differ" in msg and "new --out" in msg
    msg = _batch([str(corpus), "--out", str(out), "--model", str(model_dir), "--shard-size", "5"])
    assert msg.startswith("InputError:") and "--shard-size 5" in msg
    msg = _batch([str(corpus), "--out", str(out), "--model", str(model_dir), "--writer", "extractive"])
    assert msg.startswith("InputError:") and "--writer extractive differs" in msg  # rows of two writers never mix


def test_writer_option_reaches_every_worker(corpus, model_dir, tmp_path):
    out = tmp_path / "out"
    assert _batch([str(corpus), "--out", str(out), "--model", str(model_dir), "--writer", "extractive",
                   "--workers", "2", "--batch-size", "2", "--no-index"]) == 2  # (the corpus's bad records)
    rows = [r for r in _rows(out) if "error" not in r]
    assert len(rows) == N_GOOD and {r["writer"] for r in rows} == {"extractive: the lead sentences"}
    assert json.loads((out / "manifest.json").read_text())["model"]["writer"] == "extractive"


def second_input(tmp_path: Path) -> Path:
    """A second corpus input, gzipped: three cables."""
    second = tmp_path / "second.jsonl.gz"
    with gzip.open(second, "wt", encoding="utf-8") as f:
        f.write("\n".join(json.dumps({"id": f"09SECOND{i}", "raw": synthetic_raw(50 + i)}) for i in range(3)) + "\n")
    return second


def run_and_kill(inputs: list[str], out: Path, model_dir, shards_done: int, extra: tuple[str, ...] = (),
                 before_kill=None, half_written: bool = True) -> Path:
    """Run a slowed `summarizer batch` (shards of 2; `extra`: more arguments) and kill it half way, as a
    crash would: once `shards_done` shards are complete and (`half_written`) the next one is half written
    (its temporary file has rows: Ray's rows come in bursts, so that moment may not be seen there).
    `before_kill(proc)`: called just before the kill."""
    cmd = [sys.executable, "-c", slow_batch.COMMAND, *inputs, "--out", str(out), "--model", str(model_dir),
           "--shard-size", "2", "--batch-size", "1", "--workers", "1", *extra]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    shards = out / "shards"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            done = list(shards.glob("*.jsonl")) if shards.is_dir() else []
            partial = [p for p in shards.glob("*.tmp") if p.stat().st_size > 0] if shards.is_dir() else []
            if len(done) >= shards_done and (partial or not half_written):
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read().decode()
        if before_kill is not None:
            before_kill(proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its worker process
        proc.wait()
    return shards


def test_killed_run_resumes_with_every_record_once(corpus, model_dir, tmp_path):
    out = tmp_path / "out"
    second = second_input(tmp_path)
    inputs = [str(corpus), str(second)]
    shards = run_and_kill(inputs, out, model_dir, shards_done=1)
    kept = {p.name: p.stat().st_ino for p in shards.glob("*.jsonl")}
    m = json.loads((out / "manifest.json").read_text())
    assert 0 < len(kept) < len(m["plan"]["shards"]) and m["status"] == "running"

    assert _batch([*inputs, "--out", str(out), "--model", str(model_dir), "--batch-size", "1"]) == 2
    rows = _rows(out)
    expected = [(str(corpus), n) for n in expected_lines(corpus.read_text().splitlines())]
    expected += [(str(second), n) for n in (1, 2, 3)]
    assert [(r["input"], r["line"]) for r in rows] == expected  # every record exactly once, in order
    assert [r["id"] for r in rows[-3:]] == ["09SECOND0", "09SECOND1", "09SECOND2"]
    assert {p.name: p.stat().st_ino for p in shards.glob("*.jsonl") if p.name in kept} == kept  # kept, not redone
    assert not list(shards.glob("*.tmp"))
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and [r["status"] for r in m["runs"]] == ["running", "complete"]
    assert m["runs"][1]["shards_skipped"] == len(kept)


def test_option_and_input_errors(corpus, model_dir, tmp_path):
    out = str(tmp_path / "o")
    cases = [
        (["-", "--out", out], "standard input"),
        ([str(tmp_path / "x.txt"), "--out", out], "corpus files"),
        ([str(tmp_path / "missing.jsonl"), "--out", out], "no such file"),
        ([str(corpus), str(corpus), "--out", out], "given twice"),
        ([str(corpus), "--out", out, "--address", "auto"], "--engine ray"),
        ([str(corpus), "--out", out, "--workers", "0"], "--workers"),
        ([str(corpus), "--out", out, "--model", str(tmp_path / "nomodel")], "does not exist"),
    ]
    for argv, expect in cases:
        msg = _batch(argv)
        assert isinstance(msg, str) and msg.startswith("InputError:") and expect in msg, (argv, msg)
        assert "\n" not in msg


def test_ray_missing_is_a_clear_message(corpus, model_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    msg = _batch([str(corpus), "--out", str(tmp_path / "o"), "--engine", "ray", "--model", str(model_dir)])
    assert msg.startswith("InputError:") and "pip install -e '.[ray]'" in msg


def test_shard_writer_takes_chunks_in_any_order(tmp_path):
    from summarizer.batch.shards import InputFile, ShardWriter, finished_shards, make_plan

    plan = make_plan([InputFile("a.jsonl", "0" * 64, 1, records=5)], shard_size=3)
    assert [(s.name, s.start, s.count) for s in plan.shards] == [("000-a-00000.jsonl", 0, 3),
                                                                  ("000-a-00001.jsonl", 3, 2)]
    w = ShardWriter(tmp_path, plan)
    assert w.add("000-a-00000.jsonl", 1, [{"n": 2}, {"n": 3}]) is False
    assert (tmp_path / "shards" / "000-a-00000.jsonl.tmp").exists()
    assert w.add("000-a-00000.jsonl", 0, [{"n": 1}]) is True
    assert [json.loads(x)["n"] for x in (tmp_path / "shards" / "000-a-00000.jsonl").read_text().splitlines()] == [1, 2, 3]
    w.add("000-a-00001.jsonl", 0, [{"n": 4}])  # left half written, as a killed run leaves it
    w.close()
    (tmp_path / "shards" / "stale.jsonl.tmp").write_text("x")
    assert finished_shards(tmp_path, plan) == {"000-a-00000.jsonl"}
    assert not list((tmp_path / "shards").glob("*.tmp"))


def test_a_causal_writer_directory_runs_in_batch_and_says_so(corpus, tmp_path):
    """A writer's directory has no seq2seq weights: the run still plans, loads it in each worker and writes."""
    from causal_helpers import build_tiny_causal, writer_dir

    model = writer_dir(tmp_path / "writer-dir", build_tiny_causal(tmp_path / "lm"), max_new_tokens=8)
    out = tmp_path / "out"
    assert _batch([str(corpus), "--out", str(out), "--model", str(model), "--workers", "2",
                   "--batch-size", "4", "--no-index"]) == 2  # (the corpus's bad records)
    rows = [r for r in _rows(out) if "error" not in r]
    assert len(rows) == N_GOOD and any(r["summary"] for r in rows)
    assert {r["writer"] for r in rows} == {"causal LM (lm), grounded in the chosen sentences"}


def run_on_a_terminal(argv: list[str], timeout: float = 240) -> tuple[int, str]:
    """`summarizer batch ARGV...` in a subprocess whose standard error is a pseudo-terminal, as when a
    person runs it: (exit status, everything it wrote there)."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a terminal 120 columns wide
    proc = subprocess.Popen([sys.executable, "-m", "summarizer.batch", *argv], cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=child)
    os.close(child)  # the terminal stays open while the run holds it; reading then ends with EIO
    seen = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if select.select([main], [], [], 1.0)[0]:
                try:
                    data = os.read(main, 65536)
                except OSError:  # the run closed its end: all is read
                    break
                if not data:
                    break
                seen += data
        assert proc.wait(timeout=max(1.0, deadline - time.monotonic())) is not None
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    return proc.returncode, seen.decode("utf-8", "replace")


def test_progress_bar_on_a_terminal(corpus, model_dir, tmp_path):
    total = N_GOOD + 3  # every record, the bad ones too
    rc, err = run_on_a_terminal([str(corpus), "--out", str(tmp_path / "out"), "--model", str(model_dir),
                                 "--shard-size", "4", "--batch-size", "2", "--no-index"])
    assert rc == 2, err  # (the corpus's bad records)
    assert f"summarizer batch: loading the model in {model_dir} in 1 worker process" in err
    frames = err.replace("\r\n", "\n").replace("\r", "\n").splitlines()
    start = [f for f in frames if f.startswith("loading model |")]
    assert start and f"| 0/{total} cables [00:00, shards 0/3]" in start[0], err  # drawn before the first rows
    assert any(f"| 0/{total} cables [00:01, shards 0/3]" in f for f in start), err  # its clock runs meanwhile
    # every frame once rows come back: cables done / total, time spent < time left, the rate, shards written
    working = [f for f in frames if f.startswith("batch ")]
    pattern = re.compile(rf"^batch +\d+% \|[█ ]{{24}}\| (\d+)/{total} cables \[\d\d:\d\d<(\d\d:\d\d|\?), "
                         r"[\d.]+ cables/s, shards (\d)/3\] *$")
    assert working and all(pattern.match(f) for f in working), err
    assert pattern.match(working[-1]).group(1, 3) == (str(total), "3")
    assert f"{N_GOOD} ok, 3 bad record(s)" in err

    rc, err = run_on_a_terminal([str(corpus), "--out", str(tmp_path / "quiet"), "--model", str(model_dir),
                                 "--batch-size", "4", "--no-index", "--quiet"])
    assert rc == 2 and "loading" not in err and f"/{total} [" not in err, err
    assert f"summarizer batch: {total} record(s) in 1 shard(s)" in err  # the result is still said


def test_limit_takes_the_first_records_and_a_rerun_keeps_it(corpus, model_dir, tmp_path, capsys):
    second = second_input(tmp_path)
    out = tmp_path / "out"
    argv = [str(corpus), str(second), "--out", str(out), "--model", str(model_dir), "--batch-size", "2",
            "--no-index"]
    capsys.readouterr()
    assert _batch([*argv, "--limit", "13", "--workers", "2"]) == 2  # bad records among the first 13
    err = capsys.readouterr().err  # stderr is no terminal here: the loading line, and no bar
    assert f"loading the model in {model_dir} in 2 worker processes" in err
    assert "cables/s," not in err and "\r" not in err and "13 record(s) in 3 shard(s)" in err
    rows = _rows(out)
    expected = [(str(corpus), n) for n in expected_lines(corpus.read_text().splitlines())]  # 11 records
    assert [(r["input"], r["line"]) for r in rows] == expected + [(str(second), 1), (str(second), 2)]
    m = json.loads((out / "manifest.json").read_text())
    assert m["plan"]["limit"] == 13 and [i["records"] for i in m["plan"]["inputs"]] == [11, 2]
    assert m["counts"]["records"] == 13 and m["plan"]["shard_size"] == 7  # 2 workers: a shard for each

    assert _batch([*argv, "--limit", "13"]) == 2  # the same job: nothing to redo
    assert json.loads((out / "manifest.json").read_text())["runs"][-1]["records"] == 0
    msg = _batch([*argv, "--limit", "20"])
    assert msg.startswith("InputError:") and "--limit 20 differs from the --limit 13" in msg
    msg = _batch(argv)
    assert msg.startswith("InputError:") and "no --limit differs from the --limit 13" in msg
    msg = _batch([*argv[:3], str(tmp_path / "o2"), *argv[4:], "--limit", "0"])
    assert msg == "InputError: --limit must be at least 1"


def test_default_shards_give_every_worker_one():
    from summarizer.batch.shards import DEFAULT_SHARD_SIZE, default_shard_size

    assert default_shard_size(669, 2) == 335 and default_shard_size(669, 1) == 669
    assert default_shard_size(10, 4) == 3  # 4 shards: 3, 3, 3, 1
    assert default_shard_size(100_000, 2) == DEFAULT_SHARD_SIZE and default_shard_size(0, 2) == 1
