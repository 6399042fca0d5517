"""One parse, judged: what the fuzz target, the replay of findings, the big-input pass and the
regression tests all check the same way.

`run_one(text, budget_s, cap_s)` parses `text` with a CPU-time alarm at `cap_s` and says: "ok",
"slow" (over `budget_s` of CPU time), "hang" (interrupted at `cap_s`), "crash" (an exception) or "invariant"
(the result breaks a rule of `check`). `where` names the parser frame an exception or the alarm came from.
"""
from __future__ import annotations

import json
import os
import signal
import time
import traceback

PARSER_DIR = os.sep + os.path.join("summarizer", "")
BUDGET_S = 1.0  # issue 8: each input parsed in at most one second


class Interrupted(Exception):
    """Raised by the alarm inside a parse that ran past its cap."""


def check(raw: str, c) -> None:
    """What every parse must give (the invariants of tests/test_parse_properties.py)."""
    from summarizer.cable import Cable

    assert isinstance(c, Cable), type(c)
    assert isinstance(c.warnings, list) and all(isinstance(w, str) for w in c.warnings), "warnings"
    for p in c.paragraphs:
        assert 0 <= p.start <= p.end <= len(raw), f"paragraph offsets {p.start}..{p.end} outside 0..{len(raw)}"
        assert p.text and p.text == p.text.strip(), f"paragraph text not clean: {p.text[:40]!r}"
    assert all(0 <= i < len(c.paragraphs) for i in c.summary_paragraphs), "summary index out of range"
    assert isinstance(c.body, str), "body"
    json.dumps(c.to_json())


def where(tb) -> str:
    """The innermost frame in the project's code: 'summarizer/parsing/clean.py:split_marking:176'."""
    here = os.path.dirname(os.path.abspath(__file__))
    frames = [f for f in (traceback.extract_tb(tb) if tb is not None else [])
              if os.path.dirname(os.path.abspath(f.filename)) != here]  # not the harness or its alarm
    mine = [f for f in frames if PARSER_DIR in f.filename]
    f = (mine or frames or [None])[-1]
    if f is None:
        return "?"
    name = f.filename.split(PARSER_DIR, 1)[-1] if PARSER_DIR in f.filename else os.path.basename(f.filename)
    return f"summarizer/{name}:{f.name}:{f.lineno}" if PARSER_DIR in f.filename else f"{name}:{f.name}:{f.lineno}"


def _alarm(signum, frame):
    raise Interrupted()


def run_one(text: str, budget_s: float = BUDGET_S, cap_s: float = 10.0, hints: dict | None = None) -> dict:
    """Parse once under a cap of `cap_s` seconds of CPU time (SIGPROF; main thread only) and judge the
    result. CPU time, not wall-clock time: on a shared machine other work must not turn a parse into a
    "hang" or "slow"."""
    from summarizer.parsing import parse

    old = signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, cap_s)
    t0, c0 = time.perf_counter(), time.process_time()
    out: dict = {"outcome": "ok", "where": None, "error": None}
    try:
        cable = parse(text, hints)
        check(text, cable)
    except Interrupted as e:
        out.update(outcome="hang", where=where(e.__traceback__), error=f"still running after {cap_s:g} s of CPU")
    except AssertionError as e:
        out.update(outcome="invariant", where=where(e.__traceback__), error=f"{e}"[:500])
    except Exception as e:  # noqa: BLE001
        out.update(outcome="crash", where=where(e.__traceback__), error=f"{type(e).__name__}: {e}"[:500])
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)
    out["seconds"] = round(time.perf_counter() - t0, 4)
    out["cpu_seconds"] = round(time.process_time() - c0, 4)
    # Judged on CPU time, so that other work on a shared machine does not make an input "slow".
    if out["outcome"] == "ok" and out["cpu_seconds"] > budget_s:
        out["outcome"] = "slow"
    return out


def read_text_file(path) -> str:
    """A regression-corpus file: UTF-8, lone surrogates kept (surrogatepass), as the fuzzer produced it."""
    with open(path, "rb") as f:
        return f.read().decode("utf-8", errors="surrogatepass")


def write_text_file(path, text: str) -> None:
    with open(path, "wb") as f:
        f.write(text.encode("utf-8", errors="surrogatepass"))
