"""`summarizer batch --engine ray` on a local Ray started in the test process (2 CPUs, no dashboard, shut
down at the end): the same rows as the local engine, bad records as their error rows, the index built at
the end, a Ray worker killed mid-run (by `ray.kill`) and a killed driver losing no record and duplicating
none, and a bad --model refused before Ray starts. Slow (Ray starts a process per actor, and each loads
torch): marked `slow` and `ray`; `.ci/run` runs them with `python -m pytest -q -m ray`.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from test_batch import (BAD_LINES, N_GOOD, ROW_KEYS, _rows, _strip, corpus_lines, expected_lines, run_and_kill,
                        second_input)
from test_model_support import fast_decoding, run_command, train_tiny

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

pytestmark = [pytest.mark.slow, pytest.mark.ray]
TESTS = Path(__file__).resolve().parent
RAY_ARGS = ("--engine", "ray", "--workers", "2", "--cpus-per-worker", "1")


@pytest.fixture(scope="module")
def ray_cluster():
    """A local Ray of 2 CPUs; its workers can import the test helpers (the hooks below, slow_batch).
    Yields its address, for a second driver to join."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])))
        ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return fast_decoding(train_tiny(tmp_path_factory.mktemp("ray") / "m", steps=3))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    p = tmp_path_factory.mktemp("corpus") / "cables.jsonl"
    p.write_text("\n".join(corpus_lines()) + "\n", encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def two_inputs(corpus, tmp_path_factory):
    """The corpus (bad records included) and a gzipped second input: 14 records."""
    return [str(corpus), str(second_input(tmp_path_factory.mktemp("second")))]


@pytest.fixture(scope="module")
def local_rows(model_dir, two_inputs, tmp_path_factory):
    """What the local engine writes for `two_inputs` (shards of 2, one record a chunk)."""
    out = tmp_path_factory.mktemp("local") / "out"
    assert _batch(_argv(two_inputs, out, model_dir, "--no-index")) == 2
    return [_strip(r) for r in _rows(out)]


def _argv(inputs: list[str], out: Path, model_dir: Path, *more: str) -> list[str]:
    """`summarizer batch` of `inputs` in shards of 2, a record a chunk (as `run_and_kill` runs it)."""
    return [*inputs, "--out", str(out), "--model", str(model_dir), "--shard-size", "2", "--batch-size", "1", *more]


def _batch(argv: list[str], after_chunk=None) -> int | str:
    if after_chunk is None:
        return run_command(["batch", *argv])
    from summarizer.commands.batch import main

    return main(argv, after_chunk=after_chunk)


def _indexed(out: Path) -> tuple[int, int]:
    """(rows, distinct records) in the run's index."""
    with sqlite3.connect(out / "index.sqlite") as conn:
        return conn.execute("SELECT count(*), count(DISTINCT record) FROM cables").fetchone()


def _every_record_once(out: Path, inputs: list[str], local_rows: list[dict]) -> None:
    rows = _rows(out)
    expected = [(inputs[0], n) for n in expected_lines(Path(inputs[0]).read_text().splitlines())]
    expected += [(inputs[1], n) for n in (1, 2, 3)]
    assert [(r["input"], r["line"]) for r in rows] == expected  # every record exactly once, in input order
    assert [_strip(r) for r in rows] == local_rows  # and the rows the local engine writes
    assert _indexed(out) == (len(expected), len(expected))  # the index built at the end, each record once
    assert not list((out / "shards").glob("*.tmp"))


class KillActorOnce:
    """`after_chunk` for the Ray actors: each chunk takes half a second more; once the run has a finished
    shard, the actor that finishes the next chunk kills itself with `ray.kill` (restartable or not), once,
    so that chunk's rows never come back. (It must not wait for the shard: the chunks the driver needs
    for it may be queued behind this very call.) `marks/chunks` gets a byte per chunk done."""

    def __init__(self, out: Path, marks: Path, restart: bool):
        self.out, self.marks, self.restart = out, marks, restart

    def __call__(self) -> None:
        time.sleep(0.5)
        with open(self.marks / "chunks", "ab") as f:
            f.write(b".")
        if not list((self.out / "shards").glob("*.jsonl")):
            return
        try:
            os.close(os.open(self.marks / "killed", os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return
        ray.kill(ray.get_runtime_context().current_actor, no_restart=not self.restart)
        time.sleep(120)  # the kill is asynchronous: this call never returns


def test_same_rows_as_local_with_error_rows_and_index(ray_cluster, model_dir, two_inputs, local_rows, tmp_path):
    out = tmp_path / "ray"
    assert _batch(_argv(two_inputs, out, model_dir, *RAY_ARGS)) == 2  # the corpus holds bad records
    _every_record_once(out, two_inputs, local_rows)
    for r in _rows(out):
        if r["input"] == two_inputs[0] and r["line"] in BAD_LINES:  # a bad record is its error row on Ray too
            assert set(r) == {"id", "input", "line", "error"} and r["error"] and r["id"] == BAD_LINES[r["line"]]
        else:
            assert set(r) == ROW_KEYS
    m = json.loads((out / "manifest.json").read_text())
    assert m["settings"]["engine"] == "ray" and m["settings"]["workers"] == 2
    assert m["counts"] == {"records": N_GOOD + 6, "ok": N_GOOD + 3, "errors": 3, "shards": 8}
    assert m["runs"][-1]["status"] == "complete" and m["runs"][-1]["cables_per_second"] > 0


def test_actor_killed_and_restarted_loses_and_repeats_no_record(ray_cluster, model_dir, two_inputs, local_rows,
                                                                 tmp_path):
    """Ray Data restarts a killed actor and retries its chunk: the run completes by itself."""
    out, marks = tmp_path / "ray", tmp_path / "marks"
    marks.mkdir()
    argv = _argv(two_inputs, out, model_dir, *RAY_ARGS)
    assert _batch(argv, after_chunk=KillActorOnce(out, marks, restart=True)) == 2
    assert (marks / "killed").exists() and (marks / "chunks").stat().st_size > N_GOOD + 6  # the lost chunk redone
    _every_record_once(out, two_inputs, local_rows)
    assert [r["status"] for r in json.loads((out / "manifest.json").read_text())["runs"]] == ["complete"]


def test_actor_killed_for_good_then_the_rerun_resumes(ray_cluster, model_dir, two_inputs, local_rows, tmp_path,
                                                      capsys):
    out, marks = tmp_path / "ray", tmp_path / "marks"
    marks.mkdir()
    argv = _argv(two_inputs, out, model_dir, *RAY_ARGS)
    capsys.readouterr()
    assert _batch(argv, after_chunk=KillActorOnce(out, marks, restart=False)) == 1
    said = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("summarizer batch:")]
    assert said[0].startswith(f"summarizer batch: loading the model in {model_dir} in 2 Ray actors")
    assert said[1:] == ["summarizer batch: the Ray job failed (ActorDiedError: The actor died unexpectedly before "
                        "finishing this task.); finished shards are kept, rerun the same command to resume"]
    kept = {p.name: p.stat().st_ino for p in (out / "shards").glob("*.jsonl")}
    m = json.loads((out / "manifest.json").read_text())
    assert 0 < len(kept) < len(m["plan"]["shards"]) and m["runs"][-1]["status"] == "failed"

    assert _batch(argv) == 2
    _every_record_once(out, two_inputs, local_rows)
    shards = out / "shards"
    assert {p.name: p.stat().st_ino for p in shards.glob("*.jsonl") if p.name in kept} == kept  # kept, not redone
    m = json.loads((out / "manifest.json").read_text())
    assert [r["status"] for r in m["runs"]] == ["failed", "complete"] and m["runs"][1]["shards_skipped"] == len(kept)


def _actor_pids() -> set[int]:
    """Processes of this machine that hold a batch model actor."""
    import psutil

    pids = set()
    for p in psutil.process_iter(["pid", "cmdline"]):
        if any("SummarizeActor" in part for part in p.info["cmdline"] or []):
            pids.add(p.info["pid"])
    return pids


def test_killed_driver_takes_its_actors_and_the_rerun_resumes(ray_cluster, model_dir, two_inputs, local_rows,
                                                              tmp_path):
    """A `summarizer batch` joined to the cluster is SIGKILLed half way: its actors (each holding a model)
    go with it, as the local engine's workers do, and the rerun keeps every record exactly once."""
    import psutil

    out = tmp_path / "ray"
    others = _actor_pids()  # (none: a finished run's actors are gone; but not ours to watch)
    held: set[int] = set()
    shards = run_and_kill(two_inputs, out, model_dir, shards_done=1,
                          extra=("--engine", "ray", "--address", ray_cluster, "--cpus-per-worker", "1"),
                          before_kill=lambda proc: held.update(_actor_pids() - others), half_written=False)
    assert held  # the killed run's actors were running
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(psutil.pid_exists(p) for p in held):
        time.sleep(0.2)
    assert not [p for p in held if psutil.pid_exists(p)], "a killed run's Ray actors outlived it by 30 s"
    kept = {p.name: p.stat().st_ino for p in shards.glob("*.jsonl")}
    assert kept and json.loads((out / "manifest.json").read_text())["status"] == "running"

    assert _batch(_argv(two_inputs, out, model_dir, *RAY_ARGS)) == 2
    _every_record_once(out, two_inputs, local_rows)
    assert {p.name: p.stat().st_ino for p in shards.glob("*.jsonl") if p.name in kept} == kept


def test_bad_model_refused_before_ray_starts(model_dir, corpus, tmp_path, monkeypatch):
    from summarizer.batch import ray_engine

    def no_engine(*args, **kwargs):
        raise AssertionError("the Ray engine started with a model that does not load")

    monkeypatch.setattr(ray_engine, "run_ray", no_engine)
    broken = tmp_path / "broken"
    shutil.copytree(model_dir, broken)
    (broken / "config.json").write_text("{not json")
    out = tmp_path / "o"
    msg = _batch([str(corpus), "--out", str(out), "--model", str(broken), "--engine", "ray"])
    assert msg.startswith("InputError:") and "config.json is not valid JSON" in msg and "\n" not in msg
    assert not out.exists()  # refused before the run started: no manifest, no shards


def test_the_causal_writer_runs_in_ray_actors(ray_cluster, corpus, tmp_path):
    """Issue 31's writer at small scale: a writer's directory (the tiny random LM) loaded once per actor,
    several cables a generate call; every good record gets its written summary, and says which writer."""
    from causal_helpers import build_tiny_causal, writer_dir

    model = writer_dir(tmp_path / "writer-dir", build_tiny_causal(tmp_path / "lm"), max_new_tokens=8)
    out = tmp_path / "ray"
    assert _batch([str(corpus), "--out", str(out), "--model", str(model), "--batch-size", "4", *RAY_ARGS]) == 2
    rows = [r for r in _rows(out) if "error" not in r]
    assert len(rows) == N_GOOD and any(r["summary"] for r in rows)
    assert {r["writer"] for r in rows} == {"causal LM (lm), grounded in the chosen sentences"}
    assert _indexed(out) == (N_GOOD + 3, N_GOOD + 3)
