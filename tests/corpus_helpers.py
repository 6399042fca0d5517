"""Shared by the corpus tests: a small index written straight from hand-made rows (no model, no batch run).
Holds no tests itself."""
from __future__ import annotations

import random
from pathlib import Path

from summarizer.corpus.index import IndexRow, write_rows
from summarizer.corpus.schema import open_for_writing

STATIONS = ("Embassy Tokyo", "Embassy Cairo", "Consulate Chennai")
CLASSIFICATIONS = ("CONFIDENTIAL", "SECRET", "UNCLASSIFIED")
TAGS = (("PREL", "JA"), ("ECON", "EG"), ("PGOV", "IN", "PREL"))
WORDS = ("minister talks trade energy election reform budget border police court rights bank growth "
         "military treaty visit summit pipeline oil gas council region").split()


def raw_cable(i: int, station: str, text: str) -> str:
    return (f"CONFIDENTIAL SECTION 01 OF 02 {station.split()[-1].upper()} 000{100 + i}\n\nSIPDIS\n\n"
            f"TAGS: {' '.join(TAGS[i % 3])}\nSUBJECT: CABLE NUMBER {i}\n\n1. (C) Summary: {text}. End Summary.\n\n"
            f"2. (C) {text} and more.\n")


def sample_rows(n: int = 60) -> list[IndexRow]:
    """n rows over three stations and 2004-2009: cable i of station s mentions "fisheries quota" when i % 5
    is 0, and every cable has its own number as a word ("cable7")."""
    rng = random.Random(0)
    rows = []
    for i in range(n):
        station = STATIONS[i % 3]
        words = " ".join(rng.choice(WORDS) for _ in range(20))
        extra = " fisheries quota" if i % 5 == 0 else ""
        text = f"cable{i} {words}{extra}"
        rows.append(IndexRow(
            record=f"{'0' * 64}:{i + 1}", input="sample.jsonl", line=i + 1, id=f"0{4 + i % 6}TEST{i}",
            date=f"{2004 + i % 6}-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00", station=station,
            classification=CLASSIFICATIONS[i % 3], subject=f"CABLE NUMBER {i}", tags=list(TAGS[i % 3]),
            tag_names=list(TAGS[i % 3]), summary=text, model_summary=f"The model says {text}.",
            predicted_tags=list(TAGS[i % 3]), topics=["Trade"], scores={"rouge2": float(i)}, seconds=0.01,
            evidence=[{"sentence": f"The model says {text}.", "supported": True, "paragraphs": [2], "scores": [0.9]}],
            raw=raw_cable(i, station, text), body=f"{text} and more."))
    return rows


def build_index(path: Path, rows: list[IndexRow] | None = None) -> Path:
    conn = open_for_writing(path)
    conn.execute("BEGIN")
    write_rows(conn, rows if rows is not None else sample_rows())
    conn.execute("COMMIT")
    conn.close()
    return path
