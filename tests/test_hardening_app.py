"""Issue 8 on the running page: safe defaults (loopback only, no file outside the page's own, capped
uploads and request bodies), limits over the API, and a bounded queue that says "busy".

Uses the shared tiny-model app (`app_helpers.running_app`) and, for the queue, a second app whose model
waits on a gate so that the queue can be filled on purpose.
"""
from __future__ import annotations

import json
import socket
import threading
import urllib.parse
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from app_helpers import api_call, free_port, running_app, tiny_model_dir

from summarizer import limits
from summarizer.app import page
from summarizer.app import service as svc

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import Client  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")


@pytest.fixture(scope="module")
def url():
    return running_app().rstrip("/")


# ---------------------------------------------------------------------------------------- safe defaults
def test_binds_loopback_only(url):
    host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port
    assert host == "127.0.0.1"
    import inspect

    assert inspect.signature(page.launch).parameters["host"].default == "127.0.0.1"
    # the machine's own non-loopback address (if it has one) does not reach the page
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 9))  # no packet is sent: this only picks the outgoing interface
            own = s.getsockname()[0]
        except OSError:
            own = None
    if own and not own.startswith("127."):
        with pytest.raises(OSError):
            socket.create_connection((own, port), timeout=2).close()


TRAVERSALS = [
    "/gradio_api/file=/etc/passwd",
    "/gradio_api/file=../../../../../../etc/passwd",
    "/gradio_api/file=..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/gradio_api/file=%2Fetc%2Fpasswd",
    "/gradio_api/file=/proc/self/environ",
    "/gradio_api/file=" + str(REPO / "pyproject.toml"),
    "/gradio_api/file=" + str(REPO / "summarizer" / "app" / "service.py"),
    "/gradio_api/file={model}/config.json",
    "/gradio_api/file={model}/model.safetensors",
    "/file=/etc/passwd",
    "/gradio_api/static/../../../../etc/passwd",
    "/gradio_api/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/assets/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/gradio_api/file=/tmp/../etc/passwd",
    "/gradio_api/proxy=file:///etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_file_outside_the_page_can_be_read(url, path):
    path = path.replace("{model}", str(tiny_model_dir()))
    r = httpx.get(url + path, timeout=10, follow_redirects=True)
    assert r.status_code in (400, 403, 404, 405), (path, r.status_code, r.text[:200])
    assert "root:" not in r.text and "cable-summarizer" not in r.text and "SummaryService" not in r.text


def test_upload_over_the_cap_is_refused(url):
    """Gradio's max_file_size (MAX_UPLOAD_BYTES, 50 MiB) is set: a bigger upload is refused while it streams."""
    assert limits.MAX_UPLOAD_BYTES == 50 * 1024 * 1024
    big = b"a" * (50 * 1024 * 1024 + 1024)
    r = httpx.post(f"{url}/gradio_api/upload", files={"files": ("big.jsonl", big, "application/octet-stream")},
                   timeout=60)
    assert r.status_code == 413, (r.status_code, r.text[:200])
    assert "50" in r.text or "size" in r.text.lower()
    small = httpx.post(f"{url}/gradio_api/upload", files={"files": ("ok.txt", b"TAGS: PREL\n", "text/plain")},
                       timeout=60)
    assert small.status_code == 200


def test_request_body_over_the_limit_is_refused_unread(url):
    body = json.dumps({"data": ["x" * (limits.MAX_REQUEST_BYTES + 10)]})
    r = httpx.post(f"{url}/gradio_api/call/summarize", content=body,
                   headers={"content-type": "application/json"}, timeout=60)
    assert r.status_code == 413
    detail = r.json()["detail"]
    assert detail.startswith(f"Request body is {len(body):,} bytes; the limit is 8,000,000") and "\n" not in detail
    # and the server still answers
    assert api_call(url, "summarize", [svc.seed_text()])[0] == "complete"


# --------------------------------------------------------------------------------------- API limits
@pytest.mark.parametrize("text, message", [
    ("TAGS: PREL\n" + "a" * limits.MAX_INPUT_BYTES, "the limit for one cable is 1,000,000 bytes"),
    ("TAGS: PREL\n" + "\u00e9" * (limits.MAX_INPUT_BYTES // 2), "the limit for one cable is 1,000,000 bytes"),
    ("SUBJECT: X\n" + "".join(f"{i % 99 + 1}. (C) Item {i}.\n" for i in range(limits.MAX_PARAGRAPHS + 1)),
     "1,001 paragraphs; the limit is 1,000"),
    ("\x00" * 10_000, svc.MSG_BINARY),
])
def test_api_limits_have_clear_messages(url, text, message):
    kind, data = api_call(url, "summarize", [text])
    assert kind == "error"
    assert message in json.dumps(data, ensure_ascii=False)
    assert "Traceback" not in json.dumps(data)


def test_gradio_client_sees_the_same_message(url):
    client = Client(url, verbose=False)
    with pytest.raises(AppError) as e:
        client.predict("SUBJECT: X\n" + "".join(f"{i % 99 + 1}. (C) Item {i}.\n" for i in range(1200)),
                       api_name="/summarize")
    assert "1,200 paragraphs; the limit is 1,000" in str(e.value)


# --------------------------------------------------------------------------------------------- queue
class GatedModel:
    """A stand-in model whose predictions wait until the test opens the gate."""

    name = "gated"
    device = "cpu"
    tasks = ["summarize"]
    selector = "selects"  # no chunk counting

    def __init__(self):
        self.gate = threading.Event()

    def predict(self, cables, batch_size=8):
        assert self.gate.wait(120)
        return [SimpleNamespace(summary="The minister met the ambassador.", tags=["PREL"], topics=["Politics"])
                for _ in cables]


@pytest.fixture()
def gated_app(monkeypatch):
    monkeypatch.setattr(page, "QUEUE_MAX_SIZE", 4)
    model = GatedModel()
    demo = page.build_page(svc.SummaryService(model))
    page.launch(demo, host="127.0.0.1", port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        yield demo.local_url.rstrip("/"), model
    finally:
        model.gate.set()
        demo.close()


def test_full_queue_says_busy_and_loses_nothing_it_accepted(gated_app):
    url, model = gated_app
    with httpx.Client(timeout=30) as c:
        accepted, refused = [], []
        for _ in range(page.MODEL_CONCURRENCY + 4 + 5):  # 2 running + 4 waiting fit; the rest do not
            r = c.post(f"{url}/gradio_api/call/summarize", json={"data": [svc.seed_text()]})
            (accepted if r.status_code == 200 else refused).append(r)
        assert refused, "the queue grew past its bound"
        for r in refused:
            assert r.status_code == 503
            assert r.json() == {"detail": page.busy_message()}
            assert r.json()["detail"].startswith("Server busy: the queue is full")
        assert 4 <= len(accepted) <= page.MODEL_CONCURRENCY + 4
        model.gate.set()
        for r in accepted:  # every accepted request is answered, correctly
            event_id = r.json()["event_id"]
            text = c.get(f"{url}/gradio_api/call/summarize/{event_id}", timeout=60).text
            assert "event: complete" in text, text[:300]
            assert "The minister met the ambassador." in text
    # after the burst the server takes work again
    kind, data = api_call(url, "summarize", [svc.seed_text()])
    assert kind == "complete" and data[0]["id"] == "06TOKYO3797"
