"""`summarizer index OUT_DIR [--input PATH ...]`: build or update the corpus index of a batch run.

Reads the complete shards of the `summarizer batch` run in OUT_DIR and the input records behind them,
and writes OUT_DIR/index.sqlite (SQLite with FTS5: `summarizer.corpus`), which `summarizer serve
--corpus OUT_DIR` searches. Shards indexed before and unchanged are skipped; a record indexed again
replaces itself, so every record is in the index exactly once. `summarizer batch` runs this at the end
of every run. Exit status 0, or 2 with one line when OUT_DIR is no batch output or an input is missing
or has changed.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from summarizer.inputs import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("index", help="build or update the searchable index of a batch run (OUT_DIR/index.sqlite)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", metavar="OUT_DIR", help="the --out directory of a `summarizer batch` run")
    p.add_argument("--input", action="append", default=None, metavar="PATH",
                   help="where the run's inputs are now, in the run's order (default: the paths its manifest names)")
    p.add_argument("--quiet", action="store_true", help="no line per shard indexed")
    p.set_defaults(run=run)


def say(msg: str) -> None:
    print(f"summarizer index: {msg}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from summarizer.corpus.index import update_index

    out = Path(args.out)
    if not out.is_dir():
        raise InputError(f"{out}: no such directory")
    report = update_index(out, paths=args.input, say=None if args.quiet else say)
    say(index_summary(report))
    return 0


def index_summary(report) -> str:
    """One line on what an index update did."""
    unfinished = f", {report.shards_unfinished} shard(s) not finished yet" if report.shards_unfinished else ""
    return (f"{report.cables} record(s) in {report.path} ({report.shards_indexed} shard(s) indexed now, "
            f"{report.shards_kept} kept{unfinished}) in {report.seconds:.1f} s")
