"""`summarizer summarize INPUT [--model DIR] [--out FILE] [--batch-size B]`: summary, topics and tags per cable.

One JSON object per cable: `id`, `summary`, `topics`, `tags`, `reference_summary` (the cable's own summary
or null), `scores` (ROUGE-1/2/L/Lsum F1 ×100 against the own summary and `tags_f1` ×100 against its own
TAGS, where the cable has them; null when it has neither) and `seconds` (model time for this cable; in a
batch, the batch's time shared out). In corpus mode each row also carries `line`, and a record that cannot
be read, parsed or summarized gets a row with `error` (reported on standard error by line and id, counted
in the final line, exit status 2): none is dropped.
"""
from __future__ import annotations

import argparse
import sys
import time

from summarizer.commands._io import Tally, add_writer_option, load_with_progress, output, progress, write_json
from summarizer.inputs import InputError, is_corpus, read_records
from summarizer.limits import cable_limit_error
from summarizer.parsing import NOT_A_CABLE
from summarizer.pipeline import Result, model_failed, parse_record, process_records, summary_row


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summarize", help="summarize cables with the local seq2seq model",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="a cable text file, - for standard input, or a .jsonl(.gz) corpus")
    p.add_argument("--model", help="model directory (default: the model shipped in the package); "
                                   "any Hugging Face seq2seq directory (T5, BART, PEGASUS, encoder-decoder)")
    p.add_argument("--out", help="write JSON Lines here instead of standard output")
    p.add_argument("--batch-size", type=int, default=8, help="cables per model batch (default 8)")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    add_writer_option(p)
    p.set_defaults(run=run)


def _load(args):
    from summarizer.model import ModelError, load_model

    if args.batch_size < 1:
        raise InputError("--batch-size must be at least 1")
    try:
        model = load_with_progress("summarize", args.model, lambda: load_model(args.model, device=args.device,
                                                                                   writer=args.writer))
    except ModelError as e:
        raise InputError(str(e)) from None
    for note in model.notes:  # generation lengths the model directory asked for over summarizer.limits
        print(f"summarizer summarize: note: {note}", file=sys.stderr)
    return model


def run(args: argparse.Namespace) -> int:
    if not is_corpus(args.input):
        return _one_cable(args)
    model = _load(args)
    tally = Tally("summarize")
    results = process_records(progress(read_records(args.input), "summarize", True),
                              lambda cables: model.predict(cables, batch_size=args.batch_size), args.batch_size,
                              check=lambda cable: cable_limit_error(cable, model))
    with output(args.out) as out:
        for result in results:
            if result.error:
                tally.failed(result.record.line, result.id, result.error)
            else:
                tally.ok += 1
            write_json(out, summary_row(result))
            out.flush()  # rows as they come: a reader of a long corpus sees progress
    return tally.finish()


def _one_cable(args: argparse.Namespace) -> int:
    [rec] = read_records(args.input)  # reads the file first: a missing file fails before the model loads
    for warning in rec.warnings:
        print(f"summarizer summarize: warning: {warning}", file=sys.stderr)
    cable, problem = parse_record(rec)  # the paragraph and word limits, before the slow model load
    if problem == NOT_A_CABLE:
        raise InputError(f"{args.input}: {NOT_A_CABLE}")
    model = None if problem else _load(args)
    problem = problem or cable_limit_error(cable, model)  # the chunk limit needs the model's tokenizer
    if problem:
        raise InputError(f"{args.input}: {problem}")
    t = time.perf_counter()
    try:
        [pred] = model.predict([cable], batch_size=args.batch_size)
    except Exception as e:  # noqa: BLE001 - e.g. generation settings this machine cannot run
        raise InputError(f"{args.input}: {model_failed(e)}") from None
    row = summary_row(Result(rec, cable, pred, time.perf_counter() - t))
    del row["line"]  # one cable: no corpus line
    with output(args.out) as out:
        write_json(out, row)
    return 0
