"""Shared by the app tests (tests/test_app*.py, tests/test_browser*.py, tests/test_stream*.py): a tiny random
model directory, a tiny causal writer's directory and a page served on it, one running app per test process,
and a REST API call as any HTTP client makes it. Holds no tests itself.

The tiny model is built with the training code's own functions (`build_tokenizer`, `build_model`,
`default_settings`) at a toy size, with short beam-free decoding, so a prediction takes well under a
second on CPU. It writes gibberish, which is all these tests need: they check the app, not the model.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import logging
import shutil
import socket
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

_LOCK = threading.Lock()
_STATE: dict = {}


def build_tiny_model(out: Path) -> Path:
    """A toy model trained for one step by the training code (`train_on`), then set to short greedy decoding."""

    from summarizer.app.service import example_files
    from summarizer.model.settings import SETTINGS_FILE
    from summarizer.parsing import parse
    from summarizer.training.config import TrainConfig
    from summarizer.training.loop import train_on

    cables = [parse(text) for _, text in example_files()]
    cfg = TrainConfig(out=str(out), init="random", tokenizer="corpus", vocab_size=600, d_model=32, n_heads=2,
                      d_ff=64, encoder_layers=1, decoder_layers=1, max_positions=512, batch_size=2, max_steps=1,
                      warmup_steps=0, eval_every=1000, log_every=1000, dev_rouge=0, save_dtype="float32",
                      inference_src_len=512, device="cpu")
    train_on(cfg, cables, [], log=lambda *a, **k: None)
    path = out / SETTINGS_FILE
    settings = json.loads(path.read_text(encoding="utf-8"))
    for task in settings["tasks"].values():
        task.setdefault("generation", {}).update(num_beams=1, max_new_tokens=12, min_new_tokens=4,
                                                 early_stopping=False)
    settings["chunk_min_new_tokens"] = 6
    path.write_text(json.dumps(settings, indent=2), encoding="utf-8")
    return out


def tiny_model_dir() -> Path:
    with _LOCK:
        if "model_dir" not in _STATE:
            tmp = Path(tempfile.mkdtemp(prefix="app-tiny-model-"))
            atexit.register(shutil.rmtree, tmp, True)
            _STATE["model_dir"] = build_tiny_model(tmp / "tiny")
        return _STATE["model_dir"]


def tiny_writer_dir() -> Path:
    """A model directory whose summaries come from the causal writer (docs/writer.md) on a tiny random LM
    (`causal_helpers.build_tiny_causal`): it streams one sentence at a time, as the real writer does."""
    with _LOCK:
        if "writer_dir" not in _STATE:
            from causal_helpers import build_tiny_causal, writer_dir

            tmp = Path(tempfile.mkdtemp(prefix="app-tiny-writer-"))
            atexit.register(shutil.rmtree, tmp, True)
            _STATE["writer_dir"] = writer_dir(tmp / "writer-dir", build_tiny_causal(tmp / "lm"), max_new_tokens=48)
        return _STATE["writer_dir"]


@contextlib.contextmanager
def served_writer_page():
    """The page on `tiny_writer_dir`'s model in a `ModelProcess`, as `summarizer serve` runs it: (url, model)."""
    from summarizer.app.page import build_page, launch
    from summarizer.app.service import SummaryService
    from summarizer.model.process import ModelProcess

    model = ModelProcess(str(tiny_writer_dir())).wait()
    try:
        demo = build_page(SummaryService(model))
        launch(demo, host="127.0.0.1", port=free_port(), prevent_thread_lock=True, quiet=True)
        try:
            yield demo.local_url.rstrip("/"), model
        finally:
            demo.close()
    finally:
        model.close()


def tiny_service():
    from summarizer.app.service import SummaryService
    from summarizer.model import load_model

    with _LOCK:
        if "service" not in _STATE:
            _STATE["service"] = None
    if _STATE["service"] is None:
        svc = SummaryService(load_model(str(tiny_model_dir()), device="cpu"))
        svc.warm_up()
        _STATE["service"] = svc
    return _STATE["service"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def running_app() -> str:
    """The URL of one app on the tiny model, started once per process and closed at exit."""
    with _LOCK:
        if "url" in _STATE:
            return _STATE["url"]
    from summarizer.app.page import build_page, launch

    demo = build_page(tiny_service())
    launch(demo, host="127.0.0.1", port=free_port(), prevent_thread_lock=True, quiet=True)
    atexit.register(demo.close)
    with _LOCK:
        _STATE["url"] = demo.local_url
        _STATE["demo"] = demo
    return demo.local_url


def api_call(url: str, api: str, data: list, timeout: float = 60) -> tuple[str, object]:
    """The REST API as any HTTP client calls it: POST the data, read the event stream. ('complete', data)
    or ('error', message), or ('http', (status, body)) when the POST itself is refused."""
    with httpx.Client(timeout=timeout) as c:
        r = c.post(f"{url}/gradio_api/call/{api}", json={"data": data})
        if r.status_code != 200:
            return "http", (r.status_code, r.text)
        event = None
        with c.stream("GET", f"{url}/gradio_api/call/{api}/{r.json()['event_id']}") as s:
            for line in s.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    return event, json.loads(line.split(":", 1)[1])
    raise AssertionError("the event stream ended without an answer")


def reading_server_log(capfd, names: tuple[str, ...]):
    """For a fixture to yield from: a function returning what the server wrote while the test ran (the
    records of the loggers `names`, each once, and anything printed to stderr)."""
    records: dict[int, logging.LogRecord] = {}  # a record can reach the handler through two loggers
    handler = logging.Handler()
    handler.emit = lambda record: records.__setitem__(id(record), record)
    for name in names:
        logging.getLogger(name).addHandler(handler)
    capfd.readouterr()

    def read() -> str:
        time.sleep(0.5)  # a queue worker logs after the answer is sent
        fmt = logging.Formatter("%(levelname)s %(name)s %(message)s")
        return "".join(fmt.format(r) + "\n" for r in records.values()) + capfd.readouterr().err

    yield read
    for name in names:
        logging.getLogger(name).removeHandler(handler)


def page_event(client: httpx.Client, url: str, fn_name: str, data: list):
    """Run one of the page's private events the way its JavaScript does (queue/join by fn_index, then the
    session's event stream; `client` must have opened the page, for its cookie) and yield each message of
    the stream as it arrives. Closing the generator closes the connection: the client has left."""
    deps = client.get(f"{url}/config").json()["dependencies"]
    [fn_index] = [d["id"] for d in deps if d.get("api_name") == fn_name]
    session = uuid.uuid4().hex[:11]
    r = client.post(f"{url}/gradio_api/queue/join", json={"data": data, "fn_index": fn_index, "session_hash": session,
                                                          "event_data": None, "trigger_id": None})
    assert r.status_code == 200, r.text[:300]
    with client.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}) as s:
        for line in s.iter_lines():
            if line.startswith("data:"):
                msg = json.loads(line[5:])
                yield msg
                if msg.get("msg") == "process_completed":
                    return
