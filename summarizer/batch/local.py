"""The local engine: a pool of worker processes on this machine, each loading the model once.

The parent reads the inputs front to back and hands out chunks of `batch_size` records (at most
4 per worker in flight, so memory stays flat on any corpus); workers return the chunk's output rows; the
parent writes them through the ShardWriter, which renames each shard as soon as it is complete. Workers
are started with `spawn` (no fork of a process that may hold torch threads) and each uses
`cpus_per_worker` torch threads.
"""
from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable

from summarizer.batch.shards import Plan, ShardWriter, iter_chunks
from summarizer.batch.work import EngineOptions, load, summarize_records
from summarizer.inputs import InputError

_MODEL = None
_LOAD_ERROR: str | None = None
IN_FLIGHT_PER_WORKER = 4


class EngineError(RuntimeError):
    """The engine could not finish (a worker died, the cluster went away): finished shards are kept."""


def _init_worker(model_dir: str | None, device: str | None, threads: int) -> None:
    global _MODEL, _LOAD_ERROR
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        _MODEL = load(model_dir, device, threads)
    except Exception as e:  # noqa: BLE001 - reported by the first chunk, as one line
        _LOAD_ERROR = f"the model did not load in a worker: {type(e).__name__}: {e}"


def _work(records, batch_size: int, source: str) -> list[dict]:
    if _MODEL is None:
        raise InputError(_LOAD_ERROR or "the model did not load in a worker")
    return summarize_records(_MODEL, records, batch_size, source)


def run_local(plan: Plan, todo: list[str], opts: EngineOptions, writer: ShardWriter,
              progress: Callable[[int], None], paths: list[str] | None = None) -> None:
    shard_input = {s.name: s.input for s in plan.shards}
    threads = max(1, int(opts.cpus_per_worker))
    device = opts.device or ("cuda" if opts.gpus_per_worker > 0 else None)
    ex = ProcessPoolExecutor(opts.workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_init_worker, initargs=(opts.model_dir, device, threads))
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
        ex.shutdown(wait=ok, cancel_futures=not ok)
