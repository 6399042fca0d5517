"""The work behind every endpoint of the page, without Gradio: check input, parse, summarize, score.

`SummaryService` wraps one loaded model (anything with `predict(cables, batch_size)` and a `name`; a
`stream(cable)` too, where the model has one: `CableSummarizer`, `ModelProcess`).
Model calls are serialised by a lock: the fast tokenizers are not safe to call from several threads
at once, and on a CPU one generate call already uses every core. Requests that wait for the lock are
answered together: whichever gets it next predicts every cable waiting, in one call (`Coalescer`), so a
writer's generate calls are shared by concurrent requests. Everything else (checking, parsing, scoring,
highlighting) runs outside the lock, so concurrent requests overlap there.

Bad input raises `InputError` with one line for the user; the page turns it into `gr.Error`.
"""
from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Callable, Iterator

from summarizer.cable import Cable
from summarizer.evidence import Evidence, Support, cable_evidence, evidence_json
from summarizer.inputs import (
    READING_STOPPED, InputError, MAX_INPUT_BYTES, decode_text, examples_dir, is_corpus, read_records,
)
from summarizer.limits import cable_limit_error
from summarizer.metrics import cable_scores
from summarizer.model.errors import ModelError
from summarizer.parsing import NOT_A_CABLE, parse
from summarizer.pipeline import Result, process_records, summary_row
from summarizer.tags import tag_name

log = logging.getLogger("summarizer.app")

SCORE_KEYS = ("rouge1", "rouge2", "rougeL", "rougeLsum", "tags_f1")
MAX_BATCH_CABLES = 5000  # most cables one batch upload is allowed to process
# What the Batch tab reads of one upload, whatever its limit: decompressed characters (5,000 real cables
# are ~35 MB) and blank lines (real corpora have none); past either the reading stops with one error row.
MAX_BATCH_READ_CHARS = 256_000_000
MAX_BATCH_BLANK_LINES = 10_000
PREVIEW_ROWS = 200  # rows of the preview table (BatchResult.rows); the files hold every row
PREVIEW_CHARS = 1_000  # characters of a preview row's long texts
MAX_COALESCED = 16  # cables one model call takes from the requests waiting for it
BATCH_DIR_MAX_AGE_S = 3600  # batch result folders older than this are removed
_BATCH_ROOT = "cable-summarizer-batch"

Progress = Callable[[int, int | None, str], None]  # (done, total or None while unknown, what it is doing)

MSG_EMPTY = "The input is empty: paste a cable's text or upload a .txt file holding one cable."
MSG_BINARY = "The input looks like binary data, not a cable's text: upload a plain-text (.txt) cable."
MSG_NOT_A_CABLE = ("This does not look like a cable: no cable header (TAGS:, SUBJECT:, a classification line), "
                   "no paragraph markings such as (C) and no numbered paragraphs were found.")


def msg_too_big(n_bytes: int) -> str:
    return (f"The input is {n_bytes:,} bytes; the limit for one cable is {MAX_INPUT_BYTES:,} bytes "
            "(the longest real cable is about 150 kB).")


# ----------------------------------------------------------------------------------- input checks
def looks_binary(text: str) -> bool:
    """NUL characters, or many control / undecodable characters, in the first 20,000 characters."""
    if "\x00" in text:
        return True
    sample = text[:20_000]
    bad = sum(1 for ch in sample
              if (ord(ch) < 32 and ch not in "\n\r\t\f\v") or 0x7F <= ord(ch) < 0xA0 or ch == "\ufffd")
    return bad > max(8, len(sample) // 50)


def check_text(text: str | None, sized: bool = False) -> str:
    """The text of one cable, or InputError (empty, too big, binary). A leading BOM is dropped.

    The limit is the CLI's (`inputs.decode_text`): MAX_INPUT_BYTES itself is accepted. `sized`: the bytes
    were already measured (an upload), so a Latin-1 file is not measured again after decoding, when
    each byte over 0x7F has become two."""
    if text is None or not isinstance(text, str):
        raise InputError(MSG_EMPTY)
    n_bytes = len(text.encode("utf-8", errors="surrogatepass"))
    if n_bytes > MAX_INPUT_BYTES and not sized:
        raise InputError(msg_too_big(n_bytes))
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError(MSG_EMPTY)
    if looks_binary(text):
        raise InputError(MSG_BINARY)
    return text


def read_upload(path: str | os.PathLike | None, warnings: list[str] | None = None) -> str:
    """The text of an uploaded one-cable file, or InputError with a message for the page. `warnings` gets
    a line when the file is not UTF-8 (read as Latin-1)."""
    if not path:
        raise InputError(MSG_EMPTY)
    p = Path(path)
    name = p.name
    if is_corpus(name) or name.endswith(".gz"):
        raise InputError(f"{name} is a corpus file: use the Batch tab for .jsonl / .jsonl.gz files.")
    try:
        size = p.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(msg_too_big(size))
        with p.open("rb") as f:
            data = f.read(MAX_INPUT_BYTES + 1)
    except OSError:
        raise InputError("The uploaded file could not be read; upload it again.") from None
    try:
        text = decode_text(data, "the uploaded file", warnings)
    except InputError as e:
        msg = str(e)
        if "binary" in msg:
            raise InputError(MSG_BINARY) from None
        if "empty" in msg:
            raise InputError(MSG_EMPTY) from None
        raise InputError(msg_too_big(len(data))) from None
    return check_text(text, sized=True)


def parse_cable(text: str | None) -> Cable:
    """Checked text → `Cable`, or InputError when the text is bad or not a cable."""
    cable = parse(check_text(text))
    if NOT_A_CABLE in cable.warnings:
        raise InputError(MSG_NOT_A_CABLE)
    return cable


# --------------------------------------------------------------------------------------- results
@dataclass
class Analysis:
    """Everything the page shows for one cable."""

    cable: Cable
    summary: str
    tags: list[str]
    topics: list[str]
    scores: dict | None
    evidence: Evidence  # the summary's sentences, the paragraphs the model read, which back each sentence
    seconds: float
    model: str
    writer: str = ""  # which writer wrote the summary ("": not known, e.g. read back from a corpus index)

    @property
    def sentences(self) -> list[str]:
        return self.evidence.sentences

    @property
    def body_index(self) -> list[int]:
        return self.evidence.body_index

    @property
    def supports(self) -> list[Support]:
        return self.evidence.supports

    def to_json(self) -> dict:
        """The `/summarize` answer (the SPEC's `summarize` record, plus support and warnings)."""
        return {
            "id": self.cable.id,
            "subject": self.cable.subject,
            "summary": self.summary,
            "topics": self.topics,
            "tags": self.tags,
            "tag_names": {c: tag_label(c) for c in self.tags},
            "reference_summary": self.cable.summary,
            "reference_tags": self.cable.tag_codes,
            "scores": self.scores,
            "support": evidence_json(self.cable, self.evidence),
            "warnings": self.cable.warnings,
            "model": self.model,
            "writer": self.writer,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Draft:
    """What the page shows while the model writes: the parsed cable and the summary so far."""

    cable: Cable
    summary: str = ""
    writer: str = ""


@dataclass
class BatchResult:
    rows: list[dict]
    averages: dict
    files: list[str] = field(default_factory=list)  # the JSONL and CSV written
    total_records: int = 0  # records read: those processed, and one more when there are more
    more: bool = False  # the upload holds more records than the limit (the rest were not read)


def tag_label(code: str) -> str | None:
    try:
        return tag_name(code)
    except Exception:  # noqa: BLE001 - a readable name is a nicety
        return None


def analysis_of(cable: Cable, summary: str | None, tags, topics, seconds: float, model: str,
                writer: str = "") -> Analysis:
    """What the page shows for `cable` and a prediction of it (just made, or read back from a corpus index)."""
    summary = (summary or "").strip()
    tags = list(tags or [])
    return Analysis(cable=cable, summary=summary, tags=tags, topics=list(topics or []),
                    scores=cable_scores(summary, tags, cable), evidence=cable_evidence(cable, summary),
                    seconds=seconds, model=model, writer=writer)


class Coalescer:
    """`predict(cables)` for many threads over one model: a call waits for the model's lock, and whichever
    call gets it predicts, in one model call, the cables of every call then waiting (up to `max_cables`),
    so that concurrent requests share the writer's generate calls. A model call that fails with more
    than one request in it is tried again a request at a time, so one request's failure stays its own."""

    def __init__(self, predict: Callable[[list], list], lock: threading.Lock, max_cables: int = MAX_COALESCED):
        self._predict, self._lock, self.max_cables = predict, lock, max_cables
        self._waiting: list[_Call] = []
        self._guard = threading.Lock()  # guards _waiting

    def __call__(self, cables: list) -> list:
        call = _Call(list(cables))
        with self._guard:
            self._waiting.append(call)
        with self._lock:
            if not call.done:
                self._run(self._take(call))
        if call.error is not None:
            raise call.error
        return call.result

    @property
    def waiting(self) -> int:
        """Calls waiting for the model."""
        with self._guard:
            return len(self._waiting)

    def _take(self, first: "_Call") -> list["_Call"]:
        """`first` and the calls waiting after it, up to `max_cables` cables (`first` whatever its size)."""
        with self._guard:
            taken, n = [], 0
            for call in [first] + [c for c in self._waiting if c is not first]:
                if taken and n + len(call.cables) > self.max_cables:
                    continue
                taken.append(call)
                n += len(call.cables)
            self._waiting = [c for c in self._waiting if c not in taken]
        return taken

    def _run(self, calls: list["_Call"]) -> None:
        try:
            preds = self._predict([c for call in calls for c in call.cables])
        except Exception as e:  # noqa: BLE001 - each request gets its own answer or error
            if len(calls) == 1 or isinstance(e, ModelError):  # the model process is down: no use trying again
                for call in calls:
                    call.finish(error=e)
                return
            for call in calls:
                self._run([call])
            return
        it = iter(preds)
        for call in calls:
            call.finish(result=[next(it) for _ in call.cables])


@dataclass(eq=False)  # calls are told apart by identity (two may hold equal cables)
class _Call:
    cables: list
    result: list | None = None
    error: Exception | None = None
    done: bool = False

    def finish(self, result: list | None = None, error: Exception | None = None) -> None:
        self.result, self.error, self.done = result, error, True


# --------------------------------------------------------------------------------------- service
class SummaryService:
    def __init__(self, model, batch_size: int = 8):
        self.model = model
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._coalesced = Coalescer(lambda cables: model.predict(cables, batch_size=batch_size), self._lock)
        # What loading capped of the model directory's generation lengths (summarizer.limits).
        self.notes = list(getattr(model, "notes", []))
        for note in self.notes:
            log.warning("%s", note)

    @property
    def model_name(self) -> str:
        return str(getattr(self.model, "name", None) or type(self.model).__name__)

    @property
    def device(self) -> str:
        return str(getattr(self.model, "device", "cpu"))

    @property
    def writer_name(self) -> str:
        """Which writer the model's summaries come from ("" where the model does not say)."""
        return str(getattr(self.model, "writer_name", "") or "")

    def predict(self, cables: list[Cable]):
        return self._coalesced(cables)

    def limit_error(self, cable: Cable) -> str | None:
        """Why `cable` is over the paragraph or chunk limit (`summarizer.limits`), or None. Counting chunks
        runs the tokenizer, so it takes the model's lock."""
        too_big = cable_limit_error(cable)
        if too_big:
            return too_big
        with self._lock:
            return cable_limit_error(cable, self.model)

    def warm_up(self) -> float:
        """One answer for the start of the seed cable (first torch calls and imports are slow); returns seconds."""
        cable = parse(seed_text())
        cable.paragraphs = cable.paragraphs[:2]  # the own summary (kept out of the input) and one paragraph
        t = time.perf_counter()
        [pred] = self.predict([cable])
        self._analysis(cable, pred, 0.0)  # also loads the ROUGE scorer and the stemmer
        return time.perf_counter() - t

    # ---------------------------------------------------------------- one cable
    def checked_cable(self, text: str | None) -> Cable:
        """Checked text → `Cable` within the limits, or InputError (a clear message, not minutes of generation)."""
        cable = parse_cable(text)
        too_big = self.limit_error(cable)
        if too_big:
            raise InputError(too_big)
        return cable

    def analyze(self, text: str | None) -> Analysis:
        t0 = time.perf_counter()
        cable = self.checked_cable(text)
        [pred] = self.predict([cable])
        return self._analysis(cable, pred, time.perf_counter() - t0)

    def stream(self, text: str | None) -> Iterator[Draft | Analysis]:
        """`analyze` as the page shows it: a `Draft` of the parsed cable at once, a `Draft` with the summary
        so far each time the model's writer has written a sentence (a model without `stream`: none), then
        the `Analysis`. Closing the generator early (the client left) closes the model's stream, which stops
        the writer after its sentence."""
        t0 = time.perf_counter()
        cable = self.checked_cable(text)
        yield Draft(cable, writer=self.writer_name)
        stream = getattr(self.model, "stream", None)
        if stream is None:
            [pred] = self.predict([cable])
        else:
            with self._lock, contextlib.closing(stream(cable)) as parts:
                for pred in parts:
                    if not getattr(pred, "done", True):
                        yield Draft(cable, pred.summary, getattr(pred, "writer", ""))
        yield self._analysis(cable, pred, time.perf_counter() - t0)

    def summarize(self, text: str | None) -> dict:
        """The `/summarize` endpoint: raw text in, the JSON answer out (InputError for bad input)."""
        return self.analyze(text).to_json()

    def parse_json(self, text: str | None) -> dict:
        """The `/parse` endpoint: the SPEC's parse record, no model involved."""
        return parse_cable(text).to_json()

    def _analysis(self, cable: Cable, pred, seconds: float) -> Analysis:
        return analysis_of(cable, pred.summary, pred.tags, pred.topics, seconds, self.model_name,
                           getattr(pred, "writer", "") or self.writer_name)

    # ---------------------------------------------------------------- batch
    def run_batch(self, path: str | os.PathLike | None, limit: int = 500, progress: Progress | None = None,
                  out_dir: str | os.PathLike | None = None) -> BatchResult:
        """Summarize and score the first `limit` records of a `.jsonl(.gz)` corpus; write JSONL + CSV."""
        if not path:
            raise InputError("No corpus uploaded: choose a .jsonl or .jsonl.gz file "
                             "(one JSON object a line with `raw`).")
        name = Path(path).name
        if not is_corpus(name):
            raise InputError(f"{name} is not a corpus: the Batch tab takes .jsonl or .jsonl.gz files "
                             "(one JSON object a line with at least `raw`).")
        if not Path(path).is_file():
            raise InputError(f"{name} is no longer on the server (the page deletes an upload once it has read it): "
                             "upload it again.")
        limit = max(1, min(int(limit or MAX_BATCH_CABLES), MAX_BATCH_CABLES))
        report = progress or (lambda done, total, desc: None)
        report(0, None, "reading the corpus")  # no count before the corpus is read: not "0/1 cables"
        # Records are read as they are summarized (a batch of them at a time) and each row goes to the
        # files at once: what one request keeps is the preview rows, clipped, whatever the upload holds.
        reader = read_records(str(path), max_chars=MAX_BATCH_READ_CHARS, max_blank_lines=MAX_BATCH_BLANK_LINES)
        more = False

        def first_records():
            nonlocal more
            for i, rec in enumerate(reader):
                if i == limit:  # one record past the limit says that there are more; nothing else is read
                    more = True
                    return
                yield rec

        try:
            records = first_records()
            head = []  # records up to the first that is not invalid JSON: a file that is no JSON Lines is refused
            for rec in records:
                head.append(rec)
                if not (rec.error and rec.error.startswith("invalid JSON")):
                    break
            if not head:
                raise InputError(f"{name} holds no records.")
            if head[0].error and head[0].error.startswith(READING_STOPPED):
                raise InputError(f"{name}: {head[0].error}.")
            if all(r.error for r in head) and head[-1].error.startswith("invalid JSON"):
                raise InputError(f"{name} is not JSON Lines: line {head[0].line}: {head[0].error}.")

            out = Path(out_dir) if out_dir else new_result_dir()
            stem = name.split(".")[0] or "corpus"
            writer = BatchFiles(out, stem)
            averages = BatchAverages()
            preview: list[dict] = []
            n = 0
            with writer:
                for result in process_records(chain(head, records), self.predict, self.batch_size,
                                              check=self.limit_error):
                    row = _batch_row(result)
                    writer.add(row)
                    averages.add(row)
                    if len(preview) < PREVIEW_ROWS:
                        preview.append(_clipped(row))
                    n += 1
                    if n % self.batch_size == 0:
                        report(n, limit, "summarizing")  # at most `limit`: the upload is not counted ahead
                report(n, n, "writing results")
                writer.finish(averages.result())
        finally:
            reader.close()
        return BatchResult(rows=preview, averages=averages.result(), files=[str(f) for f in writer.files],
                           total_records=n + more, more=more)

# The Batch tab's row: every key in every row (the preview table and the CSV have fixed columns).
_EMPTY_ROW = {"line": None, "id": None, "summary": None, "topics": [], "tags": [], "reference_summary": None,
              "reference_tags": [], "scores": None, "seconds": None, "error": None}


def _batch_row(result: Result) -> dict:
    if result.error:
        return {**_EMPTY_ROW, "line": result.record.line, "id": result.id, "error": result.error}
    return {**_EMPTY_ROW, **summary_row(result), "reference_tags": result.cable.tag_codes}


class BatchAverages:
    """The Batch tab's averages, added up a row at a time."""

    def __init__(self):
        self.records = self.summarized = 0
        self.sums = {k: [0.0, 0] for k in (*SCORE_KEYS, "seconds")}

    def add(self, row: dict) -> None:
        self.records += 1
        if row["error"]:
            return
        self.summarized += 1
        scores = row["scores"] or {}
        for key in SCORE_KEYS:
            if scores.get(key) is not None:
                self.sums[key][0] += scores[key]
                self.sums[key][1] += 1
        if row["seconds"] is not None:
            self.sums["seconds"][0] += row["seconds"]
            self.sums["seconds"][1] += 1

    def result(self) -> dict:
        out: dict = {"records": self.records, "summarized": self.summarized, "failed": self.records - self.summarized}
        for key in SCORE_KEYS:
            total, count = self.sums[key]
            out[key] = round(total / count, 2) if count else None
            out[f"n_{key}"] = count
        total, count = self.sums["seconds"]
        out["seconds_per_cable"] = round(total / count, 3) if count else None
        return out


def batch_averages(rows: list[dict]) -> dict:
    averages = BatchAverages()
    for row in rows:
        averages.add(row)
    return averages.result()


CSV_COLUMNS = ["line", "id", "error", *SCORE_KEYS, "seconds", "tags", "reference_tags", "topics", "summary",
               "reference_summary"]


class BatchFiles:
    """`<stem>-summaries.jsonl` (one object a cable, then one `{"averages": ...}` line) and a CSV with one
    row a cable and a last `AVERAGE` row, written a row at a time."""

    def __init__(self, out: Path, stem: str):
        out.mkdir(parents=True, exist_ok=True)
        self.files = [out / f"{stem}-summaries.jsonl", out / f"{stem}-summaries.csv"]
        self._jsonl = self.files[0].open("w", encoding="utf-8")
        self._csv_file = self.files[1].open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._csv_file)
        self._csv.writerow(CSV_COLUMNS)

    def __enter__(self) -> "BatchFiles":
        return self

    def __exit__(self, *exc) -> None:
        self._jsonl.close()
        self._csv_file.close()

    def add(self, r: dict) -> None:
        self._jsonl.write(json.dumps(r, ensure_ascii=False) + "\n")
        scores = r["scores"] or {}
        self._csv.writerow([r["line"], r["id"] or "", r["error"] or "", *[_num(scores.get(k)) for k in SCORE_KEYS],
                            _num(r["seconds"]), " ".join(r["tags"]), " ".join(r["reference_tags"]),
                            "; ".join(r["topics"]), r["summary"] or "", r["reference_summary"] or ""])

    def finish(self, averages: dict) -> None:
        self._jsonl.write(json.dumps({"averages": averages}, ensure_ascii=False) + "\n")
        self._csv.writerow(["", "AVERAGE", f"{averages['failed']} of {averages['records']} failed",
                            *[_num(averages.get(k)) for k in SCORE_KEYS], _num(averages.get("seconds_per_cable")),
                            "", "", "", "", ""])


def write_batch_files(rows: list[dict], averages: dict, out: Path, stem: str) -> list[Path]:
    with BatchFiles(out, stem) as files:
        for row in rows:
            files.add(row)
        files.finish(averages)
    return files.files


def _clipped(row: dict) -> dict:
    """A preview row: its long texts cut to PREVIEW_CHARS (the files hold them whole)."""
    return {k: (v[:PREVIEW_CHARS] + "…" if isinstance(v, str) and len(v) > PREVIEW_CHARS else v) for k, v in row.items()}


def _num(v) -> str:
    return "" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)


def new_result_dir() -> Path:
    """A fresh folder under the system temp dir for one batch's files; old ones are cleaned up."""
    return fresh_dir(Path(tempfile.gettempdir()) / _BATCH_ROOT, BATCH_DIR_MAX_AGE_S, "run-")


def fresh_dir(root: Path, max_age_s: float, prefix: str) -> Path:
    """A new folder under `root`, after removing the folders there older than `max_age_s`."""
    root.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in root.iterdir():
        try:
            if now - old.stat().st_mtime > max_age_s:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    return Path(tempfile.mkdtemp(prefix=prefix, dir=root))


# -------------------------------------------------------------------------------------- examples
# Gradio's example buttons cut a label after 60 characters ("..."): each example's label, written to fit.
EXAMPLE_LABELS = "labels.json"
MAX_EXAMPLE_LABEL = 60


def example_files() -> list[tuple[str, str]]:
    """(label, text) for each packaged example, real cables from the corpus (summarizer/data/examples/README.md):
    the seed cable first, then the others by id. Labels start with the cable's id; a cable without one in
    labels.json gets its id and subject."""
    out = []
    d = examples_dir()
    labels = json.loads(d.joinpath(EXAMPLE_LABELS).read_text(encoding="utf-8"))
    names = sorted((p.name for p in d.iterdir() if p.name.endswith(".txt")),
                   key=lambda n: (not n.startswith("06TOKYO3797"), n))
    for name in names:
        text = d.joinpath(name).read_text(encoding="utf-8")
        stem = name.removesuffix(".txt")
        label = labels.get(stem) or f"{parse(text).id or stem}: {' '.join((parse(text).subject or '').split())}"
        out.append((label, text))
    return out


def seed_text() -> str:
    return examples_dir().joinpath("06TOKYO3797.txt").read_text(encoding="utf-8")
