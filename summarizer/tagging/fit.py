"""Fitting the TAGS classifier on the train split (the `tagger` stage of `summarizer train`).

One-vs-rest logistic regression over every label at once (torch, mini-batch Adam, L2 penalty; the
constant step and ten epochs regularise as well: a cosine decay scored 0.7 lower on dev). The decision
threshold is chosen on a slice of train held out from a first fit, then the classifier is refitted on
all of train, so the dev split is only ever used to report.

    summarizer train --out runs/tagger stages=tagger

fits on train, writes `tagger.safetensors` and `tagger.json` into --out, and writes dev TAGS scores
computed as `eval.score` does to `tagger_dev_report.json` (micro-F1 70.9 with geography and calibration,
69.7 with neither; the `tags-prior` baseline, `python -m eval.score --system tags-prior`, scores 50.1).

With `geography` (the default) the geographic codes are decided by the pair model of
`tagging/geography.py` instead: the classifier is fitted twice on halves of train, so that every train
cable has probabilities from a classifier that did not see it, and the pair model and its threshold are
chosen on those; so is, with `calibrate`, the regression that picks the other codes
(`tagging/calibration.py`); the threshold of the other codes is chosen on the held-out slice as before;
then the classifier is refitted on all of train (four fits, about six minutes on 2 shared cores).
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np

from summarizer import metrics
from summarizer.cable import Cable, strip_summary
from summarizer.metrics import normalise_code
from summarizer.tagging.calibration import FEATURES as CALIBRATION_FEATURES
from summarizer.tagging.calibration import CodeCalibration
from summarizer.tagging.classifier import DecodeConfig, TagClassifier
from summarizer.tagging.features import FeatureConfig, build_vocabulary, raw_features, station
from summarizer.tagging.geography import (PAIR_FEATURES, GeoRanker, fit_pair_weights, station_code_shares,
                                          station_countries)
from summarizer.tags import tag_kind

THRESHOLDS = tuple(round(float(t), 3) for t in np.arange(0.1, 0.61, 0.025))


@dataclass(frozen=True)
class FitConfig:
    features: FeatureConfig = field(default_factory=FeatureConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    min_label_count: int = 3  # codes rarer than this in train are never predicted
    keep_weights: int = 1_200_000  # the largest weights kept: 4 bytes each in the file
    l2: float = 1e-5  # per cable: the penalty is l2 * |W|^2 against the mean loss of one cable
    epochs: int = 10
    batch_size: int = 256
    lr: float = 0.1
    seed: int = 0
    tune_threshold: bool = True  # choose decode.threshold on a held-out slice of the training cables
    holdout: float = 0.15
    geography: bool = True  # the geographic codes by the pair model (station, countries named), not the classifier
    calibrate: bool = True  # with geography: the other codes by `tagging/calibration.py`, not decode.threshold
    geo_l2: float = 1e-3


def gold_codes(cable: Cable) -> list[str]:
    return list(dict.fromkeys(normalise_code(c) for c in cable.tag_codes if c.strip()))


def fit_classifier(cables: list[Cable], config: FitConfig, log=None) -> TagClassifier:
    """Fit on the cables that carry TAGS. With `tune_threshold`, a first fit on part of them picks
    the threshold that maximises micro-F1 on the rest; the returned classifier is fitted on all."""
    log = log or (lambda *_: None)
    cables = [c for c in cables if gold_codes(c)]
    if not cables:
        raise ValueError("no cable with TAGS to fit the tag classifier on")
    decode = config.decode
    if config.geography and len(cables) >= 20:
        return _fit_with_geography(cables, config, log)
    if config.tune_threshold and len(cables) >= 20:
        rng = np.random.default_rng(config.seed)
        order = rng.permutation(len(cables))
        cut = max(1, int(round(len(cables) * config.holdout)))
        held, rest = [cables[i] for i in order[:cut]], [cables[i] for i in order[cut:]]
        first = _fit(rest, config, log)
        threshold, f1 = best_threshold(first, held)
        log(f"threshold {threshold:.3f} (micro-F1 {f1:.2f} on {len(held)} held-out train cables)")
        decode = replace(decode, threshold=threshold)
    return _fit(cables, replace(config, decode=decode), log)


def _fit_with_geography(cables: list[Cable], config: FitConfig, log) -> TagClassifier:
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(cables))
    halves = [order[::2], order[1::2]]
    held_probs: list[tuple[list[str], np.ndarray] | None] = [None] * len(cables)
    for k, held in enumerate(halves):
        held_set = set(held.tolist())
        half = _fit([c for i, c in enumerate(cables) if i not in held_set], config, log)
        for i in held:
            held_probs[i] = (half.labels, half.probabilities(cables[i]))
    geography = _fit_geography(cables, held_probs, config, log)
    calibration = _fit_calibration(cables, held_probs, log) if config.calibrate else None
    # The other codes' threshold (the calibration's, or the classifier's own) on a slice held out from a
    # fit on the rest, as without geography: a classifier fitted on half of train is less sure of itself,
    # and a threshold best for it (0.175 against 0.2-0.25 for the raw probabilities, 0.30 against 0.35 for
    # the calibrated ones) is too low for the classifier fitted on all of train.
    cut = max(1, int(round(len(cables) * config.holdout)))
    held, rest = [cables[i] for i in order[:cut]], [cables[i] for i in order[cut:]]
    first = _fit(rest, config, log)
    first.geography, first.calibration = geography, calibration
    threshold, f1 = _best_other_threshold(first, held)
    log(f"threshold {threshold:.3f} for the codes of other kinds{' (calibrated)' if calibration else ''} "
        f"(their micro-F1 {f1:.2f} on {len(held)} held-out train cables)")
    if calibration is not None:
        calibration.threshold = threshold
    clf = _fit(cables, replace(config, decode=replace(config.decode, threshold=threshold)), log)
    clf.geography, clf.calibration = geography, calibration
    return clf


def _fit_geography(cables: list[Cable], held_probs, config: FitConfig, log):
    """The pair model of the geographic codes, fitted and thresholded on cross-fitted probabilities."""
    keyed = [(station(c), gold_codes(c)) for c in cables]
    shares = station_code_shares(keyed)
    n = len(cables)
    prior = {c: k / n for c, k in Counter(x for _, g in keyed for x in set(g) if tag_kind(x) == "geographic").items()}
    geo = GeoRanker(weights=[0.0] * len(PAIR_FEATURES), threshold=0.5, stations=station_countries(keyed),
                    prior=dict(sorted(prior.items())), station_codes=shares)
    by_station = Counter(st for st, _ in keyed)
    rows, y = [], []
    for i, (cable, (st, gold)) in enumerate(zip(cables, keyed)):
        labels, probs = held_probs[i]
        clf_probs = {c: float(p) for c, p in zip(labels, probs) if tag_kind(c) == "geographic"}
        cands, x, _ = geo.pairs(cable, st, clf_probs, _shares_without(shares.get(st or "", {}), by_station[st], gold))
        wanted = {c for c in gold if tag_kind(c) == "geographic"}
        rows.append(x)
        y += [float(c in wanted) for c in cands]
    x_all, y_all = np.vstack(rows), np.asarray(y)
    # every geographic code on a train cable, also those no candidate holds: the F1 a reader would see
    n_gold = float(sum(tag_kind(c) == "geographic" for _, g in keyed for c in set(g)))
    geo.weights = fit_pair_weights(x_all, y_all, l2=config.geo_l2).tolist()
    p = geo.probabilities(x_all)
    best = _best_threshold(p, y_all, n_gold)
    geo.threshold = best[0]
    log(f"geography: {len(y_all)} (cable, country) pairs of {n} train cables, {int(y_all.sum())} tagged; "
        f"threshold {best[0]:.3f} (geographic micro-F1 {best[1]:.2f} on train, cross-fitted); "
        f"{len(geo.stations)} stations with a country")
    return geo


def _fit_calibration(cables: list[Cable], held_probs, log) -> CodeCalibration:
    """The regression that picks the non-geographic codes, fitted and thresholded on cross-fitted
    probabilities (which transfer: the features are the logit and its context, not a fixed cut)."""
    n = len(cables)
    gold = [{c for c in gold_codes(c) if tag_kind(c) != "geographic"} for c in cables]
    prior = Counter(c for g in gold for c in g)
    cal = CodeCalibration(weights=[0.0] * len(CALIBRATION_FEATURES), threshold=0.5,
                          prior={c: k / n for c, k in sorted(prior.items())})
    rows, y = [], []
    for (labels, probs), wanted in zip(held_probs, gold):
        skip = {i for i, c in enumerate(labels) if tag_kind(c) == "geographic"}
        idx, x = cal.rows(labels, probs, skip)
        rows.append(x)
        y += [float(labels[i] in wanted) for i in idx]
    x_all, y_all = np.vstack(rows), np.asarray(y)
    cal.weights = fit_pair_weights(x_all, y_all).tolist()
    p = cal.probabilities(x_all)
    n_gold = float(sum(len(g) for g in gold))
    best = _best_threshold(p, y_all, n_gold)
    cal.threshold = best[0]
    log(f"calibration of the other codes: {len(y_all)} (cable, code) pairs; threshold {best[0]:.3f} "
        f"(their micro-F1 {best[1]:.2f} on train, cross-fitted)")
    return cal


def _best_threshold(p, y, n_gold: float) -> tuple[float, float]:
    """(threshold, micro-F1 x100) of the first of THRESHOLDS with the best F1 of the pairs' probabilities `p`
    against their labels `y`, counting `n_gold` codes in all (those no pair holds are misses too)."""
    best = (0.5, -1.0)
    for t in THRESHOLDS:
        tp = float(((p >= t) & (y == 1)).sum())
        f1 = 200 * tp / (float((p >= t).sum()) + n_gold) if tp else 0.0
        if f1 > best[1] + 1e-9:
            best = (float(t), f1)
    return best


def _shares_without(shares: dict[str, float], n: int, own: list[str]) -> dict[str, float]:
    """A station's code shares without one of its cables (its own codes would tell the pair model the answer)."""
    if n < 2:
        return {}
    own = set(own)
    out = {c: (s * n - (c in own)) / (n - 1) for c, s in shares.items()}
    return {c: s for c, s in out.items() if s > 1e-9}


def _best_other_threshold(classifier: TagClassifier, cables: list[Cable]) -> tuple[float, float]:
    """The threshold of the non-geographic codes (calibrated, where `classifier` has a calibration) that
    maximises their micro-F1 on `cables`."""
    best = (DecodeConfig().threshold, -1.0)
    gold = [[c for c in gold_codes(c) if tag_kind(c) != "geographic"] for c in cables]
    probs = [classifier.probabilities(c) for c in cables]
    skip = {i for i, c in enumerate(classifier.labels) if tag_kind(c) == "geographic"}
    cal = classifier.calibration
    scored = []  # each cable's (code, the probability its threshold is compared with)
    for p in probs:
        if cal is not None:
            idx, rows = cal.rows(classifier.labels, p, skip)
            scored.append(list(zip([classifier.labels[i] for i in idx], cal.probabilities(rows).tolist())) if idx else [])
        else:
            scored.append([(classifier.labels[i], float(p[i])) for i in range(len(p)) if i not in skip])
    for t in THRESHOLDS:
        f1 = micro_f1([[c for c, q in s if q >= t] for s in scored], gold)
        if f1 > best[1] + 1e-9:
            best = (float(t), f1)
    return best


def best_threshold(classifier: TagClassifier, cables: list[Cable]) -> tuple[float, float]:
    probs = [classifier.probabilities(c) for c in cables]
    gold = [gold_codes(c) for c in cables]
    best = (classifier.decode.threshold, -1.0)
    for t in THRESHOLDS:
        clf = classifier.with_decode(replace(classifier.decode, threshold=float(t)))
        f1 = micro_f1([[code for code, _ in clf.choose(p)] for p in probs], gold)
        if f1 > best[1] + 1e-9:
            best = (float(t), f1)
    return best


def micro_f1(predicted: list[list[str]], gold: list[list[str]]) -> float:
    tp = fp = fn = 0
    for p, g in zip(predicted, gold):
        p, g = set(p), set(g)
        tp, fp, fn = tp + len(p & g), fp + len(p - g), fn + len(g - p)
    return 200 * tp / (2 * tp + fp + fn) if tp else 0.0


def _fit(cables: list[Cable], config: FitConfig, log) -> TagClassifier:
    t0 = time.perf_counter()
    fc = config.features
    raws = [raw_features(c, fc) for c in cables]
    vocab = build_vocabulary(raws, fc)
    counts = Counter(code for c in cables for code in gold_codes(c))
    labels = sorted((c for c, n in counts.items() if n >= config.min_label_count), key=lambda c: (-counts[c], c))
    if not labels:  # a tiny corpus: keep what there is rather than predict nothing
        labels = sorted(counts, key=lambda c: (-counts[c], c))
    col = {c: j for j, c in enumerate(labels)}
    y = np.zeros((len(cables), len(labels)), dtype=np.float32)
    for i, c in enumerate(cables):
        for code in gold_codes(c):
            if code in col:
                y[i, col[code]] = 1.0
    docs = [vocab.vectorise(r, fc) for r in raws]
    weights, bias = _train(docs, y, len(vocab), config)
    clf = TagClassifier.from_dense(labels, vocab, weights, bias, fc, config.decode, keep=config.keep_weights)
    log(f"fitted {len(labels)} codes × {len(vocab)} features on {len(cables)} cables in "
        f"{time.perf_counter() - t0:.1f}s; kept {clf.n_weights:,} of {weights.size:,} weights")
    return clf


def _train(docs: list[tuple[np.ndarray, np.ndarray]], y: np.ndarray, n_features: int, config: FitConfig):
    """Mini-batch Adam on the mean logistic loss + l2 |W|^2, with the gradient written by hand.

    Both products are `embedding_bag` sums, which are fast on CPU: logits = X W + b sums the weight
    rows of each cable's features; the weight gradient X^T (p - y) sums, for each feature, the
    residual rows of the cables that have it (autograd's backward of `embedding_bag` was ten times
    slower). The batches are drawn once and visited in a new order each epoch, so the per-feature
    grouping is built once."""
    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(config.seed)
    n, n_labels = y.shape
    weight = torch.zeros(n_features, n_labels)
    rate = (y.sum(0) + 0.5) / (n + 1.0)
    bias = torch.from_numpy(np.log(rate / (1 - rate)).astype(np.float32))
    weight.grad, bias.grad = torch.zeros_like(weight), torch.zeros_like(bias)
    try:  # the fused step is five times faster on CPU than the default one
        opt = torch.optim.Adam([weight, bias], lr=config.lr, fused=True)
    except (RuntimeError, TypeError):
        opt = torch.optim.Adam([weight, bias], lr=config.lr)
    yt = torch.from_numpy(y)
    batches = [_batch(docs, idx.tolist(), n_features) for idx in torch.randperm(n, generator=g).split(config.batch_size)]
    for _ in range(config.epochs):
        for k in torch.randperm(len(batches), generator=g).tolist():
            b = batches[k]
            logits = F.embedding_bag(b.cols, weight, b.offsets, mode="sum", per_sample_weights=b.vals) + bias
            residual = (torch.sigmoid(logits) - yt[b.ids]) / len(b.ids)
            grad = F.embedding_bag(b.t_rows, residual, b.t_offsets, mode="sum", per_sample_weights=b.t_vals)
            torch.add(grad, weight, alpha=2 * config.l2, out=weight.grad)
            torch.sum(residual, 0, out=bias.grad)
            opt.step()
    return weight.numpy().copy(), bias.numpy().astype(np.float32).copy()


@dataclass
class _Batch:
    ids: "torch.Tensor"  # noqa: F821 - cables of the batch
    cols: "torch.Tensor"  # noqa: F821 - X by cable: feature columns, values, bag offsets
    vals: "torch.Tensor"  # noqa: F821
    offsets: "torch.Tensor"  # noqa: F821
    t_rows: "torch.Tensor"  # noqa: F821 - X^T by feature: positions in the batch, values, bag offsets
    t_vals: "torch.Tensor"  # noqa: F821
    t_offsets: "torch.Tensor"  # noqa: F821


def _batch(docs, ids: list[int], n_features: int) -> _Batch:
    import torch

    cols = np.concatenate([docs[i][0] for i in ids])
    vals = np.concatenate([docs[i][1] for i in ids])
    lengths = np.array([len(docs[i][0]) for i in ids])
    rows = np.repeat(np.arange(len(ids)), lengths)
    order = np.argsort(cols, kind="stable")
    t_offsets = np.concatenate([[0], np.bincount(cols, minlength=n_features).cumsum()[:-1]])
    offsets = np.concatenate([[0], lengths.cumsum()[:-1]])
    as_long = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.int64))  # noqa: E731
    return _Batch(as_long(ids), as_long(cols), torch.from_numpy(vals.astype(np.float32)), as_long(offsets),
                  as_long(rows[order]), torch.from_numpy(vals[order].astype(np.float32)), as_long(t_offsets))


# ---------------------------------------------------------------------------------- the command
def evaluate(predict, cables: list[Cable]) -> dict:
    """TAGS scores of `predict(cable) -> codes` as `eval.score` computes them: cables with own TAGS,
    each seen without its own summary, codes normalised, micro/macro F1 overall and by kind."""
    pairs = []
    for c in cables:
        gold = gold_codes(c)
        if gold:
            pred = list(dict.fromkeys(normalise_code(t) for t in predict(strip_summary(c))))
            pairs.append((pred, gold))
    return metrics.tag_scores(pairs, kind_of=tag_kind)


def format_scores(name: str, s: dict) -> str:
    kinds = s.get("by_kind", {})
    parts = [f"{name:<16} micro-F1 {s['micro_f1']:6.2f}  P {s['micro_p']:5.2f}  R {s['micro_r']:5.2f}  macro {s['macro_f1']:5.2f}"]
    parts += [f"{k} {kinds[k]['micro_f1']:.2f}" for k in ("subject", "geographic", "program", "organisation") if k in kinds]
    return "  |  ".join(parts)
