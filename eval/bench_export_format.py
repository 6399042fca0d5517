"""The user's export format on real cables: every record rendered as the user's files are, then both parsed.

    python -m eval.bench_export_format ../shared/data/cables-dev.jsonl.gz [--show 20]

The export (`../shared/examples/06TOKYO3797.txt`) is a label block (Identifier, Created,
Classification, Origin) with the record's values, `Cable title:` and the title, the routing lines run
together on one line, the header block (classification line to `Classified By`) twice, the body, then
the header block again without its classification line and the body again; no blank lines anywhere.
A record without a header block is rendered as the table, the title and its body once.

The original is parsed with its record's fields as hints (as `summarizer parse` reads a corpus), the
export alone (as the user's file). They agree when id, date, own summary, TAGS, subject and body are
equal (text fields compared with their whitespace runs made single spaces: the export has no blank
lines, so its paragraph breaks may differ). Prints one JSON object (agreement %, misses per field, the
ids that disagree) and exits 1 when agreement is under `--bar` (99).
"""
from __future__ import annotations

import argparse
import json
import sys

from summarizer.cable import Cable
from summarizer.inputs import Record, read_records
from summarizer.parsing import parse
from summarizer.parsing.header import classification_line, header_end
from summarizer.parsing.lines import split_lines

FIELDS = ("id", "date", "summary", "tags", "subject", "body")


def render_export(rec: Record, blank_lines: bool = False) -> str:
    """The record as the user's export shows it (see the module's docstring); `blank_lines` keeps the
    original's blank lines (one for each run) where the example has none."""
    hints = rec.hints
    table = ["Identifier", "Created", "Classification", "Origin",
             rec.id or "", _created(hints.get("date")), hints.get("classification") or "", hints.get("origin") or "",
             "Cable title:", " ".join((hints.get("subject") or "").split())]
    lines = split_lines(rec.raw or "")
    end = header_end(lines)
    head, body = _kept(lines[:end], blank_lines), _kept(lines[end:], blank_lines)
    at = next((k for k, text in enumerate(head) if classification_line(text)), None)
    if at is None:
        return "\n".join(table + head + body) + "\n"
    routing = [" ".join(" ".join(head[:at]).split())] if at else []
    block, gap = head[at:], ([""] if blank_lines else [])
    return "\n".join(table + routing + block + gap + block + gap + body + gap + block[1:] + gap + body) + "\n"


def _kept(lines: list, blank_lines: bool) -> list[str]:
    """The lines' texts without blank lines, or with one blank line for each run of them."""
    out: list[str] = []
    for ln in lines:
        if not ln.blank:
            out.append(ln.text.rstrip())
        elif blank_lines and out and out[-1]:
            out.append("")
    return out


def _created(date: str | None) -> str:
    """The record's "2006-07-07 04:08" as the table writes it, "2006-07-07 04:08:00"."""
    if not date:
        return ""
    return date + ":00" if len(date) == 16 else date


def fields(cable: Cable) -> dict:
    def flat(text: str | None) -> str | None:
        return " ".join(text.split()) if text else None

    return {"id": cable.id, "date": cable.date, "summary": flat(cable.summary), "tags": cable.tag_codes,
            "subject": flat(cable.subject), "body": flat(cable.body)}


def compare(rec: Record, blank_lines: bool = False) -> list[str]:
    """The fields on which the original and its export disagree."""
    original = fields(parse(rec.raw or "", rec.hints))
    exported = fields(parse(render_export(rec, blank_lines)))
    return [f for f in FIELDS if original[f] != exported[f]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpora", nargs="+")
    ap.add_argument("--bar", type=float, default=99.0, help="agreement %% below which the exit status is 1")
    ap.add_argument("--blank-lines", action="store_true", help="keep the original's blank lines in the export")
    ap.add_argument("--show", type=int, default=0, help="print the first N differing field values of each miss")
    args = ap.parse_args(argv)
    n = 0
    misses: dict[str, list[str]] = {}
    per_field = dict.fromkeys(FIELDS, 0)
    for path in args.corpora:
        for rec in read_records(path):
            if rec.error or not rec.raw:
                continue
            n += 1
            bad = compare(rec, args.blank_lines)
            for f in bad:
                per_field[f] += 1
            if bad:
                misses[rec.id or f"{path}:{rec.line}"] = bad
    agree = round(100 * (n - len(misses)) / max(n, 1), 2)
    print(json.dumps({"cables": n, "agree": n - len(misses), "agree_pct": agree, "misses_by_field": per_field,
                      "disagreements": misses}, indent=2))
    if args.show:
        _show(args.corpora, set(list(misses)[: args.show]), args.blank_lines)
    return 0 if agree >= args.bar else 1


def _show(corpora: list[str], ids: set[str], blank_lines: bool) -> None:
    """Each listed cable's differing values, original then export, to stderr."""
    for path in corpora:
        for rec in read_records(path):
            if rec.id in ids:
                a, b = fields(parse(rec.raw or "", rec.hints)), fields(parse(render_export(rec, blank_lines)))
                for f in FIELDS:
                    if a[f] != b[f]:
                        x, y = str(a[f]), str(b[f])
                        k = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
                        at = max(0, k - 80)
                        print(f"{rec.id} {f} (at {k} of {len(x)}/{len(y)}):\n  original: ...{x[at:k + 200]}\n"
                              f"  export:   ...{y[at:k + 200]}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
