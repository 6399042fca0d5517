"""The long fuzz run of issue 8, with its report.

    pip install -e ".[fuzz]"
    python -m fuzz.run --seconds 600 --min-inputs 1000000 --jobs 2 --out reports/fuzz

Steps, each written to `--out`:
1. seeds: `fuzz.make_seeds` into WORK/seeds (real cables, mutated cables, pathological text, random bytes);
2. `big_inputs.json`: every pathological generator and stretched real cables at the 1 MB input limit,
   each parsed uninstrumented against the 1 s budget (`fuzz.big_inputs`);
3. `regex_audit.json`: every parser regex against its worst inputs (`fuzz.regex_audit --reach`);
4. the coverage-guided run: `--jobs` atheris processes (`fuzz.fuzz_parse`) sharing one corpus, restarted
   in rounds until BOTH `--seconds` have passed and `--min-inputs` inputs have run (or `--max-seconds`);
5. triage: every finding replayed uninstrumented (1 s budget, 10 s cap) to confirm it;
6. `report.json` + `report.md`: inputs run, duration, exec/s, crashes, hangs, slowest input, peak RSS,
   the big-input and regex tables. With `--save-corpus tests/fuzz_corpus` every finding's smallest input
   is added to the regression corpus that the default tests replay (tests/test_hardening_fuzz_corpus.py).

Exit status 0 when nothing was found, 1 otherwise.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from fuzz.check import BUDGET_S, read_text_file, run_one, write_text_file

REPO = Path(__file__).resolve().parents[1]
_STAT = re.compile(r"^stat::(\w+):\s+(\d+)", re.M)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _py(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]


def fuzz_rounds(work: Path, jobs: int, seconds: float, min_inputs: int, max_seconds: float, max_len: int,
                rss_limit_mb: int, round_s: float, log=print) -> dict:
    corpus, seeds, findings = work / "corpus", work / "seeds", work / "findings"
    artifacts, logs, stats = work / "artifacts", work / "logs", work / "stats"
    for d in (corpus, findings, artifacts, logs, stats):
        d.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    total, peak_rss, rounds, exits = 0, 0, 0, []
    while True:
        elapsed = time.time() - t0
        if (elapsed >= seconds and total >= min_inputs) or elapsed >= max_seconds:
            break
        left = max_seconds - elapsed
        want = max(seconds - elapsed, 0)
        this = int(max(30, min(round_s, left, want if total >= min_inputs else round_s)))
        procs = []
        for j in range(jobs):
            tag = f"r{rounds:03d}-j{j}"
            env = {**os.environ, "FUZZ_STATS": str(stats / f"{tag}.json"), "FUZZ_FINDINGS": str(findings)}
            cmd = _py("fuzz.fuzz_parse", str(corpus), str(seeds), f"-max_total_time={this}", f"-max_len={max_len}",
                      "-timeout=30", f"-rss_limit_mb={rss_limit_mb}", "-print_final_stats=1", "-reload=1",
                      f"-seed={rounds * 100 + j + 1}", f"-artifact_prefix={artifacts}/")
            out = (logs / f"{tag}.log").open("w")
            procs.append((tag, subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT), out))
        for tag, p, out in procs:
            rc = p.wait()
            out.close()
            text = (logs / f"{tag}.log").read_text(errors="replace")
            st = {k: int(v) for k, v in _STAT.findall(text)}
            n = st.get("number_of_executed_units")
            if n is None:  # killed before its final stats: the harness' own count
                f = stats / f"{tag}.json"
                n = json.loads(f.read_text()).get("inputs", 0) if f.is_file() else 0
            total += n
            peak_rss = max(peak_rss, st.get("peak_rss_mb", 0))
            if rc != 0:
                exits.append({"round": tag, "exit": rc, "tail": text[-600:]})
        rounds += 1
        log(f"fuzz: round {rounds} done, {total:,} inputs in {time.time() - t0:.0f} s")
    harness = [json.loads(f.read_text()) for f in sorted(stats.glob("*.json"))]
    return {"inputs": total, "seconds": round(time.time() - t0, 1), "rounds": rounds, "jobs": jobs,
            "max_len": max_len, "peak_rss_mb": max([peak_rss] + [h.get("peak_rss_mb", 0) for h in harness]),
            "abnormal_exits": exits, "slowest_instrumented_s": max((h.get("slowest_s", 0) for h in harness), default=0),
            "corpus_files": sum(1 for _ in corpus.iterdir())}


def triage(work: Path) -> dict:
    """Replay every saved finding uninstrumented; and the slowest completed input."""
    found = []
    for folder in sorted((work / "findings").glob("*-*")):
        info = folder / "info.json"
        if not folder.is_dir() or not info.is_file():
            continue
        meta = json.loads(info.read_text())
        replays = []
        for item in meta["inputs"]:
            txt = folder / item["file"].replace(".bin", ".txt")
            if txt.is_file():
                r = run_one(read_text_file(txt), BUDGET_S, 5.0)
                replays.append({"file": str(txt.relative_to(work)), "bytes": item["bytes"], **r})
        confirmed = [r for r in replays if r["outcome"] != "ok"]
        found.append({"id": folder.name, "kind": meta["kind"], "signature": meta["signature"], "count": meta["count"],
                      "confirmed": bool(confirmed), "replays": replays})
    for art in sorted((work / "artifacts").glob("*")):  # libFuzzer's own: OOM, timeouts, deadly signals
        data = art.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        r = run_one(text, BUDGET_S, 5.0)
        found.append({"id": art.name, "kind": art.name.split("-")[0], "signature": f"libFuzzer {art.name.split('-')[0]}",
                      "count": 1, "confirmed": r["outcome"] != "ok", "replays": [{"file": str(art.relative_to(work)),
                                                                                     "bytes": len(data), **r}]})
    slowest = None
    for f in (work / "findings").glob("slowest-*.txt"):
        text = read_text_file(f)
        r = run_one(text, BUDGET_S, 10.0)
        if slowest is None or r["seconds"] > slowest["seconds"]:
            slowest = {"file": str(f.relative_to(work)), "chars": len(text), **r}
    return {"findings": found, "slowest_uninstrumented": slowest}


def save_corpus(found: list[dict], work: Path, dest: Path) -> list[str]:
    """Add the smallest input of each finding to the regression corpus (dest/index.json lists them)."""
    dest.mkdir(parents=True, exist_ok=True)
    index_path = dest / "index.json"
    index = json.loads(index_path.read_text()) if index_path.is_file() else {}
    added = []
    for f in found:
        if not f["replays"]:
            continue
        smallest = min(f["replays"], key=lambda r: r["bytes"])
        name = f"{f['kind']}-{f['id'].split('-')[-1][:12]}.txt"
        if name in index:
            continue
        write_text_file(dest / name, read_text_file(work / smallest["file"]) if smallest["file"].endswith(".txt")
                        else (work / smallest["file"]).read_bytes().decode("utf-8", errors="replace"))
        index[name] = {"kind": f["kind"], "signature": f["signature"], "where": smallest.get("where"),
                       "replay": smallest["outcome"], "seconds": smallest["seconds"], "found": _now()[:10],
                       "source": "fuzz.run", "bug": None}
        added.append(name)
    index_path.write_text(json.dumps(dict(sorted(index.items())), indent=1, ensure_ascii=False) + "\n")
    return added


def markdown(rep: dict) -> str:
    fz, tri = rep.get("fuzz") or {}, rep.get("triage") or {}
    lines = [f"# Parser fuzz report ({rep['finished']})", "",
             f"Command: `{rep['command']}`", "", "| figure | value |", "|---|---:|"]
    if fz:
        lines += [f"| inputs run (coverage-guided) | {fz['inputs']:,} |", f"| duration | {fz['seconds']:,.0f} s |",
                  f"| exec/s | {fz['inputs'] / max(fz['seconds'], 1):,.0f} ({fz['jobs']} job(s), -max_len={fz['max_len']}) |",
                  f"| corpus files at the end | {fz['corpus_files']:,} |", f"| peak RSS of a fuzz process | {fz['peak_rss_mb']} MB |"]
    kinds: dict[str, int] = {}
    for f in tri.get("findings", []):
        if f["confirmed"]:
            kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
    lines += [f"| crashes (exceptions, broken invariants; unique, confirmed) | {kinds.get('crash', 0) + kinds.get('invariant', 0)} |",
              f"| hangs / inputs over {BUDGET_S:g} s (unique, confirmed uninstrumented) | {kinds.get('hang', 0) + kinds.get('slow', 0) + kinds.get('timeout', 0)} |",
              f"| out-of-memory | {kinds.get('oom', 0)} |"]
    s = tri.get("slowest_uninstrumented")
    if s:
        lines.append(f"| slowest input parsed to the end | {s['cpu_seconds']} s CPU uninstrumented, {s['chars']:,} chars "
                     f"({fz.get('slowest_instrumented_s', '?')} s CPU instrumented) |")
    big = rep.get("big_inputs")
    if big:
        lines.append(f"| megabyte inputs over the 1 s budget | {big['failed']} of {big['inputs']} (peak RSS {big['peak_rss_mb']} MB) |")
    ra = rep.get("regex_audit")
    if ra:
        reach = sum(1 for v in (ra.get("through_parse") or {}).values() if v)
        lines.append(f"| regexes with catastrophic backtracking | {len(ra['bad'])} of {ra['patterns']} ({reach} reachable through parse) |")
    if tri.get("findings"):
        lines += ["", "## Findings", "", "| id | kind | signature | times hit | replay (uninstrumented) |", "|---|---|---|---:|---|"]
        for f in tri["findings"]:
            r = min(f["replays"], key=lambda x: x["bytes"]) if f["replays"] else {}
            lines.append(f"| {f['id']} | {f['kind']} | `{f['signature']}` | {f['count']} | {r.get('outcome')} "
                         f"{r.get('cpu_seconds')} s CPU, {r.get('bytes')} B, {r.get('where') or ''} |")
    if big:
        lines += ["", "## Megabyte inputs over the budget", "", "| input | bytes | CPU seconds | outcome | where |",
                  "|---|---:|---:|---|---|"]
        for r in big["results"]:
            if r["outcome"] != "ok":
                lines.append(f"| {r['name']} | {r['bytes']:,} | {r['cpu_seconds']} | {r['outcome']} | {r['where'] or ''} |")
    if ra and ra["bad"]:
        lines += ["", "## Regular expressions with catastrophic backtracking", ""]
        for d in ra["bad"]:
            name = d.split(":", 1)[0]
            r = (ra.get("through_parse") or {}).get(name)
            lines.append(f"- {d}" + (f"; through parse: {r['input']} as {r['context']}, at {r['file']}:{r['line']}"
                                      if r else "; not reached through parse (latent)"))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=600, help="fuzz at least this long (default 600)")
    ap.add_argument("--min-inputs", type=int, default=1_000_000, help="and at least this many inputs (default 1,000,000)")
    ap.add_argument("--max-seconds", type=float, default=4 * 3600, help="stop here even if --min-inputs is not reached")
    ap.add_argument("--jobs", type=int, default=1, help="fuzz processes at once (one a core)")
    ap.add_argument("--max-len", type=int, default=4096, help="largest fuzz input in bytes (libFuzzer -max_len)")
    ap.add_argument("--rss-limit-mb", type=int, default=2048)
    ap.add_argument("--round", type=float, default=300, help="seconds per round of fuzz processes")
    ap.add_argument("--work", type=Path, default=REPO / "fuzz" / "work")
    ap.add_argument("--out", type=Path, default=REPO / "reports" / "fuzz")
    ap.add_argument("--reseed", action="store_true", help="rebuild the seed corpus")
    ap.add_argument("--no-big", action="store_true", help="skip the megabyte pass")
    ap.add_argument("--audit", choices=["full", "quick", "none"], default="full")
    ap.add_argument("--save-corpus", type=Path, help="add each finding's smallest input here (tests/fuzz_corpus)")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    rep: dict = {"started": _now(), "command": "python -m fuzz.run " + " ".join(argv if argv is not None else sys.argv[1:]),
                 "python": sys.version.split()[0], "cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()}
    seeds = args.work / "seeds"
    if args.reseed or not seeds.is_dir() or not any(seeds.iterdir()):
        subprocess.run(_py("fuzz.make_seeds", "--out", str(seeds), "--size", str(args.max_len)), cwd=REPO, check=True)
    rep["seeds"] = {k: sum(1 for f in seeds.iterdir() if f.name.startswith(k)) for k in
                    ("real", "mutated", "pathological", "random")}
    if not args.no_big:
        log("fuzz: megabyte pass (fuzz.big_inputs)...")
        subprocess.run(_py("fuzz.big_inputs", "--json", str(args.out / "big_inputs.json")), cwd=REPO)
        rep["big_inputs"] = {k: v for k, v in json.loads((args.out / "big_inputs.json").read_text()).items()}
    if args.audit != "none":
        log("fuzz: regex audit (fuzz.regex_audit)...")
        cmd = _py("fuzz.regex_audit", "--reach", "--json", str(args.out / "regex_audit.json"))
        subprocess.run(cmd + (["--quick"] if args.audit == "quick" else []), cwd=REPO)
        ra = json.loads((args.out / "regex_audit.json").read_text())
        rep["regex_audit"] = {k: ra[k] for k in ("patterns", "attack_strings_run", "seconds", "bad", "through_parse")}
    log(f"fuzz: coverage-guided run, at least {args.seconds:g} s and {args.min_inputs:,} inputs...")
    rep["fuzz"] = fuzz_rounds(args.work, args.jobs, args.seconds, args.min_inputs, args.max_seconds, args.max_len,
                              args.rss_limit_mb, args.round, log)
    log("fuzz: replaying findings uninstrumented...")
    rep["triage"] = triage(args.work)
    if args.save_corpus:
        rep["saved_to_corpus"] = save_corpus(rep["triage"]["findings"], args.work, args.save_corpus)
    rep["finished"] = _now()
    (args.out / "report.json").write_text(json.dumps(rep, indent=1, default=str))
    (args.out / "report.md").write_text(markdown(rep))
    log(f"fuzz: report in {args.out / 'report.md'}")
    print(markdown(rep))
    bad = any(f["confirmed"] for f in rep["triage"]["findings"]) or (rep.get("big_inputs") or {}).get("failed") \
        or (rep.get("regex_audit") or {}).get("bad")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
