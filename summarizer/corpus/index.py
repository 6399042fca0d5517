"""Building and updating the index of a batch run from its shards and the input records behind them.

A batch shard row carries the summary, the predicted TAGS and the scores; the cable's metadata, text and
evidence come from its input record, parsed again (the same parser, the same hints) and lined up with the
row by line number. Each record is keyed by `input sha256:line`, so a record indexed twice (a rerun, a
redone shard, a resumed run indexing what the killed one already had) replaces itself: every record of
the run is in the index exactly once. Each shard is indexed in one transaction together with its entry in
`shards`; a shard whose file is unchanged since (size, mtime) is skipped.
"""
from __future__ import annotations

import json
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from summarizer.batch import manifest
from summarizer.batch.shards import Plan, Shard, file_sha256, input_chunks, read_shard, shard_dir
from summarizer.corpus.schema import SCORE_COLUMNS, index_file, open_for_writing
from summarizer.evidence import cable_evidence, evidence_json
from summarizer.inputs import InputError, Record
from summarizer.pipeline import parse_record

Say = Callable[[str], None]

CABLE_COLUMNS = ("record", "id", "input", "line", "date", "month", "station", "classification", "subject", "tags",
                 "tag_names", "predicted_tags", "topics", "decl", "signers", *SCORE_COLUMNS, "seconds", "error")
DOC_COLUMNS = ("rowid", "summary", "model_summary", "evidence", "hints", "raw")
_INSERT = f"INSERT INTO cables ({', '.join(CABLE_COLUMNS)}) VALUES ({', '.join('?' * len(CABLE_COLUMNS))})"
_INSERT_DOC = f"INSERT INTO cable_docs ({', '.join(DOC_COLUMNS)}) VALUES ({', '.join('?' * len(DOC_COLUMNS))})"


@dataclass
class IndexRow:
    """One record of the run as the index holds it."""

    record: str  # input sha256 ':' line
    input: str
    line: int
    id: str | None = None
    date: str | None = None
    station: str | None = None
    classification: str | None = None
    subject: str | None = None
    tags: list[str] = field(default_factory=list)  # own TAGS codes
    tag_names: list[str] = field(default_factory=list)  # "CODE name" per own code
    summary: str | None = None  # own summary
    model_summary: str | None = None
    predicted_tags: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    decl: str | None = None  # the DECL date, ISO 8601
    signers: list[str] = field(default_factory=list)
    scores: dict = field(default_factory=dict)
    seconds: float | None = None
    error: str | None = None
    evidence: list[dict] = field(default_factory=list)
    hints: dict = field(default_factory=dict)
    raw: str | None = None
    body: str = ""  # what the full-text search reads besides subject and summaries

    def values(self) -> tuple:
        """The `cables` row (CABLE_COLUMNS)."""
        return (self.record, self.id, self.input, self.line, self.date, self.date[:7] if self.date else None,
                self.station, self.classification, self.subject, " ".join(self.tags), "; ".join(self.tag_names),
                " ".join(self.predicted_tags), "; ".join(self.topics), self.decl, "; ".join(self.signers) or None,
                *[self.scores.get(k) for k in SCORE_COLUMNS], self.seconds, self.error)

    def doc_values(self, rowid: int) -> tuple:
        """The `cable_docs` row (DOC_COLUMNS)."""
        return (rowid, self.summary, self.model_summary, json.dumps(self.evidence, ensure_ascii=False),
                json.dumps(self.hints, ensure_ascii=False),
                zlib.compress(self.raw.encode("utf-8")) if self.raw is not None else None)


@dataclass
class IndexReport:
    path: Path
    shards_indexed: int = 0
    shards_kept: int = 0  # indexed before and unchanged
    shards_unfinished: int = 0  # not complete in OUT_DIR yet (a run still going, or killed)
    rows: int = 0  # rows written now
    cables: int = 0  # records in the index
    seconds: float = 0.0


def index_row(row: dict, rec: Record, input_sha256: str) -> IndexRow:
    """The index row for batch output `row` of record `rec` (the same line of the same input)."""
    cable, _ = parse_record(rec)  # why there is no summary, the batch row already says
    out = IndexRow(record=f"{input_sha256}:{rec.line}", input=row.get("input") or "", line=rec.line,
                   id=row.get("id") or rec.id, model_summary=row.get("summary"), error=row.get("error"),
                   predicted_tags=list(row.get("tags") or []), topics=list(row.get("topics") or []),
                   scores=dict(row.get("scores") or {}), seconds=row.get("seconds"), hints=rec.hints, raw=rec.raw)
    if cable is None:
        return out
    out.id = out.id or cable.id
    out.date, out.station, out.classification, out.subject = cable.date, cable.origin, cable.classification, cable.subject
    out.tags = [t.code.upper() for t in cable.tags]
    out.tag_names = [f"{t.code} {t.name}" if t.name else t.code for t in cable.tags]
    out.summary, out.body = cable.summary, cable.body
    out.decl, out.signers = cable.decl, list(cable.signers)
    if out.model_summary:
        out.evidence = evidence_json(cable, cable_evidence(cable, out.model_summary))
    return out


def write_rows(conn, rows: Iterable[IndexRow]) -> int:
    """Upsert `rows` (inside the caller's transaction): a record already indexed is replaced by a new row
    (its old full-text entry is left to match nothing: `summarizer.corpus.schema`)."""
    n = 0
    for r in rows:
        old = conn.execute("SELECT rowid FROM cables WHERE record = ?", (r.record,)).fetchone()
        if old:
            conn.execute("DELETE FROM cables WHERE rowid = ?", old)
            conn.execute("DELETE FROM cable_docs WHERE rowid = ?", old)
            conn.execute("DELETE FROM cable_tags WHERE cable = ?", old)
        rowid = conn.execute(_INSERT, r.values()).lastrowid
        conn.execute(_INSERT_DOC, r.doc_values(rowid))
        conn.executemany("INSERT OR IGNORE INTO cable_tags (code, cable) VALUES (?, ?)",
                         [(code, rowid) for code in dict.fromkeys(r.tags)])
        conn.execute("INSERT INTO cable_text (rowid, subject, summary, model_summary, body) VALUES (?, ?, ?, ?, ?)",
                     (rowid, r.subject or "", r.summary or "", r.model_summary or "", r.body))
        n += 1
    return n


def _line_count(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def _shard_rows(path: Path) -> list[dict]:
    return list(read_shard(path))


def update_index(out: Path, paths: list[str] | None = None, say: Say | None = None) -> IndexReport:
    """Index every complete shard of the batch run in `out` not indexed yet (or changed since) into
    `out/index.sqlite`. `paths[i]`: where input i is now (default: the path the manifest names).
    InputError when `out` is no batch output or an input is missing or changed."""
    say = say or (lambda msg: None)
    t0 = time.perf_counter()
    data = manifest.read_run(out)
    if data is None:
        raise InputError(f"{out}: no manifest.json there; give the --out directory of a `summarizer batch` run")
    complete = data.get("status") == "complete"  # then a shard missing or cut short is damage, not work to come
    plan = Plan.from_json(data["plan"])
    if paths and len(paths) != len(plan.inputs):
        raise InputError(f"{len(paths)} input path(s) given for the {len(plan.inputs)} input(s) of the run in {out}")
    report = IndexReport(path=index_file(out))
    conn = open_for_writing(report.path)
    try:
        _forget_another_job(conn, plan, say)
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('model', ?)", (data["model"]["dir"],))
        known = {name: (size, mtime) for name, size, mtime in conn.execute("SELECT name, bytes, mtime_ns FROM shards")}
        todo: dict[int, list[Shard]] = {}
        for s in plan.shards:
            p = shard_dir(out) / s.name
            lines = _line_count(p) if p.is_file() else None
            if lines != s.count:
                if complete:
                    state = "missing" if lines is None else f"{lines:,} line(s) where the run wrote {s.count:,}"
                    raise InputError(f"{p}: {state}, though {out / manifest.MANIFEST} says the run is complete: "
                                     "rerun the same `summarizer batch` command to redo the shard")
                report.shards_unfinished += 1
            elif known.get(s.name) == (p.stat().st_size, p.stat().st_mtime_ns):
                report.shards_kept += 1
            else:
                todo.setdefault(s.input, []).append(s)
        for i, shards in todo.items():
            inp = plan.inputs[i]
            path = paths[i] if paths else inp.path
            _check_input(path, inp.sha256)
            for chunk in input_chunks(inp, shards, plan.shard_size, path):
                p = shard_dir(out) / chunk.shard
                stat = p.stat()
                rows = _shard_rows(p)
                if [r.get("line") for r in rows] != [rec.line for rec in chunk.records]:
                    raise InputError(f"{p} does not line up with the records of {path}: was the shard edited?")
                conn.execute("BEGIN IMMEDIATE")
                try:
                    report.rows += write_rows(conn, (index_row(r, rec, inp.sha256)
                                                     for r, rec in zip(rows, chunk.records)))
                    conn.execute("INSERT OR REPLACE INTO shards (name, bytes, mtime_ns, rows) VALUES (?, ?, ?, ?)",
                                 (chunk.shard, stat.st_size, stat.st_mtime_ns, len(rows)))
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                report.shards_indexed += 1
                say(f"indexed {chunk.shard} ({len(rows)} records)")
        if report.shards_indexed:
            conn.execute("INSERT INTO cable_text (cable_text) VALUES ('optimize')")  # one b-tree: faster matches
        report.cables = conn.execute("SELECT count(*) FROM cables").fetchone()[0]
    finally:
        conn.close()
    report.seconds = time.perf_counter() - t0
    return report


def _check_input(path: str, sha256: str) -> None:
    if not Path(path).is_file():
        raise InputError(f"{path}: the run's input is not there; the index reads each cable's text from it")
    if file_sha256(path)[0] != sha256:
        raise InputError(f"{path} has changed since the batch run read it; rerun the batch with a new --out")


def _forget_another_job(conn, plan: Plan, say: Say) -> None:
    """An index left from another job in the same OUT_DIR (its manifest and shards replaced) is emptied:
    its records would otherwise sit beside this run's."""
    inputs = json.dumps([i.sha256 for i in plan.inputs])
    row = conn.execute("SELECT value FROM meta WHERE key = 'inputs'").fetchone()
    if row and row[0] == inputs:
        return
    conn.execute("BEGIN IMMEDIATE")
    if row:
        say("the index held another run's cables: starting it again")
        for table in ("cables", "cable_docs", "cable_tags", "cable_text", "shards"):
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('inputs', ?)", (inputs,))
    conn.execute("COMMIT")
