"""A model loaded and run in a child process, for `summarizer serve`.

Loading a model is mostly importing torch and transformers (~5 s of one core on the project's 2-core
machine) and the page is mostly importing Gradio (~4 s): in one process they queue behind each other,
since Python imports one thing at a time. Started first, `ModelProcess` loads the model on the other core
while the page is imported and built, and then answers `predict` and `count_chunks` for the page over a
pipe, so the page's process never imports torch.
"""
from __future__ import annotations

import multiprocessing
import signal
import threading

from summarizer.model.errors import ModelError


class ModelProcess:
    """Stands in for a loaded `CableSummarizer` (`predict`, `count_chunks`, `name`, `device`, `notes`)
    once `wait()` has returned."""

    def __init__(self, path: str | None = None):
        ctx = multiprocessing.get_context("spawn")  # fork would copy a process that may already hold threads
        self._conn, child = ctx.Pipe()
        self._lock = threading.Lock()
        self._process = ctx.Process(target=_serve, args=(child, path), daemon=True, name="summarizer-model")
        self._process.start()
        child.close()
        self.name = self.device = None
        self.notes: list[str] = []

    def wait(self) -> "ModelProcess":
        """Block until the model has loaded; `ModelError` with the child's one-line reason if it could not."""
        status, detail = self._receive()
        if status != "ready":
            self.close()
            raise ModelError(detail)
        self.name, self.device, self.notes = detail["name"], detail["device"], detail["notes"]
        return self

    def predict(self, cables, batch_size: int = 8):
        return self._ask("predict", cables, batch_size)

    def count_chunks(self, cable) -> int | None:
        return self._ask("count_chunks", cable)

    def close(self) -> None:
        self._conn.close()
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()

    def _ask(self, method: str, *args):
        with self._lock:
            try:
                self._conn.send((method, args))
            except OSError:  # the child is gone (a broken pipe from the second request on)
                self._stopped()
            status, value = self._receive()
        if status == "raised":
            raise value
        return value

    def _receive(self):
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            self._stopped()

    def _stopped(self):
        self._process.join(timeout=5)
        raise ModelError(f"the model process stopped (exit code {self._process.exitcode})") from None


def _serve(conn, path: str | None) -> None:
    """The child: load, say "ready" (or why not), then answer requests until the parent closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it closes the pipe
    from summarizer.limits import count_chunks
    from summarizer.model import load_model
    from summarizer.pipeline import model_failed

    try:
        model = load_model(path)
    except Exception as e:  # noqa: BLE001 - whatever stops the load is the one line the parent prints
        conn.send(("failed", str(e) if isinstance(e, ModelError) else model_failed(e)))
        return
    conn.send(("ready", {"name": model.name, "device": str(model.device), "notes": list(model.notes)}))
    answer = {"predict": model.predict, "count_chunks": lambda cable: count_chunks(model, cable)}
    while True:
        try:
            method, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", answer[method](*args))
        except Exception as e:  # noqa: BLE001 - raised again in the parent, as the in-process model would
            reply = ("raised", e)
        try:
            conn.send(reply)
        except Exception as e:  # noqa: BLE001 - an exception that does not pickle still arrives as one line
            conn.send(("raised", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]} ({e})")))
