"""Every regular expression of the parser against the worst inputs built for it.

    python -m fuzz.regex_audit [--length 4000] [--cap 0.5] [--json OUT] [--only NAME ...]

For each compiled pattern of the parser's modules (and of the sentence splitter and the page's support
finder, which see the same user text), attack strings are built from runs of the characters that make
regexes backtrack (spaces, newlines, dots, slashes, parentheses, markings, digits) and of the pattern's
own literal words, each alone and behind a prefix of those words, with and without a character that makes
the match fail at the end. Each string is run through `match` and `finditer` (what `search` and `sub` do
at every position) under a cap of CPU time (times are CPU seconds, so a busy machine does not
make a pattern look slow). A string that takes over `--slow` seconds is run again at twice the
length: if the time grows more than 3x (and more than 8x at four times the length), the pattern is
superlinear there (catastrophic backtracking); if it hits the cap, it is a timeout.

Verdicts per pattern: ok, slow (linear but over the threshold), superlinear, timeout. Exit status 1
when any pattern is superlinear or times out.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import linecache
import re
import signal
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

MODULES = ["summarizer.parsing", "summarizer.parsing.body", "summarizer.parsing.clean", "summarizer.parsing.export",
           "summarizer.parsing.header", "summarizer.parsing.lines", "summarizer.parsing.summary",
           "summarizer.parsing.render", "summarizer.sentences", "summarizer.evidence", "summarizer.tags"]

PARSER_DIR = "/summarizer/"
UNITS = [" ", "  ", "\t", "\n", "\r\n", " \n", "x", "X", "A", "a", "1", "12", ".", ". ", ".\n", "/", "//", " /", "(",
         ")", "((", "[", "-", "- ", "=", "*", "* ", "_", "'", '"', ":", ";", ",", "¶", "¶ ", "¶1.", "A ", "A.", "A. ",
         "AB ", "1.", "1. ", "(C)", "(C) ", "//NF", "/NF", "/ NF", " UK", "X ", "0 ", "\u00a0", "\u3000"]
PREFIXES = ["", "x", "1. ", "1. (", "(", "(S", "A.", "\n", "END", "a."]
SUFFIXES = ["", "!", "\x00"]


@dataclass
class Attack:
    op: str
    prefix: str
    unit: str
    suffix: str
    length: int
    seconds: float
    ratio: float | None = None  # time at twice the length / time at this length


@dataclass
class Verdict:
    name: str
    pattern: str
    verdict: str  # ok | slow | superlinear | timeout
    worst: Attack | None
    tried: int
    ops: list[str] | None = None


def parser_patterns(modules: list[str] = MODULES) -> dict[str, re.Pattern]:
    """module.NAME -> compiled pattern, for every module-level re.Pattern."""
    out: dict[str, re.Pattern] = {}
    for mod_name in modules:
        mod = importlib.import_module(mod_name)
        for name, value in vars(mod).items():
            if isinstance(value, re.Pattern):
                key = f"{mod_name.removeprefix('summarizer.')}.{name}"
                if not any(v is value for v in out.values()):
                    out[key] = value
    return out


_USE = re.compile(r"(?<![\w.])(?:\w+\.)?(?P<name>[A-Za-z_]\w*)\.(?P<op>match|fullmatch|search|finditer|findall|sub|subn|split)\(")


def usage(modules: list[str] = MODULES) -> dict[str, set[str]]:
    """NAME -> the methods the code calls on it ("match", "finditer"...), read from the modules' source.
    A pattern only ever `match`ed at a position is not attacked with a scan over every position."""
    out: dict[str, set[str]] = {}
    for mod_name in modules:
        spec = importlib.util.find_spec(mod_name)
        if spec is None or not spec.origin:
            continue
        for m in _USE.finditer(Path(spec.origin).read_text(encoding="utf-8")):
            out.setdefault(m.group("name"), set()).add(m.group("op"))
    return out


def ops_for(name: str, uses: dict[str, set[str]]) -> list[str]:
    """The attacks a pattern gets: `match` if the code matches it, `finditer` if it scans with it
    (search, finditer, findall, sub, split); both when its use cannot be told from the source."""
    used = uses.get(name.rsplit(".", 1)[-1])
    if not used:
        return ["match", "finditer"]
    ops = []
    if used & {"match", "fullmatch"}:
        ops.append("match")
    if used - {"match", "fullmatch"}:
        ops.append("finditer")
    return ops


def literal_words(pattern: re.Pattern) -> list[str]:
    """Literal words in a pattern's source ("Website", "END", "SUMMARY"), escapes and classes removed."""
    src = re.sub(r"\\[a-zA-Z]|\[[^\]]*\]|\(\?P?<[^>]*>|\{[^}]*\}", " ", pattern.pattern)
    words = re.findall(r"[A-Za-z]{2,}", src)
    return list(dict.fromkeys(words))[:12]


class _Cap(Exception):
    pass


def _alarm(signum, frame):
    raise _Cap()


def _time(fn, cap: float) -> float:
    """CPU seconds of fn() (the best of two runs below 50 ms, where noise matters), inf past `cap`."""
    best = float("inf")
    for _ in range(2):
        signal.setitimer(signal.ITIMER_PROF, cap)
        t0 = time.process_time()
        try:
            fn()
        except _Cap:
            return float("inf")
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        best = min(best, time.process_time() - t0)
        if best > 0.05:
            break
    return best


def _build(prefix: str, unit: str, suffix: str, length: int) -> str:
    k = max(1, (length - len(prefix) - len(suffix)) // len(unit))
    return prefix + unit * k + suffix


def _ops(p: re.Pattern, s: str):
    return {"match": lambda: p.match(s), "finditer": lambda: sum(1 for _ in p.finditer(s))}


def audit(name: str, p: re.Pattern, length: int = 4000, cap: float = 0.5, slow: float = 0.02,
          quick: bool = False, ops: list[str] | None = None) -> Verdict:
    """Attack one pattern; `ops` are the methods to time (default: how the parser's code uses it)."""
    ops = ops or ops_for(name, usage())
    words = literal_words(p)
    units = UNITS + words + [w + " " for w in words]
    prefixes = PREFIXES + words + [w + ":" for w in words[:4]] + [w + " " for w in words[:4]]
    if quick:
        units = [" ", "\n", ".", "/", "//NF", "(", "¶", "A ", "1. ", "-", "X", "*", "\u00a0"] + words[:6] + \
                [w + " " for w in words[:3]]
        prefixes = ["", "1. (", "(S", "x"] + words[:6] + [w + ":" for w in words[:2]]
    worst: Attack | None = None
    tried = 0
    old = signal.signal(signal.SIGPROF, _alarm)
    try:
        for prefix in prefixes:
            for unit in units:
                for suffix in SUFFIXES[: 2 if quick else 3]:
                    s = _build(prefix, unit, suffix, length)
                    for op, fn in _ops(p, s).items():
                        if op not in ops:
                            continue
                        tried += 1
                        t = _time(fn, cap)
                        if worst is None or t > worst.seconds:
                            worst = Attack(op, prefix, unit, suffix, length, t)
                        if t == float("inf"):
                            return Verdict(name, p.pattern, "timeout", worst, tried, ops)
                        if t > slow:
                            t2 = _time(_ops(p, _build(prefix, unit, suffix, 2 * length))[op], cap * 4)
                            ratio = t2 / t if t2 != float("inf") else float("inf")
                            if 3.0 < ratio < float("inf"):
                                # One doubling is noisy on a busy machine (a linear scan once read x3.1 in
                                # CI): a real superlinear pattern also grows over 8x at four times the length.
                                t4 = _time(_ops(p, _build(prefix, unit, suffix, 4 * length))[op], cap * 16)
                                if t4 / t <= 8.0:
                                    continue
                            if ratio > 3.0:
                                worst = Attack(op, prefix, unit, suffix, length, t, round(ratio, 1))
                                return Verdict(name, p.pattern, "superlinear" if ratio != float("inf") else "timeout",
                                               worst, tried, ops)
    finally:
        signal.signal(signal.SIGPROF, old)
    verdict = "slow" if worst and worst.seconds > slow else "ok"
    return Verdict(name, p.pattern, verdict, worst, tried, ops)


CONTEXTS = {
    "alone": "{}",
    "header": "C O N F I D E N T I A L TOKYO 003797\nSIPDIS\nTAGS: PREL JA\nSUBJECT: TEST\n{}\n\n1. (C) Text.\n",
    "paragraph": "C O N F I D E N T I A L TOKYO 003797\nTAGS: PREL JA\nSUBJECT: TEST\n\n1. (C) {}\n\n2. (C) End.\n",
    "body-line": "C O N F I D E N T I A L TOKYO 003797\nTAGS: PREL JA\nSUBJECT: TEST\n\n1. (C) Text.\n{}\n",
}


LABELS = ["SUBJECT:", "TAGS:", "REF:", "Classified By:", "CLASSIFIED BY:", "E.O. 12958:", "Website", "END",
          "Summary:", "Comment:", "FM ", "1. (", "(S", "Identifier"]


_PROFILED: dict[tuple[str, float], tuple[float, Counter]] = {}


def profile_parse(text: str, cap: float, every: float = 0.01) -> tuple[float, Counter]:
    """Parse `text`, sampling the innermost project frame every `every` seconds; (seconds or inf at the
    cap, Counter of (file, function, line)). Remembered: many patterns are tried on the same texts."""
    key = (text, cap)
    if key not in _PROFILED:
        if len(_PROFILED) > 2000:
            _PROFILED.clear()
        _PROFILED[key] = _profile_parse(text, cap, every)
    return _PROFILED[key]


def _profile_parse(text: str, cap: float, every: float) -> tuple[float, Counter]:
    from summarizer.parsing import parse

    samples: Counter = Counter()
    t0 = time.process_time()

    def sample(signum, frame):
        f = frame
        while f is not None and PARSER_DIR not in f.f_code.co_filename:
            f = f.f_back
        if f is not None:
            samples[(f.f_code.co_filename.split(PARSER_DIR, 1)[-1], f.f_code.co_name, f.f_lineno)] += 1
        if time.process_time() - t0 > cap:
            raise _Cap()

    old = signal.signal(signal.SIGPROF, sample)
    signal.setitimer(signal.ITIMER_PROF, every, every)  # every `every` seconds of CPU
    try:
        parse(text)
        seconds = time.process_time() - t0
    except _Cap:
        seconds = float("inf")
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)
    return seconds, samples


def _hot_line_uses(samples: Counter, name: str) -> tuple[str, int, str] | None:
    """The hottest sampled line, if its source calls the pattern `name` and holds most samples."""
    if not samples:
        return None
    (file, func, line), n = samples.most_common(1)[0]
    src = linecache.getline(str(Path(importlib.util.find_spec("summarizer").origin).parent / file), line)
    if re.search(rf"\b{re.escape(name)}\b", src) and n >= 0.5 * sum(samples.values()):
        return f"summarizer/{file}", line, f"{func}: {src.strip()}"
    return None


def reachable(v: Verdict, p: re.Pattern | None = None, length: int = 20_000, cap: float = 1.5) -> dict | None:
    """Whether the pattern's worst run also hurts `parse` itself. The worst unit, behind the worst prefix,
    the pattern's literal words or common labels, before a few endings, at `length` characters, alone
    and inside a header, a paragraph and a body line. It is reachable when parse takes over 0.25 s, grows
    more than 3x at twice the length (or hits the cap), and the sampled hot line is the one that calls
    this pattern. None: the pattern is superlinear, but the parser never feeds it such text (latent)."""
    w = v.worst
    if w is None:
        return None
    name = v.name.rsplit(".", 1)[-1]
    words = literal_words(p) if p is not None else []
    prefixes = list(dict.fromkeys([w.prefix, *words, *[x + ":" for x in words], *LABELS]))
    for prefix in prefixes:
        for suffix in dict.fromkeys([w.suffix, "", "x", "!"]):
            for context, template in CONTEXTS.items():
                def text(n):
                    return template.format(_build(prefix, w.unit, suffix, n))
                t1, samples = profile_parse(text(length), cap)
                if t1 < 0.25:
                    continue
                hot = _hot_line_uses(samples, name)
                if hot is None:
                    continue
                t2 = float("inf") if t1 == float("inf") else profile_parse(text(2 * length), cap * 4)[0]
                if t2 == float("inf") or t2 / t1 > 3:
                    return {"context": context, "input": f"{prefix!r} + {w.unit!r} * N + {suffix!r}",
                            "chars": length, "seconds": None if t1 == float("inf") else round(t1, 3),
                            "ratio": None if t2 == float("inf") else round(t2 / t1, 1),
                            "file": hot[0], "line": hot[1], "code": hot[2]}
    return None


def describe(v: Verdict) -> str:
    w = v.worst
    if w is None:
        return f"{v.name}: {v.verdict}"
    shown = f"{w.prefix!r} + {w.unit!r} * {(w.length - len(w.prefix) - len(w.suffix)) // len(w.unit)} + {w.suffix!r}"
    extra = f", x{w.ratio} at twice the length" if w.ratio else ""
    secs = "over the cap" if w.seconds == float("inf") else f"{w.seconds:.3f} s"
    return f"{v.name}: {v.verdict} ({w.op} of {shown}: {secs}{extra})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--length", type=int, default=4000)
    ap.add_argument("--cap", type=float, default=0.5)
    ap.add_argument("--slow", type=float, default=0.02, help="seconds at --length that trigger the doubling check")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--quick", action="store_true", help="fewer attack strings (what the default tests run)")
    ap.add_argument("--reach", action="store_true",
                    help="for each bad pattern, check whether its worst string also makes parse() superlinear")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    pats = parser_patterns()
    if args.only:
        pats = {k: v for k, v in pats.items() if k in args.only or k.split(".")[-1] in args.only}
    uses = usage()
    t0 = time.perf_counter()
    verdicts = []
    for name, p in pats.items():
        v = audit(name, p, args.length, args.cap, args.slow, args.quick, ops_for(name, uses))
        verdicts.append(v)
        if v.verdict != "ok":
            print(describe(v), file=sys.stderr, flush=True)
    bad = [v for v in verdicts if v.verdict in ("superlinear", "timeout")]
    through_parse = {}
    if args.reach:
        for v in bad:
            r = reachable(v, pats[v.name])
            through_parse[v.name] = r
            print(f"  {v.name} through parse: " + (f"yes, {r['input']} as {r['context']} ({r['chars']:,} chars: "
                  + (f"{r['seconds']} s, x{r['ratio']} at twice" if r["seconds"] else "over the cap")
                  + f"), at {r['file']}:{r['line']} {r['code']}" if r else "no (latent)"), file=sys.stderr, flush=True)
    summary = {"patterns": len(verdicts), "attack_strings_run": sum(v.tried for v in verdicts),
               "seconds": round(time.perf_counter() - t0, 1), "length": args.length, "cap_s": args.cap,
               "bad": [describe(v) for v in bad], "through_parse": through_parse,
               "verdicts": [{**asdict(v), "worst": asdict(v.worst) if v.worst else None} for v in verdicts]}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=1, default=str))
    print(f"regex audit: {len(verdicts)} patterns, {summary['attack_strings_run']:,} runs in {summary['seconds']} s; "
          f"{len(bad)} with catastrophic backtracking", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
