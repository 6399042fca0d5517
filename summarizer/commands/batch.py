"""`summarizer batch INPUT... --out DIR`: corpus-scale parse → summarize → score, local or on Ray, resumable.

INPUT is one or more `.jsonl`/`.jsonl.gz` corpus files. DIR receives `shards/*.jsonl` (one row per input
record, in input order: the `summarizer summarize` row plus `input` and `line`, or `{id, input, line,
error}` for a record that could not be read, parsed or summarized) and `manifest.json` (inputs with
sha256, model, settings, counts, timings, averages). Each shard is written under a temporary name and
renamed when complete, so a run that is stopped or killed can be rerun with the same command: finished
shards are kept, the others redone, and every record appears exactly once. At the end of every run the
shards are indexed into DIR/index.sqlite for `summarizer serve --corpus DIR` (`summarizer index`; not
with --no-index). `--limit N` takes only the first N records of the inputs (in order): a first look at a
big corpus; a rerun must give the same --limit.

On a terminal a progress bar on standard error counts cables done of the total, the rate, the time left
and the shards written; before it, a line says the model is loading (the first rows come back only once
every worker has loaded it). `--quiet`, or a stderr that is no terminal, leaves the bar out; `--quiet` also
the loading line.

Engines: `local` (default) runs --workers processes on this machine, each loading the model once; `ray`
runs Ray Data with --workers model-holding actors (--gpus-per-worker GPUs and --cpus-per-worker CPUs
each) on a local Ray, or on the cluster at --address (`auto` on a cluster node, `HEAD:6379`, or
`ray://HEAD:10001`). Needs `pip install -e '.[ray]'`.

Exit status: 0, or 2 when some record got an `error` (each reported by input, line and id) or the
input/model/options are bad, or 1 when the engine failed (rerun to resume).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from summarizer.commands._io import Tally, add_writer_option, say_loading
from summarizer.inputs import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("batch", help="summarize whole corpora: sharded, resumable, local or on Ray",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", nargs="+", metavar="INPUT", help=".jsonl or .jsonl.gz corpus file(s)")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (rerun with the same DIR to resume)")
    p.add_argument("--engine", choices=["local", "ray"], default="local", help="local processes or Ray Data (default local)")
    p.add_argument("--address", help="ray: the cluster to join (auto, HEAD:6379, ray://HEAD:10001); default: a local Ray")
    p.add_argument("--workers", type=int, default=1, help="worker processes (local) or model actors (ray); default 1")
    p.add_argument("--gpus-per-worker", type=float, default=0.0,
                   help="GPUs per worker (ray: num_gpus per actor, fractions share a GPU; local: >0 runs on cuda)")
    p.add_argument("--cpus-per-worker", type=float, default=None,
                   help="CPUs per worker: torch threads, and ray num_cpus per actor "
                        "(default: this machine's CPUs / workers; 1 on a cluster)")
    p.add_argument("--batch-size", type=int, default=8, help="cables per model batch and per work chunk (default 8)")
    p.add_argument("--shard-size", type=int, default=None,
                   help="records per output shard, the unit of resumption (default 1000, or fewer so that "
                        "every worker has a shard; a rerun keeps the first run's)")
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="only the first N records of the inputs, in order: a first look at a big corpus")
    p.add_argument("--quiet", action="store_true", help="no loading line and no progress bar on standard error")
    p.add_argument("--model", help="model directory (default: the model shipped in the package)")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when a worker has a GPU)")
    add_writer_option(p)
    p.add_argument("--no-index", dest="index", action="store_false",
                   help="do not build DIR/index.sqlite at the end (`summarizer index DIR` builds it later)")
    p.set_defaults(run=run, after_chunk=None)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _check_options(args) -> None:
    if args.workers < 1:
        raise InputError("--workers must be at least 1")
    if args.batch_size < 1:
        raise InputError("--batch-size must be at least 1")
    if args.shard_size is not None and args.shard_size < 1:
        raise InputError("--shard-size must be at least 1")
    if args.limit is not None and args.limit < 1:
        raise InputError("--limit must be at least 1")
    if args.gpus_per_worker < 0:
        raise InputError("--gpus-per-worker must not be negative")
    if args.cpus_per_worker is not None and args.cpus_per_worker <= 0:
        raise InputError("--cpus-per-worker must be positive")
    if args.address and args.engine != "ray":
        raise InputError("--address is for --engine ray")
    if args.device not in (None, "cpu", "cuda") and not str(args.device).startswith("cuda:"):
        raise InputError(f"--device {args.device}: use cpu or cuda")


def run(args: argparse.Namespace) -> int:
    from summarizer.batch import manifest
    from summarizer.batch.shards import (InputFile, ShardWriter, check_inputs, file_sha256, finished_shards,
                                         iter_rows, locked)
    from summarizer.batch.progress import BatchProgress
    from summarizer.batch.work import EngineOptions
    from summarizer.model import ModelError

    _check_options(args)
    check_inputs(args.input)
    if args.engine == "ray":
        from summarizer.batch.ray_engine import import_ray

        import_ray()  # a clear message before any work when Ray is missing
    try:
        model = {**manifest.model_fingerprint(args.model), "writer": args.writer}
    except ModelError as e:
        raise InputError(str(e)) from None
    if args.engine == "ray":
        from summarizer.batch.ray_engine import check_model

        check_model(args.model, args.writer)  # a bad model refused here, before Ray starts any actor
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a directory")
    if args.index:  # an index.sqlite that is not the project's is refused before the run, not after it
        from summarizer.corpus.schema import INDEX_FILE, check_writable

        check_writable(out / INDEX_FILE)

    with locked(out):
        t0 = time.perf_counter()
        started = manifest.now()
        inputs = [InputFile(p, *file_sha256(p)) for p in args.input]
        old, data, plan = _resume_or_plan(out, inputs, model, args.shard_size, args.limit, args.workers)
        shard_size = plan.shard_size
        done = finished_shards(out, plan)
        todo = [s.name for s in plan.shards if s.name not in done]
        todo_records = sum(s.count for s in plan.shards if s.name not in done)

        cpus = args.cpus_per_worker or (1.0 if args.address else float(max(1, _cpus() // args.workers)))
        settings = {"engine": args.engine, "address": args.address, "workers": args.workers,
                    "cpus_per_worker": cpus, "gpus_per_worker": args.gpus_per_worker,
                    "batch_size": args.batch_size, "shard_size": shard_size, "device": args.device}
        run_entry = {"started": started, "status": "running", "settings": settings,
                     "shards_skipped": len(done), "shards_todo": len(todo), "records_todo": todo_records}
        data["settings"] = settings
        data["status"] = "running"
        data["runs"].append(run_entry)
        manifest.write(out, data)
        plan_seconds = time.perf_counter() - t0
        if old and done:
            print(f"summarizer batch: resuming: {len(done)} of {len(plan.shards)} shard(s) already done, "
                  f"{todo_records} record(s) to go", file=sys.stderr)
        if todo and not args.quiet:
            say_loading("batch", args.model, f" in {_workers_phrase(args)}")

        opts = EngineOptions(model_dir=args.model, model_sha256=model["sha256"], device=args.device,
                             workers=args.workers, cpus_per_worker=cpus, gpus_per_worker=args.gpus_per_worker,
                             batch_size=args.batch_size, writer=args.writer, address=args.address,
                             after_chunk=args.after_chunk)
        writer = ShardWriter(out, plan)
        t1 = time.perf_counter()
        bar = BatchProgress(todo_records, len(plan.shards), lambda: len(done) + len(writer.committed),
                            show_bar=not args.quiet and sys.stderr.isatty())
        from summarizer.batch.local import EngineError

        try:
            if todo:
                if args.engine == "ray":
                    from summarizer.batch.ray_engine import run_ray as engine
                else:
                    from summarizer.batch.local import run_local as engine
                engine(plan, todo, opts, writer, bar, paths=list(args.input))
        except BaseException as e:
            # the run's entry says how it ended (a SIGKILL leaves it "running"); finished shards stay
            run_entry.update(status="interrupted" if isinstance(e, KeyboardInterrupt) else "failed",
                             finished=manifest.now(), shards_written=len(writer.committed),
                             error=f"{type(e).__name__}: {e}".splitlines()[0])
            manifest.write(out, data)
            if isinstance(e, EngineError):
                print(f"summarizer batch: {e}", file=sys.stderr)
                return 1
            raise
        finally:
            writer.close()
            bar.close()
        engine_seconds = time.perf_counter() - t1
        startup = steady = None
        if bar.first is not None:
            startup = bar.first[0]
            rest = bar.n - bar.first[1]
            if rest and engine_seconds > startup:
                steady = rest / (engine_seconds - startup)

        missing = [s.name for s in plan.shards if not (out / "shards" / s.name).is_file()]
        if missing:  # cannot happen unless the engine lost work: say so rather than report a partial job
            raise RuntimeError(f"{len(missing)} shard(s) not written, e.g. {missing[0]}; rerun to resume")
        counts, averages, bad = manifest.averages(iter_rows(out, plan))
        seconds = time.perf_counter() - t0
        run_entry.update(status="complete", finished=manifest.now(), records=todo_records,
                         shards_written=len(writer.committed), plan_seconds=round(plan_seconds, 3),
                         engine_seconds=round(engine_seconds, 3), seconds=round(seconds, 3),
                         cables_per_second=round(todo_records / engine_seconds, 3) if todo_records else None,
                         first_rows_seconds=None if startup is None else round(startup, 3),
                         cables_per_second_after_first=None if steady is None else round(steady, 3))
        data.update(status="complete", counts=counts | {"shards": len(plan.shards)}, averages=averages,
                    timings={"first_started": data["runs"][0]["started"], "last_finished": run_entry["finished"],
                             "runs": len(data["runs"]),
                             "engine_seconds_total": round(sum(r.get("engine_seconds", 0) for r in data["runs"]), 3),
                             "cables_per_second_last_run": run_entry["cables_per_second"]})
        manifest.write(out, data)
        indexed = _index(out, list(args.input)) if args.index else None

    tally = Tally("batch", ok=counts["ok"])
    for r in bad:
        msg = f"{r.get('input')}: line {r.get('line')}" + (f" ({r['id']})" if r.get("id") else "") + f": {r['error']}"
        tally.bad.append(msg)
        print(f"summarizer batch: {msg}", file=sys.stderr)
    avg = ", ".join(f"{k} {averages[k]}" for k in ("rouge1", "rouge2", "rougeLsum", "tags_f1") if averages[k] is not None)
    rate = f", {run_entry['cables_per_second']} cables/s" if todo_records else ""
    print(f"summarizer batch: {counts['records']} record(s) in {len(plan.shards)} shard(s) under {out} "
          f"({len(writer.committed)} written now, {len(done)} kept){rate}" + (f"; mean {avg}" if avg else ""),
          file=sys.stderr)
    if indexed:
        print(f"summarizer batch: index: {indexed}", file=sys.stderr)
    return tally.finish()


def _index(out: Path, inputs: list[str]) -> str:
    """Index the run's shards (`summarizer index`); one line on what was done."""
    from summarizer.commands.index import index_summary
    from summarizer.corpus.index import update_index

    return index_summary(update_index(out, paths=inputs))


def _workers_phrase(args: argparse.Namespace) -> str:
    one, many = ("Ray actor", "Ray actors") if args.engine == "ray" else ("worker process", "worker processes")
    return f"{args.workers} {one if args.workers == 1 else many}"


def _resume_or_plan(out: Path, inputs: list, model: dict, shard_size: int | None, limit: int | None,
                    workers: int):
    """(the old manifest or None, the manifest to update, the plan): the existing run's when DIR holds
    one for the same inputs, model, shard size and limit (else InputError), a new plan otherwise."""
    from summarizer.batch import manifest
    from summarizer.batch.shards import Plan, count_records, default_shard_size, make_plan

    old = manifest.read_run(out)
    if old:
        size = shard_size or int(old["plan"]["shard_size"])
        manifest.check_resume(old, inputs, model, size, limit)
        return old, old, Plan.from_json(old["plan"])
    if any((out / "shards").glob("*")):
        raise InputError(f"{out}/shards holds files but {out} has no manifest.json: use a new --out")
    left = limit
    for inp in inputs:
        inp.records = count_records(inp.path, left) if left is None or left > 0 else 0
        left = None if left is None else left - inp.records
    plan = make_plan(inputs, shard_size or default_shard_size(sum(i.records for i in inputs), workers), limit)
    return None, manifest.new(plan, model, {}), plan


def main(argv: list[str] | None = None, after_chunk=None) -> int:
    """`python -m summarizer.batch ...`: the same command without the `summarizer` entry point.
    `after_chunk`: a picklable function each worker (a process or a Ray actor) calls after every chunk. With
    SUMMARIZER_EXIT_WITH=PID in the environment the run ends when process PID does (the page's build)."""
    from summarizer.batch.local import EXIT_WITH_ENV, exit_with_parent
    from summarizer.cli import main as cli_main

    parent = os.environ.pop(EXIT_WITH_ENV, "")
    if parent.isdigit():
        exit_with_parent(int(parent))

    return cli_main(["batch", *(sys.argv[1:] if argv is None else argv)], after_chunk=after_chunk)
