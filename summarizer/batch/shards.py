"""The output shards: planning them from the inputs, reading their records, writing them atomically.

A shard is a run of at most `shard_size` consecutive records of one input file (records as
`summarizer.inputs.read_records` yields them: one per non-blank corpus line, a bad line included with its
`error`). Shard `k` of input `i` holds records `k*shard_size ..` and is written to
`shards/III-STEM-KKKKK.jsonl`: first to `shards/III-STEM-KKKKK.jsonl.tmp`, then, once its last record is
written and synced, renamed to the final name. A final name therefore always holds a complete shard, and
a rerun treats exactly those as done: it deletes leftover `.tmp` files and redoes their shards.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Iterable, Iterator

from summarizer.commands._io import write_json
from summarizer.inputs import InputError, Record, is_corpus, read_records

SHARD_DIR = "shards"
TMP_SUFFIX = ".tmp"
LOCK_FILE = ".lock"
DEFAULT_SHARD_SIZE = 1000  # the largest default: fewer records are split so that every worker gets a shard


@dataclass
class InputFile:
    path: str  # as given on the command line
    sha256: str  # of the file's bytes (compressed, for .gz)
    bytes: int
    records: int = 0  # how many records read_records yields for it (bad lines included)


@dataclass
class Shard:
    name: str  # file name under shards/
    input: int  # index into Plan.inputs
    index: int  # shard number within its input
    start: int  # ordinal (0-based) of its first record within the input
    count: int  # records it holds


@dataclass
class Plan:
    inputs: list[InputFile]
    shard_size: int
    shards: list[Shard] = field(default_factory=list)
    limit: int | None = None  # `--limit`: only the first `limit` records of the inputs, taken in order

    @property
    def records(self) -> int:
        return sum(i.records for i in self.inputs)

    def to_json(self) -> dict:
        return {"shard_size": self.shard_size, "limit": self.limit, "inputs": [asdict(i) for i in self.inputs],
                "shards": [asdict(s) for s in self.shards]}

    @classmethod
    def from_json(cls, data: dict) -> "Plan":
        limit = data.get("limit")  # (absent from the manifests of runs before --limit)
        return cls(inputs=[InputFile(**i) for i in data["inputs"]], shard_size=int(data["shard_size"]),
                   shards=[Shard(**s) for s in data["shards"]], limit=None if limit is None else int(limit))


@dataclass
class Chunk:
    """Up to `batch_size` consecutive records of one shard: the unit of work an engine hands a worker."""

    shard: str
    number: int  # chunk number within the shard
    records: list[Record]


# ------------------------------------------------------------------ planning


def check_inputs(paths: list[str]) -> None:
    """Every INPUT must be a corpus file that exists, each given once: one-line InputError otherwise."""
    if not paths:
        raise InputError("no INPUT given")
    seen: dict[str, str] = {}
    for p in paths:
        if p == "-":
            raise InputError("batch reads corpus files, not standard input (a rerun must be able to read it again)")
        if not is_corpus(p):
            raise InputError(f"{p}: batch reads .jsonl or .jsonl.gz corpus files; "
                             "for a single cable use `summarizer summarize`")
        if not Path(p).is_file():
            raise InputError(f"{p}: no such file")
        key = os.path.realpath(p)
        if key in seen:
            raise InputError(f"{p}: given twice (also as {seen[key]}); each record must be summarized once")
        seen[key] = p


def file_sha256(path: str) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
            n += len(block)
    return h.hexdigest(), n


def count_records(path: str, at_most: int | None = None) -> int:
    """The records of `path`, or `at_most` once that many are read (a first look at a big corpus with
    --limit reads no further than it needs)."""
    n = 0
    for _ in read_records(path):
        n += 1
        if at_most is not None and n >= at_most:
            break
    return n


def default_shard_size(records: int, workers: int) -> int:
    """DEFAULT_SHARD_SIZE, or less so that the records make at least one shard per worker: a run of
    669 records on 2 workers is 2 shards of 335, not 1 that the second worker's rows wait behind."""
    return max(1, min(DEFAULT_SHARD_SIZE, -(-records // max(1, workers))))


def _stem(path: str) -> str:
    name = Path(path).name
    for ext in (".jsonl.gz", ".jsonl", ".ndjson"):
        if name.endswith(ext):
            name = name[: -len(ext)]
            break
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:60] or "input"


def make_plan(inputs: list[InputFile], shard_size: int, limit: int | None = None) -> Plan:
    """The shards of `inputs` (each with its `records` counted, up to what `limit` leaves for it)."""
    plan = Plan(inputs=inputs, shard_size=shard_size, limit=limit)
    width = max(3, len(str(len(inputs) - 1)))
    for i, inp in enumerate(inputs):
        stem = _stem(inp.path)
        for k, start in enumerate(range(0, inp.records, shard_size)):
            plan.shards.append(Shard(name=f"{i:0{width}d}-{stem}-{k:05d}.jsonl", input=i, index=k, start=start,
                                     count=min(shard_size, inp.records - start)))
    return plan


# ------------------------------------------------------------------ reading


def iter_chunks(plan: Plan, todo: Iterable[str], chunk_size: int,
                paths: list[str] | None = None) -> Iterator[Chunk]:
    """The records of the shards named in `todo`, in input order, in chunks of at most `chunk_size`.

    Each input is read once, front to back (records of finished shards are read past, not summarized),
    from `paths[i]` when given (a rerun may name the same file by another path), else the plan's path.
    Raises InputError when an input no longer holds the records the plan counted.
    """
    todo = set(todo)
    for i, inp in enumerate(plan.inputs):
        mine = [s for s in plan.shards if s.input == i and s.name in todo]
        if mine:
            yield from input_chunks(inp, mine, chunk_size, paths[i] if paths else inp.path)


def input_chunks(inp: InputFile, shards: list[Shard], chunk_size: int, path: str) -> Iterator[Chunk]:
    """The chunks of `shards` (all of input `inp`, read from `path`)."""
    it = iter(read_records(path))
    pos = 0
    for shard in sorted(shards, key=lambda s: s.start):
        while pos < shard.start:
            if next(it, None) is None:
                raise _changed(inp)
            pos += 1
        buf: list[Record] = []
        number = 0
        for _ in range(shard.count):
            rec = next(it, None)
            if rec is None:
                raise _changed(inp)
            pos += 1
            buf.append(rec)
            if len(buf) == chunk_size:
                yield Chunk(shard.name, number, buf)
                buf, number = [], number + 1
        if buf:
            yield Chunk(shard.name, number, buf)


def _changed(inp: InputFile) -> InputError:
    return InputError(f"{inp.path} holds fewer records than when this run was planned ({inp.records}): "
                      "did it change? use a new --out")


# ------------------------------------------------------------------ output directory


def shard_dir(out: Path) -> Path:
    return out / SHARD_DIR


def _lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def finished_shards(out: Path, plan: Plan, log: IO[str] = sys.stderr) -> set[str]:
    """Names of the shards already complete under `out` (a final file with the planned number of lines).

    Leftover temporary files are deleted; a final file with the wrong number of lines (edited by hand?)
    is deleted too, and its shard redone.
    """
    d = shard_dir(out)
    if not d.is_dir():
        return set()
    for tmp in d.glob(f"*{TMP_SUFFIX}"):
        tmp.unlink(missing_ok=True)
    done = set()
    for s in plan.shards:
        p = d / s.name
        if not p.is_file():
            continue
        n = _lines(p)
        if n == s.count:
            done.add(s.name)
        else:
            print(f"summarizer batch: {p} has {n} lines, expected {s.count}: redoing it", file=log)
            p.unlink()
    return done


def iter_rows(out: Path, plan: Plan) -> Iterator[dict]:
    """Every output row of the finished shards, in input order."""
    d = shard_dir(out)
    for s in plan.shards:
        p = d / s.name
        if p.is_file():
            yield from read_shard(p)


def read_shard(path: Path) -> Iterator[dict]:
    """The rows of one shard file; InputError naming the file and line when one is not a JSON object (a
    shard edited or damaged by hand: the batch command redoes a shard that is deleted)."""
    import json

    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, start=1):
            try:
                row = json.loads(line.rstrip("\r\n"))
            except ValueError as e:
                row = e
            if not isinstance(row, dict):
                why = (f"a JSON {type(row).__name__}" if not isinstance(row, Exception) else
                       f"invalid JSON ({row.msg.removesuffix(' at')} at column {row.colno})" if isinstance(row, json.JSONDecodeError)
                       else f"invalid JSON ({row})")
                raise InputError(f"{path}: line {n} is {why}, not a row of the batch run: the shard is damaged; "
                                 "delete it and rerun the same `summarizer batch` command to redo it")
            yield row


def _fsync_dir(d: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be opened and synced
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class ShardWriter:
    """Takes chunks of output rows (in any order), writes each shard's rows in record order to its
    temporary file, and renames the file to its final name when the shard's last row is in."""

    def __init__(self, out: Path, plan: Plan):
        self.dir = shard_dir(out)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.count = {s.name: s.count for s in plan.shards}
        self._open: dict[str, dict] = {}  # name -> {"file", "next", "rows", "waiting": {number: rows}}
        self.committed: list[str] = []

    def add(self, shard: str, number: int, rows: list[dict]) -> bool:
        """Add chunk `number` of `shard`; True when this completed (and renamed) the shard."""
        st = self._open.get(shard)
        if st is None:
            f = open(self.dir / (shard + TMP_SUFFIX), "w", encoding="utf-8")
            st = self._open[shard] = {"file": f, "next": 0, "rows": 0, "waiting": {}}
        st["waiting"][number] = rows
        while st["next"] in st["waiting"]:
            part = st["waiting"].pop(st["next"])
            for r in part:
                write_json(st["file"], r)
            st["rows"] += len(part)
            st["next"] += 1
        st["file"].flush()  # a half-written shard shows its progress (and is redone if the run dies)
        if st["rows"] > self.count[shard]:
            raise RuntimeError(f"shard {shard}: {st['rows']} rows for {self.count[shard]} records")
        if st["rows"] == self.count[shard] and not st["waiting"]:
            self._commit(shard, st["file"])
            del self._open[shard]
            return True
        return False

    def _commit(self, shard: str, f) -> None:
        f.flush()
        os.fsync(f.fileno())
        f.close()
        os.replace(self.dir / (shard + TMP_SUFFIX), self.dir / shard)
        _fsync_dir(self.dir)
        self.committed.append(shard)

    def close(self) -> None:
        """Close (never rename) the shards still incomplete: their temporary files are redone next run."""
        for st in self._open.values():
            st["file"].close()
        self._open.clear()


MSG_LOCKED = "another `summarizer batch` run is writing there"


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold DIR/.lock for the run: a second run on the same DIR fails at once instead of racing it.
    The lock dies with the process (also under SIGKILL), so a rerun after a crash just takes it."""
    import fcntl

    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK_FILE, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"{out}: {MSG_LOCKED}") from None
        yield
    finally:
        os.close(fd)


def run_in_progress(out: Path) -> bool:
    """Whether a `summarizer batch` run holds DIR/.lock now (the lock is tried, and let go at once)."""
    import fcntl

    try:
        fd = os.open(out / LOCK_FILE, os.O_RDWR)
    except OSError:
        return False  # no lock file: no run has written there yet
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing the descriptor lets go of a lock taken here
    return False
