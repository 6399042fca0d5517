"""Reading the SPEC's inputs: one cable in a text file, `-` for stdin, or a `.jsonl(.gz)` corpus.

Every corpus line yields exactly one Record: a line that cannot be read becomes a Record with
`error` set, so callers can report it by line number and never drop it silently.
"""
from __future__ import annotations

import gzip
import io
import json
import sys
import zlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterator

MAX_INPUT_BYTES = 1_000_000  # one cable; the longest real cable is ~150 kB
# One corpus line: a cable JSON-escaped (up to 6 characters for one) plus its hints. A longer line is
# reported and skipped in bounded pieces, so one line without an end cannot fill the memory.
MAX_LINE_CHARS = 8 * MAX_INPUT_BYTES
# Arrays/objects inside one corpus record; real records nest 3 deep. Far deeper than that, json.loads
# raises RecursionError (about 1,000), and a record that loads but nests ~500 deep cannot be pickled to a
# batch worker: refused here, the same for every command, instead of stopping a whole run.
MAX_JSON_DEPTH = 64
# A corpus record's fields besides `raw` are hints for the parser (id, date, origin, subject, TAGS, ...):
# the longest real one is a subject of a few hundred characters. A field longer than this (as JSON), or
# past the first MAX_HINT_FIELDS, is dropped with a warning, so that a reader that keeps records (the
# page's Batch tab, a corpus index) never keeps megabytes of padding per record.
MAX_HINT_CHARS = 10_000
MAX_HINT_FIELDS = 64
READING_STOPPED = "reading stopped"  # the error of the record `read_records` ends with when a budget runs out


class InputError(Exception):
    """Bad input as a whole (missing file, binary data...): one line for the user, exit 2."""


@dataclass
class Record:
    line: int  # 1-based line in the corpus, or 1 for a single cable
    id: str | None
    raw: str | None
    hints: dict = field(default_factory=dict)  # the corpus record's other fields
    error: str | None = None
    warnings: list[str] = field(default_factory=list)  # about reading it (an encoding guessed), for the parse record


def is_corpus(path: str) -> bool:
    return path.endswith((".jsonl", ".jsonl.gz", ".ndjson"))


def read_records(path: str, max_chars: int | None = None, max_blank_lines: int | None = None) -> Iterator[Record]:
    """One Record per line of a corpus (or one for a single cable). `max_chars` (decompressed characters)
    and `max_blank_lines` bound what a corpus may make the reader read: past either, the reading ends with
    one error record starting with READING_STOPPED (the page's Batch tab; the CLI reads a corpus whole)."""
    if is_corpus(path):
        yield from _read_corpus(path, max_chars, max_blank_lines)
    else:
        warnings: list[str] = []
        yield Record(line=1, id=None, raw=read_text(path, warnings), warnings=warnings)


def decode_text(data: bytes, source: str = "input", warnings: list[str] | None = None) -> str:
    """Bytes of one cable → text, or InputError for binary, empty or oversized data. Text that is not
    UTF-8 is read as Latin-1, and `warnings` (when given) gets a line that says so."""
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{source} is {len(data):,} bytes; the limit for one cable is {MAX_INPUT_BYTES:,}")
    if b"\x00" in data[:8192]:
        raise InputError(f"{source} looks like binary data, not a cable text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        text = data.decode("latin-1")
        if warnings is not None:
            warnings.append(msg_not_utf8(source, data, e.start))
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError(f"{source} is empty")
    return text


def msg_not_utf8(source: str, data: bytes, at: int) -> str:
    return (f"{source} is not valid UTF-8 (byte 0x{data[at]:02X} at offset {at:,}): the whole text was read as "
            "Latin-1, so letters outside ASCII may be wrong")


def read_text(path: str, warnings: list[str] | None = None) -> str:
    if path == "-":
        return decode_text(sys.stdin.buffer.read(MAX_INPUT_BYTES + 1), "standard input", warnings)
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: no such file")
    with p.open("rb") as f:
        return decode_text(f.read(MAX_INPUT_BYTES + 1), path, warnings)


def _open_corpus(path: str) -> io.TextIOBase:
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: no such file")
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(p, "rb"), encoding="utf-8", errors="replace")
    return p.open("r", encoding="utf-8", errors="replace")


def _bounded_lines(stream: io.TextIOBase) -> Iterator[str | int]:
    """The stream's lines; a line over MAX_LINE_CHARS comes as its length (an int), never as one string."""
    while True:
        line = stream.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        if len(line) <= MAX_LINE_CHARS or line.endswith("\n"):
            yield line
            continue
        size = len(line)
        del line
        while True:  # the rest of the over-long line, in bounded pieces
            more = stream.readline(MAX_LINE_CHARS)
            size += len(more)
            if not more or more.endswith("\n"):
                break
        yield size


def _read_corpus(path: str, max_chars: int | None = None, max_blank_lines: int | None = None) -> Iterator[Record]:
    stream = _open_corpus(path)
    n = chars = blank = 0
    try:
        with stream:
            for n, line in enumerate(_bounded_lines(stream), start=1):
                chars += line if isinstance(line, int) else len(line)
                if max_chars is not None and chars > max_chars:
                    yield Record(line=n, id=None, raw=None,
                                 error=f"{READING_STOPPED} at line {n:,}: over {max_chars:,} characters read "
                                       "(after decompression), the most one upload may hold")
                    return
                if isinstance(line, int):
                    yield Record(line=n, id=None, raw=None,
                                 error=f"line is {line:,} characters long; the limit is {MAX_LINE_CHARS:,} "
                                       f"(one cable is at most {MAX_INPUT_BYTES:,} bytes)")
                    continue
                if not line.strip():
                    blank += 1
                    if max_blank_lines is not None and blank > max_blank_lines:
                        yield Record(line=n, id=None, raw=None,
                                     error=f"{READING_STOPPED} at line {n:,}: over {max_blank_lines:,} blank lines")
                        return
                    continue
                yield _record_from_line(n, line)
    except (EOFError, OSError, zlib.error) as e:
        # A truncated gzip member: everything before the fault was yielded; say where it stopped.
        yield Record(line=n + 1, id=None, raw=None, error=f"corpus unreadable after line {n}: {e}")


def _record_from_line(n: int, line: str) -> Record:
    too_deep = f"nesting too deep: JSON nested over {MAX_JSON_DEPTH} levels"
    try:
        obj = json.loads(line.rstrip("\r\n"))  # a newline would read as a control character in an unclosed string
    except json.JSONDecodeError as e:
        # e.msg is a fragment meant for "<msg>: line 1 column 5 (char 4)"; some end in "at" already
        msg = e.msg[:-3] if e.msg.endswith(" at") else e.msg
        return Record(line=n, id=None, raw=None, error=f"invalid JSON: {msg[:1].lower()}{msg[1:]} at column {e.colno}")
    except RecursionError:
        return Record(line=n, id=None, raw=None, error=too_deep)
    except ValueError as e:  # a number of over 4,300 digits (Python's int conversion limit) and the like
        return Record(line=n, id=None, raw=None, error=f"invalid JSON: {' '.join(str(e).split(';')[0].split())}")
    if _json_depth(obj) > MAX_JSON_DEPTH:
        rid = obj.get("id") if isinstance(obj, dict) and isinstance(obj.get("id"), str) else None
        return Record(line=n, id=rid, raw=None, error=too_deep)
    if not isinstance(obj, dict):
        return Record(line=n, id=None, raw=None, error="not a JSON object")
    raw = obj.pop("raw", None)
    hints, warnings = _bounded_hints(obj)
    del obj
    rid = hints.get("id") if isinstance(hints.get("id"), str) else None
    if not isinstance(raw, str):
        return Record(line=n, id=rid, raw=None, hints=hints, error="no `raw` text field")
    if not raw.strip():
        return Record(line=n, id=rid, raw=None, hints=hints, error="`raw` is empty")
    if len(raw) > MAX_INPUT_BYTES // 4 and len(raw.encode("utf-8", errors="surrogatepass")) > MAX_INPUT_BYTES:
        return Record(line=n, id=rid, raw=None, hints=hints,
                      error=f"`raw` is over {MAX_INPUT_BYTES:,} bytes, the limit for one cable")
    return Record(line=n, id=rid, raw=raw, hints=hints, warnings=warnings)


def _bounded_hints(obj: dict) -> tuple[dict, list[str]]:
    """The record's fields besides `raw`, each at most MAX_HINT_CHARS as JSON and MAX_HINT_FIELDS of them;
    a warning names each field dropped."""
    hints: dict = {}
    dropped: list[str] = []
    for k, v in obj.items():
        size = _json_size(v, MAX_HINT_CHARS)
        if len(k) > 100 or size > MAX_HINT_CHARS or len(hints) >= MAX_HINT_FIELDS:
            dropped.append(k[:40])
            continue
        hints[k] = v
    if not dropped:
        return hints, []
    names = ", ".join(f"`{k}`" for k in dropped[:5]) + (f" and {len(dropped) - 5:,} more" if len(dropped) > 5 else "")
    return hints, [f"field(s) {names} not kept: a field besides `raw` is at most {MAX_HINT_CHARS:,} characters, "
                   f"and a record has at most {MAX_HINT_FIELDS} of them"]


def _json_size(obj, limit: int) -> int:
    """About how many characters `obj` takes as JSON, counted only up to `limit` + 1."""
    if isinstance(obj, str):
        return len(obj) + 2
    size = 0
    stack = [obj]
    while stack and size <= limit:
        o = stack.pop()
        if isinstance(o, dict):
            size += 2 + 4 * len(o)
            if size <= limit:
                size += sum(len(str(k)) for k in o)
                stack.extend(o.values())
        elif isinstance(o, list):
            size += 2 + len(o)
            if size <= limit:
                stack.extend(o)
        else:
            size += len(o) + 2 if isinstance(o, str) else 8
    return size


def _json_depth(obj, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep `obj` nests (a scalar is 0), counted without recursion and only up to `limit` + 1."""
    deepest = 0
    stack = [(obj, 1)]
    while stack:
        o, d = stack.pop()
        if isinstance(o, dict):
            o = o.values()
        elif not isinstance(o, list):
            continue
        deepest = max(deepest, d)
        if d > limit:
            return d
        stack.extend((v, d + 1) for v in o if isinstance(v, (dict, list)))
    return deepest


def examples_dir():
    """The example cables shipped in the package (the page's examples, the corpus tab's fallback)."""
    return resources.files("summarizer").joinpath("data", "examples")
