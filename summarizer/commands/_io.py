"""What every corpus-reading command shares: output streams, progress bars, bad-record accounting."""
from __future__ import annotations

import contextlib
import json
import sys
import time
from dataclasses import dataclass, field
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


def progress(items: Iterable[T], desc: str, enabled: bool) -> Iterable[T]:
    """A progress bar on stderr, only for corpora and only when a person is watching."""
    if not enabled or not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit=" cables", file=sys.stderr)


def load_with_progress(command: str, model: str | None, load):
    """`load()` between two lines on stderr: what is loading, then how long it took. The model load (mostly
    the torch and transformers imports: ~5 s on the project's 2-core machine, `scripts/startup_phases.py`)
    is the one long silent wait of every command; stdout stays for the records."""
    say_loading(command, model)
    t = time.perf_counter()
    loaded = load()
    say_loaded(command, getattr(loaded, "device", None), time.perf_counter() - t)
    return loaded


def say_loading(command: str, model: str | None, where: str = "") -> None:
    what = f"the model in {model}" if model else "the shipped default model"
    print(f"summarizer {command}: loading {what}{where} (torch and transformers first; several seconds)...",
          file=sys.stderr, flush=True)


def say_loaded(command: str, device: str | None, seconds: float) -> None:
    print(f"summarizer {command}: model loaded{f' on {device}' if device else ''} in {seconds:.1f} s",
          file=sys.stderr, flush=True)


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


def add_writer_option(parser) -> None:
    """`--writer`, for every command that runs a model (the CLI's and the eval scripts')."""
    from summarizer.model import WRITERS

    parser.add_argument("--writer", choices=WRITERS, default=None,
                        help="extractive: the model directory's chosen sentences as they stand (the fast path); "
                             "causal: its causal writer, a language model that rewrites them (docs/writer.md); "
                             "default: the directory's own default")
