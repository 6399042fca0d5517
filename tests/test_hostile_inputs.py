"""Issue 15, hostile input: what an outside probe found that broke a whole run or a whole command.

- a deeply nested JSON line in a corpus is one bad record, not the end of the run (summarize, batch,
  the page's Batch tab), and a JSON error message reads as a sentence;
- a SIGKILLed `summarizer batch` leaves no worker or resource tracker behind, and its rerun resumes;
- a model directory (operator-supplied, --model) whose config asks for far more layers or far larger
  sizes than its weights hold, that asks for 64 beams, or whose settings point a prompt file out of the
  directory is one line and exit 2 at the start (or capped, with a note), never a hang or a traceback.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest
import slow_batch
from app_helpers import free_port, tiny_model_dir, tiny_service
from test_batch import ROOT, synthetic_raw
from test_model_support import run_command

from summarizer import limits
from summarizer.app import service as svc
from summarizer.cli import main
from summarizer.inputs import MAX_JSON_DEPTH, read_records
from summarizer.model import ModelError, inference
from summarizer.model.process import ModelProcess
from summarizer.model.settings import MAX_PROMPT_BYTES, read_prompt


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
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]))
    log = tmp_path / "stderr.txt"
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", slow_batch.COMMAND, *argv], cwd=ROOT, env=env,
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


# ------------------------------------------------------------------------------------- model directories
def _model_copy(dest: Path, config=None, settings=None) -> Path:
    """The tiny seq2seq model with its config and settings edited: weights and other files symlinked, the
    small files it edits (and its prompts) copied."""
    dest.mkdir(parents=True)
    for f in tiny_model_dir().iterdir():
        if f.name in ("config.json", "summarizer_config.json", "prompts"):
            (shutil.copytree if f.is_dir() else shutil.copy)(f, dest / f.name)
        else:
            (dest / f.name).symlink_to(f)
    for name, edit in (("config.json", config), ("summarizer_config.json", settings)):
        if edit:
            data = json.loads((dest / name).read_text(encoding="utf-8"))
            edit(data)
            (dest / name).write_text(json.dumps(data), encoding="utf-8")
    return dest


def _seed_file(tmp_path: Path) -> Path:
    f = tmp_path / "seed.txt"
    f.write_text(svc.seed_text(), encoding="utf-8")
    return f


def _start_argv(command: str, model: Path, tmp_path: Path) -> list[str]:
    """The arguments that start `command` on one seed cable with --model `model`."""
    if command == "summarize":
        return ["summarize", str(_seed_file(tmp_path)), "--model", str(model)]
    if command == "batch":
        corpus = tmp_path / "c.jsonl"
        corpus.write_text(json.dumps({"id": "06TOKYO3797", "raw": svc.seed_text()}) + "\n", encoding="utf-8")
        return ["batch", str(corpus), "--out", str(tmp_path / "out"), "--model", str(model)]
    return ["serve", "--port", str(free_port()), "--model", str(model)]


def _refusal(command: str, err: str) -> str:
    """The one line that says why `command` did not start (serve and summarize say "loading ..." first; batch
    says it once the directory's files pass its plan's checks)."""
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    if command in ("serve", "summarize") or (command == "batch" and lines[0].startswith("summarizer batch: loading")):
        assert lines[0].startswith(f"summarizer {command}: loading"), err
        lines = lines[1:]
    assert len(lines) == 1 and lines[0].startswith(f"summarizer {command}: "), err
    return lines[0]


def _limit_memory() -> None:
    # were the config built as written, it would fill the machine (10M-wide layers took 24 GB): fail instead
    resource.setrlimit(resource.RLIMIT_AS, (16 << 30, 16 << 30))


def _start(command: str, model: Path, tmp_path: Path) -> tuple[int, str]:
    """(exit status, stderr) of `summarizer COMMAND` started on `model`, in a subprocess with a deadline
    and a memory limit: a hang, or a server that starts when it should not, fails the test instead of
    stalling the suite."""
    argv = _start_argv(command, model, tmp_path)
    try:
        proc = subprocess.run([sys.executable, "-m", "summarizer.cli", *argv], cwd=ROOT, capture_output=True,
                              text=True, timeout=120, preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"`summarizer {command}` still running after {e.timeout} s: {e.stderr}")
    assert proc.stdout == "", proc.stdout
    return proc.returncode, proc.stderr


@pytest.mark.parametrize("command", ["summarize", "batch", "serve"])
@pytest.mark.parametrize("where, key, value", [
    ("encoder", "num_hidden_layers", 100_000),  # hung the load for over 300 s
    ("decoder", "intermediate_size", 10_000_000),  # filled 24 GB, then killed by the kernel
    # a multiple of the heads, so transformers' own check passes and it builds the model first
    ("encoder", "hidden_size", 120_000),
])
def test_config_larger_than_its_weights_is_refused_at_start(tmp_path, command, where, key, value):
    model = _model_copy(tmp_path / "m", config=lambda c: c[where].update({key: value}))
    rc, err = _start(command, model, tmp_path)  # a hang fails at its deadline
    line = _refusal(command, err)
    assert rc == 2
    assert f"weights in {model} do not match its config: config.json asks for {where}.{key}={value:,}" in line
    if command == "batch":
        assert not any((tmp_path / "out" / "shards").glob("*.jsonl"))


def test_t5_config_with_more_layers_than_its_weights(tmp_path):
    from summarizer.model.loading import check_config_fits_weights, check_safetensors, load_config, weight_files
    from test_model_support import save_tiny_t5

    d = save_tiny_t5(tmp_path / "t5")
    check_config_fits_weights(d, load_config(d), check_safetensors(weight_files(d)))  # as saved: fine
    cfg = json.loads((d / "config.json").read_text())
    cfg["num_decoder_layers"] = 100_000
    (d / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelError, match="num_decoder_layers=100,000 layers"):
        check_config_fits_weights(d, load_config(d), check_safetensors(weight_files(d)))


@pytest.fixture(scope="module")
def beams_model_dir(tmp_path_factory):
    """The tiny model asking for 64 beams, 128 returned sequences and a billion tokens."""
    d = tmp_path_factory.mktemp("beams") / "beams"
    shutil.copytree(tiny_model_dir(), d)
    path = d / "summarizer_config.json"
    cfg = json.loads(path.read_text(encoding="utf-8"))
    cfg["tasks"]["summarize"]["generation"].update(num_beams=64, num_return_sequences=128, max_new_tokens=10**9)
    path.write_text(json.dumps(cfg), encoding="utf-8")
    return d


def test_beams_are_capped_with_a_note(beams_model_dir, tmp_path, capsys):
    rc, out, err = _cli(["summarize", str(_seed_file(tmp_path)), "--model", str(beams_model_dir)], capsys)
    assert rc == 0 and "Traceback" not in err
    assert json.loads(out)["summary"]
    assert "note: the model asks for num_beams=64 in task 'summarize'; capped at 8" in err
    assert "note: the model asks for num_return_sequences=128 in task 'summarize'; capped at 1" in err
    assert "note: the model asks for max_new_tokens=1,000,000,000 in task 'summarize'; capped at 512" in err


def test_generation_multipliers_capped_in_tasks_and_generation_config():
    task = SimpleNamespace(generation={"num_beams": 64, "num_return_sequences": 4, "num_beam_groups": 8,
                                       "min_length": 10**6})
    gen_config = SimpleNamespace(max_length=20, num_beams=32, num_return_sequences=2)
    model = SimpleNamespace(settings=SimpleNamespace(tasks={"summarize": task}, chunk_min_new_tokens=32),
                            model=SimpleNamespace(generation_config=gen_config))
    notes = limits.cap_generation(model)
    assert task.generation == {"num_beams": limits.MAX_BEAMS, "num_return_sequences": 1, "num_beam_groups": 1,
                               "min_length": limits.MAX_NEW_TOKENS}
    assert (gen_config.num_beams, gen_config.num_return_sequences) == (limits.MAX_BEAMS, 1)
    assert "the model's generation_config asks for num_beams=32; capped at 8" in notes and len(notes) == 5


def _failing_predict(self, cables, batch_size=8):
    # what torch says when generate cannot get its memory: over one line
    raise RuntimeError("[enforce fail at alloc_cpu.cpp:127] err == 0.\nDefaultCPUAllocator: can't allocate memory")


@pytest.mark.parametrize("command", ["summarize", "serve"])
def test_generation_failure_is_one_line(command, tmp_path, capsys, monkeypatch):
    # serve predicts in its model process (summarizer.model.process), which raises the child's error as is
    monkeypatch.setattr(inference.CableSummarizer, "predict", _failing_predict)
    monkeypatch.setattr(ModelProcess, "predict", _failing_predict)
    argv = _start_argv(command, tiny_model_dir(), tmp_path)  # serve: fails in its warm-up, before it listens
    rc, out, err = _cli(argv, capsys)
    assert rc == 2 and out == ""
    lines = [x for x in err.strip().splitlines()
             if not x.startswith((f"summarizer {command}: loading", f"summarizer {command}: model loaded"))]
    assert lines == [f"summarizer {command}: " + (f"{argv[1]}: " if command == "summarize" else "the seed cable: ")
                     + "model failed: RuntimeError: [enforce fail at alloc_cpu.cpp:127] err == 0. "
                       "DefaultCPUAllocator: can't allocate memory"], err


@pytest.mark.parametrize("command", ["summarize", "batch", "serve"])
def test_prompt_file_outside_the_model_directory_is_refused(command, tmp_path):
    escape = "../../../../../../etc/hostname"
    model = _model_copy(tmp_path / "m", settings=lambda s: s["tasks"]["summarize"].update(prompt_file=escape))
    rc, err = _start(command, model, tmp_path)
    assert rc == 2
    assert f"prompt file {escape!r} lies outside {model / 'prompts'}" in _refusal(command, err)


def test_prompt_symlink_out_of_the_model_directory_is_refused(tmp_path):
    model = _model_copy(tmp_path / "m")
    (model / "prompts" / "summarize.txt").unlink()
    (model / "prompts" / "summarize.txt").symlink_to("/etc/hostname")
    with pytest.raises(ModelError, match="'summarize.txt' lies outside"):
        read_prompt("summarize.txt", model)
    (model / "prompts" / "summarize.txt").unlink()
    (model / "prompts" / "summarize.txt").write_text("x" * (MAX_PROMPT_BYTES + 1))
    with pytest.raises(ModelError, match="a prompt is at most"):
        read_prompt("summarize.txt", model)
    (model / "prompts" / "summarize.txt").write_text("summarize: \n")
    assert read_prompt("summarize.txt", model) == "summarize: "  # inside, and short: read
