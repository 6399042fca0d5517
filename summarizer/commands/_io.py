"""What every corpus-reading command shares: output streams, progress bars, bad-record accounting."""
from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Iterator, TypeVar

T = TypeVar("T")


@contextlib.contextmanager
def output(path: str | None) -> Iterator[IO[str]]:
    if path in (None, "-"):
        yield sys.stdout
        sys.stdout.flush()
    else:
        with open(path, "w", encoding="utf-8") as f:
            yield f


def write_json(out: IO[str], obj: dict) -> None:
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")


def model_failed(e: Exception) -> str:
    """One line for a prediction that raised (torch's allocator and generate's checks can write several)."""
    return " ".join(f"model failed: {type(e).__name__}: {e}".split())


def progress(items: Iterable[T], desc: str, enabled: bool) -> Iterable[T]:
    """A progress bar on stderr, only for corpora and only when a person is watching."""
    if not enabled or not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit=" cables", file=sys.stderr)


# Measured on the project's 2-core CPU machine (scripts/startup_phases.py): importing torch and transformers
# and loading the shipped model took 5-7 s. Said only until this machine has measured its own load.
FIRST_LOAD_S = 6
LOAD_TIMES_FILE = "load-seconds.json"
LOAD_TIMES_KEPT = 20  # model directories remembered; tests load many throw-away ones


def _load_times_path() -> Path:
    base = os.environ.get("SUMMARIZER_CACHE_DIR")
    if base:
        return Path(base) / LOAD_TIMES_FILE
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "cable-summarizer" / LOAD_TIMES_FILE


def _read_load_times() -> dict[str, float]:
    try:
        data = json.loads(_load_times_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: float(v) for k, v in data.items() if isinstance(v, (int, float)) and v > 0}


def _remember_load_time(key: str, seconds: float) -> None:
    """Best effort: an unwritable cache only costs the next start its estimate."""
    times = _read_load_times()
    times.pop(key, None)
    times[key] = round(seconds, 1)
    times = dict(list(times.items())[-LOAD_TIMES_KEPT:])
    path = _load_times_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(times, indent=0), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def _model_key(model: str | None) -> str:
    from summarizer.model.loading import DEFAULT_MODEL_DIR

    return str(Path(model).expanduser().resolve() if model else DEFAULT_MODEL_DIR)


def load_with_progress(command: str, model: str | None, load):
    """`load()` between two lines on stderr: what is loading and how long it took the last time on this
    machine (or the figure measured for the shipped model), then how long it took now. The model load
    is the one long silent wait of every command; stdout stays for the records."""
    key = _model_key(model)
    last = _read_load_times().get(key)
    what = f"the model in {model}" if model else "the shipped default model"
    guess = f"took {last:.1f} s last time" if last else f"about {FIRST_LOAD_S} s on 2 CPU cores"
    print(f"summarizer {command}: loading {what} ({guess})...", file=sys.stderr, flush=True)
    t = time.perf_counter()
    loaded = load()
    seconds = time.perf_counter() - t
    _remember_load_time(key, seconds)
    device = getattr(loaded, "device", None)
    print(f"summarizer {command}: model loaded{f' on {device}' if device else ''} in {seconds:.1f} s",
          file=sys.stderr, flush=True)
    return loaded


@dataclass
class Tally:
    """Counts records and reports bad ones by line and id, so none is dropped silently."""

    command: str
    ok: int = 0
    bad: list[str] = field(default_factory=list)

    def failed(self, line: int, rid: str | None, reason: str) -> None:
        msg = f"line {line}" + (f" ({rid})" if rid else "") + f": {reason}"
        self.bad.append(msg)
        print(f"summarizer {self.command}: {msg}", file=sys.stderr)

    def finish(self) -> int:
        print(f"summarizer {self.command}: {self.ok} ok, {len(self.bad)} bad record(s)", file=sys.stderr)
        return 2 if self.bad else 0
