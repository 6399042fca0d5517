"""The Ray engine: Ray Data reads the shards, an actor pool holding the model summarizes them.

    from_items(one row per input file with unfinished shards)
      .map_batches(read_input)            tasks (num_cpus=0): read the input front to back, one row
                                          (and one block) per chunk of `batch_size` records of an
                                          unfinished shard (JSON text)
      .map_batches(SummarizeActor,        actors: load the model once, summarize a chunk per call;
                   compute=ActorPool(N),  `workers` actors, each with `num_gpus=gpus_per_worker` and
                   num_gpus=G, num_cpus=C)  `num_cpus=cpus_per_worker`
      .iter_batches()                     the driver writes each chunk through the ShardWriter (temporary
                                          file, renamed when the shard is complete)

A chunk is the unit of model work for both engines (the same records in the same model batch), so the
two give the same rows. The order of rows is preserved (`preserve_order`), so the driver holds at most a
few shards open. `--address` joins a running cluster (`auto`, `HOST:6379` or `ray://HOST:10001`);
without it a local Ray is started and shut down again. Inputs and `--model` must be at the same path on
every node (shared storage); each actor checks it loaded the same model (sha256) as the driver named.

Before Ray starts, the driver loads the model once on its CPU and lets it go (`check_model`): a `--model`
that cannot load is refused with its one-line reason, where a failing actor would be retried by Ray Data
and print its traceback once per actor. The actors die with the driver, as the local engine's workers do,
with nothing to add here: they belong to the driver's Ray job, and Ray ends a job's actors when its driver
process ends, however it ends (SIGKILL, or `exit_with_parent`'s exit; tests/test_ray.py kills a driver
joined to a cluster and its actors are gone within seconds). A local Ray that the driver started goes
with it too: its actors within about 3 s, its two agents (no model) after about a minute; a rerun
meanwhile starts a fresh Ray.
"""
from __future__ import annotations

import json
import logging
import os
import warnings
from typing import Callable

from summarizer.batch.local import EngineError
from summarizer.batch.shards import InputFile, Plan, Shard, ShardWriter, input_chunks
from summarizer.batch.work import EngineOptions, load, record_from_json, record_to_json
from summarizer.inputs import InputError

SMALL_BLOCK_BYTES = 1024
MISSING = ("--engine ray needs Ray Data, which is not installed: pip install -e '.[ray]' "
           "(or pip install 'ray[data]')")


def import_ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise InputError(MISSING) from None
    return ray


def check_model(model_dir: str | None, writer: str | None = None) -> None:
    """Load the model here once, on the CPU, and let it go; InputError (one line) when it does not load."""
    from summarizer.model import ModelError

    try:
        load(model_dir, "cpu", writer=writer)
    except ModelError as e:
        raise InputError(str(e)) from None
    except Exception as e:  # noqa: BLE001 - whatever the loader raised, as one line (as the local engine does)
        why = (str(e).strip().splitlines() or [""])[0]
        raise InputError(f"the model did not load: {type(e).__name__}: {why}") from None


def read_input(batch, units: dict, chunk_size: int):
    """Ray Data UDF (a generator): for each input row of `batch`, its unfinished shards' chunks."""
    import numpy as np

    for i in batch["input"]:
        u = units[int(i)]
        inp = InputFile(**u["input"])
        shards = [Shard(**s) for s in u["shards"]]
        for chunk in input_chunks(inp, shards, chunk_size, u["path"]):
            yield {
                "shard": np.array([chunk.shard], dtype=object),
                "chunk": np.array([chunk.number], dtype=np.int64),
                "source": np.array([inp.path], dtype=object),
                "records": np.array([json.dumps([record_to_json(r) for r in chunk.records])], dtype=object),
            }


class SummarizeActor:
    """Holds one model; each call summarizes the chunks of its batch (normally one chunk), then calls
    `after_chunk` (a test's hook) after each."""

    def __init__(self, model_dir: str | None, model_sha256: str, device: str | None, threads: float,
                 batch_size: int, writer: str | None = None, after_chunk: Callable[[], None] | None = None):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from summarizer.batch.manifest import model_fingerprint

        here = model_fingerprint(model_dir)
        if here["sha256"] != model_sha256:
            raise InputError(f"the model at {here['dir']} on this node differs from the driver's "
                             f"(sha256 {here['sha256'][:12]} vs {model_sha256[:12]})")
        self.model = load(model_dir, device, max(1, int(threads)), writer)
        self.batch_size = batch_size
        self.after_chunk = after_chunk

    def __call__(self, batch):
        import numpy as np

        from summarizer.batch.work import summarize_records

        out_rows = []
        for source, recs in zip(batch["source"], batch["records"]):
            records = [record_from_json(d) for d in json.loads(recs)]
            out_rows.append(json.dumps(summarize_records(self.model, records, self.batch_size, str(source)),
                                       ensure_ascii=False))
            if self.after_chunk is not None:
                self.after_chunk()
        return {"shard": batch["shard"], "chunk": batch["chunk"], "rows": np.array(out_rows, dtype=object)}


def run_ray(plan: Plan, todo: list[str], opts: EngineOptions, writer: ShardWriter,
            progress: Callable[[int], None], paths: list[str] | None = None) -> None:
    ray = import_ray()
    todo_set = set(todo)
    units: dict[int, dict] = {}
    for i, inp in enumerate(plan.inputs):
        mine = [s for s in plan.shards if s.input == i and s.name in todo_set]
        if mine:
            units[i] = {"input": vars(inp), "shards": [vars(s) for s in mine],
                        # tasks may run in another directory or on another node: an absolute path
                        "path": os.path.abspath(paths[i] if paths else inp.path)}
    if not units:
        return

    started = False
    if not ray.is_initialized():
        if opts.address:  # (a ray:// client connection takes only a few of init's arguments)
            ray.init(address=opts.address, logging_level="WARNING")
        else:
            ray.init(include_dashboard=False, logging_level="WARNING")
        started = True
    ctx = ray.data.DataContext.get_current()
    saved = (ctx.execution_options.preserve_order, ctx.enable_progress_bars, ctx.target_max_block_size)
    quiet = logging.getLogger("ray.data._internal.progress")
    saved_level = quiet.level
    try:
        ctx.execution_options.preserve_order = True  # shards complete in order: few held open
        ctx.enable_progress_bars = False  # the command's own bar counts cables
        quiet.setLevel(logging.ERROR)  # (and Ray's note that its bars are off is noise here)
        # Every chunk (KBs) is over this, so each becomes its own block and the actors share the chunks of
        # one input as they are read (with the 128 MiB default one actor would get a whole input at once).
        ctx.target_max_block_size = SMALL_BLOCK_BYTES
        gpus = opts.gpus_per_worker or None
        device = opts.device or ("cuda" if gpus else "cpu")
        ds = (
            ray.data.from_items([{"input": i} for i in sorted(units)])
            .map_batches(read_input, fn_kwargs={"units": units, "chunk_size": opts.batch_size},
                         batch_size=1, batch_format="numpy", num_cpus=0)
            .map_batches(SummarizeActor,
                         fn_constructor_kwargs={"model_dir": opts.model_dir, "model_sha256": opts.model_sha256,
                                                "device": device, "threads": opts.cpus_per_worker,
                                                "batch_size": opts.batch_size, "writer": opts.writer,
                                                "after_chunk": opts.after_chunk},
                         batch_size=1, batch_format="numpy", num_cpus=opts.cpus_per_worker, num_gpus=gpus,
                         **_pool(ray, opts.workers))
        )
        try:
            with warnings.catch_warnings():
                # Ray warns that 1 input (the one input file) cannot feed N actors: the reading task
                # yields one block per chunk, so it does
                warnings.filterwarnings("ignore", message=r"The minimum number of concurrent actors")
                _drain(ds, writer, progress)
        except (InputError, KeyboardInterrupt):
            raise
        except Exception as e:  # noqa: BLE001 - Ray wraps worker errors; keep the one line that matters
            raise _engine_error(e) from None
    finally:
        ctx.execution_options.preserve_order, ctx.enable_progress_bars, ctx.target_max_block_size = saved
        quiet.setLevel(saved_level)
        if started:
            ray.shutdown()


def _drain(ds, writer: ShardWriter, progress: Callable[[int], None]) -> None:
    for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
        for shard, number, rows in zip(batch["shard"], batch["chunk"], batch["rows"]):
            rows = json.loads(rows)
            writer.add(str(shard), int(number), rows)
            progress(len(rows))


def _pool(ray, workers: int) -> dict:
    """A fixed pool of `workers` actors: `compute=ActorPoolStrategy(size=N)`, or `concurrency=N` on the
    older Ray versions that lack it."""
    strategy = getattr(ray.data, "ActorPoolStrategy", None)
    if strategy is not None:
        return {"compute": strategy(size=workers)}
    return {"concurrency": workers}


def _engine_error(e: Exception) -> Exception:
    text = str(e)
    for line in text.splitlines()[::-1]:
        line = line.strip()
        if line.startswith(("summarizer.inputs.InputError", "InputError")):
            return InputError(line.split(":", 1)[1].strip())
    if "ModelError" in text:
        msg = next((ln.strip() for ln in text.splitlines()[::-1] if "ModelError" in ln), text.splitlines()[0])
        return InputError("the model did not load in a Ray worker: " + msg.split("ModelError:", 1)[-1].strip())
    first = text.strip().splitlines()[0] if text.strip() else type(e).__name__
    return EngineError(f"the Ray job failed ({type(e).__name__}: {first}); finished shards are kept, "
                       "rerun the same command to resume")
