"""A model loaded and run in a child process, for `summarizer serve`.

Loading a model is mostly importing torch and transformers (~5 s of one core on the project's 2-core
machine) and the page is mostly importing Gradio (~4 s): in one process they queue behind each other,
since Python imports one thing at a time. Started first, `ModelProcess` loads the model on the other core
while the page is imported and built, and then answers `predict` and `count_chunks` for the page over a
pipe, so the page's process never imports torch.

`stream(cable)` gives a cable's predictions as the child makes them (a causal writer's summary so far,
sentence by sentence; `CableSummarizer.stream`). A consumer that stops early (the page's client left)
closes the generator: the parent sets the child's stop event, which the child reads between sentences,
and a thread reads what the child still sends up to its end-of-request message, so the pipe stays in
step and the next request waits only for that sentence.

A child that dies once it has loaded (killed, out of memory) is replaced: a thread watching it starts a
new one at once. A request that was waiting on the dead child, and any request while the new one loads,
gets a one-line `ModelError` saying so; the page answers again as soon as the new child is ready. At most
`max_restarts` children are started in `restart_window_s` seconds: a model that keeps dying is left down,
and the message says the server must be restarted.
"""
from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from collections import deque

from summarizer.model.errors import ModelError

log = logging.getLogger("summarizer.model")
MAX_RESTARTS = 3  # new children started after a death ...
RESTART_WINDOW_S = 600.0  # ... within this many seconds; one more death leaves the model down


class _Child:
    """One child process and its end of the pipe."""

    def __init__(self, ctx, path: str | None, writer: str | None):
        self.conn, child_end = ctx.Pipe()
        self.stop_stream = ctx.Event()  # set by the parent: the stream in progress is to stop after its sentence
        self.process = ctx.Process(target=_serve, args=(child_end, path, writer, self.stop_stream), daemon=True,
                                   name="summarizer-model")
        self.process.start()
        child_end.close()
        self.ready = False
        self.watched = False  # a watcher thread joins the process (two threads joining one race for its code)
        self.exited = threading.Event()

    def exitcode(self) -> int | None:
        if self.watched:
            self.exited.wait(timeout=5)
        else:
            self.process.join(timeout=5)
        return self.process.exitcode

    def stop(self) -> None:
        self.conn.close()
        if self.exitcode() is None:
            self.process.kill()
            self.process.join(timeout=5)


class ModelProcess:
    """Stands in for a loaded `CableSummarizer` (`predict`, `stream`, `count_chunks`, `name`, `device`,
    `notes`, `writer_name`) once `wait()` has returned."""

    def __init__(self, path: str | None = None, *, writer: str | None = None, max_restarts: int = MAX_RESTARTS,
                 restart_window_s: float = RESTART_WINDOW_S):
        self._ctx = multiprocessing.get_context("spawn")  # fork would copy a process that may already hold threads
        self._path, self._writer = path, writer
        self._lock = threading.Lock()  # one request on the pipe at a time
        self._state = threading.Lock()  # guards the fields below
        self._closed = False
        self._down: str | None = None  # why no child answers (loading again, or left down), or None
        self._restarts: deque[float] = deque()
        self.max_restarts, self.restart_window_s = max_restarts, restart_window_s
        self._child = _Child(self._ctx, path, writer)
        self.name = self.device = None
        self.writer_name = ""
        self.notes: list[str] = []

    def wait(self) -> "ModelProcess":
        """Block until the model has loaded; `ModelError` with the child's one-line reason if it could not."""
        child = self._child
        status, detail = self._receive(child)
        if status != "ready":
            self.close()
            raise ModelError(detail)
        self.name, self.device, self.notes = detail["name"], detail["device"], detail["notes"]
        self.writer_name = detail["writer"]
        self._ready(child)
        return self

    def predict(self, cables, batch_size: int = 8):
        return self._ask("predict", cables, batch_size)

    def count_chunks(self, cable) -> int | None:
        return self._ask("count_chunks", cable)

    def stream(self, cable):
        """`CableSummarizer.stream` in the child: its predictions, each as soon as the child has it (the last
        has `done`). Closing the generator early stops the child after the sentence it is writing."""
        self._lock.acquire()
        try:
            child = self._current()
            self._send(child, ("stream", (cable,)))
            while True:
                status, value = self._reply(child)
                if status != "part":
                    break
                yield value
        except GeneratorExit:  # the consumer left: the lock is released once the child's end has been read
            threading.Thread(target=self._stop_stream, args=(child,), daemon=True,
                             name="summarizer-model-stop").start()
            raise
        except BaseException:
            self._lock.release()
            raise
        self._lock.release()
        if status == "raised":
            raise value
        yield value

    def close(self) -> None:
        with self._state:
            self._closed = True
            child = self._child
        child.stop()

    @property
    def pid(self) -> int | None:
        """The process id of the current child (the one answering, or the one loading)."""
        return self._child.process.pid

    @property
    def restarts(self) -> int:
        """How many new children have been started in the last `restart_window_s` seconds."""
        with self._state:
            return len(self._restarts)

    # ---------------------------------------------------------------- requests
    def _ask(self, method: str, *args):
        with self._lock:
            child = self._current()
            self._send(child, (method, args))
            status, value = self._reply(child)
        if status == "raised":
            raise value
        return value

    # The four below are called holding `_lock`: one request on the pipe at a time.
    def _current(self) -> _Child:
        """The child that answers requests; `ModelError` while there is none."""
        with self._state:
            child, down = self._child, self._down
        if down:
            raise ModelError(down)
        return child

    def _send(self, child: _Child, request) -> None:
        try:
            child.conn.send(request)
        except (EOFError, OSError):
            self._lost(child)

    def _reply(self, child: _Child):
        try:
            return child.conn.recv()
        except (EOFError, OSError):
            self._lost(child)

    def _lost(self, child: _Child):
        """The child died before or while answering: the one line for the request."""
        message = self._died(child, during_request=True)
        child.conn.close()  # only requests use a child's pipe once it is ready, one at a time
        raise ModelError(message) from None

    def _stop_stream(self, child: _Child) -> None:
        """A stream's consumer left: tell the child to stop, read (and drop) what it still sends up to its
        end of the request, then let the next request have the pipe."""
        try:
            child.stop_stream.set()
            status, value = "part", None
            while status == "part":
                status, value = self._reply(child)
            written = getattr(value, "written", 0) if status in ("stopped", "ok") else 0
            log.info("a stream's client left: the model process %s after writing %d sentence(s)",
                     "stopped" if status == "stopped" else "had finished", written)
        except ModelError as e:
            log.warning("a stream's client left and then %s", e)
        finally:
            child.stop_stream.clear()
            self._lock.release()

    def _receive(self, child: _Child):
        try:
            return child.conn.recv()
        except (EOFError, OSError):
            raise ModelError(f"the model process stopped (exit code {child.exitcode()})") from None

    # ---------------------------------------------------------------- a child that dies
    def _ready(self, child: _Child) -> None:
        """`child` has loaded: it answers from now on, and a thread replaces it if it dies."""
        with self._state:
            if self._closed or child is not self._child:
                return
            child.ready = child.watched = True
            self._down = None
        threading.Thread(target=self._watch, args=(child,), daemon=True, name="summarizer-model-watch").start()

    def _watch(self, child: _Child) -> None:
        child.process.join()
        child.exited.set()
        self._died(child)

    def _died(self, child: _Child, during_request: bool = False) -> str:
        """Note that `child` stopped (once, whoever notices first) and start a new one if the bound allows;
        returns the one line for the request that noticed it."""
        code = child.exitcode()
        stopped = f"the model process stopped (exit code {code})"
        with self._state:
            if self._closed:
                return f"{stopped}: the server is shutting down"
            if child is self._child and child.ready:
                child.ready = False
                now = time.monotonic()
                while self._restarts and now - self._restarts[0] > self.restart_window_s:
                    self._restarts.popleft()
                if len(self._restarts) >= self.max_restarts:
                    self._down = (f"{stopped}; it stopped {len(self._restarts) + 1} times in "
                                  f"{self.restart_window_s / 60:g} minutes, so it is not started again: "
                                  "the server must be restarted")
                else:
                    self._restarts.append(now)
                    self._down = (f"{stopped}; a new one is loading the model: try again in a few seconds")
                    self._child = _Child(self._ctx, self._path, self._writer)
                    threading.Thread(target=self._reload, args=(self._child,), daemon=True,
                                     name="summarizer-model-reload").start()
            down = self._down
        if during_request and down and "loading" in down:
            return f"{stopped} while answering this request; a new one is loading the model: try again in a few seconds"
        return down or stopped

    def _reload(self, child: _Child) -> None:
        try:
            status, detail = child.conn.recv()
        except (EOFError, OSError):
            status, detail = "failed", f"the model process stopped while loading (exit code {child.exitcode()})"
        if status == "ready":
            self._ready(child)
            return
        with self._state:
            if child is self._child and not self._closed:
                self._down = f"the model could not be loaded again ({detail}): the server must be restarted"
        child.stop()


def _serve(conn, path: str | None, writer: str | None, stop_stream) -> None:
    """The child: load, say "ready" (or why not), then answer requests until the parent closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it closes the pipe
    from summarizer.limits import count_chunks
    from summarizer.model import load_model
    from summarizer.pipeline import model_failed

    try:
        model = load_model(path, writer=writer)
    except Exception as e:  # noqa: BLE001 - whatever stops the load is the one line the parent prints
        conn.send(("failed", str(e) if isinstance(e, ModelError) else model_failed(e)))
        return
    conn.send(("ready", {"name": model.name, "device": str(model.device), "notes": list(model.notes),
                         "writer": model.writer_name}))
    answer = {"predict": model.predict, "count_chunks": lambda cable: count_chunks(model, cable),
              "stream": lambda cable: _stream(model, cable, conn, stop_stream)}
    while True:
        try:
            method, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", answer[method](*args))
        except _Stopped as e:
            reply = ("stopped", e.args[0])
        except Exception as e:  # noqa: BLE001 - raised again in the parent, as the in-process model would
            reply = ("raised", e)
        _send_reply(conn, reply)


class _Stopped(Exception):
    """The parent asked the stream in progress to stop; holds the last prediction sent."""


def _stream(model, cable, conn, stop_stream):
    """Send each of the cable's predictions but the last as a "part"; the last is the request's answer.
    Between sentences, a set `stop_stream` ends the stream (`_Stopped`)."""
    parts = model.stream(cable)
    try:
        for prediction in parts:
            if prediction.done:
                return prediction
            _send_reply(conn, ("part", prediction))
            if stop_stream.is_set():
                raise _Stopped(prediction)
    finally:
        parts.close()
    raise RuntimeError("the model's stream ended without its last prediction")


def _send_reply(conn, reply) -> None:
    try:
        conn.send(reply)
    except Exception as e:  # noqa: BLE001 - an exception that does not pickle still arrives as one line
        conn.send(("raised", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]} ({e})")))
