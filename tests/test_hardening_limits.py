"""Issue 8, "limits everywhere": input size (CLI, API, upload, corpus lines), paragraphs and chunks per
cable, and the model's generation length; each with a clear one-line message, none with a traceback.

The API and upload limits of the running page are in tests/test_hardening_app.py.
"""
from __future__ import annotations

import gzip
import io
import json
import shutil
import sys
from pathlib import Path

import pytest
from app_helpers import tiny_model_dir, tiny_service

from summarizer import limits
from summarizer.app import service as svc
from summarizer.cli import main
from summarizer.inputs import MAX_INPUT_BYTES, MAX_LINE_CHARS, InputError, read_records
from summarizer.parsing import parse

HEAD = "C O N F I D E N T I A L TOKYO 003797\nSIPDIS\nE.O. 12958: DECL: 07/06/2016\nTAGS: PREL JA\nSUBJECT: LIMITS\n\n"


def many_paragraphs(n: int) -> str:
    """A cable with n distinct numbered paragraphs (distinct, so that none is dropped as a repeat)."""
    return HEAD + "".join(f"{i % 99 + 1}. (C) Paragraph {i} is about item {i * 7}.\n\n" for i in range(n))


def long_paragraphs(n: int, words: int = 40) -> str:
    """n distinct paragraphs, each long enough to fill an encoder chunk of the tiny model on its own."""
    return HEAD + "".join(
        f"{i % 99 + 1}. (C) " + " ".join(f"minister{(i * 7 + j) % 97} met officials {i}." for j in range(words)) + "\n\n"
        for i in range(n))


def run_cli(argv: list[str], capsys) -> tuple[int, list[dict], str]:
    rc = main(argv)
    cap = capsys.readouterr()
    rows = [json.loads(x) for x in cap.out.splitlines() if x.strip()]
    return rc, rows, cap.err


def one_line_reason(err: str, command: str) -> str:
    """The one line that says why `command` refused (after its "loading ..." and "model loaded" lines)."""
    lines = [x for x in err.strip().splitlines()
             if not x.startswith((f"summarizer {command}: loading", f"summarizer {command}: model loaded"))]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"summarizer {command}: ") and "Traceback" not in err
    return lines[0]


# ------------------------------------------------------------------------------------------ input size
@pytest.mark.parametrize("command", ["parse", "summarize"])
def test_cli_input_over_the_byte_limit(tmp_path, capsys, command):
    f = tmp_path / "big.txt"
    f.write_bytes(HEAD.encode() + b"x" * MAX_INPUT_BYTES)
    rc, rows, err = run_cli([command, str(f)], capsys)  # summarize: refused before the model loads
    assert rc == 2 and rows == []
    assert "the limit for one cable is 1,000,000" in one_line_reason(err, command)


def test_cli_stdin_over_the_byte_limit(monkeypatch, capsys):
    data = HEAD.encode() + "é".encode() * (MAX_INPUT_BYTES // 2)  # under 1M characters, over 1 MB
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    rc, rows, err = run_cli(["parse", "-"], capsys)
    assert rc == 2 and rows == [] and "limit for one cable" in one_line_reason(err, "parse")


def test_corpus_record_over_the_limit_in_bytes_not_characters(tmp_path):
    f = tmp_path / "c.jsonl"
    rows = [{"id": "OK", "raw": HEAD + "1. (C) Fine."}, {"id": "WIDE", "raw": HEAD + "é" * (MAX_INPUT_BYTES // 2)}]
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    ok, wide = read_records(str(f))
    assert ok.error is None
    assert wide.raw is None and wide.id == "WIDE" and "over 1,000,000 bytes" in wide.error


def test_corpus_line_without_end_is_reported_not_read_whole(tmp_path, monkeypatch):
    """A corpus line longer than MAX_LINE_CHARS (here lowered to 1,000) is one bad record, read in bounded
    pieces; the records after it are still read."""
    import summarizer.inputs as inputs

    monkeypatch.setattr(inputs, "MAX_LINE_CHARS", 1000)
    good = json.dumps({"id": "A", "raw": "TAGS: PREL\n1. (C) x"})
    huge = json.dumps({"id": "HUGE", "raw": "y" * 5000})
    for name, opener in (("c.jsonl", open), ("c.jsonl.gz", gzip.open)):
        f = tmp_path / name
        with opener(f, "wt", encoding="utf-8") as out:
            out.write(f"{good}\n{huge}\n{good}\n{'z' * 3500}")  # the last line has no end at all
        recs = list(read_records(str(f)))
        assert [r.line for r in recs] == [1, 2, 3, 4]
        assert recs[0].error is None and recs[2].error is None and recs[2].id == "A"
        assert recs[1].raw is None and recs[1].error.startswith("line is 5,")
        assert "the limit is 1,000" in recs[1].error
        assert recs[3].error.startswith("line is 3,500 characters long")


def test_max_line_is_room_for_one_escaped_cable():
    assert MAX_LINE_CHARS >= 6 * MAX_INPUT_BYTES  # "\\u0000" is 6 characters for one


def test_upload_over_the_limit(tmp_path):
    f = tmp_path / "big.txt"
    f.write_bytes(b"TAGS: PREL\n" + b"a" * MAX_INPUT_BYTES)
    with pytest.raises(InputError, match="limit for one cable is 1,000,000 bytes"):
        svc.read_upload(str(f))


# ------------------------------------------------------------------------------------------ paragraphs
def test_paragraph_limit_message():
    ok = parse(many_paragraphs(limits.MAX_PARAGRAPHS))
    assert len(ok.paragraphs) == limits.MAX_PARAGRAPHS
    limits.check_cable(ok)  # exactly at the limit: fine
    over = parse(many_paragraphs(limits.MAX_PARAGRAPHS + 1))
    with pytest.raises(InputError) as e:
        limits.check_cable(over)
    msg = str(e.value)
    assert msg == limits.msg_too_many_paragraphs(limits.MAX_PARAGRAPHS + 1)
    assert "1,001 paragraphs; the limit is 1,000" in msg and "\n" not in msg


def test_paragraph_limit_in_the_service():
    service = tiny_service()
    with pytest.raises(InputError, match="1,001 paragraphs; the limit is 1,000"):
        service.summarize(many_paragraphs(limits.MAX_PARAGRAPHS + 1))


def test_paragraph_limit_cli_single_exits_2_before_loading_the_model(tmp_path, capsys):
    f = tmp_path / "long.txt"
    f.write_text(many_paragraphs(limits.MAX_PARAGRAPHS + 1), encoding="utf-8")
    # a model directory that does not exist: the limit is checked before the model is loaded
    rc, rows, err = run_cli(["summarize", str(f), "--model", str(tmp_path / "no-model")], capsys)
    assert rc == 2 and rows == []
    line = one_line_reason(err, "summarize")
    assert line == f"summarizer summarize: {f}: {limits.msg_too_many_paragraphs(limits.MAX_PARAGRAPHS + 1)}"


def test_paragraph_limit_corpus_row_not_dropped(tmp_path, capsys):
    f = tmp_path / "c.jsonl"
    recs = [{"id": "06TOKYO3797", "raw": svc.seed_text()}, {"id": "LONG", "raw": many_paragraphs(limits.MAX_PARAGRAPHS + 5)}]
    f.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    rc, rows, err = run_cli(["summarize", str(f), "--model", str(tiny_model_dir())], capsys)
    assert rc == 2
    assert [r["line"] for r in rows] == [1, 2]
    assert rows[0].get("error") is None and rows[0]["summary"]
    assert rows[1]["id"] == "LONG" and "1,005 paragraphs; the limit is 1,000" in rows[1]["error"]
    assert "line 2 (LONG): The cable has 1,005 paragraphs" in err and "1 ok, 1 bad record(s)" in err


def test_paragraph_limit_batch_engine_row(tmp_path, capsys):
    from summarizer.batch.work import summarize_records
    from summarizer.inputs import Record

    rows = summarize_records(tiny_service().model, [
        Record(line=1, id="LONG", raw=many_paragraphs(limits.MAX_PARAGRAPHS + 1)),
        Record(line=2, id="SEED", raw=svc.seed_text())], batch_size=4, source="c.jsonl")
    assert rows[0]["error"] == limits.msg_too_many_paragraphs(limits.MAX_PARAGRAPHS + 1)
    assert rows[1].get("error") is None and rows[1]["summary"]


def test_paragraph_limit_page_batch_row(tmp_path):
    corpus = tmp_path / "c.jsonl"
    recs = [{"id": "LONG", "raw": many_paragraphs(limits.MAX_PARAGRAPHS + 1)}, {"id": "SEED", "raw": svc.seed_text()}]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    r = tiny_service().run_batch(str(corpus), 10, out_dir=tmp_path / "out")
    assert r.rows[0]["error"].startswith("The cable has 1,001 paragraphs")
    assert r.rows[1]["error"] is None and r.averages["failed"] == 1


# ---------------------------------------------------------------------------------------------- chunks
def test_chunk_limit_for_a_seq2seq_summary():
    service = tiny_service()  # the tiny model writes its summary chunk by chunk (no sentence selector)
    assert 1 <= limits.count_chunks(service.model, parse(svc.seed_text())) <= limits.MAX_CHUNKS
    cable = parse(long_paragraphs(limits.MAX_CHUNKS + 6))
    n = limits.count_chunks(service.model, cable)
    assert limits.MAX_CHUNKS < n and len(cable.paragraphs) < limits.MAX_PARAGRAPHS
    with pytest.raises(InputError) as e:
        service.summarize(long_paragraphs(limits.MAX_CHUNKS + 6))
    assert str(e.value) == limits.msg_too_many_chunks(n)
    assert f"fills {n} encoder-sized chunks; the limit is 64 per cable" in str(e.value)


def test_chunk_limit_skipped_when_a_selector_writes_the_summary():
    class Selecting:
        tasks = ["summarize"]
        selector = object()

        def chunk(self, paragraphs, task):  # pragma: no cover - must not be called
            raise AssertionError("counted chunks for a model that does not summarize chunk by chunk")

    assert limits.count_chunks(Selecting(), parse(long_paragraphs(100))) is None
    assert limits.count_chunks(object(), parse(svc.seed_text())) is None  # a model that cannot tell


def test_chunk_limit_cli_single(tmp_path, capsys):
    f = tmp_path / "wide.txt"
    f.write_text(long_paragraphs(limits.MAX_CHUNKS + 6), encoding="utf-8")
    rc, rows, err = run_cli(["summarize", str(f), "--model", str(tiny_model_dir())], capsys)
    assert rc == 2 and rows == []
    assert "encoder-sized chunks; the limit is 64" in one_line_reason(err, "summarize")


# ------------------------------------------------------------------------------------------ generation
@pytest.fixture(scope="module")
def greedy_model_dir(tmp_path_factory):
    """The tiny model with settings that ask for a million new tokens."""
    d = tmp_path_factory.mktemp("greedy") / "greedy"
    shutil.copytree(tiny_model_dir(), d)
    cfg_path = d / "summarizer_config.json"
    cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    cfg["tasks"]["summarize"]["generation"].update(max_new_tokens=1_000_000, min_new_tokens=4)
    cfg["tasks"]["tags"]["generation"]["max_new_tokens"] = 50_000
    cfg["chunk_min_new_tokens"] = 100_000
    cfg_path.write_text(json.dumps(cfg), encoding="utf-8")
    return d


def test_generation_cap_applied_at_load(greedy_model_dir):
    from summarizer.app.service import SummaryService
    from summarizer.model import load_model

    model = load_model(str(greedy_model_dir), device="cpu")
    service = SummaryService(model)
    gen = {name: t.generation for name, t in model.settings.tasks.items()}
    assert gen["summarize"]["max_new_tokens"] == limits.MAX_NEW_TOKENS
    assert gen["tags"]["max_new_tokens"] == limits.MAX_NEW_TOKENS
    assert gen["subject"]["max_new_tokens"] <= limits.MAX_NEW_TOKENS
    assert model.settings.chunk_min_new_tokens == limits.MAX_NEW_TOKENS
    assert any("max_new_tokens=1,000,000 in task 'summarize'; capped at 512" in n for n in service.notes)
    assert any("chunk_min_new_tokens=100,000" in n for n in service.notes)
    # the capped model still answers, and within the cap
    out = service.summarize(svc.seed_text())
    assert len(model.tokenizer(out["summary"])["input_ids"]) <= limits.MAX_NEW_TOKENS + 2


def test_generation_cap_note_on_the_cli(greedy_model_dir, tmp_path, capsys, monkeypatch):
    from summarizer.model import inference

    f = tmp_path / "seed.txt"
    f.write_text(svc.seed_text(), encoding="utf-8")
    seen = {}

    def fake_predict(self, cables, batch_size=8):  # the lengths the model would decode with, without decoding
        seen.update({n: t.generation["max_new_tokens"] for n, t in self.settings.tasks.items()})
        return [inference.Prediction(summary="A summary.") for _ in cables]

    monkeypatch.setattr(inference.CableSummarizer, "predict", fake_predict)
    rc, rows, err = run_cli(["summarize", str(f), "--model", str(greedy_model_dir)], capsys)
    assert rc == 0 and rows[0]["summary"] == "A summary."
    assert max(seen.values()) == limits.MAX_NEW_TOKENS
    assert "summarizer summarize: note: the model asks for max_new_tokens=1,000,000 in task 'summarize'; " \
           "capped at 512" in err


def test_generation_cap_leaves_sane_settings_alone():
    from types import SimpleNamespace

    task = SimpleNamespace(generation={"max_new_tokens": 160, "min_new_tokens": 24})
    model = SimpleNamespace(settings=SimpleNamespace(tasks={"summarize": task}, chunk_min_new_tokens=32),
                            model=SimpleNamespace(generation_config=SimpleNamespace(max_length=20)))
    assert limits.cap_generation(model) == []
    assert task.generation == {"max_new_tokens": 160, "min_new_tokens": 24}
    model.model.generation_config.max_length = 10**6  # what generate falls back to
    assert limits.cap_generation(model) == [
        "the model's generation_config asks for max_length=1,000,000; capped at 512"]
    assert model.model.generation_config.max_length == 512


def test_shipped_default_is_within_the_caps():
    cfg = json.loads((Path(limits.__file__).parent / "model" / "default" / "summarizer_config.json").read_text())
    for task in cfg.get("tasks", {}).values():
        assert task["generation"]["max_new_tokens"] <= limits.MAX_NEW_TOKENS
    writer = cfg["writer"]
    assert writer["max_new_tokens"] <= limits.MAX_NEW_TOKENS and writer["batch_size"] <= limits.MAX_WRITER_BATCH
    assert writer["max_seconds"] <= limits.MAX_WRITER_SECONDS


# ------------------------------------------------------------------------------- whole service, bad text
SERVICE_CASES = ["nul-cable", "every-category-cable", "surrogates", "pilcrow-paragraphs", "numbered-paragraphs",
                 "many-summaries", "flattened-cable", "fragment-soup", "markings", "long-line-sentences",
                 "tags-lines", "rtl-bidi", "combining", "line-separators", "websites"]


@pytest.mark.parametrize("name", SERVICE_CASES)
def test_service_answers_or_says_why_on_pathological_text(name):
    """Past the parser: limits, model, scoring and support highlighting on hostile text: an answer or a
    one-line InputError, never another exception."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from fuzz.generators import PATHOLOGICAL

    text = PATHOLOGICAL[name](20_000)
    try:
        out = tiny_service().summarize(text)
    except InputError as e:
        assert "\n" not in str(e) and str(e)
    else:
        assert isinstance(out["summary"], str) and isinstance(out["support"], list)
        json.dumps(out)
