"""The real cables beside the checkout (`../shared/data`), for the tests that read a few of them."""
from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEV = DATA / "cables-dev.jsonl.gz"
SPLITS = (DATA / "cables-train.jsonl.gz", DEV)


@cache
def records(ids: frozenset[str], files: tuple[Path, ...] = (DEV,)) -> dict[str, dict]:
    """The records of `files` whose id is in `ids` (a line is decoded only when it names one)."""
    out: dict[str, dict] = {}
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                if any(f'"{i}"' in line for i in ids):
                    rec = json.loads(line)
                    if rec["id"] in ids:
                        out[rec["id"]] = rec
    return out
