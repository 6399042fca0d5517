"""Print one markdown table of several scoring runs.

    python -m eval.compare DIR [DIR...]

Each DIR holds a `report.json` written by `python -m eval.score`. Rows keep the order given.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .report import fmt

COLUMNS = [
    "system", "n", "ROUGE n", "R-1", "R-2 [95% CI]", "R-L", "R-Lsum [95% CI]",
    "tags µF1", "tags macro F1", "unsupported %", "other edit %", "fragment %", "broken %", "facts changed %",
    "words (ref)", "s/cable p50", "s/cable p95",
]


def _with_ci(value, ci) -> str:
    if value is None:
        return "–"
    return f"{value:.2f} [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else f"{value:.2f}"


def row_for(rep: dict) -> list[str]:
    fa = rep.get("faithfulness") or {}
    rd = rep.get("reading") or {}
    ln = rep.get("length") or {}
    sp = rep.get("speed") or {}
    words = "–"
    if ln:
        words = f"{fmt(ln.get('summary_words_mean'), 1)} ({fmt(ln.get('reference_words_mean'), 1)})"
    settings = rep.get("settings") or {}
    limit, stop = settings.get("limit"), settings.get("stopped_early")
    system = rep["system"]
    if stop:
        system += f" (first {stop['records_scored']} of {stop['records_selected']}: {stop['reason']})"
    elif limit:
        system += f" (--limit {limit})"
    return [
        system,
        str(rep.get("n")),
        str(rep.get("n_rouge")) if rep.get("rouge1") is not None else "–",
        fmt(rep.get("rouge1")),
        _with_ci(rep.get("rouge2"), rep.get("rouge2_ci95")),
        fmt(rep.get("rougeL")),
        _with_ci(rep.get("rougeLsum"), rep.get("rougeLsum_ci95")),
        fmt(rep.get("tags_f1_micro")),
        fmt(rep.get("tags_f1_macro")),
        fmt(fa.get("unsupported_share"), 1) if fa else "–",
        *(fmt(rd.get(k), 2) if rd else "–" for k in ("other_edit", "fragment", "broken", "facts_changed")),
        words,
        fmt(sp.get("seconds_per_cable_p50"), 4),
        fmt(sp.get("seconds_per_cable_p95"), 4),
    ]


def render(reports: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(["---"] + ["---:"] * (len(COLUMNS) - 1)) + "|"]
    lines += ["| " + " | ".join(row_for(r)) + " |" for r in reports]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr if not argv else sys.stdout)
        return 2 if not argv else 0
    reports = []
    for d in argv:
        p = Path(d)
        f = p / "report.json" if p.is_dir() else p
        if not f.is_file():
            print(f"eval.compare: {d}: no report.json", file=sys.stderr)
            return 2
        try:
            reports.append(json.loads(f.read_text(encoding="utf-8")))
        except (json.JSONDecodeError, OSError) as e:
            print(f"eval.compare: {f}: unreadable ({e})", file=sys.stderr)
            return 2
    print(render(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
