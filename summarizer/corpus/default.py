"""The index `summarizer serve` shows without `--corpus`: the dev split's when `../shared/data` (from the
working directory, as in the SPEC's commands) holds it, else one of the shipped examples.

It is a `summarizer batch` run like any other, into a cache folder named after the input and the model
(`$SUMMARIZER_CACHE`, default `~/.cache/cable-summarizer/corpus/`), started in a child process the first
time the page's Corpus tab is used and indexed at its end. Being a batch run, it is resumable: a server
stopped half way goes on from its finished shards next time, and a finished one is used at once. The run
ends with the server, however the server ends (`batch.local.exit_with_parent`); while another process
(another server, a `summarizer batch`) writes the same folder, the tab says so and waits for it, and goes
on with the run itself if that process stops first.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from summarizer.batch import manifest
from summarizer.batch.local import EXIT_WITH_ENV
from summarizer.batch.shards import MSG_LOCKED, SHARD_DIR, run_in_progress
from summarizer.corpus.schema import index_file, open_read_only
from summarizer.inputs import InputError, examples_dir

DEV = Path("..") / "shared" / "data" / "cables-dev.jsonl.gz"
CACHE_ENV = "SUMMARIZER_CACHE"
SHARD_SIZE = 100  # small shards: the progress shows, and a stopped build loses little


def cache_root() -> Path:
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "cable-summarizer" / "corpus"


@dataclass
class DefaultCorpus:
    name: str  # what the page calls it: "the dev split", "the shipped examples"
    input: Path
    out: Path  # the batch OUT_DIR


def examples_corpus(folder: Path) -> Path:
    """The shipped example cables as a corpus file (one JSON object a line), written once."""
    path = folder / "examples.jsonl"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        names = sorted(p.name for p in examples_dir().iterdir() if p.name.endswith(".txt"))
        lines = [json.dumps({"id": n.removesuffix(".txt"), "raw": examples_dir().joinpath(n).read_text(encoding="utf-8")})
                 for n in names]
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    return path


def default_corpus(model_dir: str | None, root: Path | None = None, dev: Path = DEV) -> DefaultCorpus:
    """Which corpus, and where its run goes (one folder per input and model: a batch run refuses another
    model in the same folder)."""
    root = root or cache_root()
    model = manifest.model_fingerprint(model_dir)["sha256"][:12]
    if dev.is_file():
        return DefaultCorpus("the dev split", dev.resolve(), root / f"dev-{model}")
    return DefaultCorpus("the shipped examples", examples_corpus(root), root / f"examples-{model}")


class DefaultIndexBuild:
    """The default corpus's batch run in a child process, started once by `start()`; `state()` says how far."""

    command = [sys.executable, "-m", "summarizer.batch"]  # the batch command, before its arguments

    def __init__(self, model_dir: str | None, root: Path | None = None, dev: Path = DEV):
        self.model_dir, self.root, self.dev = model_dir, root, dev
        self.corpus: DefaultCorpus | None = None
        self.error: str | None = None
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    @property
    def index(self) -> Path | None:
        return index_file(self.corpus.out) if self.corpus else None

    def start(self) -> None:
        """Start the run unless it is complete, running here, or being written by another process (the
        page asks again every few seconds: once that process has stopped short of the end, it starts here)."""
        with self._lock:
            if self.error or (self._proc is not None and not self._lost_the_lock()):
                return
            try:
                if self.corpus is None:
                    self.corpus = default_corpus(self.model_dir, self.root, self.dev)
                if self._complete() or run_in_progress(self.corpus.out):
                    self._proc = None
                    return
                self.corpus.out.mkdir(parents=True, exist_ok=True)
                cmd = [*self.command, str(self.corpus.input), "--out", str(self.corpus.out),
                       "--workers", "1", "--cpus-per-worker", "1", "--shard-size", str(SHARD_SIZE)]
                if self.model_dir:
                    cmd += ["--model", str(self.model_dir)]
                # appended to: a run that loses the race for the lock to another process adds its one line
                # to the log of the run that won, instead of emptying it
                log = open(self.corpus.out / "build.log", "a", encoding="utf-8")  # noqa: SIM115 - the child's
                env = {**os.environ, EXIT_WITH_ENV: str(os.getpid())}  # the run ends with this server
                self._proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                                              env=env)
                log.close()
                atexit.unregister(self._stop)  # once, however many runs this server starts
                atexit.register(self._stop)
            except Exception as e:  # noqa: BLE001 - the tab says why; the page goes on
                self.error = " ".join(f"{type(e).__name__}: {e}".split())[:300]

    def _lost_the_lock(self) -> bool:
        """This server's run ended at once because another process was writing the folder (it started
        in the moment between the check and the run taking the lock)."""
        return self._proc.poll() == 2 and MSG_LOCKED in self._last_log_line()

    def _stop(self) -> None:
        """The run stops with the server (it resumes from its finished shards next time)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()

    def _complete(self) -> bool:
        """The run is complete and its index holds every record (the batch indexes after its manifest says
        complete, so a server stopped then leaves a short index: the next start runs the batch again,
        which keeps every shard and finishes the index)."""
        m = manifest.read(self.corpus.out)
        if not (m and m.get("status") == "complete" and index_file(self.corpus.out).is_file()):
            return False
        try:
            with contextlib.closing(open_read_only(index_file(self.corpus.out))) as conn:
                return conn.execute("SELECT count(*) FROM cables").fetchone()[0] == m["counts"]["records"]
        except (InputError, sqlite3.DatabaseError):
            return False

    def state(self) -> tuple[str, str]:
        """("ready" | "building" | "failed" | "idle", a line for the page)."""
        if self.error:
            return "failed", f"the default corpus could not be built: {self.error}"
        if self.corpus is None:
            return "idle", "the default corpus index is built the first time this tab is used"
        if self._proc is not None and self._proc.poll() is None:
            return "building", (f"building the index of {self.corpus.name} in the background "
                                f"({self._progress()}); it opens here when done")
        if self._complete():
            return "ready", f"{self.corpus.name} ({self.corpus.input.name})"
        if run_in_progress(self.corpus.out):
            return "building", (f"the index of {self.corpus.name} is being built by another process "
                                f"({self._progress()}); it opens here when done")
        if self._proc is None or self._lost_the_lock():
            return "idle", (f"the index of {self.corpus.name} was being built by another process, which stopped "
                            "before the end; it goes on here the next time this tab is used")
        return "failed", f"building the index of {self.corpus.name} failed: {self._last_log_line()}"

    def _progress(self) -> str:
        m = manifest.read(self.corpus.out)
        if not m:
            return "loading the model"
        total = sum(i["records"] for i in m["plan"]["inputs"])
        shards = self.corpus.out / SHARD_DIR
        done = 0
        for p in shards.glob("*.jsonl*"):
            with open(p, "rb") as f:
                done += sum(1 for _ in f)
        return f"{done:,} of {total:,} cables summarized" if done < total else "indexing"

    def _last_log_line(self) -> str:
        try:
            lines = (self.corpus.out / "build.log").read_text(encoding="utf-8").strip().splitlines()
        except OSError:
            return "no log"
        return " ".join(lines[-1].split())[:300] if lines else "no log"
