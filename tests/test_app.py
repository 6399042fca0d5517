"""The running page, called the way users' scripts call it: `gradio_client` against a live server.

One app on a tiny random model is started per test process (`app_helpers.running_app`).
"""
from __future__ import annotations

import argparse
import gzip
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from app_helpers import free_port, running_app

from summarizer.app import service as svc
from summarizer.inputs import MAX_INPUT_BYTES

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import Client, handle_file  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")  # pandas deprecations inside Gradio


@pytest.fixture(scope="module")
def url():
    return running_app()


@pytest.fixture(scope="module")
def client(url):
    return Client(url, verbose=False)


def _strip_timing(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "seconds"}


def test_named_endpoints(client):
    api = client.view_api(print_info=False, return_format="dict")
    names = set(api["named_endpoints"])
    assert {"/summarize", "/parse", "/batch"} <= names
    assert not api["unnamed_endpoints"]  # the page's own events are private


def test_seed_cable_gives_summary_and_labels(client):
    out = client.predict(svc.seed_text(), api_name="/summarize")
    assert out["id"] == "06TOKYO3797"
    assert isinstance(out["summary"], str) and out["summary"].strip()
    assert isinstance(out["topics"], list) and out["topics"] and all(isinstance(t, str) for t in out["topics"])
    assert isinstance(out["tags"], list)
    assert out["reference_summary"].startswith("Prime Minister Koizumi")
    assert {"rouge1", "rouge2", "rougeL", "tags_f1"} <= set(out["scores"])
    assert out["seconds"] < 30


def test_parse_endpoint(client):
    out = client.predict(svc.seed_text(), api_name="/parse")
    assert out["id"] == "06TOKYO3797" and out["tags"] == ["PREL", "PTER", "ENRG", "RS", "JA"]
    assert out["summary"] and out["summary"] not in out["body"]


@pytest.mark.parametrize("text, message", [
    ("", svc.MSG_EMPTY),
    ("   \n  ", svc.MSG_EMPTY),
    ("\x00\x01\x02PK\x03\x04 binary", svc.MSG_BINARY),
    ("Meeting notes: lunch moved to Friday. Please bring salads.", svc.MSG_NOT_A_CABLE),
    ("TAGS: PREL\n" + "a" * MAX_INPUT_BYTES, "bytes; the limit for one cable is 1,000,000 bytes"),
])
def test_bad_input_gets_a_clear_message(client, text, message):
    with pytest.raises(AppError) as e:
        client.predict(text, api_name="/summarize")
    assert message in str(e.value)
    assert "Traceback" not in str(e.value)


def test_server_keeps_running_after_errors(client):
    for _ in range(2):
        with pytest.raises(AppError):
            client.predict("", api_name="/summarize")
    assert client.predict(svc.seed_text(), api_name="/summarize")["summary"]


def test_twenty_concurrent_requests_identical_answers(client):
    jobs = [client.submit(svc.seed_text(), api_name="/summarize") for _ in range(20)]
    answers = [job.result(timeout=120) for job in jobs]
    assert len(answers) == 20
    first = _strip_timing(answers[0])
    assert first["summary"]
    assert all(_strip_timing(a) == first for a in answers)


def test_batch_endpoint_returns_files(client, tmp_path):
    corpus = tmp_path / "upload.jsonl.gz"
    rows = [{"id": "06TOKYO3797", "raw": svc.seed_text()}, {"id": "BAD", "raw": ""}]
    corpus.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    summary, table, files = client.predict(handle_file(str(corpus)), 10, api_name="/batch")
    assert "1 of 2 record(s) summarized" in summary
    names = sorted(Path(f).name for f in files)
    assert names == ["upload-summaries.csv", "upload-summaries.jsonl"]
    jsonl = next(Path(f) for f in files if f.endswith(".jsonl"))
    lines = [json.loads(x) for x in jsonl.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["id"] == "06TOKYO3797" and lines[0]["scores"]
    assert lines[1]["error"] and lines[-1]["averages"]["records"] == 2
    assert table["data"][0][1] == "06TOKYO3797"


@pytest.mark.parametrize("path", ["/etc/passwd", str(REPO / "pyproject.toml"),
                                  str(REPO / "summarizer" / "data" / "examples" / "06TOKYO3797.txt")])
def test_no_filesystem_paths_exposed(url, path):
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"{url.rstrip('/')}/gradio_api/file={path}", timeout=10)
    assert e.value.code in (403, 404)


def test_serve_defaults_and_bad_model_dir(tmp_path, capsys):
    from summarizer.commands import serve

    parser = argparse.ArgumentParser()
    serve.register(parser.add_subparsers())
    args = parser.parse_args(["serve"])
    assert (args.host, args.port, args.model) == ("127.0.0.1", 7860, None)

    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    for model in (str(tmp_path / "missing"), str(broken)):
        args = parser.parse_args(["serve", "--model", model, "--port", str(free_port())])
        assert serve.run(args) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err[0].startswith("summarizer serve: loading")
        assert len(err) == 2 and err[1].startswith("summarizer serve: ") and "Traceback" not in err[1]


def test_serve_port_in_use_fails_fast(capsys):
    import socket

    from summarizer.commands import serve

    parser = argparse.ArgumentParser()
    serve.register(parser.add_subparsers())
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert serve.run(parser.parse_args(["serve", "--port", str(port)])) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"summarizer serve: cannot listen on 127.0.0.1:{port}: Address already in use"]
    assert serve.run(parser.parse_args(["serve", "--port", "70000"])) == 2


def test_page_text_is_escaped_and_tags_are_named():
    from app_helpers import tiny_service

    from summarizer.app import page

    assert page._md("<script>alert(1)</script> *bold* | pipe") == \
        "&lt;script&gt;alert(1)&lt;/script&gt; \\*bold\\* \\| pipe"
    a = tiny_service().analyze(svc.seed_text())
    header = page.header_markdown(a)
    assert "`PREL` External political relations" in header and "06TOKYO6356" in header  # references are canonical ids
    shown = [text for text, _ in page.support_highlight(a) if text.startswith("¶")]
    assert [t.split(".")[0] for t in shown] == ["¶2", "¶3", "¶4", "¶5", "¶6", "¶7"]  # own summary ¶1 left out
