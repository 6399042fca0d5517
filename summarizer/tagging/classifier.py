"""The TAGS classifier: one-vs-rest logistic regression over `features`, decoded by a global threshold.

Saved in a model directory as `tagger.safetensors` (weights fp16, bias, idf) and `tagger.json`
(labels, vocabulary, settings), beside the seq2seq weights, the way the sentence selector is.
Prediction is numpy only: gather the weight rows of the cable's features and sum them.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from summarizer.cable import Cable
from summarizer.tagging.features import FeatureConfig, Vocabulary, raw_features

WEIGHTS_FILE, SETTINGS_FILE = "tagger.safetensors", "tagger.json"
FORMAT = 1


@dataclass(frozen=True)
class DecodeConfig:
    threshold: float = 0.35  # a code is predicted when its probability reaches this
    min_tags: int = 1  # every cable carries at least one code, so the best one is always given
    max_tags: int = 12


@dataclass
class TagClassifier:
    labels: list[str]  # TAGS codes, normalised (upper case, single spaces)
    vocabulary: Vocabulary
    weights: np.ndarray  # float32, features × labels
    bias: np.ndarray  # float32, one per label
    features: FeatureConfig = dataclasses.field(default_factory=FeatureConfig)
    decode: DecodeConfig = dataclasses.field(default_factory=DecodeConfig)

    # ------------------------------------------------------------------------------ prediction
    def vectorise(self, cable: Cable) -> tuple[np.ndarray, np.ndarray]:
        return self.vocabulary.vectorise(raw_features(cable, self.features), self.features)

    def probabilities(self, cable: Cable) -> np.ndarray:
        """P(code on the cable's TAGS line), one per label."""
        cols, vals = self.vectorise(cable)
        logits = self.bias.astype(np.float64) + vals.astype(np.float64) @ self.weights[cols].astype(np.float64)
        return 1.0 / (1.0 + np.exp(-logits))

    def scored(self, cable: Cable) -> list[tuple[str, float]]:
        """(code, probability) of the predicted codes, most probable first."""
        return self.choose(self.probabilities(cable))

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

    # ------------------------------------------------------------------------------ training
    @classmethod
    def fit(cls, cables: list[Cable], config: "FitConfig | None" = None, log=None) -> "TagClassifier":
        """Fit on `cables` (their own TAGS are the labels). See `summarizer.tagging.fit`."""
        from summarizer.tagging.fit import FitConfig, fit_classifier

        return fit_classifier(cables, config or FitConfig(), log=log)

    # ------------------------------------------------------------------------------ files
    def save(self, directory: str | Path) -> list[Path]:
        """Write the two files into `directory` (created if needed); returns their paths."""
        from safetensors.numpy import save_file

        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        save_file(
            {"weights": self.weights.astype(np.float16), "bias": self.bias.astype(np.float32),
             "idf": self.vocabulary.idf.astype(np.float32)},
            str(d / WEIGHTS_FILE),
        )
        names = sorted(self.vocabulary.index, key=self.vocabulary.index.__getitem__)
        settings = {
            "format": FORMAT,
            "labels": self.labels,
            "features": dataclasses.asdict(self.features),
            "decode": dataclasses.asdict(self.decode),
            "vocabulary": names,  # column order
        }
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
        if s.get("format") != FORMAT:
            raise ValueError(f"{d / SETTINGS_FILE}: tagger format {s.get('format')!r}, this version reads {FORMAT}")
        arrays = load_file(str(d / WEIGHTS_FILE))
        names = s["vocabulary"]
        weights, bias, idf = arrays["weights"], arrays["bias"], arrays["idf"]
        if weights.shape != (len(names), len(s["labels"])) or idf.shape != (len(names),):
            raise ValueError(f"{d}: tagger weights do not match its vocabulary and labels")
        # Kept in fp16: a prediction only reads the few rows of the cable's features.
        return cls(list(s["labels"]), Vocabulary({f: i for i, f in enumerate(names)}, idf), weights, bias,
                   FeatureConfig(**s["features"]), DecodeConfig(**s["decode"]))
