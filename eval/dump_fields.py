"""Every field the parser gives, dumped for each cable, and two dumps compared field by field.

    python -m eval.dump_fields dump before.jsonl.gz ../shared/data/cables-train.jsonl.gz ../shared/data/cables-dev.jsonl.gz
    python -m eval.dump_fields compare before.jsonl.gz after.jsonl.gz [--show 5]

A parser change is checked by dumping before and after it: `compare` prints, per field, how many
cables changed, how many gained a value, how many lost one, and (with --show) the first ids and values
of each, so that every kept difference can be read and explained (docs/parser.md). Paragraph offsets
are left out of the dump (they move with any change to the text), their texts and headings kept.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys

from summarizer.inputs import read_records
from summarizer.parsing import parse


def record(rec) -> dict:
    """One cable's fields as `summarizer parse` gives them, without the paragraphs' offsets."""
    out = parse(rec.raw or "", rec.hints).to_json()
    out["paragraphs"] = [{"number": p["number"], "marking": p["marking"], "heading": p["heading"], "text": p["text"]}
                         for p in out["paragraphs"]]
    out["key"] = rec.id or f"line {rec.line}"
    return out


def dump(out_path: str, corpora: list[str]) -> int:
    n = 0
    with gzip.open(out_path, "wt", encoding="utf-8") as out:
        for path in corpora:
            for rec in read_records(path):
                if rec.error:
                    continue
                out.write(json.dumps(record(rec), ensure_ascii=False) + "\n")
                n += 1
    print(json.dumps({"cables": n, "dump": out_path}))
    return 0


def _load(path: str) -> dict[str, dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return {r["key"]: r for r in map(json.loads, f)}


def _empty(value) -> bool:
    return value is None or value == [] or value == "" or value is False


def compare(before_path: str, after_path: str, show: int, fields: list[str] | None) -> int:
    before, after = _load(before_path), _load(after_path)
    keys = [k for k in before if k in after]
    names = fields or [k for k in next(iter(before.values()), {}) if k != "key"]
    report: dict[str, dict] = {}
    for name in names:
        changed = [k for k in keys if before[k].get(name) != after[k].get(name)]
        gained = [k for k in changed if _empty(before[k].get(name)) and not _empty(after[k].get(name))]
        lost = [k for k in changed if not _empty(before[k].get(name)) and _empty(after[k].get(name))]
        if changed:
            report[name] = {"changed": len(changed), "gained": len(gained), "lost": len(lost), "ids": changed[:show or 10]}
            for k in changed[:show]:
                print(f"{k} {name}:\n  before: {str(before[k].get(name))[:400]}\n  after:  {str(after[k].get(name))[:400]}",
                      file=sys.stderr)
    print(json.dumps({"cables": len(keys), "only_before": len(set(before) - set(after)),
                      "only_after": len(set(after) - set(before)), "fields": report}, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out")
    d.add_argument("corpora", nargs="+")
    c = sub.add_parser("compare")
    c.add_argument("before")
    c.add_argument("after")
    c.add_argument("--show", type=int, default=0, help="print the first N changed values of each field")
    c.add_argument("--field", action="append", help="compare only this field (repeatable)")
    args = ap.parse_args(argv)
    if args.cmd == "dump":
        return dump(args.out, args.corpora)
    return compare(args.before, args.after, args.show, args.field)


if __name__ == "__main__":
    sys.exit(main())
