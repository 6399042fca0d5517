"""`summarizer parse INPUT [--out FILE]`: one JSON object per cable (the SPEC's parse record)."""
from __future__ import annotations

import argparse

from summarizer.commands._io import Tally, output, progress, write_json
from summarizer.inputs import InputError, is_corpus, read_records
from summarizer.parsing import NOT_A_CABLE, parse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("parse", help="parse cables into structured JSON Lines")
    p.add_argument("input", help="a cable text file, - for standard input, or a .jsonl(.gz) corpus")
    p.add_argument("--out", help="write JSON Lines here instead of standard output")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    corpus = is_corpus(args.input)
    tally = Tally("parse")
    records = read_records(args.input)
    with output(args.out) as out:
        for rec in progress(records, "parse", corpus):
            if rec.error:
                tally.failed(rec.line, rec.id, rec.error)
                write_json(out, {"id": rec.id, "line": rec.line, "error": rec.error})
                continue
            cable = parse(rec.raw, rec.hints)
            cable.warnings.extend(rec.warnings)
            if NOT_A_CABLE in cable.warnings:
                if not corpus:
                    raise InputError(f"{args.input}: {NOT_A_CABLE}")
                tally.failed(rec.line, rec.id, NOT_A_CABLE)
            else:
                tally.ok += 1
            write_json(out, cable.to_json() | ({"line": rec.line} if corpus else {}))
    return tally.finish() if corpus else 0
