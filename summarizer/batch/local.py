"""The local engine: a pool of worker processes on this machine, each loading the model once.

The parent reads the inputs front to back and hands out chunks of `batch_size` records (at most
4 per worker in flight, so memory stays flat on any corpus); workers return the chunk's output rows; the
parent writes them through the ShardWriter, which renames each shard as soon as it is complete. Workers
are started with `spawn` (no fork of a process that may hold torch threads) and each uses
`cpus_per_worker` torch threads. A worker dies with the parent, even when the parent is SIGKILLed:
otherwise it (hundreds of MB, the model loaded) and the multiprocessing resource tracker, which waits for
every holder of its pipe to go, would live on under PID 1 through the rerun.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable

from summarizer.batch.shards import Plan, ShardWriter, iter_chunks
from summarizer.batch.work import EngineOptions, load, summarize_records
from summarizer.inputs import InputError

_MODEL = None
_AFTER_CHUNK = None
_LOAD_ERROR: str | None = None
IN_FLIGHT_PER_WORKER = 4
PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_POLL_SECONDS = 0.5
# A batch run whose environment names a process id here ends with that process (`exit_with_parent`): set by
# the page for its build of the default corpus (`summarizer.corpus.default`), read by `commands.batch.main`.
EXIT_WITH_ENV = "SUMMARIZER_EXIT_WITH"


class EngineError(RuntimeError):
    """The engine could not finish (a worker died, the cluster went away): finished shards are kept."""


def _die_with_parent(parent: int) -> None:
    """End this worker as soon as process `parent` is gone, however it ended.

    Linux kills it at once (PR_SET_PDEATHSIG); everywhere, a thread also checks the parent pid, which
    covers a parent gone before prctl took effect and a pool started from a thread that has since ended
    (the death signal follows the creating thread, not the process)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl: the thread below still notices
    exit_with_parent(parent)


def exit_with_parent(parent: int) -> None:
    """End this process (exit status 1, as a kill would) within PARENT_POLL_SECONDS of process `parent`
    being gone: a thread checks the parent pid. No death signal: a process started from a thread that
    then ends (the page's build of the default corpus, started by a Gradio worker thread) would get it
    when that thread ends. Its own workers die with it (`_die_with_parent`)."""
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)  # the parent is gone: nobody will read what this process writes

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _init_worker(model_dir: str | None, writer: str | None, device: str | None, threads: int,
                 parent: int | None = None, after_chunk: Callable[[], None] | None = None) -> None:
    global _MODEL, _LOAD_ERROR, _AFTER_CHUNK
    _AFTER_CHUNK = after_chunk
    if parent is not None:
        _die_with_parent(parent)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        _MODEL = load(model_dir, device, threads, writer)
    except Exception as e:  # noqa: BLE001 - reported by the first chunk, as one line
        _LOAD_ERROR = f"the model did not load in a worker: {type(e).__name__}: {e}"


def _work(records, batch_size: int, source: str) -> list[dict]:
    if _MODEL is None:
        raise InputError(_LOAD_ERROR or "the model did not load in a worker")
    rows = summarize_records(_MODEL, records, batch_size, source)
    if _AFTER_CHUNK is not None:
        _AFTER_CHUNK()
    return rows


def run_local(plan: Plan, todo: list[str], opts: EngineOptions, writer: ShardWriter,
              progress: Callable[[int], None], paths: list[str] | None = None) -> None:
    shard_input = {s.name: s.input for s in plan.shards}
    threads = max(1, int(opts.cpus_per_worker))
    device = opts.device or ("cuda" if opts.gpus_per_worker > 0 else None)
    ex = ProcessPoolExecutor(opts.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
                             initargs=(opts.model_dir, opts.writer, device, threads, os.getpid(), opts.after_chunk))
    inflight: deque = deque()

    def drain_one() -> None:
        shard, number, fut = inflight.popleft()
        rows = fut.result()
        writer.add(shard, number, rows)
        progress(len(rows))

    ok = False
    try:
        for chunk in iter_chunks(plan, todo, opts.batch_size, paths):
            source = plan.inputs[shard_input[chunk.shard]].path
            inflight.append((chunk.shard, chunk.number,
                             ex.submit(_work, chunk.records, opts.batch_size, source)))
            while len(inflight) >= opts.workers * IN_FLIGHT_PER_WORKER:
                drain_one()
        while inflight:
            drain_one()
        ok = True
    except BrokenProcessPool as e:
        raise EngineError(f"a worker process died ({e}); out of memory? finished shards are kept, "
                          "rerun the same command to resume") from None
    finally:
        # Always wait (queued chunks are cancelled on failure): after shutdown(wait=False) the pool's
        # management thread can close its wake-up pipe while Python's exit hook still writes to it, which
        # printed a "Bad file descriptor" traceback under the one-line refusal of a bad model (CPython 3.11).
        ex.shutdown(wait=True, cancel_futures=not ok)
