"""Issue 8, faults: a missing, truncated or wrong-architecture model directory is one line at the start
of every command (serve, summarize, batch), never a traceback; pickled weights are never unpickled; a
corpus with a truncated gzip member or invalid JSON lines is processed up to the fault, with every bad
line reported and none dropped (summarize, batch, the page's Batch tab).

(Resuming a killed batch run is covered by tests/test_batch.py::test_killed_run_resumes_with_every_record_once.)
"""
from __future__ import annotations

import gzip
import json
import pickle
import random
import shutil
import string
from pathlib import Path

import pytest
from app_helpers import free_port, tiny_model_dir, tiny_service
from test_model_support import save_tiny_t5

from summarizer.app import service as svc
from summarizer.cli import main


@pytest.fixture(scope="module")
def t5_dir(tmp_path_factory):
    return save_tiny_t5(tmp_path_factory.mktemp("t5") / "tiny-t5")


def _bert_dir(path: Path) -> Path:
    from transformers import BertConfig, BertModel

    BertModel(BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32)).save_pretrained(str(path))
    return path


@pytest.fixture(scope="module")
def broken_models(tmp_path_factory, t5_dir):
    """name -> (model directory, a fragment its one-line error must contain)."""
    root = tmp_path_factory.mktemp("broken")
    truncated = root / "truncated"
    shutil.copytree(t5_dir, truncated)
    w = truncated / "model.safetensors"
    w.write_bytes(w.read_bytes()[: w.stat().st_size // 2])
    pickled = root / "pickled"
    shutil.copytree(t5_dir, pickled)
    (pickled / "model.safetensors").unlink()
    (pickled / "pytorch_model.bin").write_bytes(b"never unpickled")
    return {
        "missing": (root / "does-not-exist", "does not exist"),
        "truncated": (truncated, "corrupt or truncated"),
        "wrong-architecture": (_bert_dir(root / "bert"), "not a sequence-to-sequence model"),
        "pickle-only": (pickled, "only PyTorch pickle weights"),
    }


def _cli(argv: list[str], capsys) -> tuple[int, str, str]:
    rc = main(argv)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def _seed_file(tmp_path: Path) -> Path:
    f = tmp_path / "seed.txt"
    f.write_text(svc.seed_text(), encoding="utf-8")
    return f


# ----------------------------------------------------------------------------------------- model faults
@pytest.mark.parametrize("fault", ["missing", "truncated", "wrong-architecture", "pickle-only"])
@pytest.mark.parametrize("command", ["summarize", "batch", "serve"])
def test_bad_model_directory_is_one_line_at_start(command, fault, broken_models, tmp_path, capsys):
    model, fragment = broken_models[fault]
    if command == "summarize":
        argv = ["summarize", str(_seed_file(tmp_path)), "--model", str(model)]
    elif command == "batch":
        corpus = tmp_path / "c.jsonl"
        corpus.write_text(json.dumps({"id": "06TOKYO3797", "raw": svc.seed_text()}) + "\n", encoding="utf-8")
        argv = ["batch", str(corpus), "--out", str(tmp_path / "out"), "--model", str(model)]
    else:
        argv = ["serve", "--port", str(free_port()), "--model", str(model), "--no-warmup"]
    rc, out, err = _cli(argv, capsys)
    assert rc == 2 and out == ""
    lines = err.strip().splitlines()
    # "loading ..." first, then the reason (batch says it only once the directory's files pass its plan's check)
    if command in ("serve", "summarize") or (command == "batch" and fragment not in lines[0]):
        assert lines[0].startswith(f"summarizer {command}: loading") and len(lines) == 2
    else:
        assert len(lines) == 1
    assert lines[-1].startswith(f"summarizer {command}: ") and fragment in lines[-1], err
    assert "Traceback" not in err
    if command == "batch":  # refused before any work: no shard written
        assert not (tmp_path / "out" / "shards").exists() or not any((tmp_path / "out" / "shards").iterdir())


class _Bomb:
    """Unpickling this writes a marker file: proof that a pickle was loaded."""

    marker: str = ""

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "unpickled!"))


def test_pickled_weights_are_never_unpickled(t5_dir, tmp_path):
    from summarizer.model import ModelError, load_model

    marker = tmp_path / "UNPICKLED"
    bomb = _Bomb()
    bomb.marker = str(marker)
    both = tmp_path / "both"
    shutil.copytree(t5_dir, both)
    for name in ("pytorch_model.bin", "model.pt", "training_args.bin"):
        (both / name).write_bytes(pickle.dumps(bomb))
    load_model(str(both), device="cpu")  # loads the safetensors weights
    assert not marker.exists()
    (both / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="only PyTorch pickle weights"):
        load_model(str(both), device="cpu")
    assert not marker.exists()
    pickle.loads(pickle.dumps(bomb))  # the bomb works: loading it would have left the marker
    assert marker.exists()


# ---------------------------------------------------------------------------------------- corpus faults
def _cable(i: int) -> str:
    """A short cable of random words (random, so that gzip cannot squeeze the corpus into one block)."""
    rng = random.Random(i)
    words = lambda n: " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randrange(2, 9)))  # noqa: E731
                               for _ in range(n))
    return (f"C O N F I D E N T I A L TESTVILLE 000{100 + i}\n\nSIPDIS\nTAGS: PREL ECON JA\n"
            f"SUBJECT: {words(4).upper()}\n\n1. (C) Summary: {words(30)}. End Summary.\n\n2. (C) {words(80)}.\n")


def _faulty_corpus(path: Path, n_good: int = 30) -> list[str]:
    """A gzip corpus: good cables, an invalid JSON line (line 4), a JSON array (line 5), more good cables,
    and the gzip member cut short. Returns the ids before the cut: the ones that must be summarized."""
    good = [json.dumps({"id": f"GOOD{i}", "raw": _cable(i)}) for i in range(n_good)]
    lines = good[:3] + ['{"id": "BROKEN", "raw": "TAGS: PREL', "[1, 2, 3]"] + good[3:]
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    path.write_bytes(data[: int(len(data) * 0.6)])  # truncated member: the last records are lost in it
    readable = []
    with gzip.open(path, "rt") as f:
        try:
            for line in f:
                readable.append(line)
        except EOFError:
            pass
    return [json.loads(x)["id"] for x in readable if x.endswith("\n") and x.startswith('{"id": "GOOD')]


def test_summarize_corpus_with_faults(tmp_path, capsys):
    corpus = tmp_path / "c.jsonl.gz"
    good_ids = _faulty_corpus(corpus)
    assert 6 <= len(good_ids) < 30
    rc, out, err = _cli(["summarize", str(corpus), "--model", str(tiny_model_dir())], capsys)
    rows = [json.loads(x) for x in out.splitlines()]
    assert rc == 2
    ok = [r["id"] for r in rows if not r.get("error")]
    assert ok[: len(good_ids)] == good_ids  # every good record before the fault, in order
    bad = {r["line"]: r["error"] for r in rows if r.get("error")}
    assert bad[4].startswith("invalid JSON") and bad[5] == "not a JSON object"
    assert any(e.startswith("corpus unreadable after line") for e in bad.values())
    assert "summarizer summarize: line 4: invalid JSON" in err
    assert "corpus unreadable after line" in err and "bad record(s)" in err.strip().splitlines()[-1]
    assert [r["line"] for r in rows] == sorted(r["line"] for r in rows)  # in input order, none twice


def test_batch_corpus_with_faults(tmp_path, capsys):
    corpus = tmp_path / "c.jsonl.gz"
    good_ids = _faulty_corpus(corpus)
    out = tmp_path / "out"
    rc, _, err = _cli(["batch", str(corpus), "--out", str(out), "--model", str(tiny_model_dir()), "--workers", "1"],
                      capsys)
    assert rc == 2 and "Traceback" not in err
    m = json.loads((out / "manifest.json").read_text())
    rows = []
    for s in m["plan"]["shards"]:
        rows += [json.loads(x) for x in (out / "shards" / s["name"]).read_text().splitlines()]
    ok = [r["id"] for r in rows if not r.get("error")]
    assert ok[: len(good_ids)] == good_ids
    errors = [r["error"] for r in rows if r.get("error")]
    assert any(e.startswith("invalid JSON") for e in errors) and "not a JSON object" in errors
    assert any("unreadable" in e for e in errors), errors


def test_page_batch_with_faults(tmp_path):
    corpus = tmp_path / "upload.jsonl.gz"
    good_ids = _faulty_corpus(corpus)
    r = tiny_service().run_batch(str(corpus), 100, out_dir=tmp_path / "out")
    ok = [row["id"] for row in r.rows if not row["error"]]
    assert ok[: len(good_ids)] == good_ids
    errors = [row["error"] for row in r.rows if row["error"]]
    assert any(e.startswith("invalid JSON") for e in errors) and any("unreadable" in e for e in errors)
    assert r.averages["failed"] == len(errors) and r.averages["records"] == len(r.rows)
