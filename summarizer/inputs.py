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


def read_records(path: str) -> Iterator[Record]:
    if is_corpus(path):
        yield from _read_corpus(path)
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


def _read_corpus(path: str) -> Iterator[Record]:
    stream = _open_corpus(path)
    n = 0
    try:
        with stream:
            for n, line in enumerate(_bounded_lines(stream), start=1):
                if isinstance(line, int):
                    yield Record(line=n, id=None, raw=None,
                                 error=f"line is {line:,} characters long; the limit is {MAX_LINE_CHARS:,} "
                                       f"(one cable is at most {MAX_INPUT_BYTES:,} bytes)")
                    continue
                if not line.strip():
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
    if _json_depth(obj) > MAX_JSON_DEPTH:
        rid = obj.get("id") if isinstance(obj, dict) and isinstance(obj.get("id"), str) else None
        return Record(line=n, id=rid, raw=None, error=too_deep)
    if not isinstance(obj, dict):
        return Record(line=n, id=None, raw=None, error="not a JSON object")
    rid = obj.get("id") if isinstance(obj.get("id"), str) else None
    raw = obj.get("raw")
    hints = {k: v for k, v in obj.items() if k != "raw"}
    if not isinstance(raw, str):
        return Record(line=n, id=rid, raw=None, hints=hints, error="no `raw` text field")
    if not raw.strip():
        return Record(line=n, id=rid, raw=None, hints=hints, error="`raw` is empty")
    if len(raw) > MAX_INPUT_BYTES // 4 and len(raw.encode("utf-8", errors="surrogatepass")) > MAX_INPUT_BYTES:
        return Record(line=n, id=rid, raw=None, hints=hints,
                      error=f"`raw` is over {MAX_INPUT_BYTES:,} bytes, the limit for one cable")
    return Record(line=n, id=rid, raw=raw, hints=hints)


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
