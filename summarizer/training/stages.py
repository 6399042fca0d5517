"""`summarizer train`: build a model directory stage by stage (`TrainConfig.stages`).

- `seq2seq`: the weights, tokenizer and settings (the loop in `loop.py`, the directory in `export.py`);
- `selector`: the sentence selector, fitted on the train cables that have own summaries (`selection/fit.py`);
- `tagger`: the TAGS classifier, fitted on train and scored on dev (`tagging/fit.py`);
- `writer`: the LoRA adapter of the causal writer that rewrites the chosen sentences (`writer.py`).

The shipped directory has no seq2seq weights: the selector, the classifier and the writer's adapter
(`summarizer/model/default/README.md`, "Reproduce this directory").
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from summarizer.selection.fit import fit_scorer
from summarizer.tagging.fit import FitConfig, evaluate, fit_classifier, format_scores
from summarizer.training.config import TrainConfig
from summarizer.training.loop import train_on
from summarizer.training.modeling import TrainError
from summarizer.training.pairs import load_cables
from summarizer.training.writer import train_writer


def train(cfg: TrainConfig, log=print) -> Path:
    """Parse the corpus in `cfg.data` and build each of `cfg.stages` into `cfg.out`."""
    stages = cfg.stage_list()
    t_start = time.time()
    data = Path(cfg.data)
    train_cables = load_cables(data / "cables-train.jsonl.gz", cfg.limit_train, log)
    dev_cables = load_cables(data / "cables-dev.jsonl.gz", cfg.limit_dev, log)
    log(f"parsed {len(train_cables)} train / {len(dev_cables)} dev cables in {time.time() - t_start:.1f}s")
    out = Path(cfg.out)
    if "seq2seq" in stages:
        train_on(cfg, train_cables, dev_cables, log=log, t_start=t_start)
    out.mkdir(parents=True, exist_ok=True)
    if "selector" in stages:
        fit_selector(cfg, train_cables, log)
    if "tagger" in stages:
        fit_tagger(cfg, train_cables, dev_cables, log)
    if "writer" in stages:
        train_writer(cfg, train_cables, dev_cables, log)
    return out


def fit_selector(cfg: TrainConfig, train_cables, log=print) -> None:
    cables = [c for c in train_cables if c.summary and c.body]
    if not cables:
        raise TrainError("the selector stage needs train cables with an own summary; none has one")
    t0 = time.perf_counter()
    log(f"selector: labelling the sentences of {len(cables)} train cables with own summaries (greedy oracle)")
    scorer = fit_scorer(cables, log=log)
    scorer.length_scale = cfg.selector_length_scale
    scorer.save(cfg.out)
    log(f"selector fitted on {len(cables)} train cables in {time.perf_counter() - t0:.0f}s; saved in {cfg.out}")


def fit_tagger(cfg: TrainConfig, train_cables, dev_cables, log=print) -> None:
    """Fit the classifier, save it, and write its dev scores (as `eval.score` computes them) beside it."""
    t0 = time.perf_counter()
    try:
        clf = fit_classifier(train_cables, FitConfig(), log=log)
    except ValueError as e:  # no cable with TAGS
        raise TrainError(f"the tagger stage: {e}") from None
    t_fit = time.perf_counter() - t0
    for f in clf.save(cfg.out):
        log(f"wrote {f} ({f.stat().st_size / 1e6:.2f} MB); fitted in {t_fit:.1f}s")
    if not dev_cables:
        return
    t0 = time.perf_counter()
    scores = evaluate(clf.predict, dev_cables)
    per_cable = (time.perf_counter() - t0) / len(dev_cables)
    log(f"dev ({scores['n']} cables with TAGS; classifier {1000 * per_cable:.1f} ms a cable):")
    log(format_scores("tag-classifier", scores))
    report = {"classifier": scores, "fit_seconds": round(t_fit, 1), "ms_per_cable": round(1000 * per_cable, 2),
              "threshold": clf.decode.threshold, "labels": len(clf.labels), "features": len(clf.vocabulary)}
    (Path(cfg.out) / "tagger_dev_report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
