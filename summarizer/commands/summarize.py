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

from summarizer.commands._io import Tally, load_with_progress, model_failed, output, progress, write_json
from summarizer.inputs import InputError, is_corpus, read_records
from summarizer.limits import cable_limit_error


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summarize", help="summarize cables with the local seq2seq model",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="a cable text file, - for standard input, or a .jsonl(.gz) corpus")
    p.add_argument("--model", help="model directory (default: the model shipped in the package); "
                                   "any Hugging Face seq2seq directory (T5, BART, PEGASUS, encoder-decoder)")
    p.add_argument("--out", help="write JSON Lines here instead of standard output")
    p.add_argument("--batch-size", type=int, default=8, help="cables per model batch (default 8)")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    p.set_defaults(run=run)


def row(cable, pred, seconds: float) -> dict:
    from summarizer.model.scoring import cable_scores

    return {
        "id": cable.id,
        "summary": pred.summary,
        "topics": pred.topics,
        "tags": pred.tags,
        "reference_summary": cable.summary,
        "scores": cable_scores(pred.summary, pred.tags, cable),
        "seconds": round(seconds, 3),
    }


def predict_each(model, cables: list, batch_size: int) -> list[tuple]:
    """(prediction, seconds, error) per cable. When the batch fails, each cable is retried alone so
    that only the one that fails gets an error and the others still get summaries."""
    t = time.perf_counter()
    try:
        preds = model.predict(cables, batch_size=batch_size)
        each = (time.perf_counter() - t) / len(cables)
        return [(p, each, None) for p in preds]
    except Exception:  # noqa: BLE001 - find the cable that failed
        results = []
        for c in cables:
            t1 = time.perf_counter()
            try:
                [p] = model.predict([c], batch_size=1)
                results.append((p, time.perf_counter() - t1, None))
            except Exception as e:  # noqa: BLE001
                results.append((None, time.perf_counter() - t1, model_failed(e)))
        return results


def _load(args):
    from summarizer.model import ModelError, load_model

    if args.batch_size < 1:
        raise InputError("--batch-size must be at least 1")
    try:
        model = load_with_progress("summarize", args.model, lambda: load_model(args.model, device=args.device))
    except ModelError as e:
        raise InputError(str(e)) from None
    for note in model.notes:  # generation lengths the model directory asked for over summarizer.limits
        print(f"summarizer summarize: note: {note}", file=sys.stderr)
    return model


def run(args: argparse.Namespace) -> int:
    from summarizer.parsing import NOT_A_CABLE, parse

    corpus = is_corpus(args.input)
    records = read_records(args.input)
    if not corpus:
        rec = next(iter(records))  # reads the file first: a missing file fails before the model loads
        for warning in rec.warnings:
            print(f"summarizer summarize: warning: {warning}", file=sys.stderr)
        cable = parse(rec.raw, rec.hints)
        if NOT_A_CABLE in cable.warnings:
            raise InputError(f"{args.input}: {NOT_A_CABLE}")
        too_big = cable_limit_error(cable)  # the paragraph limit, before the slow model load
        model = None if too_big else _load(args)
        too_big = too_big or cable_limit_error(cable, model)  # the chunk limit needs the model's tokenizer
        if too_big:
            raise InputError(f"{args.input}: {too_big}")
        t = time.perf_counter()
        try:
            [pred] = model.predict([cable], batch_size=args.batch_size)
        except Exception as e:  # noqa: BLE001 - e.g. generation settings this machine cannot run
            raise InputError(f"{args.input}: {model_failed(e)}") from None
        with output(args.out) as out:
            write_json(out, row(cable, pred, time.perf_counter() - t))
        return 0

    model = _load(args)
    tally = Tally("summarize")
    pending: list[tuple] = []  # (record, cable) waiting for a batch

    def flush(out) -> None:
        if not pending:
            return
        results = predict_each(model, [c for _, c in pending], args.batch_size)
        for (rec, cable), (pred, secs, err) in zip(pending, results):
            if err:
                tally.failed(rec.line, cable.id or rec.id, err)
                write_json(out, {"id": cable.id or rec.id, "line": rec.line, "error": err})
            else:
                tally.ok += 1
                write_json(out, row(cable, pred, secs) | {"line": rec.line})
        out.flush()
        pending.clear()

    with output(args.out) as out:
        for rec in progress(records, "summarize", True):
            if rec.error:
                flush(out)  # keep rows in input order
                tally.failed(rec.line, rec.id, rec.error)
                write_json(out, {"id": rec.id, "line": rec.line, "error": rec.error})
                continue
            try:
                cable = parse(rec.raw, rec.hints)
            except Exception as e:  # noqa: BLE001 - a parser bug must not lose the record
                cable, err = None, f"parse failed: {type(e).__name__}: {e}"
            else:
                err = NOT_A_CABLE if NOT_A_CABLE in cable.warnings else cable_limit_error(cable, model)
            if err:
                flush(out)
                tally.failed(rec.line, rec.id, err)
                write_json(out, {"id": rec.id or (cable.id if cable else None), "line": rec.line, "error": err})
                continue
            pending.append((rec, cable))
            if len(pending) >= args.batch_size:
                flush(out)
        flush(out)
    return tally.finish()
