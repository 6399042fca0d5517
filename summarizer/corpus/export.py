"""The rows of a query, all pages, as CSV and JSON Lines (the Corpus tab's export)."""
from __future__ import annotations

import csv
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from summarizer.corpus.query import Query, matching_rows
from summarizer.corpus.schema import SCORE_COLUMNS

MAX_EXPORT_ROWS = 100_000  # the first this many of a larger result set (about 100 MB of CSV)
COLUMNS = ["id", "date", "station", "classification", "subject", "tags", "tag_names", "summary", "model_summary",
           "predicted_tags", "topics", *SCORE_COLUMNS, "seconds", "error", "evidence", "input", "line"]
_LISTS = {"tags": " ", "predicted_tags": " ", "tag_names": "; ", "topics": "; "}


@dataclass
class Export:
    files: list[Path]
    rows: int
    truncated: bool  # the result set held more than MAX_EXPORT_ROWS


def _json_row(row: dict) -> dict:
    out = dict(row)
    for key, sep in _LISTS.items():
        out[key] = [v for v in (row[key] or "").split(sep) if v]
    out["evidence"] = json.loads(row["evidence"] or "[]")
    return out


def export(conn: sqlite3.Connection, q: Query, out: Path, stem: str = "corpus") -> Export:
    """`out/STEM.csv` (evidence as a JSON string) and `out/STEM.jsonl` (lists as lists) for every row of `q`."""
    out.mkdir(parents=True, exist_ok=True)
    csv_path, jsonl_path = out / f"{stem}.csv", out / f"{stem}.jsonl"
    n, truncated = 0, False
    with csv_path.open("w", encoding="utf-8", newline="") as c, jsonl_path.open("w", encoding="utf-8") as j:
        w = csv.writer(c)
        w.writerow(COLUMNS)
        for row in matching_rows(conn, q, COLUMNS):
            if n == MAX_EXPORT_ROWS:
                truncated = True
                break
            w.writerow(["" if row[k] is None else row[k] for k in COLUMNS])
            j.write(json.dumps(_json_row(row), ensure_ascii=False) + "\n")
            n += 1
    return Export(files=[csv_path, jsonl_path], rows=n, truncated=truncated)
