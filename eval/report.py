"""Writing a scoring run: report.json, per_cable.jsonl, report.md and PNG plots (matplotlib, Agg)."""
from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

from summarizer.reading import problems

from summarizer import metrics

PLOTS = {
    "score_distribution": "score_distribution.png",
    "length_vs_reference": "length_vs_reference.png",
    "score_by_year": "score_by_year.png",
    "score_by_origin": "score_by_origin.png",
}


def write_outputs(out: Path, report: dict, rows: list[dict], plots: bool = True) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "per_cable.jsonl").open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    report["plots"] = write_plots(out, report, rows) if plots else []
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")
    (out / "report.md").write_text(render_markdown(report, rows), encoding="utf-8")


# ------------------------------------------------------------------------------------- helpers
def fmt(v, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def fmt_ci(ci) -> str:
    return f"[{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "–"


def row_score(r: dict) -> float | None:
    """The per-cable score used to rank cables and draw plots: ROUGE-Lsum, else tag F1."""
    if "rouge" in r:
        return r["rouge"]["rougeLsum"]
    return r.get("tag_f1")


def score_name(report: dict) -> str:
    return "ROUGE-Lsum F1" if report.get("n_rouge") else "tag F1"


def _cell(text: str | None, limit: int = 1500) -> str:
    if not text:
        return "*(empty)*"
    text = text.strip()
    if len(text) > limit:
        text = text[:limit].rstrip() + " …"
    return text.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


# ------------------------------------------------------------------------------------ markdown
def render_markdown(report: dict, rows: list[dict]) -> str:
    s = report["system"]
    L: list[str] = [f"# Scoring report: `{s}`", ""]
    L.append(f"Data `{report['data']}`: {report['n']} cables scored ({report['n_errors']} errors), "
             f"{report['n_rouge']} with an own summary (ROUGE), {report['n_tags']} with own TAGS.")
    stop = (report.get("settings") or {}).get("stopped_early")
    if stop:
        L.append("")
        L.append(f"**Stopped early ({stop['reason']}): only the first {stop['records_scored']} of "
                 f"{stop['records_selected']} selected records were scored.**")
    L.append("")
    L += ["| metric | value | 95% CI |", "|---|---:|---|"]
    for k, label in (("rouge1", "ROUGE-1 F1"), ("rouge2", "ROUGE-2 F1"), ("rougeL", "ROUGE-L F1"), ("rougeLsum", "ROUGE-Lsum F1")):
        if report.get(k) is not None:
            L.append(f"| {label} | {fmt(report[k])} | {fmt_ci(report.get(k + '_ci95'))} |")
    if report.get("tags_f1_micro") is not None:
        L.append(f"| TAGS micro F1 | {fmt(report['tags_f1_micro'])} | {fmt_ci(report.get('tags_f1_micro_ci95'))} |")
        L.append(f"| TAGS macro F1 | {fmt(report['tags_f1_macro'])} | |")
        for kind, b in (report["tags"].get("by_kind") or {}).items():
            L.append(f"| TAGS micro F1 ({kind}, {b['n_gold']} gold codes) | {fmt(b['micro_f1'])} | |")
    fa = report.get("faithfulness")
    if fa and fa.get("units"):
        L.append(f"| unsupported names/acronyms/numbers (% of {fa['units']}) | {fmt(fa['unsupported_share'])} | |")
        ref = fa.get("reference_summaries")
        if ref and ref.get("units"):
            L.append(f"| same, own summaries vs body (% of {ref['units']}) | {fmt(ref['unsupported_share'])} | |")
    ln = report.get("length")
    if ln:
        L.append(f"| summary words (mean / p50) | {fmt(ln['summary_words_mean'], 1)} / {fmt(ln['summary_words_p50'], 0)} | |")
        L.append(f"| reference words (mean / p50) | {fmt(ln['reference_words_mean'], 1)} / {fmt(ln['reference_words_p50'], 0)} | |")
        L.append(f"| length ratio to reference (mean) | {fmt(ln['ratio_to_reference_mean'])} | |")
    sp = report["speed"]
    L.append(f"| seconds per cable (mean / p50 / p95) | {fmt(sp['seconds_per_cable_mean'], 4)} / "
             f"{fmt(sp['seconds_per_cable_p50'], 4)} / {fmt(sp['seconds_per_cable_p95'], 4)} | |")
    L.append(f"| cables per second | {fmt(sp['cables_per_second'], 1)} | |")
    L.append(f"| peak memory (MB, process RSS) | {fmt(report['peak_memory_mb'], 0)} | |")
    if report.get("summary_in_input"):
        L.append(f"| **cables whose own summary was found in the input** | {report['summary_in_input']} | |")
    L.append("")

    L += _reading_section(report.get("reading"))

    if report.get("plots"):
        L += ["## Plots", ""]
        for p in report["plots"]:
            L.append(f"![{p}]({p})")
        L.append("")

    L += ["## Settings", "", "```json", json.dumps(report["settings"], indent=2, ensure_ascii=False), "```", ""]

    ranked = [r for r in rows if "error" not in r and row_score(r) is not None]
    ranked.sort(key=lambda r: (-row_score(r), str(r.get("id"))))
    if ranked:
        name = score_name(report)
        best, worst = ranked[:5], list(reversed(ranked[-5:]))
        for title, group in ((f"Five best cables by {name}", best), (f"Five worst cables by {name}", worst)):
            L += [f"## {title}", ""]
            for r in group:
                L += _cable_block(r, s)
    errors = [r for r in rows if "error" in r]
    if errors:
        L += ["## Errors", "", "| line | id | error |", "|---:|---|---|"]
        L += [f"| {r['line']} | {r.get('id') or '–'} | {_cell(r['error'], 300)} |" for r in errors]
        L.append("")
    return "\n".join(L) + "\n"


def _reading_section(rd: dict | None) -> list[str]:
    """What a reader sees: the sentence rates and the worst sentences, with their sources."""
    if not rd or not rd.get("sentences"):
        return []
    L = ["## What a reader sees", "",
         f"Per summary sentence ({rd['sentences']} sentences; % of them). Rules: `summarizer.reading`.", "",
         "| copied whole | words only left out | other edit | fragment | broken | names/numbers/negations changed | "
         "about the cable (clearance, participants...) | summaries with a problem | first sentence dangling (% of summaries) |",
         "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
         "| " + " | ".join(fmt(rd.get(k)) for k in ("copy", "deletion", "other_edit", "fragment", "broken", "facts_changed",
                                                  "logistics", "summaries_with_problem", "dangling_first")) + " |", ""]
    if rd.get("writer"):
        w = rd["writer"]
        L += [f"Writer: {w['written']} sentences written by the language model; the gate refused {w['refused']} "
              f"({fmt(w['refused_share'])}%) and the cable sentence stands in their place"
              + (" (" + ", ".join(f"{k} {v}" for k, v in w["reasons"].items()) + ")" if w.get("reasons") else "") + ".", ""]
    for key in ("fragment_kinds", "broken_kinds"):
        if rd.get(key):
            L.append(f"{key.split('_')[0].capitalize()}s: " + ", ".join(f"{k} {v}" for k, v in rd[key].items()) + ".")
            L.append("")
    fl = rd.get("fluency")
    if fl:
        L += [f"Fluency (SmolLM2, `--fluency`): {fl['scored']} edited sentences scored against their source; "
              f"{fmt(fl['flagged'])}% of all summary sentences read worse by more than the threshold "
              f"({fl['settings']['flagged']}).", ""]
        for e in fl["examples"]:
            L.append(f"- +{e['rise']:.2f}: {_cell(e['text'], 300)} (source: {_cell(e['source'], 300)})")
        if fl["examples"]:
            L.append("")
    if rd.get("worst"):
        L += ["### Worst sentences", "", "| sentence | problems | source sentence |", "|---|---|---|"]
        for s in rd["worst"]:
            L.append(f"| {_cell(s['text'], 300)} | {_cell('; '.join(problems(s)), 200)} | {_cell(s['source'] or '–', 300)} |")
        L.append("")
    return L


def _cable_block(r: dict, system: str) -> list[str]:
    head = f"### {r.get('id')} — {r.get('subject') or ''}".rstrip(" —")
    bits = []
    if "rouge" in r:
        bits.append(" · ".join(f"{k} {r['rouge'][k]:.1f}" for k in metrics.ROUGE_TYPES))
    if "tag_f1" in r:
        bits.append(f"tag F1 {r['tag_f1']:.1f}")
    if r.get("faithfulness", {}).get("unsupported"):
        bits.append("unsupported: " + ", ".join(r["faithfulness"]["unsupported"][:8]))
    out = [head, "", " — ".join(bits), ""]
    if "rouge" in r:
        out += [f"| own summary ({r.get('reference_words')} words) | {system} ({r.get('summary_words')} words) |", "|---|---|",
                f"| {_cell(r.get('reference'))} | {_cell(r.get('summary'))} |", ""]
    if "tags" in r:
        out += ["| own TAGS | predicted TAGS |", "|---|---|",
                f"| {' '.join(r.get('gold_tags') or []) or '–'} | {' '.join(r.get('tags') or []) or '–'} |", ""]
    return out


# --------------------------------------------------------------------------------------- plots
def write_plots(out: Path, report: dict, rows: list[dict]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in rows if "error" not in r]
    scored = [r for r in ok if row_score(r) is not None]
    name = score_name(report)
    system = report["system"]
    written: list[str] = []

    def save(fig, key):
        fig.tight_layout()
        fig.savefig(out / PLOTS[key], dpi=100)
        plt.close(fig)
        written.append(PLOTS[key])

    # 1. Score distribution
    fig, ax = plt.subplots(figsize=(7, 4))
    if any("rouge" in r for r in scored):
        for k in ("rouge1", "rouge2", "rougeLsum"):
            ax.hist([r["rouge"][k] for r in scored if "rouge" in r], bins=20, range=(0, 100), histtype="step", linewidth=1.5, label=k)
        ax.legend()
        ax.set_xlabel("F1 × 100")
    elif scored:
        ax.hist([r["tag_f1"] for r in scored], bins=20, range=(0, 100), color="tab:blue")
        ax.set_xlabel("tag F1 × 100")
    ax.set_ylabel("cables")
    ax.set_title(f"{system}: per-cable scores (n={len(scored)})")
    save(fig, "score_distribution")

    # 2. Length vs reference
    fig, ax = plt.subplots(figsize=(5.5, 5))
    pts = [(r["reference_words"], r["summary_words"]) for r in ok if "rouge" in r]
    if pts:
        xs, ys = zip(*pts)
        ax.scatter(xs, ys, s=10, alpha=0.6)
        top = max(max(xs), max(ys), 1)
        ax.plot([0, top], [0, top], color="grey", linestyle="--", linewidth=1, label="same length")
        ax.legend()
    else:
        ax.text(0.5, 0.5, "no summaries scored", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("own summary (words)")
    ax.set_ylabel(f"{system} summary (words)")
    ax.set_title("Summary length vs reference")
    save(fig, "length_vs_reference")

    # 3./4. Score by year and by origin station
    for key, field, top in (("score_by_year", "year", None), ("score_by_origin", "station", 20)):
        groups: dict = defaultdict(list)
        for r in scored:
            groups[r.get(field) if r.get(field) is not None else "?"].append(row_score(r))
        if field == "year":
            keys = sorted(groups, key=lambda k: (k == "?", str(k)))
        else:
            keys = sorted(groups, key=lambda k: (-len(groups[k]), str(k)))[:top]
        fig, ax = plt.subplots(figsize=(8, 4.5) if field == "year" else (7, 6))
        if keys:
            means = [sum(groups[k]) / len(groups[k]) for k in keys]
            labels = [f"{k} ({len(groups[k])})" for k in keys]
            if field == "year":
                ax.bar(range(len(keys)), means)
                ax.set_xticks(range(len(keys)), labels, rotation=60, ha="right", fontsize=8)
                ax.set_ylabel(f"mean {name}")
            else:
                ax.barh(range(len(keys)), means)
                ax.set_yticks(range(len(keys)), labels, fontsize=8)
                ax.invert_yaxis()
                ax.set_xlabel(f"mean {name}")
        ax.set_title(f"{system}: mean {name} by {'year' if field == 'year' else 'station (top 20 by cables)'} (n in brackets)")
        save(fig, key)
    return written
