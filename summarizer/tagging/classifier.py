"""The TAGS classifier: one-vs-rest logistic regression over `features`, decoded by a global threshold;
with a `geography` (tagging/geography.py), the geographic codes are decided by its pair model instead:
the station's country and the countries the cable names, weighed together with these probabilities; with
a `calibration` (tagging/calibration.py), the other codes by a regression over each one's probability.

Saved in a model directory as `tagger.safetensors` (weights, bias, idf) and `tagger.json` (labels,
vocabulary, settings), the way the sentence selector is. The weights are
kept sparse: only the largest ones (about a tenth; dropping the rest cost 0.1 point of micro-F1 on
dev), by feature row (CSR: `indptr`, `label_index`, `values` in fp16). Prediction is numpy only:
sum, per label, the kept weights of the cable's features.
"""
from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from summarizer.cable import Cable
from summarizer.tagging.features import FeatureConfig, Vocabulary, raw_features, station
from summarizer.tagging.calibration import CodeCalibration
from summarizer.tagging.geography import ALIASES, GeoRanker
from summarizer.tags import tag_kind

WEIGHTS_FILE, SETTINGS_FILE = "tagger.safetensors", "tagger.json"
FORMAT = 2  # 2: `geography` added; a file without it (format 1) is read as before
READS = (1, 2)
EVIDENCE_WORDS = 4  # the most a code's evidence names
COUNTRY_OF = {alias: code for code, aliases in ALIASES.items() for alias in aliases}  # JP -> JA, RU -> RS


@dataclass(frozen=True)
class DecodeConfig:
    threshold: float = 0.2  # a code is predicted when its probability reaches this
    min_tags: int = 1  # every cable carries at least one code, so the best one is always given
    max_tags: int = 12


@dataclass
class TagClassifier:
    labels: list[str]  # TAGS codes, normalised (upper case, single spaces)
    vocabulary: Vocabulary
    indptr: np.ndarray  # int64, features + 1: the kept weights of feature j are [indptr[j], indptr[j + 1])
    label_index: np.ndarray  # int64, the label of each kept weight
    values: np.ndarray  # float32 holding fp16 values, so a reloaded classifier predicts the same
    bias: np.ndarray  # float32, one per label
    features: FeatureConfig = dataclasses.field(default_factory=FeatureConfig)
    decode: DecodeConfig = dataclasses.field(default_factory=DecodeConfig)
    geography: GeoRanker | None = None  # decides the geographic codes, where the classifier was fitted with it
    calibration: CodeCalibration | None = None  # decides the other codes, where fitted (else decode.threshold)

    @classmethod
    def from_dense(cls, labels: list[str], vocabulary: Vocabulary, weights: np.ndarray, bias: np.ndarray,
                   features: FeatureConfig, decode: DecodeConfig, keep: int | None = None) -> "TagClassifier":
        """Keep the `keep` largest of the features × labels `weights` (all when None)."""
        w = weights.astype(np.float16).astype(np.float32)
        mask = w != 0
        if keep is not None and keep < int(mask.sum()):
            flat = np.abs(w).ravel()
            cut = np.partition(flat, flat.size - keep)[flat.size - keep]
            mask &= np.abs(w) >= cut
        rows, cols = np.nonzero(mask)  # row-major, so already grouped by feature
        indptr = np.zeros(w.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=w.shape[0]), out=indptr[1:])
        return cls(list(labels), vocabulary, indptr, cols.astype(np.int64), w[rows, cols],
                   bias.astype(np.float32), features, decode)

    @property
    def n_weights(self) -> int:
        return int(self.values.size)

    # ------------------------------------------------------------------------------ prediction
    def vectorise(self, cable: Cable) -> tuple[np.ndarray, np.ndarray]:
        return self.vocabulary.vectorise(raw_features(cable, self.features), self.features)

    def probabilities(self, cable: Cable) -> np.ndarray:
        """P(code on the cable's TAGS line), one per label."""
        cols, vals = self.vectorise(cable)
        starts, ends = self.indptr[cols], self.indptr[cols + 1]
        counts = ends - starts
        # Positions of every kept weight of the cable's features, without a Python loop.
        pos = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts) + np.arange(counts.sum())
        x = np.repeat(vals.astype(np.float64), counts)
        logits = self.bias + np.bincount(self.label_index[pos], weights=x * self.values[pos], minlength=len(self.labels))
        return 1.0 / (1.0 + np.exp(-logits))

    def scored(self, cable: Cable) -> list[tuple[str, float]]:
        """(code, probability) of the predicted codes, most probable first."""
        probs = self.probabilities(cable)
        if self.geography is None and self.calibration is None:
            return self.choose(probs)
        return self.choose_with_geography(probs, self.geographic(cable, probs) if self.geography else None)

    def geographic(self, cable: Cable, probs: np.ndarray) -> list[tuple[str, float]]:
        """(code, probability) of every geographic candidate of `cable` by the pair model."""
        cands, rows, _ = self.geography.pairs(cable, station(cable), self.geographic_probabilities(probs))
        return list(zip(cands, self.geography.probabilities(rows).tolist())) if cands else []

    def geographic_probabilities(self, probs: np.ndarray) -> dict[str, float]:
        return {self.labels[i]: float(probs[i]) for i in self._geographic_labels()}

    def _geographic_labels(self) -> list[int]:
        cached = self.__dict__.get("_geo_index")
        if cached is None:
            cached = self.__dict__["_geo_index"] = [i for i, c in enumerate(self.labels) if tag_kind(c) == "geographic"]
        return cached

    def choose_with_geography(self, probs: np.ndarray, geographic: list[tuple[str, float]] | None) -> list[tuple[str, float]]:
        """The classifier's codes of the other kinds (by `calibration`, else decode.threshold) with the pair
        model's geographic ones (geography.threshold; None: no pair model, the classifier's own): at least
        one geographic code where there is a candidate, as nearly every cable carries one; then at most
        max_tags, and at least min_tags, most probable first."""
        d, geo = self.decode, self.geography
        skip = set(self._geographic_labels()) if geographic is not None else set()
        if self.calibration is not None:
            idx, rows = self.calibration.rows(self.labels, probs, skip)
            q = self.calibration.probabilities(rows) if idx else np.zeros(0)
            other = [(self.labels[i], float(p)) for i, p in zip(idx, q) if p >= self.calibration.threshold]
        else:
            other = [(self.labels[i], float(probs[i])) for i in np.flatnonzero(probs >= d.threshold) if i not in skip]
        if geographic is None:
            return self.choose_ordered(other, probs, skip)
        places, countries = [], set()
        for code, p in sorted(geographic, key=lambda t: -t[1]):
            if COUNTRY_OF.get(code, code) not in countries:  # one code a country: JA or JP, not both
                countries.add(COUNTRY_OF.get(code, code))
                places.append((code, p))
        return self.choose_ordered(other + ([t for t in places if t[1] >= geo.threshold] or places[:1]), probs, skip)

    def choose_ordered(self, chosen: list[tuple[str, float]], probs: np.ndarray, skip: set[int]) -> list[tuple[str, float]]:
        """`chosen` most probable first, cut to max_tags, topped up to min_tags from the classifier."""
        d = self.decode
        chosen = sorted(chosen, key=lambda t: -t[1])
        if len(chosen) < d.min_tags:
            rest = [(self.labels[i], float(probs[i])) for i in np.argsort(-probs, kind="stable") if i not in skip]
            chosen += [t for t in rest if t[0] not in {c for c, _ in chosen}][: d.min_tags - len(chosen)]
        return chosen[: d.max_tags]

    def evidence(self, cable: Cable, codes: list[str]) -> dict[str, list[str]]:
        """code -> the words of `cable` that made it a predicted code, strongest first: for a geographic
        code the station and the names of the country as the cable writes them ("Brazilian ×3"); for
        any other, the words and subject words whose weights added most to its probability."""
        out: dict[str, list[str]] = {}
        mentions = None
        index = {c: i for i, c in enumerate(self.labels)}
        cols, vals = self.vectorise(cable)
        names = self.vocabulary.names()
        st = station(cable)
        for code in codes:
            words: list[str] = []
            if self.geography is not None and tag_kind(code) == "geographic":
                if mentions is None:
                    _, _, mentions = self.geography.pairs(cable, st, {})
                if st and self.geography.station_country(st) == code:
                    words.append(f"sent from {st}")
                seen = Counter(mentions.words.get(code, []))
                words += [w if n == 1 else f"{w} ×{n}" for w, n in seen.most_common(EVIDENCE_WORDS)]
            if len(words) < EVIDENCE_WORDS and code in index:
                said = {w.split(" ×")[0].lower() for w in words}  # "Russia ×7" already says "russia"
                words += [w for w in self._feature_evidence(index[code], cols, vals, names) if w.lower() not in said]
            out[code] = words[:EVIDENCE_WORDS]
        return out

    def _feature_evidence(self, label: int, cols: np.ndarray, vals: np.ndarray, names: list[str]) -> list[str]:
        """The cable's features that added most to `label`'s logit, as readable words."""
        contributions = []
        for j, v in zip(cols.tolist(), vals.tolist()):
            lo, hi = self.indptr[j], self.indptr[j + 1]
            hit = np.flatnonzero(self.label_index[lo:hi] == label)
            if hit.size:
                contributions.append((v * float(self.values[lo + hit[0]]), names[j]))
        contributions.sort(reverse=True)
        return [readable_feature(name) for c, name in contributions[:EVIDENCE_WORDS] if c > 0]

    def choose(self, probs: np.ndarray) -> list[tuple[str, float]]:
        d = self.decode
        order = np.argsort(-probs, kind="stable")
        keep = [i for i in order[: d.max_tags] if probs[i] >= d.threshold]
        if len(keep) < d.min_tags:
            keep = list(order[: d.min_tags])
        return [(self.labels[i], float(probs[i])) for i in keep]

    def predict(self, cable: Cable) -> list[str]:
        """The predicted TAGS codes, most probable first; never empty."""
        return [code for code, _ in self.scored(cable)]

    def with_decode(self, decode: DecodeConfig) -> "TagClassifier":
        return dataclasses.replace(self, decode=decode)

    # ------------------------------------------------------------------------------ files
    def save(self, directory: str | Path) -> list[Path]:
        """Write the two files into `directory` (created if needed); returns their paths."""
        from safetensors.numpy import save_file

        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        index_type = np.uint16 if len(self.labels) <= np.iinfo(np.uint16).max else np.int32
        save_file(
            {"indptr": self.indptr.astype(np.int32), "label_index": self.label_index.astype(index_type),
             "values": self.values.astype(np.float16), "bias": self.bias.astype(np.float32),
             "idf": self.vocabulary.idf.astype(np.float32)},
            str(d / WEIGHTS_FILE),
        )
        names = sorted(self.vocabulary.index, key=self.vocabulary.index.__getitem__)
        settings = {
            # (an older reader can use a format 1 file)
            "format": FORMAT if self.geography is not None or self.calibration is not None else 1,
            "labels": self.labels,
            "features": dataclasses.asdict(self.features),
            "decode": dataclasses.asdict(self.decode),
            "vocabulary": names,  # column order
        }
        if self.geography is not None:
            settings["geography"] = self.geography.to_json()
        if self.calibration is not None:
            settings["calibration"] = self.calibration.to_json()
        (d / SETTINGS_FILE).write_text(json.dumps(settings, separators=(",", ":")), encoding="utf-8")
        return [d / WEIGHTS_FILE, d / SETTINGS_FILE]

    @classmethod
    def load(cls, directory: str | Path) -> "TagClassifier | None":
        """The classifier saved in a model directory, or None when it has none."""
        from safetensors.numpy import load_file

        d = Path(directory)
        if not (d / WEIGHTS_FILE).is_file() or not (d / SETTINGS_FILE).is_file():
            return None
        s = json.loads((d / SETTINGS_FILE).read_text(encoding="utf-8"))
        if s.get("format") not in READS:
            raise ValueError(f"{d / SETTINGS_FILE}: tagger format {s.get('format')!r}, this version reads "
                             f"{' and '.join(map(str, READS))}")
        arrays = load_file(str(d / WEIGHTS_FILE))
        names, labels = s["vocabulary"], s["labels"]
        indptr, label_index = arrays["indptr"].astype(np.int64), arrays["label_index"].astype(np.int64)
        values, bias, idf = arrays["values"].astype(np.float32), arrays["bias"], arrays["idf"]
        if (indptr.shape != (len(names) + 1,) or idf.shape != (len(names),) or bias.shape != (len(labels),)
                or indptr[-1] != values.size or label_index.size != values.size
                or (label_index.size and label_index.max() >= len(labels))):
            raise ValueError(f"{d}: tagger weights do not match its vocabulary and labels")
        geography = GeoRanker.from_json(s["geography"]) if s.get("geography") else None
        calibration = CodeCalibration.from_json(s["calibration"]) if s.get("calibration") else None
        return cls(list(labels), Vocabulary({f: i for i, f in enumerate(names)}, idf), indptr, label_index,
                   values, bias, FeatureConfig(**s["features"]), DecodeConfig(**s["decode"]), geography, calibration)


def readable_feature(name: str) -> str:
    """A feature's name as a reader would say it: 'patent', 'patent (subject)', 'drug prices (subject)',
    'sent from BRASILIA'."""
    if name.startswith("st:"):
        return f"sent from {name[3:]}"
    if name.startswith("s:"):
        return name[2:].replace("_", " ") + " (subject)"
    return name
