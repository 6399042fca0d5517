"""Issue 15 on the running page: hostile input and hostile clients.

Request bodies are capped on every route but Gradio's multipart upload (item 2); uploads are capped
per request and per client, limited to the page's file types and deleted once read (item 5); the size
limit agrees with `summarizer parse` at exactly 1,000,000 bytes (item 7); client mistakes log one line
and get a message, and the page's private events are refused to clients that are not the page (item 9).

Uses the shared tiny-model app (`app_helpers.running_app`); the per-client budget gets its own app with
a small budget.
"""
from __future__ import annotations

import gzip
import json
import socket
import time
import urllib.parse
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from app_helpers import api_call, free_port, reading_server_log, running_app, tiny_service
from gradio.utils import get_upload_folder

from summarizer import limits
from summarizer.app import page
from summarizer.app import service as svc
from summarizer.inputs import MAX_INPUT_BYTES, InputError, read_text

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")

UPLOAD = "/gradio_api/upload"


@pytest.fixture(scope="module")
def url():
    return running_app().rstrip("/")


def over_the_body_cap() -> bytes:
    return json.dumps({"data": ["x" * (limits.MAX_REQUEST_BYTES + 1000)]}).encode()


def multipart(files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends it to the upload route."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
             f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n" for name, data in files]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def chunks(data: bytes, size: int = 1 << 20):
    """The body as a generator: httpx sends it chunked, without a Content-Length."""
    for i in range(0, len(data), size):
        yield data[i:i + size]


def stored(name: str) -> list[Path]:
    """Files of that name in Gradio's upload folder (a unique name per test finds its own files)."""
    return list(Path(get_upload_folder()).rglob(name))


def upload(url: str, name: str, data: bytes, client: httpx.Client | None = None) -> httpx.Response:
    c = client or httpx
    return c.post(f"{url}{UPLOAD}", files={"files": (name, data, "application/octet-stream")}, timeout=60)


def file_data(path: str, name: str) -> dict:
    return {"path": path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def private_fn(url: str, fn_name: str) -> int:
    """The id of one of the page's private events, as any client reads it from /config."""
    deps = httpx.get(f"{url}/config", timeout=10).json()["dependencies"]
    [dep] = [d for d in deps if d.get("api_name") == fn_name]
    assert dep["api_visibility"] == "private"
    return dep["id"]


def join(client: httpx.Client, url: str, fn_index: int, data: list) -> tuple[int, object]:
    """An event run the way the page's JavaScript runs it: queue/join by fn_index, then the session's
    event stream. (status, output data) or (status, refusal) when the join itself is refused."""
    session = uuid.uuid4().hex[:11]
    r = client.post(f"{url}/gradio_api/queue/join", json={"data": data, "fn_index": fn_index, "session_hash": session,
                                                            "event_data": None, "trigger_id": None})
    if r.status_code != 200:
        return r.status_code, r.json()
    with client.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}) as s:
        for line in s.iter_lines():
            if line.startswith("data:"):
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    return 200, msg["output"]
    raise AssertionError("the event stream ended without an answer")


@contextmanager
def page_client(url: str):
    """A client that opened the page first, as a browser does (and so holds the page's cookie)."""
    with httpx.Client(timeout=60) as c:
        assert c.get(f"{url}/").status_code == 200
        yield c


@pytest.fixture()
def server_log(capfd):
    """What the server wrote while the test ran: its log records and anything printed to stderr."""
    yield from reading_server_log(capfd, ("", "uvicorn", "uvicorn.error"))


# ----------------------------------------------------------------------------- 2: the request-body cap
@pytest.mark.parametrize("path", ["/gradio_api/call/upload", "/gradio_api/run/upload", "/gradio_api/call/v2/upload",
                                  "/gradio_api/api/upload"])
def test_paths_ending_in_upload_get_the_body_cap(url, path):
    r = httpx.post(url + path, content=over_the_body_cap(), headers={"content-type": "application/json"},
                   timeout=60)
    assert r.status_code == 413, (path, r.status_code, r.text[:200])
    assert r.json()["detail"].startswith("Request body is ")


def test_upload_route_caps_a_body_that_is_not_multipart(url):
    r = httpx.post(url + UPLOAD, content=over_the_body_cap(), headers={"content-type": "application/json"},
                   timeout=60)
    assert r.status_code == 413, (r.status_code, r.text[:200])
    assert "8,000,000" in r.json()["detail"]


def test_chunked_body_over_the_cap_is_cut_off_with_413(url):
    r = httpx.post(f"{url}/gradio_api/call/summarize", content=chunks(over_the_body_cap()),
                   headers={"content-type": "application/json"}, timeout=60)
    assert r.status_code == 413, (r.status_code, r.text[:200])
    assert r.json()["detail"].startswith("Request body is over 8,000,000 bytes")
    assert api_call(url, "parse", [svc.seed_text()])[0] == "complete"  # and the server still answers


# --------------------------------------------------------------------------------------- 5: uploads
@pytest.mark.parametrize("send", ["content-length", "chunked"])
def test_upload_total_per_request_is_capped(url, send):
    """Gradio caps each file at 50 MB; two 26 MB files make one request over the 50 MB total."""
    names = [f"part{i}-{uuid.uuid4().hex}.jsonl" for i in range(2)]
    body, content_type = multipart([(n, b"{}\n" * (26 * 1024 * 1024 // 3)) for n in names])
    assert len(body) > 50 * 1024 * 1024
    r = httpx.post(url + UPLOAD, content=body if send == "content-length" else chunks(body),
                   headers={"content-type": content_type}, timeout=120)
    assert r.status_code == 413, (r.status_code, r.text[:200])
    assert "50 MB" in r.text and "\n" not in r.text
    for n in names:
        assert not stored(n), f"{n} was kept after the request was refused"


def test_upload_cut_short_by_the_client_leaves_no_file(url):
    """A client that hangs up mid-upload: Gradio alone keeps the part it had written, as a temp file."""
    before = {p.name for p in Path(get_upload_folder()).iterdir()}
    body, content_type = multipart([(f"gone-{uuid.uuid4().hex}.jsonl", b"{}\n" * 3_000_000)])
    host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(f"POST {UPLOAD} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
                  f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:len(body) // 2])
        time.sleep(1)
    time.sleep(1)
    assert {p.name for p in Path(get_upload_folder()).iterdir()} - before == set()


@pytest.mark.parametrize("name", ["evil.exe", "page.html", "cable.pdf", "corpus.gz", "cable.txt.sh", "noext"])
def test_upload_refuses_other_file_types(url, name):
    name = f"{uuid.uuid4().hex}-{name}"
    r = upload(url, name, b"TAGS: PREL\n")
    assert r.status_code == 415, (r.status_code, r.text[:200])
    assert ".txt" in r.text and ".jsonl.gz" in r.text and "\n" not in r.text
    assert not stored(name)


@pytest.mark.parametrize("name", ["cable.txt", "CABLE.TXT", "corpus.jsonl", "corpus.jsonl.gz"])
def test_upload_takes_the_page_file_types(url, name):
    r = upload(url, f"{uuid.uuid4().hex}-{name}", b"TAGS: PREL\n")
    assert r.status_code == 200, (r.status_code, r.text[:200])


@pytest.fixture()
def small_budget_app(monkeypatch):
    monkeypatch.setattr(limits, "UPLOAD_BUDGET_BYTES", 3 * 1024 * 1024)
    demo = page.build_page(tiny_service())
    page.launch(demo, host="127.0.0.1", port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        yield demo.local_url.rstrip("/")
    finally:
        demo.close()


def test_upload_budget_per_client(small_budget_app):
    url = small_budget_app
    for i in range(2):
        assert upload(url, f"ok{i}-{uuid.uuid4().hex}.txt", b"a" * 1_200_000).status_code == 200
    name = f"over-{uuid.uuid4().hex}.txt"
    r = upload(url, name, b"a" * 1_200_000)
    assert r.status_code == 429, (r.status_code, r.text[:200])
    assert "upload budget" in r.text and "\n" not in r.text
    assert not stored(name)
    assert httpx.post(f"{url}/gradio_api/call/parse", json={"data": [svc.seed_text()]}).status_code == 200


def test_corpus_upload_is_deleted_once_the_batch_read_it(url):
    name = f"corpus-{uuid.uuid4().hex}.jsonl.gz"
    rows = [{"id": "06TOKYO3797", "raw": svc.seed_text()}]
    r = upload(url, name, gzip.compress("".join(json.dumps(x) + "\n" for x in rows).encode()))
    [path] = r.json()
    kind, data = api_call(url, "batch", [file_data(path, name), 5])
    assert kind == "complete" and "1 of 1 record(s) summarized" in data[0]
    assert not Path(path).exists()
    assert httpx.get(f"{url}/gradio_api/file={path}", timeout=10).status_code in (403, 404)
    kind, data = api_call(url, "batch", [file_data(path, name), 5])  # the same path again: a clear message
    assert kind == "error" and "upload it again" in data["error"]


def test_cable_upload_is_deleted_once_the_page_read_it(url):
    name = f"cable-{uuid.uuid4().hex}.txt"
    with page_client(url) as c:
        [path] = upload(url, name, svc.seed_text().encode(), client=c).json()
        status, out = join(c, url, private_fn(url, "load_file"), [file_data(path, name)])
    assert status == 200 and out["data"][0].startswith("Identifier")
    assert not Path(path).exists()


# ----------------------------------------------------------------------- 7: the limit at 1,000,000 bytes
def cable_of(n_bytes: int) -> str:
    head = "SUBJECT: X\n1. (C) "
    return head + "a" * (n_bytes - len(head))


def test_exact_limit_on_the_api(url):
    kind, data = api_call(url, "parse", [cable_of(MAX_INPUT_BYTES)], timeout=120)
    assert kind == "complete", data
    kind, data = api_call(url, "parse", [cable_of(MAX_INPUT_BYTES + 1)], timeout=120)
    assert kind == "error" and "is 1,000,001 bytes; the limit for one cable is 1,000,000" in data["error"]


@pytest.mark.parametrize("data", [cable_of(MAX_INPUT_BYTES).encode(),
                                  b"SUBJECT: X\n1. (C) " + b"\xe9" * (MAX_INPUT_BYTES - 18)],  # Latin-1
                         ids=["utf-8", "latin-1"])
def test_exact_limit_on_upload_agrees_with_the_cli(tmp_path, data):
    assert len(data) == MAX_INPUT_BYTES
    path = tmp_path / "cable.txt"
    path.write_bytes(data)
    assert read_text(str(path))  # what `summarizer parse` reads
    assert svc.read_upload(str(path)) == read_text(str(path))
    path.write_bytes(data + b"a")
    with pytest.raises(InputError, match="1,000,001"):
        read_text(str(path))
    with pytest.raises(InputError, match="is 1,000,001 bytes; the limit for one cable is 1,000,000"):
        svc.read_upload(str(path))


def test_exact_limit_on_the_page_upload(url):
    fn = private_fn(url, "load_file")
    with page_client(url) as c:
        for n, ok in [(MAX_INPUT_BYTES, True), (MAX_INPUT_BYTES + 1, False)]:
            name = f"edge-{uuid.uuid4().hex}.txt"
            [path] = upload(url, name, cable_of(n).encode(), client=c).json()
            status, out = join(c, url, fn, [file_data(path, name)])
            assert status == 200
            if ok:
                assert out["data"][0] == cable_of(n)
            else:
                assert "is 1,000,001 bytes" in out["error"]


# -------------------------------------------------------------------------------- 9: client mistakes
MISTAKES = [
    ("POST", "/gradio_api/call/summarize", {"data": []}),
    ("POST", "/gradio_api/run/summarize", {"data": []}),
    ("POST", "/gradio_api/call/nothere", {"data": ["a"]}),
    ("POST", "/gradio_api/call/v2/nothere", {"text": "a"}),
    ("POST", "/gradio_api/call/v2/summarize", {"nope": "a"}),
    ("POST", "/gradio_api/run/nothere", {"data": ["a"]}),
    ("POST", "/gradio_api/queue/join", {"data": [], "fn_index": 999, "session_hash": "abc"}),
    ("POST", "/gradio_api/call/batch", {"data": [file_data("/etc/passwd", "passwd"), 5]}),
    ("POST", "/gradio_api/call/batch", {"data": ["/etc/passwd", 5]}),
    ("POST", "/gradio_api/call/upload", {"data": ["a"]}),
]


def answer(url: str, method: str, path: str, body: dict) -> tuple[int, str | None]:
    """(status, the client's message) for one request; a queued event is followed to its answer."""
    with httpx.Client(timeout=60) as c:
        r = c.request(method, url + path, json=body)
        if r.status_code == 200 and path.startswith("/gradio_api/call/"):
            stream = c.get(f"{url}{path}/{r.json()['event_id']}").text
            data = json.loads(stream.split("data:", 1)[1])
            return 200, data.get("error") if isinstance(data, dict) else None
        try:
            payload = r.json()
        except ValueError:
            return r.status_code, None
        return r.status_code, payload.get("detail") or payload.get("error") if isinstance(payload, dict) else None


@pytest.mark.parametrize("method, path, body", MISTAKES, ids=[f"{p} {json.dumps(b)[:40]}" for _, p, b in MISTAKES])
def test_client_mistakes_log_one_line_and_get_a_message(url, server_log, method, path, body):
    status, message = answer(url, method, path, body)
    assert status < 500 or path.startswith("/gradio_api/run/"), (status, message)  # /run answers errors as 500
    assert isinstance(message, str) and message.strip() and "\n" not in message, message
    assert "Traceback" not in message
    log = server_log()
    assert "Traceback" not in log, log[-2000:]
    assert len(log.splitlines()) <= 1, log[-2000:]


def test_refused_path_says_why(url):
    kind, data = api_call(url, "batch", [file_data("/etc/passwd", "passwd"), 5])
    assert kind == "error" and "/etc/passwd" in data["error"] and "not uploaded" in data["error"]


def test_unknown_endpoint_names_the_real_ones(url):
    r = httpx.post(f"{url}/gradio_api/call/nothere", json={"data": ["a"]}, timeout=10)
    assert r.status_code == 404
    assert "/summarize" in r.json()["detail"] and "/batch" in r.json()["detail"]


# ------------------------------------------------------------------------------- 9c: private events
def test_private_events_are_refused_to_outside_clients(url, tmp_path):
    fn = private_fn(url, "load_file")
    name = f"secret-{uuid.uuid4().hex}.txt"
    [path] = upload(url, name, svc.seed_text().encode()).json()
    with httpx.Client(timeout=30) as c:
        status, out = join(c, url, fn, [file_data(path, name)])
        assert status == 403, (status, out)
        assert "/summarize" in out["detail"]
        for route in ("/gradio_api/call/load_file", "/gradio_api/run/load_file", "/gradio_api/call/v2/load_file"):
            r = c.post(url + route, json={"data": [file_data(path, name)]})
            assert r.status_code == 403, (route, r.status_code, r.text[:200])
        r = c.post(f"{url}/gradio_api/run/summarize", json={"data": [file_data(path, name)], "fn_index": fn})
        assert r.status_code == 403, (r.status_code, r.text[:200])
        r = c.post(f"{url}/gradio_api/queue/join", json={"data": [svc.seed_text()], "fn_index": fn,
                                                          "session_hash": "x"}, headers={"cookie": "cable_page=forged.0"})
        assert r.status_code == 403
    assert Path(path).exists()  # nothing read it


def test_the_page_still_runs_its_private_events(url):
    with page_client(url) as c:
        cookie = next(h for h in c.get(f"{url}/").headers.get_list("set-cookie") if h.startswith("cable_page="))
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        status, out = join(c, url, private_fn(url, "run_single"), [svc.seed_text()])
        assert status == 200 and "06TOKYO3797" in out["data"][0]
    # the public API needs no cookie
    assert api_call(url, "parse", [svc.seed_text()])[0] == "complete"
