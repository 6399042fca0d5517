"""Coverage-guided fuzz target (atheris / libFuzzer) for `summarizer.parsing.parse`.

    pip install -e ".[fuzz]"
    python -m fuzz.fuzz_parse fuzz/work/corpus fuzz/work/seeds -max_total_time=60 -max_len=4096

(`python -m fuzz.run` drives it for a time and input budget and writes the report; use that.)

Every input is turned into text the way the service would see it (UTF-8, else Latin-1; or, behind a
0xFF first byte, any code points at all, lone surrogates included, as a JSON API call can send), parsed,
and the result checked: no exception, paragraph offsets inside the text, clean non-empty paragraph texts,
valid summary indexes, a JSON-serialisable record. What fails is not fatal here: it is saved under
FUZZ_FINDINGS (one folder per signature, at most 3 inputs each, the smallest kept) and fuzzing goes on,
so one run reports every distinct problem rather than the first.

Time: an input using more than FUZZ_SLOW_S seconds of CPU (default 1.0) is saved as "slow"; one still
running at FUZZ_HANG_S (default 2.0) is interrupted (a CPU-time alarm, SIGVTALRM) and saved as "hang"
with the parser frame it was stuck in. Times here are under coverage instrumentation (slower);
`fuzz.run` replays every finding uninstrumented to confirm it. Memory: libFuzzer's -rss_limit_mb stops
the process beyond the limit (an "oom" artifact); the peak RSS is in the stats.

Statistics (inputs run, slowest input, peak RSS, findings) go to FUZZ_STATS as JSON every 2,000 inputs
and at each finding.
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import sys
import time
import traceback
from pathlib import Path

import atheris

# FUZZ_STR_HOOK=1: comparison feedback for str methods (startswith, find...), so the fuzzer learns the
# labels the parser looks for; it halves the speed, so it is off by default (the seeds carry the labels).
# Not atheris' "RegEx" hook: its pattern proxy takes no pos/endpos arguments, which the parser uses, so
# every input would end in a TypeError of the hook's own.
if os.environ.get("FUZZ_STR_HOOK") == "1":
    atheris.enabled_hooks.add("str")

with atheris.instrument_imports(include=["summarizer"]):
    from summarizer.parsing import parse

from fuzz.check import check, where, write_text_file  # noqa: E402 - after the instrumented import

SLOW_S = float(os.environ.get("FUZZ_SLOW_S", "1.0"))
HANG_S = float(os.environ.get("FUZZ_HANG_S", "2.0"))
FINDINGS = Path(os.environ.get("FUZZ_FINDINGS", "fuzz/work/findings"))
STATS = Path(os.environ.get("FUZZ_STATS", f"fuzz/work/stats-{os.getpid()}.json"))
KEEP_PER_SIGNATURE = 3


class Hang(Exception):
    pass


def _on_alarm(signum, frame):
    raise Hang()


STATE = {"inputs": 0, "slowest_s": 0.0, "slowest_len": 0, "slowest_sha1": None, "findings": {},
         "started": time.time()}


def to_text(data: bytes) -> str:
    if data[:1] == b"\xff":
        fdp = atheris.FuzzedDataProvider(data[1:])
        return fdp.ConsumeUnicode(len(data))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def save(kind: str, signature: str, data: bytes, text: str, detail: str, seconds: float) -> None:
    """Keep the input (`.bin`: the fuzzer's bytes; `.txt`: the text parsed, UTF-8 with lone surrogates
    kept) in the folder of its signature."""
    sig = hashlib.sha1(f"{kind}:{signature}".encode()).hexdigest()[:12]
    folder = FINDINGS / f"{kind}-{sig}"
    folder.mkdir(parents=True, exist_ok=True)
    info = folder / "info.json"
    meta = json.loads(info.read_text()) if info.is_file() else {"kind": kind, "signature": signature, "count": 0,
                                                                 "inputs": []}
    meta["count"] += 1
    name = hashlib.sha1(data).hexdigest()[:16] + ".bin"
    if name not in [i["file"] for i in meta["inputs"]]:
        meta["inputs"].append({"file": name, "bytes": len(data), "seconds": round(seconds, 3), "detail": detail[:2000]})
        (folder / name).write_bytes(data)
        write_text_file(folder / name.replace(".bin", ".txt"), text)
        meta["inputs"].sort(key=lambda i: i["bytes"])
        for extra in meta["inputs"][KEEP_PER_SIGNATURE:]:  # keep the smallest few
            (folder / extra["file"]).unlink(missing_ok=True)
            (folder / extra["file"].replace(".bin", ".txt")).unlink(missing_ok=True)
        meta["inputs"] = meta["inputs"][:KEEP_PER_SIGNATURE]
    info.write_text(json.dumps(meta, indent=1))
    STATE["findings"][f"{kind}-{sig}"] = {"kind": kind, "signature": signature, "count": meta["count"]}
    write_stats()


def write_stats() -> None:
    STATE["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    STATE["seconds"] = round(time.time() - STATE["started"], 1)
    STATS.parent.mkdir(parents=True, exist_ok=True)
    tmp = STATS.with_suffix(".tmp")
    tmp.write_text(json.dumps(STATE, indent=1))
    tmp.replace(STATS)


def TestOneInput(data: bytes) -> None:  # noqa: N802 - atheris' name
    text = to_text(data)
    finished = False
    t0 = time.process_time()
    signal.setitimer(signal.ITIMER_VIRTUAL, HANG_S)
    try:
        cable = parse(text)
        check(text, cable)
        finished = True
    except Hang as e:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        save("hang", where(e.__traceback__), data, text, f"still running after {HANG_S} s of CPU", HANG_S)
    except Exception as e:  # noqa: BLE001 - every exception is a finding; fuzzing goes on
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        kind = "invariant" if isinstance(e, AssertionError) else "crash"
        sig = f"{type(e).__name__} at {where(e.__traceback__)}"
        save(kind, sig, data, text, "".join(traceback.format_exception(e))[-2000:], time.process_time() - t0)
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
    dt = time.process_time() - t0
    STATE["inputs"] += 1
    if finished and dt > STATE["slowest_s"]:  # the slowest input that was parsed to the end
        STATE["slowest_s"], STATE["slowest_len"] = round(dt, 4), len(data)
        STATE["slowest_sha1"] = hashlib.sha1(data).hexdigest()[:16]
        if dt > 0.05:
            FINDINGS.mkdir(parents=True, exist_ok=True)
            write_text_file(FINDINGS / f"slowest-{os.getpid()}.txt", text)
    if finished and dt > SLOW_S:
        save("slow", f"over {SLOW_S} s", data, text, f"{dt:.2f} s of CPU (instrumented)", dt)
    if STATE["inputs"] % 2000 == 0 or STATE["inputs"] in (1, 100, 500):
        write_stats()


def main() -> None:
    signal.signal(signal.SIGVTALRM, _on_alarm)
    atheris.Setup(sys.argv, TestOneInput)
    write_stats()
    atheris.Fuzz()


if __name__ == "__main__":
    main()
